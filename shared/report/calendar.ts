/**
 * The coverage calendar's model: one row per series, one cell per day, each cell one state;
 * and one row per check and series with the check's result on each day. Built from a
 * verification (which days had usable evidence) and a full-population sample (what the check
 * found on each day). Pure: no I/O.
 */
import { daysBetween, parseCompactInstant } from '../evidence/days.js';
import { parseSnapshotKey, seriesId } from '../evidence/snapshot.js';
import type { SampleResult } from '../sample/run.js';

export const CELL_STATES = [
  'present',
  'partial',
  'missing',
  'failed',
  'late',
  'acknowledged',
  'integrity',
  'not-expected',
] as const;
export type CellState = (typeof CELL_STATES)[number];

export const CELL_LABELS: Record<CellState, string> = {
  present: 'present and sealed',
  partial: 'present but partial (what is missing is named)',
  missing: 'missing',
  failed: 'collection failed',
  late: 'late (written or sealed after the grace period)',
  acknowledged: 'acknowledged gap',
  integrity: 'integrity problem (altered, deleted, unsealed, misfiled)',
  'not-expected': 'not expected',
};

export type CheckState = 'pass' | 'fail' | 'not-applicable' | 'missing' | 'not-tested';

export interface Cell<S extends string> {
  day: string;
  state: S;
  /** Why, in a sentence: shown on hover and in print. */
  reason: string;
}

export interface CalendarRow<S extends string> {
  label: string;
  /** Series id (`<collector>/<scope>`). */
  series: string;
  controls: string[];
  cells: Cell<S>[];
}

/** What the calendar needs of a verification's series (verify.ts's SeriesReport satisfies it). */
export interface VerifiedSeries {
  collector: string;
  scope: string;
  expectedFrom: string;
  expectedTo?: string;
  missing: readonly string[];
  failed: readonly string[];
  acknowledged: readonly string[];
  acknowledgements: readonly { day: string; reason: string; by: string; at?: string }[];
  /** Present days whose only usable snapshot is partial, and what it lacks. */
  partial?: readonly { day: string; missing: readonly string[] }[];
  controls: readonly string[];
  /** The verifier's own per-day states, when it gives them. */
  days?: readonly { from: string; to: string; state: string }[];
}

export interface VerifiedProblem {
  key: string;
  problem: string;
  detail: string;
  series?: string;
}

/** A verifier's day state mapped to a calendar cell. */
function fromVerifierState(state: string): CellState {
  switch (state) {
    case 'present':
    case 'failed':
    case 'acknowledged':
    case 'late':
    case 'missing':
      return state;
    default:
      // misfiled, unusable, and anything newer: evidence exists but cannot be counted.
      return 'integrity';
  }
}

/** The verifier's integrity problems by series and day (`<series>@<day>`). */
export function problemsBySeriesDay(problems: readonly VerifiedProblem[]): Map<string, VerifiedProblem[]> {
  const problemsBy = new Map<string, VerifiedProblem[]>();
  for (const p of problems) {
    const parts = parseSnapshotKey(p.key);
    if (!parts) continue;
    const id = `${seriesId(parts.collector, parts.scope)}@${parts.day}`;
    const found = problemsBy.get(id);
    if (found) found.push(p);
    else problemsBy.set(id, [p]);
  }
  return problemsBy;
}

export function coverageRows(
  series: readonly VerifiedSeries[],
  problems: readonly VerifiedProblem[],
  from: string,
  to: string,
): CalendarRow<CellState>[] {
  const days = daysBetween(from, to);
  const problemsBy = problemsBySeriesDay(problems);
  return [...series]
    .sort((a, b) => (seriesId(a.collector, a.scope) < seriesId(b.collector, b.scope) ? -1 : 1))
    .map((s) => coverageRowOf(s, problemsBy, days));
}

