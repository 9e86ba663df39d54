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

export default iam;
