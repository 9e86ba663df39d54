/**
 * Judging series: which series are judged (the configuration's, plus any the locker holds in
 * the window that no retirement record ends), from when, and what each day of each is.
 */
import { addDays, daysBetween, laterDay } from '../evidence/days.js';
import { seriesId } from '../evidence/snapshot.js';
import type { StoredAcknowledgement } from './acknowledgements.js';
import type { ExpectedSeries } from './expected.js';
import type { SnapshotFacts } from './facts.js';
import { effectiveFrom, type StoredRetirement } from './retirements.js';
import type { DayRun, DayState, IntegrityProblem, PartialDay, SeriesReport } from './types.js';

export interface JudgedSeries extends ExpectedSeries {
  origin: 'config' | 'locker';
  /** Last expected day, when retired. */
  until?: string;
}

/**
 * The series to judge: every configured one, and every series with a snapshot in the locker
 * (listed in the window or sealed) that the configuration no longer names: removing it from
 * the configuration does not remove it from the report; only a retirement record does, from
 * its day on. Unconfigured series are expected from auditPeriod.start.
 */
export function seriesToJudge(
  expected: readonly ExpectedSeries[],
  found: Iterable<string>,
  retirements: readonly StoredRetirement[],
  auditStart: string,
): JudgedSeries[] {
  const out: JudgedSeries[] = expected.map((s) => ({ ...s, origin: 'config' as const }));
  const known = new Set(expected.map((s) => s.series));
  for (const id of [...new Set(found)].sort()) {
    if (known.has(id)) continue;
    const [collector, scope] = id.split('/') as [string, string];
    out.push({
      collector,
      scope,
      series: id,
      controls: [],
      since: auditStart,
      sinceReason: 'auditPeriod.start',
      origin: 'locker',
    });
  }
  for (const s of out) {
    const own = retirements.filter((r) => seriesId(r.collector, r.scope) === s.series);
    // The earliest retirement wins: a later record cannot bring back days an earlier one ended.
    // Each takes effect from the day it was written at the earliest: the days before stay judged.
    const first = own.map(effectiveFrom).sort()[0];
    if (first) s.until = addDays(first, -1);
  }
  return out;
}

/** Problems that stop a snapshot from counting, and the day state each gives. */
const DISQUALIFYING: Record<string, DayState> = {
  misfiled: 'misfiled',
  late: 'late',
  backdated: 'late',
  'hash-mismatch': 'unusable',
  deleted: 'unusable',
  corrupt: 'unusable',
  'not-sealed': 'unusable',
  unsigned: 'unusable',
  'bad-signature': 'unusable',
  'untrusted-key': 'unusable',
};
const PRECEDENCE: DayState[] = ['misfiled', 'late', 'unusable'];

/**
 * The problems that stop a snapshot from counting for its day: its own, and those of the
 * digest that sealed it (signatures).
 */
export function disqualifying(
  f: SnapshotFacts,
  problemsByKey: ReadonlyMap<string, IntegrityProblem[]>,
  digestProblems: ReadonlyMap<string, IntegrityProblem[]> = problemsByKey,
): IntegrityProblem[] {
  return [
    ...(problemsByKey.get(f.key) ?? []),
    ...(f.sealedBy ? (digestProblems.get(f.sealedBy.key) ?? []) : []),
  ].filter((p) => DISQUALIFYING[p.problem] !== undefined);
}

export function judgeSeries(
  s: JudgedSeries,
  window: { from: string; to: string },
  snapshots: ReadonlyMap<string, SnapshotFacts[]>,
  problemsByKey: ReadonlyMap<string, IntegrityProblem[]>,
  /** Problems of the digest that sealed a key (signatures): they make the key unusable too. */
  digestProblems: ReadonlyMap<string, IntegrityProblem[]>,
  acks: readonly StoredAcknowledgement[],
  auditStart: string,
): SeriesReport {
  const start = laterDay(s.since, window.from);
  const end = s.until !== undefined && s.until < window.to ? s.until : window.to;
  const out: SeriesReport = {
    collector: s.collector,
    scope: s.scope,
    expectedFrom: s.since,
    expectedFromReason: s.sinceReason,
    ...(s.until !== undefined && { expectedTo: s.until }),
    ...(s.ranges && { expectedOn: s.ranges.map((r) => ({ ...r })) }),
    origin: s.origin,
    expectedDays: 0,
    presentDays: 0,
    missing: [],
    failed: [],
    acknowledged: [],
    acknowledgements: [],
    partial: [],
    beforeSince: 0,
    controls: [...s.controls],
    days: [],
  };
  // Days a later `since` leaves unjudged inside the window (listed, never silently dropped).
  if (s.since > auditStart && !s.ranges) {
    const a = laterDay(auditStart, window.from);
    const b = [addDays(s.since, -1), end].sort()[0]!;
    if (a <= b) out.beforeSince = daysBetween(a, b).length;
  }
  if (start > end) return out;
  const own = acks.filter((a) => seriesId(a.collector, a.scope) === s.series);
  const states: [string, DayState][] = [];
  for (const day of expectedDays(s, start, end)) {
    out.expectedDays++;
    const found = snapshots.get(`${s.series}@${day}`) ?? [];
    let state: DayState | undefined;
    let partial: PartialDay | undefined;
    const blocked: DayState[] = [];
    for (const f of found) {
      const why = disqualifying(f, problemsByKey, digestProblems).map((p) => DISQUALIFYING[p.problem]!);
      if (why.length) blocked.push(...why);
      else if (f.status === 'ok') state = 'present';
      // A partial snapshot counts only when it holds something: with no item read it is a failure.
      else if (f.status === 'partial' && (f.items ?? 0) > 0 && state !== 'present') {
        state = 'present';
        partial = { day, key: f.key, missing: f.errors?.length ? [...f.errors] : ['(not named)'] };
      }
    }
    if (state === 'present') {
      out.presentDays++;
      if (
        partial &&
        !found.some((f) => f.status === 'ok' && !disqualifying(f, problemsByKey, digestProblems).length)
      )
        out.partial.push(partial);
      states.push([day, 'present']);
      continue;
    }
    const covering = own.filter((a) => a.day <= day && (a.to ?? a.day) >= day);
    if (covering.length) {
      out.acknowledged.push(day);
      for (const a of covering)
        out.acknowledgements.push({ day, reason: a.reason, by: a.by, key: a.key, at: a.acknowledgedAt });
      states.push([day, 'acknowledged']);
      continue;
    }
    state = PRECEDENCE.find((p) => blocked.includes(p)) ?? (found.length ? 'failed' : 'missing');
    if (state === 'failed') out.failed.push(day);
    else out.missing.push(day);
    states.push([day, state]);
  }
  out.days = runs(states);
  return out;
}

/** The days of [start, end] the series is expected on: all, or those of its ranges. */
function expectedDays(s: JudgedSeries, start: string, end: string): string[] {
  if (!s.ranges) return daysBetween(start, end);
  return s.ranges.flatMap((r) => {
    const a = r.from > start ? r.from : start;
    const b = r.to < end ? r.to : end;
    return a <= b ? daysBetween(a, b) : [];
  });
}

function runs(states: readonly [string, DayState][]): DayRun[] {
  const out: DayRun[] = [];
  for (const [day, state] of states) {
    const last = out.at(-1);
    if (last && last.state === state && addDays(last.to, 1) === day) last.to = day;
    else out.push({ from: day, to: day, state });
  }
  return out;
}
