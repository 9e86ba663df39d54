/**
 * A test of effectiveness: for each check, each series of its collector and each sampled day,
 * take that day's snapshot, prove its bytes are the ones a digest sealed, run the check, and
 * record pass / fail (failing items named) / missing (no usable snapshot: never a pass).
 *
 * Series are the collector's scopes from the configuration united with the scopes found in
 * the locker over the window (listing and digests), so a series with no snapshot at all still
 * yields `missing` samples, and a scope the configuration cannot name offline (the default AWS
 * account, known only to STS) still gets sampled from what the locker holds.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AnyCheck, CheckOutcome, RelatedSnapshots } from '../checks/types.js';
import { type AnyCollector, isEnabled, requiredSection } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { errorMessage, NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { type CachedRoots, compareSealed, type LeafRef, leafKeyOf, walkChain } from '../evidence/digest.js';
import type { ListedSnapshot } from '../evidence/listing.js';
import {
  cachedRoots,
  cutParts,
  linesOf,
  listedOf,
  type PartRange,
  rangeOwns,
  spillListing,
  walkRootsOnce,
  wholeRange,
} from '../evidence/listing-spill.js';
import { parseJson } from '../evidence/read.js';
import { signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey, type Snapshot, SnapshotEnvelope, seriesId } from '../evidence/snapshot.js';
import { LineWriter, mergeLines, readLines } from '../lines.js';
import type { Locker, LockMode } from '../locker/types.js';
import { type SamplePlan, selectDays } from './select.js';

export type SampleResultKind = 'pass' | 'fail' | 'not-applicable' | 'missing';

/** What the digests say about the sampled snapshot. */
export type Integrity = 'sealed' | 'not-sealed' | 'hash-mismatch' | 'deleted' | 'chain-broken';

export interface SeriesRef {
  check: string;
  collector: string;
  scope: string;
  /** Where the series came from: the configuration, the locker, or both. */
  origin: 'config' | 'locker' | 'config+locker';
}

export interface SampleResult {
  check: string;
  collector: string;
  scope: string;
  day: string;
  /** The snapshot judged (or found tampered); null when the day has none. */
  key: string | null;
  /** SHA-256 of the bytes read; null when nothing was read. */
  sha256: string | null;
  versionId: string | null;
  /** Envelope status of the snapshot judged. */
  snapshotStatus: 'ok' | 'partial' | 'error' | null;
  /** How many snapshots the series has that day (the latest ok one is judged). */
  snapshotsThatDay: number;
  integrity: Integrity | null;
  /** The digest that sealed the snapshot. */
  digestKey: string | null;
  /** The digest's leaf that lists the snapshot, when the digest is a root of the form that scales. */
  leafKey?: string;
  lockMode: LockMode | null;
  retainUntil: string | null;
  result: SampleResultKind;
  detail: string;
  failing: string[];
  /** The day's selection rank and stratum (see select.ts). */
  rank: string;
  stratum: string;
}

export interface SampleOptions {
  locker: Locker;
  config: Config;
  checks: readonly AnyCheck[];
  /** The registered collectors: their pure `scopes(config, env)` names the configured series. */
  collectors: readonly AnyCollector[];
  seed: string;
  from: string;
  to: string;
  plan: SamplePlan;
  /** Requests in flight at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** The keys to trust, when the caller has them already (default: the configuration's). */
  trusted?: Awaited<ReturnType<typeof trustedKeys>>;
}

export interface SampleReport {
  seed: string;
  checks: string[];
  from: string;
  to: string;
  plan: SamplePlan;
  series: SeriesRef[];
  samples: SampleResult[];
  chain: { digests: number; problems: { key: string; problem: string; detail: string }[] };
  /** Things the reader of the workpaper must know (how series were found, broken chain links). */
  notes: string[];
  locker: { url: string; kind: 's3' | 'directory'; worm: boolean };
  requests: number;
}

interface DayIndex {
  /** collector → scope → day → keys */
  keys: Map<string, Map<string, Map<string, Set<string>>>>;
}

