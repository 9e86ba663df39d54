/**
 * encryption-at-rest and s3-public-access-blocked over planted snapshots (the collector's own
 * test, test/collectors/encryption.test.ts, runs them on the emulator): each store and bucket
 * judged at its boundary, the failing items, and the detail word for word. The mutants StrykerJS
 * left alive in both checks (issue 27, item 5).
 */
import { describe, expect, it } from 'vitest';
import type {
  BucketSettings,
  EncryptionData,
  PublicAccessBlock,
  RdsStorage,
} from '../../shared/collectors/encryption/collector.js';
import { encryptionAtRestCheck } from '../../shared/collectors/encryption/encryption-at-rest.js';
import { s3PublicAccessBlockedCheck } from '../../shared/collectors/encryption/s3-public-access-blocked.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const config = awsTestConfig({ regions: ['eu-west-1'] });
const WHERE = 'account 123456789012 eu-west-1';
const ALL_ON: PublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

function snapshot(over: {
  ebs?: boolean;
  instances?: RdsStorage[];
  clusters?: RdsStorage[];
  buckets?: BucketSettings[];
  account?: EncryptionData['s3']['accountPublicAccessBlock'];
}): Snapshot<EncryptionData> {
  return makeSnapshot({
    collector: 'encryption',
    scope: 'aws-123456789012-eu-west-1',
    controls: ['CC6.1'],
    collectedAt: '2026-04-20T00:05:00.000Z',
    data: {
      accountId: '123456789012',
      region: 'eu-west-1',
      ebs: { encryptionByDefault: over.ebs ?? true },
      rds: { instances: over.instances ?? [], clusters: over.clusters ?? [] },
      s3: {
        buckets: over.buckets ?? [],
        accountPublicAccessBlock: over.account ?? { state: 'none' },
      },
    },
  }) as Snapshot<EncryptionData>;
}

const store = (id: string, over: Partial<RdsStorage> = {}): RdsStorage => ({
  id,
  arn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`,
  engine: 'postgres',
  clusterId: null,
  storageEncrypted: true,
  kmsKeyId: null,
  ...over,
});
const bucket = (name: string, over: Partial<BucketSettings> = {}): BucketSettings => ({
  name,
  arn: `arn:aws:s3:::${name}`,
  createdAt: null,
  defaultEncryption: {
    state: 'set',
    value: [{ algorithm: 'AES256', kmsKeyId: null, bucketKeyEnabled: null }],
  },
  publicAccessBlock: { state: 'set', value: ALL_ON },
  ...over,
});

describe('encryption-at-rest', () => {
  const run = (s: Snapshot<EncryptionData>) => encryptionAtRestCheck.run(s, config);

  it('everything encrypted: each part said, counted', () => {
    expect(
      run(
        snapshot({ instances: [store('a')], clusters: [store('c')], buckets: [bucket('b1'), bucket('b2')] }),
      ),
    ).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: EBS encryption by default is on; 2 RDS store(s) encrypted; 2 bucket(s) encrypted by default`,
    });
    expect(run(snapshot({})).detail).toBe(
      `${WHERE}: EBS encryption by default is on; no RDS instance or cluster (not applicable); no S3 bucket in the region (not applicable)`,
    );
  });

  it('EBS off fails on its own, named by region', () => {
    expect(run(snapshot({ ebs: false }))).toEqual({
      result: 'fail',
      failing: ['ebs-encryption-by-default:eu-west-1'],
      detail: `${WHERE}: EBS encryption by default is off`,
    });
  });

  it('an unencrypted instance outside a cluster and an unencrypted cluster fail, by ARN or rds:<region>:<id>; an instance of a cluster is judged by its cluster', () => {
    const outcome = run(
      snapshot({
        instances: [
          store('plain', { storageEncrypted: false }),
          store('member', { storageEncrypted: false, clusterId: 'aurora' }),
          store('nameless', { storageEncrypted: false, arn: null }),
        ],
        clusters: [store('aurora', { arn: 'arn:aws:rds:eu-west-1:123456789012:cluster:aurora' })],
      }),
    );
    expect(outcome).toEqual({
      result: 'fail',
      failing: ['arn:aws:rds:eu-west-1:123456789012:db:plain', 'rds:eu-west-1:nameless'],
      detail: `${WHERE}: unencrypted storage: RDS instance plain, RDS instance nameless`,
    });
    const cluster = run(snapshot({ clusters: [store('aurora', { storageEncrypted: false })] }));
    expect(cluster).toMatchObject({
      result: 'fail',
      detail: `${WHERE}: unencrypted storage: RDS cluster aurora`,
    });
    expect(run(snapshot({ instances: [store('member', { clusterId: 'aurora' })] })).detail).toBe(
      `${WHERE}: EBS encryption by default is on; no RDS instance or cluster (not applicable); no S3 bucket in the region (not applicable)`,
    );
  });

  it('a bucket without default encryption, or whose setting could not be read, fails by ARN; problems joined by "; "', () => {
    const outcome = run(
      snapshot({
        ebs: false,
        instances: [store('plain', { storageEncrypted: false })],
        buckets: [
          bucket('ok'),
          bucket('none', { defaultEncryption: { state: 'none' } }),
          bucket('denied', { defaultEncryption: { state: 'unreadable', error: 'AccessDenied' } }),
        ],
      }),
    );
    expect(outcome).toEqual({
      result: 'fail',
      failing: [
        'ebs-encryption-by-default:eu-west-1',
        'arn:aws:rds:eu-west-1:123456789012:db:plain',
        'arn:aws:s3:::none',
        'arn:aws:s3:::denied',
      ],
      detail: `${WHERE}: EBS encryption by default is off; unencrypted storage: RDS instance plain; bucket(s) without default encryption: none, denied (could not be read: AccessDenied)`,
    });
  });
});

