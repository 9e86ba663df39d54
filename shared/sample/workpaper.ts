/**
 * The auditor's workpaper: workpaper.md following the tests.md test-of-effectiveness template
 * (Test design; Sampling strategy; Expected outcome; results; Exceptions), samples.json in the
 * shape docs/sampling.md describes, and the exact commands to re-check each sampled snapshot with standard tools.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AnyCheck } from '../checks/types.js';
import { UsageError } from '../errors.js';
import { hexToBase64 } from '../evidence/canonical.js';
import { daysBetween } from '../evidence/days.js';
import { seriesId } from '../evidence/snapshot.js';
import { writeStream } from '../lines.js';
import { parseS3Url } from '../locker/s3.js';
import {
  fencedLines,
  markdownCell,
  markdownCode,
  markdownText,
  shellArg,
  shellComment,
} from '../text/escape.js';
import { writeJson } from '../text/json.js';
import type { StoredAcknowledgement } from '../verify/acknowledgements.js';
import { formatDays } from '../verify/findings.js';
import { TOOL } from '../version.js';
import { CONTROL_NATURE, controlTitle } from './controls.js';
import { CSV_BOM, csvRow, samplesCsvRows } from './csv.js';
import { type EarlierRun, signatureWords } from './record.js';
import {
  addToTally,
  emptyTally,
  type SampleReport,
  type SampleResult,
  type SampleTally,
  type SampleView,
  viewOf,
} from './run.js';
import { ALGORITHM_TEXT, describePlan, pythonLines } from './select.js';
import { SAMPLE_SIZE_SOURCE, SAMPLE_SIZES } from './sizes.js';

/** The sign-off table every workpaper (sampling, access review) leaves for the preparer and reviewer. */
export const SIGN_OFF: readonly string[] = [
  '## Sign-off',
  '',
  '| role | name | date | signature |',
  '|---|---|---|---|',
  '| Preparer | | | |',
  '| Reviewer | | | |',
  '',
];

export interface WorkpaperInput {
  /** Held in memory, or streamed from a draw in parts (`SampleView`). */
  report: SampleReport | SampleView;
  checks: readonly AnyCheck[];
  /** What is tested: "CC7.2", or the check ids. */
  subject: string;
  /** github.requiredApprovals, to state the CC8.1 design with its number. */
  requiredApprovals?: number;
  /** SHA-256 of the configuration the run used (canonical effective form; records compare it). */
  configSha256?: string;
  /**
   * The configuration as recorded in the locker: the SHA-256 of the file's bytes (what
   * `sha256sum evidence.config.json` prints; null when it came inline) and the effective
   * configuration stored beside it (configs/<sha256>.json).
   */
  configuration?: { fileSha256: string | null; sha256: string; key: string };
  /**
   * Acknowledgements in the locker (`evidence acknowledge`): an exception of a series on days an
   * acknowledgement covers takes its root cause and management response from it.
   */
  acknowledgements?: readonly StoredAcknowledgement[];
  /** The company's controls per criterion (`controls` of the configuration). */
  controls?: Readonly<Record<string, { id: string; description: string; owner: string }>>;
  /** Where the run was recorded in the locker. */
  recordKey?: string;
  /**
   * At organization scale (a report, or `sample --out`, above REPORT_CELLS_IN_FULL series-days): the exceptions summarized by
   * account, worst first, and the Results table and re-check commands cut to the worst `rows`;
   * every exception group is in EXCEPTIONS_FILE beside the workpaper, every sample in samples.csv.
   */
  summarize?: { rows: number };
  /** Earlier recorded runs over an overlapping window. */
  earlier?: readonly EarlierRun[];
  generatedAt: Date;
  seedGenerated: boolean;
  /** The command that reproduces this sample. */
  rerun: string;
}

/**
 * samples.json / `sample --json`: the shape docs/sampling.md describes, plus fields an auditor
 * needs. `samples` and `series` are iterables, read once as written (text/json.ts `writeJson`
 * with those two streamed): the document is never one string.
 */
export function samplesJson(input: SampleReport | SampleView) {
  const report = viewOf(input);
  const rows = report.rows;
  return {
    seed: report.seed,
    checks: report.checks,
    from: report.from,
    to: report.to,
    plan: report.plan,
    locker: report.locker,
    samples: mapIterable(rows.samples, (s) => ({
      check: s.check,
      collector: s.collector,
      scope: s.scope,
      day: s.day,
      key: s.key,
      sha256: s.sha256,
      result: s.result,
      detail: s.detail,
      failing: s.failing,
      versionId: s.versionId,
      snapshotStatus: s.snapshotStatus,
      integrity: s.integrity,
      digestKey: s.digestKey,
      lockMode: s.lockMode,
      retainUntil: s.retainUntil,
      snapshotsThatDay: s.snapshotsThatDay,
      stratum: s.stratum,
      rank: s.rank,
    })),
    summary: rows.summary,
    series: mapIterable(rows.series, ({ tally: _t, ...s }) => s),
    chain: report.chain,
    notes: report.notes,
  };
}

/** The fields of samplesJson that are streamed (writeJson). */
export const SAMPLES_JSON_STREAMED = ['samples', 'series'] as const;

/**
 * A lazy map of a (re-)iterable: each iteration maps again. JSON.stringify sees an array (the
 * whole of it, held for the call: writeJson streams it instead).
 */
