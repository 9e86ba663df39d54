import { describe, expect, it } from 'vitest';
import { backupsRecentCheck } from '../../shared/collectors/backup/backups-recent.js';
import type { BackupData } from '../../shared/collectors/backup/collector.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const config = awsTestConfig({ regions: ['us-east-1'] });
const AT = '2026-05-10T00:05:00.000Z';
const hoursBefore = (h: number, ms = 0) => new Date(Date.parse(AT) - h * 3_600_000 - ms).toISOString();
const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const CLUSTER = 'arn:aws:rds:us-east-1:123456789012:cluster:ledger';

function snapshot(data: Partial<BackupData>): Snapshot<BackupData> {
  return makeSnapshot({
    collector: 'backup',
    controls: ['A1.2'],
    collectedAt: AT,
    data: {
      accountId: '123456789012',
      region: 'us-east-1',
      backup: { plans: [], vaults: [], protectedResources: [] },
      rds: { instances: [], clusters: [] },
      dynamodb: { tables: [] },
      ...data,
    },
  }) as Snapshot<BackupData>;
}

const table = (latest: string | null, pitr = 'ENABLED') => ({
  name: 'orders',
  arn: TABLE,
  pointInTimeRecovery: pitr,
  latestRestorableTime: latest,
  earliestRestorableTime: null,
  continuousBackups: 'ENABLED',
});
const cluster = (latest: string | null, retention = 7) => ({
  id: 'ledger',
  arn: CLUSTER,
  engine: 'aurora-mysql',
  clusterId: null,
  backupRetentionDays: retention,
  latestRestorableTime: latest,
  storageEncrypted: true,
  deletionProtection: true,
});

describe('backups-recent', () => {
  it('Compliance: a restorable time exactly checks.backupMaxAgeHours old passes', () => {
    const s = snapshot({
      dynamodb: { tables: [table(hoursBefore(26))] },
      rds: { instances: [], clusters: [cluster(hoursBefore(1))] },
    });
    expect(backupsRecentCheck.run(s, config)).toMatchObject({ result: 'pass', failing: [] });
  });

  it('Noncompliance: one millisecond older fails, naming the table', () => {
    const s = snapshot({ dynamodb: { tables: [table(hoursBefore(26, 1))] } });
    const outcome = backupsRecentCheck.run(s, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: [TABLE] });
    expect(outcome.detail).toContain(
      'DynamoDB table orders: latest restorable time or recovery point 26.0 h old (limit 26 h)',
    );
  });

  it('a fresh AWS Backup recovery point makes an old restorable time recent; the limit is configurable', () => {
    const s = snapshot({
      rds: { instances: [], clusters: [cluster(hoursBefore(30))] },
      backup: {
        plans: [],
        vaults: [],
        protectedResources: [
          {
            arn: CLUSTER,
            type: 'Aurora',
            name: 'ledger',
            lastBackupTime: hoursBefore(3),
            lastRecoveryPointArn: null,
            lastBackupVaultArn: null,
          },
        ],
      },
    });
    expect(backupsRecentCheck.run(s, config).result).toBe('pass');
    const strict = awsTestConfig({ regions: ['us-east-1'] }, { checks: { backupMaxAgeHours: 2 } });
    expect(backupsRecentCheck.run(s, strict)).toMatchObject({ result: 'fail', failing: [CLUSTER] });
  });

  it('automated backups off fail even with a recovery point; no time at all fails; unknown PITR fails', () => {
    const s = snapshot({
      rds: { instances: [], clusters: [cluster(null, 0)] },
      dynamodb: {
        tables: [
          table(null, 'DISABLED'),
          { ...table(null), name: 'x', arn: `${TABLE}x`, pointInTimeRecovery: null },
        ],
      },
    });
    const outcome = backupsRecentCheck.run(s, config);
    expect(outcome.failing).toEqual([CLUSTER, TABLE, `${TABLE}x`]);
    expect(outcome.detail).toContain(
      'RDS cluster ledger: automated backups off, no restorable time or recovery point',
    );
    expect(outcome.detail).toContain('DynamoDB table x: point-in-time recovery could not be read');
  });

  it('an instance of a cluster is judged by its cluster; a region without stores is not applicable', () => {
    const member = {
      ...cluster(null, 0),
      id: 'ledger-1',
      arn: 'arn:aws:rds:us-east-1:123456789012:db:ledger-1',
      clusterId: 'ledger',
    };
    const s = snapshot({ rds: { instances: [member], clusters: [cluster(hoursBefore(1))] } });
    expect(backupsRecentCheck.run(s, config).result).toBe('pass');
    expect(backupsRecentCheck.run(snapshot({}), config).result).toBe('not-applicable');
  });
});
