/**
 * The digest format: what a digest and a chain link are (schemas), where they live (keys),
 * how they are read and listed, and the entry a digest records for one sealed object.
 * Digests seal snapshots: each lists keys, sizes, SHA-256 and version ids of a day's
 * snapshots not sealed before, and carries the key and SHA-256 of the previous digest,
 * so all digests form one chain (the model is CloudTrail log-file integrity digests).
 * Digests are written the same write-once way as snapshots.
 */

import * as z from 'zod';
import { CorruptEvidenceError } from '../../errors.js';
import type { ListedObject, Locker, ObjectInfo, SignedRead } from '../../locker/types.js';
import { sha256Hex } from '../canonical.js';
import { compactInstant, isDay } from '../days.js';
import { parseJson } from '../read.js';
import { recordInstant } from '../records.js';
import { SIGNATURE_SUFFIX } from '../signing.js';

export const DIGEST_SCHEMA = 'evidence.digest/2';
/** The daily root of the form that scales (see DigestV3). */
export const ROOT_SCHEMA = 'evidence.digest/3';
export const LEAF_SCHEMA = 'evidence.digest-leaf/1';
export const DIGEST_PREFIX = 'digests/';
/**
 * Leaves: leaves/<day>/<root's sealedAt>/<collector>/<shard>.json, next to (not under) digests/,
 * so that listing the chain never lists them: a verifier reads the leaves of the days it
 * judges only, one GET for the leaf and one for its signature.
 */
export const LEAF_PREFIX = 'leaves/';
/**
 * Chain links: digests/chain/<sequence>.json, written exclusively (S3 If-None-Match, O_EXCL on
 * disk) after the digest it names. Of two seals that extend the same head, only one writes
 * the link: the other re-reads the chain and seals again on top of the winner.
 */
const CHAIN_PREFIX = `${DIGEST_PREFIX}chain/`;
export const LINK_SCHEMA = 'evidence.chain-link/1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const DigestEntry = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  versionId: z.string().optional(),
  // What the sealer saw when it read the object once, so the verifier need not read it again
  // (absent when the body is no envelope).
  /** The envelope's status, collectedAt, and what it says it is (checked against the key). */
  status: z.enum(['ok', 'partial', 'error']).optional(),
  collectedAt: z.string().optional(),
  day: z.string().optional(),
  collector: z.string().optional(),
  scope: z.string().optional(),
  runId: z.string().optional(),
  /** How long the collection took (stats.durationMs): the envelope is written at collectedAt + this. */
  durationMs: z.number().nonnegative().optional(),
  /** Items the collection read (stats.items): a partial snapshot without any is no evidence. */
  items: z.number().int().nonnegative().optional(),
  /** A partial snapshot's errors (what is missing from it), at most a few, shortened. */
  errors: z.array(z.string()).optional(),
  /** A signed record (digest `records`): the instant its key claims (when it says it was written). */
  recordedAt: z.string().optional(),
  /** The store's own write time (S3 LastModified; file mtime). */
  lastModified: z.string().optional(),
  /** Object Lock mode and retain-until as the store reported them (S3 only). */
  lockMode: z.string().optional(),
  retainUntil: z.string().optional(),
});
export type DigestEntry = z.infer<typeof DigestEntry>;

const DigestV2 = z.object({
  schema: z.literal(DIGEST_SCHEMA),
  day: z.string().refine(isDay),
  sealedAt: z.iso.datetime(),
  /** Place in the chain: 1 for the first digest, previous + 1 after. */
  sequence: z.number().int().min(1),
  previous: z.object({ key: z.string(), sha256: Sha256 }).nullable(),
  snapshots: z.array(DigestEntry),
  /**
   * The signed records (evidence/records.ts: acknowledgements, retirements, verify reports,
   * sample runs) whose key claims this day, not sealed before. Absent in digests sealed before
   * records were sealed (still read and verified as they were).
   */
  records: z.array(DigestEntry).optional(),
  /** The configuration the seal ran under (configs/<sha256>.json). Absent in older digests. */
  configuration: z.object({ sha256: Sha256, fileSha256: Sha256.nullable(), key: z.string() }).optional(),
  tool: z.object({ name: z.string(), version: z.string() }),
});

