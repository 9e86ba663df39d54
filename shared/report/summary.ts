/**
 * The report at organization scale. Below REPORT_CELLS_IN_FULL series-days the report draws a
 * calendar row per series (calendar.ts); above it, what it holds must not grow with the series:
 *
 *   - one row per collector (coverage) or per check (checks) over every series, each day showing
 *     the worst state of that day and, on hover and in print, how many series were in each state;
 *   - the worst collector × account groups (at most `detailRows`), worst first, drawn the same way;
 *   - the worst series (at most `detailRows`), worst first, each named with its counts and its
 *     first day not present (or not passed) and why;
 *   - every series-day that is not present and sealed, and every check-day that did not pass,
 *     streamed into a CSV beside report.html (COVERAGE_FILE, CHECK_DAYS_FILE): the complete list.
 *
 * Nothing is dropped from the counts: every cell of every series is counted in its collector's
 * (check's) row, in its group and in the totals, so a single bad day among a million is a count
 * in the summary, a worst-first row when it is among the worst, and a line of the CSV always.
 * Held: the rows per collector and per check (days × states), a count per collector × account
 * group (days × states), and the capped lists. The series' cells are computed one series at a
 * time and dropped.
 */
import { daysBetween } from '../evidence/days.js';
import { seriesId } from '../evidence/snapshot.js';
import { CSV_BOM, csvRow } from '../sample/csv.js';
import type { SampleResult } from '../sample/run.js';
import { accountOf, causeOf } from '../sample/workpaper.js';
import {
  type CalendarRow,
  type Cell,
  type CellState,
  type CheckState,
  checkReason,
  coverageRowOf,
  problemsBySeriesDay,
  type VerifiedProblem,
  type VerifiedSeries,
} from './calendar.js';
import { addSnapshotTime, type SharedException, snapshotTimesOf } from './statements.js';

/** Series-days of the window above which the report is summarized (a row per series below). */
export const REPORT_CELLS_IN_FULL = 20_000;
/** Worst-first rows of each kind a summarized report shows (groups, series, exceptions). */
export const REPORT_DETAIL_ROWS = 50;
/** Every series-day not present and sealed, beside report.html, when summarized. */
export const COVERAGE_FILE = 'coverage-days.csv';
/** Every check-day that did not pass, beside report.html, when summarized. */
export const CHECK_DAYS_FILE = 'check-days.csv';

/** Worst first: what a summarized cell shows, and how groups and series are ranked. */
export const COVERAGE_SEVERITY: readonly CellState[] = [
  'integrity',
  'missing',
  'failed',
  'late',
  'partial',
  'acknowledged',
  'present',
  'not-expected',
];
export const CHECK_SEVERITY: readonly CheckState[] = [
  'fail',
  'missing',
  'not-tested',
  'not-applicable',
  'pass',
];
const CHECK_WORDS: Record<CheckState, string> = {
  fail: 'fail',
  missing: 'missing',
  'not-tested': 'not tested',
  'not-applicable': 'not applicable',
  pass: 'pass',
};

/** A series among the worst: its counts of days in each state that is a finding, and its first such day. */
export interface WorstSeries<S extends string> {
  label: string;
  series: string;
  counts: Partial<Record<S, number>>;
  findings: number;
  first: Cell<S>;
}

export interface CalendarSummary<S extends string> {
  /** One row per collector (coverage) or check (checks), over every series. */
  totals: CalendarRow<S>[];
  /** The worst collector × account groups with a finding, worst first (at most detailRows). */
  groups: CalendarRow<S>[];
  groupCount: number;
  groupsWithFindings: number;
  /** The worst series with a finding, worst first (at most detailRows). */
  worst: WorstSeries<S>[];
  seriesCount: number;
  seriesWithFindings: number;
  /** Every cell by state. */
  counts: Partial<Record<S, number>>;
  /** The CSV listing every cell that is a finding (relative to the report's directory), and its rows. */
  file: string;
  rowsInFile: number;
}

