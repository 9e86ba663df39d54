/**
 * Sampling a population of occurrences (`sample --population changes`): the items are the
 * occurrences themselves (merged changes), not days. Every item whose time lies in the
 * window is in the population, whichever snapshot holds it (a change merged late on the
 * window's last day is in the next day's snapshot); an item held by several snapshots counts
 * once (the earliest snapshot that holds it is cited).
 *
 * Selection, exactly: each item gets the rank SHA-256("<seed>|<population>|<item id>") as 64
 * lower-case hex digits; items are sorted by rank and the first N are taken (all when the
 * population has N or fewer). N comes from OCCURRENCE_SIZES unless --size is given.
 *
 * Each snapshot read is proved against the digest chain: its SHA-256 must be the one a
 * digest sealed; an unsealed or altered snapshot makes its items fail.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Population, PopulationItem, RelatedSnapshot, RelatedSnapshots } from '../collectors/types.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { addDays, dayStart, daysBetween } from '../evidence/days.js';
import { walkChain } from '../evidence/digest.js';
import { listSnapshots } from '../evidence/listing.js';
import { readSnapshot } from '../evidence/read.js';
import { signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { csvCell, markdownCell, markdownCode } from '../text/escape.js';
import type { EarlierRun } from './record.js';
import { earlierRunsMarkdown } from './workpaper.js';

/**
 * Sample sizes for a population of occurrences: the count of occurrences in the window is
 * read as the frequency it corresponds to, and the frequency table of sizes.ts (its upper
 * end) gives the size; never more than the population.
 */
const OCCURRENCE_SIZES: readonly { upTo: number; as: string; size: number }[] = [
  { upTo: 1, as: 'annual', size: 1 },
  { upTo: 4, as: 'quarterly', size: 2 },
  { upTo: 12, as: 'monthly', size: 5 },
  { upTo: 52, as: 'weekly', size: 15 },
  { upTo: Number.POSITIVE_INFINITY, as: 'daily or more often', size: 60 },
];

export function occurrenceSampleSize(population: number): number {
  if (population === 0) return 0;
  const row = OCCURRENCE_SIZES.find((r) => population <= r.upTo)!;
  return Math.min(row.size, population);
}

export interface PopulationSample extends PopulationItem {
  rank: string;
  /** The snapshot that holds the item, its SHA-256 and the digest that sealed it. */
  key: string;
  sha256: string;
  digestKey: string | null;
}

export interface PopulationReport {
  schema: 'evidence.population-sample/1';
  population: string;
  collector: string;
  columns: readonly string[];
  /** The heading of the id column (default "change"). */
  idColumn?: string;
  from: string;
  to: string;
  seed: string;
  size: number;
  sizeRule: string;
  populationSize: number;
  snapshotsRead: number;
  /** Problems of the digest chain anywhere from genesis to head: any makes the run fail. */
  chainProblems: number;
  /**
   * Days of the window that no window of the snapshots read covers (windowed collectors): the
   * population misses what happened then, so the run is no pass.
   */
  populationGaps: string[];
  samples: PopulationSample[];
  notes: string[];
}

export function rankItem(seed: string, population: string, id: string): string {
  return sha256Hex(`${seed}|${population}|${id}`);
}

/**
 * The start of every population draw: the trusted keys (their notes added to `notes`), the
 * digest chain walked keeping the entries of the population's (and related) collectors'
 * snapshots keyed from `from` through `through`, the digest that sealed each, and how a
 * snapshot read stands against the chain (null: sealed and unchanged).
 */
