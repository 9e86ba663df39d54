/**
 * Digests seal snapshots: each lists keys, sizes, SHA-256 and version ids of a day's
 * snapshots not sealed before, and carries the key and SHA-256 of the previous digest,
 * so all digests form one chain (the model is CloudTrail log-file integrity digests).
 * Digests are written the same write-once way as snapshots.
 */

import type { KeyObject } from 'node:crypto';
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { mapLimit } from '../concurrency.js';
import {
  AlreadyExistsError,
  CorruptEvidenceError,
  LockerUnavailableError,
  NotFoundError,
  UsageError,
} from '../errors.js';
import { type ListedObject, type Locker, listAll, type ObjectInfo } from '../locker/types.js';
import { redactDeep } from '../secrets.js';
import { TOOL } from '../version.js';
import { canonicalBytes, sha256Hex } from './canonical.js';
import { addDays, compactInstant, dayOf, isDay } from './days.js';
import { parseJson } from './read.js';
import {
  judgeSignature,
  loadSigner,
  lockerKeys,
  SIGNATURE_SUFFIX,
  type Signer,
  signatureKey,
  type TrustedKeys,
  trustedKeys,
  writeSignature,
} from './signing.js';
import { SNAPSHOT_PREFIX } from './snapshot.js';
import { writeRecord } from './write.js';

const DIGEST_SCHEMA = 'evidence.digest/2';
export const DIGEST_PREFIX = 'digests/';
/**
 * Chain links: digests/chain/<sequence>.json, written exclusively (S3 If-None-Match, O_EXCL on
 * disk) after the digest it names. Of two seals that extend the same head, only one writes
 * the link: the other re-reads the chain and seals again on top of the winner.
 */
const CHAIN_PREFIX = `${DIGEST_PREFIX}chain/`;
const LINK_SCHEMA = 'evidence.chain-link/1';

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
  /** The store's own write time (S3 LastModified; file mtime). */
  lastModified: z.string().optional(),
  /** Object Lock mode and retain-until as the store reported them (S3 only). */
  lockMode: z.string().optional(),
  retainUntil: z.string().optional(),
});
export type DigestEntry = z.infer<typeof DigestEntry>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const Digest = z.object({
  schema: z.literal(DIGEST_SCHEMA),
  day: z.string().refine(isDay),
  sealedAt: z.iso.datetime(),
  /** Place in the chain: 1 for the first digest, previous + 1 after. */
  sequence: z.number().int().min(1),
  previous: z.object({ key: z.string(), sha256: Sha256 }).nullable(),
  snapshots: z.array(DigestEntry),
  tool: z.object({ name: z.string(), version: z.string() }),
});
export type Digest = z.infer<typeof Digest>;

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

export interface SealOptions {
  day?: string;
  clock: Clock;
  retentionDays: number;
  /** Signs the digest. Default: loadSigner() (EVIDENCE_SIGNING_KMS_KEY_ID, else the key file). */
  signer?: Signer;
  /** Attempts when another seal extends the chain first (default 8). */
  attempts?: number;
}

export interface SealResult {
  day: string;
  /** The digest written; undefined when there was nothing new to seal. */
  key?: string;
  sha256?: string;
  sequence?: number;
  /** The signature written next to the digest, and the signing key's fingerprint. */
  signature?: { key: string; fingerprint: string };
  previous: Digest['previous'];
  sealed: DigestEntry[];
  alreadySealed: number;
  /** Attempts that lost the race to another seal. */
  retries: number;
}

/** The chain's head as links and digests show it; undefined for an empty chain. */
export async function chainHead(
  locker: Locker,
  listing: DigestListing,
): Promise<{ link: ChainLink; digest: ReadDigest } | undefined> {
  const top = Math.max(0, ...listing.links.keys());
  if (top === 0) return undefined;
  const linkObject = listing.links.get(top)!;
  const link = await readLink(locker, linkObject.key);
  let digest: ReadDigest;
  try {
    digest = await readDigest(locker, link.key);
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new CorruptEvidenceError(
        linkObject.key,
        `the chain's head ${link.key} is missing: the chain cannot be extended; run evidence verify`,
      );
    throw err;
  }
  if (digest.sha256 !== link.sha256 || digest.digest.sequence !== top)
    throw new CorruptEvidenceError(
      link.key,
      `the chain's head does not match ${linkObject.key} (SHA-256 ${digest.sha256}, linked ${link.sha256}): the chain cannot be extended; run evidence verify`,
    );
  return { link, digest };
}