export function mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Iterable<U> & { toJSON(): U[] } {
  return {
    *[Symbol.iterator]() {
      for (const item of items) yield f(item);
    },
    toJSON() {
      return Array.from(items, f);
    },
  };
}

export function summarize(samples: Iterable<SampleResult>): SampleTally {
  const t = emptyTally();
  for (const s of samples) addToTally(t, s.result);
  return t;
}

/**
 * The "Earlier sample runs" section (day and population workpapers alike): every recorded run
 * over an overlapping window, with its signature as judged against the trusted keys.
 */
export function earlierRunsMarkdown(earlier: readonly EarlierRun[]): string[] {
  const lines = ['## Earlier sample runs over this period', ''];
  if (earlier.length === 0) return [...lines, 'None recorded in the locker before this run.', ''];
  return [
    ...lines,
    'Every sample run is recorded in the locker; a seed chosen after seeing earlier results shows here.',
    '',
    '| ran at | period | seed | plan | result | record |',
    '|---|---|---|---|---|---|',
    ...earlier.map(
      (e) =>
        `| ${e.ranAt} | ${e.from} to ${e.to} | ${cell(e.seed ?? null)} | ${cell(e.plan ? describePlan(e.plan) : e.population ? `population ${e.population}` : null)} | ${e.summary ? `${e.summary.pass}/${e.summary.total} pass` : 'unreadable'} | ${markdownCode(e.key, { inTable: true })}${e.signature === 'valid' ? '' : ` (**${cell(signatureWords(e.signature))}**)`} |`,
    ),
    '',
  ];
}

/** A table cell from data: inert text (see shared/text/escape.ts); empty shows as "—". */
function cell(text: string | number | null): string {
  return markdownCell(text);
}

/** Text from checks, sources and the locker, made inert in Markdown: no link, image, HTML, heading; one line. */
function prose(text: string): string {
  return markdownText(text);
}

function code(text: string): string {
  return markdownCode(text);
}

/** Single-quote for a POSIX shell. */
export function shellQuote(text: string): string {
  return shellArg(text);
}

/** The commands that re-check one sampled snapshot with standard tools. */
export function recheckCommands(report: Pick<SampleReport, 'locker'>, s: SampleResult): string[] {
  if (!s.key || !s.sha256) return [];
  if (report.locker.kind === 's3') {
    const { bucket, prefix } = parseS3Url(report.locker.url);
    const key = shellQuote(`${prefix}${s.key}`);
    const version = s.versionId ? ` --version-id ${shellQuote(s.versionId)}` : '';
    const lines = [
      `# ${shellComment(`${s.check} ${seriesId(s.collector, s.scope)} ${s.day}`)}: expect ObjectLockMode COMPLIANCE, a retain-until date in the future, ChecksumSHA256 ${hexToBase64(s.sha256)}`,
      `aws s3api head-object --bucket ${shellQuote(bucket)} --key ${key}${version} --checksum-mode ENABLED --query '{ObjectLockMode:ObjectLockMode,ObjectLockRetainUntilDate:ObjectLockRetainUntilDate,ChecksumSHA256:ChecksumSHA256,VersionId:VersionId}'`,
      `aws s3api get-object --bucket ${shellQuote(bucket)} --key ${key}${version} sample.json > /dev/null && sha256sum sample.json   # expect ${s.sha256}`,
    ];
    const get = (key: string, file: string) =>
      `aws s3api get-object --bucket ${shellQuote(bucket)} --key ${shellQuote(`${prefix}${key}`)} ${file} > /dev/null`;
    if (s.digestKey && s.leafKey) {
      lines.push(
        `${get(s.leafKey, 'leaf.json')} && grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} leaf.json   # the entry shows "sha256":"${s.sha256}"`,
        `${get(`${s.leafKey}.sig`, 'leaf.json.sig')} && sha256sum leaf.json   # the SHA-256 its root lists next to its key`,
        `${get(s.digestKey, 'root.json')} && grep -o ${shellQuote(`"key":"${s.leafKey}","sha256":"[0-9a-f]*"`)} root.json`,
        `${get(`${s.digestKey}.sig`, 'root.json.sig')} && openssl dgst -sha256 -verify "$PUBLIC_KEY" -signature root.json.sig root.json   # Verified OK; PUBLIC_KEY: the key whose fingerprint you registered`,
      );
    } else if (s.digestKey) {
      lines.push(
        `${get(s.digestKey, 'digest.json')} && grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} digest.json   # the entry shows "sha256":"${s.sha256}"`,
      );
    }
    return lines;
  }
  const lines = [
    `# ${shellComment(`${s.check} ${seriesId(s.collector, s.scope)} ${s.day}`)}`,
    `sha256sum ${shellQuote(s.key)}   # expect ${s.sha256}`,
  ];
  if (s.digestKey && s.leafKey) {
    // The form that scales: the snapshot is in its leaf, the leaf in the signed root.
    lines.push(
      `grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} ${shellQuote(s.leafKey)}   # the entry shows "sha256":"${s.sha256}"`,
      `sha256sum ${shellQuote(s.leafKey)}; grep -o ${shellQuote(`"key":"${s.leafKey}","sha256":"[0-9a-f]*"`)} ${shellQuote(s.digestKey)}   # the same SHA-256`,
      `openssl dgst -sha256 -verify "$PUBLIC_KEY" -signature ${shellQuote(`${s.digestKey}.sig`)} ${shellQuote(s.digestKey)}   # Verified OK; PUBLIC_KEY: the key whose fingerprint you registered (keys/<fingerprint>.pem)`,
    );
  } else if (s.digestKey) {
    const digest = s.digestKey;
    lines.push(
      `grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} ${shellQuote(digest)}   # the entry shows "sha256":"${s.sha256}"`,
    );
  }
  return lines;
}

