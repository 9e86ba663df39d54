/** GuardDuty (CC7.2), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { GuardDutyData } from './collector.js';

export const guardDuty: Collector<AwsRegionalScope, GuardDutyData> = {
  id: 'guardduty',
  source: 'aws',
  controls: ['CC7.2'],
  scopePattern: 'aws-<account>-<region>',
  /** The IAM actions the collector calls (docs/aws-collectors.md; the CDK role grants exactly these). */
  permissions: [
    'guardduty:ListDetectors',
    'guardduty:GetDetector',
    'guardduty:GetAdministratorAccount',
    'guardduty:ListMembers',
    'guardduty:GetFindingsStatistics',
  ],
  description:
    'GuardDuty detectors, protection features, administrator/members and finding counts per region',
  scopes: regionalScopes,
};

export default guardDuty;
