/**
 * Facts about each snapshot of the window: what its digest recorded when it was sealed
 * (envelope fields, write time, lock), or what the store says now when no digest covers it
 * or the listing disagrees with the digest. A snapshot is read only when a fact is missing.
 */
import { mapLimit } from '../concurrency.js';
import { NotFoundError } from '../errors.js';
import { compactInstant, parseCompactInstant } from '../evidence/days.js';
import {
  type ChainDigest,
  type ChainWalk,
  checkEntry,
  compareSealed,
  type DigestEntry,
  describeSealed,
} from '../evidence/digest.js';
import type { ListedSnapshot } from '../evidence/listing.js';
import { parseSnapshotKey, type SnapshotKeyParts, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import type { IntegrityProblem } from './types.js';

export interface SnapshotFacts extends Partial<Omit<DigestEntry, 'key'>> {
  key: string;
  /** Where the key files it: the authority for which series and day it could count for. */
  parts: SnapshotKeyParts;
  series: string;
  /** The digest of the chain that sealed it; undefined when none did. */
  sealedBy?: ChainDigest;
}

export interface FactsResult {
  facts: Map<string, SnapshotFacts>;
  problems: IntegrityProblem[];
  objectsRead: number;
  /** Sealed snapshots whose digest entry lacked a recorded field, so they were read. */
  incomplete: number;
}

/**
 * Facts for every listed snapshot of the window, plus the sealed snapshots of the window the
 * listing no longer shows (each checked: deleted, or there after all).
 */
export async function gatherFacts(
  locker: Locker,
  listed: ReadonlyMap<string, ListedSnapshot>,
  chain: Pick<ChainWalk, 'sealed' | 'sealedBy'>,
  window: { from: string; to: string },
  options: { deep: boolean; concurrency: number },
): Promise<FactsResult> {
  const facts = new Map<string, SnapshotFacts>();
  const problems: IntegrityProblem[] = [];
  let objectsRead = 0;
  let incomplete = 0;
  const report = (p: Omit<IntegrityProblem, 'series'>) => problems.push({ ...p, series: seriesOf(p.key) });
  // One string per series, not one per snapshot (a two-year window holds hundreds of thousands).
  const seriesIds = new Map<string, string>();
  const base = (key: string): Pick<SnapshotFacts, 'key' | 'parts' | 'series' | 'sealedBy'> => {
    const parts = parseSnapshotKey(key)!;
    const id = seriesId(parts.collector, parts.scope);
    let series = seriesIds.get(id);
    if (series === undefined) {
      series = id;
      seriesIds.set(id, id);
    }
    const sealedBy = chain.sealedBy.get(key);
    return { key, parts, series, ...(sealedBy && { sealedBy }) };
  };
  const read = async (key: string) => {
    objectsRead++;
    const { body, info } = await locker.get(key);
    return describeSealed(key, body, info);
  };

  await mapLimit([...listed.values()], options.concurrency, async (object) => {
    const key = object.key;
    const entry = chain.sealed.get(key);
    try {
      if (!entry) {
        // Not sealed: what it is, its lock and write time are recorded nowhere else.
        facts.set(key, { ...(await read(key)), ...base(key) });
        return;
      }
      const changed =
        object.size !== entry.size ||
        (entry.lastModified !== undefined && !sameTime(object.lastModified, entry.lastModified, locker.worm));
      // Recorded fields missing: a body that was no envelope, or (S3) a sealer without
      // s3:GetObjectRetention, which makes GET omit the lock.
      const legacy =
        entry.status === undefined ||
        // Sealed before digests recorded items: whether a partial holds anything is in its body.
        (entry.status === 'partial' && entry.items === undefined) ||
        entry.lastModified === undefined ||
        (locker.worm && entry.lockMode === undefined);
      if (legacy) incomplete++;
      if (options.deep && !changed && !legacy) {
        objectsRead++;
        const problem = await checkEntry(locker, entry);
        if (problem) report(problem);
        facts.set(key, { ...entry, ...base(key) });
        return;
      }
      if (changed || legacy || options.deep) {
        const current = await read(key);
        const problem = compareSealed(entry, current);
        if (problem) report(problem);
        // The sealed record is what the evidence was; the store's view fills what it lacks.
        facts.set(key, { ...current, ...definedOnly(entry), ...base(key) });
        return;
      }
      // The entry itself becomes the facts (the walk holds no other use for it): no copy per snapshot.
      facts.set(key, Object.assign(entry, base(key)));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      report({ key, problem: 'deleted', detail: 'listed, then no longer in the locker' });
    }
  });

  // Sealed snapshots of the window that the listing no longer shows.
  const gone = [...chain.sealed.values()].filter((e) => {
    const p = parseSnapshotKey(e.key);
    return p && p.day >= window.from && p.day <= window.to && !listed.has(e.key);
  });
  await mapLimit(gone, options.concurrency, async (entry) => {
    objectsRead++;
    const problem = await checkEntry(locker, entry);
    if (problem) report(problem);
  });
  return { facts, problems, objectsRead, incomplete };
}

/**
 * Where key and body disagree: the envelope's day, collector, scope, collectedAt and runId
 * against the key's day, collector, scope and file name (<compact collectedAt>-<runId>.json).
 * Empty when they agree. The one place key parsing meets the body.
 */
export function keyBodyDisagreement(f: SnapshotFacts): string[] {
  const out: string[] = [];
  if (f.status === undefined) return out; // not an envelope: corrupt, judged elsewhere
  const { parts } = f;
  if (f.day !== parts.day) out.push(`the body is of ${f.day}, the key files it under ${parts.day}`);
  if (f.collector !== parts.collector)
    out.push(`the body is from collector ${f.collector}, the key says ${parts.collector}`);
  if (f.scope !== parts.scope) out.push(`the body is of scope ${f.scope}, the key says ${parts.scope}`);
  const m = /^(\d{8}T\d{9}Z)-(.+)\.json$/.exec(parts.file);
  if (!m) out.push(`the file name ${parts.file} is not <collectedAt>-<runId>.json`);
  else {
    const at = parseCompactInstant(m[1]!);
    if (!f.collectedAt || at !== new Date(f.collectedAt).toISOString())
      out.push(
        `the body was collected at ${f.collectedAt}, the key says ${at ?? m[1]} (${f.collectedAt ? compactInstant(new Date(f.collectedAt)) : '?'})`,
      );
    if (f.runId !== m[2]) out.push(`the body is of run ${f.runId}, the key says ${m[2]}`);
  }
  return out;
}

export function seriesOf(key: string): string | undefined {
  const p = parseSnapshotKey(key);
  return p ? seriesId(p.collector, p.scope) : undefined;
}

/** S3 gives LastModified to the second in headers (to the millisecond in listings); a file's mtime is exact. */
function sameTime(a: Date, b: string, toTheSecond: boolean): boolean {
  const x = a.getTime();
  const y = new Date(b).getTime();
  return toTheSecond ? Math.floor(x / 1000) === Math.floor(y / 1000) : x === y;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
