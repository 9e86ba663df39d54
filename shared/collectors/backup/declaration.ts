/** Backups (A1.2), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { BackupData } from './collector.js';

export const backup: Collector<AwsRegionalScope, BackupData> = {
  id: 'backup',
  source: 'aws',
  controls: ['A1.2'],
  scopePattern: 'aws-<account>-<region>',
  permissions: [
    'backup:ListBackupPlans',
    'backup:GetBackupPlan',
    'backup:ListBackupSelections',
    'backup:GetBackupSelection',
    'backup:ListBackupVaults',
    'backup:ListProtectedResources',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    'dynamodb:ListTables',
    'dynamodb:DescribeContinuousBackups',
  ],
  description:
    'AWS Backup plans with their selections, vaults with vault lock, the latest recovery point per protected resource; RDS and Aurora backup retention and latest restorable time; DynamoDB point-in-time recovery',
  scopes: regionalScopes,
};

export default backup;
