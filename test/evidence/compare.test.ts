/**
 * The one comparison of an object as read now with the entry that sealed it
 * (shared/evidence/digest/compare.ts: compareSealed, checkEntry), at its boundaries: bytes
 * changed, a new S3 version of the same bytes, a version known on one side only, an object
 * gone, another I/O error, and the reads a check spends. The mutants StrykerJS found
 * surviving there (issue 27, item 5). Real objects in a directory locker and on the emulator.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { checkEntry, compareSealed, describeSealed } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { Locker } from '../../shared/locker/types.js';
import { createBucket } from '../helpers/aws.js';

const KEY = 'snapshots/2026-04-05/fake-a/org-acme/20260405T000500000Z-run.json';
const RETAIN = { retainUntil: new Date('2028-01-01T00:00:00.000Z') };
const A = sha256Hex(Buffer.from('a'));
const B = sha256Hex(Buffer.from('b'));

/** Count the locker's reads (get and head) by key. */
function counting(locker: Locker) {
  const reads: string[] = [];
  const get = locker.get.bind(locker);
  const head = locker.head.bind(locker);
  locker.get = async (key) => {
    reads.push(`get ${key}`);
    return get(key);
  };
  locker.head = async (key) => {
    reads.push(`head ${key}`);
    return head(key);
  };
  return reads;
}

describe('compareSealed', () => {
  it('the same bytes (and the same version, or a version known on one side only) match', () => {
    expect(compareSealed({ key: KEY, sha256: A }, { sha256: A })).toBeUndefined();
    expect(
      compareSealed({ key: KEY, sha256: A, versionId: 'v1' }, { sha256: A, versionId: 'v1' }),
    ).toBeUndefined();
    expect(compareSealed({ key: KEY, sha256: A, versionId: 'v1' }, { sha256: A })).toBeUndefined();
    expect(compareSealed({ key: KEY, sha256: A }, { sha256: A, versionId: 'v2' })).toBeUndefined();
  });

  it('other bytes: hash-mismatch naming both SHA-256, the sizes when known, and who sealed it', () => {
    expect(compareSealed({ key: KEY, sha256: A, size: 1 }, { sha256: B, size: 2 })).toEqual({
      problem: 'hash-mismatch',
      key: KEY,
      detail: `SHA-256 is ${B} (2 bytes), the digest sealed ${A} (1 bytes)`,
    });
    expect(compareSealed({ key: KEY, sha256: A }, { sha256: B }, 'leaf x')).toEqual({
      problem: 'hash-mismatch',
      key: KEY,
      detail: `SHA-256 is ${B}, leaf x sealed ${A}`,
    });
  });

  it('the same bytes as another S3 version: hash-mismatch naming both versions', () => {
    expect(
      compareSealed({ key: KEY, sha256: A, versionId: 'v1' }, { sha256: A, versionId: 'v2' }, 'the record'),
    ).toEqual({
      problem: 'hash-mismatch',
      key: KEY,
      detail: 'current version is v2, the record sealed version v1',
    });
  });
});

describe('checkEntry, directory locker', () => {
  const make = async () => new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'compare-')));

  it('intact: nothing; altered: hash-mismatch with both sizes; gone: deleted', async () => {
    const locker = await make();
    const body = Buffer.from('{"status":"ok"}');
    await locker.put(KEY, body, RETAIN);
    const entry = describeSealed(KEY, body, await locker.head(KEY));
    expect(await checkEntry(locker, entry)).toBeUndefined();

    const file = path.join(locker.url, ...KEY.split('/'));
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    await writeFile(file, '{"status":"ok"} ');
    expect(await checkEntry(locker, entry)).toEqual({
      problem: 'hash-mismatch',
      key: KEY,
      detail: `SHA-256 is ${sha256Hex(Buffer.from('{"status":"ok"} '))} (16 bytes), the digest sealed ${entry.sha256} (15 bytes)`,
    });

    expect(await checkEntry(locker, { ...entry, key: `${KEY}.gone` })).toEqual({
      problem: 'deleted',
      key: `${KEY}.gone`,
      detail: 'sealed by a digest but no longer in the locker',
    });
  });

  it('an I/O error other than a missing object is thrown, never reported as deleted', async () => {
    const locker = await make();
    await locker.put(KEY, Buffer.from('x'), RETAIN);
    locker.get = async () => {
      throw new Error('EIO: disk on fire');
    };
    await expect(checkEntry(locker, { key: KEY, size: 1, sha256: A })).rejects.toThrow('disk on fire');
  });
});

describe('checkEntry, S3 (emulator)', () => {
  it('intact: one HEAD, no body read (the store keeps the SHA-256); a new version of the same bytes, or other bytes: hash-mismatch', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const body = Buffer.from('{"status":"ok"}');
    await locker.put(KEY, body, RETAIN);
    const entry = describeSealed(KEY, body, await locker.head(KEY));
    expect(entry.versionId).toBeTruthy();

    const reads = counting(locker);
    expect(await checkEntry(locker, entry)).toBeUndefined();
    expect(reads).toEqual([`head ${KEY}`]);

    // The same bytes written again as a new version (a bucket writable outside the locker).
    const s3 = new S3Client(s3ClientOptions());
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: body, ChecksumAlgorithm: 'SHA256' }),
    );
    const again = await checkEntry(locker, entry);
    expect(again?.problem).toBe('hash-mismatch');
    expect(again?.detail).toMatch(
      new RegExp(`^current version is \\S+, the digest sealed version ${entry.versionId}$`),
    );

    // Other bytes, written without a checksum: the body is read and hashed.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: Buffer.from('{"status":"no"}') }));
    reads.length = 0;
    const other = await checkEntry(locker, entry);
    expect(other).toMatchObject({ problem: 'hash-mismatch', key: KEY });
    expect(other?.detail).toContain(
      `SHA-256 is ${sha256Hex(Buffer.from('{"status":"no"}'))}, the digest sealed ${entry.sha256}`,
    );
    expect(reads).toEqual([`head ${KEY}`, `get ${KEY}`]);

    // Hidden behind a delete marker: deleted.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }));
    expect(await checkEntry(locker, entry)).toMatchObject({ problem: 'deleted', key: KEY });
    s3.destroy();
  });
});
