/**
 * The chain walk: every digest read once, its signature judged, the chain checked link by
 * link from genesis to head, and only the entries a caller asks for kept.
 */

import type { KeyObject } from 'node:crypto';
import { mapLimit } from '../../concurrency.js';
import { CorruptEvidenceError, NotFoundError } from '../../errors.js';
import type { Locker, ObjectInfo } from '../../locker/types.js';
import { judgeSignature, lockerKeys, signatureKey, type TrustedKeys, trustedKeys } from '../signing.js';
import { checkEntry, type DigestProblem } from './compare.js';
import {
  type ChainLink,
  type Digest,
  type DigestEntry,
  type LeafRef,
  linkKey,
  listDigests,
  type ReadDigest,
  readDigest,
  readLink,
} from './format.js';
import { type DigestEntries, digestEntries, entryCount, leafEntries, signatureProblem } from './leaves.js';

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
  /** Every signed record the chain seals, by key (see ChainWalk). */
  records: Map<string, SealedRecord>;
  recordsFrom?: string;
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
  /** 3: a root that names signed leaves (leaves.ts); absent: the old form, which lists its snapshots. */
  form?: 3;
  /** True when it lists signed records (sealed by a version that seals them), even none. */
  listsRecords: boolean;
  /** The configuration the seal ran under, when the digest records it. */
  configuration?: Digest['configuration'];
  /** What the store says about the digest object (lock, write time). */
  info?: ObjectInfo;
}

/** A signed record the chain seals (evidence/records.ts), with the digest that first sealed it. */
export interface SealedRecord {
  entry: DigestEntry;
  digest: ChainDigest;
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
  /** Every signed record the chain seals (all of them: records are few), by key. */
  records: Map<string, SealedRecord>;
  /**
   * The day of the first chained digest that lists records: from that day on every record must
   * be sealed; records that claim an earlier day were written before records were sealed.
   */
  recordsFrom?: string;
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
  /**
   * Days whose roots' leaves are read (the form that scales; default: every day). A root of
   * another day is still read, signature-checked and chained, its leaves not: its entries are
   * neither kept nor offered to onEntry.
   */
  leavesFor?: (day: string) => boolean;
  /**
   * Which of a root's leaves are read (default: every one): a verification in parts reads only
   * its part's account shards. A leaf not read is not checked here, its entries neither kept nor
   * offered to onEntry (the part that reads it checks it).
   */
  leafFilter?: (leaf: LeafRef) => boolean;
  /** Sees every digest as read, bytes and entries (verifyChain keeps them; a walker need not). */
  onRead?: (digest: ReadDigest) => void;
  /**
   * The chain of roots as a walk of the same locker already checked it (`chainRoots`): the
   * digests are neither listed nor read again, nor their signatures; only the leaves (of the
   * days asked, `leavesFor`, and the leaf references `leaves` gives for a root, as that walk read
   * them from the signed root) are read and checked. A digest of the old form, which lists its
   * snapshots itself, is read again and must hash to what the walk chained. The parts of a
   * verification in parts share one walk of the chain this way (shared/verify/parts.ts).
   */
  roots?: CachedRoots;
}

/**
 * The chain as walked, without the entries kept: what every part of a verification in parts
 * shares (a few hundred bytes a digest). Its problems are the chain's and the digests'
 * signatures', not the leaves' (each part reports those of the leaves it reads).
 */
export type ChainRoots = Omit<ChainWalk, 'sealed' | 'sealedBy'>;

export interface CachedRoots {
  chain: ChainRoots;
  /** The leaf references a chained root of the form that scales names (those the reader needs, at least). */
  leaves: (root: ChainDigest) => readonly LeafRef[];
}

/** The walk without its kept entries. */
export function chainRoots(walk: ChainWalk): ChainRoots {
  const { sealed: _sealed, sealedBy: _sealedBy, ...roots } = walk;
  return roots;
}

