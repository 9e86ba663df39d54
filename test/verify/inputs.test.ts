/**
 * What a verification reads before it judges (shared/verify/inputs.ts): the evidence each series
 * has in the chain, which acknowledgements and retirements stand and how far, a record's bytes
 * against what was sealed and listed, and the anchor of the newest verify report. Real records
 * written, signed and sealed in a directory locker; `gatherInputs` and `latestAnchor` called
 * directly. Written for the survivors of mutation testing (docs/threat-model.md, "Mutation
 * testing"): each test fails when the decision it pins changes.
 */
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { addDays } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { listSnapshots } from '../../shared/evidence/listing.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { loadSigner, signingSettingsOf, trustedKeys } from '../../shared/evidence/signing.js';
import { writeRecord, writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { ACK_SCHEMA, acknowledgementKey } from '../../shared/verify/acknowledgements.js';
import { gatherInputs, latestAnchor, readListedBody } from '../../shared/verify/inputs.js';
import { hashRecords, listRecords, type RecordStanding } from '../../shared/verify/records.js';
import { retire } from '../../shared/verify/retirements.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { fill, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = new Date('2026-04-13T00:00:00.000Z');
const config = testConfig();
const TOOL = { name: 'evidence-locker', version: 'test' };
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

/** An acknowledgement as the tool writes it, of `series` from `day` to `to`, claiming `at`. */
function ack(series: string, day: string, to: string | undefined, at: string) {
  const [collector, scope] = series.split('/') as [string, string];
  const instant = new Date(at);
  return {
    key: acknowledgementKey(day, collector, scope, instant),
    at: instant,
    value: {
      schema: ACK_SCHEMA,
      collector,
      scope,
      day,
      ...(to && { to }),
      reason: 'outage',
      by: 'Jane Doe',
      acknowledgedAt: at,
      tool: TOOL,
    },
  };
}

describe('gatherInputs (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  const gather = (extra: Partial<Parameters<typeof gatherInputs>[0]> = {}) =>
    gatherInputs({ locker, config, from: FROM, to: TO, concurrency: 4, now: NOW, ...extra });
  const signed = async (a: ReturnType<typeof ack>) =>
    writeSignedRecord(locker, { ...a, retentionDays: 730, signer: await loadSigner() });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'inputs-'));
    locker = new DirectoryLocker(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('evidence seen: per series the first and last day of sealed ok or partial evidence, over the whole chain; scopes to their last day of any status', async () => {
    const keys = await fill(locker, FROM, '2026-04-05', {
      snapshot: (_c, s, d) =>
        s === 'x-1' && (d === '2026-04-01' || d === '2026-04-05')
          ? { status: 'error', errors: ['denied'], data: null }
          : s === 'x-1' && d === '2026-04-02'
            ? { status: 'partial', errors: ['cut short'] }
            : s === 'x-2' && d > '2026-04-03'
              ? undefined
              : {},
    });
    // A window of one day: what the chain holds before and after it still counts.
    const i = await gather({ from: '2026-04-03', to: '2026-04-03' });
    expect(i.evidenceSeen.get('fake-b/x-1')).toEqual({
      first: '2026-04-02',
      firstKey: keys.get('fake-b/x-1@2026-04-02'),
      last: '2026-04-04',
    });
    expect(i.evidenceSeen.get('fake-b/x-2')).toEqual({
      first: FROM,
      firstKey: keys.get(`fake-b/x-2@${FROM}`),
      last: '2026-04-03',
    });
    expect(i.evidenceSeen.get('fake-a/org-acme')).toMatchObject({ first: FROM, last: '2026-04-05' });
    expect(Object.fromEntries(i.scopesSeen)).toEqual({
      'org-acme': '2026-04-05',
      'x-1': '2026-04-05',
      'x-2': '2026-04-03',
    });
    // Only the window's entries are kept.
    expect([...i.chain.sealed.keys()].sort()).toEqual(
      [...keys.entries()]
        .filter(([id]) => id.endsWith('@2026-04-03'))
        .map(([, k]) => k)
        .sort(),
    );
  });

  it('evidence sealed after later days, or a smaller key sealed later the same day, moves the first day and key back; a larger one does not', async () => {
    await fill(locker, '2026-04-02', '2026-04-03');
    const x1 = (collectedAt: string) =>
      writeSnapshot(
        locker,
        makeSnapshot({ collector: 'fake-b', scope: 'x-1', collectedAt, runId: 'run-late' }),
        730,
      );
    const sealAt = (at: string) => seal(locker, { day: FROM, clock: fixedClock(at), retentionDays: 730 });
    // 2026-04-01 sealed after 2026-04-03 (late, but sealed evidence all the same), then an
    // earlier snapshot of that day sealed later still, then a later one. The walk (one digest at
    // a time: the order is the chain's) meets them in that order.
    await x1('2026-04-01T00:05:00.000Z');
    await sealAt('2026-04-04T04:00:00.000Z');
    const earliest = await x1('2026-04-01T00:01:00.000Z');
    await sealAt('2026-04-04T05:00:00.000Z');
    await x1('2026-04-01T00:09:00.000Z');
    await sealAt('2026-04-04T06:00:00.000Z');
    const i = await gather({ concurrency: 1 });
    expect(i.evidenceSeen.get('fake-b/x-1')).toEqual({
      first: FROM,
      firstKey: earliest.key,
      last: '2026-04-03',
    });
    expect(i.evidenceSeen.get('fake-b/x-2')).toMatchObject({ first: '2026-04-02', last: '2026-04-03' });
    expect(i.scopesSeen.get('x-1')).toBe('2026-04-03');
  });

  it("form 3 (roots and leaves): only the window's leaves are read; a part keeps its own scopes and shards", async () => {
    const keys = await fill(locker, FROM, TO, { form: 3 });
    const window = { from: '2026-04-03', to: '2026-04-05' };
    const whole = await gather(window);
    const inWindow = [...keys.entries()]
      .filter(([id]) => id.slice(-10) >= window.from && id.slice(-10) <= window.to)
      .map(([, k]) => k)
      .sort();
    expect([...whole.chain.sealed.keys()].sort()).toEqual(inWindow);
    expect(whole.problems).toEqual([]);
    // A part that owns x-1 alone, and a part that owns no shard: only what it owns is read and kept.
    const listed = new Map(
      (await listSnapshots(locker, window.from, window.to))
        .filter((o) => o.scope === 'x-1')
        .map((o) => [o.key, o]),
    );
    const own = await gather({
      ...window,
      part: { owns: (scope) => scope === 'x-1', ownsShard: () => true, listed },
    });
    expect([...own.chain.sealed.keys()].sort()).toEqual(inWindow.filter((k) => k.includes('/x-1/')));
    expect([...own.listed.keys()].sort()).toEqual([...listed.keys()].sort());
    const none = await gather({ ...window, part: { owns: () => true, ownsShard: () => false, listed } });
    expect(none.chain.sealed.size).toBe(0);
  });

  it('acknowledgements: those of the window stand; one keyed after the window or ending before it is not taken', async () => {
    const inside = ack('fake-b/x-1', '2026-04-03', '2026-04-04', '2026-04-05T10:00:00.000Z');
    const before = ack('fake-b/x-1', '2026-03-20', '2026-03-31', '2026-04-02T10:00:00.000Z');
    const straddling = ack('fake-b/x-2', '2026-03-30', '2026-04-01', '2026-04-02T11:00:00.000Z');
    const after = ack('fake-b/x-2', '2026-04-11', undefined, '2026-04-12T10:00:00.000Z');
    for (const a of [inside, before, straddling, after]) await signed(a);
    await fill(locker, FROM, '2026-04-12');
    const i = await gather();
    expect(i.problems).toEqual([]);
    expect(i.acknowledgements.map((a) => a.key).sort()).toEqual([inside.key, straddling.key].sort());
    expect(i.refusedAcknowledgements).toEqual([]);
    // The one keyed after the window is not even read (it would be, as it stands, in a later window).
    const later = await gather({ to: '2026-04-11' });
    expect(later.acknowledgements.map((a) => a.key).sort()).toEqual(
      [inside.key, straddling.key, after.key].sort(),
    );
  });

  it('an acknowledgement reaching the day it was written (or later) is in advance: the days that had ended stand, clipped', async () => {
    const at = '2026-04-05T10:00:00.000Z';
    const range = ack('fake-b/x-1', '2026-04-02', '2026-04-07', at);
    const oneLeft = ack('fake-b/x-2', '2026-04-04', '2026-04-05', at);
    const allAhead = ack('fake-a/org-acme', '2026-04-05', '2026-04-06', at);
    const inTime = ack('fake-a/org-acme', '2026-04-03', '2026-04-04', '2026-04-05T11:00:00.000Z');
    for (const a of [range, oneLeft, allAhead, inTime]) await signed(a);
    await fill(locker, FROM, TO);
    const i = await gather();
    expect(i.problems.map((p) => `${p.problem} ${p.key}`).sort()).toEqual(
      [range, oneLeft, allAhead].map((a) => `acknowledged-in-advance ${a.key}`).sort(),
    );
    expect(i.problems.find((p) => p.key === range.key)!.detail).toBe(
      `written ${at}, it acknowledges fake-b/x-1 up to 2026-04-07: days from 2026-04-05 on had not ended, so it excuses none of them`,
    );
    const stood = new Map(i.acknowledgements.map((a) => [a.key, a]));
    expect([...stood.keys()].sort()).toEqual([range.key, oneLeft.key, inTime.key].sort());
    expect(stood.get(range.key)).toMatchObject({ day: '2026-04-02', to: '2026-04-04' });
    expect(stood.get(oneLeft.key)).toMatchObject({ day: '2026-04-04' });
    expect(stood.get(oneLeft.key)).not.toHaveProperty('to');
    expect(stood.get(inTime.key)).toMatchObject({ day: '2026-04-03', to: '2026-04-04' });
    // The standing of each one in advance names the problem.
    expect(i.records.get(allAhead.key)!.problems.map((p) => p.problem)).toEqual(['acknowledged-in-advance']);
  });

  it('an unsigned acknowledgement or retirement stands for nothing, refused with why', async () => {
    const forged = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
    await writeRecord(locker, forged.key, forged.value, forged.at, 730);
    const retirement = await retire(
      locker,
      { series: 'fake-b/x-2', from: '2026-04-06', reason: 'closed', by: 'Jane Doe' },
      {
        clock: fixedClock('2026-04-06T09:00:00.000Z'),
        retentionDays: 730,
        knownSeries: async () => undefined,
        signer: await loadSigner(),
      },
    );
    const unsignedKey = 'retirements/fake-a/org-acme/20260406T100000000Z.json';
    await writeRecord(
      locker,
      unsignedKey,
      {
        schema: 'evidence.retirement/1',
        collector: 'fake-a',
        scope: 'org-acme',
        from: '2026-04-06',
        reason: 'closed',
        by: 'Mallory',
        retiredAt: '2026-04-06T10:00:00.000Z',
        tool: TOOL,
      },
      new Date('2026-04-06T10:00:00.000Z'),
      730,
    );
    await fill(locker, FROM, TO);
    const i = await gather();
    expect(i.problems.map((p) => `${p.problem} ${p.key}`).sort()).toEqual(
      [`unsigned ${forged.key}`, `unsigned ${unsignedKey}`].sort(),
    );
    expect(i.acknowledgements).toEqual([]);
    expect(i.refusedAcknowledgements).toEqual([
      { record: expect.objectContaining({ key: forged.key }), why: 'unsigned' },
    ]);
    expect(i.retirements.map((r) => r.key)).toEqual([retirement.key]);
    expect(i.refusedRetirements).toEqual([
      { record: expect.objectContaining({ key: unsignedKey }), why: 'unsigned' },
    ]);
  });

  it('an acknowledgement edited after sealing, keeping its size and write time: hash-mismatch, it excuses nothing', async () => {
    const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
    await signed(a);
    await fill(locker, FROM, TO);
    const target = file(dir, a.key);
    const before = await stat(target);
    await chmod(target, 0o644);
    // Same length: another series acknowledged.
    await writeFile(target, (await readFile(target, 'utf8')).replace('"x-1"', '"x-2"'));
    await utimes(target, before.atime, before.mtime);
    const i = await gather();
    expect(i.problems.map((p) => [p.problem, p.key])).toEqual([['hash-mismatch', a.key]]);
    expect(i.problems[0]!.detail).toMatch(/^acknowledgement: SHA-256 is /);
    expect(i.acknowledgements).toEqual([]);
    expect(i.records.get(a.key)!.problems.map((p) => p.problem)).toEqual(['hash-mismatch']);
  });

  it('a key under snapshots/ that follows no grammar is misfiled: listed for no day', async () => {
    await fill(locker, FROM, TO);
    const stray = 'snapshots/2026-04-02/fake-b/x-1/not-a-snapshot.json';
    await locker.put(stray, Buffer.from('{}'), { retainUntil: new Date('2028-01-01T00:00:00.000Z') });
    const i = await gather();
    expect(i.problems).toEqual([
      {
        key: stray,
        problem: 'misfiled',
        detail: expect.stringMatching(/^file name "not-a-snapshot\.json": .*: it counts for no day$/),
      },
    ]);
    expect(i.listed.has(stray)).toBe(false);
    expect(i.listed.size).toBe(30);
  });

  it('a signed acknowledgement that is not one is corrupt, named, and excuses nothing', async () => {
    const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
    await signed({ ...a, value: { ...a.value, reason: '' } });
    await fill(locker, FROM, TO);
    const i = await gather();
    expect(i.problems.map((p) => [p.problem, p.key])).toEqual([['corrupt', a.key]]);
    expect(i.problems[0]!.detail).toMatch(/not an acknowledgement \(reason: /);
    expect(i.records.get(a.key)!.problems.map((p) => p.problem)).toEqual(['corrupt']);
    expect([i.acknowledgements, i.refusedAcknowledgements]).toEqual([[], []]);
  });

  it('the trusted keys given are the ones records are judged against', async () => {
    const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
    await signed(a);
    await fill(locker, FROM, TO, { seal: false });
    const i = await gather({ trusted: new Map() });
    expect(i.trusted).toEqual({ keys: new Map(), notes: [] });
    expect(i.problems.map((p) => [p.problem, p.key])).toContainEqual(['untrusted-key', a.key]);
  });

  it('the anchor of the newest signed verify report is read with the records; a newer unsigned one is a problem of the verification', async () => {
    await fill(locker, FROM, TO);
    const at = (t: string) => new Date(`2026-04-11T${t}.000Z`);
    const signedReport = 'reports/verify/20260411T010000000Z.json';
    await writeSignedRecord(locker, {
      key: signedReport,
      value: { chain: { anchor: { key: 'digests/chain/1.json', sha256: 'a'.repeat(64), digests: 1 } } },
      at: at('01:00:00'),
      retentionDays: 730,
      signer: await loadSigner(),
    });
    await seal(locker, {
      day: '2026-04-11',
      clock: fixedClock('2026-04-12T03:00:00.000Z'),
      retentionDays: 730,
    });
    const anchored = await gather();
    expect(anchored.problems).toEqual([]);
    expect(anchored.anchor).toEqual({
      report: signedReport,
      head: { key: 'digests/chain/1.json', sha256: 'a'.repeat(64), digests: 1 },
    });
    const unsignedReport = 'reports/verify/20260412T010000000Z.json';
    await writeRecord(
      locker,
      unsignedReport,
      { chain: { anchor: null } },
      new Date('2026-04-12T01:00:00.000Z'),
      730,
    );
    const i = await gather();
    expect(i.problems.map((p) => [p.problem, p.key])).toEqual([['unsigned', unsignedReport]]);
    expect(i.records.get(unsignedReport)!.problems.map((p) => p.problem)).toEqual(['unsigned']);
    expect(i.anchor?.report).toBe(signedReport);
  });

  it('a record with another problem (backdated) edited in place is still compared: hash-mismatch, not read as signed bytes', async () => {
    await fill(locker, FROM, TO);
    const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
    await signed(a);
    // First sealed long after its day and grace: backdated on a directory.
    await seal(locker, {
      day: '2026-04-05',
      clock: fixedClock('2026-04-12T00:00:00.000Z'),
      retentionDays: 730,
    });
    const target = file(dir, a.key);
    const before = await stat(target);
    await chmod(target, 0o644);
    await writeFile(target, (await readFile(target, 'utf8')).replace('"x-1"', '"x-2"'));
    await utimes(target, before.atime, before.mtime);
    const i = await gather();
    expect(i.problems.map((p) => p.problem).sort()).toEqual(['backdated', 'hash-mismatch']);
    expect(i.acknowledgements).toEqual([]);
  });

  describe('a part reading records listed when the verification was planned', () => {
    const partOf = async (records: Awaited<ReturnType<typeof listRecords>>) => {
      const listed = new Map((await listSnapshots(locker, FROM, TO)).map((o) => [o.key, o]));
      return { owns: () => true, ownsShard: () => true, listed, records };
    };

    it('a record gone since: deleted, once; without a plan the listing is the judge', async () => {
      const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
      await signed(a);
      await fill(locker, FROM, TO);
      const part = await partOf(await listRecords(locker));
      await rm(file(dir, a.key), { force: true });
      const i = await gather({ part });
      expect(i.problems).toEqual([
        {
          key: a.key,
          problem: 'deleted',
          detail: 'acknowledgement listed when the verification was planned, then gone when read',
        },
      ]);
      expect(i.acknowledgements).toEqual([]);
      // One verification lists the records itself: the chain's entry not listed is deleted, once.
      const whole = await gather();
      expect(whole.problems.map((p) => [p.problem, p.key])).toEqual([['deleted', a.key]]);
      expect(whole.problems[0]!.detail).toMatch(/is no longer in the locker/);
    });

    it('a record the listing already judged (deleted, or altered) is not reported again when read', async () => {
      const gone = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
      await signed(gone);
      await fill(locker, FROM, TO);
      const records = await listRecords(locker);
      // Listed with another size (so judged by reading it) and gone since: deleted, once.
      records.listed.set(gone.key, { ...records.listed.get(gone.key)!, size: 1 });
      await rm(file(dir, gone.key), { force: true });
      const i = await gather({ part: await partOf(records) });
      expect(i.problems.map((p) => [p.problem, p.key])).toEqual([['deleted', gone.key]]);
      expect(i.problems[0]!.detail).toMatch(/listed, then gone$/);
    });

    it('a record altered in size after sealing: hash-mismatch once (judged from the listing), and not read as evidence', async () => {
      const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
      await signed(a);
      await fill(locker, FROM, TO);
      const target = file(dir, a.key);
      await chmod(target, 0o644);
      await writeFile(target, (await readFile(target, 'utf8')).replace('"outage"', '"outage, see INC-1"'));
      const i = await gather();
      expect(i.problems.map((p) => [p.problem, p.key])).toEqual([
        ['hash-mismatch', a.key],
        ['bad-signature', a.key],
      ]);
      expect(i.acknowledgements).toEqual([]);
      expect(i.refusedAcknowledgements.map((r) => [r.record.key, r.why])).toEqual([
        [a.key, 'hash-mismatch, bad-signature'],
      ]);
    });

    it('a record of another size than listed, or other bytes than hashed then: hash-mismatch, changed while verified', async () => {
      const a = ack('fake-b/x-1', '2026-04-03', undefined, '2026-04-05T10:00:00.000Z');
      const b = ack('fake-b/x-2', '2026-04-04', undefined, '2026-04-05T11:00:00.000Z');
      await signed(a);
      await signed(b);
      await fill(locker, FROM, TO);
      const records = await hashRecords(locker, await listRecords(locker));
      const sizeOf = records.listed.get(a.key)!.size;
      records.listed.set(a.key, { ...records.listed.get(a.key)!, size: sizeOf + 1 });
      records.listed.set(b.key, { ...records.listed.get(b.key)!, sha256: 'f'.repeat(64) });
      const i = await gather({ part: await partOf(records) });
      const found = new Map(i.problems.map((p) => [p.key, p]));
      expect([...found.values()].map((p) => p.problem)).toEqual(['hash-mismatch', 'hash-mismatch']);
      expect(found.get(a.key)!.detail).toBe(
        `acknowledgement of ${sizeOf} bytes when read, ${sizeOf + 1} when listed: changed while verified`,
      );
      expect(found.get(b.key)!.detail).toMatch(
        new RegExp(
          `^acknowledgement with SHA-256 [0-9a-f]{64} when read, ${'f'.repeat(64)} when the verification was planned: changed while verified$`,
        ),
      );
      expect(i.acknowledgements).toEqual([]);
      // The same listing, hashed and unchanged: both stand.
      const clean = await gather({
        part: await partOf(await hashRecords(locker, await listRecords(locker))),
      });
      expect(clean.problems).toEqual([]);
      expect(clean.acknowledgements).toHaveLength(2);
    });
  });
});

