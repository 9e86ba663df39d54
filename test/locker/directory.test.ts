import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../shared/errors.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { listAll, signatureFromMetadata } from '../../shared/locker/types.js';
import { makeSnapshot } from '../helpers/snapshots.js';

describe('directory locker', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'locker-'));
    locker = new DirectoryLocker(dir);
  });

  it('writes files exclusively and read-only, with the S3 key layout', async () => {
    const snap = makeSnapshot({ collectedAt: '2026-04-20T00:05:12.345Z' });
    const written = await writeSnapshot(locker, snap, 730);
    expect(written.key).toBe(
      'snapshots/2026-04-20/guardduty/aws-123456789012-us-east-1/20260420T000512345Z-run000000001.json',
    );
    const s = await stat(path.join(dir, ...written.key.split('/')));
    expect(s.mode & 0o222).toBe(0);
    await expect(writeSnapshot(locker, { ...snap, data: {} }, 730)).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    const { info } = await locker.get(written.key);
    expect(info.sha256).toBe(written.sha256);
  });

  it('keeps a signature written with an object in .meta/ (read-only, never listed); getSigned says when <key>.sig is missing or differs', async () => {
    const retainUntil = new Date('2028-01-01T00:00:00.000Z');
    const signature = Buffer.from('3006020101020101', 'hex');
    await locker.put('leaves/a.json', Buffer.from('{}'), { retainUntil, signature });
    const meta = path.join(dir, '.meta', 'leaves', 'a.json');
    expect(JSON.parse(await readFile(meta, 'utf8'))).toEqual({
      'evidence-signature': signature.toString('base64'),
    });
    expect((await stat(meta)).mode & 0o222).toBe(0);
    expect((await listAll(locker, '')).map((o) => o.key)).toEqual(['leaves/a.json']);
    expect(await locker.getSigned('leaves/a.json')).toMatchObject({
      from: 'metadata',
      signature,
      copy: 'missing',
    });
    await locker.put('leaves/a.json.sig', Buffer.from('other'), { retainUntil });
    expect((await locker.getSigned('leaves/a.json')).copy).toBe('different');
    await locker.put('leaves/b.json', Buffer.from('{}'), { retainUntil, signature });
    await locker.put('leaves/b.json.sig', signature, { retainUntil });
    const both = await locker.getSigned('leaves/b.json');
    expect(both).toMatchObject({ from: 'metadata', signature });
    expect(both.copy).toBeUndefined();
    // Without metadata (written before): the `.sig` object, or nothing.
    await locker.put('leaves/c.json', Buffer.from('{}'), { retainUntil });
    expect((await locker.getSigned('leaves/c.json')).from).toBe('none');
    await locker.put('leaves/c.json.sig', signature, { retainUntil });
    expect(await locker.getSigned('leaves/c.json')).toMatchObject({ from: 'object', signature });
    // The locker's own files are no keys.
    await expect(locker.put('.meta/leaves/d.json', Buffer.from('x'), { retainUntil })).rejects.toThrow(
      'holds the directory locker',
    );
    await expect(locker.getSigned('leaves/none.json')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('an I/O error reading the .meta side file is thrown, never taken as "no metadata" (the .sig alone then judged)', async () => {
    const retainUntil = new Date('2028-01-01T00:00:00.000Z');
    const signature = Buffer.from('3006020101020101', 'hex');
    await locker.put('leaves/e.json', Buffer.from('{}'), { retainUntil });
    await locker.put('leaves/e.json.sig', signature, { retainUntil });
    // The side file replaced by a directory: reading it fails (EISDIR), and so must getSigned.
    await mkdir(path.join(dir, '.meta', 'leaves', 'e.json'), { recursive: true });
    await expect(locker.getSigned('leaves/e.json')).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('a write that fails for another reason than an existing key is not AlreadyExistsError, and leaves no temporary file', async () => {
    const retainUntil = new Date('2028-01-01T00:00:00.000Z');
    const before = locker.stats.requests;
    await locker.put('leaves/f.json', Buffer.from('{}'), {
      retainUntil,
      signature: Buffer.from('30', 'hex'),
    });
    expect(locker.stats.requests - before).toBe(1);
    // A file name longer than the file system allows: link(2) fails with ENAMETOOLONG.
    const err = await locker
      .put(`leaves/${'a'.repeat(300)}.json`, Buffer.from('{}'), { retainUntil })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENAMETOOLONG' });
    expect(err).not.toBeInstanceOf(AlreadyExistsError);
    expect(await readdir(path.join(dir, '.tmp'))).toEqual([]);
  });

  it('signatureFromMetadata: strict base64 only; cut or unpadded text is its own bytes (a bad signature)', () => {
    const der = Buffer.from(`3045022100${'ab'.repeat(32)}0220${'cd'.repeat(32)}`, 'hex'); // 71 bytes
    const text = der.toString('base64');
    expect(text.endsWith('=')).toBe(true);
    expect(signatureFromMetadata(text)).toEqual(der);
    // The same signature without its padding is not what the sealer writes: never decoded to it.
    expect(signatureFromMetadata(text.replace(/=+$/, ''))).toEqual(
      Buffer.from(text.replace(/=+$/, ''), 'utf8'),
    );
    expect(signatureFromMetadata(text.slice(0, 4 * 10 + 3))).toEqual(Buffer.from(text.slice(0, 43), 'utf8'));
    expect(signatureFromMetadata('%%%')).toEqual(Buffer.from('%%%', 'utf8'));
    expect(signatureFromMetadata('')).toEqual(Buffer.alloc(0));
  });

  it('lists by prefix in key order and leaves out its temporary files', async () => {
    const retainUntil = new Date('2030-01-01T00:00:00Z');
    await locker.put('digests/2026-04-21/b.json', Buffer.from('1'), { retainUntil });
    await locker.put('digests/2026-04-20/a.json', Buffer.from('2'), { retainUntil });
    await locker.put('reports/x.json', Buffer.from('3'), { retainUntil });
    expect((await listAll(locker, 'digests/')).map((o) => o.key)).toEqual([
      'digests/2026-04-20/a.json',
      'digests/2026-04-21/b.json',
    ]);
    expect((await listAll(locker, 'digests/2026-04-2')).length).toBe(2);
    expect((await listAll(locker, '')).length).toBe(3);
    expect(await listAll(locker, 'nothing/')).toEqual([]);
  });

  it('rejects keys that would escape the locker', async () => {
    await expect(locker.put('../x.json', Buffer.from('1'), { retainUntil: new Date() })).rejects.toThrow(
      /invalid locker key/,
    );
    await expect(locker.get('a/../../etc/passwd')).rejects.toThrow(/invalid locker key/);
  });

  it('says NotFound for a missing key and cannot be used on a file', async () => {
    await expect(locker.get('snapshots/none.json')).rejects.toBeInstanceOf(NotFoundError);
    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    await expect(new DirectoryLocker(file).check()).rejects.toThrow(/cannot be used/);
  });
});