/** Deviation rate in percent with one decimal: (fail + missing) / total. */
export function deviationRate(samples: Iterable<SampleResult> | SampleTally): string {
  const t = 'total' in samples ? samples : summarize(samples);
  if (t.total === 0) return 'n/a';
  return `${((100 * (t.fail + t.missing)) / t.total).toFixed(1)}%`;
}

/** One exception cause: what a person would group by (the failing items, or why it is missing). */
export function causeOf(s: SampleResult): string {
  if (s.integrity && s.integrity !== 'sealed') return `integrity: ${s.integrity}`;
  if (s.result === 'missing')
    return s.snapshotsThatDay > 0
      ? 'missing: only failed collections that day'
      : 'missing: no snapshot that day';
  if (s.failing.length) return `failing: ${[...s.failing].sort().join(', ')}`;
  return `fail: ${s.detail}`;
}

export interface ExceptionGroup {
  check: string;
  series: string;
  result: string;
  cause: string;
  days: string[];
  /** Samples of that check and series. */
  of: number;
  detail: string;
}

/**
 * Exceptions aggregated by check, series and cause ("eu-west-1 disabled 60/60" is one row).
 * Two passes over `samples` (an array, or a draw's rows read again): only the exceptions are held.
 */
export function groupExceptions(samples: Iterable<SampleResult>): ExceptionGroup[] {
  const groups = new Map<string, ExceptionGroup>();
  const seriesOf = (s: SampleResult) => `${s.check}\u0000${s.collector}\u0000${s.scope}`;
  const counts = new Map<string, number>();
  for (const s of samples) {
    if (s.result === 'pass' || s.result === 'not-applicable') continue;
    const series = seriesId(s.collector, s.scope);
    const cause = causeOf(s);
    const id = `${s.check}\u0000${series}\u0000${cause}`;
    const g = groups.get(id) ?? {
      check: s.check,
      series,
      result: s.result,
      cause,
      days: [],
      of: 0,
      detail: s.detail,
    };
    g.days.push(s.day);
    groups.set(id, g);
    counts.set(seriesOf(s), 0);
  }
  if (groups.size === 0) return [];
  for (const s of samples) {
    const n = counts.get(seriesOf(s));
    if (n !== undefined) counts.set(seriesOf(s), n + 1);
  }
  for (const g of groups.values()) {
    const slash = g.series.indexOf('/');
    g.of = counts.get(`${g.check}\u0000${g.series.slice(0, slash)}\u0000${g.series.slice(slash + 1)}`) ?? 0;
  }
  return [...groups.values()].sort((a, b) =>
    a.check !== b.check
      ? a.check < b.check
        ? -1
        : 1
      : a.series !== b.series
        ? a.series < b.series
          ? -1
          : 1
        : b.days.length - a.days.length,
  );
}

/** Every exception group with its evaluation, beside a summarized workpaper (the complete list). */
export const EXCEPTIONS_FILE = 'exceptions.csv';

/** The account of an AWS scope (`aws-<account>[-<region>]`), else the scope itself (as verify's text report). */
export function accountOf(scope: string): string {
  const m = /^aws-(\d{12})(?:-|$)/.exec(scope);
  return m ? `aws-${m[1]}` : scope;
}

export interface AccountExceptions {
  check: string;
  collector: string;
  account: string;
  /** Exception groups (series × cause) and distinct series with an exception. */
  groups: number;
  series: number;
  /** Sampled days that are exceptions, fail and missing. */
  fail: number;
  missing: number;
  /** The causes, most days first. */
  causes: { cause: string; days: number }[];
}

/** Exception groups summed by check, collector and account, worst first (most exception days, then name). */
export function exceptionsByAccount(groups: readonly ExceptionGroup[]): AccountExceptions[] {
  const out = new Map<
    string,
    AccountExceptions & { seriesSet: Set<string>; causeDays: Map<string, number> }
  >();
  for (const g of groups) {
    const slash = g.series.indexOf('/');
    const collector = g.series.slice(0, slash);
    const account = accountOf(g.series.slice(slash + 1));
    const id = `${g.check}\u0000${collector}\u0000${account}`;
    const a = out.get(id) ?? {
      check: g.check,
      collector,
      account,
      groups: 0,
      series: 0,
      fail: 0,
      missing: 0,
      causes: [],
      seriesSet: new Set<string>(),
      causeDays: new Map<string, number>(),
    };
    a.groups++;
    a.seriesSet.add(g.series);
    if (g.result === 'missing') a.missing += g.days.length;
    else a.fail += g.days.length;
    a.causeDays.set(g.cause, (a.causeDays.get(g.cause) ?? 0) + g.days.length);
    out.set(id, a);
  }
  const days = (a: AccountExceptions) => a.fail + a.missing;
  return [...out.values()]
    .map(({ seriesSet, causeDays, ...a }) => ({
      ...a,
      series: seriesSet.size,
      causes: [...causeDays]
        .map(([cause, d]) => ({ cause, days: d }))
        .sort((x, y) => y.days - x.days || (x.cause < y.cause ? -1 : x.cause > y.cause ? 1 : 0)),
    }))
    .sort((x, y) => {
      if (days(y) !== days(x)) return days(y) - days(x);
      const kx = `${x.check}\u0000${x.collector}\u0000${x.account}`;
      const ky = `${y.check}\u0000${y.collector}\u0000${y.account}`;
      return kx < ky ? -1 : kx > ky ? 1 : 0;
    });
}

