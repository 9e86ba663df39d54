/**
 * What verify knows of each snapshot (shared/verify/facts.ts), from the digests that sealed it or
 * from the store: `gatherFacts` over what `gatherInputs` read of a real directory locker, and
 * `keyBodyDisagreement` for each field alone. Written for the survivors of mutation testing
 * (docs/threat-model.md, "Mutation testing"): each test fails when the decision it pins (read
 * or trust the digest, which fields win, which snapshots are checked, what is a problem) changes.
 */
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { dayOf } from '../../shared/evidence/days.js';
import { type DigestEntry, seal } from '../../shared/evidence/digest.js';
import { parseSnapshotKey, snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { Locker } from '../../shared/locker/types.js';
import { gatherFacts, keyBodyDisagreement, type SnapshotFacts, seriesOf } from '../../shared/verify/facts.js';
import { gatherInputs, type Inputs } from '../../shared/verify/inputs.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { fill, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-03';
const NOW = new Date('2026-04-06T00:00:00.000Z');
const config = testConfig();

/** The locker's own file for a key. */
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

/** Rewrite a stored object (the directory locker makes its files read-only). */
async function rewrite(target: string, change: (text: string) => string, keepTime = false) {
  const before = await stat(target);
  await chmod(target, 0o644);
  await writeFile(target, change(await readFile(target, 'utf8')));
  if (keepTime) await utimes(target, before.atime, before.mtime);
}

/** A locker that fails every read with an I/O error (not NotFound). */
function failingReads(locker: Locker): Locker {
  return new Proxy(locker, {
    get(target, prop, receiver) {
      if (prop === 'get' || prop === 'head')
        return async () => Promise.reject(new Error('EIO: the disk failed'));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('gatherFacts (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let keys: Map<string, string>;
  const inputs = (from = FROM, to = TO) =>
    gatherInputs({ locker, config, from, to, concurrency: 4, now: NOW });
  const facts = (
    i: Inputs,
    options: { deep?: boolean; window?: { from: string; to: string }; on?: Locker } = {},
  ) =>
    gatherFacts(options.on ?? locker, i.listed, i.chain, options.window ?? { from: FROM, to: TO }, {
      deep: options.deep ?? false,
      concurrency: 4,
    });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'facts-'));
    locker = new DirectoryLocker(dir);
    keys = await fill(locker, FROM, TO);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a sealed, unchanged snapshot: its digest entry is the facts, read from nowhere else', async () => {
    const i = await inputs();
    const got = await facts(i);
    expect(got.objectsRead).toBe(0);
    expect(got.incomplete).toBe(0);
    expect(got.problems).toEqual([]);
    expect(got.facts.size).toBe(9);
    const key = keys.get('fake-b/x-1@2026-04-02')!;
    const entry = i.chain.sealed.get(key)!;
    const f = got.facts.get(key)!;
    expect(f).toMatchObject({
      key,
      series: 'fake-b/x-1',
      parts: parseSnapshotKey(key),
      status: 'ok',
      day: '2026-04-02',
      collector: 'fake-b',
      scope: 'x-1',
      sha256: entry.sha256,
      lastModified: entry.lastModified,
    });
    expect(f.sealedBy).toBe(i.chain.sealedBy.get(key));
    expect(f.sealedBy?.day).toBe('2026-04-02');
  });

  it('an unsealed snapshot is read: what it is comes from the store, and no digest is named', async () => {
    const late = await fill(locker, '2026-04-04', '2026-04-04', { seal: false });
    const i = await inputs(FROM, '2026-04-04');
    const got = await facts(i, { window: { from: FROM, to: '2026-04-04' } });
    expect(got.objectsRead).toBe(3);
    expect(got.problems).toEqual([]);
    const key = late.get('fake-a/org-acme@2026-04-04')!;
    const f = got.facts.get(key)!;
    expect(f).toMatchObject({
      key,
      series: 'fake-a/org-acme',
      status: 'ok',
      day: '2026-04-04',
      runId: 'run-2026-04-04',
    });
    expect(f.lastModified).toBe((await stat(file(dir, key))).mtime.toISOString());
    expect(f).not.toHaveProperty('sealedBy');
  });

  it('an edit that kept the size but not the write time is read and is hash-mismatch; the sealed fields stay the facts', async () => {
    const key = keys.get('fake-b/x-1@2026-04-02')!;
    // Same length: `run-2026-04-02` becomes `run-2026-04-09`.
    await rewrite(file(dir, key), (t) => t.replace('"run-2026-04-02"', '"run-2026-04-09"'));
    const i = await inputs();
    const got = await facts(i);
    expect(got.objectsRead).toBe(1);
    expect(got.problems).toEqual([
      expect.objectContaining({ key, problem: 'hash-mismatch', series: 'fake-b/x-1' }),
    ]);
    // What the evidence was (the digest's entry) wins over what the store holds now.
    expect(got.facts.get(key)).toMatchObject({
      runId: 'run-2026-04-02',
      sha256: i.chain.sealed.get(key)!.sha256,
    });
  });

  it('an edit that changed the size is read and is hash-mismatch, even with the write time kept', async () => {
    const key = keys.get('fake-a/org-acme@2026-04-03')!;
    await rewrite(file(dir, key), (t) => t.replace('"status":"ok"', '"status":"ok","x":1'), true);
    const got = await facts(await inputs());
    expect(got.objectsRead).toBe(1);
    expect(got.problems.map((p) => [p.key, p.problem])).toEqual([[key, 'hash-mismatch']]);
  });

  it('a write time a millisecond off is a change on a directory (exact times): read, and the same bytes are no problem', async () => {
    const key = keys.get('fake-b/x-2@2026-04-01')!;
    const before = await stat(file(dir, key));
    await utimes(file(dir, key), before.atime, new Date(before.mtime.getTime() + 1));
    const got = await facts(await inputs());
    expect(got.objectsRead).toBe(1);
    expect(got.problems).toEqual([]);
    expect(got.facts.get(key)).toMatchObject({ status: 'ok', runId: 'run-2026-04-01' });
  });

  it('--deep checks every sealed snapshot against its digest: an edit keeping size and time is hash-mismatch', async () => {
    const key = keys.get('fake-b/x-2@2026-04-03')!;
    await rewrite(file(dir, key), (t) => t.replace('"run-2026-04-03"', '"run-2026-04-08"'), true);
    const shallow = await facts(await inputs());
    expect(shallow.problems).toEqual([]);
    const deep = await facts(await inputs(), { deep: true });
    expect(deep.objectsRead).toBe(9);
    expect(deep.problems.map((p) => [p.key, p.problem, p.series])).toEqual([
      [key, 'hash-mismatch', 'fake-b/x-2'],
    ]);
    expect(deep.facts.size).toBe(9);
    expect(deep.facts.get(key)).toMatchObject({ runId: 'run-2026-04-03', sealedBy: expect.any(Object) });
  });

  it.each([
    ['no status recorded (a body that was no envelope when sealed)', (e: DigestEntry) => delete e.status],
    ['no write time recorded', (e: DigestEntry) => delete e.lastModified],
    [
      'a partial snapshot sealed before digests recorded its items',
      (e: DigestEntry) => {
        e.status = 'partial';
        delete e.items;
      },
    ],
  ])('an entry with %s is read, counted incomplete, and the store fills what it lacks', async (_, strip) => {
    const key = keys.get('fake-a/org-acme@2026-04-02')!;
    const i = await inputs();
    const entry = i.chain.sealed.get(key)!;
    const sealedStatus = entry.status;
    strip(entry);
    const got = await facts(i);
    expect(got.incomplete).toBe(1);
    expect(got.objectsRead).toBe(1);
    expect(got.problems).toEqual([]);
    const f = got.facts.get(key)!;
    // The body says ok with one item; a field the entry records still wins.
    expect(f.items).toBe(1);
    expect(f.lastModified).toBe((await stat(file(dir, key))).mtime.toISOString());
    expect(f.status).toBe(entry.status ?? sealedStatus);
  });

  it('a partial snapshot whose entry records its items is not read', async () => {
    const key = keys.get('fake-a/org-acme@2026-04-02')!;
    const i = await inputs();
    const entry = i.chain.sealed.get(key)!;
    entry.status = 'partial';
    entry.items = 0;
    const got = await facts(i);
    expect([got.incomplete, got.objectsRead]).toEqual([0, 0]);
    expect(got.facts.get(key)).toMatchObject({ status: 'partial', items: 0 });
  });

  it('a sealed snapshot of the window gone from the listing is deleted; one outside the window is not looked at', async () => {
    const i = await inputs();
    const gone = keys.get('fake-b/x-1@2026-04-02')!;
    await rm(file(dir, gone));
    i.listed.delete(gone);
    // Outside the window given (2026-04-02 only): gone too, and not listed, but not this verification's.
    for (const day of ['2026-04-01', '2026-04-03']) {
      const outside = keys.get(`fake-b/x-1@${day}`)!;
      await rm(file(dir, outside));
      i.listed.delete(outside);
    }
    const got = await facts(i, { window: { from: '2026-04-02', to: '2026-04-02' } });
    expect(got.problems).toEqual([
      {
        key: gone,
        problem: 'deleted',
        detail: 'sealed by a digest but no longer in the locker',
        series: 'fake-b/x-1',
      },
    ]);
    expect(got.objectsRead).toBe(1);
    expect(got.facts.has(gone)).toBe(false);
  });

  it('a sealed snapshot not listed but still there (a listing that missed it) is checked and no problem', async () => {
    const i = await inputs();
    const key = keys.get('fake-a/org-acme@2026-04-01')!;
    i.listed.delete(key);
    const got = await facts(i);
    expect(got.objectsRead).toBe(1);
    expect(got.problems).toEqual([]);
  });

  it('a snapshot listed, then gone when read, is deleted; any other read error is thrown', async () => {
    const late = await fill(locker, '2026-04-04', '2026-04-04', { seal: false });
    const i = await inputs(FROM, '2026-04-04');
    const key = late.get('fake-b/x-2@2026-04-04')!;
    await rm(file(dir, key));
    const got = await facts(i, { window: { from: FROM, to: '2026-04-04' } });
    expect(got.problems).toEqual([
      { key, problem: 'deleted', detail: 'listed, then no longer in the locker', series: 'fake-b/x-2' },
    ]);
    expect(got.facts.has(key)).toBe(false);
    await expect(
      facts(i, { on: failingReads(locker), window: { from: FROM, to: '2026-04-04' } }),
    ).rejects.toThrow(/EIO/);
  });
});

