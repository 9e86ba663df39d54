/**
 * Verify at organization size in bounded memory: the window is judged in parts, each a range of
 * the account shards the digests of the form that scales already use (`shardOf`: two hex digits
 * of the SHA-256 of a scope's account; every series of an account is in one shard). A part reads
 * only its shards' leaves and keeps only its series' entries, listing and facts, so memory follows
 * the part, not the organization.
 *
 * The window's snapshot listing is read once (the same LIST requests as one verification) and
 * spilled to a temporary file per shard, a line per key; each part then reads its shards' files.
 * The chain of roots is walked and checked once for every part (each root and its signature read
 * once; digest/chain.ts, `roots`): held compact (a few hundred bytes a digest), the window's roots'
 * leaf references spilled per shard like the listing, so a part reads only its leaves, each with
 * its signature: two requests per series shard and day over all parts. The signed records
 * (acknowledgements, retirements, reports, reviews) are listed once for every part too; each
 * part reads those it uses (a record gone or changed since it was listed is a problem). The parts' results are merged into one: series in order,
 * problems and notes once each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.js';
import { type ChainRoots, type LeafRef, shardOf } from '../evidence/digest.js';
import type { ListedSnapshot } from '../evidence/listing.js';
import {
  cutParts,
  leafRefsOf,
  linesOf,
  listedOf,
  type PartRange,
  Spill,
  spillListing,
  walkRootsOnce,
} from '../evidence/listing-spill.js';
import { signingSettingsOf, type TrustedKeys, trustedKeys } from '../evidence/signing.js';
import type { VerifyPartInput } from './inputs.js';
import { hashRecords, listRecords, type RecordListing } from './records.js';
import type { IntegrityProblem, VerifyResult } from './types.js';
import { type VerifyOptions, verify } from './verify.js';

/** Snapshots of the window one part holds at most (about 3.5 KiB each with their facts). */
export const SNAPSHOTS_PER_PART = 60_000;

// The window's listing spilled per account shard, the parts cut from it and the chain of roots
// walked once live in evidence/listing-spill.ts (sample and export cut and walk the same way).
export { cutParts, linesOf, type PartRange, Spill, spillListing, walkRootsOnce };

export interface PartsOptions extends VerifyOptions {
  /** At most this many snapshots of the window per part (default SNAPSHOTS_PER_PART). */
  snapshotsPerPart?: number;
  /** Told when a part starts and ends (the CLI's progress line). */
  onPart?: (event: { part: number; parts: number; snapshots: number; done: boolean }) => void;
}

/**
 * Verify the window as `verify` does, in as many parts as the window's listing needs
 * (`snapshotsPerPart`); one part is exactly `verify`. The result is the same document.
 */
