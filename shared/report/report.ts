/**
 * `evidence report`: the one document to hand over. Verifies the window, re-performs every
 * configured check on every day (the whole population: about one request a day per series),
 * and writes into a new directory
 *
 *   report.html                         coverage calendar, check calendar, conclusions, exceptions
 *   workpapers/<control>/workpaper.md   one workpaper per control (+ samples.csv, samples.json;
 *                                       above REPORT_CELLS_IN_FULL summarized by account, every
 *                                       exception group in exceptions.csv beside it)
 *   coverage-days.csv, check-days.csv   above REPORT_CELLS_IN_FULL series-days: every series-day
 *                                       not present, every check-day not passed (summary.ts)
 *
 * The full-population run is recorded in the locker like every sample run. In bounded memory:
 * the verification and the draw go in parts, the workpapers and the page are written as they
 * are made from the draw's rows (read again from its files), and above REPORT_CELLS_IN_FULL
 * series-days the calendars are summarized per collector, check and account (summary.ts).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolCommit } from '../build.js';
import { CHECKS } from '../checks/registry.js';
import type { AnyCheck } from '../checks/types.js';
import { type Clock, systemClock } from '../clock.js';
import { COLLECTORS } from '../collectors/registry.js';
import { selectCollectors } from '../collectors/runner.js';
import type { AnyCollector } from '../collectors/types.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../evidence/canonical.js';
import { daysBetween } from '../evidence/days.js';
import { type Signer, signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import { LineWriter, readLines, writeStream } from '../lines.js';
import type { Locker } from '../locker/types.js';
import { writeCampaignWorkpapers } from '../review/report.js';
import { CONTROL_NAMES } from '../sample/controls.js';
import { freeRunKey, hashedFiles, stagingDir } from '../sample/files.js';
import { earlierRuns, sampleRunRecord, writeSampleRun } from '../sample/record.js';
import {
  drawSample,
  emptyTally,
  type SampleDraw,
  type SampleResult,
  type SampleTally,
  type SampleView,
  type SeriesTally,
} from '../sample/run.js';
import { deviationRate, groupExceptions, writeWorkpaper } from '../sample/workpaper.js';
import { listAcknowledgements } from '../verify/acknowledgements.js';
import { verifyInParts } from '../verify/parts.js';
import type { VerifyResult } from '../verify/verify.js';
import { TOOL } from '../version.js';
import { checkRows, coverageRows } from './calendar.js';
import { type ControlSummary, type ReportModel, reportHtmlChunks } from './html.js';
import { excusedOf, outOfScope, sharedExceptions, snapshotTimes, writeOnceOf } from './statements.js';
import {
  CHECK_DAYS_FILE,
  COVERAGE_FILE,
  REPORT_CELLS_IN_FULL,
  REPORT_DETAIL_ROWS,
  summarizeChecks,
  summarizeCoverage,
} from './summary.js';

const FULL_POPULATION_SEED = 'full-population';

/**
 * Snapshots of the window a part holds at most in the report: a third of verify's and sample's
 * parts, because the report judges every day of every series, so a part of the draw holds a
 * sample (and its snapshot's seal) for each of its snapshots, not a few a month.
 */
export const REPORT_SNAPSHOTS_PER_PART = 20_000;

export interface ReportOptions {
  locker: Locker;
  config: Config;
  from: string;
  to: string;
  /** A new (or empty of a report) directory. */
  out: string;
  clock?: Clock;
  /** Signs the record of the run in the locker (the digests' key). */
  signer: Signer;
  /** The command that made this report, recorded with the run. */
  command?: string;
  /** The configuration as recorded in the locker (file SHA-256, effective configuration key). */
  configuration?: { fileSha256: string | null; sha256: string; key: string };
  checks?: readonly AnyCheck[];
  collectors?: readonly AnyCollector[];
  /** The AWS account of the credentials in use (STS), for the verifier's expected series. */
  callerAccount?: () => Promise<string>;
  /** Who runs the report: the AWS principal ARN, or the local user; printed and recorded. */
  principal?: string;
  concurrency?: number;
  /** Series × days of the window above which the calendars are summarized (default REPORT_CELLS_IN_FULL). */
  cellsInFull?: number;
  /** Worst-first rows a summarized report shows of each kind (default REPORT_DETAIL_ROWS). */
  detailRows?: number;
  /** Snapshots of the window a part of the verification and of the draw holds at most (default REPORT_SNAPSHOTS_PER_PART). */
  snapshotsPerPart?: number;
}

