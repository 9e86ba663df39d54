/**
 * What a verification reads, gathered once: the digest chain with its signatures, the
 * window's snapshot listing, acknowledgements, retirements, the trusted keys, and the anchor
 * the previous verification report left.
 */

import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { CorruptEvidenceError } from '../errors.js';
import type { ChainHead, ChainWalk } from '../evidence/digest.js';
import { walkChain } from '../evidence/digest.js';
import type { MisfiledKey } from '../evidence/ids.js';
import { type ListedSnapshot, listSnapshots } from '../evidence/listing.js';
import { parseJson } from '../evidence/read.js';
import { signingSettingsOf, type TrustedKeys, trustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import {
  ACK_PREFIX,
  parseAcknowledgementKey,
  readAcknowledgement,
  type StoredAcknowledgement,
} from './acknowledgements.js';
import { readRetirements, type StoredRetirement } from './retirements.js';
import type { IntegrityProblem } from './types.js';

export const REPORT_PREFIX = 'reports/verify/';

export interface Anchor {
  /** The report that recorded it. */
  report: string;
  head: ChainHead;
}

export interface Inputs {
  /** The whole chain, checked end to end; only the window's entries kept. */
  chain: ChainWalk;
  /** Every scope any digest seals, with the last day sealed (to infer the default AWS account). */
  scopesSeen: Map<string, string>;
  trusted: { keys: TrustedKeys; notes: string[] };
  listed: Map<string, ListedSnapshot>;
  acknowledgements: StoredAcknowledgement[];
  retirements: StoredRetirement[];
  /** The anchor of the latest verification report; undefined when there is none. */
  anchor?: Anchor;
  /** Problems found while reading (corrupt records). */
  problems: IntegrityProblem[];
  notes: string[];
}

export interface InputOptions {
  locker: Locker;
  config: Config;
  from: string;
  to: string;
  /** Keys trusted to sign digests; default: from outside the locker (KMS key, key file, pins). */
  trusted?: TrustedKeys;
  concurrency: number;
}

export async function gatherInputs(options: InputOptions): Promise<Inputs> {
  const { locker, config, from, to } = options;
  const width = options.concurrency;
  const problems: IntegrityProblem[] = [];
  const notes: string[] = [];
  const trusted = options.trusted
    ? { keys: options.trusted, notes: [] }
    : await trustedKeys(locker, signingSettingsOf(config.locker));
  notes.push(...trusted.notes);

  // 1. The chain and its signatures: one listing, one GET per digest and per signature. The
  // whole chain is checked, but of its entries only the window's are kept: memory follows the
  // window, not the years sealed before it.
  const scopesSeen = new Map<string, string>();
  const chain = await walkChain(locker, {
    trusted: trusted.keys,
    concurrency: width,
    // Roots of the form that scales: only the window's days' leaves are read (the chain of
    // roots is still checked whole); the old form's digests list their entries anyway.
    leavesFor: (day) => day >= from && day <= to,
    keep: (entry) => {
      const day = dayOfKey(entry.key);
      return day !== undefined && day >= from && day <= to;
    },
    onEntry: (entry) => {
      const p = parseSnapshotKey(entry.key);
      if (!p) return;
      const last = scopesSeen.get(p.scope);
      if (!last || p.day > last) scopesSeen.set(p.scope, p.day);
    },
  });
  notes.push(...chain.notes);

  // 2. The window's snapshots: a listing per month (keys are day-first), per day for a short window.
  const listed = new Map<string, ListedSnapshot>();
  const onMisfiled = (m: MisfiledKey) =>
    problems.push({ key: m.key, problem: 'misfiled', detail: `${m.reason}: it counts for no day` });
  for (const o of await listSnapshots(locker, from, to, { concurrency: width, onMisfiled }))
    listed.set(o.key, o);

  // 3. Acknowledgements that may cover the window (keyed by their first day), and retirements: rare.
  const ackKeys: string[] = [];
  for await (const item of locker.list(ACK_PREFIX)) {
    const where = parseAcknowledgementKey(item.key);
    if (where && where.day <= to) ackKeys.push(item.key);
  }
  const acks = await mapLimit(ackKeys, width, async (key) => {
    try {
      return await readAcknowledgement(locker, key);
    } catch (err) {
      if (!(err instanceof CorruptEvidenceError)) throw err;
      problems.push({ key, problem: 'corrupt', detail: err.message });
      return undefined;
    }
  });
  const acknowledgements = acks.filter(
    (a): a is StoredAcknowledgement => a !== undefined && (a.to ?? a.day) >= from,
  );
  const { retirements, corrupt } = await readRetirements(locker);
  for (const c of corrupt) problems.push({ key: c.key, problem: 'corrupt', detail: c.detail });

  // 4. The anchor: the chain head the latest verification report says must still be there.
  const anchor = await latestAnchor(locker);
  return {
    chain,
    scopesSeen,
    trusted,
    listed,
    acknowledgements,
    retirements,
    problems,
    notes,
    ...(anchor && { anchor }),
  };
}

/** The day of a snapshot key (snapshots/<day>/...), cheaply; undefined for any other key. */
function dayOfKey(key: string): string | undefined {
  return key.startsWith(SNAPSHOT_DAY_PREFIX) && key.charAt(20) === '/' ? key.slice(10, 20) : undefined;
}
const SNAPSHOT_DAY_PREFIX = 'snapshots/';

/** The anchor of the latest report under reports/verify/ (one listing, one GET). */
export async function latestAnchor(locker: Locker): Promise<Anchor | undefined> {
  let latest: string | undefined;
  for await (const item of locker.list(REPORT_PREFIX)) {
    if (item.key.endsWith('.json') && (!latest || item.key > latest)) latest = item.key;
  }
  if (!latest) return undefined;
  const { body } = await locker.get(latest);
  let report: { chain?: { anchor?: ChainHead | null } };
  try {
    report = parseJson(latest, body) as typeof report;
  } catch (err) {
    if (err instanceof CorruptEvidenceError) return undefined;
    throw err;
  }
  const head = report.chain?.anchor;
  if (
    !head ||
    typeof head.key !== 'string' ||
    typeof head.sha256 !== 'string' ||
    typeof head.digests !== 'number'
  )
    return undefined;
  return { report: latest, head };
}
