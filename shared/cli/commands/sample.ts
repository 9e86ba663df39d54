import path from 'node:path';
import { Option } from 'commander';
import { CHECKS, checksForControl, findChecks } from '../../checks/registry.js';
import type { AnyCheck } from '../../checks/types.js';
import { COLLECTORS } from '../../collectors/registry.js';
import type { Config } from '../../config.js';
import { UsageError } from '../../errors.js';
import { daysBetween } from '../../evidence/days.js';
import { seriesId } from '../../evidence/snapshot.js';
import { REPORT_CELLS_IN_FULL, REPORT_DETAIL_ROWS } from '../../report/summary.js';
import { freeRunKey, handOutWorkpaper, hashedFiles, stagingDir } from '../../sample/files.js';
import { sampleRunRecord } from '../../sample/record.js';
import { drawSample, type SampleDraw } from '../../sample/run.js';
import type { SamplePlan } from '../../sample/select.js';
import { FREQUENCIES, isFrequency, SAMPLE_SIZES, sampleSizeFor } from '../../sample/sizes.js';
import {
  assertNoWorkpaper,
  SAMPLES_JSON_STREAMED,
  samplesJson,
  writeWorkpaper,
} from '../../sample/workpaper.js';
import { listAcknowledgements } from '../../verify/acknowledgements.js';
import { type CliContext, windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { progress, table, writeJson } from '../output.js';
import { runPopulationSample } from './sample-population.js';
import {
  configChangeNotes,
  noteSampleRun,
  recordSampleRun,
  type SampleRunStart,
  startSampleRun,
} from './sample-run.js';

function positiveInt(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 366)
      throw new UsageError(`${option} ${JSON.stringify(value)}: expected a whole number from 1 to 366`);
    return n;
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function resolveChecks(checkIds: string[] | undefined, control: string | undefined): AnyCheck[] {
  const known = [...new Set(CHECKS.map((c) => c.id))].join(', ') || '(none registered)';
  if ((checkIds ? 1 : 0) + (control ? 1 : 0) !== 1)
    throw new UsageError('name what to test with exactly one of --check ID[,ID...] or --control CCn.n');
  if (checkIds) {
    return checkIds.flatMap((id) => {
      const checks = findChecks(id);
      if (checks.length === 0) throw new UsageError(`--check ${id}: no such check; known checks: ${known}`);
      return checks;
    });
  }
  const checks = checksForControl(control!);
  if (checks.length === 0) {
    const controls = [...new Set(CHECKS.flatMap((c) => c.controls))].sort().join(', ') || '(none)';
    throw new UsageError(`--control ${control}: no check is mapped to it; controls with checks: ${controls}`);
  }
  return checks;
}

function resolvePlan(
  options: Record<string, unknown>,
  from: string,
  to: string,
  perMonth: number,
): SamplePlan {
  const given = (['perMonth', 'size', 'frequency', 'all'] as const).filter((k) => options[k] !== undefined);
  // No size named: the configured policy (sampling.perMonth, default 3 days a month).
  if (given.length === 0) return { kind: 'per-month', n: perMonth };
  if (given.length !== 1)
    throw new UsageError(
      'choose the sample size with at most one of --per-month N, --size N, --frequency daily|weekly|monthly|quarterly|annual or --all (none: sampling.perMonth days a month, default 3)',
    );
  if (options.all !== undefined) return { kind: 'all', n: daysBetween(from, to).length };
  if (options.perMonth !== undefined) return { kind: 'per-month', n: options.perMonth as number };
  if (options.size !== undefined) return { kind: 'size', n: options.size as number };
  const frequency = String(options.frequency);
  if (!isFrequency(frequency))
    throw new UsageError(
      `--frequency ${JSON.stringify(frequency)}: expected one of ${FREQUENCIES.join(', ')}`,
    );
  return { kind: 'frequency', frequency, n: sampleSizeFor(frequency) };
}

export const sampleCommand: CommandSpec = {
  define: (program) =>
    program
      .command('sample')
      .summary('test of effectiveness: sample days, re-check their snapshots, write a workpaper')
      .description(
        "Select days at random (seeded, reproducible), take each sampled day's snapshot of every series of the " +
          "check's collector, prove it is the sealed evidence (SHA-256 against its digest), run the check on it, and " +
          'record pass, fail (failing items named) or missing. With --out, write workpaper.md, samples.csv and ' +
          'samples.json for the auditor. Exit 0: every sample passes; 1: some fail or are missing.\n\n' +
          `Sample sizes for --frequency: ${SAMPLE_SIZES.map((r) => `${r.frequency} ${r.size}`).join(', ')} ` +
          '(upper end of the usual audit guidance; see docs/sampling.md).',
      )
      .addOption(new Option('--check <ids>', 'the check(s) to run, comma-separated').argParser(list))
      .addOption(
        new Option(
          '--population <name>',
          'draw occurrences instead of days, e.g. "changes" (merged pull requests); size with --size N or the occurrence table',
        ),
      )
      .addOption(
        new Option(
          '--strata <attribute>',
          'with --population users: stratify by this profile attribute (proportional, at least one per stratum)',
        ),
      )
      .addOption(new Option('--control <id>', 'every check mapped to this control, e.g. CC7.2'))
      .addOption(new Option('--from <YYYY-MM-DD>', 'first day of the window (default: auditPeriod.start)'))
      .addOption(
        new Option(
          '--to <YYYY-MM-DD>',
          'last day of the window (default: yesterday UTC, or auditPeriod.end when earlier)',
        ),
      )
      .addOption(new Option('--seed <seed>', 'the seed; without it one is generated and printed'))
      .addOption(
        new Option('--per-month <n>', 'N random days per calendar month').argParser(
          positiveInt('--per-month'),
        ),
      )
      .addOption(
        new Option('--size <n>', 'N random days over the whole window').argParser(positiveInt('--size')),
      )
      .addOption(
        new Option('--frequency <frequency>', 'sample size for a control of this frequency').choices([
          ...FREQUENCIES,
        ]),
      )
      .addOption(
        new Option(
          '--all',
          'every day of the window: the whole population (about one request a day per series)',
        ),
      )
      .addOption(
        new Option(
          '--accept-config-change',
          'draw even though a recorded run with this seed and window used a configuration with another SHA-256 (the record says so)',
        ),
      )
      .addOption(
        new Option(
          '--out <dir>',
          'write workpaper.md, samples.csv and samples.json here (never over an existing workpaper); above 20,000 series-days the workpaper is summarized by account, every exception group in exceptions.csv',
        ),
      ),
  async run(ctx, options) {
    if (options.population !== undefined) return runPopulationSample(ctx, options);
    const checks = resolveChecks(
      options.check as string[] | undefined,
      options.control as string | undefined,
    );
    const config = ctx.loadConfig();
    const { from, to } = windowOptions(options, config, ctx.clock.now());
    const plan = resolvePlan(options, from, to, config.sampling.perMonth);
    if (options.out) await assertNoWorkpaper(String(options.out));
    const start = await startSampleRun(ctx, config, {
      options,
      from,
      to,
      announceSeed: (text) => (ctx.json ? ctx.note(text) : ctx.out(text)),
    });
    const { seed, locker } = start;
    // Drawn in parts at organization size, the samples spilled and streamed to every output.
    const report = await drawSample({
      locker,
      trusted: start.trusted,
      config,
      checks,
      collectors: COLLECTORS,
      seed,
      from,
      to,
      plan,
      onProgress: (done, total) => progress(ctx.env.streams, `sample ${done}/${total}`, done === total),
    });
    try {
      return await finish(ctx, options, { checks, config, plan, from, to, start, report });
    } finally {
      report.close();
    }
  },
};

async function finish(
  ctx: CliContext,
  options: Record<string, unknown>,
  input: {
    checks: AnyCheck[];
    config: Config;
    plan: SamplePlan;
    from: string;
    to: string;
    start: SampleRunStart;
    report: SampleDraw;
  },
): Promise<number> {
  const { checks, config, plan, from, to, start, report } = input;
  const { seed, locker, earlier, configSha256 } = start;

  const ids = [...new Set(checks.map((c) => c.id))];
  const subject = options.control ? String(options.control) : ids.join(', ');
  const what = options.control ? `--control ${options.control}` : `--check ${ids.join(',')}`;
  const size =
    plan.kind === 'per-month'
      ? `--per-month ${plan.n}`
      : plan.kind === 'size'
        ? `--size ${plan.n}`
        : plan.kind === 'all'
          ? '--all'
          : `--frequency ${plan.frequency}`;
  // Complete: the configuration names the series, so the command names the configuration
  // (and the record keeps its hash, so a changed file shows). Placeholders, not this machine's
  // paths: LOCKER and CONFIG are set by whoever re-runs it (the workpaper says to what).
  const rerun = `npx evidence sample ${what} --from ${from} --to ${to} --seed ${seed} ${size} --store "$LOCKER" --config "$CONFIG"`;
  const configuration = await ctx.recordConfiguration(locker);
  report.notes.push(...configChangeNotes(start));
  const ranAt = ctx.clock.now();
  // With --out, the workpaper is written into a staging directory naming the record's key, its
  // files hashed into the record, and only then moved into --out (sample/files.ts): the signed
  // record lists the SHA-256 of every file handed out (`evidence verify-report DIR` checks them).
  const out = options.out ? path.resolve(String(options.out)) : undefined;
  const stage = out ? stagingDir(out) : undefined;
  const recordKey = out ? await freeRunKey(locker, ranAt, from, to) : undefined;
  // Above the report's threshold (series × days of the window, as `report` counts) the workpaper
  // is summarized as a report's is: exceptions by account, worst first, every exception group in
  // exceptions.csv beside it (staged, so hashed into the record and checked by verify-report).
  const summarized = report.rows.seriesCount * daysBetween(from, to).length > REPORT_CELLS_IN_FULL;
  if (stage)
    await writeWorkpaper(stage, {
      report,
      checks,
      subject,
      generatedAt: ranAt,
      seedGenerated: start.seedGenerated,
      rerun,
      configSha256,
      configuration,
      controls: config.controls,
      acknowledgements: await listAcknowledgements(locker),
      recordKey,
      ...(config.github && { requiredApprovals: config.github.requiredApprovals }),
      ...(summarized && { summarize: { rows: REPORT_DETAIL_ROWS } }),
      earlier,
    });
  const record = sampleRunRecord({
    report,
    ranAt,
    seedGenerated: start.seedGenerated,
    subject,
    command: rerun,
    configSha256,
    earlier,
    configChangeAccepted: start.configChangeAccepted,
    ...(stage && { files: await hashedFiles(stage) }),
  });
  const recorded = await recordSampleRun(config, locker, record, recordKey);
  const written = out && stage ? await handOutWorkpaper(stage, out, recorded.key) : undefined;

  const summary = report.rows.summary;
  if (ctx.json) {
    writeJson(
      (text) => ctx.out(text),
      { ...samplesJson(report), record: recorded.key, earlier, command: rerun, configSha256 },
      SAMPLES_JSON_STREAMED,
    );
  } else {
    // Every sample up to TABLE_ROWS; above, the exceptions only (the workpaper and --json hold them all).
    const many = summary.total > TABLE_ROWS;
    const shown = many
      ? filterIterable(report.rows.samples, (s) => s.result === 'fail' || s.result === 'missing', TABLE_ROWS)
      : [...report.rows.samples];
    if (shown.length) {
      ctx.out(
        table(
          ['day', 'check', 'series', 'result', 'detail'],
          shown.map((s) => [
            s.day,
            s.check,
            seriesId(s.collector, s.scope),
            s.result,
            truncate(s.detail.replace(/\s+/g, ' '), 100),
          ]),
        ),
      );
    }
    if (many)
      ctx.out(
        `${summary.total} samples: the table above shows ${shown.length === 0 ? 'none (no exception)' : `the first ${shown.length} exception(s)`}; every sample is in samples.csv (--out) and --json\n`,
      );
    ctx.out(
      `${summary.total} sample(s) over ${report.rows.seriesCount} series, ${from} to ${to}, seed ${seed}: ` +
        `${summary.pass} pass, ${summary.fail} fail, ${summary.missing} missing\n`,
    );
    noteSampleRun(ctx, { notes: report.notes, recorded, earlier, written });
  }
  // Fail closed: a digest chain that does not hold anywhere (even outside the sampled days)
  // means the sealed record cannot be shown whole, so the run is no pass (the workpaper says why).
  if (report.chain.problems.length > 0) return EXIT.problems;
  if (earlier.some((e) => e.deleted)) return EXIT.problems;
  return summary.total > 0 && summary.pass === summary.total ? EXIT.ok : EXIT.problems;
}

/** More samples than this: the text output lists the exceptions only. */
const TABLE_ROWS = 1000;

/** The first `max` items that pass `keep`. */
function filterIterable<T>(items: Iterable<T>, keep: (item: T) => boolean, max: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (!keep(item)) continue;
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