/** EXCEPTIONS_FILE row by row: every exception group, its days and its evaluation. */
export function* exceptionsCsvRows(
  groups: readonly ExceptionGroup[],
  acknowledgements: readonly StoredAcknowledgement[],
): Generator<string> {
  yield CSV_BOM +
    csvRow([
      'check',
      'series',
      'account',
      'result',
      'cause',
      'exception days',
      'of samples',
      'days',
      'detail (first day)',
      'duration',
      'root cause',
      'compensating control',
      'management response',
    ]);
  for (const g of groups) {
    const e = evaluateException(g, acknowledgements);
    yield csvRow([
      g.check,
      g.series,
      accountOf(g.series.slice(g.series.indexOf('/') + 1)),
      g.result,
      g.cause,
      g.days.length,
      g.of,
      [...g.days].sort().join(' '),
      g.detail,
      e.duration,
      e.rootCause,
      e.compensating,
      e.response,
    ]);
  }
}

function sizeRationale(report: SampleView, series: number): string[] {
  const plan = report.plan;
  const days = daysBetween(report.from, report.to).length;
  const perSeries = (report.rows.summary.total / Math.max(1, series)).toFixed(0);
  const daily = SAMPLE_SIZES.find((r) => r.frequency === 'daily');
  const dailyRange = daily ? `${daily.range[0]}–${daily.range[1]}` : '25–60';
  switch (plan.kind) {
    case 'all':
      return [
        `- Sample size: the whole population (${days} day(s) per series, 100%). No sampling risk: every day is judged. ` +
          'Re-performing a day costs about one request, so testing every day is cheaper than arguing about a sample size.',
      ];
    case 'per-month':
      return [
        `- Sample size: ${plan.n} random day(s) per calendar month per series (${perSeries} per series over the window), the cadence of ` +
          'the test-of-effectiveness template of the source documents ("3 random days per month"). The controls tested operate ' +
          `continuously and are evidenced daily; for a daily control the usual guidance is ${dailyRange} samples over a period ` +
          `of a year (${SAMPLE_SIZE_SOURCE}). ${Number(perSeries) >= (daily?.range[0] ?? 25) ? 'This sample is within or above that range.' : 'This sample is below that range: agree it with the auditor, or use --frequency daily or --all.'}`,
      ];
    case 'size':
      return [
        `- Sample size: ${plan.n} day(s) per series over the window, as given with --size (agreed with the auditor). ` +
          `For comparison, the guidance for a daily control is ${dailyRange} over a year (${SAMPLE_SIZE_SOURCE}).`,
      ];
    case 'frequency':
      return [
        `- Sample size: ${plan.n} for a ${plan.frequency} control, the upper end of the guidance (${SAMPLE_SIZE_SOURCE}).`,
        `    Table used: ${SAMPLE_SIZES.map((r) => `${r.frequency} ${r.size} (guidance ${r.range[0] === r.range[1] ? r.range[0] : `${r.range[0]}–${r.range[1]}`})`).join('; ')}.`,
      ];
  }
}

/** The words that mark a field the locker cannot fill: never a blank cell. */
export const TO_COMPLETE = 'To be completed by the preparer';

/** One exception, evaluated: how long, why, what else covered it, what management says. */
export function evaluateException(
  g: ExceptionGroup,
  acknowledgements: readonly StoredAcknowledgement[],
): { duration: string; rootCause: string; compensating: string; response: string } {
  const days = [...g.days].sort();
  const first = days[0]!;
  const last = days[days.length - 1]!;
  const span = daysBetween(first, last).length;
  const duration =
    days.length === 1
      ? `${first}: 1 sampled day`
      : `${first} to ${last}: ${days.length} sampled day(s) over ${span} calendar day(s)`;
  const [collector, scope] = [
    g.series.slice(0, g.series.indexOf('/')),
    g.series.slice(g.series.indexOf('/') + 1),
  ];
  const ack = acknowledgements.find(
    (a) =>
      a.collector === collector && a.scope === scope && days.every((d) => d >= a.day && d <= (a.to ?? a.day)),
  );
  if (ack)
    return {
      duration,
      rootCause: ack.reason,
      compensating: `${TO_COMPLETE} (the acknowledgement names none)`,
      response: `acknowledged by ${ack.by} at ${ack.acknowledgedAt} (${ack.key})`,
    };
  return {
    duration,
    rootCause: `${TO_COMPLETE} (observed: ${g.cause})`,
    compensating: TO_COMPLETE,
    response: `${TO_COMPLETE}: no acknowledgement of these days is recorded in the locker`,
  };
}

/**
 * The workpaper's reference: control (or subject), period and the run's number among the recorded
 * runs over the same control and period (a report's run covers every control). The earlier ones
 * are superseded by this one: one workpaper of record per control and period.
 */
