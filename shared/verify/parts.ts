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
 * its signature: two requests per series shard and day over all parts. What else every part
 * reads alike (acknowledgements, retirements, reviews, the anchor) is read per part: a few
 * listings and the records there are. The parts' results are merged into one: series in order,
 * problems and notes once each.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.js';
import { chainRoots, type LeafRef, shardOf, walkChain } from '../evidence/digest.js';
import { parseSnapshotLockerKey } from '../evidence/ids.js';
import { type ListedSnapshot, listSnapshots } from '../evidence/listing.js';
import { signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import type { IntegrityProblem, VerifyResult } from './types.js';
import { type VerifyOptions, verify } from './verify.js';

/** Snapshots of the window one part holds at most (about 3.5 KiB each with their facts). */
export const SNAPSHOTS_PER_PART = 60_000;

const SHARDS = 256;
/** Lines of a shard's spill file held before they are appended (about 60 KB). */
const SPILL_BATCH = 500;

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
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-verify-'));
  try {
    // 1. One listing pass, spilled per shard.
    const misfiled: IntegrityProblem[] = [];
    const counts = new Array<number>(SHARDS).fill(0);
    const listing = new Spill(dir, 'listed');
    const spill = (item: ListedSnapshot) => {
      const shard = Number.parseInt(shardOf(item.scope), 16);
      counts[shard]! += 1;
      listing.add(shard, `${item.key}\t${item.size}\t${item.lastModified.getTime()}\n`);
      return false;
    };
    await listSnapshots(locker, from, to, {
      concurrency: options.concurrency ?? 16,
      onMisfiled: (m) =>
        misfiled.push({ key: m.key, problem: 'misfiled', detail: `${m.reason}: it counts for no day` }),
      keep: spill,
    });
    listing.flush();
    const total = counts.reduce((a, b) => a + b, 0);

    // 2. Contiguous shard ranges of at most `limit` listed snapshots (a shard is never split).
    const ranges: { first: number; last: number; snapshots: number }[] = [];
    for (let shard = 0; shard < SHARDS; shard++) {
      const n = counts[shard]!;
      const open = ranges.at(-1);
      if (open && open.snapshots + n <= limit) {
        open.last = shard;
        open.snapshots += n;
      } else ranges.push({ first: shard, last: shard, snapshots: n });
    }
    if (ranges.length <= 1 && total <= limit) {
      // Small enough for one verification: exactly `verify`, its own listing included.
      return await verify(options);
    }

    // 3. The chain of roots, walked and checked once for every part (each root and its
    // signature read once): the window's roots' leaf references spilled per shard, the rest
    // kept compact (a few hundred bytes a digest).
    const trusted = options.trusted
      ? { keys: options.trusted, notes: [] }
      : await trustedKeys(locker, signingSettingsOf(options.config.locker));
    const leaves = new Spill(dir, 'leaves');
    const walk = await walkChain(locker, {
      trusted: trusted.keys,
      concurrency: options.concurrency ?? 16,
      leavesFor: () => false,
      keep: () => false,
      onRead: (d) => {
        if (d.digest.schema !== 'evidence.digest/3' || d.digest.day < from || d.digest.day > to) return;
        for (const ref of d.digest.leaves) {
          const shard = Number.parseInt(ref.shard, 16);
          if (!(shard >= 0 && shard < SHARDS)) continue; // names no shard: no part owns it
          leaves.add(
            shard,
            `${[d.key, ref.key, ref.sha256, ref.size, ref.collector, ref.shard, ref.entries].join('\t')}\n`,
          );
        }
      },
    });
    leaves.flush();
    const chain = chainRoots(walk);

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
      const ownsShard = (shard: string) => {
        const n = Number.parseInt(shard, 16);
        return n >= range.first && n <= range.last;
      };
      const listed = new Map<string, ListedSnapshot>();
      const refs = new Map<string, LeafRef[]>();
      for (let shard = range.first; shard <= range.last; shard++) {
        for (const line of leaves.lines(shard)) {
          const [root, key, sha256, size, collector, leafShard, entries] = line.split('\t') as [
            string,
            string,
            string,
            string,
            string,
            string,
            string,
          ];
          let list = refs.get(root);
          if (!list) {
            list = [];
            refs.set(root, list);
          }
          list.push({
            key,
            sha256,
            size: Number(size),
            collector,
            shard: leafShard,
            entries: Number(entries),
          });
        }
        for (const line of listing.lines(shard)) {
          const [key, size, modified] = line.split('\t') as [string, string, string];
          const p = parseSnapshotLockerKey(key);
          if (p.kind === 'misfiled') continue;
          listed.set(key, {
            key,
            size: Number(size),
            lastModified: new Date(Number(modified)),
            day: p.day,
            collector: p.collector,
            scope: p.scope,
            file: p.file,
          });
        }
      }
      results.push(
        await verify({
          ...options,
          clock,
          ...(callerAccount && { callerAccount }),
          part: {
            owns: (scope) => ownsShard(shardOf(scope)),
            ownsShard,
            listed,
            roots: { chain, leaves: (root) => refs.get(root.key) ?? [], trusted },
          },
        }),
      );
      options.onPart?.({ part: i + 1, parts: ranges.length, snapshots: range.snapshots, done: true });
    }
    const merged = mergeParts(results, misfiled);
    merged.stats.requests = locker.stats.requests - startRequests;
    merged.stats.snapshots = total;
    return merged;
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

/**
 * Lines spilled to a temporary file per shard, appended in batches, synchronously: a producer
 * never runs ahead of the disk (a write stream without backpressure would buffer it all).
 */
class Spill {
  private readonly pending = new Map<number, string[]>();
  private readonly written = new Set<number>();
  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {}

  add(shard: number, line: string): void {
    let lines = this.pending.get(shard);
    if (!lines) {
      lines = [];
      this.pending.set(shard, lines);
    }
    lines.push(line);
    if (lines.length >= SPILL_BATCH) this.flushShard(shard);
  }

  flush(): void {
    for (const shard of this.pending.keys()) this.flushShard(shard);
  }

  /** The shard's lines (after flush), without their line ends. */
  lines(shard: number): string[] {
    if (!this.written.has(shard)) return [];
    return readFileSync(this.file(shard), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  private flushShard(shard: number): void {
    const lines = this.pending.get(shard);
    if (!lines?.length) return;
    appendFileSync(this.file(shard), lines.join(''));
    this.written.add(shard);
    this.pending.set(shard, []);
  }

  private file(shard: number): string {
    return path.join(this.dir, `${this.name}-${shard}.tsv`);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
