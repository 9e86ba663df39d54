/**
 * functions/seal.ts invoked the way EventBridge Scheduler invokes it, against an
 * Object-Lock bucket on the emulator: it seals the day before the scheduled time in a
 * COMPLIANCE-locked digest, and a second run seals nothing new.
 */

import { createHash } from 'node:crypto';
import { CreateKeyCommand, KMSClient, VerifyCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as sealHandler } from '../../functions/seal.js';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { readDigest, readLeaf } from '../../shared/evidence/digest.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { eventBridgeScheduledEvent, schedulerEvent } from './scheduler-event.js';

const s3 = new S3Client(s3ClientOptions());
let bucket: string;
let locker: S3Locker;
let handler: typeof sealHandler;
const kms = new KMSClient({});
let keyId: string;

beforeAll(async () => {
  bucket = await createBucket({ objectLock: true });
  keyId = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })))
    .KeyMetadata!.KeyId!;
  locker = new S3Locker(`s3://${bucket}`);
  Object.assign(process.env, {
    EVIDENCE_STORE: `s3://${bucket}`,
    EVIDENCE_CONFIG_JSON: JSON.stringify({
      locker: { retentionDays: 30 },
      auditPeriod: { start: '2026-01-01' },
    }),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    EVIDENCE_SIGNING_KMS_KEY_ID: keyId,
  });
  vi.resetModules();
  handler = (await import('../../functions/seal.js')).handler;
});

afterAll(() => s3.destroy());

describe('seal handler', () => {
  it("seals yesterday's snapshots (relative to the scheduled time) in a locked digest, once", async () => {
    const a = await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-04-20T00:05:01.000Z' }), 30);
    const b = await writeSnapshot(
      locker,
      makeSnapshot({ collectedAt: '2026-04-20T00:05:02.000Z', collector: 'iam', scope: 'aws-123456789012' }),
      30,
    );
    // A snapshot of the scheduled day itself is not sealed yet.
    await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-04-21T00:05:00.000Z' }), 30);

    const out = await handler(schedulerEvent('2026-04-21T03:00:00Z', 'EvidenceLocker-SealSchedule'));

    expect(out).toMatchObject({ day: '2026-04-20', sealed: 2, alreadySealed: 0 });
    expect(out.key).toMatch(/^digests\/2026-04-20\/\d{8}T\d{9}Z\.json$/);
    const { digest } = await readDigest(locker, out.key!);
    // The default form (locker.digestForm 3): a root naming one signed, locked leaf per collector and shard.
    if (digest.schema !== 'evidence.digest/3') throw new Error(`expected a root, found ${digest.schema}`);
    const leaves = await Promise.all(digest.leaves.map((l) => readLeaf(locker, l.key)));
    expect(leaves.flatMap((l) => l.leaf.snapshots.map((e) => e.key)).sort()).toEqual([a.key, b.key].sort());
    for (const l of digest.leaves) {
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: l.key }))).ObjectLockMode).toBe(
        'COMPLIANCE',
      );
      const sig = (await locker.get(`${l.key}.sig`)).body;
      expect(sig.byteLength).toBeGreaterThan(0);
      // The KMS signature also travels in the leaf's own metadata (one GET reads both), the same bytes.
      const signed = await locker.getSigned(l.key);
      expect(signed.from).toBe('metadata');
      expect(signed.signature).toEqual(sig);
    }
    expect(digest.previous).toBeNull();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: out.key! }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    // Signed with the KMS key in DIGEST mode (the production path): KMS's own Verify accepts it.
    // (moto 5.2.5 signs DIGEST messages wrongly, see test/evidence/signing.test.ts, but
    // consistently with its own Verify.)
    const body = (await locker.get(out.key!)).body;
    const signature = (await locker.get(`${out.key}.sig`)).body;
    const verified = await kms.send(
      new VerifyCommand({
        KeyId: keyId,
        Message: createHash('sha256').update(body).digest(),
        MessageType: 'DIGEST',
        Signature: signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(verified.SignatureValid).toBe(true);

    // A retry of the same slot writes nothing new.
    const again = await handler(schedulerEvent('2026-04-21T03:00:00Z', 'EvidenceLocker-SealSchedule'));
    expect(again).toMatchObject({ day: '2026-04-20', key: null, sealed: 0, alreadySealed: 2 });
  });

  it('accepts an EventBridge ScheduledEvent and chains to the previous digest', async () => {
    const first = await handler(schedulerEvent('2026-04-21T03:00:00Z'));
    expect(first.key).toBeNull();
    const out = await handler(eventBridgeScheduledEvent('2026-04-22T03:00:00Z'));
    expect(out).toMatchObject({ day: '2026-04-21', sealed: 1 });
    const { digest } = await readDigest(locker, out.key!);
    expect(digest.previous?.key).toMatch(/^digests\/2026-04-20\//);
  });
});