describe('keyBodyDisagreement: each field alone', () => {
  const collectedAt = '2026-04-05T00:05:00.000Z';
  const key = snapshotKey({ collector: 'fake-a', scope: 'org-acme', collectedAt, runId: 'run000000001' });
  const fact = (overrides: Partial<SnapshotFacts> = {}, k = key): SnapshotFacts => ({
    key: k,
    parts: parseSnapshotKey(k)!,
    series: 'fake-a/org-acme',
    status: 'ok',
    collector: 'fake-a',
    scope: 'org-acme',
    day: '2026-04-05',
    collectedAt,
    runId: 'run000000001',
    ...overrides,
  });

  it('agrees: nothing', () => {
    expect(keyBodyDisagreement(fact())).toEqual([]);
  });

  it('no envelope: nothing here (corrupt is judged elsewhere)', () => {
    expect(keyBodyDisagreement(fact({ status: undefined, day: '2026-04-06', runId: 'x' }))).toEqual([]);
  });

  it.each([
    [{ day: '2026-04-06' }, 'the body is of 2026-04-06, the key files it under 2026-04-05'],
    [{ collector: 'fake-b' }, 'the body is from collector fake-b, the key says fake-a'],
    [{ scope: 'org-other' }, 'the body is of scope org-other, the key says org-acme'],
    [{ runId: 'run000000002' }, 'the body is of run run000000002, the key says run000000001'],
    [
      { collectedAt: '2026-04-05T00:05:00.001Z' },
      'the body was collected at 2026-04-05T00:05:00.001Z, the key says 2026-04-05T00:05:00.000Z (20260405T000500001Z)',
    ],
  ])('%j alone', (overrides, said) => {
    expect(keyBodyDisagreement(fact(overrides))).toEqual([said]);
  });

  it('no collection time in the body', () => {
    expect(keyBodyDisagreement(fact({ collectedAt: undefined }))).toEqual([
      'the body was collected at undefined, the key says 2026-04-05T00:05:00.000Z (?)',
    ]);
  });

  it('several at once, in order', () => {
    expect(keyBodyDisagreement(fact({ day: '2026-04-04', scope: 'other', runId: 'r2' }))).toEqual([
      'the body is of 2026-04-04, the key files it under 2026-04-05',
      'the body is of scope other, the key says org-acme',
      'the body is of run r2, the key says run000000001',
    ]);
  });
});

