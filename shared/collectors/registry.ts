/**
 * Every collector, in one list: adding one is a folder (shared/collectors/<id>/, see
 * types.ts) and one line here. The checks, the config schema, the IAM roles, the expected
 * series and the README/docs tables are derived from this list; test/collectors/registry.test.ts
 * pins the ids and test/collectors/contract.test.ts pins that nothing else needs an edit.
 */
import awsConfig from './aws-config/index.js';
import awsIdentityCenter from './aws-identity-center/index.js';
import awsRegions from './aws-regions/index.js';
import backup from './backup/index.js';
import changeRecords from './change-records/index.js';
import cloudtrail from './cloudtrail/index.js';
import encryption from './encryption/index.js';
import github from './github/index.js';
import githubChanges from './github-changes/index.js';
import githubMembers from './github-members/index.js';
import githubVulnerabilities from './github-vulnerabilities/index.js';
import guardduty from './guardduty/index.js';
import iam from './iam/index.js';
import inspector from './inspector/index.js';
import okta from './okta/index.js';
import oktaUsers from './okta-users/index.js';
import organization from './organization/index.js';
import type { CollectorModule } from './types.js';

export const MODULES: readonly CollectorModule[] = [
  guardduty,
  iam,
  awsConfig,
  cloudtrail,
  awsRegions,
  organization,
  awsIdentityCenter,
  okta,
  oktaUsers,
  github,
  githubChanges,
  githubMembers,
  changeRecords,
  encryption,
  backup,
  inspector,
  githubVulnerabilities,
];

/**
 * Every collector's declaration, in this order: from the generated declarations-only list
 * (`npm run docs`), which the functions and the collect path import instead of this module so
 * their bundles carry no check code; test/collectors/contract.test.ts pins that it holds
 * exactly `MODULES`' collectors.
 */
export { COLLECTORS, findCollector } from './declarations.generated.js';

/** Every population `sample --population` can draw from. */
export const POPULATIONS = MODULES.flatMap((m) => m.populations ?? []);
