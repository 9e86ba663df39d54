/**
 * Verify at organization size in bounded memory: the window is judged in parts, each a range of
 * the account shards the digests of the form that scales already use (`shardOf`: two hex digits
 * of the SHA-256 of a scope's account; every series of an account is in one shard). A part reads
 * only its shards' leaves and keeps only its series' entries, listing and facts, so memory follows
 * the part, not the organization.
 *
 * The window's snapshot listing is read once (the same LIST requests as one verification) and
 * spilled to a temporary file per shard, a line per key; each part then reads its shards' files.
 * What every part reads alike (the chain of roots with their signatures, acknowledgements,
 * retirements, the anchor) is read per part: a few hundred bytes per day and record. The parts'
 * results are merged into one: series in order, problems and notes once each.
 */
import { systemClock } from '../clock.js';
import { rangeOwns, spillListing } from '../evidence/listing-spill.js';
import type { IntegrityProblem, VerifyResult } from './types.js';
import { type VerifyOptions, verify } from './verify.js';

/** Snapshots of the window one part holds at most (about 3.5 KiB each with their facts). */
export const SNAPSHOTS_PER_PART = 60_000;

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
  const startRequests = locker.stats.requests;
  // 1. One listing pass, spilled per shard (evidence/listing-spill.ts).
  const misfiled: IntegrityProblem[] = [];
  const spill = await spillListing(locker, from, to, {
    concurrency: options.concurrency ?? 16,
    onMisfiled: (m) =>
      misfiled.push({ key: m.key, problem: 'misfiled', detail: `${m.reason}: it counts for no day` }),
  });
  try {
    const total = spill.total;

    // 2. Contiguous shard ranges of at most `limit` listed snapshots (a shard is never split).
    const ranges = spill.ranges(limit);
    if (ranges.length <= 1 && total <= limit) {
      // Small enough for one verification: exactly `verify`, its own listing included.
      return await verify(options);
    }

    // 3. Each part, one after the other; the same instant for all.
    const now = (options.clock ?? systemClock).now();
    const clock = { now: () => new Date(now) };
    // The credentials' account is asked once (STS), not once per part.
    let account: Promise<string> | undefined;
    const ask = options.callerAccount;
    const callerAccount = ask && (() => (account ??= ask()));
    const results: VerifyResult[] = [];
    for (const [i, range] of ranges.entries()) {
      options.onPart?.({ part: i + 1, parts: ranges.length, snapshots: range.snapshots, done: false });
      const listed = spill.read(range);
      results.push(
        await verify({
          ...options,
          clock,
          ...(callerAccount && { callerAccount }),
          part: { ...rangeOwns(range), listed },
        }),
      );
      options.onPart?.({ part: i + 1, parts: ranges.length, snapshots: range.snapshots, done: true });
    }
    const merged = mergeParts(results, misfiled);
    merged.stats.requests = locker.stats.requests - startRequests;
    merged.stats.snapshots = total;
    return merged;
  } finally {
    spill.close();
  }
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