/** Where a root names one of its leaves: the leaf's key, SHA-256 and size, and what it covers. */
export const LeafRef = z.object({
  key: z.string(),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  collector: z.string(),
  shard: z.string(),
  /** How many snapshots the leaf seals. */
  entries: z.number().int().nonnegative(),
});
export type LeafRef = z.infer<typeof LeafRef>;

/**
 * The form that scales (`evidence.digest/3`): the day's root, chained, signed and linked
 * exactly as a `evidence.digest/2` digest, names its leaves by key and SHA-256 instead of
 * listing every snapshot; each leaf (leaves.ts) lists the snapshots of one collector and
 * account shard, and is signed too.
 */
const DigestV3 = DigestV2.omit({ schema: true, snapshots: true }).extend({
  schema: z.literal(ROOT_SCHEMA),
  leaves: z.array(LeafRef),
});

export const Digest = z.discriminatedUnion('schema', [DigestV2, DigestV3]);
export type Digest = z.infer<typeof Digest>;
export type DigestV2 = z.infer<typeof DigestV2>;
export type DigestRoot = z.infer<typeof DigestV3>;

/** One leaf: the snapshots of one collector and account shard sealed by one root. */
export const Leaf = z.object({
  schema: z.literal(LEAF_SCHEMA),
  day: z.string().refine(isDay),
  sealedAt: z.iso.datetime(),
  collector: z.string(),
  shard: z.string(),
  snapshots: z.array(DigestEntry),
  tool: z.object({ name: z.string(), version: z.string() }),
});
export type Leaf = z.infer<typeof Leaf>;

const ChainLink = z.object({
  schema: z.literal(LINK_SCHEMA),
  sequence: z.number().int().min(1),
  key: z.string(),
  sha256: Sha256,
});
export type ChainLink = z.infer<typeof ChainLink>;

/** digests/<day>/<sealedAt>.json: the day sealed, then the instant of sealing. */
export function digestKey(day: string, sealedAt: Date): string {
  return `${DIGEST_PREFIX}${day}/${compactInstant(sealedAt)}.json`;
}

/** leaves/<day>/<sealedAt>/<collector>/<shard>.json */
export function leafKey(day: string, sealedAt: Date, collector: string, shard: string): string {
  return `${LEAF_PREFIX}${day}/${compactInstant(sealedAt)}/${collector}/${shard}.json`;
}

/** digests/chain/<sequence, 10 digits>.json */
export function linkKey(sequence: number): string {
  return `${CHAIN_PREFIX}${String(sequence).padStart(10, '0')}.json`;
}

const DIGEST_KEY_RE = /^digests\/(\d{4}-\d{2}-\d{2})\/(\d{8}T\d{9}Z)\.json$/;
const LINK_KEY_RE = /^digests\/chain\/(\d{10})\.json$/;

export function parseDigestKey(key: string): { day: string; sealedAt: string } | undefined {
  const m = DIGEST_KEY_RE.exec(key);
  return m ? { day: m[1]!, sealedAt: m[2]! } : undefined;
}

export function parseLinkKey(key: string): number | undefined {
  const m = LINK_KEY_RE.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** Digest keys ordered by the instant they were sealed. */
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
  /** The exact bytes (what the signature covers). */
  body: Buffer;
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
  return { key, digest: parsed.data, sha256: sha256Hex(body), body, info };
}

export interface ReadLeaf {
  key: string;
  leaf: Leaf;
  sha256: string;
  body: Buffer;
  /** Its signature, read with it (Locker.getSigned: metadata, else `<key>.sig`), and where from. */
  signed: Pick<SignedRead, 'signature' | 'from' | 'copy'>;
}

/** A leaf and its signature: one request when the signature travels with it (leaves sealed since 2026-12-07). */
export async function readLeaf(locker: Locker, key: string): Promise<ReadLeaf> {
  const { body, signature, from, copy } = await locker.getSigned(key);
  const signed = { from, ...(signature && { signature }), ...(copy && { copy }) };
  const parsed = Leaf.safeParse(parseJson(key, body));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CorruptEvidenceError(key, `not a digest leaf (${first?.path.join('.')}: ${first?.message})`);
  }
  return { key, leaf: parsed.data, sha256: sha256Hex(body), body, signed };
}