export async function verifyInParts(options: PartsOptions): Promise<VerifyResult> {
  const { locker, from, to } = options;
  const limit = options.snapshotsPerPart ?? SNAPSHOTS_PER_PART;
  const width = options.concurrency ?? 16;
  const startRequests = locker.stats.requests;
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-verify-'));
  try {
    // 1. One listing pass, spilled per shard; 2. the parts: ranges of shards.
    const window = await spillListing(locker, from, to, dir, width);
    const ranges = cutParts(window.counts, limit);
    if (ranges.length <= 1 && window.total <= limit) {
      // Small enough for one verification: exactly `verify`, its own listing included.
      return await verify(options);
    }
    // 3. The chain of roots, walked and checked once for every part.
    const trusted = options.trusted
      ? { keys: options.trusted, notes: [] }
      : await trustedKeys(locker, signingSettingsOf(options.config.locker));
    const roots = await walkRootsOnce(locker, { from, to, trusted: trusted.keys, concurrency: width, dir });
    // The signed records, listed (and hashed) once for every part (each part reads those it needs).
    const records = await hashRecords(locker, await listRecords(locker), width);

    // 4. Each part, one after the other; the same instant for all.
    const now = (options.clock ?? systemClock).now();
    const clock = { now: () => new Date(now) };
    // The credentials' account is asked once (STS), not once per part.
    let account: Promise<string> | undefined;
    const ask = options.callerAccount;
    const callerAccount = ask && (() => (account ??= ask()));
    const results: VerifyResult[] = [];
    for (const [i, range] of ranges.entries()) {
      options.onPart?.({ part: i + 1, parts: ranges.length, snapshots: range.snapshots, done: false });
      const share = shareOf(linesOf(range, window.listing), linesOf(range, roots.leaves));
      results.push(
        await verify({
          ...options,
          clock,
          ...(callerAccount && { callerAccount }),
          part: partInput(range, share, roots.chain, trusted, records),
        }),
      );
      options.onPart?.({ part: i + 1, parts: ranges.length, snapshots: range.snapshots, done: true });
    }
    const merged = mergeParts(results, window.misfiled);
    merged.stats.requests = locker.stats.requests - startRequests;
    merged.stats.snapshots = window.total;
    return merged;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A part's share: its shards' listing and, by root, its shards' leaf references. */
export interface PartShare {
  listed: Map<string, ListedSnapshot>;
  refs: Map<string, LeafRef[]>;
}

/** A part's share from its shards' spilled lines: listing lines and leaf reference lines. */
export function shareOf(listingLines: Iterable<string>, leafLines: Iterable<string>): PartShare {
  return { listed: listedOf(listingLines), refs: leafRefsOf(leafLines) };
}

/** What verify is given for one part: its shards, its share, the chain walked once. */
export function partInput(
  range: PartRange,
  share: PartShare,
  chain: ChainRoots,
  trusted: { keys: TrustedKeys; notes: string[] },
  records?: RecordListing,
): VerifyPartInput {
  const ownsShard = (shard: string) => {
    const n = Number.parseInt(shard, 16);
    return n >= range.first && n <= range.last;
  };
  return {
    owns: (scope) => ownsShard(shardOf(scope)),
    ownsShard,
    listed: share.listed,
    roots: { chain, leaves: (root) => share.refs.get(root.key) ?? [], trusted },
    ...(records && { records }),
  };
}

/**
 * One result from the parts': every part's series (in series order), every problem and note once
 * (what all parts read alike, such as the chain, is reported by each), the sums of what adds up.
 */
export function mergeParts(
  parts: readonly VerifyResult[],
  extra: readonly IntegrityProblem[] = [],
): VerifyResult {
  const first = parts[0];
  if (!first) throw new Error('mergeParts: no part');
  const once = <T>(items: readonly T[]): T[] => {
    const seen = new Set<string>();
    return items.filter((x) => {
      const k = JSON.stringify(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  // The configuration's series first, then those only found in the locker; each by collector and scope.
  const series = parts
    .flatMap((p) => p.series)
    .sort((a, b) =>
      a.origin !== b.origin
        ? a.origin === 'config'
          ? -1
          : 1
        : a.collector === b.collector
          ? cmp(a.scope, b.scope)
          : cmp(a.collector, b.collector),
    );
  const integrity = once([...extra, ...parts.flatMap((p) => p.integrity)]).sort((a, b) =>
    a.key === b.key ? cmp(a.problem, b.problem) : cmp(a.key, b.key),
  );
  const sum = (f: (r: VerifyResult) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    ...first,
    ok: integrity.length === 0 && series.every((s) => s.missing.length === 0 && s.failed.length === 0),
    series,
    integrity,
    // The anchor is the chain's: a cut seen by any part is the cut.
    chain: parts.find((p) => p.chain.anchor?.key !== p.chain.head?.key)?.chain ?? first.chain,
    unexpected: once(parts.flatMap((p) => p.unexpected)).sort(),
    notes: once(parts.flatMap((p) => p.notes)),
    exceptions: {
      acknowledgedDays: sum((p) => p.exceptions.acknowledgedDays),
      retiredSeries: first.exceptions.retiredSeries,
      daysBeforeSince: sum((p) => p.exceptions.daysBeforeSince),
    },
    stats: {
      ...first.stats,
      requests: sum((p) => p.stats.requests),
      snapshots: sum((p) => p.stats.snapshots),
      objectsRead: sum((p) => p.stats.objectsRead),
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
