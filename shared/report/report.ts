/**
 * `evidence report`: the one document to hand over. Verifies the window, re-performs every
 * configured check on every day (the whole population: about one request a day per series),
 * and writes into a new directory
 *
 *   report.html                         coverage calendar, check calendar, conclusions, exceptions
 *   workpapers/<control>/workpaper.md   one workpaper per control (+ samples.csv, samples.json)
 *
 * The full-population run is recorded in the locker like every sample run.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
import type { Locker } from '../locker/types.js';
import { CONTROL_NAMES } from '../sample/controls.js';
import { earlierRuns, sampleRunRecord, writeSampleRun } from '../sample/record.js';
import { runSample, type SampleReport } from '../sample/run.js';
import { deviationRate, groupExceptions, summarize, writeWorkpaper } from '../sample/workpaper.js';
import { listAcknowledgements } from '../verify/acknowledgements.js';
import { type VerifyResult, verify } from '../verify/verify.js';
import { TOOL } from '../version.js';
import { checkRows, coverageRows } from './calendar.js';
import { type ControlSummary, type ReportModel, reportHtml } from './html.js';

const FULL_POPULATION_SEED = 'full-population';

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
  concurrency?: number;
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

  const verified = await verify({
    locker,
    config,
    from,
    to,
    clock,
    collectors,
    ...(options.callerAccount && { callerAccount: options.callerAccount }),
  });
  const configured = new Set(selectCollectors(config, undefined, collectors).map((c) => c.id));
  const checks = (options.checks ?? CHECKS).filter((c) => configured.has(c.collector));
  const notes: string[] = [];
  if (checks.length === 0) notes.push('no check has a configured collector: no control could be tested');
  const plan = { kind: 'all' as const, n: daysBetween(from, to).length };
  const sampled = await runSample({
    locker,
    config,
    checks,
    collectors,
    seed: FULL_POPULATION_SEED,
    from,
    to,
    plan,
    ...(options.concurrency && { concurrency: options.concurrency }),
  });

  // The run is evidence too: recorded (and signed) in the locker before anything is written out.
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const earlier = await earlierRuns(locker, from, to, trusted.keys);
  const configSha256 = sha256Hex(canonicalJson(config));
  const command =
    options.command ??
    `npx evidence report --from ${from} --to ${to} --out "$OUT" --store "$LOCKER" --config "$CONFIG"`;
  const recorded = await writeSampleRun(
    locker,
    sampleRunRecord({
      report: sampled,
      ranAt: now,
      seedGenerated: false,
      subject: 'report (every check, every day)',
      command,
      configSha256,
      earlier,
    }),
    config.locker.retentionDays,
    options.signer,
  );

  const acknowledgements = await listAcknowledgements(locker);
  // One workpaper per control.
  const controlIds = [...new Set(checks.flatMap((c) => c.controls))].sort();
  const workpapers: ReportResult['workpapers'] = [];
  const controls: ControlSummary[] = [];
  await mkdir(dir, { recursive: true });
  for (const control of controlIds) {
    const ofControl = checks.filter((c) => c.controls.includes(control));
    const ids = new Set(ofControl.map((c) => c.id));
    const sub: SampleReport = {
      ...sampled,
      checks: [...ids],
      series: sampled.series.filter((s) => ids.has(s.check)),
      samples: sampled.samples.filter((s) => ids.has(s.check)),
    };
    const rel = `workpapers/${control}`;
    const written = await writeWorkpaper(path.join(dir, ...rel.split('/')), {
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
    });
    workpapers.push({ control, dir: written.dir, markdown: written.markdown });
    const sum = summarize(sub.samples);
    const effective = sum.total > 0 && sum.pass === sum.total;
    controls.push({
      id: control,
      name: CONTROL_NAMES[control] ?? '',
      checks: [...ids],
      ...sum,
      deviationRate: deviationRate(sub.samples),
      effective,
      conclusion: effective
        ? 'Operating effectively: every check passed on every day.'
        : sum.total === 0
          ? 'No conclusion: nothing could be tested.'
          : `Exceptions noted: ${sum.fail} failed and ${sum.missing} missing day(s).`,
      workpaper: `${rel}/workpaper.md`,
      exceptions: groupExceptions(sub.samples),
    });
  }

  const controlsOf = (check: string) => checks.find((c) => c.id === check)?.controls ?? [];
  const sum = (f: (s: VerifyResult['series'][number]) => number) =>
    verified.series.reduce((n, s) => n + f(s), 0);
  const model: ReportModel = {
    from,
    to,
    generatedAt: now.toISOString(),
    store: locker.url,
    tool: `${TOOL.name} ${TOOL.version}`,
    verification: {
      ok: verified.ok,
      verifiedAt: verified.verifiedAt,
      series: verified.series.length,
      expectedDays: sum((s) => s.expectedDays),
      presentDays: sum((s) => s.presentDays),
      missingDays: sum((s) => s.missing.length),
      failedDays: sum((s) => s.failed.length),
      acknowledgedDays: sum((s) => s.acknowledged.length),
      problems: verified.integrity,
      notes: verified.notes,
    },
    chainHead: verified.chain.head
      ? { key: verified.chain.head.key, sha256: verified.chain.head.sha256 }
      : null,
    digests: verified.stats.digests,
    coverage: coverageRows(verified.series, verified.integrity, from, to),
    checks: checkRows(sampled.samples, from, to, controlsOf),
    controls,
    sampleRecord: recorded.key,
    notes: [...notes, ...sampled.notes],
  };
  await writeFile(html, reportHtml(model), { encoding: 'utf8', flag: 'wx' });
  const summary = summarize(sampled.samples);
  return {
    dir,
    html,
    workpapers,
    ok: verified.ok && summary.total > 0 && summary.pass === summary.total,
    verify: verified,
    summary,
    controls,
    record: recorded.key,
    requests: locker.stats.requests - startRequests,
  };
}