export async function walkPopulationChain(input: {
  locker: Locker;
  config: Config;
  population: Population;
  from: string;
  through: string;
  trusted?: Awaited<ReturnType<typeof trustedKeys>>;
  /** Open the leaves of only the days from `from` through `through` (default: every day's). */
  leavesOnlyInWindow?: boolean;
  notes: string[];
}) {
  const { locker, config, population, from, through, notes } = input;
  const trusted = input.trusted ?? (await trustedKeys(locker, signingSettingsOf(config.locker)));
  notes.push(...trusted.notes);
  const collectors = [population.collector, ...(population.related ?? [])];
  const inWindow = (day: string) => day >= from && day <= through;
  const chain = await walkChain(locker, {
    trusted: trusted.keys,
    ...(input.leavesOnlyInWindow && { leavesFor: inWindow }),
    keep: (entry) => {
      const parts = parseSnapshotKey(entry.key);
      return parts !== undefined && collectors.includes(parts.collector) && inWindow(parts.day);
    },
  });
  const sealedBy = new Map<string, string>();
  for (const [key, d] of chain.sealedBy) sealedBy.set(key, d.key);
  if (chain.problems.length)
    notes.push(`the digest chain has ${chain.problems.length} problem(s): run evidence verify`);
  const integrityOf = (key: string, sha256: string) => {
    const sealed = chain.sealed.get(key);
    return !sealed
      ? 'not sealed by any digest'
      : sealed.sha256 !== sha256
        ? 'not the one its digest sealed (SHA-256 differs)'
        : null;
  };
  return { chain, collectors, sealedBy, integrityOf };
}

/** What a draw from a population is asked: where, which population, the window, the seed, the size. */
export interface PopulationDrawInput {
  locker: Locker;
  config: Config;
  population: Population;
  from: string;
  to: string;
  seed: string;
  size?: number;
  /** The keys to trust, when the caller has them already (default: the configuration's). */
  trusted?: Awaited<ReturnType<typeof trustedKeys>>;
}

