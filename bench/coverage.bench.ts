/**
 * `npm run bench -- coverage`: the issue-23 collectors (encryption, backup, inspector) over
 * 1 account × the 17 default regions on the emulator: requests, pages and wall time per
 * collector (one runCollectors call each, at the default concurrency of 8 scopes). us-east-1
 * holds a small estate (RDS instances, an Aurora cluster, DynamoDB tables, buckets, an AWS
 * Backup plan and vault, Inspector with findings); the other 16 regions are empty, as most
 * regions of most accounts are. Each collector runs twice: moto builds a region's EC2 backend
 * on the first EC2 request there (seconds each), which only the first encryption run pays.
 * Nothing is asserted; figures vary with the machine's load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BackupClient, CreateBackupPlanCommand, CreateBackupVaultCommand } from '@aws-sdk/client-backup';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnableCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { s3ClientOptions } from '../shared/aws/clients.js';
import { DEFAULT_ENABLED_REGIONS } from '../shared/aws/regions.js';
import { backupCollector } from '../shared/collectors/backup/collector.js';
import { encryptionCollector } from '../shared/collectors/encryption/collector.js';
import { inspectorCollector } from '../shared/collectors/inspector/collector.js';
import { runCollectors } from '../shared/collectors/runner.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import type { Bench } from './run.js';

const FINDINGS = 250;

async function seed(url: string, account: string): Promise<void> {
  const region = 'us-east-1';
  const rds = new RDSClient({ region });
  for (const id of ['orders', 'billing', 'reports'])
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'bench',
        MasterUserPassword: 'bench-password-1',
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
      }),
    );
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'ledger',
      Engine: 'aurora-postgresql',
      MasterUsername: 'bench',
      MasterUserPassword: 'bench-password-1',
      StorageEncrypted: true,
    }),
  );
  rds.destroy();
  const ddb = new DynamoDBClient({ region });
  for (let i = 0; i < 5; i++)
    await ddb.send(
      new CreateTableCommand({
        TableName: `table-${i}`,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  ddb.destroy();
  const s3 = new S3Client(s3ClientOptions(region));
  for (let i = 0; i < 10; i++) await s3.send(new CreateBucketCommand({ Bucket: `bench-${account}-${i}` }));
  s3.destroy();
  const bk = new BackupClient({ region });
  await bk.send(new CreateBackupVaultCommand({ BackupVaultName: 'primary' }));
  await bk.send(
    new CreateBackupPlanCommand({
      BackupPlan: {
        BackupPlanName: 'daily',
        Rules: [
          { RuleName: 'daily', TargetBackupVaultName: 'primary', ScheduleExpression: 'cron(0 5 ? * * *)' },
        ],
      },
    }),
  );
  bk.destroy();
  const inspector = new Inspector2Client({ region });
  await inspector.send(new EnableCommand({ accountIds: [account], resourceTypes: ['EC2', 'ECR', 'LAMBDA'] }));
  inspector.destroy();
  const now = Math.floor(Date.now() / 1000);
  const findings = Array.from({ length: FINDINGS }, (_, i) => ({
    findingArn: `arn:aws:inspector2:${region}:${account}:finding/f${i}`,
    awsAccountId: account,
    type: 'PACKAGE_VULNERABILITY',
    severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'][i % 4],
    status: 'ACTIVE',
    firstObservedAt: now - i * 3600,
    resources: [{ id: `i-${String(i).padStart(17, '0')}`, type: 'AWS_EC2_INSTANCE' }],
    packageVulnerabilityDetails: { vulnerabilityId: `CVE-2026-${10000 + i}` },
  }));
  await fetch(`${url}/moto-api/static/inspector2/findings-results`, {
    method: 'POST',
    body: JSON.stringify({ account_id: account, region, results: [findings] }),
  });
}

export const coverageBench: Bench = {
  name: 'coverage',
  async run() {
    const emulator = await startEmulator();
    try {
      const account = await useEmulatorAccount(emulator.url);
      await seed(emulator.url, account);
      const config = parseConfig({
        locker: { retentionDays: 730 },
        aws: { regions: [...DEFAULT_ENABLED_REGIONS] },
        auditPeriod: { start: '2026-01-01' },
      });
      console.log(
        `1 account × ${DEFAULT_ENABLED_REGIONS.length} regions, ${config.aws!.concurrency} scopes at once, moto (no added latency); ` +
          `us-east-1: 3 RDS instances + 1 Aurora cluster, 5 DynamoDB tables, 10 buckets, 1 backup plan and vault, Inspector with ${FINDINGS} ACTIVE findings (moto pages ListFindings in one)`,
      );
      const collectors: AnyRunnableCollector[] = [encryptionCollector, backupCollector, inspectorCollector];
      // Twice each: moto builds a region's EC2 backend on its first EC2 request (seconds per
      // region), which the first encryption run pays; the second shows the collector's own cost.
      for (const collector of [...collectors, ...collectors]) {
        const dir = await mkdtemp(path.join(tmpdir(), 'evidence-coverage-bench-'));
        try {
          const started = performance.now();
          const { results } = await runCollectors({
            config,
            locker: new DirectoryLocker(dir),
            collectors: [collector],
            scopeEnvironment: async () => ({ defaultAccountId: account }),
          });
          const wallMs = performance.now() - started;
          const requests = results.reduce((s, r) => s + r.requests, 0);
          const sumMs = results.reduce((s, r) => s + r.durationMs, 0);
          const counts = new Map<string, number>();
          for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
          const statuses = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
          console.log(
            `${collector.id.padEnd(10)} ${results.length} scopes: ${requests} requests (${(requests / results.length).toFixed(1)} per region), wall ${wallMs.toFixed(0)} ms, sum of per-region ${sumMs} ms; ${statuses}`,
          );
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await emulator.stop();
    }
  },
};