export interface ReportResult {
  dir: string;
  html: string;
  workpapers: { control: string; dir: string; markdown: string }[];
  /** Evidence complete and intact, and every check passed on every day. */
  ok: boolean;
  verify: VerifyResult;
  summary: { total: number; pass: number; fail: number; missing: number };
  controls: ControlSummary[];
  record: string;
  requests: number;
  /** Set when the calendars were summarized: the complete lists beside report.html. */
  summarized?: { coverage: string; checks: string };
}

/** Build and write the report. */
export async function report(options: ReportOptions): Promise<ReportResult> {
  const { locker, config, from, to } = options;
  const clock = options.clock ?? systemClock;
  const dir = path.resolve(options.out);
  const html = path.join(dir, 'report.html');
  if (existsSync(html) || existsSync(path.join(dir, 'workpapers')))
    throw new UsageError(
      `--out ${options.out} already holds a report: a report is never overwritten; name a new directory`,
    );
  const startRequests = locker.stats.requests;
  const collectors = options.collectors ?? COLLECTORS;
  const now = clock.now();

  // In parts at organization size, as `evidence verify` (verify/parts.ts): memory follows a part.
  const snapshotsPerPart = options.snapshotsPerPart ?? REPORT_SNAPSHOTS_PER_PART;
  const verified = await verifyInParts({
    locker,
    config,
    from,
    to,
    clock,
    collectors,
    snapshotsPerPart,
    ...(options.callerAccount && { callerAccount: options.callerAccount }),
  });
  const configured = new Set(selectCollectors(config, undefined, collectors).map((c) => c.id));
  const checks = (options.checks ?? CHECKS).filter((c) => configured.has(c.collector));
  const notes: string[] = [];
  if (checks.length === 0) notes.push('no check has a configured collector: no control could be tested');
  const plan = { kind: 'all' as const, n: daysBetween(from, to).length };
  // Drawn in parts and read back from its files as often as needed (sample/run.ts drawSample).
  const draw = await drawSample({
    locker,
    config,
    checks,
    collectors,
    seed: FULL_POPULATION_SEED,
    from,
    to,
    plan,
    ...(options.concurrency && { concurrency: options.concurrency }),
    snapshotsPerPart,
  });
  try {
    return await writeReport(
      { ...options, locker, config, from, to, dir, html, clock, now, collectors },
      {
        verified,
        checks,
        draw,
        notes,
        startRequests,
      },
    );
  } finally {
    draw.close();
  }
}

