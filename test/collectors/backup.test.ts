import {
  BackupClient,
  CreateBackupPlanCommand,
  CreateBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListProtectedResourcesCommand,
  PutBackupVaultLockConfigurationCommand,
} from '@aws-sdk/client-backup';
import { CreateTableCommand, DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { awsClientOptions } from '../../shared/aws/clients.js';
import { fixedClock } from '../../shared/clock.js';
import { backupsRecentCheck } from '../../shared/collectors/backup/backups-recent.js';
import { backupCollector } from '../../shared/collectors/backup/collector.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1'] });
const HOUR = 3_600_000;

function scope(region: string): AwsRegionalScope {
  return { id: `aws-${testAccountId()}-${region}`, accountId: testAccountId(), region };
}

const arn = {
  instance: (id: string) => `arn:aws:rds:us-east-1:${testAccountId()}:db:${id}`,
  cluster: (id: string) => `arn:aws:rds:us-east-1:${testAccountId()}:cluster:${id}`,
  table: (name: string) => `arn:aws:dynamodb:us-east-1:${testAccountId()}:table/${name}`,
};

describe('backup collector (emulator)', () => {
  beforeAll(async () => {
    const rds = new RDSClient(awsClientOptions('us-east-1'));
    const instance = (id: string, retention: number) =>
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'admin1',
          MasterUserPassword: 'password-1234',
          BackupRetentionPeriod: retention,
          DeletionProtection: id === 'orders',
        }),
      );
    await instance('orders', 7);
    await instance('scratch', 1);
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'ledger',
        Engine: 'aurora-postgresql',
        MasterUsername: 'admin1',
        MasterUserPassword: 'password-1234',
        BackupRetentionPeriod: 14,
        StorageEncrypted: true,
      }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'ledger-1',
        DBClusterIdentifier: 'ledger',
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.r6g.large',
      }),
    );
    rds.destroy();
    const ddb = new DynamoDBClient(awsClientOptions('us-east-1'));
    for (const name of ['sessions', 'carts'])
      await ddb.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    await ddb.send(
      new UpdateContinuousBackupsCommand({
        TableName: 'sessions',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    ddb.destroy();
    const bk = new BackupClient(awsClientOptions('us-east-1'));
    await bk.send(new CreateBackupVaultCommand({ BackupVaultName: 'primary' }));
    await bk.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: 'primary',
        MinRetentionDays: 7,
        MaxRetentionDays: 365,
      }),
    );
    await bk.send(
      new CreateBackupPlanCommand({
        BackupPlan: {
          BackupPlanName: 'daily',
          Rules: [
            {
              RuleName: 'daily-35d',
              TargetBackupVaultName: 'primary',
              ScheduleExpression: 'cron(0 5 ? * * *)',
              Lifecycle: { DeleteAfterDays: 35 },
            },
          ],
        },
      }),
    );
    bk.destroy();
  });

  it('records plans, vaults with their lock, RDS instances and clusters, and DynamoDB PITR', async () => {
    const { result } = await collectOnce(backupCollector, scope('us-east-1'), { config });
    const d = result.data;
    expect(d.backup.plans).toEqual([
      expect.objectContaining({
        name: 'daily',
        rules: [
          {
            name: 'daily-35d',
            vaultName: 'primary',
            schedule: 'cron(0 5 ? * * *)',
            startWindowMinutes: expect.anything(),
            deleteAfterDays: 35,
            moveToColdStorageAfterDays: null,
          },
        ],
      }),
    ]);
    expect(d.backup.vaults).toEqual([
      expect.objectContaining({ name: 'primary', locked: true, minRetentionDays: 7, maxRetentionDays: 365 }),
    ]);
    expect(
      d.rds.instances.map((i) => [i.id, i.backupRetentionDays, i.clusterId, i.deletionProtection]).sort(),
    ).toEqual([
      ['ledger-1', expect.any(Number), 'ledger', false],
      ['orders', 7, null, true],
      ['scratch', 1, null, false],
    ]);
    expect(d.rds.clusters).toEqual([
      expect.objectContaining({
        id: 'ledger',
        engine: 'aurora-postgresql',
        backupRetentionDays: 14,
        storageEncrypted: true,
        latestRestorableTime: expect.any(String),
      }),
    ]);
    expect(d.dynamodb.tables.map((t) => [t.name, t.pointInTimeRecovery]).sort()).toEqual([
      ['carts', 'DISABLED'],
      ['sessions', 'ENABLED'],
    ]);
    // The emulator implements neither ListBackupSelections nor ListProtectedResources: those
    // parts are null, the snapshot partial, and errors say which call failed.
    expect(result.status).toBe('partial');
    expect(d.backup.plans[0]!.selections).toBeNull();
    expect(d.backup.protectedResources).toBeNull();
    expect(result.errors).toEqual([
      expect.stringMatching(/^backup:ListBackupSelections \(plan .+\) in us-east-1: /),
      expect.stringMatching(/^backup:ListProtectedResources \(protected resources\) in us-east-1: /),
    ]);
  });

  it('backups-recent names the table without PITR and the instance kept too briefly; the Aurora cluster and PITR table pass', async () => {
    const { snapshot } = await collectOnce(backupCollector, scope('us-east-1'), { config });
    const outcome = backupsRecentCheck.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing.sort()).toEqual([arn.table('carts'), arn.instance('scratch')].sort());
    expect(outcome.detail).toContain('DynamoDB table carts: no point-in-time recovery');
    expect(outcome.detail).toContain('RDS instance scratch: backup retention 1 day(s), below 7');
    expect(outcome.detail).toContain('AWS Backup recovery points could not be read');
    // The retention floor is the configuration's.
    const lenient = awsTestConfig({ regions: ['us-east-1'] }, { checks: { backupRetentionDays: 1 } });
    expect(backupsRecentCheck.run(snapshot, lenient).failing).toEqual([arn.table('carts')]);
  });

  it('a restorable time older than checks.backupMaxAgeHours fails, measured to collectedAt', async () => {
    // The emulator reports "now" as every latest restorable time: collect as if 27 h later.
    const later = fixedClock(new Date(Date.now() + 27 * HOUR));
    const { snapshot } = await collectOnce(backupCollector, scope('us-east-1'), { config, clock: later });
    const outcome = backupsRecentCheck.run(snapshot, config);
    expect(outcome.failing).toEqual(
      expect.arrayContaining([arn.cluster('ledger'), arn.instance('orders'), arn.table('sessions')]),
    );
    expect(outcome.detail).toMatch(
      /RDS cluster ledger: latest restorable time or recovery point 2[78]\.\d h old \(limit 26 h\)/,
    );
  });

  it('a region without any database is not applicable, in words', async () => {
    const { result, snapshot, stats } = await collectOnce(backupCollector, scope('eu-west-1'), { config });
    expect(result.data.rds).toEqual({ instances: [], clusters: [] });
    expect(result.data.dynamodb.tables).toEqual([]);
    expect(stats.requests).toBe(5);
    const outcome = backupsRecentCheck.run(snapshot, config);
    expect(outcome).toEqual({
      result: 'not-applicable',
      detail: `account ${testAccountId()} eu-west-1: no RDS instance, Aurora cluster or DynamoDB table in the region`,
      failing: [],
    });
  });
});

