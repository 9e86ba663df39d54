/**
 * Signed records as evidence (evidence/records.ts): acknowledgements, retirements, verify
 * reports and sample runs are judged like snapshots. Each must be sealed in the digest of the
 * day its key claims (`not-sealed` once that day's grace is over), still be there (`deleted`),
 * hold the sealed bytes (`hash-mismatch`), and not claim an earlier (or later) time than the
 * store wrote it (`backdated`: S3 LastModified; on a directory, the sealing time). A record the
 * chain cannot vouch for excuses nothing: verify lists it instead.
 *
 * Records that claim a day before the chain first sealed records (a locker written by an
 * earlier version) are `legacy`: they are not problems, but they excuse nothing either.
 *
 * Cost: one listing per record prefix (records are few), one read of each record whose listing
 * disagrees with its digest entry, one HEAD per sealed record no longer listed.
 */
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { dayOf } from '../evidence/days.js';
import { type ChainWalk, compareSealed, type SealedRecord } from '../evidence/digest.js';
import { RECORD_KINDS, RECORD_PREFIXES, recordInstant, recordPrefixOf } from '../evidence/records.js';
import {
  judgeSignature,
  lockerKeys,
  SIGNATURE_SUFFIX,
  signatureKey,
  type TrustedKeys,
} from '../evidence/signing.js';
import type { ListedObject, Locker } from '../locker/types.js';
import { sealDue } from './problems.js';
import type { IntegrityProblem } from './types.js';

/** What verify knows of one signed record before judging what it says. */
export interface RecordStanding {
  key: string;
  /** acknowledgement, retirement, verify report or sample run. */
  kind: string;
  /** The instant its key claims; undefined when it names none (then it is corrupt). */
  at?: string;
  /** The digest of the chain that sealed it. */
  sealed?: SealedRecord;
  /** Written before the chain sealed records, and never sealed: excuses nothing, no problem. */
  legacy: boolean;
  /** Not sealed yet, and not due yet: excuses nothing yet. */
  pending: boolean;
  /** Problems that make it excuse nothing. */
  problems: IntegrityProblem[];
}

export interface RecordListing {
  /**
   * Every record key listed under RECORD_PREFIXES (not signatures), with what the listing says;
   * and, in a listing made once for the parts of a verification (hashRecords), its SHA-256 then.
   */
  listed: Map<string, ListedObject & { sha256?: string }>;
  /** Signature keys (`<record>.sig`) listed. */
  signatures: Set<string>;
}

/** One listing per record prefix. */
export async function listRecords(locker: Locker): Promise<RecordListing> {
  const listed = new Map<string, ListedObject>();
  const signatures = new Set<string>();
  for (const prefix of RECORD_PREFIXES) {
    for await (const item of locker.list(prefix)) {
      if (item.key.endsWith(SIGNATURE_SUFFIX)) signatures.add(item.key);
      else listed.set(item.key, item);
    }
  }
  return { listed, signatures };
}

/**
 * The listing with each record's SHA-256 as the store has it now (a HEAD each: S3 answers with
 * the SHA-256 it stored; a record without one is read and hashed), for a listing that parts of a
 * verification use later: a part then refuses a record whose bytes are not these, even one of the
 * same size signed again by a trusted key and not sealed yet. A record gone meanwhile keeps no
 * SHA-256 (the part finds it gone).
 */
export async function hashRecords(
  locker: Locker,
  listing: RecordListing,
  width = 16,
): Promise<RecordListing> {
  const listed = new Map<string, ListedObject & { sha256?: string }>();
  const hashed = await mapLimit([...listing.listed.values()], width, async (object) => {
    try {
      const sha256 = (await locker.head(object.key)).sha256 ?? sha256Hex((await locker.get(object.key)).body);
      return { ...object, sha256 };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return object;
    }
  });
  for (const object of hashed) listed.set(object.key, object);
  return { listed, signatures: listing.signatures };
}

/** A record is usable as an explanation only when the chain vouches for it. */
export function standsAsEvidence(s: RecordStanding | undefined): boolean {
  return s !== undefined && s.problems.length === 0 && !s.legacy && !s.pending;
}

/** Why a record excuses nothing, in words (for the report's lists). */
export function whyNotStanding(s: RecordStanding | undefined): string {
  if (!s) return 'not in the locker';
  if (s.problems.length) return s.problems.map((p) => p.problem).join(', ');
  if (s.legacy) return 'written before this locker sealed records (not sealed, not signed by the chain)';
  if (s.pending) return 'not sealed yet (run evidence seal for the day it was written)';
  return 'stands';
}

/**
 * Judge every listed record and every record the chain seals: sealed in time, intact, still
 * there, written when it says. Signatures are judged by the readers of each kind (an
 * acknowledgement or retirement when it is read, the anchor report when it is chosen).
 */
