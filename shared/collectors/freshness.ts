/**
 * Freshness: a source's own "as of" time (the IAM credential report's generation time, an AWS
 * Config recorder's latest recording event, a CloudTrail trail's latest log delivery, when Okta
 * factors were read, when Amazon Inspector last scanned a resource) older than its bound is never
 * judged as the state of the day it was collected. One question, asked by both sides with the
 * same bound (`checks.freshnessHours`): the collector marks its snapshot `partial`, naming the
 * stale part, and the check relying on the part fails that item (unknown, never a pass). Where
 * the stale part is a finding of its own rather than a gap in the collection (an Inspector
 * resource no longer scanned is the entity's state, read completely), only the check asks: the
 * snapshot is `partial` only when the listing itself is incomplete. Pure: no clock but the one
 * passed in.
 */
import { type Config, DEFAULT_FRESHNESS_HOURS } from '../config.js';

/** A source whose "as of" time is bounded: a key of `checks.freshnessHours`. */
export type FreshnessSource = keyof typeof DEFAULT_FRESHNESS_HOURS;

const HOUR_MS = 3_600_000;

/** The bound of `source` in hours, as configured (or its default). */
export function freshnessBound(config: Pick<Config, 'checks'> | undefined, source: FreshnessSource): number {
  return config?.checks?.freshnessHours?.[source] ?? DEFAULT_FRESHNESS_HOURS[source];
}

/** "5 h", "30 h", "77 h (3 days)": an age as a reader checks it against a bound in hours. */
export function formatAge(ms: number): string {
  const hours = Math.floor(ms / HOUR_MS);
  return hours >= 48 ? `${hours} h (${Math.floor(hours / 24)} days)` : `${hours} h`;
}

export interface StalenessQuestion {
  /** The part, as a reader finds it in the snapshot, e.g. "the credential report", "trail audit". */
  part: string;
  /** What the time is, as a verb phrase before it, e.g. "was generated at", "last delivered log files at". */
  event: string;
  /** The source's own time (ISO); null when the source gave none. */
  asOf: string | null;
  /** What to say when `asOf` is null, e.g. "has no generation time". */
  missing: string;
  /** The collection's time: the run's clock in the collector, the snapshot's `collectedAt` in a check. */
  at: string | Date;
  source: FreshnessSource;
  maxHours: number;
}

/**
 * Why the part is not the state at `at`: no "as of" time (its age is unknown), one that is no
 * date, or one more than `maxHours` before `at`. Undefined when it is fresh. A time after `at`
 * (clocks differ by seconds) is fresh.
 */
export function staleness(q: StalenessQuestion): string | undefined {
  const at = typeof q.at === 'string' ? Date.parse(q.at) : q.at.getTime();
  const bound = `checks.freshnessHours.${q.source}, ${q.maxHours} h`;
  if (q.asOf === null) return `${q.part} ${q.missing}, so its age is unknown (${bound})`;
  const asOf = Date.parse(q.asOf);
  if (Number.isNaN(asOf)) return `${q.part}'s "as of" time ${JSON.stringify(q.asOf)} is no date (${bound})`;
  const age = at - asOf;
  if (age > q.maxHours * HOUR_MS)
    return `${q.part} ${q.event} ${q.asOf}, ${formatAge(age)} before the collection (at most ${q.maxHours} h, checks.freshnessHours.${q.source}): it is not that day's state`;
  return undefined;
}