function addKey(index: DayIndex, key: string): void {
  const parts = parseSnapshotKey(key);
  if (!parts) return;
  const byScope = index.keys.get(parts.collector) ?? new Map<string, Map<string, Set<string>>>();
  index.keys.set(parts.collector, byScope);
  const byDay = byScope.get(parts.scope) ?? new Map<string, Set<string>>();
  byScope.set(parts.scope, byDay);
  const keys = byDay.get(parts.day) ?? new Set<string>();
  byDay.set(parts.day, keys);
  keys.add(key);
}

/** Not an AWS account (AWS never issues it): stands for the collecting account in scopes(). */
const PLACEHOLDER_ACCOUNT = '000000000000';

/** The scopes the configuration names for a collector, offline; with a note when it cannot. */
export function configuredScopes(
  collectorId: string,
  config: Config,
  collectors: readonly AnyCollector[],
  notes: string[],
): string[] {
  const collector = collectors.find((c) => c.id === collectorId);
  if (!collector) {
    notes.push(`collector ${collectorId} is not registered: its series come from the locker only.`);
    return [];
  }
  if (!isEnabled(collector, config)) {
    notes.push(
      `the configuration has no "${requiredSection(collector)}" section: ${collectorId} series come from the locker only.`,
    );
    return [];
  }
  try {
    if (collector.source === 'aws') {
      // The AWS collectors always cover the account of the collecting credentials, which only
      // STS knows, and it need not be the account sampling now. Derive the scopes with a
      // placeholder account and keep only those of accounts the configuration names; the
      // default account's series come from the locker.
      notes.push(
        `${collectorId}: the series of the AWS account that ran the collection (not named in aws.accounts) are the scopes found in the locker over the window.`,
      );
      return collector
        .scopes(config, { defaultAccountId: PLACEHOLDER_ACCOUNT })
        .map((s: { id: string }) => s.id)
        .filter((id: string) => !id.includes(PLACEHOLDER_ACCOUNT));
    }
    return collector.scopes(config, {}).map((s: { id: string }) => s.id);
  } catch (err) {
    notes.push(
      `${collectorId}: the configuration's scopes could not be derived offline (${errorMessage(err)}); its series come from the locker only.`,
    );
    return [];
  }
}

/** Sample counts by result (the workpaper's and the record's summary). */
export interface SampleTally {
  total: number;
  pass: number;
  fail: number;
  notApplicable: number;
  missing: number;
}

/** A series sampled, with how its samples came out. */
export interface SeriesTally extends SeriesRef {
  tally: SampleTally;
}

/**
 * What a draw produced, read again as often as needed, in order: every sample by check (in the
 * order of the checks given), series and day; every series by check and series. Held in memory
 * for a small draw, read back line by line from files for one drawn in parts.
 */
export interface SampleRows {
  /** Each iteration reads them again from the start. */
  samples: Iterable<SampleResult>;
  series: Iterable<SeriesTally>;
  summary: SampleTally;
  seriesCount: number;
}

/** A report whose rows are streamed (`rows`), not held. */
export interface SampleView extends Omit<SampleReport, 'samples' | 'series'> {
  rows: SampleRows;
}

/** The view of a report held in memory. */
export function viewOf(report: SampleReport | SampleView): SampleView {
  if ('rows' in report) return report;
  const { samples, series, ...rest } = report;
  return { ...rest, rows: rowsOf(series, samples) };
}

/** A draw: the report without its rows, which it streams (`rows`); close() removes its files. */
export interface SampleDraw extends SampleView {
  /** Parts the window was drawn in (1: in one piece). */
  parts: number;
  close(): void;
}

/** Snapshots of the window one part of a draw holds at most (as verify's parts). */
export const SAMPLE_SNAPSHOTS_PER_PART = 60_000;

export interface DrawOptions extends SampleOptions {
  /** At most this many snapshots of the window per part (default SAMPLE_SNAPSHOTS_PER_PART). */
  snapshotsPerPart?: number;
}

