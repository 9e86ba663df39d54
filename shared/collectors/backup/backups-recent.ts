/**
 * backups-recent (A1.2): in the snapshot's account and region, every RDS instance (outside a
 * cluster) and every cluster has automated backups kept at least `checks.backupRetentionDays`
 * (7 by default), every DynamoDB table has point-in-time recovery on, and each of them has a
 * latest restorable time or an AWS Backup recovery point no older than
 * `checks.backupMaxAgeHours` (26 by default) at the snapshot's `collectedAt` (never the wall
 * clock). A region with none of them is not applicable, said so in words.
 */

import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { backup } from './declaration.js';

const HOUR_MS = 3_600_000;

export const backupsRecentCheck = defineCheck(backup, {
  id: 'backups-recent',
  title: 'Backups exist and are recent',
  procedure:
    "Open the snapshot of the account and region; for each entry of `data.rds.clusters`, each entry of `data.rds.instances` without a `clusterId` and each table of `data.dynamodb.tables`, confirm automated backups (`backupRetentionDays` at least `checks.backupRetentionDays`) or point-in-time recovery (`pointInTimeRecovery` ENABLED), and that the later of its `latestRestorableTime` and the `lastBackupTime` of the entry of `data.backup.protectedResources` with its ARN is at most `checks.backupMaxAgeHours` before the snapshot's `collectedAt`.",
  remediation:
    'Set the backup retention of each named RDS instance or cluster to at least the configured days (`aws rds modify-db-instance --backup-retention-period N`, `modify-db-cluster`), turn on point-in-time recovery of each named table (`aws dynamodb update-continuous-backups --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`), and find why the latest backup of a stale store is old (a failed AWS Backup job, a stopped instance).',
  description:
    'every RDS instance, Aurora cluster and DynamoDB table has automated backups (retention ≥ checks.backupRetentionDays, 7) or point-in-time recovery, and a restorable time or recovery point within checks.backupMaxAgeHours (26)',
  reliance: {
    freshness:
      "The backups' own times are what the check judges: each store's latest restorable time or AWS Backup recovery point at most `checks.backupMaxAgeHours` (26) before `collectedAt`. The RDS, DynamoDB and AWS Backup answers themselves are current at the call.",
    doesNotTest:
      'Whether a backup can be restored (restore testing), and data stores other than RDS and DynamoDB (S3, EBS, EFS).',
    limitations:
      "Ages are measured at the snapshot's `collectedAt`; a region with no database is not applicable, said so.",
  },
  run(snapshot, config) {
    const { accountId, region, rds, dynamodb } = snapshot.data;
    const protectedResources = snapshot.data.backup.protectedResources;
    const maxHours = config.checks.backupMaxAgeHours;
    const minDays = config.checks.backupRetentionDays;
    const at = Date.parse(snapshot.collectedAt);
    const where = `account ${accountId} ${region}`;
    const lastBackup = new Map((protectedResources ?? []).map((r) => [r.arn, r.lastBackupTime]));

    interface Store {
      label: string;
      id: string;
      /** What is wrong with how it is protected, or null when it is protected. */
      protection: string | null;
      times: (string | null | undefined)[];
    }
    const stores: Store[] = [
      ...[
        ...rds.clusters.map((c) => ({ ...c, kind: 'RDS cluster' })),
        ...rds.instances.filter((i) => i.clusterId === null).map((i) => ({ ...i, kind: 'RDS instance' })),
      ].map((s) => ({
        label: `${s.kind} ${s.id}`,
        id: s.arn ?? `rds:${region}:${s.id}`,
        protection:
          s.backupRetentionDays === 0
            ? 'automated backups off'
            : s.backupRetentionDays < minDays
              ? `backup retention ${s.backupRetentionDays} day(s), below ${minDays}`
              : null,
        times: [
          s.backupRetentionDays > 0 ? s.latestRestorableTime : null,
          s.arn ? lastBackup.get(s.arn) : null,
        ],
      })),
      ...dynamodb.tables.map((t) => {
        const on = t.pointInTimeRecovery?.toUpperCase() === 'ENABLED';
        return {
          label: `DynamoDB table ${t.name}`,
          id: t.arn,
          protection: on
            ? null
            : t.pointInTimeRecovery === null
              ? 'point-in-time recovery could not be read'
              : 'no point-in-time recovery',
          times: [on ? t.latestRestorableTime : null, lastBackup.get(t.arn)],
        };
      }),
    ];
    if (stores.length === 0)
      return notApplicable(`${where}: no RDS instance, Aurora cluster or DynamoDB table in the region`);

    const unknownPoints =
      protectedResources === null
        ? ' (AWS Backup recovery points could not be read; see the snapshot errors)'
        : '';
    const failing: string[] = [];
    const problems: string[] = [];
    for (const s of stores) {
      const why: string[] = [];
      if (s.protection) why.push(s.protection);
      const newest = Math.max(...s.times.filter((t): t is string => !!t).map((t) => Date.parse(t)));
      if (!Number.isFinite(newest)) why.push('no restorable time or recovery point');
      else {
        const hours = (at - newest) / HOUR_MS;
        if (hours > maxHours)
          why.push(
            `latest restorable time or recovery point ${hours.toFixed(1)} h old (limit ${maxHours} h)`,
          );
      }
      if (why.length > 0) {
        failing.push(s.id);
        problems.push(`${s.label}: ${why.join(', ')}`);
      }
    }
    if (failing.length > 0) return fail(`${where}: ${problems.join('; ')}${unknownPoints}`, failing);
    return pass(
      `${where}: ${stores.length} store(s) backed up, each with a restorable time or recovery point within ${maxHours} h${unknownPoints}`,
    );
  },
});
