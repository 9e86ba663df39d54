/**
 * Digests seal snapshots: each lists keys, sizes, SHA-256 and version ids of a day's
 * snapshots not sealed before, and carries the key and SHA-256 of the previous digest,
 * so all digests form one chain (the model is CloudTrail log-file integrity digests).
 * Digests are written the same write-once way as snapshots.
 */

import { z } from 'zod';
import type { Clock } from '../clock.js';
import { mapLimit } from '../concurrency.js';
import { CorruptEvidenceError, NotFoundError } from '../errors.js';
import { type ListedObject, type Locker, listAll, type ObjectInfo } from '../locker/types.js';
import { TOOL } from '../version.js';
import { sha256Hex } from './canonical.js';
import { addDays, compactInstant, dayOf, isDay } from './days.js';
import { parseJson } from './read.js';
import { SNAPSHOT_PREFIX } from './snapshot.js';
import { writeRecord } from './write.js';

export const DIGEST_SCHEMA = 'evidence.digest/1';
export const DIGEST_PREFIX = 'digests/';

export const DigestEntry = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  versionId: z.string().optional(),
  // What the sealer saw when it read the object once, so the verifier need not read it again
  // (absent in digests written before these fields existed, or when the body is no envelope).
  /** The envelope's status and collectedAt. */
  status: z.enum(['ok', 'partial', 'error']).optional(),
  collectedAt: z.string().optional(),
  /** The store's own write time (S3 LastModified; file mtime). */
  lastModified: z.string().optional(),
  /** Object Lock mode and retain-until as the store reported them (S3 only). */
  lockMode: z.string().optional(),
  retainUntil: z.string().optional(),
});
export type DigestEntry = z.infer<typeof DigestEntry>;