/**
 * Seal a day (default: yesterday UTC): write a digest over that day's snapshots that no
 * digest of the chain covers yet, sign it, and link it to the head of the chain. The first
 * seal of a day is written even when the day has no snapshot, so the chain records that the
 * day was looked at and found empty. The head is the highest chain link, never the latest
 * clock reading; extending it is an exclusive write, so concurrent seals never fork.
 */
export async function seal(locker: Locker, options: SealOptions): Promise<SealResult> {
  const now = options.clock.now();
  const day = options.day ?? addDays(dayOf(now), -1);
  if (day > dayOf(now))
    throw new UsageError(`cannot seal ${day}: it has not begun (today is ${dayOf(now)}, UTC)`);
  await locker.check();
  const signer = options.signer ?? (await loadSigner());
  const attempts = options.attempts ?? 8;
  for (let attempt = 0; ; attempt++) {
    const at = attempt === 0 ? now : new Date(Math.max(now.getTime(), options.clock.now().getTime()));
    const result = await sealOnce(locker, day, at, signer, options.retentionDays);
    if (result !== 'lost') return { ...result, retries: attempt };
    if (attempt + 1 >= attempts)
      throw new LockerUnavailableError(
        `seal of ${day}: another seal extended the chain first ${attempts} times in a row; run it again`,
      );
  }
}

async function sealOnce(
  locker: Locker,
  day: string,
  now: Date,
  signer: Signer,
  retentionDays: number,
): Promise<Omit<SealResult, 'retries'> | 'lost'> {
  const listing = await listDigests(locker);
  const head = await chainHead(locker, listing);
  const sequence = (head?.link.sequence ?? 0) + 1;
  const previous: Digest['previous'] = head ? { key: head.link.key, sha256: head.link.sha256 } : null;

  // What the chain already seals of this day: digests of the day that hold their link.
  const dayDigests = listing.digests.filter((d) => parseDigestKey(d.key)!.day === day);
  const sealedKeys = new Set<string>();
  let chained = 0;
  for (const d of dayDigests) {
    const read = d.key === head?.digest.key ? head.digest : await readDigest(locker, d.key);
    if (!(await isChained(locker, listing, read))) continue;
    chained++;
    for (const entry of read.digest.snapshots) sealedKeys.add(entry.key);
  }

  const fresh = (await listAll(locker, `${SNAPSHOT_PREFIX}${day}/`)).filter((o) => !sealedKeys.has(o.key));
  // Each snapshot is read once, here (a GET costs one request like a HEAD): the digest records
  // its hash and what the verifier needs later (envelope fields, write time, lock), so
  // verification reads digests instead of every snapshot.
  const entries: DigestEntry[] = await mapLimit(fresh, 16, async (object) => {
    const { body, info } = await locker.get(object.key);
    return describeSealed(object.key, body, info);
  });
  if (entries.length === 0 && chained > 0) {
    return { day, previous, sealed: [], alreadySealed: sealedKeys.size };
  }
  // A slow clock never puts a digest before its predecessor, nor on the key of a digest that
  // lost a race (a retry in the same millisecond would otherwise meet it again).
  const headAt = head ? Date.parse(head.digest.digest.sealedAt) + 1 : 0;
  let sealedAt = new Date(Math.max(now.getTime(), headAt));
  const taken = new Set(listing.digests.map((d) => d.key));
  while (taken.has(digestKey(day, sealedAt))) sealedAt = new Date(sealedAt.getTime() + 1);
  const digest: Digest = {
    schema: DIGEST_SCHEMA,
    day,
    sealedAt: sealedAt.toISOString(),
    sequence,
    previous,
    snapshots: entries,
    tool: { name: TOOL.name, version: TOOL.version },
  };
  let written: Awaited<ReturnType<typeof writeRecord>>;
  try {
    written = await writeRecord(locker, digestKey(day, sealedAt), digest, sealedAt, retentionDays);
  } catch (err) {
    if (err instanceof AlreadyExistsError) return 'lost';
    throw err;
  }
  const body = canonicalBytes(redactDeep(digest));
  const signature = await writeSignature(locker, signer, written.key, body, sealedAt, retentionDays);
  const link: ChainLink = { schema: LINK_SCHEMA, sequence, key: written.key, sha256: written.sha256 };
  try {
    await writeRecord(locker, linkKey(sequence), link, sealedAt, retentionDays);
  } catch (err) {
    // Another seal linked its digest first: ours is abandoned (it seals nothing), seal again.
    if (err instanceof AlreadyExistsError) return 'lost';
    throw err;
  }
  return {
    day,
    key: written.key,
    sha256: written.sha256,
    sequence,
    signature,
    previous,
    sealed: entries,
    alreadySealed: sealedKeys.size,
  };
}