/** The report's files from the verification and the draw: staged, hashed, recorded, then handed out. */
async function writeReport(
  options: ReportOptions & {
    dir: string;
    html: string;
    clock: Clock;
    now: Date;
    collectors: readonly AnyCollector[];
  },
  input: {
    verified: VerifyResult;
    checks: readonly AnyCheck[];
    draw: SampleDraw;
    notes: string[];
    startRequests: number;
  },
): Promise<ReportResult> {
  const { locker, config, from, to, dir, html, now, collectors } = options;
  const { verified, checks, draw, notes } = input;
  // The run is evidence too: its signed record names the SHA-256 of report.html and of every
  // workpaper file. They are written into a staging directory first (naming the record's key),
  // hashed, the record written, and only then moved into --out: nothing is handed out unrecorded.
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const earlier = await earlierRuns(locker, from, to, trusted.keys);
  const configSha256 = sha256Hex(canonicalJson(config));
  const command =
    options.command ??
    `npx evidence report --from ${from} --to ${to} --out "$OUT" --store "$LOCKER" --config "$CONFIG"`;
  // The key the record will have, named in the files before it is written (sample/files.ts).
  const recordKey = await freeRunKey(locker, now, from, to);
  const recorded = { key: recordKey };
  const stage = stagingDir(dir);
  const commit = toolCommit();
  const ranBy = options.principal ?? 'not recorded';
  const days = daysBetween(from, to).length;
  const cellsInFull = options.cellsInFull ?? REPORT_CELLS_IN_FULL;
  const detailRows = options.detailRows ?? REPORT_DETAIL_ROWS;
  // Above the threshold the calendars are summarized (summary.ts): a row per series would grow with the organization.
  const summarized = verified.series.length * days > cellsInFull;

  const acknowledgements = await listAcknowledgements(locker);
  // One workpaper per control, each written as it is made from the draw's rows.
  const controlIds = [...new Set(checks.flatMap((c) => c.controls))].sort();
  const workpapers: ReportResult['workpapers'] = [];
  const controls: ControlSummary[] = [];
  await mkdir(stage, { recursive: true });
  // The merged draw read once, each row routed to its controls' files: a workpaper reads only its own.
  const perControl = controlViews(
    draw,
    new Map(controlIds.map((control) => [control, checkIdsOf(checks, control)])),
  );
  try {
    for (const control of controlIds) {
      const ofControl = checks.filter((c) => c.controls.includes(control));
      const ids = checkIdsOf(checks, control);
      const sub = perControl.views.get(control)!;
      const rel = `workpapers/${control}`;
      await writeWorkpaper(path.join(stage, ...rel.split('/')), {
        report: sub,
        checks: ofControl,
        subject: control,
        generatedAt: now,
        seedGenerated: false,
        rerun: `npx evidence sample --control ${control} --from ${from} --to ${to} --seed ${FULL_POPULATION_SEED} --all --store "$LOCKER" --config "$CONFIG"`,
        configSha256,
        ...(options.configuration && { configuration: options.configuration }),
        controls: config.controls,
        acknowledgements,
        recordKey: recorded.key,
        earlier,
        ...(config.github && { requiredApprovals: config.github.requiredApprovals }),
        // Above the threshold the workpaper is summarized too: exceptions by account, worst first.
        ...(summarized && { summarize: { rows: detailRows } }),
      });
      workpapers.push({
        control,
        dir: path.join(dir, ...rel.split('/')),
        markdown: path.join(dir, ...rel.split('/'), 'workpaper.md'),
      });
      const sum = sub.rows.summary;
      const effective = sum.total > 0 && sum.pass === sum.total;
      controls.push({
        id: control,
        name: CONTROL_NAMES[control] ?? '',
        checks: [...ids],
        ...sum,
        deviationRate: deviationRate(sum),
        effective,
        conclusion: effective
          ? 'Operating effectively: every check passed on every day.'
          : sum.total === 0
            ? 'No conclusion: nothing could be tested.'
            : `Exceptions noted: ${sum.fail} failed and ${sum.missing} missing day(s).`,
        workpaper: `${rel}/workpaper.md`,
        // Summarized: the worst exceptions, filled in below from the one pass over the samples.
        exceptions: summarized ? [] : groupExceptions(sub.rows.samples),
      });
    }
  } finally {
    perControl.close();
  }

  const reviewWorkpapers = verified.reviews
    ? await writeCampaignWorkpapers(locker, config, verified.reviews, stage, now)
    : new Map<string, string>();
  const controlsOf = (check: string) => checks.find((c) => c.id === check)?.controls ?? [];
  const total = (f: (s: VerifyResult['series'][number]) => number) =>
    verified.series.reduce((n, s) => n + f(s), 0);

  let calendars: Pick<ReportModel, 'coverage' | 'checks' | 'exceptions' | 'snapshotTimes' | 'summarized'>;
  if (summarized) {
    let coverage: ReturnType<typeof summarizeCoverage> | undefined;
    writeStream(path.join(stage, COVERAGE_FILE), (write) => {
      coverage = summarizeCoverage(verified.series, verified.integrity, { from, to }, detailRows, write);
    });
    let checked: ReturnType<typeof summarizeChecks> | undefined;
    writeStream(path.join(stage, CHECK_DAYS_FILE), (write) => {
      checked = summarizeChecks(draw.rows.samples, { from, to }, controlsOf, detailRows, write);
    });
    for (const c of controls) c.exceptions = checked!.exceptions.filter((e) => e.controls.includes(c.id));
    calendars = {
      coverage: [...coverage!.totals, ...coverage!.groups],
      checks: [...checked!.calendar.totals, ...checked!.calendar.groups],
      exceptions: checked!.exceptions,
      snapshotTimes: checked!.snapshotTimes,
      summarized: {
        cellsInFull,
        detailRows,
        days,
        coverage: coverage!,
        checks: checked!.calendar,
        exceptionCount: checked!.exceptionCount,
      },
    };
  } else {
    // Small enough to draw a row per series: held, as the report always was.
    const samples = [...draw.rows.samples];
    calendars = {
      coverage: coverageRows(verified.series, verified.integrity, from, to),
      checks: checkRows(samples, from, to, controlsOf),
      exceptions: sharedExceptions(controls),
      snapshotTimes: snapshotTimes(samples, controlsOf),
    };
  }
  const model: ReportModel = {
    from,
    to,
    generatedAt: now.toISOString(),
    store: locker.url,
    tool: `${TOOL.name} ${TOOL.version}`,
    commit,
    ranBy,
    ...(config.report && { entity: config.report.entity, system: config.report.system }),
    auditPeriod: {
      start: config.auditPeriod.start,
      ...(config.auditPeriod.end && { end: config.auditPeriod.end }),
    },
    writeOnce: writeOnceOf(locker, config, verified),
    outOfScope: outOfScope(config, collectors, checks),
    excused: excusedOf(verified),
    verification: {
      ok: verified.ok,
      verifiedAt: verified.verifiedAt,
      series: verified.series.length,
      expectedDays: total((s) => s.expectedDays),
      presentDays: total((s) => s.presentDays),
      partialDays: total((s) => s.partial.length),
      missingDays: total((s) => s.missing.length),
      failedDays: total((s) => s.failed.length),
      acknowledgedDays: total((s) => s.acknowledged.length),
      problems: verified.integrity,
      notes: verified.notes,
    },
    chainHead: verified.chain.head
      ? { key: verified.chain.head.key, sha256: verified.chain.head.sha256 }
      : null,
    digests: verified.stats.digests,
    ...calendars,
    controls,
    sampleRecord: recorded.key,
    ...(verified.reviews && { reviews: { cadence: verified.reviews, workpapers: reviewWorkpapers } }),
    notes: [...notes, ...draw.notes],
  };
  // Written as it is made: never one string.
  writeStream(path.join(stage, 'report.html'), (write) => {
    for (const chunk of reportHtmlChunks(model)) write(chunk);
  });

  // Hash what was written (each file streamed), record the run (signed), then hand the files out.
  const files = await hashedFiles(stage);
  await writeSampleRun(
    locker,
    sampleRunRecord({
      report: draw,
      ranAt: now,
      seedGenerated: false,
      subject: 'report (every check, every day)',
      command,
      configSha256,
      earlier,
      ranBy,
      files,
      commit,
      // Summarized, the record names the files that list every sample (their SHA-256 in `files`)
      // instead of listing them: a record of every check-day of an organization is not bounded.
      ...(summarized && {
        samplesListedIn: workpapers.map((w) => `workpapers/${w.control}/samples.json`),
      }),
    }),
    config.locker.retentionDays,
    options.signer,
    recordKey,
  );
  await mkdir(dir, { recursive: true });
  const handedOut = ['report.html', 'workpapers', COVERAGE_FILE, CHECK_DAYS_FILE];
  if (handedOut.some((f) => existsSync(path.join(dir, f))))
    throw new UsageError(
      `--out ${options.out} received a report while this one was written (recorded as ${recordKey}; its files are in ${stage})`,
    );
  for (const f of handedOut)
    if (existsSync(path.join(stage, f))) await rename(path.join(stage, f), path.join(dir, f));
  await rmdir(stage);
  const summary = draw.rows.summary;
  return {
    dir,
    html,
    workpapers,
    ok: verified.ok && summary.total > 0 && summary.pass === summary.total,
    verify: verified,
    summary,
    controls,
    record: recorded.key,
    requests: locker.stats.requests - input.startRequests,
    ...(summarized && {
      summarized: { coverage: path.join(dir, COVERAGE_FILE), checks: path.join(dir, CHECK_DAYS_FILE) },
    }),
  };
}