export function emptyTally(): SampleTally {
  return { total: 0, pass: 0, fail: 0, notApplicable: 0, missing: 0 };
}

export function addToTally(t: SampleTally, result: SampleResultKind): void {
  t.total++;
  if (result === 'pass') t.pass++;
  else if (result === 'fail') t.fail++;
  else if (result === 'missing') t.missing++;
  else t.notApplicable++;
}

/** Rows held in memory (a small draw, or a report built by hand). */
export function rowsOf(series: readonly SeriesRef[], samples: readonly SampleResult[]): SampleRows {
  const tallies = new Map<string, SampleTally>();
  const id = (check: string, collector: string, scope: string) => `${check}\u0000${collector}\u0000${scope}`;
  const summary = emptyTally();
  for (const s of samples) {
    addToTally(summary, s.result);
    const k = id(s.check, s.collector, s.scope);
    const t = tallies.get(k) ?? emptyTally();
    tallies.set(k, t);
    addToTally(t, s.result);
  }
  const withTally = series.map((s) => ({
    ...s,
    tally: tallies.get(id(s.check, s.collector, s.scope)) ?? emptyTally(),
  }));
  return {
    samples,
    series: withTally,
    summary,
    seriesCount: series.length,
  };
}

/**
 * Draw and judge the sample (see the file's head), holding it all: for a window of a few
 * hundred thousand snapshots at most. `drawSample` streams it.
 */
export async function runSample(options: DrawOptions): Promise<SampleReport> {
  const draw = await drawSample(options);
  try {
    const { rows, parts: _parts, close: _close, ...rest } = draw;
    return {
      ...rest,
      series: [...rows.series].map(({ tally: _t, ...s }) => s),
      samples: [...rows.samples],
    };
  } finally {
    draw.close();
  }
}

/** One part of a draw: which checks, which series (by scope), the part's listing and roots. */
interface DrawPart {
  checks: readonly AnyCheck[];
  owns: (scope: string) => boolean;
  ownsShard?: (shard: string) => boolean;
  listed: Iterable<ListedSnapshot>;
  /** The chain of roots walked once for every part, with this part's leaf references (in parts). */
  roots?: CachedRoots;
}

/**
 * Draw and judge the sample in bounded memory. The window's listing is read once and spilled per
 * account shard (evidence/listing-spill.ts, as `verify` does); a window of more than
 * `snapshotsPerPart` snapshots is drawn in parts (ranges of account shards), the chain of roots
 * walked and checked once for all of them (walkRootsOnce), each part reading only its shards'
 * leaves and holding only its series, and each part's samples go to a file; the
 * files are merged in order. The draw is a pure function of the seed, the series and the
 * window, so a draw in parts yields the same rows, in the same order, as one in one piece.
 * Checks that read other collectors (`reads`) are drawn in a part of their own that holds their
 * collectors whole (they read every series of those collectors each day).
 */
