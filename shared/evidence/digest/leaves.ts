/**
 * Leaves of the digest form that scales (`evidence.digest/3`): a day's snapshots are sealed in
 * one leaf per collector and account shard, each signed, and the day's root (chained as every
 * digest) names each leaf by key and SHA-256. Sealing, checking a day and checking one snapshot
 * each read a bounded amount: an auditor checks a snapshot against its leaf, the leaf against
 * the root (sha256sum), and the root's signature (openssl): two signed files at most.
 *
 * A shard is the first two hex digits of the SHA-256 of the scope's account (`aws-<account>`
 * and `aws-<account>-<region>` share it) or of the scope itself: at most 256 leaves per
 * collector and day, whatever the number of accounts; a small locker has one per collector.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { mapLimit } from '../../concurrency.js';
import { CorruptEvidenceError, NotFoundError } from '../../errors.js';
import type { Locker, SignedRead } from '../../locker/types.js';
import { redactDeep } from '../../secrets.js';
import { TOOL } from '../../version.js';
import { canonicalBytes } from '../canonical.js';
import { addDaysToInstant } from '../days.js';
import {
  judgeSignature,
  publishPublicKey,
  type SignatureStatus,
  type Signer,
  signatureKey,
  type TrustedKeys,
} from '../signing.js';
import { parseSnapshotKey } from '../snapshot.js';
import type { DigestProblem } from './compare.js';
import {
  type DigestEntry,
  LEAF_SCHEMA,
  type Leaf,
  type LeafRef,
  leafKey,
  type ReadDigest,
  readLeaf,
} from './format.js';

const AWS_SCOPE = /^aws-(\d{12})(?:-[a-z0-9-]+)?$/;

/** The account shard of a scope: two hex digits of the SHA-256 of its account (or of the scope). */
export function shardOf(scope: string): string {
  const account = AWS_SCOPE.exec(scope)?.[1] ?? scope;
  return createHash('sha256').update(account).digest('hex').slice(0, 2);
}

/** Where an entry belongs: its collector and shard, from its key (`other` for a key that is no snapshot key). */
export function leafOf(entry: Pick<DigestEntry, 'key'>): { collector: string; shard: string } {
  const p = parseSnapshotKey(entry.key);
  return p ? { collector: p.collector, shard: shardOf(p.scope) } : { collector: 'other', shard: '00' };
}

/**
 * The leaf of a root that seals a snapshot key: where the seal wrote it (leaves/<day>/<root's
 * sealedAt>/<collector>/<shard>.json); undefined for the old form, which lists the key itself.
 */
export function leafKeyOf(
  digest: { form?: 3; day: string; sealedAt: string },
  snapshotKey: string,
): string | undefined {
  if (digest.form !== 3) return undefined;
  const where = leafOf({ key: snapshotKey });
  return leafKey(digest.day, new Date(digest.sealedAt), where.collector, where.shard);
}

/**
 * Write one signed leaf per collector and shard of `entries`, in key order; returns the
 * references the root lists. The signing key is published once (not once per leaf).
 */
export async function writeLeaves(
  locker: Locker,
  signer: Signer,
  day: string,
  sealedAt: Date,
  entries: readonly DigestEntry[],
  retentionDays: number,
): Promise<LeafRef[]> {
  const groups = new Map<string, { collector: string; shard: string; entries: DigestEntry[] }>();
  for (const entry of entries) {
    const where = leafOf(entry);
    const id = `${where.collector}/${where.shard}`;
    let group = groups.get(id);
    if (!group) {
      group = { ...where, entries: [] };
      groups.set(id, group);
    }
    group.entries.push(entry);
  }
  if (groups.size === 0) return [];
  await publishPublicKey(locker, signer, addDaysToInstant(sealedAt, retentionDays));
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  return mapLimit(ordered, 16, async (g): Promise<LeafRef> => {
    const leaf: Leaf = {
      schema: LEAF_SCHEMA,
      day,
      sealedAt: sealedAt.toISOString(),
      collector: g.collector,
      shard: g.shard,
      snapshots: g.entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      tool: { name: TOOL.name, version: TOOL.version },
    };
    const key = leafKey(day, sealedAt, g.collector, g.shard);
    // Signed before it is written, so the signature travels with it (one GET reads both), and
    // the same bytes in `<key>.sig` for openssl and for verifiers older than that.
    const body = canonicalBytes(redactDeep(leaf));
    const signature = await signer.sign(body);
    const retainUntil = addDaysToInstant(sealedAt, retentionDays);
    const written = await locker.put(key, body, { retainUntil, signature });
    await locker.put(signatureKey(key), signature, { retainUntil, contentType: 'application/octet-stream' });
    return {
      key,
      sha256: written.sha256,
      size: written.size,
      collector: g.collector,
      shard: g.shard,
      entries: g.entries.length,
    };
  });
}

export interface DigestEntries {
  entries: DigestEntry[];
  /** Leaves missing, altered, corrupt or not validly signed (empty for the old form). */
  problems: DigestProblem[];
  /** Leaves read. */
  leaves: number;
}

/** How many snapshots a digest seals (the old form lists them; a root counts its leaves'). */
export function entryCount(d: ReadDigest): number {
  return d.digest.schema === 'evidence.digest/3'
    ? d.digest.leaves.reduce((n, l) => n + l.entries, 0)
    : d.digest.snapshots.length;
}

/**
 * The entries a digest seals: the old form's list, or a root's leaves, each read with its
 * signature (one GET when the signature travels in the leaf's metadata, two for a leaf sealed
 * before: Locker.getSigned), checked against the root's SHA-256 and judged against the trusted
 * keys. A leaf that is missing, altered or corrupt seals nothing (its snapshots then count as
 * not sealed) and is a problem; a leaf whose bytes match the root but whose signature fails is
 * a problem and still seals (the signed root vouches for its bytes).
 */