describe('s3-public-access-blocked', () => {
  const run = (s: Snapshot<EncryptionData>) => s3PublicAccessBlockedCheck.run(s, config);
  const open = (name: string, block: BucketSettings['publicAccessBlock']) =>
    bucket(name, { publicAccessBlock: block });

  it('the account-level block with all four on passes every bucket, whatever their own blocks', () => {
    expect(
      run(snapshot({ account: { state: 'set', value: ALL_ON }, buckets: [open('b', { state: 'none' })] })),
    ).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: the account-level block is on (all four settings); it covers the region's 1 bucket(s)`,
    });
  });

  it.each(Object.keys(ALL_ON))(
    'the account-level block with %s off covers nothing; each bucket needs its own',
    (setting) => {
      const account = { state: 'set' as const, value: { ...ALL_ON, [setting]: false } };
      expect(run(snapshot({ account, buckets: [open('b', { state: 'none' })] }))).toEqual({
        result: 'fail',
        failing: ['arn:aws:s3:::b'],
        detail: `${WHERE}: the account-level block has ${setting} off, and 1 bucket(s) lack their own: b (no public access block)`,
      });
      expect(run(snapshot({ account, buckets: [bucket('b')] }))).toEqual({
        result: 'pass',
        failing: [],
        detail: `${WHERE}: the account-level block has ${setting} off, and each of the region's 1 bucket(s) has its own block on`,
      });
    },
  );

  it('a bucket with one setting off, or none, or unreadable: named with why; settings joined by ", ", buckets by ", "', () => {
    const outcome = run(
      snapshot({
        account: { state: 'set', value: { ...ALL_ON, blockPublicAcls: false, restrictPublicBuckets: false } },
        buckets: [
          bucket('fine'),
          open('partial', {
            state: 'set',
            value: { ...ALL_ON, ignorePublicAcls: false, blockPublicPolicy: false },
          }),
          open('bare', { state: 'none' }),
          open('denied', { state: 'unreadable', error: 'AccessDenied' }),
        ],
      }),
    );
    expect(outcome).toEqual({
      result: 'fail',
      failing: ['arn:aws:s3:::partial', 'arn:aws:s3:::bare', 'arn:aws:s3:::denied'],
      detail: `${WHERE}: the account-level block has blockPublicAcls, restrictPublicBuckets off, and 3 bucket(s) lack their own: partial (ignorePublicAcls, blockPublicPolicy off), bare (no public access block), denied (its block could not be read: AccessDenied)`,
    });
  });

  it('how the account-level block stands is said in each state; a region without buckets is not applicable', () => {
    const states: [EncryptionData['s3']['accountPublicAccessBlock'], string][] = [
      [{ state: 'none' }, 'the account has no account-level block'],
      [
        { state: 'unreadable', error: 'AccessDenied' },
        'the account-level block could not be read (AccessDenied)',
      ],
      [
        { state: 'not-collected', reason: 'read in us-east-1' },
        'the account-level block is read in another region',
      ],
    ];
    for (const [account, says] of states) {
      expect(run(snapshot({ account }))).toEqual({
        result: 'not-applicable',
        failing: [],
        detail: `${WHERE}: no S3 bucket in the region; ${says}`,
      });
      expect(run(snapshot({ account, buckets: [open('b', { state: 'none' })] })).detail).toBe(
        `${WHERE}: ${says}, and 1 bucket(s) lack their own: b (no public access block)`,
      );
    }
  });
});
