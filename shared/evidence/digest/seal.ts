/**
 * Sealing: write a day's digest over the snapshots no chained digest covers yet, sign it,
 * and link it exclusively to the head of the chain.
 */

import type { Clock } from '../../clock.js';
import { mapLimit } from '../../concurrency.js';
import {
  AlreadyExistsError,
  CorruptEvidenceError,
  LockerUnavailableError,
  NotFoundError,
  UsageError,
} from '../../errors.js';
import { type Locker, listAll } from '../../locker/types.js';
import { redactDeep } from '../../secrets.js';
import { TOOL } from '../../version.js';
import { canonicalBytes } from '../canonical.js';
import { addDays, dayOf } from '../days.js';
import { loadSigner, type Signer, writeSignature } from '../signing.js';
import { SNAPSHOT_PREFIX } from '../snapshot.js';
import { writeRecord } from '../write.js';
import {
  type ChainLink,
  DIGEST_SCHEMA,
  type Digest,
  type DigestEntry,
  type DigestListing,
  describeSealed,
  digestKey,
  LINK_SCHEMA,
  linkKey,
  listDigests,
  parseDigestKey,
  type ReadDigest,
  ROOT_SCHEMA,
  readDigest,
  readLink,
} from './format.js';
import { digestEntries, writeLeaves } from './leaves.js';

export interface SealOptions {
  day?: string;
  clock: Clock;
  retentionDays: number;
  /** Signs the digest. Default: loadSigner() (EVIDENCE_SIGNING_KMS_KEY_ID, else the key file). */
  signer?: Signer;
  /** Attempts when another seal extends the chain first (default 8). */
  attempts?: number;
  /**
   * The digest form written: 2 lists every snapshot in the day's digest (the default, read by
   * every version); 3 writes one signed leaf per collector and account shard under a signed
   * daily root (leaves.ts), the form that scales. A chain may hold both.
   */
  form?: 2 | 3;
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
    const result = await sealOnce(locker, day, at, signer, options.retentionDays, options.form ?? 2);
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
  form: 2 | 3,
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
    // Only the keys matter here: a leaf's signature is judged by verify, not by the sealer.
    for (const entry of (await digestEntries(locker, read, { trusted: new Map() })).entries)
      sealedKeys.add(entry.key);
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
  const common = {
    day,
    sealedAt: sealedAt.toISOString(),
    sequence,
    previous,
    tool: { name: TOOL.name, version: TOOL.version },
  };
  let digest: Digest;
  let written: Awaited<ReturnType<typeof writeRecord>>;
  try {
    // The leaves first, then the root that names them: a root never names a leaf not yet written.
    digest =
      form === 3
        ? {
            schema: ROOT_SCHEMA,
            ...common,
            leaves: await writeLeaves(locker, signer, day, sealedAt, entries, retentionDays),
          }
        : { schema: DIGEST_SCHEMA, ...common, snapshots: entries };
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