describe('seriesOf', () => {
  it('names the series of a snapshot key, and none for another key', () => {
    const key = snapshotKey({
      collector: 'fake-b',
      scope: 'x-1',
      collectedAt: '2026-04-05T00:05:00.000Z',
      runId: 'run000000001',
    });
    expect(seriesOf(key)).toBe('fake-b/x-1');
    expect(seriesOf('digests/2026-04-05/20260406T030000000Z.json')).toBeUndefined();
  });
});

/** A snapshot written now to a new Object Lock bucket, sealed for today, and what verify gathers of that day. */
async function sealedTodayOnS3(scope: string) {
  const locker = new S3Locker(`s3://${await createBucket({ objectLock: true })}`);
  const now = new Date();
  const written = await writeSnapshot(
    locker,
    makeSnapshot({ collector: 'fake-b', scope, collectedAt: now.toISOString(), runId: 'run-now' }),
    730,
  );
  await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730 });
  const day = dayOf(now);
  const i = await gatherInputs({
    locker,
    config: testConfig({ auditPeriod: { start: '2026-01-01' } }),
    from: day,
    to: day,
    concurrency: 4,
    now: new Date(),
  });
  const facts = () =>
    gatherFacts(locker, i.listed, i.chain, { from: day, to: day }, { deep: false, concurrency: 4 });
  return { written, i, facts };
}

