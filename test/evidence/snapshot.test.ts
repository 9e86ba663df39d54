/**
 * The snapshot envelope, its key, and evidence written and read back (shared/evidence/snapshot.ts,
 * write.ts, read.ts), against a real directory locker. Each case is one a mutant of those files
 * turned without a test failing (docs/threat-model.md, "Mutation testing": the evidence primitives).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, CorruptEvidenceError, NotFoundError } from '../../shared/errors.js';
import { canonicalJson, sha256Hex } from '../../shared/evidence/canonical.js';
import { parseJson, readSnapshot } from '../../shared/evidence/read.js';
import {
  KeySegment,
  parseSnapshotKey,
  SnapshotEnvelope,
  seriesId,
  snapshotKey,
} from '../../shared/evidence/snapshot.js';
import { writeRecord, writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import type { PutOptions } from '../../shared/locker/types.js';
import { forgetSecrets, REDACTED, registerSecret } from '../../shared/secrets.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const AT = '2026-04-20T23:59:59.999Z';
const KEY = 'snapshots/2026-04-20/guardduty/aws-123456789012-us-east-1/20260420T235959999Z-run000000001.json';

/** A real directory locker that also remembers what each put was asked to retain. */
class RecordingLocker extends DirectoryLocker {
  readonly puts: { key: string; options: PutOptions }[] = [];
  override put(key: string, body: Uint8Array, options: PutOptions) {
    this.puts.push({ key, options });
    return super.put(key, body, options);
  }
}

async function newLocker() {
  return new RecordingLocker(await mkdtemp(path.join(tmpdir(), 'snapshot-')));
}

afterEach(() => forgetSecrets());

describe('SnapshotEnvelope', () => {
  const valid = makeSnapshot({ collectedAt: AT });

  it('accepts a snapshot, with or without collectedBy, a null principal, an error, fractional duration', () => {
    expect(SnapshotEnvelope.safeParse(valid).success).toBe(true);
    // The schema name every locker's snapshots carry (README.md, "The locker").
    expect(SnapshotEnvelope.safeParse({ ...valid, schema: 'evidence.snapshot/1' }).success).toBe(true);
    for (const collectedBy of [
      { principal: 'arn:aws:iam::123456789012:role/collector', method: 'sts' },
      { principal: null, method: 'sts', error: 'AccessDenied' },
    ])
      expect(SnapshotEnvelope.safeParse({ ...valid, collectedBy }).success).toBe(true);
    expect(
      SnapshotEnvelope.safeParse({ ...valid, stats: { requests: 0, items: 0, pages: 0, durationMs: 0.5 } })
        .success,
    ).toBe(true);
    for (const status of ['ok', 'partial', 'error'])
      expect(SnapshotEnvelope.safeParse({ ...valid, status }).success, status).toBe(true);
  });

  it.each([
    ['schema', { schema: 'evidence.snapshot/2' }, 'schema'],
    ['collector', { collector: 'GuardDuty' }, 'collector'],
    ['scope', { scope: '../x' }, 'scope'],
    ['day that does not exist', { day: '2026-02-30' }, 'day'],
    ['collectedAt that is no instant', { collectedAt: '2026-04-20' }, 'collectedAt'],
    ['controls', { controls: 'CC7.2' }, 'controls'],
    ['status', { status: 'unknown' }, 'status'],
    ['errors', { errors: [1] }, 'errors.0'],
    ['negative requests', { stats: { requests: -1, items: 0, pages: 0, durationMs: 0 } }, 'stats.requests'],
    ['fractional items', { stats: { requests: 0, items: 0.5, pages: 0, durationMs: 0 } }, 'stats.items'],
    ['negative pages', { stats: { requests: 0, items: 0, pages: -1, durationMs: 0 } }, 'stats.pages'],
    ['negative duration', { stats: { requests: 0, items: 0, pages: 0, durationMs: -1 } }, 'stats.durationMs'],
    ['tool', { tool: { name: 'x' } }, 'tool.version'],
    ['run id', { runId: 'Run_1' }, 'runId'],
    [
      'collectedBy with another field',
      { collectedBy: { principal: null, method: 'sts', token: 'x' } },
      'collectedBy',
    ],
    ['collectedBy without a method', { collectedBy: { principal: 'p' } }, 'collectedBy.method'],
    ['day other than collectedAt', { day: '2026-04-21' }, 'day'],
  ])('refuses a snapshot with a bad %s', (_what, change, where) => {
    const parsed = SnapshotEnvelope.safeParse({ ...valid, ...change });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(where);
  });

  it('says the day must be the UTC date of collectedAt', () => {
    // 23:59:59.999 is still 20 April; the next millisecond is 21 April.
    const parsed = SnapshotEnvelope.safeParse(
      makeSnapshot({ collectedAt: '2026-04-21T00:00:00.000Z', day: '2026-04-20' }),
    );
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['day'], message: 'day must be the UTC date of collectedAt' }),
    ]);
  });
});

