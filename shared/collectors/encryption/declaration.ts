/** Encryption at rest (CC6.1), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { EncryptionData } from './collector.js';

export const encryption: Collector<AwsRegionalScope, EncryptionData> = {
  id: 'encryption',
  source: 'aws',
  controls: ['CC6.1'],
  scopePattern: 'aws-<account>-<region>',
  permissions: [
    'ec2:GetEbsEncryptionByDefault',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    's3:ListAllMyBuckets',
    's3:GetEncryptionConfiguration',
    's3:GetBucketPublicAccessBlock',
    's3:GetAccountPublicAccessBlock',
  ],
  description:
    "EBS encryption by default, RDS and Aurora storage encryption, the region's S3 buckets' default encryption and public access block, the account's S3 public access block",
  scopes: regionalScopes,
};

export default encryption;
