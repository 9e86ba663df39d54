/**
 * What a day sample (`sample`) and a population sample (`sample --population`) do alike around
 * their draw: the seed, the earlier recorded runs over the window (their signatures checked
 * against the trusted keys), the refusal of a recorded draw under a changed configuration, the
 * signed write-once record, and the closing lines on stderr.
 */
import type { Config } from '../../config.js';
import { canonicalJson, sha256Hex } from '../../evidence/canonical.js';
import { walkChain } from '../../evidence/digest.js';
import { loadSigner, signingSettingsOf, trustedKeys } from '../../evidence/signing.js';
import type { Locker } from '../../locker/types.js';
import {
  type AcceptedConfigChange,
  checkConfigUnchanged,
  describeEarlierRun,
  type EarlierRun,
  earlierRuns,
  type PopulationRunRecord,
  type SampleRunRecord,
  writeSampleRun,
} from '../../sample/record.js';
import { generateSeed, parseSeed } from '../../sample/select.js';
import type { CliContext } from '../context.js';

export interface SampleRunStart {
  seed: string;
  /** No --seed was given: the seed was generated (and announced). */
  seedGenerated: boolean;
  locker: Locker;
  /** The keys verify trusts (the configuration's), read once for the whole run. */
  trusted: Awaited<ReturnType<typeof trustedKeys>>;
  earlier: EarlierRun[];
  configSha256: string;
  /** Recorded draws of this seed and window under another configuration, accepted by the user. */
  configChangeAccepted: AcceptedConfigChange[];
}

/**
 * Before the draw: the seed (generated and announced through `announceSeed` when not given),
 * the earlier runs over the window, and the configuration check, which refuses (exit 2) a
 * recorded draw under a changed configuration unless `--accept-config-change`.
 */
export async function startSampleRun(
  ctx: CliContext,
  config: Config,
  input: {
    options: Record<string, unknown>;
    from: string;
    to: string;
    population?: string;
    announceSeed: (text: string) => void;
  },
): Promise<SampleRunStart> {
  const { options, from, to } = input;
  const seedGiven = options.seed as string | undefined;
  const seed = seedGiven === undefined ? generateSeed() : parseSeed(seedGiven);
  if (seedGiven === undefined)
    input.announceSeed(`seed ${seed} (generated: pass --seed ${seed} to draw the same sample again)\n`);
  const locker = ctx.openLocker();
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  // Every run the chain seals counts: one deleted (or hidden by a delete marker) is named.
  // Records are listed in the roots: no leaf is read (at 36,000 series a day, 1,012 leaves a day).
  const chain = await walkChain(locker, { trusted: trusted.keys, keep: () => false, leavesFor: () => false });
  const earlier = await earlierRuns(locker, from, to, trusted.keys, chain.records.keys());
  // A re-run of a recorded draw under a changed configuration is refused before anything runs.
  const configSha256 = sha256Hex(canonicalJson(config));
  const configChangeAccepted = checkConfigUnchanged({
    earlier,
    seed,
    from,
    to,
    ...(input.population !== undefined && { population: input.population }),
    configSha256,
    accept: options.acceptConfigChange === true,
  });
  return {
    seed,
    seedGenerated: seedGiven === undefined,
    locker,
    trusted,
    earlier,
    configSha256,
    configChangeAccepted,
  };
}

/** The workpaper notes that say which recorded draws this run departs from, and why it may. */
export function configChangeNotes(start: SampleRunStart): string[] {
  return start.configChangeAccepted.map(
    (c) =>
      `the configuration changed since ${c.key} drew this seed over this window (recorded configuration SHA-256 ${c.configSha256}, now ${start.configSha256}); the change was accepted with --accept-config-change, so this sample need not reproduce that one.`,
  );
}

/** The run's record, signed with the configured key, written once into the locker. */
export async function recordSampleRun(
  config: Config,
  locker: Locker,
  record: SampleRunRecord | PopulationRunRecord,
  /** Exactly this key (already named in the files the run wrote): a clash throws. */
  exactKey?: string,
): ReturnType<typeof writeSampleRun> {
  const signer = await loadSigner(signingSettingsOf(config.locker));
  return writeSampleRun(locker, record, config.locker.retentionDays, signer, exactKey);
}

/** The closing lines on stderr: notes, where the run is recorded, earlier runs, the workpaper. */
export function noteSampleRun(
  ctx: CliContext,
  input: {
    notes: readonly string[];
    recorded: { key: string; signature?: string };
    earlier: readonly EarlierRun[];
    written: { markdown: string; csv: string; json: string; exceptions?: string } | undefined;
  },
): void {
  const { recorded, earlier, written } = input;
  for (const note of input.notes) ctx.note(`note: ${note}\n`);
  ctx.note(`recorded in the locker: ${recorded.key}${recorded.signature ? ' (signed)' : ''}\n`);
  if (earlier.length) {
    ctx.note(`${earlier.length} earlier sample run(s) over this window (the auditor sees them too):\n`);
    for (const e of earlier) ctx.note(`  ${describeEarlierRun(e)}\n`);
  }
  if (written)
    ctx.note(
      `workpaper: ${written.markdown}\n  also ${written.csv} and ${written.json}\n` +
        (written.exceptions
          ? `  summarized (exceptions by account, worst first); every exception group: ${written.exceptions}\n`
          : ''),
    );
}
