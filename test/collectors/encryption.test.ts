import { EC2Client, EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand as PutBucketPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { awsClientOptions, s3ControlExtraOptions } from '../../shared/aws/clients.js';
import { encryptionCollector } from '../../shared/collectors/encryption/collector.js';
import { encryptionAtRestCheck } from '../../shared/collectors/encryption/encryption-at-rest.js';
import { s3PublicAccessBlockedCheck } from '../../shared/collectors/encryption/s3-public-access-blocked.js';
import { testAccountId, uniqueName } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1', 'us-west-2'] });
const ALL_ON = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function scope(region: string): AwsRegionalScope {
  return { id: `aws-${testAccountId()}-${region}`, accountId: testAccountId(), region };
}

function s3(region: string): S3Client {
  return new S3Client({ ...awsClientOptions(region), forcePathStyle: true });
}

const names = { sealed: uniqueName('sealed'), open: uniqueName('open'), west: uniqueName('west') };

describe('encryption collector (emulator)', () => {
  beforeAll(async () => {
    // us-east-1: EBS default encryption on; an encrypted and an unencrypted instance; an
    // encrypted Aurora cluster with one instance; a bucket with its own block and one without.
    const ec2 = new EC2Client(awsClientOptions('us-east-1'));
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
    ec2.destroy();
    const rds = new RDSClient(awsClientOptions('us-east-1'));
    const instance = (id: string, encrypted: boolean) =>
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          MasterUsername: 'admin1',
          MasterUserPassword: 'password-1234',
          StorageEncrypted: encrypted,
        }),
      );
    await instance('orders', true);
    await instance('legacy', false);
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'ledger',
        Engine: 'aurora-postgresql',
        MasterUsername: 'admin1',
        MasterUserPassword: 'password-1234',
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
    const east = s3('us-east-1');
    for (const name of [names.sealed, names.open]) await east.send(new CreateBucketCommand({ Bucket: name }));
    await east.send(
      new PutBucketEncryptionCommand({
        Bucket: names.sealed,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } },
          ],
        },
      }),
    );
    await east.send(
      new PutBucketPublicAccessBlockCommand({ Bucket: names.sealed, PublicAccessBlockConfiguration: ALL_ON }),
    );
    east.destroy();
    // us-west-2: one bucket, nothing else.
    const west = s3('us-west-2');
    await west.send(
      new CreateBucketCommand({
        Bucket: names.west,
        CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
      }),
    );
    west.destroy();
  });

  it('records EBS, RDS instances and clusters and the region’s buckets; the checks name each failing store', async () => {
    const { result, snapshot } = await collectOnce(encryptionCollector, scope('us-east-1'), { config });
    expect(result.status ?? 'ok').toBe('ok');
    const d = result.data;
    expect(d.ebs).toEqual({ encryptionByDefault: true });
    expect(d.rds.instances.map((i) => [i.id, i.storageEncrypted, i.clusterId]).sort()).toEqual([
      ['ledger-1', true, 'ledger'],
      ['legacy', false, null],
      ['orders', true, null],
    ]);
    expect(d.rds.clusters).toEqual([
      expect.objectContaining({ id: 'ledger', engine: 'aurora-postgresql', storageEncrypted: true }),
    ]);
    expect(d.s3.buckets.map((b) => b.name).sort()).toEqual([names.open, names.sealed].sort());
    const sealed = d.s3.buckets.find((b) => b.name === names.sealed)!;
    expect(sealed.defaultEncryption).toEqual({
      state: 'set',
      value: [{ algorithm: 'aws:kms', kmsKeyId: 'alias/data', bucketKeyEnabled: false }],
    });
    expect(sealed.publicAccessBlock).toEqual({
      state: 'set',
      value: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
    });
    const open = d.s3.buckets.find((b) => b.name === names.open)!;
    expect(open.publicAccessBlock).toEqual({ state: 'none' });
    expect(d.s3.accountPublicAccessBlock).toEqual({ state: 'none' });

    const atRest = encryptionAtRestCheck.run(snapshot, config);
    expect(atRest.result).toBe('fail');
    // The unencrypted instance is named; the Aurora cluster's instance is judged by its (encrypted) cluster.
    expect(atRest.failing).toContain(`arn:aws:rds:us-east-1:${testAccountId()}:db:legacy`);
    expect(atRest.failing.some((f) => f.includes('orders') || f.includes('ledger'))).toBe(false);
    expect(atRest.detail).toMatch(/RDS instance legacy/);

    const blocked = s3PublicAccessBlockedCheck.run(snapshot, config);
    expect(blocked.result).toBe('fail');
    expect(blocked.failing).toEqual([`arn:aws:s3:::${names.open}`]);
    expect(blocked.detail).toContain(`${names.open} (no public access block)`);
    expect(blocked.detail).toContain('the account has no account-level block');
  });

  it('a region without any database or bucket: EBS is judged, the rest is not applicable in words', async () => {
    const { result, snapshot, stats } = await collectOnce(encryptionCollector, scope('eu-west-1'), {
      config,
    });
    expect(result.data.rds).toEqual({ instances: [], clusters: [] });
    expect(result.data.s3.buckets).toEqual([]);
    // Not the first configured region and no bucket: the account's block is read elsewhere.
    expect(result.data.s3.accountPublicAccessBlock).toMatchObject({ state: 'not-collected' });
    expect(stats.requests).toBe(4);
    const atRest = encryptionAtRestCheck.run(snapshot, config);
    expect(atRest).toMatchObject({ result: 'fail', failing: ['ebs-encryption-by-default:eu-west-1'] });
    expect(atRest.detail).toMatch(/EBS encryption by default is off/);
    const blocked = s3PublicAccessBlockedCheck.run(snapshot, config);
    expect(blocked.result).toBe('not-applicable');
    expect(blocked.detail).toMatch(/no S3 bucket in the region/);
  });

  it('a bucket without default encryption is named; the account-level block covers every bucket', async () => {
    const control = new S3ControlClient({ ...awsClientOptions('us-east-1'), ...s3ControlExtraOptions() });
    await control.send(
      new PutPublicAccessBlockCommand({ AccountId: testAccountId(), PublicAccessBlockConfiguration: ALL_ON }),
    );
    control.destroy();
    const { result, snapshot } = await collectOnce(encryptionCollector, scope('us-west-2'), { config });
    expect(result.data.s3.buckets.map((b) => [b.name, b.defaultEncryption.state])).toEqual([
      [names.west, 'none'],
    ]);
    expect(result.data.s3.accountPublicAccessBlock).toMatchObject({ state: 'set' });
    const atRest = encryptionAtRestCheck.run(snapshot, config);
    expect(atRest.failing).toEqual(['ebs-encryption-by-default:us-west-2', `arn:aws:s3:::${names.west}`]);
    expect(atRest.detail).toMatch(
      /no RDS instance or cluster \(not applicable\)|bucket\(s\) without default encryption/,
    );
    const blocked = s3PublicAccessBlockedCheck.run(snapshot, config);
    expect(blocked).toMatchObject({ result: 'pass', failing: [] });
    expect(blocked.detail).toMatch(/account-level block is on \(all four settings\)/);
  });

  it('an account block with one setting off does not cover buckets; a bucket’s own full block does', async () => {
    const control = new S3ControlClient({ ...awsClientOptions('us-east-1'), ...s3ControlExtraOptions() });
    await control.send(
      new PutPublicAccessBlockCommand({
        AccountId: testAccountId(),
        PublicAccessBlockConfiguration: { ...ALL_ON, RestrictPublicBuckets: false },
      }),
    );
    control.destroy();
    const { snapshot } = await collectOnce(encryptionCollector, scope('us-east-1'), { config });
    const blocked = s3PublicAccessBlockedCheck.run(snapshot, config);
    expect(blocked.result).toBe('fail');
    expect(blocked.failing).toEqual([`arn:aws:s3:::${names.open}`]);
    expect(blocked.detail).toMatch(/the account-level block has restrictPublicBuckets off/);
  });

  it('a bucket whose settings cannot be read is partial and fails the check, never passes', async () => {
    // The emulator enforces no IAM: the refusal is made with aws-sdk-client-mock, every other
    // S3 call goes through to the emulator unchanged.
    const realSend = S3Client.prototype.send as (this: S3Client, command: unknown) => Promise<unknown>;
    const stub = mockClient(S3Client);
    stub
      .on(ListBucketsCommand)
      .callsFake((input, getClient) => realSend.call(getClient(), new ListBucketsCommand(input)));
    stub
      .on(GetPublicAccessBlockCommand)
      .callsFake((input, getClient) => realSend.call(getClient(), new GetPublicAccessBlockCommand(input)));
    stub.on(GetBucketEncryptionCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'Access Denied',
      }),
    );
    try {
      const { result, snapshot } = await collectOnce(encryptionCollector, scope('us-west-2'), { config });
      expect(result.status).toBe('partial');
      expect(result.errors).toEqual([
        expect.stringMatching(
          new RegExp(
            `^bucket ${names.west}: s3:GetEncryptionConfiguration was refused in account \\d+ in us-west-2 \\(AccessDenied: Access Denied\\); grant s3:GetEncryptionConfiguration`,
          ),
        ),
      ]);
      const atRest = encryptionAtRestCheck.run(snapshot, config);
      expect(atRest.failing).toContain(`arn:aws:s3:::${names.west}`);
      expect(atRest.detail).toMatch(/could not be read: AccessDenied/);
    } finally {
      stub.restore();
    }
  });
});
