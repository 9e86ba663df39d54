/**
 * The report as one self-contained HTML file: inline CSS, no script, no font, no image, and a
 * Content-Security-Policy that forbids every fetch, so it opens the same from disk, from an S3
 * presigned URL, or saved as PDF. Everything from data goes through htmlText.
 */
import { addDays, daysBetween as daysOf } from '../evidence/days.js';
import type { ReviewCadence } from '../review/cadence.js';
import { reviewsSectionHtml, reviewsSummaryRow } from '../review/report.js';
import type { ExceptionGroup } from '../sample/workpaper.js';
import { htmlText } from '../text/escape.js';
import {
  type CalendarRow,
  CELL_LABELS,
  CELL_STATES,
  type CellState,
  type CheckState,
  monthSpans,
} from './calendar.js';
import type { Excused, OutOfScope, SharedException, WriteOnce } from './statements.js';
import type { CalendarSummary } from './summary.js';

export interface ControlSummary {
  id: string;
  name: string;
  checks: string[];
  total: number;
  pass: number;
  fail: number;
  missing: number;
  deviationRate: string;
  conclusion: string;
  effective: boolean;
  /** Relative link to the control's workpaper. */
  workpaper: string;
  exceptions: ExceptionGroup[];
}

export interface ReportModel {
  from: string;
  to: string;
  generatedAt: string;
  store: string;
  tool: string;
  /** The commit the tool was built from (shared/build.ts). */
  commit: string;
  /** Who ran the report: the AWS principal ARN, or the local user. */
  ranBy: string;
  /** report.entity and report.system of the configuration. */
  entity?: string;
  system?: string;
  auditPeriod: { start: string; end?: string };
  writeOnce: WriteOnce;
  outOfScope: OutOfScope;
  /** Acknowledged days, retired series, days before `since`, refused exceptions: who, when, why. */
  excused: Excused;
  /** Per control, when in the day the snapshots judged were taken ("00:05 UTC"). */
  snapshotTimes: Record<string, string>;
  verification: {
    ok: boolean;
    verifiedAt: string;
    series: number;
    expectedDays: number;
    presentDays: number;
    /** Of the present days, those whose snapshot is partial. */
    partialDays: number;
    missingDays: number;
    failedDays: number;
    acknowledgedDays: number;
    problems: { key: string; problem: string; detail: string }[];
    notes: string[];
  };
  chainHead: { key: string; sha256: string } | null;
  digests: number;
  coverage: CalendarRow<CellState>[];
  checks: CalendarRow<CheckState>[];
  controls: ControlSummary[];
  /** The exceptions of every control, each once, naming every criterion it bears on. */
  exceptions: SharedException[];
  /** Where the full-population run was recorded in the locker. */
  sampleRecord?: string;
  /**
   * Set when the window has more series-days than the report draws a row each (summary.ts):
   * `coverage` and `checks` then hold the summarized rows (per collector or check, then the
   * worst groups), and this says what was summarized and where the complete lists are.
   */
  summarized?: {
    cellsInFull: number;
    detailRows: number;
    days: number;
    coverage: CalendarSummary<CellState>;
    checks: CalendarSummary<CheckState>;
    exceptionCount: number;
  };
  /** Access review periods and campaigns (verify's), with each campaign's workpaper path. */
  reviews?: { cadence: ReviewCadence; workpapers: ReadonlyMap<string, string> };
  notes: string[];
}