/** One series' row of the coverage calendar (`problemsBy` from problemsBySeriesDay). */
export function coverageRowOf(
  s: VerifiedSeries,
  problemsBy: ReadonlyMap<string, readonly VerifiedProblem[]>,
  days: readonly string[],
): CalendarRow<CellState> {
  const id = seriesId(s.collector, s.scope);
  const stateOf = new Map<string, CellState>();
  for (const run of s.days ?? [])
    for (const day of daysBetween(run.from, run.to)) stateOf.set(day, fromVerifierState(run.state));
  const missing = new Set(s.missing);
  const failed = new Set(s.failed);
  const acknowledged = new Set(s.acknowledged);
  const partial = new Map((s.partial ?? []).map((p) => [p.day, p.missing]));
  const cells = days.map((day): Cell<CellState> => {
    const found = problemsBy.get(`${id}@${day}`) ?? [];
    const why = found.map((p) => `${p.problem}: ${p.detail}`).join('; ');
    if (day < s.expectedFrom || (s.expectedTo !== undefined && day > s.expectedTo))
      return { day, state: 'not-expected', reason: `not expected (from ${s.expectedFrom})` };
    let state: CellState =
      stateOf.get(day) ??
      (failed.has(day)
        ? 'failed'
        : acknowledged.has(day)
          ? 'acknowledged'
          : missing.has(day)
            ? 'missing'
            : 'present');
    // A problem with that day's evidence (altered, deleted, unsealed, misfiled) outranks the
    // day's state: the evidence is there but cannot be trusted as it is.
    if (found.some((p) => p.problem !== 'late') && state !== 'acknowledged') state = 'integrity';
    else if (found.some((p) => p.problem === 'late') && state === 'present') state = 'late';
    if (state === 'present' && partial.has(day)) state = 'partial';
    const ack = s.acknowledgements.find((a) => a.day === day);
    const reason =
      state === 'acknowledged' && ack
        ? `acknowledged by ${ack.by}${ack.at ? ` (written ${ack.at})` : ''}: ${ack.reason}`
        : state === 'partial'
          ? `partial: missing ${partial.get(day)!.join('; ') || 'a part the collector did not name'}`
          : why
            ? `${CELL_LABELS[state]}: ${why}`
            : CELL_LABELS[state];
    return { day, state, reason };
  });
  return { label: id, series: id, controls: [...s.controls], cells };
}

/** One row per check and series: the check's result on every day of the window. */
export function checkRows(
  samples: readonly SampleResult[],
  from: string,
  to: string,
  controlsOf: (check: string) => readonly string[],
): CalendarRow<CheckState>[] {
  const days = daysBetween(from, to);
  const rows = new Map<string, Map<string, SampleResult>>();
  for (const s of samples) {
    const id = `${s.check}\u0000${seriesId(s.collector, s.scope)}`;
    const byDay = rows.get(id) ?? new Map<string, SampleResult>();
    byDay.set(s.day, s);
    rows.set(id, byDay);
  }
  return [...rows]
    .map(([id, byDay]) => {
      const [check, series] = id.split('\u0000') as [string, string];
      const controls = [...controlsOf(check)];
      return {
        label: `${controls.join(', ')} ${check} · ${series}`,
        series,
        controls,
        cells: days.map((day): Cell<CheckState> => {
          const s = byDay.get(day);
          if (!s) return { day, state: 'not-tested', reason: 'not tested' };
          return { day, state: s.result, reason: checkReason(s) };
        }),
      };
    })
    .sort((a, b) => (a.label < b.label ? -1 : 1));
}

/** Why a check-day is in its state, in a sentence (the cell's title, the printed table, the CSV). */
export function checkReason(
  s: Pick<SampleResult, 'result' | 'detail' | 'failing' | 'snapshotStatus' | 'key'>,
): string {
  const at = s.key ? parseCompactInstant(parseSnapshotKey(s.key)?.file ?? '')?.slice(11, 16) : undefined;
  return (
    `${s.result}: ${s.detail}${s.failing.length ? ` (failing: ${s.failing.join(', ')})` : ''}` +
    `${s.snapshotStatus === 'partial' ? ' [partial snapshot]' : ''}${at ? ` [snapshot of ${at} UTC]` : ''}`
  );
}

/** Months of the window with how many of its days they cover, for the header. */
export function monthSpans(from: string, to: string): { month: string; days: number }[] {
  const out: { month: string; days: number }[] = [];
  for (const day of daysBetween(from, to)) {
    const month = day.slice(0, 7);
    const last = out.at(-1);
    if (last && last.month === month) last.days++;
    else out.push({ month, days: 1 });
  }
  return out;
}

export function countStates<S extends string>(rows: readonly CalendarRow<S>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) for (const c of r.cells) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}
