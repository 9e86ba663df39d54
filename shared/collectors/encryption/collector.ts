/**
 * Encryption at rest, one account and region per scope (CC6.1): whether EBS encrypts new
 * volumes by default, the storage encryption of every RDS instance and cluster (Aurora,
 * and the other engines DescribeDBClusters lists), and of the S3 buckets whose region this
 * is (ListBuckets filtered by region): each bucket's default encryption and public access
 * block. The account-level S3 public access block is an account setting: it is read in
 * the first configured region, and in every region that has buckets (a bucket is judged
 * with the account's block beside it, so a snapshot never needs another to be judged).
 * A region without databases or buckets is recorded as data (empty lists); the checks
 * say "not applicable" for it, in words.
 */
import { EC2Client, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import {
  type DBCluster,
  type DBInstance,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand as GetBucketPublicAccessBlockCommand,
  paginateListBuckets,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { type AwsRegionalScope, awsCall, awsClient, describeAwsError, mapLimit } from '../../aws/accounts.js';
import { s3ControlExtraOptions, s3ExtraOptions } from '../../aws/clients.js';
import { allPages } from '../../aws/paging.js';
import { awsIdentity } from '../../aws/principal.js';
import { SourceUnavailableError } from '../../errors.js';
import type { RunnableCollector } from '../types.js';
import { encryption } from './declaration.js';

/** The four settings of an S3 public access block (absent in the answer = false). */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** A setting read from AWS: set (with its value), none configured, or not readable (why). */
export type Setting<T> =
  | { state: 'set'; value: T }
  | { state: 'none' }
  | { state: 'unreadable'; error: string };

export interface EncryptionRule {
  algorithm: string | null;
  kmsKeyId: string | null;
  bucketKeyEnabled: boolean | null;
}

export interface BucketSettings {
  name: string;
  arn: string;
  createdAt: string | null;
  defaultEncryption: Setting<EncryptionRule[]>;
  publicAccessBlock: Setting<PublicAccessBlock>;
}

export interface RdsStorage {
  id: string;
  arn: string | null;
  engine: string | null;
  /** Instances of a cluster: the cluster holds the storage (Aurora). */
  clusterId: string | null;
  storageEncrypted: boolean;
  kmsKeyId: string | null;
}

export interface EncryptionData {
  accountId: string;
  region: string;
  ebs: { encryptionByDefault: boolean };
  rds: { instances: RdsStorage[]; clusters: RdsStorage[] };
  s3: {
    /** The buckets whose region is this scope's. */
    buckets: BucketSettings[];
    /**
     * The account-level S3 public access block. `not-collected` in a region without buckets
     * other than the first configured one (the account setting is read there).
     */
    accountPublicAccessBlock: Setting<PublicAccessBlock> | { state: 'not-collected'; reason: string };
  };
}

/** Buckets read at once. */
const BUCKET_CONCURRENCY = 8;

export const encryptionCollector: RunnableCollector<AwsRegionalScope, EncryptionData> = {
  ...encryption,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const { region } = scope;
    const ec2 = awsClient(EC2Client, scope, region, ctx.stats);
    const rds = awsClient(RDSClient, scope, region, ctx.stats);
    const s3 = awsClient(S3Client, scope, region, ctx.stats, s3ExtraOptions());
    const s3control = awsClient(S3ControlClient, scope, region, ctx.stats, s3ControlExtraOptions());
    const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, region, action, fn);
    const errors: string[] = [];
    /** A setting whose absence the API reports as one named error. */
    const setting = async <T>(
      action: string,
      what: string,
      absent: string,
      fn: () => Promise<T | undefined>,
    ): Promise<Setting<T>> => {
      try {
        const value = await call(action, fn);
        return value === undefined ? { state: 'none' } : { state: 'set', value };
      } catch (err) {
        if (err instanceof Error && err.name === absent) return { state: 'none' };
        const error = describeAwsError(err instanceof SourceUnavailableError ? err.cause : err);
        // A refusal says which action to grant (awsCall's message); anything else what failed.
        errors.push(
          err instanceof SourceUnavailableError
            ? `${what}: ${err.message}`
            : `${action} of ${what} in ${region}: ${error}`,
        );
        return { state: 'unreadable', error };
      }
    };
    try {
      const ebs = await call('ec2:GetEbsEncryptionByDefault', () =>
        ec2.send(new GetEbsEncryptionByDefaultCommand({})),
      );
      ctx.stats.pages++;

      const instances = await call('rds:DescribeDBInstances', () =>
        allPages(
          paginateDescribeDBInstances({ client: rds, pageSize: 100, stopOnSameToken: true }, {}),
          'DescribeDBInstances',
          ctx.stats,
          (p) => p.DBInstances,
        ),
      );
      const clusters = await call('rds:DescribeDBClusters', () =>
        allPages(
          paginateDescribeDBClusters({ client: rds, pageSize: 100, stopOnSameToken: true }, {}),
          'DescribeDBClusters',
          ctx.stats,
          (p) => p.DBClusters,
        ),
      );

      const listed = await call('s3:ListAllMyBuckets', () =>
        allPages(
          paginateListBuckets(
            { client: s3, pageSize: 1000, stopOnSameToken: true },
            { BucketRegion: region },
          ),
          'ListBuckets',
          ctx.stats,
          (p) => p.Buckets,
        ),
      );
      const buckets = await mapLimit(listed, BUCKET_CONCURRENCY, async (b): Promise<BucketSettings> => {
        const name = b.Name ?? '';
        const what = `bucket ${name}`;
        const defaultEncryption = await setting(
          's3:GetEncryptionConfiguration',
          what,
          'ServerSideEncryptionConfigurationNotFoundError',
          async () => {
            const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
            const rules = out.ServerSideEncryptionConfiguration?.Rules ?? [];
            return rules.length === 0
              ? undefined
              : rules.map((r) => ({
                  algorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
                  kmsKeyId: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
                  bucketKeyEnabled: r.BucketKeyEnabled ?? null,
                }));
          },
        );
        const publicAccessBlock = await setting(
          's3:GetBucketPublicAccessBlock',
          what,
          'NoSuchPublicAccessBlockConfiguration',
          async () => {
            const out = await s3.send(new GetBucketPublicAccessBlockCommand({ Bucket: name }));
            return blockOf(out.PublicAccessBlockConfiguration);
          },
        );
        return {
          name,
          arn: `arn:aws:s3:::${name}`,
          createdAt: b.CreationDate?.toISOString() ?? null,
          defaultEncryption,
          publicAccessBlock,
        };
      });

      const first = ctx.config.aws?.regions[0];
      const accountPublicAccessBlock: EncryptionData['s3']['accountPublicAccessBlock'] =
        region === first || buckets.length > 0
          ? await setting(
              's3:GetAccountPublicAccessBlock',
              `account ${scope.accountId}`,
              'NoSuchPublicAccessBlockConfiguration',
              async () => {
                const out = await s3control.send(
                  new GetPublicAccessBlockCommand({ AccountId: scope.accountId }),
                );
                return blockOf(out.PublicAccessBlockConfiguration);
              },
            )
          : {
              state: 'not-collected',
              reason: `an account setting, read in ${first ?? 'the first configured region'} and in regions with buckets; ${region} has none`,
            };

      const data: EncryptionData = {
        accountId: scope.accountId,
        region,
        ebs: { encryptionByDefault: ebs.EbsEncryptionByDefault === true },
        rds: { instances: instances.map(instanceStorage), clusters: clusters.map(clusterStorage) },
        s3: { buckets, accountPublicAccessBlock },
      };
      return {
        data,
        items: 1 + instances.length + clusters.length + buckets.length,
        ...(errors.length > 0 && { status: 'partial' as const, errors }),
      };
    } finally {
      for (const c of [ec2, rds, s3, s3control]) c.destroy();
    }
  },
};