export async function samplePopulation(input: PopulationDrawInput): Promise<PopulationReport> {
  const { locker, config, population, from, to, seed } = input;
  const notes: string[] = [];
  // A day's snapshot covers the day before: read one day past the window. The whole chain is
  // checked, but only the entries of the snapshots read are kept.
  const last = addDays(to, 1);
  const { chain, collectors, sealedBy, integrityOf } = await walkPopulationChain({
    ...input,
    through: last,
    leavesOnlyInWindow: true,
    notes,
  });

  const listed = await listSnapshots(locker, from, last, { collectors });
  const start = dayStart(from).toISOString();
  const end = dayStart(addDays(to, 1)).toISOString();
  const items = new Map<string, PopulationSample>();
  let read = 0;
  const ordered = [...listed].sort((a, b) => (a.key < b.key ? -1 : 1));
  const windows: { from: string; to: string }[] = [];
  // The related collectors' snapshots first: the population's verdicts may use them.
  const relatedIndex = new RelatedIndex();
  for (const object of ordered) {
    const parts = parseSnapshotKey(object.key);
    if (!parts || parts.collector === population.collector) continue;
    let snapshot: Awaited<ReturnType<typeof readSnapshot>>;
    try {
      snapshot = await readSnapshot(locker, object.key);
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    relatedIndex.add({
      key: object.key,
      sha256: snapshot.sha256,
      snapshot: snapshot.snapshot,
      integrity: integrityOf(object.key, snapshot.sha256),
    });
  }
  for (const object of ordered) {
    if (parseSnapshotKey(object.key)?.collector !== population.collector) continue;
    let snapshot: Awaited<ReturnType<typeof readSnapshot>>;
    try {
      snapshot = await readSnapshot(locker, object.key);
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    read++;
    if (snapshot.snapshot.status === 'error') {
      notes.push(`${object.key} is an error snapshot: it holds no ${population.name}`);
      continue;
    }
    const window = (snapshot.snapshot.data as { window?: { from?: unknown; to?: unknown } } | null)?.window;
    if (typeof window?.from === 'string' && typeof window.to === 'string')
      windows.push({ from: window.from, to: window.to });
    if (snapshot.snapshot.status === 'partial')
      notes.push(`${object.key} is partial: some ${population.name} may be missing from it (see its errors)`);
    const why = integrityOf(object.key, snapshot.sha256);
    const integrity = why ? `the snapshot holding it is ${why}` : null;
    for (const item of population.items(snapshot.snapshot, config, relatedIndex)) {
      if (item.at < start || item.at >= end || items.has(item.id)) continue;
      items.set(item.id, {
        ...item,
        ...(integrity && { verdict: 'fail' as const, detail: `${integrity}; ${item.detail}` }),
        rank: rankItem(seed, population.name, item.id),
        key: object.key,
        sha256: snapshot.sha256,
        digestKey: sealedBy.get(object.key) ?? null,
      });
    }
  }
  // Windowed snapshots (each covers a period): every day of the window must be in one, or the
  // population is incomplete (the run that covers a day comes after it; verify names the gap).
  const populationGaps = windows.length
    ? daysBetween(from, to).filter((day) => {
        const at = dayStart(day).toISOString();
        return !windows.some((w) => w.from <= at && at < w.to);
      })
    : [];
  if (populationGaps.length)
    notes.push(
      `population-gap: no snapshot read (key days ${from} to ${last}) covers ${populationGaps.join(', ')}: what happened then is not in this population, so the run is no pass; run evidence verify (a later run may cover them) or draw a window that ends earlier`,
    );
  const all = [...items.values()].sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const size = input.size !== undefined ? Math.min(input.size, all.length) : occurrenceSampleSize(all.length);
  const sizeRule =
    input.size !== undefined
      ? `--size ${input.size}`
      : `${all.length} occurrence(s): sized as a control operating ${OCCURRENCE_SIZES.find((r) => all.length <= r.upTo)?.as ?? 'never'} (docs/sampling.md)`;
  const samples = all
    .slice(0, size)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  if (all.length === 0)
    notes.push(`no ${population.name} in the window: nothing to sample (a population of 0 is not a pass)`);
  return {
    schema: 'evidence.population-sample/1',
    population: population.name,
    collector: population.collector,
    columns: population.columns,
    from,
    to,
    seed,
    size,
    sizeRule,
    populationSize: all.length,
    snapshotsRead: read,
    chainProblems: chain.problems.length,
    populationGaps,
    samples,
    notes,
  };
}

/** The related collectors' snapshots, found by the window that holds an instant. */
class RelatedIndex implements RelatedSnapshots {
  private readonly bySeries = new Map<string, RelatedSnapshot[]>();

  add(entry: RelatedSnapshot): void {
    if (entry.snapshot.status === 'error') return;
    const id = `${entry.snapshot.collector}/${entry.snapshot.scope}`;
    this.bySeries.set(id, [...(this.bySeries.get(id) ?? []), entry]);
  }

  covering(collector: string, scope: string, at: string): RelatedSnapshot | undefined {
    const t = Date.parse(at);
    const holding = (this.bySeries.get(`${collector}/${scope}`) ?? []).filter((e) => {
      const window = (e.snapshot.data as { window?: { from?: unknown; to?: unknown } } | null)?.window;
      if (typeof window?.from !== 'string' || typeof window.to !== 'string') return false;
      return Date.parse(window.from) <= t && t < Date.parse(window.to);
    });
    return preferred(holding);
  }
}

/** Of the snapshots that could serve, the one to read: sealed and intact first, then the latest collected. */
export function preferred(holding: RelatedSnapshot[]): RelatedSnapshot | undefined {
  holding.sort((a, b) =>
    (a.integrity === null) !== (b.integrity === null)
      ? a.integrity === null
        ? -1
        : 1
      : a.snapshot.collectedAt > b.snapshot.collectedAt
        ? -1
        : 1,
  );
  return holding[0];
}

/** The workpaper (Markdown), its CSV and JSON, in `dir`. */
export async function writePopulationWorkpaper(
  dir: string,
  report: PopulationReport,
  run: {
    rerun: string;
    /** SHA-256 of the configuration (canonical JSON) the run used. */
    configSha256: string;
    /** Where the run is recorded in the locker. */
    recordKey: string;
    earlier: readonly EarlierRun[];
    /** The configuration as recorded in the locker: the file's SHA-256 and the effective configuration's key. */
    configuration?: { fileSha256: string | null; sha256: string; key: string };
  },
): Promise<{ markdown: string; csv: string; json: string }> {
  const { rerun } = run;
  const pass = report.samples.filter((s) => s.verdict === 'pass').length;
  const md = [
    `# Test of effectiveness: ${report.population} (${report.collector})`,
    '',
    `Window ${report.from} to ${report.to}. Population: ${report.populationSize} occurrence(s) whose time lies in the window, from ${report.snapshotsRead} snapshot(s). Sample: ${report.samples.length} (${report.sizeRule}), seed ${markdownCode(report.seed)}.`,
    '',
    `Result: **${pass} of ${report.samples.length} pass**.`,
    '',
    '| | |',
    '|---|---|',
    `| Run recorded in the locker | ${markdownCode(run.recordKey, { inTable: true })} (write-once, signed) |`,
    '',
    '## Selection',
    '',
    `Each occurrence gets the rank SHA-256("<seed>|${report.population}|<id>") (64 lower-case hex digits); occurrences are sorted by rank and the first ${report.size} taken. Draw again with:`,
    '',
    '```sh',
    rerun,
    '```',
    '',
    "Set LOCKER to the locker and CONFIG to the configuration file named below (placeholders: never the preparing machine's paths).",
    '',
    `The run is recorded in the locker as ${markdownCode(run.recordKey)} (signed, write-once). ${
      run.configuration
        ? `Configuration file SHA-256 ${run.configuration.fileSha256 ? `${markdownCode(run.configuration.fileSha256)} (\`sha256sum\` of the file CONFIG)` : 'none (the configuration came inline)'}; the effective configuration is ${markdownCode(run.configuration.key)} in the locker (SHA-256 of its canonical bytes ${markdownCode(run.configuration.sha256)})`
        : `Configuration SHA-256 (effective, canonical JSON) ${markdownCode(run.configSha256)}`
    }: a re-run with this seed under another configuration is refused unless the change is accepted.`,
    '',
    '## Samples',
    '',
    `| # | ${markdownCell(report.idColumn ?? 'change')} | ${report.columns.map(markdownCell).join(' | ')} | verdict | detail | snapshot | SHA-256 |`,
    `|---|---|${report.columns.map(() => '---').join('|')}|---|---|---|---|`,
    ...report.samples.map(
      (s, i) =>
        `| ${i + 1} | ${/^https:\/\/[^\s()<>|\\]+$/.test(s.url) ? `[${markdownCell(s.id)}](${s.url})` : markdownCell(s.id)} | ${report.columns.map((c) => markdownCell(s.fields[c] ?? '')).join(' | ')} | **${s.verdict}** | ${markdownCell(s.detail)} | ${markdownCell(s.key)} | ${markdownCell(s.sha256)} |`,
    ),
    '',
    ...earlierRunsMarkdown(run.earlier),
    ...(report.notes.length ? ['## Notes', '', ...report.notes.map((n) => `- ${markdownCell(n)}`), ''] : []),
  ].join('\n');
  const csv = [
    ['id', 'url', ...report.columns, 'verdict', 'detail', 'snapshot', 'sha256', 'digest']
      .map(csvCell)
      .join(','),
    ...report.samples.map((s) =>
      [
        s.id,
        s.url,
        ...report.columns.map((c) => s.fields[c] ?? ''),
        s.verdict,
        s.detail,
        s.key,
        s.sha256,
        s.digestKey ?? '',
      ]
        .map(csvCell)
        .join(','),
    ),
  ].join('\r\n');
  const files = {
    markdown: path.join(dir, 'workpaper.md'),
    csv: path.join(dir, 'samples.csv'),
    json: path.join(dir, 'samples.json'),
  };
  await mkdir(dir, { recursive: true });
  await writeFile(files.markdown, md, { flag: 'wx' });
  await writeFile(files.csv, `${csv}\r\n`, { flag: 'wx' });
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`, { flag: 'wx' });
  return files;
}
