import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { AlreadyExistsError, LockerUnavailableError, NotFoundError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { listAll } from '../../shared/locker/types.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';

describe('S3 locker (emulator)', () => {
  let bucket: string;
  let s3: S3Client;
  beforeAll(async () => {
    bucket = await createBucket({ objectLock: true });
    s3 = new S3Client(s3ClientOptions());
  });

  it('writes a snapshot in COMPLIANCE mode, retained until collectedAt + retentionDays, with its SHA-256 stored', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    const snap = makeSnapshot({ collectedAt: '2026-04-20T00:05:12.345Z' });
    const written = await writeSnapshot(locker, snap, 730);

    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: written.key, ChecksumMode: 'ENABLED' }),
    );
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe('2028-04-19T00:05:12.345Z');
    expect(Buffer.from(head.ChecksumSHA256!, 'base64').toString('hex')).toBe(written.sha256);
    expect(head.VersionId).toBe(written.versionId);

    const info = await locker.head(written.key);
    expect(info).toMatchObject({
      lockMode: 'COMPLIANCE',
      sha256: written.sha256,
      versionId: written.versionId,
    });
    expect(info.retainUntil?.toISOString()).toBe('2028-04-19T00:05:12.345Z');
  });

  it('a signature written with an object travels in its metadata: one GetObject returns both; without, `<key>.sig` is read', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    const retainUntil = new Date('2028-01-01T00:00:00.000Z');
    // A DER ECDSA signature is at most 72 bytes: 96 of base64, far under S3's 2 KB of metadata.
    const signature = Buffer.from(`3046022100${'ab'.repeat(33)}022100${'cd'.repeat(32)}`, 'hex');
    await locker.put('leaves/sig/a.json', Buffer.from('{"a":1}'), { retainUntil, signature });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'leaves/sig/a.json' }));
    expect(head.Metadata).toEqual({ 'evidence-signature': signature.toString('base64') });
    let before = locker.stats.requests;
    const read = await locker.getSigned('leaves/sig/a.json');
    expect(locker.stats.requests - before).toBe(1);
    expect(read).toMatchObject({ from: 'metadata', signature, body: Buffer.from('{"a":1}') });
    expect(read.copy).toBeUndefined();
    expect(read.info.lockMode).toBe('COMPLIANCE');

    // Written before signatures travelled: its `.sig`, a second request; none: no signature.
    await locker.put('leaves/sig/b.json', Buffer.from('{"b":1}'), { retainUntil });
    await locker.put('leaves/sig/b.json.sig', signature, { retainUntil });
    before = locker.stats.requests;
    expect(await locker.getSigned('leaves/sig/b.json')).toMatchObject({ from: 'object', signature });
    expect(locker.stats.requests - before).toBe(2);
    await locker.put('leaves/sig/c.json', Buffer.from('{"c":1}'), { retainUntil });
    const none = await locker.getSigned('leaves/sig/c.json');
    expect(none.from).toBe('none');
    expect(none.signature).toBeUndefined();
    await expect(locker.getSigned('leaves/sig/missing.json')).rejects.toBeInstanceOf(NotFoundError);
    // Far more than any ECDSA signature, near S3's 2 KB of metadata: refused before writing.
    await expect(
      locker.put('leaves/sig/big.json', Buffer.from('{}'), { retainUntil, signature: Buffer.alloc(1025) }),
    ).rejects.toThrow('cannot travel in the metadata');
    await expect(locker.head('leaves/sig/big.json')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('metadata replaced or removed by a new version of the object (allowed under Object Lock): the new version is what is read, so verify judges it', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    const retainUntil = new Date('2028-01-01T00:00:00.000Z');
    const signature = Buffer.from('3006020101020101', 'hex');
    await locker.put('leaves/sig/d.json', Buffer.from('{"d":1}'), { retainUntil, signature });
    await locker.put('leaves/sig/d.json.sig', signature, { retainUntil });
    const replace = (Metadata: Record<string, string>) =>
      s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'leaves/sig/d.json',
          CopySource: `${bucket}/leaves/sig/d.json`,
          MetadataDirective: 'REPLACE',
          Metadata,
        }),
      );
    await replace({ 'evidence-signature': 'bm90IGEgc2lnbmF0dXJl' });
    expect((await locker.getSigned('leaves/sig/d.json')).signature).toEqual(Buffer.from('not a signature'));
    // Not base64 (metadata is text): its bytes, never "no signature".
    await replace({ 'evidence-signature': '%%%' });
    expect(await locker.getSigned('leaves/sig/d.json')).toMatchObject({
      from: 'metadata',
      signature: Buffer.from('%%%'),
    });
    // Removed: the `.sig` object is read, as for a leaf sealed before.
    await replace({});
    expect(await locker.getSigned('leaves/sig/d.json')).toMatchObject({ from: 'object', signature });
    // The emulator keeps user metadata as S3 does (lower-case names; a raw PutObject works too).
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'leaves/sig/e.json',
        Body: '{}',
        Metadata: { 'Evidence-Signature': signature.toString('base64') },
      }),
    );
    expect(await locker.getSigned('leaves/sig/e.json')).toMatchObject({ from: 'metadata', signature });
  });

  it('refuses to delete a locked version', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    // Retained until 2028: the lock is in force now.
    const written = await writeSnapshot(
      locker,
      makeSnapshot({ collectedAt: '2026-04-20T01:00:00.000Z' }),
      730,
    );
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: written.key, VersionId: written.versionId })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const { body } = await locker.get(written.key);
    expect(sha256Hex(body)).toBe(written.sha256);
  });

  it('refuses to write the same key again (412) and leaves the original bytes intact', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    const snap = makeSnapshot({ collectedAt: '2026-04-20T02:00:00.000Z' });
    const written = await writeSnapshot(locker, snap, 30);
    const tampered = { ...snap, data: { detectors: [] } };
    const err = await writeSnapshot(locker, tampered, 30).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((err as AlreadyExistsError).cause).toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: snapshotKey(snap) }));
    expect(sha256Hex(await got.Body!.transformToByteArray())).toBe(written.sha256);
  });

  it('refuses a bucket without Object Lock with a clear error, writing nothing', async () => {
    const plain = await createBucket({ objectLock: false });
    const locker = new S3Locker(`s3://${plain}`);
    const err = await writeSnapshot(
      locker,
      makeSnapshot({ collectedAt: '2026-04-20T03:00:00.000Z' }),
      30,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockerUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`bucket ${plain} does not have Object Lock enabled`));
    expect(await listAll(locker, '')).toEqual([]);
  });

  it('says when the bucket does not exist', async () => {
    const locker = new S3Locker('s3://no-such-bucket-evidence-test');
    await expect(locker.check()).rejects.toThrow(/no-such-bucket-evidence-test does not exist/);
  });

  it('lists under a prefix, every page, with keys relative to the locker prefix', async () => {
    const locker = new S3Locker(`s3://${bucket}/tenant-a`);
    const body = Buffer.from('{}');
    const retainUntil = new Date('2027-01-01T00:00:00Z');
    for (let i = 0; i < 3; i++) await locker.put(`reports/r${i}.json`, body, { retainUntil });
    const listed = await listAll(locker, 'reports/');
    expect(listed.map((o) => o.key)).toEqual(['reports/r0.json', 'reports/r1.json', 'reports/r2.json']);
    await expect(locker.get('reports/none.json')).rejects.toBeInstanceOf(NotFoundError);
    await expect(locker.head('reports/none.json')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('counts requests', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    await locker.check();
    const before = locker.stats.requests;
    await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-04-20T04:00:00.000Z' }), 30);
    expect(locker.stats.requests - before).toBe(1);
  });
});