export const Digest = z.object({
  schema: z.literal(DIGEST_SCHEMA),
  day: z.string().refine(isDay),
  sealedAt: z.iso.datetime(),
  previous: z.object({ key: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
  snapshots: z.array(DigestEntry),
  tool: z.object({ name: z.string(), version: z.string() }),
});
export type Digest = z.infer<typeof Digest>;

/** digests/<day>/<sealedAt>.json: the day sealed, then the instant of sealing. */
export function digestKey(day: string, sealedAt: Date): string {
  return `${DIGEST_PREFIX}${day}/${compactInstant(sealedAt)}.json`;
}

const DIGEST_KEY_RE = /^digests\/(\d{4}-\d{2}-\d{2})\/(\d{8}T\d{9}Z)\.json$/;

export function parseDigestKey(key: string): { day: string; sealedAt: string } | undefined {
  const m = DIGEST_KEY_RE.exec(key);
  return m ? { day: m[1]!, sealedAt: m[2]! } : undefined;
}

/** Digest keys ordered by the instant they were sealed (the chain's order). */
export function orderBySealedAt(keys: readonly ListedObject[]): ListedObject[] {
  return keys
    .filter((k) => parseDigestKey(k.key))
    .sort((a, b) => {
      const x = parseDigestKey(a.key)!.sealedAt;
      const y = parseDigestKey(b.key)!.sealedAt;
      return x < y ? -1 : x > y ? 1 : a.key < b.key ? -1 : 1;
    });
}

export interface ReadDigest {
  key: string;
  digest: Digest;
  sha256: string;
  /** What the store says about the digest object (lock, write time). */
  info?: ObjectInfo;
}

export async function readDigest(locker: Locker, key: string): Promise<ReadDigest> {
  const { body, info } = await locker.get(key);
  const parsed = Digest.safeParse(parseJson(key, body));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CorruptEvidenceError(key, `not a digest (${first?.path.join('.')}: ${first?.message})`);
  }
  return { key, digest: parsed.data, sha256: sha256Hex(body), info };
}

export interface SealOptions {
  day?: string;
  clock: Clock;
  retentionDays: number;
}

export interface SealResult {
  day: string;
  /** The digest written; undefined when there was nothing new to seal. */
  key?: string;
  sha256?: string;
  previous: Digest['previous'];
  sealed: DigestEntry[];
  alreadySealed: number;
}

/**
 * Seal a day (default: yesterday UTC): write a digest over that day's snapshots that no
 * digest covers yet. The first seal of a day is written even when the day has no
 * snapshot, so the chain records that the day was looked at and found empty.
 */
export async function seal(locker: Locker, options: SealOptions): Promise<SealResult> {
  const now = options.clock.now();
  const day = options.day ?? addDays(dayOf(now), -1);
  await locker.check();

  const allDigests = orderBySealedAt(await listAll(locker, DIGEST_PREFIX));
  const read = new Map<string, ReadDigest>();
  const load = async (key: string) => read.get(key) ?? read.set(key, await readDigest(locker, key)).get(key)!;
  const head = allDigests.at(-1);
  let previous: Digest['previous'] = null;
  if (head) {
    const last = await load(head.key);
    previous = { key: last.key, sha256: last.sha256 };
  }

  const dayDigests = allDigests.filter((d) => parseDigestKey(d.key)!.day === day);
  const sealedKeys = new Set<string>();
  for (const d of dayDigests) {
    for (const entry of (await load(d.key)).digest.snapshots) sealedKeys.add(entry.key);
  }

  const fresh = (await listAll(locker, `${SNAPSHOT_PREFIX}${day}/`)).filter((o) => !sealedKeys.has(o.key));
  // Each snapshot is read once, here (a GET costs one request like a HEAD): the digest records
  // its hash and what the verifier needs later (status, collectedAt, lock), so verification
  // reads digests instead of every snapshot.
  const entries: DigestEntry[] = await mapLimit(fresh, 16, async (object) => {
    const { body, info } = await locker.get(object.key);
    return describeSealed(object.key, body, info);
  });

  if (entries.length === 0 && dayDigests.length > 0) {
    return { day, previous, sealed: [], alreadySealed: sealedKeys.size };
  }
  const digest: Digest = {
    schema: DIGEST_SCHEMA,
    day,
    sealedAt: now.toISOString(),
    previous,
    snapshots: entries,
    tool: { name: TOOL.name, version: TOOL.version },
  };
  const written = await writeRecord(locker, digestKey(day, now), digest, now, options.retentionDays);
  return {
    day,
    key: written.key,
    sha256: written.sha256,
    previous,
    sealed: entries,
    alreadySealed: sealedKeys.size,
  };
}

/** The digest entry for one object as read now: bytes hashed, envelope fields, lock metadata. */
export function describeSealed(key: string, body: Buffer, info: ObjectInfo): DigestEntry {
  const entry: DigestEntry = { key, size: body.byteLength, sha256: sha256Hex(body) };
  if (info.versionId) entry.versionId = info.versionId;
  const envelope = envelopeFields(body);
  if (envelope) {
    entry.status = envelope.status;
    entry.collectedAt = envelope.collectedAt;
  }
  entry.lastModified = info.lastModified.toISOString();
  if (info.lockMode) entry.lockMode = info.lockMode;
  if (info.retainUntil) entry.retainUntil = info.retainUntil.toISOString();
  return entry;
}

const EnvelopeFields = z.object({
  status: z.enum(['ok', 'partial', 'error']),
  collectedAt: z.iso.datetime(),
});

/** status and collectedAt of a snapshot body; undefined when the body is not an envelope. */
export function envelopeFields(body: Buffer): z.infer<typeof EnvelopeFields> | undefined {
  try {
    const parsed = EnvelopeFields.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type DigestProblem =
  | { problem: 'hash-mismatch'; key: string; detail: string }
  | { problem: 'deleted'; key: string; detail: string }
  | { problem: 'chain-broken'; key: string; detail: string }
  | { problem: 'corrupt'; key: string; detail: string };

export interface ChainReport {
  digests: ReadDigest[];
  problems: DigestProblem[];
  /** Every snapshot key some digest covers, with the entry that sealed it. */
  sealed: Map<string, DigestEntry>;
}

/**
 * Read every digest and check the chain: each digest's `previous` names an existing
 * digest whose bytes hash to the recorded SHA-256; exactly one digest starts the chain;
 * no two digests claim the same predecessor.
 */
export async function verifyChain(locker: Locker): Promise<ChainReport> {
  const problems: DigestProblem[] = [];
  const listed = orderBySealedAt(await listAll(locker, DIGEST_PREFIX));
  // Read a few digests at once; keep the chain's order.
  const read = await mapLimit(listed, 16, async ({ key }): Promise<ReadDigest | DigestProblem> => {
    try {
      return await readDigest(locker, key);
    } catch (err) {
      if (err instanceof CorruptEvidenceError) return { problem: 'corrupt', key, detail: err.message };
      throw err;
    }
  });
  const digests: ReadDigest[] = [];
  for (const item of read) {
    if ('digest' in item) digests.push(item);
    else problems.push(item);
  }
  const byKey = new Map(digests.map((d) => [d.key, d]));
  const successors = new Map<string, string>();
  let genesis: string | undefined;
  for (const d of digests) {
    const prev = d.digest.previous;
    if (prev === null) {
      if (genesis) {
        problems.push({
          problem: 'chain-broken',
          key: d.key,
          detail: `starts a second chain (the first starts at ${genesis}): earlier digests are missing or were replaced`,
        });
      } else genesis = d.key;
      continue;
    }
    const target = byKey.get(prev.key);
    if (!target) {
      problems.push({
        problem: 'chain-broken',
        key: d.key,
        detail: `previous digest ${prev.key} is missing`,
      });
    } else if (target.sha256 !== prev.sha256) {
      problems.push({
        problem: 'chain-broken',
        key: d.key,
        detail: `previous digest ${prev.key} hashes to ${target.sha256}, not the recorded ${prev.sha256}`,
      });
    }
    const other = successors.get(prev.key);
    if (other) {
      problems.push({
        problem: 'chain-broken',
        key: d.key,
        detail: `forks the chain: ${other} also follows ${prev.key}`,
      });
    } else successors.set(prev.key, d.key);
  }
  const sealed = new Map<string, DigestEntry>();
  for (const d of digests) for (const entry of d.digest.snapshots) sealed.set(entry.key, entry);
  return { digests, problems, sealed };
}

/**
 * Full verification of sealed evidence: the chain, then every sealed object against its
 * digest entry (bytes re-hashed in the directory locker; the store's checksum and version
 * id in S3). Reads every sealed object: the verifier decides how much of this a window needs.
 */
export async function verifySealed(
  locker: Locker,
  filter: (entry: DigestEntry) => boolean = () => true,
): Promise<ChainReport> {
  const report = await verifyChain(locker);
  for (const entry of report.sealed.values()) {
    if (!filter(entry)) continue;
    const problem = await checkEntry(locker, entry);
    if (problem) report.problems.push(problem);
  }
  return report;
}

/** Compare one object with its digest entry; undefined when it matches. */
export async function checkEntry(locker: Locker, entry: DigestEntry): Promise<DigestProblem | undefined> {
  try {
    let sha256: string;
    let versionId: string | undefined;
    if (locker.worm) {
      const info = await locker.head(entry.key);
      sha256 = info.sha256 ?? sha256Hex((await locker.get(entry.key)).body);
      versionId = info.versionId;
    } else {
      const { body } = await locker.get(entry.key);
      sha256 = sha256Hex(body);
    }
    if (sha256 !== entry.sha256) {
      return {
        problem: 'hash-mismatch',
        key: entry.key,
        detail: `SHA-256 is ${sha256}, the digest sealed ${entry.sha256}`,
      };
    }
    if (entry.versionId && versionId && versionId !== entry.versionId) {
      return {
        problem: 'hash-mismatch',
        key: entry.key,
        detail: `current version is ${versionId}, the digest sealed version ${entry.versionId}`,
      };
    }
    return undefined;
  } catch (err) {
    if (err instanceof NotFoundError) {
      return { problem: 'deleted', key: entry.key, detail: 'sealed by a digest but no longer in the locker' };
    }
    throw err;
  }
}