export function workpaperReference(input: Pick<WorkpaperInput, 'report' | 'subject' | 'earlier'>): {
  id: string;
  supersedes: EarlierRun[];
} {
  const { report, subject } = input;
  const supersedes = (input.earlier ?? []).filter(
    (e) =>
      e.from === report.from &&
      e.to === report.to &&
      (e.subject === subject || (e.subject?.startsWith('report') ?? false)),
  );
  return { id: `WP ${subject} ${report.from}..${report.to} #${supersedes.length + 1}`, supersedes };
}

/** Per check id: its series, its samples, and whether any sample had a snapshot to judge. */
function checkCounts(report: SampleView): Map<string, { series: number; samples: number; judged: boolean }> {
  const counts = new Map<string, { series: number; samples: number; judged: boolean }>();
  for (const s of report.rows.series) {
    const c = counts.get(s.check) ?? { series: 0, samples: 0, judged: false };
    c.series++;
    c.samples += s.tally.total;
    if (s.tally.total > s.tally.missing) c.judged = true;
    counts.set(s.check, c);
  }
  return counts;
}

/** A check is re-performed when at least one of its samples had a snapshot to judge; the rest are not tested, with why. */
export function testedChecks(
  input: SampleReport | SampleView,
  checks: readonly AnyCheck[],
): { tested: AnyCheck[]; untested: { check: AnyCheck; why: string }[] } {
  const counts = checkCounts(viewOf(input));
  const tested: AnyCheck[] = [];
  const untested: { check: AnyCheck; why: string }[] = [];
  for (const check of checks) {
    const c = counts.get(check.id) ?? { series: 0, samples: 0, judged: false };
    if (c.judged) tested.push(check);
    else if (c.series === 0)
      untested.push({
        check,
        why: `no series of collector ${check.collector} in the configuration or the locker: nothing was collected`,
      });
    else
      untested.push({
        check,
        why: `no usable snapshot of ${check.collector} on any of the ${c.samples} sampled day(s) of ${c.series} series: nothing to re-perform`,
      });
  }
  return { tested, untested };
}

/** The control rows: the company's control (configuration `controls`) or the criterion's text, said so. */
function controlRows(criteria: readonly string[], input: WorkpaperInput): string[] {
  if (criteria.length === 0) return [`| Control | ${cell(input.subject)} |`];
  return criteria.flatMap((criterion) => {
    const own = input.controls?.[criterion];
    if (!own)
      return [
        `| Control (${cell(criterion)}) | ${cell(controlTitle(criterion))}. The criterion's text: no company control is configured for ${cell(criterion)} (\`controls\` in the configuration); the preparer names it |`,
      ];
    return [
      `| Control (${cell(criterion)}) | ${cell(own.id)}: ${cell(own.description)} (criterion ${cell(controlTitle(criterion))}) |`,
      `| Control owner | ${cell(own.owner)} |`,
    ];
  });
}

/** The configuration rows: the file's SHA-256 (as sha256sum prints it) and the effective configuration stored beside it. */
function configurationRows(input: WorkpaperInput): string[] {
  const c = input.configuration;
  if (!c)
    return input.configSha256
      ? [
          `| Configuration SHA-256 (effective, canonical JSON) | ${markdownCode(input.configSha256, { inTable: true })} |`,
        ]
      : [];
  return [
    c.fileSha256
      ? `| Configuration file SHA-256 | ${markdownCode(c.fileSha256, { inTable: true })} (\`sha256sum\` of the file CONFIG) |`
      : '| Configuration file SHA-256 | none: the configuration came inline (EVIDENCE_CONFIG_JSON) |',
    `| Effective configuration | ${markdownCode(c.key, { inTable: true })} in the locker (defaults applied; SHA-256 of its canonical bytes ${markdownCode(c.sha256, { inTable: true })}) |`,
  ];
}

export function workpaperMarkdown(input: WorkpaperInput): string {
  return [...workpaperLines(input)].join('\n');
}

/**
 * The workpaper line by line: what grows with the sample (the per-series tables, the results,
 * the re-check commands) is read from the report's rows as it is written, never held; what is
 * held is the exceptions (grouped) and a count per check.
 */