describe('KeySegment', () => {
  it('accepts lower-case letters, digits, ".", "-", "_", starting with a letter or digit', () => {
    for (const text of ['a', '0', 'iam', 'aws-1.x_y', '9-'])
      expect(KeySegment.safeParse(text).success, text).toBe(true);
  });

  it('refuses anything else, with the message', () => {
    for (const text of ['', '-a', '.a', '_a', 'A', 'aB', 'a/b', 'a b', 'a\n', '\na', 'é'])
      expect(KeySegment.safeParse(text).success, JSON.stringify(text)).toBe(false);
    expect(KeySegment.safeParse('a/b').error?.issues[0]?.message).toBe(
      'expected lower-case letters, digits, ".", "-" or "_"',
    );
  });
});

describe('snapshot keys', () => {
  it('snapshotKey: the UTC day, collector, scope, compact instant and run id', () => {
    expect(snapshotKey(makeSnapshot({ collectedAt: AT }))).toBe(KEY);
  });

  it('parseSnapshotKey: the parts of a key that follows the grammar, undefined for a misfiled one', () => {
    expect(parseSnapshotKey(KEY)).toEqual({
      day: '2026-04-20',
      collector: 'guardduty',
      scope: 'aws-123456789012-us-east-1',
      file: '20260420T235959999Z-run000000001.json',
    });
    expect(parseSnapshotKey(KEY.replace('2026-04-20/', '2026-04-21/'))).toBeUndefined();
    expect(parseSnapshotKey('digests/2026-04-20.json')).toBeUndefined();
  });

  it('seriesId', () => {
    expect(seriesId('iam', 'aws-123456789012')).toBe('iam/aws-123456789012');
  });
});

describe('writing evidence', () => {
  it('writeRecord: canonical bytes, secrets scrubbed, retained from its own time, written once', async () => {
    const locker = await newLocker();
    registerSecret('tok-0123456789abcdef');
    const at = new Date('2026-04-20T10:00:00.000Z');
    const result = await writeRecord(
      locker,
      'records/r.json',
      { z: 1, a: 'Bearer tok-0123456789abcdef' },
      at,
      730,
    );
    const bytes = await readFile(path.join(locker.url, 'records/r.json'));
    expect(bytes.toString('utf8')).toBe(`{"a":"Bearer ${REDACTED}","z":1}`);
    expect(result).toMatchObject({ key: 'records/r.json', size: bytes.length, sha256: sha256Hex(bytes) });
    expect(result.retainUntil.toISOString()).toBe('2028-04-19T10:00:00.000Z');
    expect(locker.puts).toEqual([{ key: 'records/r.json', options: { retainUntil: result.retainUntil } }]);
    await expect(writeRecord(locker, 'records/r.json', { other: true }, at, 730)).rejects.toThrow(
      AlreadyExistsError,
    );
    expect((await readFile(path.join(locker.url, 'records/r.json'))).equals(bytes)).toBe(true);
  });

  it('writeSnapshot: under its key, retained from collectedAt', async () => {
    const locker = await newLocker();
    const snapshot = makeSnapshot({ collectedAt: AT });
    const result = await writeSnapshot(locker, snapshot, 1);
    expect(result.key).toBe(KEY);
    expect(result.retainUntil.toISOString()).toBe('2026-04-21T23:59:59.999Z');
    expect(locker.puts).toEqual([
      { key: KEY, options: { retainUntil: new Date('2026-04-21T23:59:59.999Z') } },
    ]);
    expect((await readFile(path.join(locker.url, KEY), 'utf8')) === canonicalJson(snapshot)).toBe(true);
  });

  it('writeSnapshot refuses an envelope that is not valid and writes nothing', async () => {
    const locker = await newLocker();
    await expect(
      writeSnapshot(locker, makeSnapshot({ collectedAt: AT, day: '2026-04-21' }), 730),
    ).rejects.toThrow(/day must be the UTC date of collectedAt/);
    await expect(
      writeSnapshot(locker, makeSnapshot({ collectedAt: AT, scope: 'a/../b' }), 730),
    ).rejects.toThrow(/expected a scope/);
    expect(locker.puts).toEqual([]);
  });
});