/** The account of an AWS scope (sample/workpaper.ts), as the summary groups series. */
export { accountOf };

interface Tally {
  label: string;
  controls: string[];
  series: number;
  /** days × states, the count of series in each state on each day. */
  byDay: Int32Array;
  /** The count of cells in each state. */
  all: Int32Array;
}

/** Folds calendar rows, one at a time, into the bounded summary. */
class Summarizer<S extends string> {
  private readonly totals = new Map<string, Tally>();
  private readonly groups = new Map<string, Tally>();
  private worst: WorstSeries<S>[] = [];
  private seriesCount = 0;
  private seriesWithFindings = 0;
  private readonly all: Int32Array;
  private readonly dayIndex: Map<string, number>;
  rowsInFile = 0;

  constructor(
    private readonly severity: readonly S[],
    private readonly clean: ReadonlySet<S>,
    private readonly words: Record<S, string>,
    private readonly days: readonly string[],
    private readonly detailRows: number,
  ) {
    this.all = new Int32Array(severity.length);
    this.dayIndex = new Map(days.map((d, i) => [d, i]));
  }

  private tally(map: Map<string, Tally>, key: string, label: string, controls: readonly string[]): Tally {
    let t = map.get(key);
    if (!t) {
      t = {
        label,
        controls: [...controls],
        series: 0,
        byDay: new Int32Array(this.days.length * this.severity.length),
        all: new Int32Array(this.severity.length),
      };
      map.set(key, t);
    }
    return t;
  }

  /** One series' row: counted in its total and its group; its findings written with `write`. */
  add(
    row: CalendarRow<S>,
    total: { key: string; label: string },
    group: { key: string; label: string },
    write: (cell: Cell<S>) => void,
  ): void {
    const n = this.severity.length;
    const t = this.tally(this.totals, total.key, total.label, row.controls);
    const g = this.tally(this.groups, group.key, group.label, row.controls);
    t.series++;
    g.series++;
    this.seriesCount++;
    const mine = new Int32Array(n);
    let first: Cell<S> | undefined;
    let findings = 0;
    for (const cell of row.cells) {
      const i = this.severity.indexOf(cell.state);
      const d = this.dayIndex.get(cell.day);
      if (i < 0 || d === undefined) continue;
      t.byDay[d * n + i]!++;
      g.byDay[d * n + i]!++;
      t.all[i]!++;
      g.all[i]!++;
      this.all[i]!++;
      mine[i]!++;
      if (!this.clean.has(cell.state)) {
        findings++;
        first ??= cell;
        write(cell);
        this.rowsInFile++;
      }
    }
    if (!first) return;
    this.seriesWithFindings++;
    const counts: Partial<Record<S, number>> = {};
    for (const [i, s] of this.severity.entries()) if (mine[i] && !this.clean.has(s)) counts[s] = mine[i];
    this.worst.push({ label: row.label, series: row.series, counts, findings, first });
    // Keep the worst only: sorted and cut whenever the list doubles (amortized, bounded).
    if (this.worst.length >= 2 * this.detailRows) this.cutWorst();
  }

  private rank(counts: ArrayLike<number>): number[] {
    return this.severity.flatMap((s, i) => (this.clean.has(s) ? [] : [counts[i] ?? 0]));
  }

  private cutWorst(): void {
    const vector = (w: WorstSeries<S>) => this.rank(this.severity.map((s) => w.counts[s] ?? 0));
    this.worst = this.worst
      .map((w) => ({ w, v: vector(w) }))
      .sort(
        (a, b) => compareVectors(a.v, b.v) || (a.w.label < b.w.label ? -1 : a.w.label > b.w.label ? 1 : 0),
      )
      .slice(0, this.detailRows)
      .map((x) => x.w);
  }