export async function drawSample(options: DrawOptions): Promise<SampleDraw> {
  const { locker, config, checks, seed, from, to, plan } = options;
  const width = options.concurrency ?? 16;
  const limit = options.snapshotsPerPart ?? SAMPLE_SNAPSHOTS_PER_PART;
  const startRequests = locker.stats.requests;
  const notes: string[] = [];
  await locker.check();

  // Trust as verify does: the key file and pins of the configuration, never a key found only in the locker.
  const trusted = options.trusted ?? (await trustedKeys(locker, signingSettingsOf(config.locker)));
  notes.push(...trusted.notes);
  // Cross-collector checks read the same day's snapshots of the collectors they name in `reads`.
  const collectorIds = [...new Set(checks.flatMap((c) => [c.collector, ...(c.reads ?? [])]))].sort();

  // 1. What the locker holds over the window: keys are day-first, so a month is one prefix (one
  // listing, 1,000 keys a page, per month of the window), spilled per account shard.
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-sample-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    const spill = await spillListing(locker, from, to, dir, width, { collectors: collectorIds });
    const misfiled = spill.misfiled.length;
    if (misfiled > 0)
      notes.push(
        `${misfiled} key(s) under snapshots/ in the window do not follow the key layout (misfiled) and were not sampled; evidence verify names them.`,
      );
    // The configuration's scopes, once per collector (a few bytes a series).
    const configured = new Map<string, string[]>();
    const configuredOf = (collector: string) => {
      const scopes =
        configured.get(collector) ?? configuredScopes(collector, config, options.collectors, notes);
      configured.set(collector, scopes);
      return scopes;
    };
    for (const check of checks) configuredOf(check.collector);

    // 2. The parts.
    const all = wholeRange(spill.total);
    const everything = { owns: () => true };
    const read = (range: PartRange, collectors?: ReadonlySet<string>) =>
      listedOf(linesOf(range, spill.listing), collectors).values();
    let parts: DrawPart[];
    if (spill.total <= limit) parts = [{ checks, ...everything, listed: read(all) }];
    else {
      // The chain of roots, walked and checked once for every part (each root and its signature
      // read once); each part then reads only its shards' leaves.
      const roots = await walkRootsOnce(locker, { from, to, trusted: trusted.keys, concurrency: width, dir });
      const rootsOf = (range: PartRange) => cachedRoots(roots.chain, linesOf(range, roots.leaves));
      const alone = checks.filter((c) => !c.reads?.length);
      const cross = checks.filter((c) => c.reads?.length);
      parts = cutParts(spill.counts, limit).map((range) => ({
        checks: alone,
        ...rangeOwns(range),
        get listed() {
          return read(range);
        },
        get roots() {
          return rootsOf(range);
        },
      }));
      if (cross.length) {
        const theirs = new Set(cross.flatMap((c) => [c.collector, ...(c.reads ?? [])]));
        parts.push({
          checks: cross,
          ...everything,
          get listed() {
            return read(all, theirs);
          },
          get roots() {
            return rootsOf(all);
          },
        });
      }
    }

    // 3. Each part: its chain entries, its series, its samples, spilled in order.
    const checkIndex = new Map<AnyCheck, number>(checks.map((c, i) => [c, i]));
    const sortKey = (check: AnyCheck, scope: string, day = '') =>
      `${String(checkIndex.get(check)).padStart(5, '0')}\t${scope}\t${day}`;
    const chainProblems = new Map<string, { key: string; problem: string; detail: string }>();
    let digests = 0;
    const seriesPerCheck = new Map<string, number>();
    const sampleFiles: string[] = [];
    const seriesFiles: string[] = [];
    let done = 0;
    for (const [n, part] of parts.entries()) {
      const result = await drawPart({
        ...options,
        trusted,
        width,
        part,
        configuredOf,
        notes,
        progress: (i, of) => options.onProgress?.(done + i, done + of),
      });
      digests = result.digests;
      for (const p of result.problems) chainProblems.set(`${p.key}\u0000${p.problem}\u0000${p.detail}`, p);
      const samples = new LineWriter(path.join(dir, `samples-${n}.tsv`));
      const series = new LineWriter(path.join(dir, `series-${n}.tsv`));
      const tallies = new Map<string, SampleTally>();
      const byCheck = new Map<string, AnyCheck>(part.checks.map((c) => [`${c.collector}\u0000${c.id}`, c]));
      const ordered = result.samples
        .map((s) => ({ k: sortKey(byCheck.get(`${s.collector}\u0000${s.check}`)!, s.scope, s.day), s }))
        .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      for (const { k, s } of ordered) {
        samples.write(`${k}\t${JSON.stringify(s)}`);
        const id = `${s.check}\u0000${s.collector}\u0000${s.scope}`;
        const t = tallies.get(id) ?? emptyTally();
        tallies.set(id, t);
        addToTally(t, s.result);
      }
      const refs = result.series
        .map((r) => ({ k: sortKey(byCheck.get(`${r.collector}\u0000${r.check}`)!, r.scope), r }))
        .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      for (const { k, r } of refs) {
        const tally = tallies.get(`${r.check}\u0000${r.collector}\u0000${r.scope}`) ?? emptyTally();
        series.write(`${k}\t${JSON.stringify({ ...r, tally })}`);
        seriesPerCheck.set(r.check, (seriesPerCheck.get(r.check) ?? 0) + 1);
      }
      samples.flush();
      series.flush();
      sampleFiles.push(samples.file);
      seriesFiles.push(series.file);
      done += result.samples.length;
    }
    for (const check of checks)
      if (!seriesPerCheck.get(check.id))
        notes.push(
          `${check.id}: no series of collector ${check.collector} in the configuration or the locker.`,
        );

    // 4. The parts' files merged into one of each, in order.
    const byKey = (a: string, b: string) => {
      const ka = a.slice(0, nthTab(a, 3));
      const kb = b.slice(0, nthTab(b, 3));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    };
    const merged = {
      samples: path.join(dir, 'samples.jsonl'),
      series: path.join(dir, 'series.jsonl'),
    };
    const summary = emptyTally();
    const out = new LineWriter(merged.samples);
    for (const line of mergeLines(sampleFiles, byKey)) {
      const json = line.slice(nthTab(line, 3) + 1);
      addToTally(summary, (JSON.parse(json) as SampleResult).result);
      out.write(json);
    }
    out.flush();
    const seriesOut = new LineWriter(merged.series);
    for (const line of mergeLines(seriesFiles, byKey)) seriesOut.write(line.slice(nthTab(line, 3) + 1));
    seriesOut.flush();
    for (const f of [...sampleFiles, ...seriesFiles]) rmSync(f, { force: true });

    const rows: SampleRows = {
      samples: {
        *[Symbol.iterator]() {
          for (const line of readLines(merged.samples)) yield JSON.parse(line) as SampleResult;
        },
      },
      series: {
        *[Symbol.iterator]() {
          for (const line of readLines(merged.series)) yield JSON.parse(line) as SeriesTally;
        },
      },
      summary,
      seriesCount: seriesOut.lines,
    };
    return {
      seed,
      checks: [...new Set(checks.map((c) => c.id))],
      from,
      to,
      plan,
      rows,
      parts: parts.length,
      chain: { digests, problems: [...chainProblems.values()] },
      notes: [...new Set(notes)],
      locker: { url: locker.url, kind: locker.kind, worm: locker.worm },
      requests: locker.stats.requests - startRequests,
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

/** The index of the n-th tab of a line (1-based). */
function nthTab(line: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = line.indexOf('\t', at + 1);
  return at;
}

/**
 * One part: the chain walked keeping the part's entries of the window (its account shards'
 * leaves only), its series (configured scopes it owns, united with those found), its samples.
 */
async function drawPart(
  input: SampleOptions & {
    trusted: Awaited<ReturnType<typeof trustedKeys>>;
    width: number;
    part: DrawPart;
    configuredOf: (collector: string) => string[];
    notes: string[];
    progress: (done: number, total: number) => void;
  },
): Promise<{
  samples: SampleResult[];
  series: SeriesRef[];
  digests: number;
  problems: { key: string; problem: string; detail: string }[];
}> {
  const { locker, config, seed, from, to, plan, part, width, notes } = input;
  const checks = part.checks;
  const collectorIds = [...new Set(checks.flatMap((c) => [c.collector, ...(c.reads ?? [])]))].sort();
  const inWindow = (key: string) => {
    const parts = parseSnapshotKey(key);
    return (
      parts !== undefined &&
      parts.day >= from &&
      parts.day <= to &&
      collectorIds.includes(parts.collector) &&
      part.owns(parts.scope)
    );
  };
  // The whole chain is checked, genesis to head (links, previous, sequence, signatures), but
  // only the window's entries of the part are kept: memory follows the part, not the locker.
  const chain = await walkChain(locker, {
    trusted: input.trusted.keys,
    concurrency: width,
    leavesFor: (day) => day >= from && day <= to,
    ...(part.ownsShard && { leafFilter: (leaf: LeafRef) => part.ownsShard!(leaf.shard) }),
    ...(part.roots && { roots: part.roots }),
    keep: (entry) => inWindow(entry.key),
  });
  const sealedBy = new Map<string, string>();
  for (const [key, d] of chain.sealedBy) sealedBy.set(key, d.key);
  const brokenDigests = new Map<string, string>();
  for (const p of chain.problems) brokenDigests.set(p.key, `${p.problem}: ${p.detail}`);
  for (const p of chain.problems) notes.push(`digest chain: ${p.key} ${p.problem}: ${p.detail}`);

  // What the locker holds of the part over the window, plus what the digests sealed there.
  const index: DayIndex = { keys: new Map() };
  for (const item of part.listed)
    if (collectorIds.includes(item.collector) && part.owns(item.scope)) addKey(index, item.key);
  for (const key of chain.sealed.keys()) if (inWindow(key)) addKey(index, key);

  // Series: configured scopes united with those found.
  const series: SeriesRef[] = [];
  for (const check of checks) {
    const fromConfig = new Set(input.configuredOf(check.collector).filter((s) => part.owns(s)));
    const fromLocker = new Set(index.keys.get(check.collector)?.keys() ?? []);
    const all = [...new Set([...fromConfig, ...fromLocker])].sort();
    for (const scope of all) {
      const origin = fromConfig.has(scope) ? (fromLocker.has(scope) ? 'config+locker' : 'config') : 'locker';
      series.push({ check: check.id, collector: check.collector, scope, origin });
    }
  }

  // The series each cross-collector check reads besides its own: a collector the configuration
  // turns on must have a usable snapshot of each of its series (configured, or found in the
  // locker over the window) on the day judged; one it does not turn on is read where it has one.
  const relatedOf = new Map<string, RelatedSeries[]>();
  for (const check of checks) {
    if (!check.reads?.length) continue;
    relatedOf.set(
      check.id,
      check.reads.map((id) => {
        const collector = input.collectors.find((c) => c.id === id);
        const required = collector !== undefined && isEnabled(collector, config);
        const fromConfig = required ? configuredScopes(id, config, input.collectors, notes) : [];
        const fromLocker = [...(index.keys.get(id)?.keys() ?? [])];
        return { collector: id, required, scopes: [...new Set([...fromConfig, ...fromLocker])].sort() };
      }),
    );
  }

  // Select and evaluate.
  const jobs = series.flatMap((s) =>
    selectDays({ seed, check: s.check, series: seriesId(s.collector, s.scope), from, to, plan }).map(
      (picked) => ({ series: s, ...picked }),
    ),
  );
  // One id may judge several collectors' snapshots (one Check each): keyed by both.
  const byId = new Map(checks.map((c) => [`${c.collector}\u0000${c.id}`, c]));
  let evaluated = 0;
  const samples = await mapLimit(jobs, width, async (job) => {
    const keys = [...(index.keys.get(job.series.collector)?.get(job.series.scope)?.get(job.day) ?? [])];
    const result = await evaluate({
      locker,
      config,
      check: byId.get(`${job.series.collector}\u0000${job.series.check}`)!,
      series: job.series,
      day: job.day,
      keys,
      sealed: chain.sealed,
      sealedBy,
      brokenDigests,
      related: (relatedOf.get(job.series.check) ?? []).map((r) => ({
        collector: r.collector,
        required: r.required,
        scopes: r.scopes.map((scope) => ({
          scope,
          keys: [...(index.keys.get(r.collector)?.get(scope)?.get(job.day) ?? [])],
        })),
      })),
    });
    input.progress(++evaluated, jobs.length);
    const root = result.key && result.digestKey ? chain.sealedBy.get(result.key) : undefined;
    const leafKey = root && result.key ? leafKeyOf(root, result.key) : undefined;
    return { ...result, ...(leafKey && { leafKey }), rank: job.rank, stratum: job.stratum };
  });
  return {
    samples,
    series,
    digests: chain.digests.length,
    problems: chain.problems.map((p) => ({ key: p.key, problem: p.problem, detail: p.detail })),
  };
}

interface RelatedSeries {
  collector: string;
  /** The configuration turns the collector on: each of its series must have a snapshot that day. */
  required: boolean;
  scopes: string[];
}

interface EvaluateInput {
  locker: Locker;
  config: Config;
  check: AnyCheck;
  series: SeriesRef;
  day: string;
  keys: string[];
  sealed: Map<string, { sha256: string; versionId?: string }>;
  sealedBy: Map<string, string>;
  brokenDigests: Map<string, string>;
  /** The series of the collectors the check `reads`, with their keys of the day. */
  related?: { collector: string; required: boolean; scopes: { scope: string; keys: string[] }[] }[];
}

type Evaluated = Omit<SampleResult, 'rank' | 'stratum'>;

/** At most this many related snapshot keys are named in a sample's detail. */
const RELATED_KEYS_NAMED = 5;

/**
 * One sampled (series, day): pick the snapshot, prove it sealed, do the same for each series
 * the check reads besides its own (a required one without a usable snapshot: `missing`; one
 * tampered with: `fail`), run the check.
 */
export async function evaluate(input: EvaluateInput): Promise<Evaluated> {
  const primary = await pick(input);
  if (!primary.snapshot) return primary.read;
  const related = new Map<string, Snapshot[]>();
  const readWith: string[] = [];
  for (const r of input.related ?? []) {
    const scopes = r.required ? r.scopes : r.scopes.filter((s) => s.keys.length > 0);
    if (r.required && scopes.length === 0)
      return {
        ...primary.read,
        result: 'missing',
        detail: `${input.check.id} reads ${r.collector} snapshots too, and the locker holds no ${r.collector} series: not judged`,
      };
    for (const { scope, keys } of scopes) {
      const other = await pick({
        ...input,
        series: { ...input.series, collector: r.collector, scope },
        keys,
      });
      if (!other.snapshot)
        return {
          ...primary.read,
          result: other.read.result === 'fail' ? 'fail' : 'missing',
          detail: `${input.check.id} reads ${seriesId(r.collector, scope)} on ${input.day} too, and it cannot be used: ${other.read.detail}`,
        };
      related.set(r.collector, [...(related.get(r.collector) ?? []), other.snapshot]);
      if (other.read.key) readWith.push(other.read.key);
    }
  }
  const judged = judge(primary.read, primary.snapshot, input, related);
  if (readWith.length === 0) return judged;
  const named = readWith.slice(0, RELATED_KEYS_NAMED).join(', ');
  const more =
    readWith.length > RELATED_KEYS_NAMED ? ` and ${readWith.length - RELATED_KEYS_NAMED} more` : '';
  return { ...judged, detail: `${judged.detail} (read with ${named}${more})` };
}

/** The snapshot of one (series, day) proven sealed, or why there is none usable (`read` says). */
async function pick(input: EvaluateInput): Promise<{ read: Evaluated; snapshot?: Snapshot }> {
  const { check, series, day, locker } = input;
  const base: Evaluated = {
    check: check.id,
    collector: series.collector,
    scope: series.scope,
    day,
    key: null,
    sha256: null,
    versionId: null,
    snapshotStatus: null,
    snapshotsThatDay: input.keys.length,
    integrity: null,
    digestKey: null,
    lockMode: null,
    retainUntil: null,
    result: 'missing',
    detail: `no snapshot of ${seriesId(series.collector, series.scope)} on ${day}`,
    failing: [],
  };
  if (input.keys.length === 0) return { read: base };

  // Latest first: the file name starts with the compact collectedAt.
  const keys = [...input.keys].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  let partial: Evaluated | undefined;
  let partialSnapshot: Snapshot | undefined;
  const errors: string[] = [];
  let lastRead: Evaluated = base;
  for (const key of keys) {
    let body: Buffer;
    let info: Awaited<ReturnType<Locker['get']>>['info'];
    try {
      ({ body, info } = await locker.get(key));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return {
        read: {
          ...base,
          key,
          digestKey: input.sealedBy.get(key) ?? null,
          integrity: 'deleted',
          result: 'fail',
          detail: `${key} was sealed by ${input.sealedBy.get(key) ?? 'a digest'} but is no longer in the locker: evidence was deleted`,
        },
      };
    }
    const sha256 = sha256Hex(body);
    const read: Evaluated = {
      ...base,
      key,
      sha256,
      versionId: info.versionId ?? null,
      digestKey: input.sealedBy.get(key) ?? null,
      lockMode: info.lockMode ?? null,
      retainUntil: info.retainUntil ? info.retainUntil.toISOString() : null,
    };
    const entry = input.sealed.get(key);
    if (!entry) {
      return {
        read: {
          ...read,
          integrity: 'not-sealed',
          result: 'fail',
          detail: `${key} is not sealed by any digest, so its integrity cannot be shown: run "evidence seal --day ${day}" and sample again`,
        },
      };
    }
    const digestKey = input.sealedBy.get(key)!;
    // The one comparison of an object with what sealed it (verify and seal use it too).
    const altered = compareSealed(
      { key, sha256: entry.sha256, ...(entry.versionId && { versionId: entry.versionId }) },
      { sha256, ...(info.versionId && { versionId: info.versionId }) },
      digestKey,
    );
    if (altered) {
      return {
        read: {
          ...read,
          integrity: 'hash-mismatch',
          result: 'fail',
          detail: `tampered: ${key}: ${altered.detail}`,
        },
      };
    }
    const broken = input.brokenDigests.get(digestKey);
    if (broken) {
      return {
        read: {
          ...read,
          integrity: 'chain-broken',
          result: 'fail',
          detail: `${key} is sealed by ${digestKey}, whose place in the digest chain cannot be shown (${broken})`,
        },
      };
    }
    const parsed = SnapshotEnvelope.safeParse(safeJson(key, body));
    if (!parsed.success) {
      return {
        read: {
          ...read,
          integrity: 'sealed',
          result: 'fail',
          detail: `${key} is sealed but is not a snapshot envelope (${parsed.error.issues[0]?.message ?? 'invalid'})`,
        },
      };
    }
    const snapshot = parsed.data as Snapshot;
    const sealedRead: Evaluated = { ...read, integrity: 'sealed', snapshotStatus: snapshot.status };
    lastRead = sealedRead;
    if (snapshot.status === 'ok') return { read: sealedRead, snapshot };
    if (snapshot.status === 'partial' && !partial) {
      partial = sealedRead;
      partialSnapshot = snapshot;
    }
    if (snapshot.status === 'error') errors.push(...snapshot.errors);
  }
  if (partial && partialSnapshot) return { read: partial, snapshot: partialSnapshot };
  return {
    read: {
      ...lastRead,
      result: 'missing',
      detail: `no usable snapshot on ${day}: ${keys.length} snapshot(s), every one a failed collection (${errors.join('; ') || 'no error recorded'})`,
    },
  };
}

function safeJson(key: string, body: Buffer): unknown {
  try {
    return parseJson(key, body);
  } catch {
    return undefined;
  }
}

function judge(
  read: Evaluated,
  snapshot: Snapshot,
  input: EvaluateInput,
  related: RelatedSnapshots = new Map(),
): Evaluated {
  let outcome: CheckOutcome;
  try {
    outcome = input.check.run(snapshot, input.config, related);
  } catch (err) {
    // A check that throws has not judged the snapshot: record it, never as a pass.
    return {
      ...read,
      result: 'fail',
      detail: `check ${input.check.id} could not judge this snapshot (${errorMessage(err)})`,
    };
  }
  const partialNote =
    snapshot.status === 'partial'
      ? ` (partial snapshot: ${snapshot.errors.join('; ') || 'no reason given'})`
      : '';
  return {
    ...read,
    result: outcome.result,
    detail: `${outcome.detail}${partialNote}`,
    failing: [...outcome.failing],
  };
}
