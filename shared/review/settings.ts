/**
 * The `reviews` section read once: which systems are reviewed, the cadence's periods (calendar
 * quarters from auditPeriod.start, clipped to the audit period), when each period's campaign is
 * due, and how long a removal may take. Which collectors' snapshots each system's population
 * comes from.
 */
import type { Config } from '../config.js';
import { addDays } from '../evidence/days.js';

export const REVIEW_SYSTEMS = ['okta', 'github', 'aws'] as const;
export type ReviewSystem = (typeof REVIEW_SYSTEMS)[number];

export interface ReviewSettings {
  /** True when the configuration has a `reviews` section: verify then expects campaigns. */
  expected: boolean;
  cadence: 'quarterly';
  systems: ReviewSystem[];
  removalSlaDays: number;
  graceDays: number;
}

export const DEFAULT_REMOVAL_SLA_DAYS = 5;
export const DEFAULT_GRACE_DAYS = 30;

export function reviewSettings(config: Config): ReviewSettings {
  const r = config.reviews;
  return {
    expected: r !== undefined,
    cadence: r?.cadence ?? 'quarterly',
    systems: r?.systems ?? REVIEW_SYSTEMS.filter((s) => config[s] !== undefined),
    removalSlaDays: r?.removalSlaDays ?? DEFAULT_REMOVAL_SLA_DAYS,
    graceDays: r?.graceDays ?? DEFAULT_GRACE_DAYS,
  };
}

export interface ReviewPeriod {
  /** e.g. 2026-Q1 */
  id: string;
  /** The period's days within the audit period. */
  from: string;
  to: string;
  /** The last day on which its campaign may be closed (to + graceDays). */
  due: string;
}

/**
 * The cadence's periods that overlap [from, to]: calendar quarters, the first starting at
 * auditPeriod.start and the last ending at auditPeriod.end when there is one.
 */
export function reviewPeriods(config: Config, window: { from: string; to: string }): ReviewPeriod[] {
  const settings = reviewSettings(config);
  const start = config.auditPeriod.start;
  const end = config.auditPeriod.end;
  const out: ReviewPeriod[] = [];
  let year = Number(start.slice(0, 4));
  let quarter = Math.floor((Number(start.slice(5, 7)) - 1) / 3);
  for (;;) {
    const qFrom = `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
    const nextYear = quarter === 3 ? year + 1 : year;
    const nextQuarter = (quarter + 1) % 4;
    const qTo = addDays(`${nextYear}-${String(nextQuarter * 3 + 1).padStart(2, '0')}-01`, -1);
    const from = qFrom < start ? start : qFrom;
    const to = end !== undefined && end < qTo ? end : qTo;
    if (from > window.to || (end !== undefined && from > end)) break;
    if (to >= window.from)
      out.push({ id: `${year}-Q${quarter + 1}`, from, to, due: addDays(to, settings.graceDays) });
    year = nextYear;
    quarter = nextQuarter;
  }
  return out;
}

/** The period a day falls in (a campaign belongs to the period of its as-of day). */
export function periodOf(config: Config, day: string): ReviewPeriod | undefined {
  return reviewPeriods(config, { from: day, to: day })[0];
}