/** The ids of the checks mapped to `control`, in the order of `checks`. */
function checkIdsOf(checks: readonly AnyCheck[], control: string): Set<string> {
  return new Set(checks.filter((c) => c.controls.includes(control)).map((c) => c.id));
}

/**
 * The draw's rows routed to each control in one pass over the merged draw: every sample and
 * series row is written to the files of each control its check is mapped to (a check of two
 * controls to both), in the draw's order. Each control's view then reads its own rows, as often
 * as its workpaper needs them, instead of parsing every control's rows each time. close()
 * removes the files.
 */
export function controlViews(
  draw: SampleDraw,
  controls: ReadonlyMap<string, ReadonlySet<string>>,
): { views: Map<string, SampleView>; close(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-report-controls-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    const files = new Map<string, { samples: LineWriter; series: LineWriter; summary: SampleTally }>(
      [...controls.keys()].map((control, i) => [
        control,
        {
          samples: new LineWriter(path.join(dir, `${i}-samples.jsonl`)),
          series: new LineWriter(path.join(dir, `${i}-series.jsonl`)),
          summary: emptyTally(),
        },
      ]),
    );
    const route = new Map<string, { samples: LineWriter; series: LineWriter; summary: SampleTally }[]>();
    for (const [control, ids] of controls)
      for (const id of ids) route.set(id, [...(route.get(id) ?? []), files.get(control)!]);
    for (const s of draw.rows.samples) {
      const to = route.get(s.check);
      if (!to) continue;
      const line = JSON.stringify(s);
      for (const f of to) f.samples.write(line);
    }
    for (const s of draw.rows.series) {
      const to = route.get(s.check);
      if (!to) continue;
      const line = JSON.stringify(s);
      for (const f of to) {
        f.series.write(line);
        f.summary.total += s.tally.total;
        f.summary.pass += s.tally.pass;
        f.summary.fail += s.tally.fail;
        f.summary.missing += s.tally.missing;
        f.summary.notApplicable += s.tally.notApplicable;
      }
    }
    const { rows: _rows, parts: _parts, close: _close, ...rest } = draw;
    const views = new Map<string, SampleView>();
    for (const [control, f] of files) {
      f.samples.flush();
      f.series.flush();
      views.set(control, {
        ...rest,
        checks: [...controls.get(control)!],
        rows: {
          samples: linesOf<SampleResult>(f.samples.file),
          series: linesOf<SeriesTally>(f.series.file),
          summary: f.summary,
          seriesCount: f.series.lines,
        },
      });
    }
    return { views, close };
  } catch (err) {
    close();
    throw err;
  }
}

/** A file of JSON lines, parsed again at each iteration. */
function linesOf<T>(file: string): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (const line of readLines(file)) yield JSON.parse(line) as T;
    },
  };
}
