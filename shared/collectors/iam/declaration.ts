/** IAM (CC6.1, CC6.2, CC6.3), one account per scope: what the collector declares (its code: collector.ts). */
import { type AwsAccountScope, accountScopes } from '../../aws/accounts.js';
import type { Config } from '../../config.js';
import { freshnessBound, staleness } from '../freshness.js';
import type { Collector } from '../types.js';
import type { IamData } from './collector.js';

/** The `user` of the root account's credential report row. */
export const ROOT_ACCOUNT = '<root_account>';

export const iam: Collector<AwsAccountScope, IamData> = {
  id: 'iam',
  source: 'aws',
  controls: ['CC6.1', 'CC6.2', 'CC6.3'],
  scopePattern: 'aws-<account>',
  /** The IAM actions the collector calls (docs/aws-collectors.md; the CDK role grants exactly these). */
  permissions: [
    'iam:GenerateCredentialReport',
    'iam:GetCredentialReport',
    'iam:GetAccountPasswordPolicy',
    'iam:GetAccountSummary',
    'iam:GetAccountAuthorizationDetails',
  ],
  description:
    'IAM credential report, password policy, account summary and authorization details (users, groups, roles, policies)',
  scopes: accountScopes,
};

/** The finding id of a credential report too old to judge (iam-console-mfa, iam-key-rotation). */
export const STALE_REPORT = 'stale-credential-report';

/**
 * Why a snapshot's credential report is not the state of its collection time: no generation
 * time, or generated more than `checks.freshnessHours.credentialReport` (24 h by default; IAM
 * reuses a report up to 4 hours old) before `collectedAt`; undefined when it is fresh. Pure:
 * the collector (to regenerate, then mark the snapshot partial) and the checks (never to judge
 * a stale report as the day's state) ask the same question (collectors/freshness.ts).
 */
export function credentialReportStaleness(
  generatedTime: string | null,
  collectedAt: string | Date,
  config: Pick<Config, 'checks'> | undefined,
): string | undefined {
  return staleness({
    part: 'the credential report',
    event: 'was generated at',
    asOf: generatedTime,
    missing: 'has no generation time',
    at: collectedAt,
    source: 'credentialReport',
    maxHours: freshnessBound(config, 'credentialReport'),
  });
}

export default iam;
