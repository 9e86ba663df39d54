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
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toolCommit } from '../build.js';
import { CHECKS } from '../checks/registry.js';
import type { AnyCheck } from '../checks/types.js';
import { type Clock, systemClock } from '../clock.js';
import { COLLECTORS } from '../collectors/registry.js';
import { selectCollectors } from '../collectors/runner.js';
import type { AnyCollector } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { NotFoundError, UsageError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../evidence/canonical.js';
import { daysBetween } from '../evidence/days.js';
import { type Signer, signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import { walk } from '../export/export.js';
import type { Locker } from '../locker/types.js';
import { writeCampaignWorkpapers } from '../review/report.js';
import { CONTROL_NAMES } from '../sample/controls.js';
import { earlierRuns, sampleRunKey, sampleRunRecord, writeSampleRun } from '../sample/record.js';
import { runSample, type SampleReport } from '../sample/run.js';
import { deviationRate, groupExceptions, summarize, writeWorkpaper } from '../sample/workpaper.js';
import { listAcknowledgements } from '../verify/acknowledgements.js';
import { verifyInParts } from '../verify/parts.js';
import type { VerifyResult } from '../verify/verify.js';
import { TOOL } from '../version.js';
import { checkRows, coverageRows } from './calendar.js';
import { type ControlSummary, type ReportModel, reportHtml } from './html.js';
import { excusedOf, outOfScope, sharedExceptions, snapshotTimes, writeOnceOf } from './statements.js';

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
  /** Who runs the report: the AWS principal ARN, or the local user; printed and recorded. */
  principal?: string;
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

  // In parts at organization size, as `evidence verify` (verify/parts.ts): memory follows a part.
  const verified = await verifyInParts({
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

  // The run is evidence too: its signed record names the SHA-256 of report.html and of every
  // workpaper file. They are written into a staging directory first (naming the record's key),
  // hashed, the record written, and only then moved into --out: nothing is handed out unrecorded.
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const earlier = await earlierRuns(locker, from, to, trusted.keys);
  const configSha256 = sha256Hex(canonicalJson(config));
  const command =
    options.command ??
    `npx evidence report --from ${from} --to ${to} --out "$OUT" --store "$LOCKER" --config "$CONFIG"`;
  // The key the record will have, named in the files before it is written: another run in the
  // same millisecond already holds the plain one, this one takes a random suffix (as sample does).
  let recordKey = sampleRunKey(now, from, to);
  if (await exists(locker, recordKey))
    recordKey = sampleRunKey(now, from, to, `-${randomBytes(4).toString('hex')}`);
  const recorded = { key: recordKey };
  const stage = `${dir}.writing-${randomBytes(4).toString('hex')}`;
  const commit = toolCommit();
  const ranBy = options.principal ?? 'not recorded';

  const acknowledgements = await listAcknowledgements(locker);
  // One workpaper per control.
  const controlIds = [...new Set(checks.flatMap((c) => c.controls))].sort();
  const workpapers: ReportResult['workpapers'] = [];
  const controls: ControlSummary[] = [];
  await mkdir(stage, { recursive: true });
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
    });
    workpapers.push({
      control,
      dir: path.join(dir, ...rel.split('/')),
      markdown: path.join(dir, ...rel.split('/'), 'workpaper.md'),
    });
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

  const reviewWorkpapers = verified.reviews
    ? await writeCampaignWorkpapers(locker, config, verified.reviews, stage, now)
    : new Map<string, string>();
  const controlsOf = (check: string) => checks.find((c) => c.id === check)?.controls ?? [];
  const sum = (f: (s: VerifyResult['series'][number]) => number) =>
    verified.series.reduce((n, s) => n + f(s), 0);
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
    snapshotTimes: snapshotTimes(sampled.samples, controlsOf),
    excused: excusedOf(verified),
    verification: {
      ok: verified.ok,
      verifiedAt: verified.verifiedAt,
      series: verified.series.length,
      expectedDays: sum((s) => s.expectedDays),
      presentDays: sum((s) => s.presentDays),
      partialDays: sum((s) => s.partial.length),
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
    exceptions: sharedExceptions(controls),
    sampleRecord: recorded.key,
    ...(verified.reviews && { reviews: { cadence: verified.reviews, workpapers: reviewWorkpapers } }),
    notes: [...notes, ...sampled.notes],
  };
  await writeFile(path.join(stage, 'report.html'), reportHtml(model), { encoding: 'utf8', flag: 'wx' });

  // Hash what was written, record the run (signed), then hand the files out.
  const files = await mapLimit(await walk(stage), 8, async (rel) => ({
    path: rel,
    sha256: sha256Hex(await readFile(path.join(stage, ...rel.split('/')))),
  }));
  await writeSampleRun(
    locker,
    sampleRunRecord({
      report: sampled,
      ranAt: now,
      seedGenerated: false,
      subject: 'report (every check, every day)',
      command,
      configSha256,
      earlier,
      ranBy,
      files,
      commit,
    }),
    config.locker.retentionDays,
    options.signer,
    recordKey,
  );
  await mkdir(dir, { recursive: true });
  if (existsSync(html) || existsSync(path.join(dir, 'workpapers')))
    throw new UsageError(
      `--out ${options.out} received a report while this one was written (recorded as ${recordKey}; its files are in ${stage})`,
    );
  await rename(path.join(stage, 'report.html'), html);
  if (existsSync(path.join(stage, 'workpapers')))
    await rename(path.join(stage, 'workpapers'), path.join(dir, 'workpapers'));
  await rmdir(stage);
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

async function exists(locker: Locker, key: string): Promise<boolean> {
  try {
    await locker.head(key);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
