/**
 * `sample --population NAME`: draw occurrences (merged changes), not days, from the snapshots
 * of the collector that holds them (shared/sample/population.ts), record the run in the locker
 * (signed, write-once, like day samples: shared/sample/record.ts), and write its workpaper.
 */
import { POPULATIONS } from '../../collectors/registry.js';
import { UsageError } from '../../errors.js';
import { canonicalJson, sha256Hex } from '../../evidence/canonical.js';
import { loadSigner, signingSettingsOf, trustedKeys } from '../../evidence/signing.js';
import { samplePopulation, writePopulationWorkpaper } from '../../sample/population.js';
import {
  checkConfigUnchanged,
  describeEarlierRun,
  earlierRuns,
  populationRunRecord,
  writeSampleRun,
} from '../../sample/record.js';
import { generateSeed, parseSeed } from '../../sample/select.js';
import { assertNoWorkpaper } from '../../sample/workpaper.js';
import { shellArg } from '../../text/escape.js';
import type { CliContext } from '../context.js';
import { windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import { json, table } from '../output.js';

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
  const config = ctx.loadConfig();
  const { from, to } = windowOptions(options, config, ctx.clock.now());
  if (options.out) await assertNoWorkpaper(String(options.out));
  const seedGiven = options.seed as string | undefined;
  const seed = seedGiven === undefined ? generateSeed() : parseSeed(seedGiven);
  if (seedGiven === undefined)
    ctx.note(`seed ${seed} (generated: pass --seed ${seed} to draw the same sample again)\n`);
  const locker = ctx.openLocker();
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const earlier = await earlierRuns(locker, from, to, trusted.keys);
  // A re-run of a recorded draw under a changed configuration is refused before anything runs.
  const configSha256 = sha256Hex(canonicalJson(config));
  const configChangeAccepted = checkConfigUnchanged({
    earlier,
    seed,
    from,
    to,
    population: name,
    configSha256,
    accept: options.acceptConfigChange === true,
  });
  const report = await samplePopulation({
    locker,
    config,
    population,
    from,
    to,
    seed,
    ...(options.size !== undefined && { size: options.size as number }),
  });
  const configFile = ctx.configFile();
  const rerun =
    `npx evidence sample --population ${name} --from ${from} --to ${to} --seed ${seed}` +
    (options.size !== undefined ? ` --size ${options.size}` : '') +
    ` --store ${shellArg(locker.url)}` +
    (configFile ? ` --config ${shellArg(configFile)}` : '');
  for (const c of configChangeAccepted)
    report.notes.push(
      `the configuration changed since ${c.key} drew this seed over this window (recorded configuration SHA-256 ${c.configSha256}, now ${configSha256}); the change was accepted with --accept-config-change, so this sample need not reproduce that one.`,
    );
  const ranAt = ctx.clock.now();
  const record = populationRunRecord({
    report,
    ranAt,
    seedGenerated: seedGiven === undefined,
    command: rerun,
    configSha256,
    store: locker.url,
    earlier,
    configChangeAccepted,
  });
  const signer = await loadSigner(signingSettingsOf(config.locker));
  const recorded = await writeSampleRun(locker, record, config.locker.retentionDays, signer);
  const written = options.out
    ? await writePopulationWorkpaper(String(options.out), report, {
        rerun,
        configSha256,
        recordKey: recorded.key,
        earlier,
      })
    : undefined;
  const pass = report.samples.filter((s) => s.verdict === 'pass').length;
  if (ctx.json) ctx.out(json({ ...report, command: rerun, configSha256, record: recorded.key, earlier }));
  else {
    if (report.samples.length)
      ctx.out(
        table(
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
    ctx.out(
      `${report.samples.length} of ${report.populationSize} ${name} (${report.sizeRule}), ${from} to ${to}, seed ${seed}: ${pass} pass, ${report.samples.length - pass} fail\n`,
    );
    for (const note of report.notes) ctx.note(`note: ${note}\n`);
    ctx.note(`recorded in the locker: ${recorded.key}${recorded.signature ? ' (signed)' : ''}\n`);
    if (earlier.length) {
      ctx.note(`${earlier.length} earlier sample run(s) over this window (the auditor sees them too):\n`);
      for (const e of earlier) ctx.note(`  ${describeEarlierRun(e)}\n`);
    }
    if (written) ctx.note(`workpaper: ${written.markdown}\n  also ${written.csv} and ${written.json}\n`);
  }
  // Fail closed: a digest chain that does not hold anywhere (even outside the window) means the
  // sealed record cannot be shown whole, so the run is no pass however its samples came out.
  if (report.chainProblems > 0) return EXIT.problems;
  return report.samples.length > 0 && pass === report.samples.length ? EXIT.ok : EXIT.problems;
}
