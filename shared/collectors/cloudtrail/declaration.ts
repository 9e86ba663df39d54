/** CloudTrail (CC7.2), one account per scope: what the collector declares (its code: collector.ts). */
import { type AwsAccountScope, accountScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { CloudTrailData } from './collector.js';

export const cloudTrail: Collector<AwsAccountScope, CloudTrailData> = {
  id: 'cloudtrail',
  source: 'aws',
  controls: ['CC7.2'],
  scopePattern: 'aws-<account>',
  permissions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
  description:
    'CloudTrail trails (each once, by ARN) with log-file validation and logging status, across regions',
  scopes: accountScopes,
};

export default cloudTrail;
