/**
 * How verify judges a windowed series (shared/verify/windows.ts), case by case: snapshots that
 * state the window [from, to) they cover are planted in a directory locker and sealed, and the
 * verification must find every hole, overlap and window in the future, count only usable
 * windows, and leave a day not yet due unjudged. A fake windowed collector (`fake-w`) next to
 * a per-day one (`fake-b`) keeps each case to the rule it tries (the windows of the real
 * github-changes collector: windows.test.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { AnyRunnableCollector } from '../../shared/collectors/types.js';
import type { Config } from '../../shared/config.js';
import { addDays } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { acknowledge } from '../../shared/verify/acknowledgements.js';
import { retire } from '../../shared/verify/retirements.js';
import { type VerifyResult, verify } from '../../shared/verify/verify.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { fakeCollector, testConfig } from './fixtures.js';

const D1 = '2026-04-01';
const D2 = '2026-04-02';
const D3 = '2026-04-03';
const D4 = '2026-04-04';
const D5 = '2026-04-05';
const D6 = '2026-04-06';
const D7 = '2026-04-07';
const SERIES = 'fake-w/org-acme';
const W: AnyRunnableCollector = { ...fakeCollector('fake-w', () => ['org-acme']), windowed: true };
const B = fakeCollector('fake-b', () => ['x-1'], { controls: ['CC7.2'] });
const start = (day: string) => `${day}T00:00:00.000Z`;

describe('verify judges a windowed series by its windows', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let runs: number;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'windows-judge-'));
    locker = new DirectoryLocker(dir);
    runs = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A fake-w snapshot collected at `at` whose window is [from, to) (days or instants). */
  const plant = async (at: string, from: string, to: string, extra: Partial<Snapshot> = {}) => {
    const instant = (d: string) => (d.length === 10 ? start(d) : d);
    const snapshot = makeSnapshot({
      collector: 'fake-w',
      scope: 'org-acme',
      controls: ['CC8.1'],
      collectedAt: at,
      runId: `run${String(++runs).padStart(9, '0')}`,
      data: { window: { from: instant(from), to: instant(to) } },
      ...extra,
    });
    return (await writeSnapshot(locker, snapshot, 730)).key;
  };
  /** The usual run: just after midnight of `day`, covering the days from `from` to the day before. */
  const daily = (day: string, from = addDays(day, -1), extra: Partial<Snapshot> = {}) =>
    plant(`${day}T00:05:00.000Z`, from, day, extra);
  /** Seal D1 to `last`, each day the next morning. */
  const sealThrough = async (last: string) => {
    for (let day = D1; day <= last; day = addDays(day, 1))
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
  };
  const judge = (
    from: string,
    to: string,
    now: string,
    options: { config?: Config; collectors?: readonly AnyRunnableCollector[] } = {},
  ) =>
    verify({
      locker,
      config: options.config ?? testConfig(),
      from,
      to,
      clock: fixedClock(now),
      collectors: options.collectors ?? [W],
    });
  const series = (result: VerifyResult, id = SERIES) =>
    result.series.find((s) => `${s.collector}/${s.scope}` === id)!;
  const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);
  const gaps = (result: VerifyResult) =>
    result.integrity.filter((p) => p.problem === 'population-gap').map((p) => p.detail);

  it('windows that tile the days: every day present, OK; the days are one run', async () => {
    for (const day of [D2, D3, D4, D5]) await daily(day);
    await sealThrough(D5);
    const result = await judge(D1, D4, `${D6}T00:00:00.000Z`);
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(series(result)).toMatchObject({
      expectedDays: 4,
      presentDays: 4,
      missing: [],
      failed: [],
      acknowledged: [],
      days: [{ from: D1, to: D4, state: 'present' }],
    });
  });

  it('a per-day series next to a windowed one is judged by its own snapshots, not by windows', async () => {
    for (const day of [D2, D3, D4]) await daily(day);
    for (const day of [D1, D2, D3])
      await writeSnapshot(
        locker,
        makeSnapshot({ collector: 'fake-b', scope: 'x-1', collectedAt: `${day}T00:05:00.000Z` }),
        730,
      );
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T00:00:00.000Z`, { collectors: [W, B] });
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(series(result, 'fake-b/x-1')).toMatchObject({ expectedDays: 3, presentDays: 3 });
    expect(series(result)).toMatchObject({ expectedDays: 3, presentDays: 3 });
  });

  it('each windowed series is judged by its own windows and reported under its own name', async () => {
    // fake-b/org-acme (per day) is judged first; fake-w has two scopes, org-acme with a hole on D2.
    const B2 = fakeCollector('fake-b', () => ['org-acme'], { controls: ['CC7.2'] });
    const W2: AnyRunnableCollector = {
      ...fakeCollector('fake-w', () => ['org-acme', 'org-beta']),
      windowed: true,
    };
    for (const day of [D2, D4]) await daily(day);
    for (const day of [D2, D3, D4]) await daily(day, addDays(day, -1), { scope: 'org-beta' });
    for (const day of [D1, D2, D3])
      await writeSnapshot(
        locker,
        makeSnapshot({ collector: 'fake-b', scope: 'org-acme', collectedAt: `${day}T00:05:00.000Z` }),
        730,
      );
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`, { collectors: [B2, W2] });
    expect(
      result.series.map((s) => [`${s.collector}/${s.scope}`, s.controls, s.presentDays, s.missing]),
    ).toEqual([
      ['fake-b/org-acme', ['CC7.2'], 3, []],
      ['fake-w/org-acme', ['CC8.1'], 2, [D2]],
      ['fake-w/org-beta', ['CC8.1'], 3, []],
    ]);
    expect(problems(result)).toEqual([`population-gap ${SERIES}`]);
  });

  it('a hole between windows is one population-gap naming the windows on either side; a hole of days is one run', async () => {
    const one = await daily(D2); // [D1, D2)
    const three = await plant(`${D5}T00:05:00.000Z`, D4, D5); // [D4, D5): D2, D3 in no window
    await sealThrough(D5);
    const result = await judge(D1, D4, `${D6}T12:00:00.000Z`);
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([`population-gap ${SERIES}`]);
    expect(gaps(result)).toEqual([
      `evidence day(s) ${D2} to ${D3} are in no window of the series, so the population misses them (after ${one}, ending ${start(D2)}; before ${three}, starting ${start(D4)}); a snapshot that does not count (see its own problem) leaves its days out`,
    ]);
    expect(series(result)).toMatchObject({
      expectedDays: 4,
      presentDays: 2,
      missing: [D2, D3],
      days: [
        { from: D1, to: D1, state: 'present' },
        { from: D2, to: D3, state: 'missing' },
        { from: D4, to: D4, state: 'present' },
      ],
    });
  });

  it('a window covers its first day, not the day its end starts; a gap with no window on a side says so', async () => {
    const only = await plant(`${D3}T00:05:00.000Z`, D2, D3); // [D2, D3): D1 and D3 in no window
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`);
    expect(series(result)).toMatchObject({ expectedDays: 3, presentDays: 1, missing: [D1, D3] });
    expect(
      gaps(result).map((d) => d.replace(/^.* so the population misses them \((.*)\); a snapshot .*$/, '$1')),
    ).toEqual([
      `no window before; before ${only}, starting ${start(D2)}`,
      `after ${only}, ending ${start(D3)}; no window after`,
    ]);
    expect(gaps(result).map((d) => d.slice(0, 30))).toEqual([
      `evidence day(s) ${D1} are`,
      `evidence day(s) ${D3} are`,
    ]);
  });

  it('the nearest windows before and after a gap are named, not the first or last of the series', async () => {
    await daily(D2); // [D1, D2)
    const two = await daily(D3); // [D2, D3)
    const five = await plant(`${D6}T00:05:00.000Z`, D5, D6); // [D5, D6): D3, D4 in no window
    await plant(`${D7}T00:05:00.000Z`, D6, D7); // [D6, D7)
    await sealThrough(D7);
    const result = await judge(D1, D6, `${D7}T12:00:00.000Z`);
    expect(gaps(result)).toHaveLength(1);
    expect(gaps(result)[0]).toContain(
      `(after ${two}, ending ${start(D3)}; before ${five}, starting ${start(D5)})`,
    );
  });

  it('a window overlapping an earlier one is reported on its own key, naming the earlier; adjacent and empty windows are not', async () => {
    const one = await daily(D2); // [D1, D2)
    const two = await daily(D3); // [D2, D3): adjacent, no overlap
    const wide = await plant(`${D4}T00:05:00.000Z`, D1, D4); // [D1, D4): overlaps both
    await plant(`${D4}T09:00:00.000Z`, D4, D4); // empty, at the end of the covered days
    await plant(`${D4}T10:00:00.000Z`, D2, D2); // empty, inside the covered days: covers nothing twice
    await daily(D5); // [D4, D5)
    await sealThrough(D5);
    const result = await judge(D1, D4, `${D6}T12:00:00.000Z`);
    // In the windows' order: [D1, D2), then [D1, D4) overlapping it, then [D2, D2) (empty), then
    // [D2, D3) overlapping [D1, D4), then [D4, D4) (empty, at the end).
    expect(problems(result)).toEqual([`window-overlap ${two}`, `window-overlap ${wide}`]);
    expect(result.integrity.map((p) => p.detail)).toEqual([
      `its window ${start(D2)} to ${start(D3)} overlaps ${wide} (${start(D1)} to ${start(D4)}): those days are counted twice`,
      `its window ${start(D1)} to ${start(D4)} overlaps ${one} (${start(D1)} to ${start(D2)}): those days are counted twice`,
    ]);
    expect(result.ok).toBe(false);
    // The days are all covered: an overlap is an integrity problem, not a gap.
    expect(series(result)).toMatchObject({ presentDays: 4, missing: [] });
  });

  it('overlaps are judged against the widest window so far, in the order of the windows, not of their keys', async () => {
    // Keys in this order: [D2, D3) first, then [D1, D4), then [D3, D4), then [D2, D3) again.
    const a = await plant(`${D4}T00:01:00.000Z`, D2, D3);
    const wide = await plant(`${D4}T00:02:00.000Z`, D1, D4);
    const c = await plant(`${D4}T00:03:00.000Z`, D3, D4);
    const d = await plant(`${D4}T00:04:00.000Z`, D2, D4);
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`);
    // Sorted: [D1, D4) wide, [D2, D3) a, [D2, D4) d, [D3, D4) c; each later one overlaps wide.
    const overlaps = result.integrity.filter((p) => p.problem === 'window-overlap');
    expect(overlaps.map((p) => p.key).sort()).toEqual([a, c, d].sort());
    for (const p of overlaps) expect(p.detail).toContain(`overlaps ${wide} (`);
    expect(series(result)).toMatchObject({ presentDays: 3, missing: [] });
  });

  it('of two windows from the same instant, the one ending later is the overlap', async () => {
    const longer = await plant(`${D4}T00:01:00.000Z`, D2, D4);
    const shorter = await plant(`${D4}T00:02:00.000Z`, D2, D3);
    await daily(D2, D1);
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`);
    expect(problems(result)).toEqual([`window-overlap ${longer}`]);
    expect(result.integrity[0]!.detail).toContain(`overlaps ${shorter} (`);
  });

  it('a window ending at its collection instant is fine; a millisecond later it ends in the future', async () => {
    await daily(D2);
    const exact = await plant(`${D3}T00:00:00.000Z`, D2, D3);
    const early = await plant(`${D4}T00:00:00.000Z`, D3, `${D4}T00:00:00.001Z`);
    await sealThrough(D4);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`);
    expect(problems(result)).toEqual([`window-in-future ${early}`]);
    expect(problems(result)).not.toContain(`window-in-future ${exact}`);
    expect(result.integrity[0]!.detail).toBe(
      `its window ends ${D4}T00:00:00.001Z, after it was collected (${D4}T00:00:00.000Z): the days it claims were not over`,
    );
    expect(result.ok).toBe(false);
  });

  it('a window ending after now is in the future even when its snapshot says it was collected later still', async () => {
    await daily(D2);
    await daily(D3);
    // Read after the window (key day D4), stamped after the verification's clock.
    const ahead = await plant(`${D4}T09:00:00.000Z`, D3, `${D4}T08:00:00.000Z`);
    await sealThrough(D3);
    const result = await judge(D1, D3, `${D4}T07:59:59.999Z`);
    expect(problems(result)).toEqual([`window-in-future ${ahead}`]);
  });

  it('a window ending exactly now is not in the future', async () => {
    await daily(D2);
    await daily(D3);
    await plant(`${D4}T09:00:00.000Z`, D3, `${D4}T08:00:00.000Z`);
    await sealThrough(D3);
    const result = await judge(D1, D3, `${D4}T08:00:00.000Z`);
    expect(result.integrity).toEqual([]);
    expect(series(result)).toMatchObject({ presentDays: 3 });
  });

  it('the last days are covered by the runs after the window, read until one covers them (today included)', async () => {
    await daily(D2);
    await daily(D3);
    const four = await daily(D4); // today, covering D3
    await sealThrough(D3);
    const result = await judge(D1, D3, `${D4}T06:00:00.000Z`);
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(series(result)).toMatchObject({ expectedDays: 3, presentDays: 3 });
    expect(result.notes).toEqual([
      `${SERIES}: the last day(s) are covered by snapshots written after the window (${four}), read as they are; a verification that includes their days judges them in full`,
    ]);
  });

  it('after the window, key days are read only until a window reaches its end: later runs are left to a later verification', async () => {
    await daily(D2);
    await daily(D3);
    const four = await daily(D4); // covers D3: the reading stops here
    await plant(`${D5}T00:05:00.000Z`, D2, D5); // overlaps, but judged by the verification of D4
    await sealThrough(D5);
    const result = await judge(D1, D3, `${D6}T12:00:00.000Z`);
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.notes.join('\n')).toContain(`after the window (${four}), read`);
  });

  it('an error snapshot after the window covers nothing, even with a window in its data', async () => {
    await daily(D2);
    await daily(D3);
    await daily(D4, D3, { status: 'error', errors: ['GitHub answered 502'] });
    const five = await daily(D5, D4);
    await sealThrough(D5);
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`);
    expect(series(result)).toMatchObject({ presentDays: 2, missing: [D3] });
    expect(gaps(result)[0]).toContain(`before ${five}, starting ${start(D4)}`);
    expect(result.notes.join('\n')).toContain(`after the window (${five}), read`);
  });

  it('an error, late or windowless snapshot in the window covers nothing; a partial one counts', async () => {
    await daily(D2, D1, { status: 'partial', errors: ['one repository unreadable'] }); // counts
    await daily(D3, D2, { status: 'error', errors: ['GitHub answered 502'] }); // no
    await daily(D4, D3, { data: null });
    await plant(`${D4}T01:00:00.000Z`, D3, D4, { data: {} });
    await plant(`${D4}T02:00:00.000Z`, D3, D4, { data: { window: { from: start(D3), to: 20260404 } } });
    await plant(`${D4}T03:00:00.000Z`, D3, D4, { data: { window: { to: start(D4) } } });
    // A list compares as its text: a window whose end is one must still count for nothing.
    await plant(`${D4}T04:00:00.000Z`, D3, D4, { data: { window: { from: start(D3), to: [start(D4)] } } });
    await sealThrough(D4);
    // The run for D4 written on time, its day sealed after the grace (D7 12:00): `late`, it
    // counts for no day. D5 is covered by the run after the window.
    const late = await daily(D5);
    await seal(locker, { day: D5, clock: fixedClock(`${D7}T12:00:00.001Z`), retentionDays: 730 });
    await daily(D6);
    await seal(locker, { day: D6, clock: fixedClock(`${D7}T12:00:00.002Z`), retentionDays: 730 });
    const result = await judge(D1, D5, `${D7}T13:00:00.000Z`);
    expect(problems(result)).toEqual([`population-gap ${SERIES}`, `late ${late}`]);
    expect(series(result)).toMatchObject({ presentDays: 2, missing: [D2, D3, D4] });
  });

  it('a snapshot after the window that cannot be read is left to the verification of its day', async () => {
    await daily(D2);
    await daily(D3);
    await sealThrough(D3);
    const key = `snapshots/${D4}/fake-w/org-acme/20260404T000500000Z-run999999999.json`;
    await mkdir(path.dirname(path.join(dir, ...key.split('/'))), { recursive: true });
    await writeFile(path.join(dir, ...key.split('/')), 'not json');
    const result = await judge(D1, D3, `${D4}T06:00:00.000Z`);
    expect(result.integrity).toEqual([]);
    expect(series(result)).toMatchObject({ expectedDays: 2, presentDays: 2, missing: [] });
  });

  it('any other error reading a window is thrown, never taken as a day in no window', async () => {
    await daily(D2);
    await daily(D3);
    const four = await daily(D4);
    await sealThrough(D3);
    class FailingLocker extends DirectoryLocker {
      override async get(key: string) {
        if (key === four) throw Object.assign(new Error(`EIO: i/o error, read ${key}`), { code: 'EIO' });
        return super.get(key);
      }
    }
    locker = new FailingLocker(dir);
    await expect(judge(D1, D3, `${D4}T06:00:00.000Z`)).rejects.toThrow(/EIO: i\/o error/);
  });

  it('a day in no window is judged missing once its seal grace has passed, not a millisecond before', async () => {
    await daily(D2);
    await daily(D3);
    await daily(D4); // covers D3; D4 has no window yet
    await sealThrough(D4);
    // D4 is due at the end of D5 plus 36 h: D6 12:00.
    const before = await judge(D1, D4, `${D6}T11:59:59.999Z`);
    expect(before.integrity).toEqual([]);
    expect(before.ok).toBe(true);
    expect(series(before)).toMatchObject({ expectedDays: 3, presentDays: 3, missing: [] });
    expect(before.notes).toEqual([
      `${SERIES}: 1 last day(s) of the window are not yet covered by a window and not judged: the run that covers a day comes after it ends (judged once locker.sealGraceHours have passed)`,
    ]);
    const due = await judge(D1, D4, `${D6}T12:00:00.000Z`);
    expect(due.ok).toBe(false);
    expect(series(due)).toMatchObject({ expectedDays: 4, presentDays: 3, missing: [D4] });
    expect(due.notes).toEqual([]);
  });

  it('days before the series is expected are not judged; a one-day window is', async () => {
    await daily(D3, D2); // [D2, D3)
    await sealThrough(D4);
    const config = testConfig({ auditPeriod: { start: D2 } });
    const result = await judge(D1, D2, `${D5}T12:00:00.000Z`, { config });
    expect(result.integrity.filter((p) => p.problem === 'population-gap')).toEqual([]);
    expect(series(result)).toMatchObject({ expectedDays: 1, presentDays: 1, missing: [] });
    const oneDay = await judge(D3, D3, `${D5}T12:00:00.000Z`, { config });
    expect(series(oneDay)).toMatchObject({ expectedDays: 1, presentDays: 0, missing: [D3] });
  });

  it('a series expected only after the window: nothing judged', async () => {
    await sealThrough(D3);
    const config = testConfig({ auditPeriod: { start: D1 }, github: { org: 'acme', since: D4 } });
    const result = await judge(D1, D3, `${D5}T12:00:00.000Z`, { config });
    expect(series(result)).toMatchObject({ expectedDays: 0, presentDays: 0, missing: [], days: [] });
    expect(gaps(result)).toEqual([]);
  });

  it('acknowledged days are excused for their own series only, a range from its first day through its last', async () => {
    await daily(D2); // [D1, D2); D2, D3, D4 in no window
    await daily(D6, D5); // [D5, D6)
    const signer = await loadSigner();
    const options = (at: string) => ({
      clock: fixedClock(at),
      retentionDays: 730,
      signer,
      knownSeries: async () => undefined,
    });
    const reason = 'GitHub outage (INC-9)';
    const range = await acknowledge(
      locker,
      { series: SERIES, from: D3, to: D4, reason, by: 'Jane Doe' },
      options(`${D6}T01:00:00.000Z`),
    );
    // Another series' acknowledgement of D2 excuses nothing here.
    await acknowledge(
      locker,
      { series: 'fake-b/x-1', day: D2, reason, by: 'Jane Doe' },
      options(`${D6}T01:00:01.000Z`),
    );
    await sealThrough(D6);
    const result = await judge(D1, D5, `${D7}T13:00:00.000Z`);
    expect(series(result)).toMatchObject({
      expectedDays: 5,
      presentDays: 2,
      acknowledged: [D3, D4],
      missing: [D2],
      days: [
        { from: D1, to: D1, state: 'present' },
        { from: D2, to: D2, state: 'missing' },
        { from: D3, to: D4, state: 'acknowledged' },
        { from: D5, to: D5, state: 'present' },
      ],
    });
    expect(series(result).acknowledgements).toEqual(
      [D3, D4].map((day) => ({ day, reason, by: 'Jane Doe', key: range.key, at: `${D6}T01:00:00.000Z` })),
    );
    expect(gaps(result)).toHaveLength(1);
    expect(gaps(result)[0]).toMatch(/^evidence day\(s\) 2026-04-02 are in no window/);
  });

  it('a single-day acknowledgement excuses its day and not the next', async () => {
    await daily(D2);
    await daily(D5, D4); // [D4, D5): D2 and D3 in no window
    await acknowledge(
      locker,
      { series: SERIES, day: D2, reason: 'GitHub outage (INC-9)', by: 'Jane Doe' },
      {
        clock: fixedClock(`${D5}T01:00:00.000Z`),
        retentionDays: 730,
        signer: await loadSigner(),
        knownSeries: async () => undefined,
      },
    );
    await sealThrough(D5);
    const result = await judge(D1, D4, `${D6}T13:00:00.000Z`);
    expect(result.ok).toBe(false);
    expect(series(result)).toMatchObject({
      expectedDays: 4,
      presentDays: 2,
      acknowledged: [D2],
      missing: [D3],
    });
  });

  it('a retired series is judged through the day before its retirement, not after', async () => {
    await daily(D2);
    await daily(D3);
    await retire(
      locker,
      { series: SERIES, from: D3, reason: 'moved to another change system', by: 'Jane Doe' },
      {
        clock: fixedClock(`${D3}T10:00:00.000Z`),
        retentionDays: 730,
        signer: await loadSigner(),
        knownSeries: async () => undefined,
      },
    );
    await sealThrough(D5);
    const result = await judge(D1, D4, `${D6}T12:00:00.000Z`);
    expect(gaps(result)).toEqual([]);
    expect(series(result)).toMatchObject({
      expectedDays: 2,
      presentDays: 2,
      missing: [],
      days: [{ from: D1, to: D2, state: 'present' }],
    });
  });

  it('a retirement after the window leaves the window judged to its end', async () => {
    await daily(D2);
    await daily(D3);
    await daily(D4);
    await daily(D5);
    await sealThrough(D5);
    await retire(
      locker,
      { series: SERIES, from: D6, reason: 'moved to another change system', by: 'Jane Doe' },
      {
        clock: fixedClock(`${D6}T10:00:00.000Z`),
        retentionDays: 730,
        signer: await loadSigner(),
        knownSeries: async () => undefined,
      },
    );
    await seal(locker, { day: D6, clock: fixedClock(`${D7}T03:00:00.000Z`), retentionDays: 730 });
    const result = await judge(D1, D3, `${D7}T12:00:00.000Z`);
    expect(series(result)).toMatchObject({
      expectedDays: 3,
      presentDays: 3,
      days: [{ from: D1, to: D3, state: 'present' }],
    });
  });
});