describe('reading evidence back', () => {
  it('readSnapshot: the envelope, the SHA-256 of the bytes as stored (not as re-serialized), the store info', async () => {
    const locker = await newLocker();
    const snapshot = makeSnapshot({ collectedAt: AT });
    // Bytes that are valid JSON but not canonical: the hash is of these bytes.
    const body = Buffer.from(`${JSON.stringify(snapshot, null, 2)}\n`, 'utf8');
    await locker.put(KEY, body, { retainUntil: new Date('2030-01-01T00:00:00.000Z') });
    const read = await readSnapshot(locker, KEY);
    expect(read.snapshot).toEqual(snapshot);
    expect(read.sha256).toBe(sha256Hex(body));
    expect(read.sha256).not.toBe(sha256Hex(canonicalJson(snapshot)));
    expect(read.info).toMatchObject({ key: KEY, size: body.length });
  });

  it('a key that is not there: NotFoundError, not corrupt', async () => {
    await expect(readSnapshot(await newLocker(), KEY)).rejects.toThrow(NotFoundError);
  });

  it('bytes that are not JSON: corrupt, naming the key and the parser', async () => {
    const locker = await newLocker();
    await locker.put(KEY, Buffer.from('{"schema":'), { retainUntil: new Date('2030-01-01T00:00:00.000Z') });
    const err = await readSnapshot(locker, KEY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptEvidenceError);
    expect(err).toMatchObject({ key: KEY, cause: expect.any(SyntaxError) });
    expect((err as Error).message).toMatch(new RegExp(`^${KEY}: not valid JSON \\(.+\\)$`));
  });

  it('JSON that is not an envelope: corrupt, naming the first field at fault and why', async () => {
    const locker = await newLocker();
    const put = (key: string, value: unknown) =>
      locker.put(key, Buffer.from(JSON.stringify(value)), {
        retainUntil: new Date('2030-01-01T00:00:00.000Z'),
      });
    const keys = [0, 1, 2].map((n) => KEY.replace('run000000001', `run${n}`));
    await put(keys[0]!, makeSnapshot({ collectedAt: AT, day: '2026-04-21' }));
    await put(keys[1]!, {
      ...makeSnapshot({ collectedAt: AT }),
      stats: { requests: -1, items: 0, pages: 0, durationMs: 0 },
    });
    await put(keys[2]!, []);
    const messages = await Promise.all(
      keys.map((k) =>
        readSnapshot(locker, k).then(
          () => 'read',
          (e: Error) => [e.name, e.message],
        ),
      ),
    );
    expect(messages[0]).toEqual([
      'CorruptEvidenceError',
      `${keys[0]}: not a snapshot envelope (day: day must be the UTC date of collectedAt)`,
    ]);
    expect(messages[1]).toEqual([
      'CorruptEvidenceError',
      `${keys[1]}: not a snapshot envelope (stats.requests: Too small: expected number to be >=0)`,
    ]);
    expect(messages[2]).toEqual([
      'CorruptEvidenceError',
      `${keys[2]}: not a snapshot envelope (: Invalid input: expected object, received array)`,
    ]);
  });

  it('parseJson reads UTF-8', () => {
    expect(parseJson('k', Buffer.from('{"s":"naïve"}', 'utf8'))).toEqual({ s: 'naïve' });
    expect(() => parseJson('k', Buffer.from('nope'))).toThrow(/^k: not valid JSON \(/);
  });
});
