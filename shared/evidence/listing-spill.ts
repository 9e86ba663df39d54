/**
 * The window's snapshot listing at organization size, read once and spilled to a temporary file
 * per account shard (`shardOf`: two hex digits of the SHA-256 of a scope's account; every series
 * of an account is in one shard), then cut into parts: contiguous ranges of shards of at most a
 * given number of listed snapshots. A part reads back only its shards' files, so what a command
 * holds follows the part, not the organization. The chain of roots is walked and checked once
 * for every part in the same way (`walkRootsOnce`): the window's roots' leaf references spilled
 * per shard, the rest kept compact, so a part reads only its own leaves (`cachedRoots`). Used by
 * `verify` (verify/parts.ts and distributed.ts), `sample` (sample/run.ts) and `export`
 * (export/export.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Locker } from '../locker/types.js';
import {
  type CachedRoots,
  type ChainRoots,
  chainRoots,
  type LeafRef,
  type ReadDigest,
  shardOf,
  walkChain,
} from './digest.js';
import { parseSnapshotLockerKey } from './ids.js';
import { type ListedSnapshot, listSnapshots } from './listing.js';
import type { TrustedKeys } from './signing.js';

/** Account shards (two hex digits). */
export const SHARDS = 256;
/** Lines of a shard's spill file held before they are appended (about 60 KB). */
const SPILL_BATCH = 500;

/** A part: a contiguous range of account shards (00..ff as numbers) and how many snapshots of the window it holds. */
export interface PartRange {
  first: number;
  last: number;
  snapshots: number;
}

/** Every shard: a window drawn in one piece. */
export function wholeRange(snapshots: number): PartRange {
  return { first: 0, last: SHARDS - 1, snapshots };
}

/** A key under snapshots/ that does not follow the key layout, as verify reports it. */
export interface MisfiledProblem {
  key: string;
  problem: 'misfiled';
  detail: string;
}

/** The window's listing, read once and spilled per shard into `dir` (of `collectors` only, when given). */
export async function spillListing(
  locker: Locker,
  from: string,
  to: string,
  dir: string,
  concurrency: number,
  options: { collectors?: readonly string[] } = {},
): Promise<{ counts: number[]; total: number; misfiled: MisfiledProblem[]; listing: Spill }> {
  const misfiled: MisfiledProblem[] = [];
  const counts = new Array<number>(SHARDS).fill(0);
  const listing = new Spill(dir, 'listed');
  await listSnapshots(locker, from, to, {
    concurrency,
    ...(options.collectors && { collectors: options.collectors }),
    onMisfiled: (m) =>
      misfiled.push({ key: m.key, problem: 'misfiled', detail: `${m.reason}: it counts for no day` }),
    keep: (item: ListedSnapshot) => {
      const shard = Number.parseInt(shardOf(item.scope), 16);
      counts[shard]! += 1;
      listing.add(shard, `${item.key}\t${item.size}\t${item.lastModified.getTime()}\n`);
      return false;
    },
  });
  listing.flush();
  return { counts, total: counts.reduce((a, b) => a + b, 0), misfiled, listing };
}

/** Contiguous shard ranges of at most `limit` listed snapshots (a shard is never split). */
export function cutParts(counts: readonly number[], limit: number): PartRange[] {
  const ranges: PartRange[] = [];
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

/** The spilled lines of a range's shards. */
export function* linesOf(range: PartRange, spill: Spill): Generator<string> {
  for (let shard = range.first; shard <= range.last; shard++) yield* spill.lines(shard);
}

/** Listing lines (spillListing's) read back, of `collectors` only when given. */
export function listedOf(
  lines: Iterable<string>,
  collectors?: ReadonlySet<string>,
): Map<string, ListedSnapshot> {
  const listed = new Map<string, ListedSnapshot>();
  for (const line of lines) {
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
  return listed;
}

/**
 * The chain of roots, walked and checked once for every part (each root and its signature read
 * once): the window's roots' leaf references spilled per shard into `dir`, the rest kept compact
 * (a few hundred bytes a digest). `onRead` sees every digest as read (as walkChain's). A leaf
 * reference that names no shard is not spilled: no part owns it.
 */
export async function walkRootsOnce(
  locker: Locker,
  options: {
    from: string;
    to: string;
    trusted: TrustedKeys;
    concurrency: number;
    dir: string;
    onRead?: (digest: ReadDigest) => void;
  },
): Promise<{ chain: ChainRoots; leaves: Spill }> {
  const { from, to } = options;
  const leaves = new Spill(options.dir, 'leaves');
  const walk = await walkChain(locker, {
    trusted: options.trusted,
    concurrency: options.concurrency,
    leavesFor: () => false,
    keep: () => false,
    onRead: (d) => {
      options.onRead?.(d);
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
  return { chain: chainRoots(walk), leaves };
}

/** Leaf reference lines (walkRootsOnce's) read back, by root. */
export function leafRefsOf(lines: Iterable<string>): Map<string, LeafRef[]> {
  const refs = new Map<string, LeafRef[]>();
  for (const line of lines) {
    const [root, key, sha256, size, collector, shard, entries] = line.split('\t') as [
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
    list.push({ key, sha256, size: Number(size), collector, shard, entries: Number(entries) });
  }
  return refs;
}

/** The roots walked once, as a part reads them: the chain, and its shards' leaf references. */
export function cachedRoots(chain: ChainRoots, leafLines: Iterable<string>): CachedRoots {
  const refs = leafRefsOf(leafLines);
  return { chain, leaves: (root) => refs.get(root.key) ?? [] };
}

/** Whether a scope, or a leaf's shard, belongs to a range. */
export function rangeOwns(range: PartRange): {
  owns: (scope: string) => boolean;
  ownsShard: (shard: string) => boolean;
} {
  const ownsShard = (shard: string) => {
    const n = Number.parseInt(shard, 16);
    return n >= range.first && n <= range.last;
  };
  return { ownsShard, owns: (scope) => ownsShard(shardOf(scope)) };
}

/**
 * Lines spilled to a temporary file per shard, appended in batches, synchronously: a producer
 * never runs ahead of the disk (a write stream without backpressure would buffer it all).
 */
export class Spill {
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
