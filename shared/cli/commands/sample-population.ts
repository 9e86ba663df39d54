/**
 * `sample --population NAME`: draw occurrences (merged changes), not days, from the snapshots
 * of the collector that holds them (shared/sample/population.ts), record the run in the locker
 * (signed, write-once, like day samples: shared/sample/record.ts), and write its workpaper.
 */
import path from 'node:path';
import { POPULATIONS } from '../../collectors/registry.js';
import { UsageError } from '../../errors.js';
import { freeRunKey, handOutWorkpaper, hashedFiles, stagingDir } from '../../sample/files.js';
import { samplePeople } from '../../sample/people.js';
import { samplePopulation, writePopulationWorkpaper } from '../../sample/population.js';
import { populationRunRecord } from '../../sample/record.js';
import { assertNoWorkpaper } from '../../sample/workpaper.js';
import { shellArg } from '../../text/escape.js';
import type { CliContext } from '../context.js';
import { windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import { json, table } from '../output.js';
import { configChangeNotes, noteSampleRun, recordSampleRun, startSampleRun } from './sample-run.js';

export async function runPopulationSample(
  ctx: CliContext,
  options: Record<string, unknown>,
): Promise<number> {
  const name = String(options.population);
  const population = POPULATIONS.find((p) => p.name === name);
  if (!population)
    throw new UsageError(
      `--population ${JSON.stringify(name)}: no such population; known: ${POPULATIONS.map((p) => p.name).join(', ') || '(none)'}`,
    );
  for (const other of ['check', 'control', 'perMonth', 'frequency', 'all'])
    if (options[other] !== undefined)
      throw new UsageError(
        `--population draws occurrences: use --size N (or nothing) instead of --${other.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      );
  const people = population.kind === 'people';
  if (options.strata !== undefined && !people)
    throw new UsageError(
      `--strata stratifies a population of people (${
        POPULATIONS.filter((p) => p.kind === 'people')
          .map((p) => p.name)
          .join(', ') || 'none'
      }); --population ${name} is not one`,
    );
  const config = ctx.loadConfig();
  const { from, to } = windowOptions(options, config, ctx.clock.now());
  if (options.out) await assertNoWorkpaper(String(options.out));
  const start = await startSampleRun(ctx, config, {
    options,
    from,
    to,
    population: name,
    announceSeed: (text) => ctx.note(text),
  });
  const { seed, locker, earlier, configSha256, configChangeAccepted } = start;
  const common = {
    locker,
    trusted: start.trusted,
    config,
    population,
    from,
    to,
    seed,
    ...(options.size !== undefined && { size: options.size as number }),
  };
  const report = people
    ? await samplePeople({
        ...common,
        ...(options.strata !== undefined && { strata: String(options.strata) }),
      })
    : await samplePopulation(common);
  if (population.idColumn) report.idColumn = population.idColumn;
  // Placeholders, not this machine's paths: LOCKER and CONFIG are set by whoever re-runs it.
  const rerun =
    `npx evidence sample --population ${name} --from ${from} --to ${to} --seed ${seed}` +
    (options.size !== undefined ? ` --size ${options.size}` : '') +
    (options.strata !== undefined ? ` --strata ${shellArg(String(options.strata))}` : '') +
    ' --store "$LOCKER" --config "$CONFIG"';
  report.notes.push(...configChangeNotes(start));
  const ranAt = ctx.clock.now();
  // With --out, as for day samples (sample/files.ts): the workpaper is written into a staging
  // directory naming the record's key, its files hashed into the signed record, and only then
  // moved into --out (`evidence verify-report DIR` checks them).
  const out = options.out ? path.resolve(String(options.out)) : undefined;
  const stage = out ? stagingDir(out) : undefined;
  const recordKey = out ? await freeRunKey(locker, ranAt, from, to) : undefined;
  if (stage && recordKey)
    await writePopulationWorkpaper(stage, report, {
      rerun,
      configSha256,
      configuration: await ctx.recordConfiguration(locker),
      recordKey,
      earlier,
    });
  const record = populationRunRecord({
    report,
    ranAt,
    seedGenerated: start.seedGenerated,
    command: rerun,
    configSha256,
    store: locker.url,
    earlier,
    configChangeAccepted,
    ...(stage && { files: await hashedFiles(stage) }),
  });
  const recorded = await recordSampleRun(config, locker, record, recordKey);
  const written = out && stage ? await handOutWorkpaper(stage, out, recorded.key) : undefined;
  const pass = report.samples.filter((s) => s.verdict === 'pass').length;
  if (ctx.json) ctx.out(json({ ...report, command: rerun, configSha256, record: recorded.key, earlier }));
  else {
    if (report.samples.length)
      ctx.out(
        people
          ? table(
              [population.idColumn ?? 'id', ...population.columns, 'verdict'],
              report.samples.map((s) => [
                s.id,
                ...population.columns.map((c) => s.fields[c] ?? ''),
                s.verdict,
              ]),
            )
          : table(
              ['change', 'author', 'approvers', 'merged at', 'linked record', 'verdict'],
              report.samples.map((s) => [
                s.id,
                s.fields.author ?? '',
                s.fields.approvers ?? '',
                s.at,
                s.fields['linked record'] ?? '',
                s.verdict,
              ]),
            ),
      );
    const drawn =
      'day' in report ? ` on ${String(report.day)} (drawn from ${from} to ${to})` : `, ${from} to ${to}`;
    ctx.out(
      `${report.samples.length} of ${report.populationSize} ${name} (${report.sizeRule})${drawn}, seed ${seed}: ${pass} pass, ${report.samples.length - pass} fail\n`,
    );
    noteSampleRun(ctx, { notes: report.notes, recorded, earlier, written });
  }
  // Fail closed: a digest chain that does not hold anywhere (even outside the window) means the
  // sealed record cannot be shown whole, so the run is no pass however its samples came out.
  if (report.chainProblems > 0) return EXIT.problems;
  if (earlier.some((e) => e.deleted)) return EXIT.problems;
  // Fail closed: a population with days no window covers is incomplete.
  if (report.populationGaps.length > 0) return EXIT.problems;
  return report.samples.length > 0 && pass === report.samples.length ? EXIT.ok : EXIT.problems;
}