/** A digest as the walk holds it between reading and ordering: compact, its signature judged. */
interface WalkedDigest extends ChainDigest {
  kept: DigestEntry[];
  records: DigestEntry[];
  signature: ReturnType<typeof judgeSignature>;
  /** Its leaves' problems (the form that scales), reported when the digest is chained. */
  leafProblems: DigestProblem[];
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
  if (options.roots) return walkCachedRoots(locker, options, options.roots);
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
    // The old form lists its entries; a root's are in its leaves, read only for the days asked.
    const opened =
      d.digest.schema === 'evidence.digest/3' && !(options.leavesFor?.(d.digest.day) ?? true)
        ? { entries: [], problems: [], leaves: 0 }
        : await digestEntries(locker, d, {
            trusted,
            concurrency: width,
            ...(options.leafFilter && { leafFilter: options.leafFilter }),
            candidates: () => {
              candidates ??= lockerKeys(locker);
              return candidates;
            },
          });
    const kept: DigestEntry[] = [];
    for (const entry of opened.entries) {
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
      entries: entryCount(d),
      ...(d.digest.schema === 'evidence.digest/3' && { form: 3 as const }),
      listsRecords: d.digest.records !== undefined,
      ...(d.digest.configuration && { configuration: d.digest.configuration }),
      ...(d.info && { info: d.info }),
      kept,
      records: d.digest.records ?? [],
      signature,
      leafProblems: opened.problems,
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

  // Signatures, judged as each digest was read, and leaves: reported for the chained ones.
  for (const d of chain) {
    const problem = signatureProblem(d.key, d.signature, trusted);
    if (problem) problems.push(problem);
    problems.push(...d.leafProblems);
  }

  const sealed = new Map<string, DigestEntry>();
  const sealedBy = new Map<string, ChainDigest>();
  const records = new Map<string, SealedRecord>();
  let recordsFrom: string | undefined;
  const digests: ChainDigest[] = [];
  for (const d of chain) {
    const {
      kept,
      records: sealedRecords,
      signature: _signature,
      leafProblems: _leafProblems,
      ...compact
    } = d;
    digests.push(compact);
    for (const entry of kept) {
      if (sealed.has(entry.key)) continue;
      sealed.set(entry.key, entry);
      sealedBy.set(entry.key, compact);
    }
    if (compact.listsRecords && recordsFrom === undefined) recordsFrom = compact.day;
    for (const entry of sealedRecords)
      if (!records.has(entry.key)) records.set(entry.key, { entry, digest: compact });
  }
  const last = digests.at(-1);
  const report: ChainWalk = { digests, problems, sealed, sealedBy, records, abandoned, notes };
  if (recordsFrom !== undefined) report.recordsFrom = recordsFrom;
  if (last) report.head = { key: last.key, sha256: last.sha256, digests: last.sequence };
  return report;
}

/**
 * walkChain over a chain already walked (`roots`): the same entries offered and kept, the same
 * problems (the walk's, and those of the leaves read here), in chain order.
 */
async function walkCachedRoots(
  locker: Locker,
  options: WalkChainOptions,
  roots: CachedRoots,
): Promise<ChainWalk> {
  const trusted = options.trusted ?? (await trustedKeys(locker)).keys;
  const width = options.concurrency ?? 16;
  const keep = options.keep ?? (() => true);
  let candidates: Promise<Map<string, KeyObject>> | undefined;
  const opened = await mapLimit(roots.chain.digests, width, async (d): Promise<DigestEntries> => {
    if (d.form === 3) {
      if (!(options.leavesFor?.(d.day) ?? true)) return { entries: [], problems: [], leaves: 0 };
      const refs = roots.leaves(d);
      return leafEntries(locker, d, options.leafFilter ? refs.filter(options.leafFilter) : refs, {
        trusted,
        concurrency: width,
        candidates: () => {
          candidates ??= lockerKeys(locker);
          return candidates;
        },
      });
    }
    // The old form lists its snapshots in the digest: read it again, and only if it is still
    // the digest the walk chained and judged do its entries count.
    let read: ReadDigest;
    try {
      read = await readDigest(locker, d.key);
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof CorruptEvidenceError)
        return {
          entries: [],
          problems: [
            {
              problem: err instanceof NotFoundError ? 'deleted' : 'corrupt',
              key: d.key,
              detail: `digest ${d.sequence} of the chain cannot be read again (${err.message}): what it sealed is not sealed`,
            },
          ],
          leaves: 0,
        };
      throw err;
    }
    if (read.sha256 !== d.sha256)
      return {
        entries: [],
        problems: [
          {
            problem: 'hash-mismatch',
            key: d.key,
            detail: `SHA-256 is now ${read.sha256}, the chain was walked with ${d.sha256}: the digest was replaced, so it seals nothing`,
          },
        ],
        leaves: 0,
      };
    return digestEntries(locker, read, { trusted });
  });
  const problems: DigestProblem[] = [...roots.chain.problems];
  const sealed = new Map<string, DigestEntry>();
  const sealedBy = new Map<string, ChainDigest>();
  for (const [i, d] of roots.chain.digests.entries()) {
    const o = opened[i]!;
    problems.push(...o.problems);
    for (const entry of o.entries) {
      options.onEntry?.(entry);
      if (!keep(entry) || sealed.has(entry.key)) continue;
      sealed.set(entry.key, entry);
      sealedBy.set(entry.key, d);
    }
  }
  return { ...roots.chain, problems, sealed, sealedBy };
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
    records: walk.records,
    abandoned: walk.abandoned,
    notes: walk.notes,
  };
  if (walk.recordsFrom !== undefined) report.recordsFrom = walk.recordsFrom;
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
