/**
 * Windowed series (github-changes, change-records: their snapshots cover a period,
 * `data.window` [from, to)): judged by whether their usable windows tile the evidence days, not
 * by a snapshot per key day. A day whose run failed is present once a later run's window
 * covers it.
 *
 * - `population-gap`: evidence days of the window (from the series' first day) that no usable
 *   window covers, once the run that should cover them is due (the day's end plus
 *   `locker.sealGraceHours`); an acknowledgement can explain them. A snapshot that does not
 *   count (deleted, altered, unsealed, misfiled, late) leaves its days uncovered.
 * - `window-overlap`: a window that covers days an earlier window already covered.
 * - `window-in-future`: a window that ends after its snapshot was collected (or after now).
 *
 * Windows come from the usable ok/partial snapshots of key days in the verification window
 * (one read each: the digest does not record the window) and, for the last days, of the key
 * days after it up to today (a day's changes are collected the next day), which are read as
 * they are and judged in full by a later verification.
 */

import type { AnyCollector } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { CorruptEvidenceError, NotFoundError } from '../errors.js';
import { addDays, dayOf, dayStart, daysBetween, laterDay } from '../evidence/days.js';
import { readSnapshot } from '../evidence/read.js';
import { SNAPSHOT_PREFIX, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import type { StoredAcknowledgement } from './acknowledgements.js';
import type { SnapshotFacts } from './facts.js';
import { sealDue } from './problems.js';
import { disqualifying, type JudgedSeries } from './series.js';
import type { DayRun, DayState, IntegrityProblem, SeriesReport } from './types.js';

interface Window {
  key: string;
  from: string;
  to: string;
  collectedAt: string;
  /** Read from a key day after the verification window (judged by a later verification). */
  after: boolean;
}

export interface WindowedResult {
  problems: IntegrityProblem[];
  notes: string[];
  objectsRead: number;
  /** The report of each windowed series, replacing its per-key-day judgement. */
  reports: Map<string, SeriesReport>;
}

export async function judgeWindowedSeries(input: {
  locker: Locker;
  config: Config;
  now: Date;
  from: string;
  to: string;
  collectors: readonly AnyCollector[];
  judged: readonly JudgedSeries[];
  reports: readonly SeriesReport[];
  facts: ReadonlyMap<string, SnapshotFacts>;
  problemsByKey: ReadonlyMap<string, IntegrityProblem[]>;
  acknowledgements: readonly StoredAcknowledgement[];
  concurrency: number;
}): Promise<WindowedResult> {
  const out: WindowedResult = { problems: [], notes: [], objectsRead: 0, reports: new Map() };
  const windowed = new Set(input.collectors.filter((c) => c.windowed).map((c) => c.id));
  const today = dayOf(input.now);
  for (const s of input.judged) {
    if (!windowed.has(s.collector)) continue;
    const report = input.reports.find((r) => r.collector === s.collector && r.scope === s.scope);
    if (!report) continue;
    // Usable snapshots of the window's key days: ok or partial, nothing disqualifying.
    const keys = [...input.facts.values()]
      .filter(
        (f) =>
          f.series === s.series &&
          (f.status === 'ok' || f.status === 'partial') &&
          disqualifying(f, input.problemsByKey).length === 0,
      )
      .map((f) => f.key);
    const windows: Window[] = [];
    const read = async (key: string, after: boolean) => {
      try {
        const { snapshot } = await readSnapshot(input.locker, key);
        out.objectsRead++;
        if (after && snapshot.status === 'error') return;
        const w = (snapshot.data as { window?: { from?: unknown; to?: unknown } } | null)?.window;
        if (typeof w?.from !== 'string' || typeof w.to !== 'string') return;
        windows.push({ key, from: w.from, to: w.to, collectedAt: snapshot.collectedAt, after });
      } catch (err) {
        // Reported by the integrity checks (deleted, corrupt) for the window's keys.
        if (err instanceof CorruptEvidenceError || err instanceof NotFoundError) return;
        throw err;
      }
    };
    await mapLimit(keys, input.concurrency, (key) => read(key, false));
    // The last days are covered by runs after the window: read those key days until covered.
    const end = dayStart(addDays(input.to, 1)).toISOString();
    for (let day = addDays(input.to, 1); day <= today; day = addDays(day, 1)) {
      if (windows.some((w) => w.to >= end)) break;
      const later: string[] = [];
      for await (const item of input.locker.list(`${SNAPSHOT_PREFIX}${day}/${s.collector}/${s.scope}/`))
        later.push(item.key);
      await mapLimit(later.sort(), input.concurrency, (key) => read(key, true));
    }
    windows.sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1));

    // Overlaps and windows ending in the future.
    let reach: Window | undefined;
    for (const w of windows) {
      if (w.to > w.collectedAt || Date.parse(w.to) > input.now.getTime())
        out.problems.push({
          key: w.key,
          problem: 'window-in-future',
          series: s.series,
          detail: `its window ends ${w.to}, after it was collected (${w.collectedAt}): the days it claims were not over`,
        });
      if (reach && w.from < reach.to && w.to > w.from)
        out.problems.push({
          key: w.key,
          problem: 'window-overlap',
          series: s.series,
          detail: `its window ${w.from} to ${w.to} overlaps ${reach.key} (${reach.from} to ${reach.to}): those days are counted twice`,
        });
      if (!reach || w.to > reach.to) reach = w;
    }

    // Coverage of each evidence day of the window, from the series' first day.
    const start = laterDay(s.since, input.from);
    const last = s.until !== undefined && s.until < input.to ? s.until : input.to;
    const own = input.acknowledgements.filter((a) => seriesId(a.collector, a.scope) === s.series);
    const states: [string, DayState][] = [];
    const replaced: SeriesReport = {
      ...report,
      expectedDays: 0,
      presentDays: 0,
      missing: [],
      failed: [],
      acknowledged: [],
      acknowledgements: [],
      days: [],
    };
    let pending = 0;
    for (const day of start <= last ? daysBetween(start, last) : []) {
      const at = dayStart(day).toISOString();
      if (windows.some((w) => w.from <= at && at < w.to)) {
        replaced.expectedDays++;
        replaced.presentDays++;
        states.push([day, 'present']);
        continue;
      }
      const covering = own.filter((a) => a.day <= day && (a.to ?? a.day) >= day);
      if (covering.length) {
        replaced.expectedDays++;
        replaced.acknowledged.push(day);
        for (const a of covering)
          replaced.acknowledgements.push({ day, reason: a.reason, by: a.by, key: a.key });
        states.push([day, 'acknowledged']);
        continue;
      }
      // The run that covers the day is due after it ends: not judged before the seal grace has passed.
      if (input.now < sealDue(input.config, day)) {
        pending++;
        continue;
      }
      replaced.expectedDays++;
      replaced.missing.push(day);
      states.push([day, 'missing']);
    }
    replaced.days = runsOf(states);
    for (const gap of replaced.days.filter((r) => r.state === 'missing')) {
      const before = [...windows].reverse().find((w) => w.to <= dayStart(gap.from).toISOString());
      const next = windows.find((w) => w.from >= dayStart(addDays(gap.to, 1)).toISOString());
      out.problems.push({
        key: s.series,
        problem: 'population-gap',
        series: s.series,
        detail: `evidence day(s) ${gap.from === gap.to ? gap.from : `${gap.from} to ${gap.to}`} are in no window of the series, so the population misses them (${before ? `after ${before.key}, ending ${before.to}` : 'no window before'}; ${next ? `before ${next.key}, starting ${next.from}` : 'no window after'}); a snapshot that does not count (see its own problem) leaves its days out`,
      });
    }
    if (pending)
      out.notes.push(
        `${s.series}: ${pending} last day(s) of the window are not yet covered by a window and not judged: the run that covers a day comes after it ends (judged once locker.sealGraceHours have passed)`,
      );
    if (windows.some((w) => w.after))
      out.notes.push(
        `${s.series}: the last day(s) are covered by snapshots written after the window (${windows
          .filter((w) => w.after)
          .map((w) => w.key)
          .join(', ')}), read as they are; a verification that includes their days judges them in full`,
      );
    out.reports.set(s.series, replaced);
  }
  return out;
}

function runsOf(states: readonly [string, DayState][]): DayRun[] {
  const out: DayRun[] = [];
  for (const [day, state] of states) {
    const last = out.at(-1);
    if (last && last.state === state && addDays(last.to, 1) === day) last.to = day;
    else out.push({ from: day, to: day, state });
  }
  return out;
}