export async function readLink(locker: Locker, key: string): Promise<ChainLink> {
  const { body } = await locker.get(key);
  const parsed = ChainLink.safeParse(parseJson(key, body));
  if (!parsed.success || parsed.data.sequence !== parseLinkKey(key))
    throw new CorruptEvidenceError(key, 'not a chain link, or its sequence disagrees with its key');
  return parsed.data;
}

/** The digests and chain links a listing of digests/ shows. */
export interface DigestListing {
  digests: ListedObject[];
  /** sequence → link object */
  links: Map<number, ListedObject>;
  /** Keys of signatures (`<digest key>.sig`). */
  signatures: Set<string>;
}

export async function listDigests(locker: Locker): Promise<DigestListing> {
  const out: DigestListing = { digests: [], links: new Map(), signatures: new Set() };
  for await (const item of locker.list(DIGEST_PREFIX)) {
    const sequence = parseLinkKey(item.key);
    if (sequence !== undefined) out.links.set(sequence, item);
    else if (parseDigestKey(item.key)) out.digests.push(item);
    else if (item.key.endsWith(SIGNATURE_SUFFIX)) out.signatures.add(item.key);
  }
  out.digests = orderBySealedAt(out.digests);
  return out;
}

/** The digest entry for a signed record as read now: bytes hashed, the instant its key claims, lock metadata. */
export function describeRecord(key: string, body: Buffer, info: ObjectInfo): DigestEntry {
  const entry: DigestEntry = { key, size: body.byteLength, sha256: sha256Hex(body) };
  if (info.versionId) entry.versionId = info.versionId;
  const at = recordInstant(key);
  if (at) entry.recordedAt = at;
  entry.lastModified = info.lastModified.toISOString();
  if (info.lockMode) entry.lockMode = info.lockMode;
  if (info.retainUntil) entry.retainUntil = info.retainUntil.toISOString();
  return entry;
}

/** The digest entry for one object as read now: bytes hashed, envelope fields, lock metadata. */
export function describeSealed(key: string, body: Buffer, info: ObjectInfo): DigestEntry {
  const entry: DigestEntry = { key, size: body.byteLength, sha256: sha256Hex(body) };
  if (info.versionId) entry.versionId = info.versionId;
  const envelope = envelopeFields(body);
  if (envelope) {
    entry.status = envelope.status;
    entry.collectedAt = envelope.collectedAt;
    entry.day = envelope.day;
    entry.collector = envelope.collector;
    entry.scope = envelope.scope;
    entry.runId = envelope.runId;
    if (envelope.stats?.durationMs !== undefined) entry.durationMs = envelope.stats.durationMs;
    if (envelope.stats?.items !== undefined) entry.items = envelope.stats.items;
    if (envelope.status === 'partial' && envelope.errors?.length)
      entry.errors = envelope.errors.slice(0, PARTIAL_ERRORS).map((e) => e.slice(0, PARTIAL_ERROR_LENGTH));
  }
  entry.lastModified = info.lastModified.toISOString();
  if (info.lockMode) entry.lockMode = info.lockMode;
  if (info.retainUntil) entry.retainUntil = info.retainUntil.toISOString();
  return entry;
}

const EnvelopeFields = z.object({
  status: z.enum(['ok', 'partial', 'error']),
  collectedAt: z.iso.datetime(),
  day: z.string(),
  collector: z.string(),
  scope: z.string(),
  runId: z.string(),
  stats: z
    .object({ durationMs: z.number().nonnegative(), items: z.number().int().nonnegative().optional() })
    .optional()
    .catch(undefined),
  errors: z.array(z.string()).optional().catch(undefined),
});
/** What a digest keeps of a partial snapshot's errors: enough to name what is missing. */
const PARTIAL_ERRORS = 5;
const PARTIAL_ERROR_LENGTH = 300;

/** What a snapshot body says it is; undefined when the body is not an envelope. */
export function envelopeFields(body: Buffer): z.infer<typeof EnvelopeFields> | undefined {
  try {
    const parsed = EnvelopeFields.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
