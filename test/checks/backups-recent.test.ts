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

  describe('every store judged, the detail word for word', () => {
    const WHERE = 'account 123456789012 us-east-1';
    const instance = (over: Partial<ReturnType<typeof cluster>> = {}) => ({
      ...cluster(hoursBefore(1)),
      id: 'shop',
      arn: 'arn:aws:rds:us-east-1:123456789012:db:shop',
      engine: 'postgres',
      ...over,
    });

    it('an instance outside a cluster is judged itself: retention below the bound fails, named by ARN or by rds:<region>:<id>', () => {
      const short = snapshot({ rds: { instances: [instance({ backupRetentionDays: 3 })], clusters: [] } });
      expect(backupsRecentCheck.run(short, config)).toEqual({
        result: 'fail',
        failing: ['arn:aws:rds:us-east-1:123456789012:db:shop'],
        detail: `${WHERE}: RDS instance shop: backup retention 3 day(s), below 7`,
      });
      const unnamed = snapshot({
        rds: { instances: [instance({ arn: null as never, backupRetentionDays: 0 })], clusters: [] },
      });
      expect(backupsRecentCheck.run(unnamed, config)).toEqual({
        result: 'fail',
        failing: ['rds:us-east-1:shop'],
        detail: `${WHERE}: RDS instance shop: automated backups off, no restorable time or recovery point`,
      });
      const fine = snapshot({ rds: { instances: [instance({ backupRetentionDays: 7 })], clusters: [] } });
      expect(backupsRecentCheck.run(fine, config)).toEqual({
        result: 'pass',
        failing: [],
        detail: `${WHERE}: 1 store(s) backed up, each with a restorable time or recovery point within 26 h`,
      });
    });

    it('automated backups off: the restorable time RDS still reports is not counted', () => {
      const off = snapshot({ rds: { instances: [], clusters: [cluster(hoursBefore(1), 0)] } });
      expect(backupsRecentCheck.run(off, config).detail).toBe(
        `${WHERE}: RDS cluster ledger: automated backups off, no restorable time or recovery point`,
      );
    });

    it('point-in-time recovery off is said so, not "could not be read"; problems joined by "; "', () => {
      const s = snapshot({
        rds: { instances: [], clusters: [cluster(hoursBefore(1), 2)] },
        dynamodb: { tables: [table(hoursBefore(1), 'DISABLED')] },
      });
      expect(backupsRecentCheck.run(s, config).detail).toBe(
        `${WHERE}: RDS cluster ledger: backup retention 2 day(s), below 7; DynamoDB table orders: no point-in-time recovery, no restorable time or recovery point`,
      );
    });

    it('recovery points that could not be read are said so, passing or failing; a region without stores in words', () => {
      const unread = { plans: [], vaults: [], protectedResources: null };
      const ok = snapshot({ backup: unread, dynamodb: { tables: [table(hoursBefore(1))] } });
      expect(backupsRecentCheck.run(ok, config).detail).toBe(
        `${WHERE}: 1 store(s) backed up, each with a restorable time or recovery point within 26 h (AWS Backup recovery points could not be read; see the snapshot errors)`,
      );
      const bad = snapshot({ backup: unread, dynamodb: { tables: [table(null)] } });
      expect(backupsRecentCheck.run(bad, config).detail).toBe(
        `${WHERE}: DynamoDB table orders: no restorable time or recovery point (AWS Backup recovery points could not be read; see the snapshot errors)`,
      );
      expect(backupsRecentCheck.run(snapshot({}), config)).toEqual({
        result: 'not-applicable',
        failing: [],
        detail: `${WHERE}: no RDS instance, Aurora cluster or DynamoDB table in the region`,
      });
    });
  });
});