export function* workpaperLines(input: WorkpaperInput): Generator<string> {
  const { checks } = input;
  const report = viewOf(input.report);
  const rows = report.rows;
  const summary = rows.summary;
  const groups = groupExceptions(rows.samples);
  const controls = [...new Set(checks.flatMap((c) => c.controls))].sort();
  const days = daysBetween(report.from, report.to).length;
  const counts = checkCounts(report);
  const describe = (c: AnyCheck) =>
    c.id === 'github-branch-protection' && input.requiredApprovals !== undefined
      ? c.description.replace(/\bN approvals\b/, `${input.requiredApprovals} approval(s)`)
      : c.description;
  const { tested, untested } = testedChecks(report, checks);
  const reference = workpaperReference({ ...input, report });
  const effective = summary.total > 0 && summary.pass === summary.total && untested.length === 0;
  const title = controls.length === 1 ? controlTitle(controls[0]!) : input.subject;
  // Summarized: the first exception samples only (at most `cap`, read from the rows once more).
  const cap = input.summarize?.rows;
  const shown = cap === undefined ? undefined : firstExceptions(rows.samples, cap);
  const shownSamples: Iterable<SampleResult> = shown ?? rows.samples;

  yield* [
    `# Test of effectiveness — ${title}`,
    '',
    '| | |',
    '|---|---|',
    ...controlRows(controls, input),
    `| Nature of the control | ${CONTROL_NATURE} |`,
    `| Checks re-performed | ${tested.map((c) => `${markdownCode(c.id, { inTable: true })}: ${cell(describe(c))}`).join('<br>') || 'none (see Not tested)'} |`,
    ...(untested.length
      ? [
          `| Not tested | ${untested.map((u) => `${markdownCode(u.check.id, { inTable: true })}: ${cell(u.why)}`).join('<br>')} |`,
        ]
      : []),
    `| Workpaper reference | ${cell(reference.id)}${reference.supersedes.length ? ` (supersedes ${reference.supersedes.map((e) => markdownCode(e.key, { inTable: true })).join(', ')}: this run is the workpaper of record for this control and period)` : ' (the first run for this control and period: the workpaper of record until a later run supersedes it)'} |`,
    `| Period tested | ${report.from} to ${report.to} (${days} day(s)) |`,
    `| Locker | ${markdownCode(report.locker.url, { inTable: true })} (${report.locker.worm ? 'S3 with Object Lock' : 'a directory: integrity rests on the digests'}) |`,
    `| Prepared | ${input.generatedAt.toISOString()} by ${TOOL.name} ${TOOL.version} |`,
    ...(input.recordKey
      ? [
          `| Run recorded in the locker | ${markdownCode(input.recordKey, { inTable: true })} (write-once, signed) |`,
        ]
      : []),
    ...configurationRows(input),
    '',
    '## Conclusion',
    '',
    effective
      ? `**Operating effectively** over the period tested: ${summary.pass} of ${summary.total} samples pass; deviation rate 0.0%; no exception.`
      : summary.total === 0
        ? '**No conclusion**: nothing could be sampled (no series in the configuration or the locker). Not judged is not a pass.'
        : `**Exceptions noted**: ${summary.fail} fail and ${summary.missing} missing of ${summary.total} samples; deviation rate ${deviationRate(summary)} ` +
          `(the tolerable rate for an automated control is 0). ${groups.length} distinct exception(s), aggregated under Exceptions. ` +
          'The control is not shown to operate effectively over the whole period; assess each exception and its cause.',
    '',
    '| check | series | samples | pass | fail | missing | deviation rate |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const s of rows.series) {
    const sum = s.tally;
    yield `| ${cell(s.check)} | ${cell(seriesId(s.collector, s.scope))} | ${sum.total} | ${sum.pass} | ${sum.fail} | ${sum.missing} | ${deviationRate(sum)} |`;
  }
  yield* [
    '',
    ...SIGN_OFF,
    '## Population',
    '',
    'One population per check: the daily snapshots of the series of its collector over the period (one per series per day). ' +
      'A series is one collector over one account and region, the Okta org or the GitHub org; the configuration names them, and ' +
      'series found in the locker over the period are added (listed under Sampling strategy).',
    '',
    '| check | collector | population (daily snapshots) | derived |',
    '|---|---|---|---|',
    ...checks.map((c) => {
      const n = counts.get(c.id)?.series ?? 0;
      return `| ${cell(c.id)} | ${cell(c.collector)} | ${days * n} | ${days} day(s) × ${n} series of ${cell(c.collector)} |`;
    }),
    '',
    '## Test design',
    '',
    'For each sampled day of each series:',
    '',
    "1. Take the series' snapshot of that day: the latest with status `ok`, else the latest `partial`. A day with no usable snapshot is `missing`, never a pass.",
    '2. Prove it is the evidence that was sealed: the SHA-256 of its bytes (and its S3 version id) equals what a digest recorded, and that digest holds its place in the digest chain. A snapshot that is altered, deleted, or not sealed fails.',
    '3. Re-perform the check on it (pure code over the stored snapshot; no call to the source):',
    ...tested.map(
      (c) =>
        `    - ${code(c.id)} (${c.controls.join(', ')}, collector ${code(c.collector)}): ${prose(describe(c))}`,
    ),
    '4. Record the attribute observed (column *observed*) and `pass`, `fail` (the failing items named) or `missing`.',
    '',
    '## Sampling strategy',
    '',
    `- Seed: ${code(report.seed)}, ${input.seedGenerated ? 'generated by the tool for this run (printed, so the same sample can be drawn again)' : 'chosen by whoever ran the command (agree it with the auditor before running)'}.`,
    `- Plan: ${prose(describePlan(report.plan))}.`,
    ...sizeRationale(report, rows.seriesCount),
    '- Algorithm (seeded, reproducible by hand):',
    ...ALGORITHM_TEXT.map((t, i) => `    ${i + 1}. ${prose(t)}`),
    '- Re-run (draws the same samples; the configuration names the series, and a re-run under a configuration other than the one recorded is refused unless the change is accepted). ' +
      `Set LOCKER to the locker (${code(report.locker.url)} here; a directory locker wherever its copy is) and CONFIG to the configuration file whose SHA-256 is shown above:`,
    '',
    ...fencedLines('shell', [input.rerun]),
    '',
    '- The same selection recomputed with Python 3 and its standard library only:',
    '',
  ];
  const python = {
    seed: report.seed,
    targets: mapIterable(rows.series, (s) => [s.check, seriesId(s.collector, s.scope)] as const),
    from: report.from,
    to: report.to,
    plan: report.plan,
  };
  yield* fencedLines('python', { [Symbol.iterator]: () => pythonLines(python) });
  yield* [
    '',
    'Series sampled (from the configuration, from the locker, or both):',
    '',
    '| check | series | from | samples |',
    '|---|---|---|---|',
  ];
  for (const s of rows.series)
    yield `| ${cell(s.check)} | ${cell(seriesId(s.collector, s.scope))} | ${s.origin} | ${s.tally.total} |`;
  yield* [
    '',
    '## Expected outcome',
    '',
    '100% of sampled days pass: each sampled snapshot is present, sealed and unaltered, and the check passes on it. ' +
      'Any `fail` or `missing` sample is an exception.',
    '',
    '## Results',
    '',
    `${summary.total} samples: ${summary.pass} pass, ${summary.fail} fail, ${summary.missing} missing. ` +
      `Digest chain: ${report.chain.digests} digest(s), ${report.chain.problems.length} problem(s). ` +
      'Snapshot keys are relative to the locker.',
    '',
    ...(cap === undefined
      ? []
      : [
          `Summarized at organization scale: the table shows the first ${cap} exception sample(s) (fail or missing) in the order drawn, ${shown!.length} here; all ${summary.total} samples, each with its snapshot key, version id and SHA-256, are in samples.csv beside this workpaper (its SHA-256 is in the signed run record).`,
          '',
        ]),
    '| # | day | check | series | observed | result | snapshot key | version id | SHA-256 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  let i = 0;
  for (const s of shownSamples)
    yield `| ${++i} | ${s.day} | ${cell(s.check)} | ${cell(seriesId(s.collector, s.scope))} | ${cell(s.detail)} | **${s.result}** | ${cell(s.key)} | ${cell(s.versionId)} | ${cell(s.sha256)} |`;
  yield* ['', '## Exceptions', ''];
  if (groups.length === 0) yield* ['None: every sampled day passed.', ''];
  else if (cap !== undefined) yield* summarizedExceptions(groups, cap, input.acknowledgements ?? []);
  else {
    yield* [
      'Aggregated by check, series and cause; each sampled day is in the Results table.',
      '',
      '| check | series | result | cause | days | of samples | detail (first day) |',
      '|---|---|---|---|---|---|---|',
      ...groups.map(
        (g) =>
          `| ${cell(g.check)} | ${cell(g.series)} | **${g.result}** | ${cell(g.cause)} | ${cell(formatDays(g.days, 8))} | ${g.days.length}/${g.of} | ${cell(g.detail)} |`,
      ),
      '',
      '### Evaluation of each exception',
      '',
      `Weighed against the tolerable deviation rate of an automated control, 0%: each exception below stands until its root cause, duration, compensating control and management response are recorded and the reviewer accepts them. ${TO_COMPLETE} marks what the locker does not hold and the preparer must fill in; an acknowledgement recorded in the locker (\`evidence acknowledge\`) for the series and days supplies the root cause and response.`,
      '',
      '| # | check | series | duration | root cause | compensating control | management response |',
      '|---|---|---|---|---|---|---|',
      ...groups.map((g, i) => {
        const e = evaluateException(g, input.acknowledgements ?? []);
        return `| E${i + 1} | ${cell(g.check)} | ${cell(g.series)} | ${cell(e.duration)} | ${cell(e.rootCause)} | ${cell(e.compensating)} | ${cell(e.response)} |`;
      }),
      '',
    ];
  }
  yield* earlierRunsMarkdown(input.earlier ?? []);
  if (report.notes.length) {
    yield* ['## Notes', '', ...report.notes.map((n) => `- ${prose(n)}`), ''];
  }
  yield* [
    '## How to re-check a sampled snapshot',
    '',
    report.locker.kind === 's3'
      ? 'With the AWS CLI and coreutils: `head-object` shows the Object Lock mode, the retain-until date and the checksum S3 computed on upload ' +
        '(base64 of the SHA-256); `get-object` then `sha256sum` recomputes the SHA-256 from the bytes; the digest shows what was sealed.'
      : `With coreutils and grep, from the locker directory (set LOCKER to it: ${code(report.locker.url)} when this was prepared, wherever its copy is now; keys are relative to it): \`sha256sum\` recomputes the SHA-256 of the stored file; the digest shows what was sealed. ` +
        'A directory locker is not write-once: its integrity rests on the digest chain (`npx evidence verify`).',
    '',
  ];
  yield* fencedLines('sh', {
    *[Symbol.iterator]() {
      if (report.locker.kind === 'directory') yield 'cd "$LOCKER"';
      for (const s of shownSamples) yield* recheckCommands(report, s);
    },
  });
  if (cap !== undefined)
    yield* [
      '',
      `The commands above re-check the ${shown!.length} sample(s) of the Results table; any other sample is re-checked the same way from its row of samples.csv (snapshot key, version id, SHA-256 and digest).`,
    ];
  yield '';
}

/** The first `max` samples that are exceptions (fail or missing), in the order drawn. */
function firstExceptions(samples: Iterable<SampleResult>, max: number): SampleResult[] {
  const out: SampleResult[] = [];
  if (max < 1) return out;
  for (const s of samples) {
    if (s.result !== 'fail' && s.result !== 'missing') continue;
    out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * The Exceptions section of a summarized workpaper: by check, collector and account, worst first,
 * the worst `cap` rows and a count of the rest; the worst `cap` groups evaluated. Every group, with
 * its days and its evaluation, is in EXCEPTIONS_FILE: nothing is dropped, only not repeated here.
 */
function summarizedExceptions(
  groups: readonly ExceptionGroup[],
  cap: number,
  acknowledgements: readonly StoredAcknowledgement[],
): string[] {
  const accounts = exceptionsByAccount(groups);
  const worstGroups = [...groups].sort((a, b) => b.days.length - a.days.length).slice(0, cap);
  const more = (n: number, what: string) =>
    n > 0 ? [`${n} more ${what}: every exception group is in ${EXCEPTIONS_FILE}.`, ''] : [];
  return [
    `Summarized at organization scale: ${groups.length} exception group(s) (check, series and cause) in ${accounts.length} check × collector × account row(s), worst first (most exception days); the first ${Math.min(cap, accounts.length)} shown. Every group, with its days and its evaluation, is in ${EXCEPTIONS_FILE} beside this workpaper (its SHA-256 is in the signed run record).`,
    '',
    '| check | collector | account | series | groups | fail | missing | causes (days) |',
    '|---|---|---|---|---|---|---|---|',
    ...accounts.slice(0, cap).map(
      (a) =>
        `| ${cell(a.check)} | ${cell(a.collector)} | ${cell(a.account)} | ${a.series} | ${a.groups} | ${a.fail} | ${a.missing} | ${cell(
          a.causes
            .slice(0, 3)
            .map((c) => `${c.cause} (${c.days})`)
            .join('; ') + (a.causes.length > 3 ? `; ${a.causes.length - 3} more` : ''),
        )} |`,
    ),
    '',
    ...more(accounts.length - cap, 'check × collector × account row(s)'),
    '### Evaluation of each exception',
    '',
    `The ${worstGroups.length} exception group(s) with the most days, worst first; ${EXCEPTIONS_FILE} holds the same columns for every group. ${TO_COMPLETE} marks what the locker does not hold and the preparer must fill in; an acknowledgement recorded in the locker (\`evidence acknowledge\`) for the series and days supplies the root cause and response.`,
    '',
    '| # | check | series | days | duration | root cause | compensating control | management response |',
    '|---|---|---|---|---|---|---|---|',
    ...worstGroups.map((g, i) => {
      const e = evaluateException(g, acknowledgements);
      return `| E${i + 1} | ${cell(g.check)} | ${cell(g.series)} | ${g.days.length}/${g.of} | ${cell(e.duration)} | ${cell(e.rootCause)} | ${cell(e.compensating)} | ${cell(e.response)} |`;
    }),
    '',
    ...more(groups.length - worstGroups.length, 'exception group(s)'),
  ];
}

export interface WrittenWorkpaper {
  dir: string;
  markdown: string;
  csv: string;
  json: string;
  /** Summarized: every exception group (EXCEPTIONS_FILE). */
  exceptions?: string;
}

/** Refuse an --out directory that already holds a workpaper: a workpaper is never overwritten. */
export async function assertNoWorkpaper(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  // The directory, or the nearest part of its path that exists, must be a directory: a file in
  // the way is a usage error now, not an ENOTDIR after the whole sample has run.
  for (let p = abs; ; p = path.dirname(p)) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory())
        throw new UsageError(
          `--out ${dir}: ${p} is a file, not a directory; name a directory for workpaper.md, samples.csv and samples.json`,
        );
      break;
    }
    if (path.dirname(p) === p) break;
  }
  for (const name of ['workpaper.md', 'samples.csv', 'samples.json', EXCEPTIONS_FILE]) {
    if (existsSync(path.join(abs, name)))
      throw new UsageError(
        `--out ${dir} already holds ${name}: a workpaper is never overwritten (every run is recorded in the locker); name a new directory`,
      );
  }
}

