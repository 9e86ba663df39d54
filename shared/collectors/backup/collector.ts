/**
 * Backups, one account and region per scope (A1.2): AWS Backup's plans (rules, target vault,
 * lifecycle) with their selections (which resources), the vaults (recovery points, vault
 * lock), and the latest recovery point of every protected resource (ListProtectedResources:
 * one paginated list, never a call per resource; not asked in a region without any vault,
 * since recovery points live in vaults); every RDS instance and cluster (Aurora and
 * the other engines DescribeDBClusters lists) with its automated-backup retention, latest
 * restorable time, encryption and deletion protection; every DynamoDB table with its
 * point-in-time recovery. A region without any of them is recorded as data (empty lists);
 * the backups-recent check says "not applicable" for it, in words.
 *
 * An optional part that cannot be read (a plan's selections, the protected resources) is
 * null, the snapshot is `partial` and `errors` says which call failed: the check then judges
 * from what remains and never counts the unknown as a backup.
 */
import {
  BackupClient,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  paginateListBackupPlans,
  paginateListBackupSelections,
  paginateListBackupVaults,
  paginateListProtectedResources,
} from '@aws-sdk/client-backup';
import {
  DescribeContinuousBackupsCommand,
  DynamoDBClient,
  paginateListTables,
} from '@aws-sdk/client-dynamodb';
import {
  type DBCluster,
  type DBInstance,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds';
import { type AwsRegionalScope, awsCall, awsClient, describeAwsError, mapLimit } from '../../aws/accounts.js';
import { allPages } from '../../aws/paging.js';
import { awsIdentity } from '../../aws/principal.js';
import { SourceUnavailableError } from '../../errors.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import { backup } from './declaration.js';

export interface BackupRule {
  name: string;
  vaultName: string | null;
  schedule: string | null;
  startWindowMinutes: number | null;
  deleteAfterDays: number | null;
  moveToColdStorageAfterDays: number | null;
}

export interface BackupSelection {
  id: string;
  name: string | null;
  iamRoleArn: string | null;
  resources: string[];
  notResources: string[];
  /** Tag conditions as AWS Backup stores them. */
  listOfTags: unknown;
}

export interface BackupPlan {
  id: string;
  arn: string | null;
  name: string | null;
  versionId: string | null;
  rules: BackupRule[];
  /** null when they could not be read (see the snapshot's errors). */
  selections: BackupSelection[] | null;
}

export interface BackupVault {
  name: string;
  arn: string | null;
  encryptionKeyArn: string | null;
  recoveryPoints: number | null;
  /** Vault lock: whether it is locked, its retention bounds and when the lock became immutable. */
  locked: boolean;
  minRetentionDays: number | null;
  maxRetentionDays: number | null;
  lockDate: string | null;
}

export interface ProtectedResource {
  arn: string;
  type: string | null;
  name: string | null;
  /** The latest recovery point's creation time. */
  lastBackupTime: string | null;
  lastRecoveryPointArn: string | null;
  lastBackupVaultArn: string | null;
}

export interface RdsBackup {
  id: string;
  arn: string | null;
  engine: string | null;
  /** Instances of a cluster: the cluster holds the backups (Aurora). */
  clusterId: string | null;
  /** Days of automated backups kept; 0 = automated backups off. */
  backupRetentionDays: number;
  latestRestorableTime: string | null;
  storageEncrypted: boolean;
  deletionProtection: boolean;
}

export interface DynamoDbTable {
  name: string;
  arn: string;
  /** ENABLED, DISABLED (or another status the API adds); null when unreadable. */
  pointInTimeRecovery: string | null;
  latestRestorableTime: string | null;
  earliestRestorableTime: string | null;
  /** Continuous backups (the table-level switch PITR needs). */
  continuousBackups: string | null;
}

export interface BackupData {
  accountId: string;
  region: string;
  backup: {
    plans: BackupPlan[];
    vaults: BackupVault[];
    /** null when ListProtectedResources could not be read (see the snapshot's errors). */
    protectedResources: ProtectedResource[] | null;
  };
  rds: { instances: RdsBackup[]; clusters: RdsBackup[] };
  dynamodb: { tables: DynamoDbTable[] };
}

/** Plans, selections and tables read at once. */
const CONCURRENCY = 4;

export const backupCollector: RunnableCollector<AwsRegionalScope, BackupData> = {
  ...backup,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const { region } = scope;
    const bk = awsClient(BackupClient, scope, region, ctx.stats);
    const rds = awsClient(RDSClient, scope, region, ctx.stats);
    const ddb = awsClient(DynamoDBClient, scope, region, ctx.stats);
    try {
      return await collectRegion(scope, ctx, bk, rds, ddb);
    } finally {
      for (const c of [bk, rds, ddb]) c.destroy();
    }
  },
};

