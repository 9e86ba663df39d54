/**
 * Every collector, in one list. Adding a collector is one file and one line here;
 * test/collectors/registry.test.ts pins the registered ids.
 */
import { awsConfigCollector } from './aws-config.js';
import { cloudTrailCollector } from './cloudtrail.js';
import { githubCollector } from './github.js';
import { guardDutyCollector } from './guardduty.js';
import { iamCollector } from './iam.js';
import { oktaCollector } from './okta.js';
import { organizationCollector } from './organization.js';
import type { AnyCollector } from './types.js';

export const COLLECTORS: readonly AnyCollector[] = [
  guardDutyCollector,
  iamCollector,
  awsConfigCollector,
  cloudTrailCollector,
  organizationCollector,
  oktaCollector,
  githubCollector,
];

export function findCollector(id: string): AnyCollector | undefined {
  return COLLECTORS.find((c) => c.id === id);
}
