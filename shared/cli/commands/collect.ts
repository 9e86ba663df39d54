import { Option } from 'commander';
import { awsScopeEnvironment } from '../../aws/identity.js';
import { loadCollectors } from '../../collectors/implementations.js';
import { COLLECTORS } from '../../collectors/registry.js';
import { type RunSummary, runCollectors, selectCollectors } from '../../collectors/runner.js';
import { UsageError } from '../../errors.js';
import { addDays, dayOf, dayStart, isDay } from '../../evidence/days.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json, progress, table } from '../output.js';

export const collectCommand: CommandSpec = {
  define: (program) =>
    program
      .command('collect')
      .summary('run the configured collectors now; one snapshot per scope')
      .description(
        'Run every collector whose source is configured (or only those named with --only) and write one ' +
          'snapshot per scope into the locker. A collection that fails is still written, with status "error". ' +
          'Exit 0: all ok; 1: some snapshots are error or partial; 3: the locker or a source is unreachable.\n\n' +
          `Collectors: ${COLLECTORS.map((c) => c.id).join(', ') || '(none registered)'}`,
      )
      .addOption(
        new Option('--only <ids>', 'comma-separated collector ids to run').argParser((v: string) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      )
      .addOption(
        new Option(
          '--day <YYYY-MM-DD>',
          'the run for this evidence day, as if scheduled just after it ended: windowed collectors (github-changes, change-records) cover up to its end, from the end of their last window; default: up to yesterday (UTC). Snapshots are filed under the day they are written',
        ).argParser((v: string) => {
          if (!isDay(v)) throw new UsageError(`--day ${JSON.stringify(v)}: expected a UTC date YYYY-MM-DD`);
          return v;
        }),
      )
      .addOption(
        new Option(
          '--deadline <duration>',
          'finish within this time (e.g. 90s, 10m, 1h): a scope not done by then is written as an error snapshot',
        ).argParser(parseDuration('--deadline')),
      ),
  async run(ctx, options) {
    const deadlineMs = options.deadline as number | undefined;
    const config = ctx.loadConfig();
    const only = options.only as string[] | undefined;
    // The selection is checked against the registry before any collector's code is loaded.
    const collectors = await loadCollectors(selectCollectors(config, only));
    const day = options.day as string | undefined;
    const yesterday = addDays(dayOf(ctx.clock.now()), -1);
    if (day !== undefined && day > yesterday)
      throw new UsageError(
        `--day ${day}: the day has not ended yet (the last complete UTC day is ${yesterday}); a window may not end in the future`,
      );
    const locker = ctx.openLocker({ create: true });
    const summary = await runCollectors({
      ...(day !== undefined && { scheduledFor: dayStart(addDays(day, 1)) }),
      config,
      locker,
      collectors,
      only,
      clock: ctx.clock,
      logger: ctx.logger,
      scopeEnvironment: awsScopeEnvironment,
      ...(deadlineMs !== undefined && { deadline: new Date(ctx.clock.now().getTime() + deadlineMs) }),
      onResult: (r, done, total) =>
        progress(
          ctx.env.streams,
          `collect ${done}/${total}  ${r.collector}/${r.scope} ${r.status}`,
          done === total,
        ),
    });
    const { results, skipped } = summary;
    if (ctx.json) {
      ctx.out(
        json({
          runId: summary.runId,
          results: results.map(({ sourceUnavailable: _, ...r }) => r),
          skipped: skipped.map(({ sourceUnavailable: _, ...s }) => s),
        }),
      );
    } else {
      ctx.out(
        table(
          ['collector', 'scope', 'status', 'requests', 'items', 'duration'],
          results.map((r) => [r.collector, r.scope, r.status, r.requests, r.items, `${r.durationMs} ms`]),
        ),
      );
      for (const r of results.filter((x) => x.error)) ctx.note(`${r.collector}/${r.scope}: ${r.error}\n`);
      for (const s of skipped)
        ctx.note(
          `${s.source}: nothing collected (${s.collectors.join(', ')}), no snapshot written: ${s.reason}\n`,
        );
      ctx.note(`run ${summary.runId}: ${results.length} snapshot(s) written to ${locker.url}\n`);
    }
    return exitCode(summary);
  },
};

/** "90s", "10m", "1h" or a number of seconds, as milliseconds. */
export function parseDuration(option: string) {
  return (value: string): number => {
    const m = /^(\d{1,6})(ms|s|m|h)?$/.exec(value.trim());
    const n = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']! : Number.NaN;
    if (!m || n <= 0)
      throw new UsageError(
        `${option} ${JSON.stringify(value)}: expected a duration such as 90s, 10m or 1h (a plain number is seconds)`,
      );
    return n;
  };
}

function exitCode({ results, skipped }: RunSummary): number {
  if (results.some((r) => r.sourceUnavailable) || skipped.some((s) => s.sourceUnavailable))
    return EXIT.unavailable;
  if (skipped.length > 0) return EXIT.problems;
  if (results.some((r) => r.status !== 'ok')) return EXIT.problems;
  return EXIT.ok;
}