const CHECK_LABELS: Record<CheckState, string> = {
  pass: 'pass',
  fail: 'fail',
  'not-applicable': 'not applicable (nothing to judge that day: never a pass)',
  missing: 'missing (no usable snapshot: never a pass)',
  'not-tested': 'not tested',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

const h = htmlText;

const CSS = `
:root { --partial:#9ccc65; --present:#2e7d32; --missing:#d32f2f; --failed:#ef6c00; --late:#f9a825; --acknowledged:#78909c;
  --integrity:#6a1b9a; --not-expected:#eceff1; --pass:#2e7d32; --fail:#d32f2f; --missing-check:#ef6c00; --not-tested:#eceff1; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:#1a1a1a; margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.meta { color:#555; margin: 0 0 12px; } code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.verdict { display:inline-block; padding: 2px 10px; border-radius: 4px; color:#fff; font-weight: 600; }
.verdict.ok { background: var(--present); } .verdict.bad { background: var(--missing); }
table.data { border-collapse: collapse; margin: 8px 0; } table.data th, table.data td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.cal { border-collapse: separate; border-spacing: 1px; table-layout: fixed; width: 100%; }
table.cal th.label { width: 26em; text-align: right; font-weight: normal; padding-right: 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 12px; }
table.cal th.month { font-weight: 600; font-size: 11px; text-align: left; border-left: 2px solid #555; padding-left: 2px; white-space: nowrap; overflow: hidden; }
table.cal td { height: 18px; padding: 0; min-width: 2px; }
table.cal td.first { border-left: 2px solid #555; }
.c-present { background: var(--present); } .c-partial { background: var(--partial); }
table.cal th.dnum { font-weight: normal; font-size: 8px; text-align: center; padding: 0; overflow: hidden; color: #333; }
.verdict.warn { background: #ef6c00; } .c-missing { background: var(--missing); } .c-failed { background: var(--failed); }
.c-late { background: var(--late); } .c-acknowledged { background: var(--acknowledged); } .c-integrity { background: var(--integrity); }
.c-not-expected { background: var(--not-expected); }
.k-pass { background: var(--pass); } .k-fail { background: var(--fail); } .k-missing { background: var(--missing-check); } .k-not-tested { background: var(--not-tested); } .k-not-applicable { background: var(--not-tested); }
table.cal td:hover { outline: 2px solid #000; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 4px; padding: 0; list-style: none; font-size: 12px; }
.legend li::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -2px; background: var(--swatch); }
.small { font-size: 12px; color: #444; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { margin: 0; font-size: 11px; } h2 { break-after: avoid; } table.data tr, table.cal tr { break-inside: avoid; } a { color: inherit; } table.cal td:hover { outline: none; } }
`;

function legend(entries: readonly { cls: string; label: string; color: string }[]): string {
  return `<ul class="legend">${entries
    .map((e) => `<li class="${e.cls}-key" style="--swatch: var(${e.color})">${h(e.label)}</li>`)
    .join('')}</ul>`;
}

function* calendar<S extends string>(
  id: string,
  caption: string,
  rows: readonly CalendarRow<S>[],
  from: string,
  to: string,
  prefix: 'c' | 'k',
): Generator<string> {
  const spans = monthSpans(from, to);
  const firstDays = new Set<string>();
  let day = from;
  for (const span of spans) {
    firstDays.add(day);
    day = addDays(day, span.days);
  }
  const head = `<tr><th class="label"></th>${spans
    .map(
      (s) =>
        `<th class="month" colspan="${s.days}" title="${h(monthLabel(s.month))}">${s.days >= 4 ? h(monthLabel(s.month)) : ''}</th>`,
    )
    .join('')}</tr>`;
  // Day numbers under the months, so that a printed page still says which cell is which day.
  const all = spans.reduce((n, s) => n + s.days, 0);
  const numbered = (d: string) => all <= 62 || ['01', '10', '20'].includes(d.slice(8));
  const numbers = `<tr class="days"><th class="label">day</th>${daysOf(from, to)
    .map((d) => `<th class="dnum" scope="col">${numbered(d) ? Number(d.slice(8)) : ''}</th>`)
    .join('')}</tr>`;
  // One piece per row: the page is written as it is made, never held whole.
  let body = `<table class="cal" id="${id}" aria-label="${h(caption)}"><colgroup><col style="width:26em">${'<col>'.repeat(
    all,
  )}</colgroup><thead>${head}${numbers}</thead><tbody>`;
  for (const [i, r] of rows.entries()) {
    yield `${body}${i > 0 ? '\n' : ''}<tr><th class="label" scope="row" title="${h(r.label)}">${h(r.label)}</th>${r.cells
      .map(
        (c) =>
          `<td class="${prefix}-${c.state}${firstDays.has(c.day) ? ' first' : ''}" data-day="${c.day}" title="${h(`${r.label} · ${c.day} · ${c.reason}`)}"></td>`,
      )
      .join('')}</tr>`;
    body = '';
  }
  yield `${body}</tbody></table>`;
}

/** The printed table of runsOf's runs: who, the days, their state (as `stateText` words it), the reason. */
function runsTable<R extends ReturnType<typeof runsOf>[number]>(
  [who, state]: [string, string],
  runs: readonly R[],
  stateText: (run: R) => string,
): string[] {
  return [
    `<table class="data"><thead><tr><th>${who}</th><th>days</th><th>${state}</th><th>reason</th></tr></thead><tbody>`,
    ...runs.map(
      (g) =>
        `<tr><td><code>${h(g.label)}</code></td><td>${h(g.from === g.to ? g.from : `${g.from} to ${g.to}`)}</td><td>${h(stateText(g))}</td><td class="small">${h(g.reason)}</td></tr>`,
    ),
    '</tbody></table>',
  ];
}

/** Consecutive days of a row in the same state and reason, for the printed list of exceptions. */
function runsOf<S extends string>(rows: readonly CalendarRow<S>[], skip: readonly string[]) {
  const out: { label: string; from: string; to: string; state: S; reason: string }[] = [];
  for (const r of rows) {
    for (const c of r.cells) {
      if (skip.includes(c.state)) continue;
      const last = out.at(-1);
      if (
        last &&
        last.label === r.label &&
        last.state === c.state &&
        last.reason === c.reason &&
        addDays(last.to, 1) === c.day
      )
        last.to = c.day;
      else out.push({ label: r.label, from: c.day, to: c.day, state: c.state, reason: c.reason });
    }
  }
  return out;
}

/** How the report's window relates to the audit period. */
function windowVersusPeriod(m: Pick<ReportModel, 'from' | 'to' | 'auditPeriod'>): string {
  const { start, end } = m.auditPeriod;
  if (m.from === start && end !== undefined && m.to === end) return 'the whole audit period';
  if (m.from < start || (end !== undefined && m.to > end)) return 'reaches outside the audit period';
  if (end === undefined && m.from === start) return 'the audit period so far';
  return 'part of the audit period';
}

/** When the snapshots judged were taken, over every control. */
function snapshotTimeSummary(m: Pick<ReportModel, 'snapshotTimes'>): string {
  const times = [...new Set(Object.values(m.snapshotTimes))].sort();
  return times.length === 0 ? 'no snapshot was judged' : `at ${times.join(', ')}`;
}

/** Every excuse verify accepted or refused, with who wrote it, when and why. */
function excusedSection(e: Excused): string[] {
  const out = [
    '<h2 id="excused">Acknowledged days, retired series, days before <code>since</code></h2>',
    `<p>${e.acknowledged.length} acknowledged day(s), ${e.retired.length} retired series, ${e.beforeSince.reduce((n, s) => n + s.days, 0)} day(s) before a later <code>since</code>, ${e.refused.length} acknowledgement(s) or retirement(s) that excuse nothing. Each is a signed record sealed in the locker.</p>`,
  ];
  if (e.acknowledged.length)
    out.push(
      '<table class="data" id="acknowledged"><thead><tr><th>day</th><th>series</th><th>by</th><th>written</th><th>why</th><th>record</th></tr></thead><tbody>',
      ...e.acknowledged.map(
        (a) =>
          `<tr><td>${h(a.day)}</td><td><code>${h(a.series)}</code></td><td>${h(a.by)}</td><td>${h(a.at)}</td><td>${h(a.reason)}</td><td class="small"><code>${h(a.key)}</code></td></tr>`,
      ),
      '</tbody></table>',
    );
  if (e.retired.length)
    out.push(
      '<table class="data" id="retired"><thead><tr><th>series</th><th>not expected from</th><th>by</th><th>written</th><th>why</th><th>record</th></tr></thead><tbody>',
      ...e.retired.map(
        (r) =>
          `<tr><td><code>${h(r.series)}</code></td><td>${h(r.effectiveFrom)}${r.from !== r.effectiveFrom ? ` (it says ${h(r.from)})` : ''}</td><td>${h(r.by)}</td><td>${h(r.at)}</td><td>${h(r.reason)}</td><td class="small"><code>${h(r.key)}</code></td></tr>`,
      ),
      '</tbody></table>',
    );
  if (e.beforeSince.length)
    out.push(
      '<table class="data" id="before-since"><thead><tr><th>series</th><th>expected from</th><th>days of the window before it</th><th>set by</th></tr></thead><tbody>',
      ...e.beforeSince.map(
        (s) =>
          `<tr><td><code>${h(s.series)}</code></td><td>${h(s.expectedFrom)}</td><td class="num">${s.days}</td><td>${h(s.reason)}</td></tr>`,
      ),
      '</tbody></table>',
    );
  if (e.refused.length)
    out.push(
      '<table class="data" id="refused"><thead><tr><th>excuses nothing</th><th>series</th><th>days</th><th>by</th><th>written</th><th>why it was made</th><th>why it does not count</th></tr></thead><tbody>',
      ...e.refused.map(
        (r) =>
          `<tr><td>${h(r.kind)}<br><code class="small">${h(r.key)}</code></td><td><code>${h(r.series)}</code></td><td>${h(r.days)}</td><td>${h(r.by)}</td><td>${h(r.at)}</td><td>${h(r.reason)}</td><td class="small">${h(r.why)}</td></tr>`,
      ),
      '</tbody></table>',
    );
  return out;
}

function outOfScopeSection(o: OutOfScope): string[] {
  return [
    '<h2 id="out-of-scope">Out of scope</h2>',
    '<ul>',
    o.subservice.length
      ? `<li>Subservice organisations (carve-out): their own controls are not tested here; their SOC reports and the complementary controls they expect of the entity cover them: ${o.subservice.map(h).join('; ')}.</li>`
      : '',
    ...o.notConfigured.map(
      (c) =>
        `<li><strong>${h(c.id)}</strong>${c.name ? ` ${h(c.name)}` : ''}: not tested, its collectors (${c.collectors.map((x) => `<code>${h(x)}</code>`).join(', ')}) are not configured.</li>`,
    ),
    o.noCollector.length
      ? `<li>Criteria no collector of this tool evidences, tested (if at all) by other means: ${o.noCollector.map(h).join(', ')}; and the availability, confidentiality, processing integrity and privacy categories.</li>`
      : '',
    '</ul>',
  ];
}

export function reportHtml(m: ReportModel): string {
  return [...reportHtmlChunks(m)].join('');
}

/**
 * The page in pieces, in order (their concatenation is the page): the calendars a row at a time,
 * so that report.ts writes the file as it is made and never holds it as one string.
 */
export function* reportHtmlChunks(m: ReportModel): Generator<string> {
  const v = m.verification;
  const sum = m.summarized;
  const coverageLegend = CELL_STATES.map((s) => ({ cls: `c-${s}`, label: CELL_LABELS[s], color: `--${s}` }));
  const checkLegend = (['pass', 'fail', 'not-applicable', 'missing', 'not-tested'] as const).map((s) => ({
    cls: `k-${s}`,
    label: CHECK_LABELS[s],
    color: s === 'missing' ? '--missing-check' : `--${s}`,
  }));
  const gaps = runsOf(m.coverage, ['present', 'not-expected']);
  const allEffective = m.controls.length > 0 && m.controls.every((c) => c.effective);
  const parts: (string | Iterable<string>)[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(`${m.entity ? `${m.entity}: ` : ''}Evidence report ${m.from} to ${m.to}`)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${m.entity ? `${h(m.entity)} — ${h(m.system ?? '')}: ` : ''}SOC 2 evidence report ${h(m.from)} to ${h(m.to)}</h1>`,
    '<table class="data" id="about"><tbody>',
    `<tr><th>Service organisation</th><td>${m.entity ? h(m.entity) : '<em>not named</em> (set <code>report.entity</code> in the configuration)'}</td></tr>`,
    `<tr><th>System</th><td>${m.system ? h(m.system) : '<em>not named</em> (set <code>report.system</code>)'}</td></tr>`,
    `<tr><th>Audit period</th><td>${h(m.auditPeriod.start)} to ${m.auditPeriod.end ? h(m.auditPeriod.end) : 'ongoing (no <code>auditPeriod.end</code>)'}</td></tr>`,
    `<tr><th>This report's window</th><td>${h(m.from)} to ${h(m.to)} (${windowVersusPeriod(m)})</td></tr>`,
    `<tr><th>Prepared by</th><td><code>${h(m.ranBy)}</code>, ${h(m.generatedAt)}</td></tr>`,
    `<tr><th>Tool</th><td>${h(m.tool)}, commit <code>${h(m.commit)}</code></td></tr>`,
    `<tr><th>Locker</th><td><code>${h(m.store)}</code></td></tr>`,
    '</tbody></table>',
    '<h2 id="summary">Summary</h2>',
    '<table class="data"><tbody>',
    `<tr><th>Store</th><td id="write-once"><span class="verdict ${m.writeOnce.writeOnce ? 'ok' : 'warn'}">${h(m.writeOnce.label)}</span> ${h(m.writeOnce.detail)}</td></tr>`,
    `<tr><th>Verification</th><td><span class="verdict ${v.ok ? (m.writeOnce.writeOnce ? 'ok' : 'warn') : 'bad'}">${v.ok ? (m.writeOnce.writeOnce ? 'complete and intact' : 'complete and intact, tamper-evident only') : 'problems found'}</span> ` +
      `${v.series} series, ${v.expectedDays} series-days expected: ${v.presentDays} present (${v.partialDays} of them partial), ${v.missingDays} missing, ${v.failedDays} failed, ${v.acknowledgedDays} acknowledged; ${v.problems.length} integrity problem(s). Verified ${h(v.verifiedAt)}.</td></tr>`,
    `<tr><th>Controls</th><td><span class="verdict ${allEffective ? 'ok' : 'bad'}">${allEffective ? 'no exception' : 'exceptions noted'}</span> ` +
      `${m.controls.length} criterion/criteria. Each day of the window is <strong>one snapshot</strong> per series, taken once a day (${h(snapshotTimeSummary(m))}); ` +
      'every check was re-performed on that snapshot, for every day: a test of the state recorded at that moment each day, not of the hours between snapshots.</td></tr>',
    `<tr><th>Exceptions</th><td>${sum ? sum.exceptionCount : m.exceptions.length} exception(s)${m.exceptions.some((e) => e.controls.length > 1) ? ', each counted once: one that bears on several criteria names each' : ''}.</td></tr>`,
    `<tr><th>Digest chain head</th><td>${m.chainHead ? `<code>${h(m.chainHead.key)}</code><br>SHA-256 <code>${h(m.chainHead.sha256)}</code>` : 'no digest'} (${m.digests} digest(s))</td></tr>`,
    m.sampleRecord
      ? `<tr><th>This run, recorded</th><td><code>${h(m.sampleRecord)}</code>: signed in the locker with the SHA-256 of this file and of every workpaper (<code>npx evidence verify-report DIR</code> checks a copy against it)</td></tr>`
      : '',
    m.reviews ? reviewsSummaryRow(m.reviews.cadence) : '',
    '</tbody></table>',
    ...outOfScopeSection(m.outOfScope),
    sum
      ? '<h2 id="coverage">Evidence coverage: every series and day, per collector and the worst accounts</h2>'
      : '<h2 id="coverage">Evidence coverage: one cell per series and day</h2>',
    legend(coverageLegend),
    ...(sum ? summaryIntro(sum, sum.coverage, 'coverage', v.series) : []),
    calendar('coverage-calendar', 'Evidence coverage', m.coverage, m.from, m.to, 'c'),
    ...(sum ? worstTable(sum.coverage, 'coverage', (s) => CELL_LABELS[s as CellState]) : []),
    '<h2 id="checks">Check results on every day</h2>',
    legend(checkLegend),
    ...(sum ? summaryIntro(sum, sum.checks, 'checks', sum.checks.seriesCount) : []),
    calendar('check-calendar', 'Check results', m.checks, m.from, m.to, 'k'),
    ...(sum ? worstTable(sum.checks, 'checks', (s) => CHECK_LABELS[s as CheckState]) : []),
    '<h2 id="controls">Conclusions per control</h2>',
    '<table class="data"><thead><tr><th>control</th><th>checks</th><th>snapshots judged (one a day per series, at)</th><th>pass</th><th>fail</th><th>missing</th><th>deviation rate</th><th>conclusion</th><th>workpaper</th></tr></thead><tbody>',
    ...m.controls.map(
      (c) =>
        `<tr><td><strong>${h(c.id)}</strong><br><span class="small">${h(c.name)}</span></td><td>${c.checks.map((x) => `<code>${h(x)}</code>`).join('<br>')}</td>` +
        `<td class="num">${c.total}<br><span class="small">${h(m.snapshotTimes[c.id] ?? 'no snapshot')}</span></td><td class="num">${c.pass}</td><td class="num">${c.fail}</td><td class="num">${c.missing}</td><td class="num">${h(c.deviationRate)}</td>` +
        `<td>${h(c.conclusion)}</td><td><a href="${h(c.workpaper)}">${h(c.workpaper)}</a></td></tr>`,
    ),
    '</tbody></table>',
  );
  if (m.reviews) parts.push(reviewsSectionHtml(m.reviews.cadence, m.reviews.workpapers));
  const exceptions = m.exceptions;
  parts.push('<h2 id="exceptions">Exceptions, aggregated by check, series and cause</h2>');
  if (exceptions.length === 0) parts.push('<p>None: every check passed on every day.</p>');
  else
    parts.push(
      sum && sum.exceptionCount > exceptions.length
        ? `<p class="small">${sum.exceptionCount} exception(s); the ${exceptions.length} with the most days below, worst first, and ${sum.exceptionCount - exceptions.length} more: every check-day that did not pass is a row of <a href="${h(sum.checks.file)}">${h(sum.checks.file)}</a>, and each control's workpaper lists its exceptions. One that bears on several criteria is one row naming each.</p>`
        : `<p class="small">${exceptions.length} exception(s); one that bears on several criteria is one row naming each.</p>`,
      '<table class="data"><thead><tr><th>criteria</th><th>check</th><th>series</th><th>result</th><th>cause</th><th>days</th><th>detail (first day)</th></tr></thead><tbody>',
      ...exceptions.map(
        (e) =>
          `<tr><td>${e.controls.map(h).join(', ')}</td><td><code>${h(e.check)}</code></td><td><code>${h(e.series)}</code></td><td>${h(e.result)}</td><td>${h(e.cause)}</td>` +
          `<td class="num">${e.days.length}/${e.of}</td><td class="small">${h(e.detail)}</td></tr>`,
      ),
      '</tbody></table>',
    );
  parts.push('<h2 id="gaps">Days without present evidence</h2>');
  if (gaps.length === 0) parts.push('<p>None: every expected day of every series has sealed evidence.</p>');
  else parts.push(...runsTable(['series', 'state'], gaps, (g) => CELL_LABELS[g.state]));
  // The check calendar's reasons, in print as on hover.
  const notPassed = runsOf(m.checks, ['pass', 'not-tested']);
  parts.push('<h2 id="check-days">Days a check did not pass, and why</h2>');
  if (notPassed.length === 0) parts.push('<p>None.</p>');
  else parts.push(...runsTable(['check · series', 'result'], notPassed, (g) => g.state));
  parts.push(...excusedSection(m.excused));
  parts.push('<h2 id="integrity">Integrity problems</h2>');
  // Summarized, the first detail rows; every one is a day of coverage-days.csv (state integrity, the problem its reason).
  const problems = sum ? v.problems.slice(0, sum.detailRows) : v.problems;
  if (v.problems.length === 0) parts.push('<p>None.</p>');
  else
    parts.push(
      ...(sum && problems.length < v.problems.length
        ? [
            `<p class="small">${v.problems.length} integrity problem(s): the first ${problems.length} below; every series-day they touch is a row of <a href="${h(sum.coverage.file)}">${h(sum.coverage.file)}</a> with the problem as its reason, and <code>evidence verify --json</code> lists each.</p>`,
          ]
        : []),
      '<table class="data"><thead><tr><th>problem</th><th>key</th><th>detail</th></tr></thead><tbody>',
      ...problems.map(
        (p) =>
          `<tr><td>${h(p.problem)}</td><td><code>${h(p.key)}</code></td><td class="small">${h(p.detail)}</td></tr>`,
      ),
      '</tbody></table>',
    );
  const notes = [...v.notes, ...m.notes];
  if (notes.length)
    parts.push(
      '<h2 id="notes">Notes</h2>',
      `<ul>${notes.map((n) => `<li class="small">${h(n)}</li>`).join('')}</ul>`,
    );
  parts.push('</body></html>', '');
  let first = true;
  for (const part of parts) {
    if (typeof part === 'string') yield first ? part : `\n${part}`;
    else {
      if (!first) yield '\n';
      yield* part;
    }
    first = false;
  }
}

/** What a summarized calendar shows, and where the complete list is. */
function summaryIntro<S extends string>(
  sum: NonNullable<ReportModel['summarized']>,
  cal: CalendarSummary<S>,
  kind: 'coverage' | 'checks',
  series: number,
): string[] {
  const what =
    kind === 'coverage'
      ? ['collector', 'series-day not present and sealed', 'collector × account']
      : ['check', 'check-day that did not pass', 'check × account'];
  return [
    `<p class="small" id="${kind}-summarized">Summarized: ${series} series over ${sum.days} day(s) are more than the ${sum.cellsInFull} series-days this report draws a row each. ` +
      `The first ${cal.totals.length} row(s) are one per ${what[0]} over every series: each day shows the worst state of any series that day, and its title (hover, or the table below in print) how many series were in each state. ` +
      `Then the ${cal.groups.length} worst of the ${cal.groupsWithFindings} ${what[2]} group(s) with a finding (of ${cal.groupCount}), worst first, drawn the same way${cal.groupsWithFindings > cal.groups.length ? `; ${cal.groupsWithFindings - cal.groups.length} more group(s) with findings are not drawn, none worse than the last shown` : ''}. ` +
      `Every ${what[1]} (${cal.rowsInFile}) is a row of <a href="${h(cal.file)}">${h(cal.file)}</a> beside this file: series, day, state and why.</p>`,
  ];
}

/** The worst series of a summarized calendar, worst first, each named with its counts and its first finding. */
function worstTable<S extends string>(
  cal: CalendarSummary<S>,
  kind: 'coverage' | 'checks',
  label: (state: string) => string,
): string[] {
  if (cal.seriesWithFindings === 0)
    return [
      `<p id="${kind}-worst">${kind === 'coverage' ? 'Every expected day of every series has sealed evidence.' : 'Every check passed on every day of every series.'}</p>`,
    ];
  return [
    `<h3 id="${kind}-worst">${kind === 'coverage' ? 'Series with days not present and sealed' : 'Series with check-days that did not pass'}, worst first: ${cal.worst.length} of ${cal.seriesWithFindings}</h3>`,
    `<table class="data" id="${kind}-worst-series"><thead><tr><th>series</th><th>days</th><th>first day</th><th>why</th></tr></thead><tbody>`,
    ...cal.worst.map(
      (w) =>
        `<tr><td><code>${h(w.label)}</code></td><td>${h(
          Object.entries(w.counts)
            .map(([s, n]) => `${n} ${label(s)}`)
            .join(', '),
        )}</td><td>${h(w.first.day)}</td><td class="small">${h(w.first.reason)}</td></tr>`,
    ),
    '</tbody></table>',
    cal.seriesWithFindings > cal.worst.length
      ? `<p class="small">${cal.seriesWithFindings - cal.worst.length} more series with findings, none worse than the last shown: <a href="${h(cal.file)}">${h(cal.file)}</a> lists every day of every one.</p>`
      : '',
  ];
}