export async function digestEntries(
  locker: Locker,
  d: ReadDigest,
  options: LeafReadOptions & {
    /** Read only these leaves (default: every one). */
    leafFilter?: (leaf: LeafRef) => boolean;
  },
): Promise<DigestEntries> {
  if (d.digest.schema !== 'evidence.digest/3')
    return { entries: d.digest.snapshots, problems: [], leaves: 0 };
  const root = d.digest;
  const refs = options.leafFilter ? root.leaves.filter(options.leafFilter) : root.leaves;
  return leafEntries(locker, { key: d.key, day: root.day, sealedAt: root.sealedAt }, refs, options);
}

export interface LeafReadOptions {
  trusted: TrustedKeys;
  concurrency?: number;
  candidates?: () => Promise<Map<string, KeyObject>>;
}

/**
 * The entries of a root's leaves `refs` (as the root names them: key, SHA-256, collector,
 * shard), each leaf read with its signature and judged as digestEntries says. The root itself
 * was read and its signature judged by whoever names the refs (the chain walk, or a walk of the
 * chain of roots done once for the parts of a verification: chain.ts, `roots`).
 */
export async function leafEntries(
  locker: Locker,
  root: { key: string; day: string; sealedAt: string },
  refs: readonly LeafRef[],
  options: LeafReadOptions,
): Promise<DigestEntries> {
  const problems: DigestProblem[] = [];
  const entries: DigestEntry[] = [];
  const parts = await mapLimit(refs, options.concurrency ?? 16, async (ref) => {
    let read: Awaited<ReturnType<typeof readLeaf>>;
    try {
      read = await readLeaf(locker, ref.key);
    } catch (err) {
      if (err instanceof NotFoundError) {
        problems.push({
          problem: 'deleted',
          key: ref.key,
          detail: `a leaf of ${root.key} is no longer in the locker: the ${ref.entries} snapshot(s) it sealed are not sealed`,
        });
        return [];
      }
      if (err instanceof CorruptEvidenceError) {
        problems.push({ problem: 'corrupt', key: ref.key, detail: err.message });
        return [];
      }
      throw err;
    }
    if (read.sha256 !== ref.sha256) {
      problems.push({
        problem: 'hash-mismatch',
        key: ref.key,
        detail: `SHA-256 is ${read.sha256} (${read.body.byteLength} bytes), its root ${root.key} sealed ${ref.sha256} (${ref.size} bytes): the leaf was altered or replaced, so it seals nothing`,
      });
      return [];
    }
    const leaf = read.leaf;
    if (
      leaf.day !== root.day ||
      leaf.sealedAt !== root.sealedAt ||
      leaf.collector !== ref.collector ||
      leaf.shard !== ref.shard
    ) {
      problems.push({
        problem: 'corrupt',
        key: ref.key,
        detail: `the leaf says ${leaf.collector}/${leaf.shard} of ${leaf.day} sealed at ${leaf.sealedAt}; its root ${root.key} names ${ref.collector}/${ref.shard} of ${root.day} sealed at ${root.sealedAt}`,
      });
      return [];
    }
    const { signature, from, copy } = read.signed;
    let status: SignatureStatus = judgeSignature(read.body, signature, options.trusted);
    if (status.status === 'bad-signature' && options.candidates)
      status = judgeSignature(read.body, signature, options.trusted, await options.candidates());
    const where = from === 'metadata' ? `the signature in the metadata of ${ref.key}` : undefined;
    const problem = signatureProblem(ref.key, status, options.trusted, where) ?? copyProblem(ref.key, copy);
    if (problem) problems.push(problem);
    return leaf.snapshots;
  });
  for (const part of parts) entries.push(...part);
  return { entries, problems, leaves: refs.length };
}

/**
 * A leaf whose metadata signature is valid, but whose `<key>.sig` (the copy openssl and older
 * verifiers read) is missing or holds other bytes: the sealer writes the same bytes to both, so
 * one of them was replaced or removed. Fails closed (only a locker that reads both reports it:
 * the directory locker; see Locker.getSigned).
 */
function copyProblem(key: string, copy: SignedRead['copy']): DigestProblem | undefined {
  if (copy === 'missing')
    return {
      problem: 'unsigned',
      key,
      detail: `${signatureKey(key)} is missing (the signature in the leaf's metadata is valid): openssl and older verifiers find the leaf unsigned`,
    };
  if (copy === 'different')
    return {
      problem: 'bad-signature',
      key,
      detail: `${signatureKey(key)} differs from the signature in the leaf's metadata (the seal writes the same bytes to both): one of them was replaced`,
    };
  return undefined;
}

/**
 * The problem a digest's (or leaf's) signature status is; undefined when valid. `where` names
 * the signature judged (default `<key>.sig`).
 */
export function signatureProblem(
  key: string,
  status: SignatureStatus,
  trusted: TrustedKeys,
  where: string = signatureKey(key),
): DigestProblem | undefined {
  if (status.status === 'unsigned')
    return { problem: 'unsigned', key, detail: `no signature ${signatureKey(key)}` };
  if (status.status === 'bad-signature')
    return {
      problem: 'bad-signature',
      key,
      detail: `${where} is not a valid signature of these bytes by any trusted key${trusted.size === 0 ? ' (no key is trusted: see docs/verify.md)' : ''}: the digest was altered or signed by someone else`,
    };
  if (status.status === 'untrusted-key')
    return {
      problem: 'untrusted-key',
      key,
      detail: `signed by key ${status.fingerprint}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`,
    };
  return undefined;
}
