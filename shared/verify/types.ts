/**
 * What a verification reports: the problem classes, the per-series and per-day judgement,
 * and the result document (written into the locker as reports/verify/<at>.json).
 */
import type { ChainHead } from '../evidence/digest.js';
import type { ReviewCadence } from '../review/cadence.js';

/** Every problem class, in the order the report and docs/verify.md list them. */
export const PROBLEMS = [
  'hash-mismatch',
  'deleted',
  'corrupt',
  'misfiled',
  'late',
  'backdated',
  'not-sealed',
  'digest-missing',
  'chain-broken',
  'chain-truncated',
  'unsigned',
  'bad-signature',
  'untrusted-key',
  'retention-missing',
  'retention-too-short',
  'not-compliance-mode',
  'acknowledged-in-advance',
  'retirement-contradicted',
  'since-contradicts-evidence',
  'population-gap',
  'window-overlap',
  'window-in-future',
  'review-missing',
  'review-incomplete',
  'part-not-verified',
] as const;
export type ProblemKind = (typeof PROBLEMS)[number];

export interface IntegrityProblem {
  key: string;
  problem: ProblemKind;
  detail: string;
  /** `<collector>/<scope>` when the key is a snapshot. */
  series?: string;
}

export interface AcknowledgedDay {
  day: string;
  reason: string;
  by: string;
  key: string;
  /** When the acknowledgement was written (the instant its key claims, vouched for by the chain). */
  at: string;
}

/** A present day whose snapshot is partial: it counts, and what it lacks is named. */
export interface PartialDay {
  day: string;
  key: string;
  /** What is missing, as the collector recorded it (its errors). */
  missing: string[];
}

/** A signed record that excuses nothing, listed with who, when, why it was made and why it does not count. */
export interface RefusedException {
  kind: 'acknowledgement' | 'retirement';
  key: string;
  series: string;
  /** The days it claims: `from..to` (a retirement: from its `from` on). */
  days: string;
  by: string;
  at: string;
  reason: string;
  /** Why it excuses nothing: the problems found, legacy, or not sealed yet. */
  why: string;
}

/**
 * What a day of a series is, for the report and the coverage calendar:
 * present: a usable snapshot (ok or partial, sealed in time, key and body agree, intact);
 * failed: only error snapshots; acknowledged: no usable snapshot, explained by a record;
 * late / misfiled / unusable: snapshots exist but none counts (written or sealed after the
 * grace period; key and body disagree; altered, unsealed or badly signed);
 * missing: nothing at all.
 */
export const DAY_STATES = [
  'present',
  'failed',
  'acknowledged',
  'late',
  'misfiled',
  'unusable',
  'missing',
] as const;
export type DayState = (typeof DAY_STATES)[number];

/** A run of consecutive days in the same state. */
export interface DayRun {
  from: string;
  to: string;
  state: DayState;
}

export interface SeriesReport {
  collector: string;
  scope: string;
  /** First day evidence is expected: auditPeriod.start, or the `since` the configuration names. */
  expectedFrom: string;
  /** Why: 'auditPeriod.start', or the configuration key that names a later `since`. */
  expectedFromReason: string;
  /** Last day expected when the series was retired (evidence retire); undefined otherwise. */
  expectedTo?: string;
  /**
   * With aws.organization: the runs of days on which the day's organization snapshot put the
   * series' account in scope (or, for `aws-unresolved`, had no usable inventory); the series is
   * expected on those days only. Absent: every day from expectedFrom.
   */
  expectedOn?: { from: string; to: string }[];
  /** Why the series is judged: named by the configuration, or only found in the locker. */
  origin: 'config' | 'locker';
  /** Days of the window on which evidence was expected. */
  expectedDays: number;
  presentDays: number;
  /** Days without usable evidence and without an acknowledgement (whatever the reason: see days). */
  missing: string[];
  /** Days with only error snapshots (not in missing). */
  failed: string[];
  acknowledged: string[];
  acknowledgements: AcknowledgedDay[];
  /** Present days whose only usable snapshot is partial (counted in presentDays). */
  partial: PartialDay[];
  /**
   * Days of the window before `expectedFrom` when a `since` made the series start later than
   * auditPeriod.start: not expected, listed so that nobody mistakes them for judged days.
   */
  beforeSince: number;
  controls: string[];
  /** Every expected day of the window in runs of one state (machine-readable: the calendar). */
  days: DayRun[];
}

export interface VerifyResult {
  schema: 'evidence.verify/2';
  from: string;
  to: string;
  ok: boolean;
  store: string;
  verifiedAt: string;
  series: SeriesReport[];
  integrity: IntegrityProblem[];
  /** Object Lock retention and backdating are checked on S3 only; a directory cannot hold them. */
  retention: 'checked' | 'not-applicable';
  deep: boolean;
  /** The chain as this verification saw it, and the anchor the next one checks. */
  chain: {
    head: ChainHead | null;
    /** The head a later verification must still find: this head, or an earlier one found missing. */
    anchor: ChainHead | null;
    /** The report whose anchor this verification checked. */
    checkedAgainst: string | null;
    /** Fingerprints of the keys trusted to sign digests, and why. */
    trustedKeys: { fingerprint: string; source: string }[];
  };
  /** Series found in the locker that the configuration no longer names: judged all the same. */
  unexpected: string[];
  /** Series retired by an explicit record (evidence retire) the chain vouches for. */
  retired: {
    series: string;
    from: string;
    /** The first day no longer expected: `from`, but never before the day it was written. */
    effectiveFrom: string;
    reason: string;
    by: string;
    at: string;
    key: string;
  }[];
  /** Acknowledgements and retirements that excuse nothing (unsigned, unsealed, altered, backdated ...). */
  refused: RefusedException[];
  /** The configuration this verification ran under, and how it differs from the previous one's. */
  configuration: {
    sha256: string;
    fileSha256: string | null;
    key: string;
    /** The previous signed verification report ran under another configuration. */
    changed?: { report: string; sha256: string; keys: string[] };
  } | null;
  /** Access review campaigns and, with a `reviews` section, each period's verdict (shared/review/cadence.ts). */
  reviews?: ReviewCadence;
  /** The exceptions verify's OK carries: acknowledged days, retired series, days before `since`. */
  exceptions: { acknowledgedDays: number; retiredSeries: number; daysBeforeSince: number };
  notes: string[];
  stats: {
    requests: number;
    days: number;
    snapshots: number;
    digests: number;
    acknowledgements: number;
    objectsRead: number;
  };
  tool: { name: string; version: string };
}