export async function judgeRecords(input: {
  locker: Locker;
  config: Config;
  now: Date;
  chain: Pick<ChainWalk, 'records' | 'recordsFrom'>;
  listing: RecordListing;
}): Promise<{ standings: Map<string, RecordStanding>; problems: IntegrityProblem[] }> {
  const { locker, config, now, chain, listing } = input;
  const standings = new Map<string, RecordStanding>();
  const problems: IntegrityProblem[] = [];
  const toleranceMs = config.locker.backdateToleranceMinutes * 60_000;

  for (const [key, object] of listing.listed) {
    const prefix = recordPrefixOf(key);
    const kind = prefix ? RECORD_KINDS[prefix] : 'record';
    const at = recordInstant(key);
    const sealed = chain.records.get(key);
    const standing: RecordStanding = {
      key,
      kind,
      ...(at && { at }),
      ...(sealed && { sealed }),
      legacy: false,
      pending: false,
      problems: [],
    };
    standings.set(key, standing);
    const report = (problem: IntegrityProblem['problem'], detail: string) => {
      const p = { key, problem, detail };
      standing.problems.push(p);
      problems.push(p);
    };
    if (!prefix || !at) {
      report(
        'corrupt',
        `a ${kind} key must be <prefix>/.../<compact instant>….json: this one names no instant, so no day seals it`,
      );
      continue;
    }
    const day = dayOf(new Date(at));
    if (sealed) {
      const entry = sealed.entry;
      const changed =
        object.size !== entry.size ||
        (entry.lastModified !== undefined && !sameTime(object.lastModified, entry.lastModified, locker.worm));
      if (changed) {
        try {
          const { body, info } = await locker.get(key);
          const problem = compareSealed(
            entry,
            {
              sha256: sha256Hex(body),
              size: body.byteLength,
              ...(info.versionId && { versionId: info.versionId }),
            },
            sealed.digest.key,
          );
          if (problem) report(problem.problem, `${kind}: ${problem.detail}`);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          report('deleted', `${kind} sealed by ${sealed.digest.key}, listed, then gone`);
        }
      }
    } else if (chain.recordsFrom === undefined || day < chain.recordsFrom) {
      standing.legacy = true;
    } else if (now >= sealDue(config, day)) {
      report(
        'not-sealed',
        `${kind} claiming ${at}: no digest of the chain lists it ${config.locker.sealGraceHours} h after the end of ${day}; a record written by the tool is sealed by evidence seal --day ${day}`,
      );
    } else {
      standing.pending = true;
    }

    // When it was written: the store's clock on S3, the sealing time on a directory.
    const claimed = Date.parse(at);
    if (locker.worm) {
      const written = (
        sealed?.entry.lastModified ? new Date(sealed.entry.lastModified) : object.lastModified
      ).getTime();
      const drift = written - claimed;
      if (Math.abs(drift) > toleranceMs)
        report(
          'backdated',
          drift > 0
            ? `${kind} claims ${at}, ${hours(drift)} before the store wrote it (${new Date(written).toISOString()}); tolerance ${config.locker.backdateToleranceMinutes} min`
            : `${kind} claims ${at}, ${hours(-drift)} after the store wrote it (${new Date(written).toISOString()}); tolerance ${config.locker.backdateToleranceMinutes} min`,
        );
    } else if (sealed && Date.parse(sealed.digest.sealedAt) > sealDue(config, day).getTime()) {
      report(
        'backdated',
        `${kind} claims ${at} but was first sealed ${sealed.digest.sealedAt} by ${sealed.digest.key}, after the end of ${day} + ${config.locker.sealGraceHours} h: on a directory the sealing time is the only write time there is`,
      );
    } else if (claimed > now.getTime() + toleranceMs) {
      report(
        'backdated',
        `${kind} claims ${at}, after now (${now.toISOString()}): a record cannot be written in the future`,
      );
    }
  }

  // Sealed records the listing no longer shows (a deleted file; on S3, a delete marker).
  for (const [key, sealed] of chain.records) {
    if (listing.listed.has(key)) continue;
    const prefix = recordPrefixOf(key);
    const kind = prefix ? RECORD_KINDS[prefix] : 'record';
    try {
      await locker.head(key);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      const p: IntegrityProblem = {
        key,
        problem: 'deleted',
        detail: `${kind} sealed by ${sealed.digest.key} is no longer in the locker (deleted, or hidden by a delete marker)`,
      };
      problems.push(p);
      standings.set(key, { key, kind, sealed, legacy: false, pending: false, problems: [p] });
    }
  }
  return { standings, problems };
}

/** S3 gives LastModified to the second in headers (to the millisecond in listings); a file's mtime is exact. */
function sameTime(a: Date, b: string, toTheSecond: boolean): boolean {
  const x = a.getTime();
  const y = new Date(b).getTime();
  return toTheSecond ? Math.floor(x / 1000) === Math.floor(y / 1000) : x === y;
}

function hours(ms: number): string {
  return ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}

/**
 * The signature of one record's bytes, judged against the trusted keys: undefined when a trusted
 * key signed exactly these bytes, else the problem (unsigned, bad-signature, untrusted-key).
 */
export async function recordSignatureProblem(
  locker: Locker,
  key: string,
  body: Buffer,
  listing: RecordListing,
  trusted: TrustedKeys,
  kind: string,
): Promise<IntegrityProblem | undefined> {
  const sigKey = signatureKey(key);
  let signature: Buffer | undefined;
  if (listing.signatures.has(sigKey)) {
    try {
      signature = (await locker.get(sigKey)).body;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  let judged = judgeSignature(body, signature, trusted);
  if (judged.status === 'bad-signature')
    judged = judgeSignature(body, signature, trusted, await lockerKeys(locker));
  switch (judged.status) {
    case 'valid':
      return undefined;
    case 'unsigned':
      return {
        key,
        problem: 'unsigned',
        detail: `${kind} without a signature ${sigKey}: it excuses nothing`,
      };
    case 'bad-signature':
      return {
        key,
        problem: 'bad-signature',
        detail: `${sigKey} is not a valid signature of this ${kind} by any trusted key: altered, or signed by someone else; it excuses nothing`,
      };
    case 'untrusted-key':
      return {
        key,
        problem: 'untrusted-key',
        detail: `${kind} signed by key ${judged.fingerprint}, which is not trusted: it excuses nothing`,
      };
  }
}
