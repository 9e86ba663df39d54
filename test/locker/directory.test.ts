import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../shared/errors.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { listAll } from '../../shared/locker/types.js';
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
