/**
 * What a verification reads, gathered once: the digest chain with its signatures, the
 * window's snapshot listing, acknowledgements, retirements, the trusted keys, and the anchor
 * the previous verification report left.
 */

import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { CorruptEvidenceError, NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { addDays, dayOf } from '../evidence/days.js';
import type { CachedRoots, ChainHead, ChainWalk, LeafRef } from '../evidence/digest.js';
import { compareSealed, walkChain } from '../evidence/digest.js';
import type { MisfiledKey } from '../evidence/ids.js';
import { type ListedSnapshot, listSnapshots } from '../evidence/listing.js';
import { parseJson } from '../evidence/read.js';
import { RETIREMENT_PREFIX, type RecordedConfiguration, VERIFY_REPORT_PREFIX } from '../evidence/records.js';
import { signingSettingsOf, type TrustedKeys, trustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import {
  ACK_PREFIX,
  parseAcknowledgement,
  parseAcknowledgementKey,
  type StoredAcknowledgement,
} from './acknowledgements.js';
import {
  judgeRecords,
  listRecords,
  type RecordListing,
  type RecordStanding,
  recordSignatureProblem,
  standsAsEvidence,
  whyNotStanding,
} from './records.js';
import { parseRetirement, type StoredRetirement } from './retirements.js';
import type { IntegrityProblem } from './types.js';

export const REPORT_PREFIX = VERIFY_REPORT_PREFIX;

export interface Anchor {
  /** The report that recorded it. */
  report: string;
  head: ChainHead;
  /** The configuration that verification ran under, when it recorded one. */
  configuration?: RecordedConfiguration;
}

/** A record that excuses nothing (unsigned, unsealed, altered, backdated ...), and why. */
export interface RefusedRecord<T> {
  record: T;
  why: string;
}

export interface Inputs {
  /** The whole chain, checked end to end; only the window's entries kept. */
  chain: ChainWalk;
  /** Every scope any digest seals, with the last day sealed (to infer the default AWS account). */
  scopesSeen: Map<string, string>;
  trusted: { keys: TrustedKeys; notes: string[] };
  listed: Map<string, ListedSnapshot>;
  /** Acknowledgements the chain vouches for (clipped to the days that had ended when written). */
  acknowledgements: StoredAcknowledgement[];
  /** Retirements the chain vouches for. */
  retirements: StoredRetirement[];
  refusedAcknowledgements: RefusedRecord<StoredAcknowledgement>[];
  refusedRetirements: RefusedRecord<StoredRetirement>[];
  /** Every signed record as judged (evidence/records.ts). */
  records: Map<string, RecordStanding>;
  /** Per series: the first and last day with sealed evidence (ok or partial), and the first key. */
  evidenceSeen: Map<string, { first: string; firstKey: string; last: string }>;
  /** The anchor of the latest verification report; undefined when there is none. */
  anchor?: Anchor;
  /** The signed records as listed (reviews are judged from it too). */
  recordListing: RecordListing;
  /** Problems found while reading (corrupt records). */
  problems: IntegrityProblem[];
  notes: string[];
}

/** What a part of a verification in parts is given (parts.ts). */
export interface VerifyPartInput {
  /** Whether a scope's series belong to this part. */
  owns: (scope: string) => boolean;
  /** Whether a leaf's account shard belongs to this part. */
  ownsShard: (shard: string) => boolean;
  /** This part's share of the window's listing. */
  listed: Map<string, ListedSnapshot>;
  /**
   * The chain of roots, walked and checked once for all the parts, with the trusted keys it was
   * judged against: the part reads only its leaves (digest/chain.ts, `roots`).
   */
  roots?: CachedRoots & { trusted: { keys: TrustedKeys; notes: string[] } };
  /**
   * The signed records (acknowledgements, retirements, reports, sample runs, reviews) as listed
   * once for all the parts (by verifyInParts, or carried in the signed plan of a run in parts):
   * the part does not list them again. A record it reads that is gone since, or whose bytes are
   * not those sealed or not the size listed, is a problem.
   */
  records?: RecordListing;
}

export interface InputOptions {
  locker: Locker;
  config: Config;
  from: string;
  to: string;
  /** Keys trusted to sign digests; default: from outside the locker (KMS key, key file, pins). */
  trusted?: TrustedKeys;
  concurrency: number;
  now: Date;
  /**
   * A verification in parts (parts.ts): only this part's series are read and kept (its account
   * shards' leaves and entries), and the window's listing comes from the one listing pass that
   * partitioned it (its misfiled keys reported there).
   */
  part?: VerifyPartInput;
}

export async function gatherInputs(options: InputOptions): Promise<Inputs> {
  const { locker, config, from, to } = options;
  const part = options.part;
  const width = options.concurrency;
  const problems: IntegrityProblem[] = [];
  const notes: string[] = [];
  const trusted = part?.roots
    ? part.roots.trusted
    : options.trusted
      ? { keys: options.trusted, notes: [] }
      : await trustedKeys(locker, signingSettingsOf(config.locker));
  notes.push(...trusted.notes);

  // 1. The chain and its signatures: one listing, one GET per digest and per signature. The
  // whole chain is checked, but of its entries only the window's are kept: memory follows the
  // window, not the years sealed before it.
  const scopesSeen = new Map<string, string>();
  const evidenceSeen: Inputs['evidenceSeen'] = new Map();
  const chain = await walkChain(locker, {
    trusted: trusted.keys,
    concurrency: width,
    // Roots of the form that scales: only the window's days' leaves are read (the chain of
    // roots is still checked whole); the old form's digests list their entries anyway.
    leavesFor: (day) => day >= from && day <= to,
    ...(part && { leafFilter: (leaf: LeafRef) => part.ownsShard(leaf.shard) }),
    ...(part?.roots && { roots: part.roots }),
    keep: (entry) => {
      const day = dayOfKey(entry.key);
      if (day === undefined || day < from || day > to) return false;
      if (!part) return true;
      const p = parseSnapshotKey(entry.key);
      return p !== undefined && part.owns(p.scope);
    },
    onEntry: (entry) => {
      const p = parseSnapshotKey(entry.key);
      if (!p) return;
      const last = scopesSeen.get(p.scope);
      if (!last || p.day > last) scopesSeen.set(p.scope, p.day);
      if (entry.status !== 'ok' && entry.status !== 'partial') return;
      const id = seriesId(p.collector, p.scope);
      const seen = evidenceSeen.get(id);
      if (!seen) evidenceSeen.set(id, { first: p.day, firstKey: entry.key, last: p.day });
      else {
        if (p.day < seen.first || (p.day === seen.first && entry.key < seen.firstKey)) {
          seen.first = p.day;
          seen.firstKey = entry.key;
        }
        if (p.day > seen.last) seen.last = p.day;
      }
    },
  });
  notes.push(...chain.notes);

  // 2. The window's snapshots: a listing per month (keys are day-first), per day for a short window.
  let listed = new Map<string, ListedSnapshot>();
  if (part) listed = part.listed;
  else {
    const onMisfiled = (m: MisfiledKey) =>
      problems.push({ key: m.key, problem: 'misfiled', detail: `${m.reason}: it counts for no day` });
    for (const o of await listSnapshots(locker, from, to, { concurrency: width, onMisfiled }))
      listed.set(o.key, o);
  }

  // 3. Signed records (acknowledgements, retirements, reports, sample runs): one listing per
  // prefix, each judged as evidence (sealed, intact, written when it claims).
  const recordListing = part?.records ?? (await listRecords(locker));
  const { standings, problems: recordProblems } = await judgeRecords({
    locker,
    config,
    now: options.now,
    chain,
    listing: recordListing,
  });
  problems.push(...recordProblems);
  const refuse = (key: string, p: IntegrityProblem) => {
    problems.push(p);
    const standing = standings.get(key);
    if (standing) standing.problems.push(p);
  };
  const readRecord = (key: string, kind: string) =>
    readListedRecord(locker, key, kind, {
      listing: recordListing,
      standing: standings.get(key),
      listedBefore: part?.records !== undefined,
      refuse,
    });
  const readSigned = async <T>(
    key: string,
    kind: string,
    parse: (key: string, body: Buffer) => T,
  ): Promise<T | undefined> => {
    const body = await readRecord(key, kind);
    if (body === undefined) return undefined; // gone, or not the bytes listed and sealed: judged
    let record: T;
    try {
      record = parse(key, body);
    } catch (err) {
      if (!(err instanceof CorruptEvidenceError)) throw err;
      refuse(key, { key, problem: 'corrupt', detail: err.message });
      return undefined;
    }
    const signature = await recordSignatureProblem(locker, key, body, recordListing, trusted.keys, kind);
    if (signature) refuse(key, signature);
    return record;
  };

  // Acknowledgements that may cover the window (keyed by their first day), and retirements: rare.
  const ackKeys = [...recordListing.listed.keys()].filter((key) => {
    if (!key.startsWith(ACK_PREFIX)) return false;
    const where = parseAcknowledgementKey(key);
    return !where || where.day <= to;
  });
  const acks = await mapLimit(ackKeys, width, (key) =>
    readSigned(key, 'acknowledgement', parseAcknowledgement),
  );
  const acknowledgements: StoredAcknowledgement[] = [];
  const refusedAcknowledgements: RefusedRecord<StoredAcknowledgement>[] = [];
  for (const a of acks) {
    if (!a || (a.to ?? a.day) < from) continue;
    const standing = standings.get(a.key);
    // Only days that had ended when it was written: a gap is explained after the fact.
    const writtenOn = dayOf(new Date(a.acknowledgedAt));
    const last = a.to ?? a.day;
    if (standsAsEvidence(standing) && last >= writtenOn) {
      refuse(a.key, {
        key: a.key,
        problem: 'acknowledged-in-advance',
        detail: `written ${a.acknowledgedAt}, it acknowledges ${seriesId(a.collector, a.scope)} up to ${last}: days from ${writtenOn} on had not ended, so it excuses none of them`,
      });
      if (a.day < writtenOn) {
        const clipped = { ...a, to: addDays(writtenOn, -1) };
        if (clipped.to === clipped.day) delete (clipped as Partial<typeof clipped>).to;
        acknowledgements.push(clipped);
      }
      continue;
    }
    if (standsAsEvidence(standing)) acknowledgements.push(a);
    else refusedAcknowledgements.push({ record: a, why: whyNotStanding(standing) });
  }
  const retirementKeys = [...recordListing.listed.keys()].filter((key) => key.startsWith(RETIREMENT_PREFIX));
  const retirements: StoredRetirement[] = [];
  const refusedRetirements: RefusedRecord<StoredRetirement>[] = [];
  for (const r of await mapLimit(retirementKeys, width, (key) =>
    readSigned(key, 'retirement', parseRetirement),
  )) {
    if (!r) continue;
    const standing = standings.get(r.key);
    if (standsAsEvidence(standing)) retirements.push(r);
    else refusedRetirements.push({ record: r, why: whyNotStanding(standing) });
  }

  // 4. The anchor: the chain head the newest signed verification report says must still be there.
  const anchored = await latestAnchor(locker, {
    listing: recordListing,
    standings,
    trusted: trusted.keys,
    read: (key) => readRecord(key, 'verify report'),
  });
  for (const p of anchored.problems) refuse(p.key, p);
  notes.push(...anchored.notes);
  const anchor = anchored.anchor;
  return {
    chain,
    scopesSeen,
    evidenceSeen,
    trusted,
    listed,
    acknowledgements,
    retirements,
    refusedAcknowledgements,
    refusedRetirements,
    records: standings,
    recordListing,
    problems,
    notes,
    ...(anchor && { anchor }),
  };
}

/**
 * A listed record's bytes, or undefined after refusing it: gone since listed (a problem when
 * the listing is older than this reading, as in a part of a planned run; otherwise the listing
 * judges it), not the bytes its digest sealed, or not the size listed (changed since).
 */
async function readListedRecord(
  locker: Locker,
  key: string,
  kind: string,
  input: {
    listing: RecordListing;
    standing: RecordStanding | undefined;
    listedBefore: boolean;
    refuse: (key: string, p: IntegrityProblem) => void;
  },
): Promise<Buffer | undefined> {
  const { standing } = input;
  const judged = standing?.problems.some((p) => p.problem === 'hash-mismatch' || p.problem === 'deleted');
  const body = await readListedBody(locker, key);
  if (body === undefined) {
    if (input.listedBefore && !judged)
      input.refuse(key, {
        key,
        problem: 'deleted',
        detail: `${kind} listed when the verification was planned, then gone when read`,
      });
    return undefined;
  }
  if (judged) return body;
  const sealed = standing?.sealed;
  const changed = sealed
    ? compareSealed(sealed.entry, { sha256: sha256Hex(body), size: body.byteLength }, sealed.digest.key)
    : undefined;
  if (changed) {
    input.refuse(key, { key, problem: 'hash-mismatch', detail: `${kind}: ${changed.detail}` });
    return undefined;
  }
  const listed = input.listing.listed.get(key);
  if (listed && listed.size !== body.byteLength) {
    input.refuse(key, {
      key,
      problem: 'hash-mismatch',
      detail: `${kind} of ${body.byteLength} bytes when read, ${listed.size} when listed: changed while verified`,
    });
    return undefined;
  }
  if (listed?.sha256 !== undefined && sha256Hex(body) !== listed.sha256) {
    input.refuse(key, {
      key,
      problem: 'hash-mismatch',
      detail: `${kind} with SHA-256 ${sha256Hex(body)} when read, ${listed.sha256} when the verification was planned: changed while verified`,
    });
    return undefined;
  }
  return body;
}

/** The day of a snapshot key (snapshots/<day>/...), cheaply; undefined for any other key. */
function dayOfKey(key: string): string | undefined {
  return key.startsWith(SNAPSHOT_DAY_PREFIX) && key.charAt(20) === '/' ? key.slice(10, 20) : undefined;
}
const SNAPSHOT_DAY_PREFIX = 'snapshots/';

/**
 * The anchor: the newest report under reports/verify/ whose signature a trusted key verifies
 * (newest by the instant its key names). A newer report that does not parse, is not signed by
 * a trusted key, or that the chain does not vouch for is itself a problem, never a reason to
 * skip the check; reports written before this locker sealed records are passed over with a note.
 */
export async function latestAnchor(
  locker: Locker,
  input: {
    listing: RecordListing;
    standings: ReadonlyMap<string, RecordStanding>;
    trusted: TrustedKeys;
    /** Reads a listed report (default: readListedBody); undefined when it is gone or refused. */
    read?: (key: string) => Promise<Buffer | undefined>;
  },
): Promise<{ anchor?: Anchor; problems: IntegrityProblem[]; notes: string[] }> {
  const problems: IntegrityProblem[] = [];
  const notes: string[] = [];
  const reports = [...input.listing.listed.keys()]
    .filter((key) => key.startsWith(REPORT_PREFIX) && key.endsWith('.json'))
    .sort()
    .reverse();
  let legacy = 0;
  for (const key of reports) {
    const standing = input.standings.get(key);
    if (standing?.problems.some((p) => p.problem === 'hash-mismatch' || p.problem === 'corrupt')) continue; // already a problem: its bytes are not what was sealed, or its key names no time
    const body = await (input.read ?? ((k: string) => readListedBody(locker, k)))(key);
    if (body === undefined) continue;
    const signature = await recordSignatureProblem(
      locker,
      key,
      body,
      input.listing,
      input.trusted,
      'verify report',
    );
    if (signature) {
      if (standing?.legacy) legacy++;
      else problems.push({ ...signature, detail: `${signature.detail}; it cannot anchor the chain` });
      continue;
    }
    let head: ChainHead | null | undefined;
    let configuration: RecordedConfiguration | undefined;
    try {
      const report = parseJson(key, body) as {
        chain?: { anchor?: ChainHead | null };
        configuration?: RecordedConfiguration;
      };
      head = report.chain?.anchor;
      configuration = report.configuration;
    } catch (err) {
      if (!(err instanceof CorruptEvidenceError)) throw err;
    }
    if (
      head !== null &&
      (!head ||
        typeof head.key !== 'string' ||
        typeof head.sha256 !== 'string' ||
        typeof head.digests !== 'number')
    ) {
      problems.push({
        key,
        problem: 'corrupt',
        detail: 'a signed verify report without a readable chain anchor: it cannot anchor the chain',
      });
      continue;
    }
    if (legacy)
      notes.push(
        `${legacy} newer verify report(s) were written before this locker sealed and signed records: none of them anchors the chain`,
      );
    return {
      ...(head && { anchor: { report: key, head, ...(configuration && { configuration }) } }),
      problems,
      notes,
    };
  }
  if (legacy)
    notes.push(
      `${legacy} verify report(s) were written before this locker signed them: none anchors the chain, so chain-truncated is checked from the next verification on`,
    );
  return { problems, notes };
}

/** The bytes of an object listed a moment ago; undefined when it has gone since (the listing judges that). */
export async function readListedBody(locker: Locker, key: string): Promise<Buffer | undefined> {
  try {
    return (await locker.get(key)).body;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
