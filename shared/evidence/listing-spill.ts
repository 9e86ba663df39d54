/**
 * The window's snapshot listing at organization size, read once and spilled to a temporary file
 * per account shard (`shardOf`: two hex digits of the SHA-256 of a scope's account; every series
 * of an account is in one shard), then cut into parts: contiguous ranges of shards of at most a
 * given number of listed snapshots. A part reads back only its shards' files, so what a command
 * holds follows the part, not the organization. Used by `verify` (verify/parts.ts), `sample`
 * (sample/run.ts) and `export` (export/export.ts).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locker } from '../locker/types.js';
import { shardOf } from './digest.js';
import { type MisfiledKey, parseSnapshotLockerKey } from './ids.js';
import { type ListedSnapshot, listSnapshots } from './listing.js';

/** Account shards (two hex digits). */
export const SHARDS = 256;
/** Lines of a shard's spill file held before they are appended (about 60 KB). */
const SPILL_BATCH = 500;

/** A part: shards `first`..`last` (numbers 0..255), and how many listed snapshots they hold. */
export interface ShardRange {
  first: number;
  last: number;
  snapshots: number;
}

/** Whether a scope, or a leaf's shard, belongs to a range. */
export function rangeOwns(range: ShardRange): {
  owns: (scope: string) => boolean;
  ownsShard: (shard: string) => boolean;
} {
  const ownsShard = (shard: string) => {
    const n = Number.parseInt(shard, 16);
    return n >= range.first && n <= range.last;
  };
  return { ownsShard, owns: (scope) => ownsShard(shardOf(scope)) };
}

/** Contiguous shard ranges of at most `limit` snapshots each (a shard is never split). */
export function shardRanges(counts: readonly number[], limit: number): ShardRange[] {
  const ranges: ShardRange[] = [];
  for (let shard = 0; shard < SHARDS; shard++) {
    const n = counts[shard] ?? 0;
    const open = ranges.at(-1);
    if (open && open.snapshots + n <= limit) {
      open.last = shard;
      open.snapshots += n;
    } else ranges.push({ first: shard, last: shard, snapshots: n });
  }
  return ranges;
}

export interface ListingSpill {
  /** Listed snapshots per shard. */
  counts: number[];
  /** Listed snapshots of the window (misfiled keys excluded). */
  total: number;
  /** The parts of at most `limit` snapshots. */
  ranges(limit: number): ShardRange[];
  /** A part's share of the listing, read back from its shards' files (of some collectors only, when given). */
  read(range: ShardRange, collectors?: ReadonlySet<string>): Map<string, ListedSnapshot>;
  /** The temporary directory, for other spills of the same command; removed by close(). */
  dir: string;
  close(): void;
}

/**
 * List the window once (the same LIST requests as one listing) and spill it per shard. Lines
 * are appended in batches, synchronously: the listing never runs ahead of the disk (a write
 * stream without backpressure would buffer the whole window in memory).
 */
export async function spillListing(
  locker: Locker,
  from: string,
  to: string,
  options: {
    collectors?: readonly string[];
    concurrency?: number;
    onMisfiled?: (misfiled: MisfiledKey) => void;
  } = {},
): Promise<ListingSpill> {
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-listing-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  try {
    const counts = new Array<number>(SHARDS).fill(0);
    const pending = new Map<number, string[]>();
    const written = new Set<number>();
    const file = (shard: number) => path.join(dir, `${shard}.tsv`);
    const flush = (shard: number) => {
      const lines = pending.get(shard);
      if (!lines?.length) return;
      appendFileSync(file(shard), lines.join(''));
      written.add(shard);
      pending.set(shard, []);
    };
    await listSnapshots(locker, from, to, {
      ...(options.collectors && { collectors: options.collectors }),
      concurrency: options.concurrency ?? 16,
      ...(options.onMisfiled && { onMisfiled: options.onMisfiled }),
      keep: (item) => {
        const shard = Number.parseInt(shardOf(item.scope), 16);
        counts[shard]! += 1;
        let lines = pending.get(shard);
        if (!lines) {
          lines = [];
          pending.set(shard, lines);
        }
        lines.push(`${item.key}\t${item.size}\t${item.lastModified.getTime()}\n`);
        if (lines.length >= SPILL_BATCH) flush(shard);
        return false;
      },
    });
    for (const shard of pending.keys()) flush(shard);
    return {
      counts,
      total: counts.reduce((a, b) => a + b, 0),
      ranges: (limit) => shardRanges(counts, limit),
      read(range, collectors) {
        const listed = new Map<string, ListedSnapshot>();
        for (let shard = range.first; shard <= range.last; shard++) {
          if (!written.has(shard)) continue;
          for (const line of readFileSync(file(shard), 'utf8').split('\n')) {
            if (!line) continue;
            const [key, size, modified] = line.split('\t') as [string, string, string];
            const p = parseSnapshotLockerKey(key);
            if (p.kind === 'misfiled' || (collectors && !collectors.has(p.collector))) continue;
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
        return listed;
      },
      dir,
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