  /** A summarized row: each day the worst state found, with the count of series in each state. */
  private rowOf(t: Tally, every: boolean): CalendarRow<S> {
    const label = `${t.label} (${every ? 'all ' : ''}${t.series} series)`;
    const n = this.severity.length;
    const cells = this.days.map((day, d): Cell<S> => {
      const counts = this.severity.map((_, i) => t.byDay[d * n + i]!);
      const worst = counts.findIndex((c) => c > 0);
      const state = this.severity[worst < 0 ? n - 1 : worst]!;
      const parts = this.severity
        .map((s, i) => ({ s, c: counts[i]! }))
        .filter((x) => x.c > 0)
        .map((x) => `${x.c} ${this.words[x.s]}`);
      return { day, state, reason: `${t.series} series: ${parts.join(', ') || 'nothing'}` };
    });
    return { label, series: t.label, controls: t.controls, cells };
  }

  result(file: string): CalendarSummary<S> {
    this.cutWorst();
    const hasFinding = (t: Tally) => this.rank(t.all).some((c) => c > 0);
    const ranked = [...this.groups.values()]
      .filter(hasFinding)
      .sort((a, b) => compareVectors(this.rank(a.all), this.rank(b.all)) || (a.label < b.label ? -1 : 1));
    const counts: Partial<Record<S, number>> = {};
    for (const [i, s] of this.severity.entries()) if (this.all[i]) counts[s] = this.all[i];
    return {
      totals: [...this.totals.values()]
        .sort((a, b) => (a.label < b.label ? -1 : 1))
        .map((t) => this.rowOf(t, true)),
      groups: ranked.slice(0, this.detailRows).map((t) => this.rowOf(t, false)),
      groupCount: this.groups.size,
      groupsWithFindings: ranked.length,
      worst: this.worst,
      seriesCount: this.seriesCount,
      seriesWithFindings: this.seriesWithFindings,
      counts,
      file,
      rowsInFile: this.rowsInFile,
    };
  }
}

/** Descending, element by element: the vector with more of the worst state first. */
function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (b[i] ?? 0) - (a[i] ?? 0);
  return 0;
}

/**
 * The coverage calendar summarized: one series at a time (its row computed as in the full
 * report, calendar.ts coverageRowOf), every series-day not present and sealed written with `write`
 * as a CSV row (the first call writes the header).
 */
export function summarizeCoverage(
  series: readonly VerifiedSeries[],
  problems: readonly VerifiedProblem[],
  window: { from: string; to: string },
  detailRows: number,
  write: (csvLine: string) => void,
): CalendarSummary<CellState> {
  const days = daysBetween(window.from, window.to);
  const problemsBy = problemsBySeriesDay(problems);
  const words = Object.fromEntries(COVERAGE_SEVERITY.map((s) => [s, s])) as Record<CellState, string>;
  words.present = 'present';
  const summarizer = new Summarizer<CellState>(
    COVERAGE_SEVERITY,
    new Set<CellState>(['present', 'not-expected']),
    words,
    days,
    detailRows,
  );
  write(CSV_BOM + csvRow(['series', 'collector', 'scope', 'day', 'state', 'reason']));
  for (const s of series) {
    const row = coverageRowOf(s, problemsBy, days);
    const account = accountOf(s.scope);
    summarizer.add(
      row,
      { key: s.collector, label: s.collector },
      { key: `${s.collector}\u0000${account}`, label: `${s.collector} · ${account}` },
      (cell) => write(csvRow([row.series, s.collector, s.scope, cell.day, cell.state, cell.reason])),
    );
  }
  return summarizer.result(COVERAGE_FILE);
}

/** What the summarized check calendar yields besides the calendar. */
export interface CheckSummary {
  calendar: CalendarSummary<CheckState>;
  /** The worst exceptions (check, series, cause), each once naming every criterion (at most detailRows). */
  exceptions: SharedException[];
  exceptionCount: number;
  snapshotTimes: Record<string, string>;
}