/** True when the chain link of the digest's sequence names this digest. */
async function isChained(locker: Locker, listing: DigestListing, d: ReadDigest): Promise<boolean> {
  const link = listing.links.get(d.digest.sequence);
  if (!link) return false;
  const target = await readLink(locker, link.key);
  return target.key === d.key && target.sha256 === d.sha256;
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
  stats: z.object({ durationMs: z.number().nonnegative() }).optional().catch(undefined),
});

/** What a snapshot body says it is; undefined when the body is not an envelope. */
export function envelopeFields(body: Buffer): z.infer<typeof EnvelopeFields> | undefined {
  try {
    const parsed = EnvelopeFields.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type DigestProblemKind =
  | 'hash-mismatch'
  | 'deleted'
  | 'chain-broken'
  | 'corrupt'
  | 'unsigned'
  | 'bad-signature'
  | 'untrusted-key';

export interface DigestProblem {
  problem: DigestProblemKind;
  key: string;
  detail: string;
}

/** The chain's head as a verify report records it (the anchor a later verify checks). */
export interface ChainHead {
  key: string;
  sha256: string;
  /** Number of digests in the chain (the head's sequence). */
  digests: number;
}

export interface ChainReport {
  /** The digests of the chain, in chain order. */
  digests: ReadDigest[];
  problems: DigestProblem[];
  /** Every snapshot key a digest of the chain covers, with the entry that sealed it. */
  sealed: Map<string, DigestEntry>;
  /** Which digest of the chain sealed each snapshot key. */
  sealedBy: Map<string, ReadDigest>;
  head?: ChainHead;
  /** Digests that are not part of the chain (a seal that lost a race or stopped before linking). */
  abandoned: string[];
  notes: string[];
}

export interface VerifyChainOptions {
  /** Keys trusted to sign digests (signing.trustedKeys). Default: from the environment. */
  trusted?: TrustedKeys;
  concurrency?: number;
}

/**
 * One digest of the chain as the walk keeps it: what the chain, lock and timing checks need,
 * without its bytes or its entries (a digest of 1,000 series is ~0.5 MB of JSON).
 */
export interface ChainDigest {
  key: string;
  sha256: string;
  day: string;
  sealedAt: string;
  sequence: number;
  previous: Digest['previous'];
  /** How many snapshots it seals. */
  entries: number;
  /** What the store says about the digest object (lock, write time). */
  info?: ObjectInfo;
}

/** The chain as walked: every digest compact, and only the entries the walker was asked to keep. */
export interface ChainWalk {
  /** The digests of the chain, in chain order. */
  digests: ChainDigest[];
  problems: DigestProblem[];
  /** The kept entries of the chain's digests, each with the entry that first sealed its key. */
  sealed: Map<string, DigestEntry>;
  /** Which digest of the chain first sealed each kept key. */
  sealedBy: Map<string, ChainDigest>;
  head?: ChainHead;
  /** Digests that are not part of the chain (a seal that lost a race or stopped before linking). */
  abandoned: string[];
  notes: string[];
}

export interface WalkChainOptions extends VerifyChainOptions {
  /** Which entries to keep in `sealed` (default: every one). The others are dropped as read. */
  keep?: (entry: DigestEntry) => boolean;
  /** Sees every entry of every digest as it is read (chained or not), kept or not. */
  onEntry?: (entry: DigestEntry) => void;
  /** Sees every digest as read, bytes and entries (verifyChain keeps them; a walker need not). */
  onRead?: (digest: ReadDigest) => void;
}

/** A digest as the walk holds it between reading and ordering: compact, its signature judged. */
interface WalkedDigest extends ChainDigest {
  kept: DigestEntry[];
  signature: ReturnType<typeof judgeSignature>;
}

/**
 * Read every digest and its signature and check the chain: links 1..N without a hole, each
 * naming an existing digest with the linked SHA-256 and sequence, each digest's `previous`
 * naming the digest linked before it; every chained digest signed by a trusted key.
 * Costs one listing, one GET per digest and one per signature; a link is read only where
 * two digests claim the same place (a seal lost a race) or a digest is missing.
 *
 * Streams: each digest is read, hashed, its signature checked and its entries offered to
 * `keep` and `onEntry`, then only a compact record of it is held, so memory follows the
 * number of digests (a few hundred bytes each) and the entries kept, not every entry sealed.
 */
export async function walkChain(locker: Locker, options: WalkChainOptions = {}): Promise<ChainWalk> {
  const trusted = options.trusted ?? (await trustedKeys(locker)).keys;
  const width = options.concurrency ?? 16;
  const keep = options.keep ?? (() => true);
  const problems: DigestProblem[] = [];
  const notes: string[] = [];
  const listing = await listDigests(locker);
  let candidates: Promise<Map<string, KeyObject>> | undefined;
  const read = await mapLimit(listing.digests, width, async ({ key }): Promise<WalkedDigest | undefined> => {
    let d: ReadDigest;
    try {
      d = await readDigest(locker, key);
    } catch (err) {
      if (err instanceof CorruptEvidenceError) {
        problems.push({ problem: 'corrupt', key, detail: err.message });
        return undefined;
      }
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const sigKey = signatureKey(d.key);
    let signatureBytes: Buffer | undefined;
    if (listing.signatures.has(sigKey)) {
      try {
        signatureBytes = (await locker.get(sigKey)).body;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    let signature = judgeSignature(d.body, signatureBytes, trusted);
    if (signature.status === 'bad-signature') {
      // Name the signer when the locker holds its key (read only when a signature fails).
      candidates ??= lockerKeys(locker);
      signature = judgeSignature(d.body, signatureBytes, trusted, await candidates);
    }
    options.onRead?.(d);
    const kept: DigestEntry[] = [];
    for (const entry of d.digest.snapshots) {
      options.onEntry?.(entry);
      if (keep(entry)) kept.push(entry);
    }
    return {
      key: d.key,
      sha256: d.sha256,
      day: d.digest.day,
      sealedAt: d.digest.sealedAt,
      sequence: d.digest.sequence,
      previous: d.digest.previous,
      entries: d.digest.snapshots.length,
      ...(d.info && { info: d.info }),
      kept,
      signature,
    };
  });
  const bySequence = new Map<number, WalkedDigest[]>();
  for (const d of read) {
    if (!d) continue;
    bySequence.set(d.sequence, [...(bySequence.get(d.sequence) ?? []), d]);
  }
  const topLink = Math.max(0, ...listing.links.keys());
  const topDigest = Math.max(0, ...bySequence.keys());
  const chain: WalkedDigest[] = [];
  const abandoned: string[] = [];
  let before: WalkedDigest | undefined;
  for (let n = 1; n <= Math.max(topLink, topDigest); n++) {
    const candidates = bySequence.get(n) ?? [];
    const linkObject = listing.links.get(n);
    let chosen: WalkedDigest | undefined;
    if (!linkObject) {
      if (n > topLink) {
        // Written but never linked: a seal stopped between the two writes, or lost the race.
        for (const c of candidates) abandoned.push(c.key);
        continue;
      }
      problems.push({
        problem: 'chain-broken',
        key: linkKey(n),
        detail: `the chain link ${n} of ${topLink} is missing: the chain was cut or a link deleted`,
      });
      if (candidates.length === 1) chosen = candidates[0];
    } else if (
      candidates.length === 1 &&
      !(await linkDisagrees(locker, linkObject.key, candidates[0]!, n, topLink))
    ) {
      chosen = candidates[0];
    } else {
      let link: ChainLink;
      try {
        link = await readLink(locker, linkObject.key);
      } catch (err) {
        if (!(err instanceof CorruptEvidenceError)) throw err;
        problems.push({ problem: 'corrupt', key: linkObject.key, detail: err.message });
        continue;
      }
      chosen = candidates.find((c) => c.key === link.key);
      if (!chosen) {
        problems.push({
          problem: 'deleted',
          key: link.key,
          detail: `digest ${n} of the chain (linked by ${linkObject.key}) is no longer in the locker`,
        });
      } else if (chosen.sha256 !== link.sha256) {
        problems.push({
          problem: 'chain-broken',
          key: chosen.key,
          detail: `hashes to ${chosen.sha256}, its chain link ${linkObject.key} recorded ${link.sha256}`,
        });
      }
      for (const c of candidates) if (c !== chosen) abandoned.push(c.key);
    }
    if (!chosen) {
      before = undefined;
      continue;
    }
    const prev = chosen.previous;
    if (n === 1 && prev !== null) {
      problems.push({
        problem: 'chain-broken',
        key: chosen.key,
        detail: `is the first digest of the chain but names a previous one (${prev.key}): earlier digests were removed`,
      });
    } else if (n > 1) {
      if (prev === null)
        problems.push({
          problem: 'chain-broken',
          key: chosen.key,
          detail: `starts a new chain at place ${n}: earlier digests were replaced`,
        });
      else if (before && (prev.key !== before.key || prev.sha256 !== before.sha256))
        problems.push({
          problem: 'chain-broken',
          key: chosen.key,
          detail: `names ${prev.key} (${prev.sha256}) as previous, but the chain has ${before.key} (${before.sha256}) there`,
        });
    }
    chain.push(chosen);
    before = chosen;
  }
  if (abandoned.length)
    notes.push(
      `${abandoned.length} digest(s) are not part of the chain (a seal lost the race to another, or stopped before linking; what they list was sealed again): ${abandoned.join(', ')}`,
    );

  // Signatures, judged as each digest was read: reported for the chained ones.
  for (const d of chain) {
    const status = d.signature;
    if (status.status === 'unsigned')
      problems.push({ problem: 'unsigned', key: d.key, detail: `no signature ${signatureKey(d.key)}` });
    else if (status.status === 'bad-signature')
      problems.push({
        problem: 'bad-signature',
        key: d.key,
        detail: `${signatureKey(d.key)} is not a valid signature of these bytes by any trusted key${trusted.size === 0 ? ' (no key is trusted: see docs/verify.md)' : ''}: the digest was altered or signed by someone else`,
      });
    else if (status.status === 'untrusted-key')
      problems.push({
        problem: 'untrusted-key',
        key: d.key,
        detail: `signed by key ${status.fingerprint}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`,
      });
  }

  const sealed = new Map<string, DigestEntry>();
  const sealedBy = new Map<string, ChainDigest>();
  const digests: ChainDigest[] = [];
  for (const d of chain) {
    const { kept, signature: _signature, ...compact } = d;
    digests.push(compact);
    for (const entry of kept) {
      if (sealed.has(entry.key)) continue;
      sealed.set(entry.key, entry);
      sealedBy.set(entry.key, compact);
    }
  }
  const last = digests.at(-1);
  const report: ChainWalk = { digests, problems, sealed, sealedBy, abandoned, notes };
  if (last) report.head = { key: last.key, sha256: last.sha256, digests: last.sequence };
  return report;
}

/**
 * The chain with every digest as read (bytes and entries) and every sealed entry: for
 * callers that use whole digests (sample, export). verify walks the chain (walkChain)
 * keeping only the window's entries.
 */
export async function verifyChain(locker: Locker, options: VerifyChainOptions = {}): Promise<ChainReport> {
  const full = new Map<string, ReadDigest>();
  const walk = await walkChain(locker, { ...options, onRead: (d) => full.set(d.key, d) });
  const digests = walk.digests.map((d) => full.get(d.key)!);
  const sealedBy = new Map<string, ReadDigest>();
  for (const [key, d] of walk.sealedBy) sealedBy.set(key, full.get(d.key)!);
  const report: ChainReport = {
    digests,
    problems: walk.problems,
    sealed: walk.sealed,
    sealedBy,
    abandoned: walk.abandoned,
    notes: walk.notes,
  };
  if (walk.head) report.head = walk.head;
  return report;
}

/**
 * With one digest in a place, its link is read only at the head (cheap, and it is where a
 * seal that stopped half-way shows); elsewhere the next digest's `previous` vouches for it.
 */
async function linkDisagrees(
  locker: Locker,
  linkKeyText: string,
  candidate: Pick<ChainDigest, 'key' | 'sha256'>,
  n: number,
  top: number,
): Promise<boolean> {
  if (n !== top) return false;
  try {
    const link = await readLink(locker, linkKeyText);
    return link.key !== candidate.key || link.sha256 !== candidate.sha256;
  } catch (err) {
    if (err instanceof CorruptEvidenceError) return true;
    throw err;
  }
}

/**
 * Full verification of sealed evidence: the chain, then every sealed object against its
 * digest entry. Reads every sealed object: the verifier decides how much of this a window needs.
 */
export async function verifySealed(
  locker: Locker,
  filter: (entry: DigestEntry) => boolean = () => true,
  options: VerifyChainOptions = {},
): Promise<ChainReport> {
  const report = await verifyChain(locker, options);
  for (const entry of report.sealed.values()) {
    if (!filter(entry)) continue;
    const problem = await checkEntry(locker, entry);
    if (problem) report.problems.push(problem);
  }
  return report;
}

/**
 * The one comparison of an object as read now with what sealed it: bytes (SHA-256) and, on
 * S3, the version. Used by seal's callers, verify and sample alike. Undefined when they match.
 */
export function compareSealed(
  entry: Pick<DigestEntry, 'key' | 'sha256' | 'versionId'> & { size?: number },
  current: { sha256: string; size?: number; versionId?: string },
  sealedBy = 'the digest',
): DigestProblem | undefined {
  if (current.sha256 !== entry.sha256) {
    return {
      problem: 'hash-mismatch',
      key: entry.key,
      detail: `SHA-256 is ${current.sha256}${current.size !== undefined ? ` (${current.size} bytes)` : ''}, ${sealedBy} sealed ${entry.sha256}${entry.size !== undefined ? ` (${entry.size} bytes)` : ''}`,
    };
  }
  if (entry.versionId && current.versionId && current.versionId !== entry.versionId) {
    return {
      problem: 'hash-mismatch',
      key: entry.key,
      detail: `current version is ${current.versionId}, ${sealedBy} sealed version ${entry.versionId}`,
    };
  }
  return undefined;
}

/** Compare one object in the locker with its digest entry; undefined when it matches. */
export async function checkEntry(locker: Locker, entry: DigestEntry): Promise<DigestProblem | undefined> {
  try {
    if (locker.worm) {
      const info = await locker.head(entry.key);
      const sha256 = info.sha256 ?? sha256Hex((await locker.get(entry.key)).body);
      return compareSealed(entry, { sha256, ...(info.versionId && { versionId: info.versionId }) });
    }
    const { body } = await locker.get(entry.key);
    return compareSealed(entry, { sha256: sha256Hex(body), size: body.byteLength });
  } catch (err) {
    if (err instanceof NotFoundError) {
      return { problem: 'deleted', key: entry.key, detail: 'sealed by a digest but no longer in the locker' };
    }
    throw err;
  }
}
