/** IAM (CC6.1, CC6.2, CC6.3), one account per scope: what the collector declares (its code: collector.ts). */
import { type AwsAccountScope, accountScopes } from '../../aws/accounts.js';
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

/** The oldest credential report a snapshot may hold and still be that day's state (IAM regenerates after 4 hours). */
export const CREDENTIAL_REPORT_MAX_AGE_HOURS = 24;

/**
 * Why a snapshot's credential report is not the state of its collection time: no generation
 * time, or generated more than CREDENTIAL_REPORT_MAX_AGE_HOURS before `collectedAt`; undefined
 * when it is fresh. Pure: the collector (to regenerate, then mark the snapshot partial) and the
 * checks (never to judge a stale report as the day's state) ask the same question.
 */
export function credentialReportStaleness(
  generatedTime: string | null,
  collectedAt: string | Date,
): string | undefined {
  const at = typeof collectedAt === 'string' ? Date.parse(collectedAt) : collectedAt.getTime();
  if (generatedTime === null) return 'the credential report has no generation time, so its age is unknown';
  const generated = Date.parse(generatedTime);
  if (Number.isNaN(generated))
    return `the credential report's generation time ${JSON.stringify(generatedTime)} is no date`;
  const hours = (at - generated) / 3_600_000;
  if (hours > CREDENTIAL_REPORT_MAX_AGE_HOURS)
    return `the credential report was generated at ${generatedTime}, ${Math.floor(hours)} h before the collection (at most ${CREDENTIAL_REPORT_MAX_AGE_HOURS} h): it is not that day's state`;
  return undefined;
}

export default iam;