/**
 * The check calendar summarized from the full population's samples, read once in their order
 * (check, series, day: a draw's rows): each series' row built as in the full report, every
 * check-day that did not pass written with `write` as a CSV row, the exceptions grouped per
 * series (check, series and cause, as the workpapers group them) and counted.
 */
export function summarizeChecks(
  samples: Iterable<SampleResult>,
  window: { from: string; to: string },
  controlsOf: (check: string) => readonly string[],
  detailRows: number,
  write: (csvLine: string) => void,
): CheckSummary {
  const days = daysBetween(window.from, window.to);
  const summarizer = new Summarizer<CheckState>(
    CHECK_SEVERITY,
    new Set<CheckState>(['pass']),
    CHECK_WORDS,
    days,
    detailRows,
  );
  const times = new Map<string, Set<string>>();
  let exceptions: SharedException[] = [];
  let exceptionCount = 0;
  const keepWorst = () => {
    exceptions = exceptions
      .sort(
        (a, b) =>
          b.days.length - a.days.length ||
          (a.check < b.check ? -1 : a.check > b.check ? 1 : a.series < b.series ? -1 : 1),
      )
      .slice(0, detailRows);
  };
  write(
    CSV_BOM + csvRow(['criteria', 'check', 'series', 'day', 'result', 'reason', 'snapshot_key', 'sha256']),
  );
  let current:
    | { check: string; collector: string; scope: string; byDay: Map<string, SampleResult> }
    | undefined;
  const flush = () => {
    if (!current) return;
    const { check, collector, scope, byDay } = current;
    const series = seriesId(collector, scope);
    const controls = [...controlsOf(check)];
    const row: CalendarRow<CheckState> = {
      label: `${controls.join(', ')} ${check} · ${series}`,
      series,
      controls,
      cells: days.map((day): Cell<CheckState> => {
        const s = byDay.get(day);
        return s
          ? { day, state: s.result, reason: checkReason(s) }
          : { day, state: 'not-tested', reason: 'not tested' };
      }),
    };
    const account = accountOf(scope);
    summarizer.add(
      row,
      { key: check, label: `${controls.join(', ')} ${check}` },
      {
        key: `${check}\u0000${collector}\u0000${account}`,
        label: `${controls.join(', ')} ${check} · ${collector} · ${account}`,
      },
      (cell) => {
        const s = byDay.get(cell.day);
        write(
          csvRow([
            controls.join(' '),
            check,
            series,
            cell.day,
            cell.state,
            cell.reason,
            s?.key ?? null,
            s?.sha256 ?? null,
          ]),
        );
      },
    );
    // The series' exceptions, grouped by cause as the workpapers group them (workpaper.ts groupExceptions).
    const groups = new Map<string, SharedException>();
    for (const s of byDay.values()) {
      if (s.result === 'pass' || s.result === 'not-applicable') continue;
      const cause = causeOf(s);
      const g = groups.get(cause) ?? {
        check,
        series,
        result: s.result,
        cause,
        days: [],
        of: byDay.size,
        detail: s.detail,
        controls,
      };
      g.days.push(s.day);
      groups.set(cause, g);
    }
    exceptionCount += groups.size;
    exceptions.push(...groups.values());
    if (exceptions.length >= 2 * detailRows) keepWorst();
  };
  for (const s of samples) {
    if (
      !current ||
      current.check !== s.check ||
      current.collector !== s.collector ||
      current.scope !== s.scope
    ) {
      flush();
      current = { check: s.check, collector: s.collector, scope: s.scope, byDay: new Map() };
    }
    current.byDay.set(s.day, s);
    addSnapshotTime(times, s, controlsOf);
  }
  flush();
  keepWorst();
  return {
    calendar: summarizer.result(CHECK_DAYS_FILE),
    exceptions,
    exceptionCount,
    snapshotTimes: snapshotTimesOf(times),
  };
}