describe('latestAnchor', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'anchor-'));
    locker = new DirectoryLocker(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const head = (n: number) => ({
    key: `digests/chain/${n}.json`,
    sha256: String(n).repeat(64).slice(0, 64),
    digests: n,
  });
  const reportKey = (minute: number) =>
    `reports/verify/20260413T00${String(minute).padStart(2, '0')}00000Z.json`;
  const report = async (minute: number, body: unknown, sign = true) => {
    const key = reportKey(minute);
    const at = new Date(`2026-04-13T00:${String(minute).padStart(2, '0')}:00.000Z`);
    if (sign)
      await writeSignedRecord(locker, {
        key,
        value: body,
        at,
        retentionDays: 730,
        signer: await loadSigner(),
      });
    else await writeRecord(locker, key, body, at, 730);
    return key;
  };
  const standing = (key: string, extra: Partial<RecordStanding> = {}): [string, RecordStanding] => [
    key,
    { key, kind: 'verify report', legacy: false, pending: false, problems: [], ...extra },
  ];
  /** The listing in ascending key order (a directory lists in no set order): the newest is last. */
  const ascending = async () => {
    const listing = await listRecords(locker);
    return { ...listing, listed: new Map([...listing.listed].sort(([a], [b]) => (a < b ? -1 : 1))) };
  };
  const anchorOf = async (
    standings: [string, RecordStanding][] = [],
    read?: (key: string) => Promise<Buffer | undefined>,
  ) =>
    latestAnchor(locker, {
      listing: await ascending(),
      standings: new Map(standings),
      trusted: (await trustedKeys(locker, signingSettingsOf(config.locker))).keys,
      ...(read && { read }),
    });

  it('a newer report with a problem other than its bytes (backdated, not sealed) still anchors; one gone when read does not', async () => {
    const older = await report(1, { chain: { anchor: head(1) } });
    const newer = await report(2, { chain: { anchor: head(2) } });
    for (const problem of ['backdated', 'not-sealed'] as const) {
      const got = await anchorOf([standing(newer, { problems: [{ key: newer, problem, detail: 'x' }] })]);
      expect(got.anchor?.report).toBe(newer);
    }
    const gone = await anchorOf([], async (key) => (key === newer ? undefined : readListedBody(locker, key)));
    expect(gone).toEqual({ anchor: { report: older, head: head(1) }, problems: [], notes: [] });
  });

  it('the newest signed report by the instant its key names anchors, with its configuration', async () => {
    await report(1, { chain: { anchor: head(1) } });
    const newest = await report(3, { chain: { anchor: head(3) }, configuration: { sha256: 'c'.repeat(64) } });
    await report(2, { chain: { anchor: head(2) } });
    // Not reports: another prefix, and not .json.
    await writeSignedRecord(locker, {
      key: 'reports/sample/20260413T000900000Z.json',
      value: { chain: { anchor: head(9) } },
      at: new Date('2026-04-13T00:09:00.000Z'),
      retentionDays: 730,
      signer: await loadSigner(),
    });
    await locker.put('reports/verify/20260413T000800000Z.txt', Buffer.from('{"chain":{"anchor":null}}'), {
      retainUntil: new Date('2028-01-01T00:00:00.000Z'),
    });
    const got = await anchorOf();
    expect(got).toEqual({
      anchor: { report: newest, head: head(3), configuration: { sha256: 'c'.repeat(64) } },
      problems: [],
      notes: [],
    });
  });

  it('a newer report already found altered or corrupt is passed over without a second problem', async () => {
    const older = await report(1, { chain: { anchor: head(1) } });
    const altered = await report(2, { chain: { anchor: head(2) } });
    const corrupt = await report(3, { chain: { anchor: head(3) } });
    const got = await anchorOf([
      standing(altered, { problems: [{ key: altered, problem: 'hash-mismatch', detail: 'x' }] }),
      standing(corrupt, { problems: [{ key: corrupt, problem: 'corrupt', detail: 'x' }] }),
    ]);
    expect(got).toEqual({ anchor: { report: older, head: head(1) }, problems: [], notes: [] });
  });

  it('a newer unsigned report is a problem that cannot anchor; one from before records were signed is a note', async () => {
    const older = await report(1, { chain: { anchor: head(1) } });
    const unsigned = await report(2, { chain: { anchor: head(2) } }, false);
    const got = await anchorOf();
    expect(got.anchor?.report).toBe(older);
    expect(got.problems).toEqual([
      {
        key: unsigned,
        problem: 'unsigned',
        detail: `verify report without a signature ${unsigned}.sig: it excuses nothing; it cannot anchor the chain`,
      },
    ]);
    const legacy = await anchorOf([standing(unsigned, { legacy: true })]);
    expect(legacy).toEqual({
      anchor: { report: older, head: head(1) },
      problems: [],
      notes: [
        '1 newer verify report(s) were written before this locker sealed and signed records: none of them anchors the chain',
      ],
    });
  });

  it('only legacy reports: no anchor, a note', async () => {
    const a = await report(1, { chain: { anchor: head(1) } }, false);
    const b = await report(2, { chain: { anchor: head(2) } }, false);
    expect(await anchorOf([standing(a, { legacy: true }), standing(b, { legacy: true })])).toEqual({
      problems: [],
      notes: [
        '2 verify report(s) were written before this locker signed them: none anchors the chain, so chain-truncated is checked from the next verification on',
      ],
    });
  });

  it.each([
    ['no chain', {}],
    ['no anchor', { chain: {} }],
    ['an anchor without its key', { chain: { anchor: { sha256: 'a'.repeat(64), digests: 1 } } }],
    ['an anchor without its SHA-256', { chain: { anchor: { key: 'digests/chain/1.json', digests: 1 } } }],
    ['an anchor whose count is no number', { chain: { anchor: { ...head(1), digests: '1' } } }],
  ])('a signed report with %s is corrupt; it anchors nothing and the older one anchors', async (_, body) => {
    const older = await report(1, { chain: { anchor: head(1) } });
    const bad = await report(2, body);
    const got = await anchorOf();
    expect(got.problems).toEqual([
      {
        key: bad,
        problem: 'corrupt',
        detail: 'a signed verify report without a readable chain anchor: it cannot anchor the chain',
      },
    ]);
    expect(got.anchor?.report).toBe(older);
  });

  it('a signed report that is not JSON is corrupt', async () => {
    const key = reportKey(2);
    const body = Buffer.from('not json');
    await locker.put(key, body, { retainUntil: new Date('2028-01-01T00:00:00.000Z') });
    const signer = await loadSigner();
    await locker.put(`${key}.sig`, Buffer.from(await signer.sign(body)), {
      retainUntil: new Date('2028-01-01T00:00:00.000Z'),
    });
    const got = await anchorOf();
    expect(got.problems.map((p) => [p.problem, p.key])).toEqual([['corrupt', key]]);
    expect(got.anchor).toBeUndefined();
  });

  it('the newest report of an empty chain (anchor null) anchors nothing and is no problem', async () => {
    await report(1, { chain: { anchor: head(1) } });
    await report(2, { chain: { anchor: null } });
    expect(await anchorOf()).toEqual({ problems: [], notes: [] });
  });
});

describe('readListedBody', () => {
  it('the bytes; undefined when gone; any other error thrown', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'listed-body-'));
    const locker = new DirectoryLocker(dir);
    const key = `acknowledgements/${addDays(FROM, 1)}/fake-b/x-1/20260402T000000000Z.json`;
    await locker.put(key, Buffer.from('{}'), { retainUntil: new Date('2028-01-01T00:00:00.000Z') });
    expect((await readListedBody(locker, key))?.toString()).toBe('{}');
    expect(await readListedBody(locker, key.replace('x-1', 'x-2'))).toBeUndefined();
    // A directory where the file should be: EISDIR, not "gone".
    await expect(readListedBody(locker, 'acknowledgements/2026-04-02/fake-b')).rejects.toThrow();
    await rm(dir, { recursive: true, force: true });
  });
});