/**
 * On S3 (the emulator, Object Lock): write times compared to the second (headers give seconds,
 * listings milliseconds) and the lock recorded or read. The store's clock is the emulator's real
 * one, so the snapshots are collected now and sealed for today.
 */
describe('gatherFacts (S3 locker on the emulator)', () => {
  it('an unchanged snapshot is not read though the listing has milliseconds; an entry without its lock is read for it', async () => {
    const { written, i, facts } = await sealedTodayOnS3('x-1');
    const listed = i.listed.get(written.key)!;
    const entry = i.chain.sealed.get(written.key)!;
    expect(entry.lockMode).toBe('COMPLIANCE');
    // The listing's time carries milliseconds; the entry's (from a GET) is to the second.
    expect(Date.parse(entry.lastModified!)).toBe(Math.floor(listed.lastModified.getTime() / 1000) * 1000);
    const clean = await facts();
    expect([clean.objectsRead, clean.incomplete, clean.problems]).toEqual([0, 0, []]);

    // Sealed by a sealer without s3:GetObjectRetention: GET omitted the lock, so it is read.
    delete entry.lockMode;
    delete entry.retainUntil;
    const legacy = await facts();
    expect([legacy.objectsRead, legacy.incomplete, legacy.problems]).toEqual([1, 1, []]);
    expect(legacy.facts.get(written.key)).toMatchObject({
      lockMode: 'COMPLIANCE',
      retainUntil: expect.any(String),
    });
  });

  it('a write time a second off on S3 is a change: read, and other bytes are hash-mismatch', async () => {
    const { written, i, facts } = await sealedTodayOnS3('x-2');
    const listed = i.listed.get(written.key)!;
    // What a listing after an overwrite of the same size shows: the same bytes' size, a later second.
    i.listed.set(written.key, { ...listed, lastModified: new Date(listed.lastModified.getTime() + 1000) });
    const same = await facts();
    expect([same.objectsRead, same.problems]).toEqual([1, []]);
    i.chain.sealed.get(written.key)!.sha256 = '0'.repeat(64);
    const other = await facts();
    expect(other.problems.map((p) => [p.key, p.problem])).toEqual([[written.key, 'hash-mismatch']]);
  });
});