function blockOf(
  c:
    | {
        BlockPublicAcls?: boolean | undefined;
        IgnorePublicAcls?: boolean | undefined;
        BlockPublicPolicy?: boolean | undefined;
        RestrictPublicBuckets?: boolean | undefined;
      }
    | undefined,
): PublicAccessBlock | undefined {
  if (c === undefined) return undefined;
  return {
    blockPublicAcls: c.BlockPublicAcls === true,
    ignorePublicAcls: c.IgnorePublicAcls === true,
    blockPublicPolicy: c.BlockPublicPolicy === true,
    restrictPublicBuckets: c.RestrictPublicBuckets === true,
  };
}

function instanceStorage(i: DBInstance): RdsStorage {
  return {
    id: i.DBInstanceIdentifier ?? 'unknown',
    arn: i.DBInstanceArn ?? null,
    engine: i.Engine ?? null,
    clusterId: i.DBClusterIdentifier ?? null,
    storageEncrypted: i.StorageEncrypted === true,
    kmsKeyId: i.KmsKeyId ?? null,
  };
}

function clusterStorage(c: DBCluster): RdsStorage {
  return {
    id: c.DBClusterIdentifier ?? 'unknown',
    arn: c.DBClusterArn ?? null,
    engine: c.Engine ?? null,
    clusterId: null,
    storageEncrypted: c.StorageEncrypted === true,
    kmsKeyId: c.KmsKeyId ?? null,
  };
}

export default encryptionCollector;