async function collectRegion(
  scope: AwsRegionalScope,
  ctx: CollectorContext,
  bk: BackupClient,
  rds: RDSClient,
  ddb: DynamoDBClient,
) {
  const { region } = scope;
  const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, region, action, fn);
  const errors: string[] = [];
  /** Optional parts: a refusal or failure is recorded and the rest carries on. */
  const optional = async <T>(action: string, what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await call(action, fn);
    } catch (err) {
      errors.push(
        err instanceof SourceUnavailableError
          ? `${what}: ${err.message}`
          : `${action} (${what}) in ${region}: ${describeAwsError(err)}`,
      );
      ctx.logger.warn('backup part not collected', { scope: scope.id, action, error: describeAwsError(err) });
      return null;
    }
  };
  const paging = <C>(client: C) => ({ client, pageSize: 100, stopOnSameToken: true });

  // AWS Backup: plans (each with its rules and selections), vaults, protected resources.
  const planList = await call('backup:ListBackupPlans', () =>
    allPages(paginateListBackupPlans(paging(bk), {}), 'ListBackupPlans', ctx.stats, (p) => p.BackupPlansList),
  );
  const plans = await mapLimit(planList, CONCURRENCY, async (p): Promise<BackupPlan> => {
    const id = p.BackupPlanId ?? 'unknown';
    const got = await call('backup:GetBackupPlan', () =>
      bk.send(new GetBackupPlanCommand({ BackupPlanId: id })),
    );
    const selections = await optional('backup:ListBackupSelections', `plan ${id}`, async () => {
      const listed = await allPages(
        paginateListBackupSelections(paging(bk), { BackupPlanId: id }),
        'ListBackupSelections',
        ctx.stats,
        (page) => page.BackupSelectionsList,
      );
      return mapLimit(listed, CONCURRENCY, async (s): Promise<BackupSelection> => {
        const sel = await call('backup:GetBackupSelection', () =>
          bk.send(new GetBackupSelectionCommand({ BackupPlanId: id, SelectionId: s.SelectionId })),
        );
        return {
          id: s.SelectionId ?? 'unknown',
          name: sel.BackupSelection?.SelectionName ?? s.SelectionName ?? null,
          iamRoleArn: sel.BackupSelection?.IamRoleArn ?? s.IamRoleArn ?? null,
          resources: sel.BackupSelection?.Resources ?? [],
          notResources: sel.BackupSelection?.NotResources ?? [],
          listOfTags: JSON.parse(JSON.stringify(sel.BackupSelection?.ListOfTags ?? [])),
        };
      });
    });
    return {
      id,
      arn: got.BackupPlanArn ?? p.BackupPlanArn ?? null,
      name: got.BackupPlan?.BackupPlanName ?? p.BackupPlanName ?? null,
      versionId: got.VersionId ?? p.VersionId ?? null,
      rules: (got.BackupPlan?.Rules ?? []).map((r) => ({
        name: r.RuleName ?? 'unknown',
        vaultName: r.TargetBackupVaultName ?? null,
        schedule: r.ScheduleExpression ?? null,
        startWindowMinutes: r.StartWindowMinutes ?? null,
        deleteAfterDays: r.Lifecycle?.DeleteAfterDays ?? null,
        moveToColdStorageAfterDays: r.Lifecycle?.MoveToColdStorageAfterDays ?? null,
      })),
      selections,
    };
  });
  const vaults = await call('backup:ListBackupVaults', () =>
    allPages(
      paginateListBackupVaults(paging(bk), {}),
      'ListBackupVaults',
      ctx.stats,
      (p) => p.BackupVaultList,
    ),
  );
  // Recovery points live in vaults: a region without a vault has none, and is not asked.
  const protectedResources =
    vaults.length === 0
      ? []
      : await optional('backup:ListProtectedResources', 'protected resources', () =>
          allPages(
            paginateListProtectedResources(paging(bk), {}),
            'ListProtectedResources',
            ctx.stats,
            (p) => p.Results,
          ),
        );

  // RDS instances and clusters.
  const instances = await call('rds:DescribeDBInstances', () =>
    allPages(
      paginateDescribeDBInstances(paging(rds), {}),
      'DescribeDBInstances',
      ctx.stats,
      (p) => p.DBInstances,
    ),
  );
  const clusters = await call('rds:DescribeDBClusters', () =>
    allPages(
      paginateDescribeDBClusters(paging(rds), {}),
      'DescribeDBClusters',
      ctx.stats,
      (p) => p.DBClusters,
    ),
  );

  // DynamoDB tables and their point-in-time recovery.
  const tableNames = await call('dynamodb:ListTables', () =>
    allPages(paginateListTables(paging(ddb), {}), 'ListTables', ctx.stats, (p) => p.TableNames),
  );
  const tables = await mapLimit(tableNames, CONCURRENCY, async (name): Promise<DynamoDbTable> => {
    const arn = `arn:${partition(region)}:dynamodb:${region}:${scope.accountId}:table/${name}`;
    const out = await optional('dynamodb:DescribeContinuousBackups', `table ${name}`, () =>
      ddb.send(new DescribeContinuousBackupsCommand({ TableName: name })),
    );
    const d = out?.ContinuousBackupsDescription;
    const pitr = d?.PointInTimeRecoveryDescription;
    return {
      name,
      arn,
      pointInTimeRecovery: pitr?.PointInTimeRecoveryStatus ?? (out ? 'DISABLED' : null),
      latestRestorableTime: pitr?.LatestRestorableDateTime?.toISOString() ?? null,
      earliestRestorableTime: pitr?.EarliestRestorableDateTime?.toISOString() ?? null,
      continuousBackups: d?.ContinuousBackupsStatus ?? null,
    };
  });

  const data: BackupData = {
    accountId: scope.accountId,
    region,
    backup: {
      plans,
      vaults: vaults.map((v) => ({
        name: v.BackupVaultName ?? 'unknown',
        arn: v.BackupVaultArn ?? null,
        encryptionKeyArn: v.EncryptionKeyArn ?? null,
        recoveryPoints: v.NumberOfRecoveryPoints ?? null,
        locked: v.Locked === true,
        minRetentionDays: v.MinRetentionDays ?? null,
        maxRetentionDays: v.MaxRetentionDays ?? null,
        lockDate: v.LockDate?.toISOString() ?? null,
      })),
      protectedResources:
        protectedResources?.map((r) => ({
          arn: r.ResourceArn ?? 'unknown',
          type: r.ResourceType ?? null,
          name: r.ResourceName ?? null,
          lastBackupTime: r.LastBackupTime?.toISOString() ?? null,
          lastRecoveryPointArn: r.LastRecoveryPointArn ?? null,
          lastBackupVaultArn: r.LastBackupVaultArn ?? null,
        })) ?? null,
    },
    rds: { instances: instances.map(instanceBackup), clusters: clusters.map(clusterBackup) },
    dynamodb: { tables },
  };
  return {
    data,
    items: plans.length + vaults.length + instances.length + clusters.length + tables.length,
    ...(errors.length > 0 && { status: 'partial' as const, errors }),
  };
}

/** The ARN partition of a region. */
function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function instanceBackup(i: DBInstance): RdsBackup {
  return {
    id: i.DBInstanceIdentifier ?? 'unknown',
    arn: i.DBInstanceArn ?? null,
    engine: i.Engine ?? null,
    clusterId: i.DBClusterIdentifier ?? null,
    backupRetentionDays: i.BackupRetentionPeriod ?? 0,
    latestRestorableTime: i.LatestRestorableTime?.toISOString() ?? null,
    storageEncrypted: i.StorageEncrypted === true,
    deletionProtection: i.DeletionProtection === true,
  };
}

function clusterBackup(c: DBCluster): RdsBackup {
  return {
    id: c.DBClusterIdentifier ?? 'unknown',
    arn: c.DBClusterArn ?? null,
    engine: c.Engine ?? null,
    clusterId: null,
    backupRetentionDays: c.BackupRetentionPeriod ?? 0,
    latestRestorableTime: c.LatestRestorableTime?.toISOString() ?? null,
    storageEncrypted: c.StorageEncrypted === true,
    deletionProtection: c.DeletionProtection === true,
  };
}

export default backupCollector;