/**
 * Write workpaper.md, samples.csv and samples.json into `dir` (created if needed; never over
 * existing files), each piece by piece: a workpaper of a million samples is never one string.
 */
export async function writeWorkpaper(dir: string, input: WorkpaperInput): Promise<WrittenWorkpaper> {
  const abs = path.resolve(dir);
  await assertNoWorkpaper(abs);
  await mkdir(abs, { recursive: true });
  const files = {
    markdown: path.join(abs, 'workpaper.md'),
    csv: path.join(abs, 'samples.csv'),
    json: path.join(abs, 'samples.json'),
  };
  writeStream(files.markdown, (write) => {
    let first = true;
    for (const line of workpaperLines(input)) {
      write(first ? line : `\n${line}`);
      first = false;
    }
  });
  writeStream(files.csv, (write) => {
    for (const row of samplesCsvRows(viewOf(input.report).rows.samples)) write(row);
  });
  writeStream(files.json, (write) => writeJson(write, samplesJson(input.report), SAMPLES_JSON_STREAMED));
  if (input.summarize) {
    const groups = groupExceptions(viewOf(input.report).rows.samples);
    writeStream(path.join(abs, EXCEPTIONS_FILE), (write) => {
      for (const row of exceptionsCsvRows(groups, input.acknowledgements ?? [])) write(row);
    });
    return { dir: abs, ...files, exceptions: path.join(abs, EXCEPTIONS_FILE) };
  }
  return { dir: abs, ...files };
}