describe('backup collector (aws-sdk-client-mock: the AWS Backup calls the emulator lacks)', () => {
  // moto 5.2.5 implements AWS Backup plans and vaults but not ListBackupSelections,
  // GetBackupSelection or ListProtectedResources: those answers are stubbed here; every
  // other call (plans, vaults, RDS, DynamoDB) goes to the emulator.
  it('records selections and the latest recovery point per resource; a recent recovery point never stands in for PITR', async () => {
    const realSend = BackupClient.prototype.send as (
      this: BackupClient,
      command: unknown,
    ) => Promise<unknown>;
    const stub = mockClient(BackupClient);
    stub
      .on(ListBackupPlansCommand)
      .callsFake((input, getClient) => realSend.call(getClient(), new ListBackupPlansCommand(input)));
    stub
      .on(GetBackupPlanCommand)
      .callsFake((input, getClient) => realSend.call(getClient(), new GetBackupPlanCommand(input)));
    stub
      .on(ListBackupVaultsCommand)
      .callsFake((input, getClient) => realSend.call(getClient(), new ListBackupVaultsCommand(input)));
    stub.on(ListBackupSelectionsCommand).resolves({
      BackupSelectionsList: [
        { SelectionId: 'sel-1', SelectionName: 'databases', IamRoleArn: 'arn:aws:iam::1:role/backup' },
      ],
    });
    stub.on(GetBackupSelectionCommand).resolves({
      BackupSelection: {
        SelectionName: 'databases',
        IamRoleArn: 'arn:aws:iam::1:role/backup',
        Resources: ['arn:aws:dynamodb:*:*:table/*'],
        NotResources: [],
      },
    });
    const now = Date.now();
    stub
      .on(ListProtectedResourcesCommand, { NextToken: undefined })
      .resolves({
        Results: [
          {
            ResourceArn: arn.table('carts'),
            ResourceType: 'DynamoDB',
            LastBackupTime: new Date(now - 2 * HOUR),
            LastRecoveryPointArn: 'arn:aws:backup:us-east-1:1:recovery-point:rp-1',
          },
        ],
        NextToken: 'p2',
      })
      .on(ListProtectedResourcesCommand, { NextToken: 'p2' })
      .resolves({
        Results: [
          {
            ResourceArn: arn.instance('scratch'),
            ResourceType: 'RDS',
            LastBackupTime: new Date(now - 40 * HOUR),
          },
        ],
      });
    try {
      const { result, snapshot } = await collectOnce(backupCollector, scope('us-east-1'), {
        config,
        clock: fixedClock(new Date(now)),
      });
      expect(result.status ?? 'ok').toBe('ok');
      expect(result.data.backup.plans[0]!.selections).toEqual([
        {
          id: 'sel-1',
          name: 'databases',
          iamRoleArn: 'arn:aws:iam::1:role/backup',
          resources: ['arn:aws:dynamodb:*:*:table/*'],
          notResources: [],
          listOfTags: [],
        },
      ]);
      expect(result.data.backup.protectedResources?.map((r) => r.arn)).toEqual([
        arn.table('carts'),
        arn.instance('scratch'),
      ]);
      // A recovery point does not stand in for point-in-time recovery: carts still fails for it, not for age.
      const outcome = backupsRecentCheck.run(snapshot, config);
      expect(outcome.detail).toMatch(/DynamoDB table carts: no point-in-time recovery(;|$)/);
      expect(outcome.failing).toContain(arn.table('carts'));
      expect(outcome.detail).not.toContain('AWS Backup recovery points could not be read');
    } finally {
      stub.restore();
    }
  });
});
