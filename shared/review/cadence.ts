/**
 * Access reviews in verify: every review record's signature is judged (its sealing, presence,
 * bytes and write time are judged with every signed record, verify/records.ts), and with a
 * `reviews` section every system must have one closed, complete campaign per period (calendar
 * quarter from auditPeriod.start), closed by the period's end + reviews.graceDays:
 *
 *   review-missing     no campaign of the system has its as-of day in the period
 *   review-incomplete  campaigns exist, none closed complete in time (never closed, missing
 *                      decisions or removals, closed late, or resting on records that no
 *                      longer stand: altered, unsigned, unsealed, deleted)
 *
 * Never OK over a period that is due: not judged is not a pass. A period not yet due is listed.
 */
import type { CheckOutcome } from '../checks/types.js';
import type { Config } from '../config.js';
import { sha256Hex } from '../evidence/canonical.js';
import { dayOf } from '../evidence/days.js';
import type { TrustedKeys } from '../evidence/signing.js';
import type { Locker } from '../locker/types.js';
import {
  type RecordListing,
  type RecordStanding,
  standsAsEvidence,
  whyNotStanding,
} from '../verify/records.js';
import type { IntegrityProblem } from '../verify/types.js';
import { accessReviewCompletedCheck } from './check.js';
import {
  type CampaignState,
  campaignStates,
  completeClose,
  listReviewRecords,
  readReviewRecords,
  reviewListingOf,
} from './records.js';
import { type ReviewPeriod, type ReviewSystem, reviewPeriods, reviewSettings } from './settings.js';

export interface CampaignSummary {
  id: string;
  system: ReviewSystem;
  asOf: string;
  key: string;
  /** complete: a complete close that stands; incomplete: closed, not complete; open: never closed. */
  status: 'complete' | 'incomplete' | 'open';
  closeKey: string | null;
  closedAt: string | null;
  population: number;
  /** What keeps it from counting (empty when complete and standing). */
  missing: string[];
  /** The accounts (or records) the missing items name. */
  failing: string[];
  /** access-review-completed's verdict on it. */
  check: CheckOutcome;
}

export interface PeriodResult {
  system: ReviewSystem;
  period: ReviewPeriod;
  /** complete; incomplete / missing (a problem once due); not-due: the period's campaign is not yet due. */
  status: 'complete' | 'incomplete' | 'missing' | 'not-due';
  campaigns: string[];
  detail: string;
}

export interface ReviewCadence {
  /** The configuration has a `reviews` section: campaigns are expected. */
  expected: boolean;
  systems: ReviewSystem[];
  periods: PeriodResult[];
  campaigns: CampaignSummary[];
}

export async function judgeReviews(input: {
  locker: Locker;
  config: Config;
  now: Date;
  from: string;
  to: string;
  /** Every signed record as verify judged it (sealed, intact, written when it claims). */
  standings: ReadonlyMap<string, RecordStanding>;
  /** The signed records as verify listed them (reviews/ among them); default: listed here. */
  listing?: RecordListing;
  trusted: TrustedKeys;
}): Promise<{ problems: IntegrityProblem[]; cadence: ReviewCadence }> {
  const { locker, config, now } = input;
  const settings = reviewSettings(config);
  const problems: IntegrityProblem[] = [];
  const listing = input.listing ? reviewListingOf(input.listing) : await listReviewRecords(locker);
  const records = await readReviewRecords(locker, listing, input.trusted, sha256Hex);
  for (const r of records) {
    problems.push(...r.problems); // unsigned, bad-signature, untrusted-key, corrupt
    const standing = input.standings.get(r.key);
    if (!standsAsEvidence(standing) && !r.problems.length)
      r.problems.push({
        key: r.key,
        problem: standing?.problems[0]?.problem ?? 'not-sealed',
        detail: standing?.problems[0]?.detail ?? whyNotStanding(standing),
      });
  }
  const states = campaignStates(records);
  const campaigns = [...states.values()]
    .filter((s) => s.campaign)
    .map((s) => summarize(s, config))
    .sort((a, b) => (a.asOf === b.asOf ? (a.id < b.id ? -1 : 1) : a.asOf < b.asOf ? -1 : 1));
  const cadence: ReviewCadence = {
    expected: settings.expected,
    systems: settings.systems,
    periods: [],
    campaigns,
  };
  if (!settings.expected) return { problems, cadence };
  const today = dayOf(now);
  for (const period of reviewPeriods(config, { from: input.from, to: input.to }))
    for (const system of settings.systems) {
      const of = campaigns.filter((c) => c.system === system && c.asOf >= period.from && c.asOf <= period.to);
      const inTime = of.find(
        (c) =>
          c.status === 'complete' && c.missing.length === 0 && dayOf(new Date(c.closedAt!)) <= period.due,
      );
      const due = today > period.due;
      const key = `reviews/${system}/${period.id}`;
      let result: PeriodResult;
      if (inTime)
        result = {
          system,
          period,
          status: 'complete',
          campaigns: of.map((c) => c.id),
          detail: `${inTime.id} closed complete ${inTime.closedAt}`,
        };
      else if (of.length === 0)
        result = {
          system,
          period,
          status: due ? 'missing' : 'not-due',
          campaigns: [],
          detail: `no ${system} access review campaign as of a day in ${period.from}..${period.to}; due ${period.due}`,
        };
      else
        result = {
          system,
          period,
          status: due ? 'incomplete' : 'not-due',
          campaigns: of.map((c) => c.id),
          detail: `no ${system} campaign of ${period.from}..${period.to} closed complete by ${period.due}: ${of
            .map(
              (c) =>
                `${c.id} ${c.status}${c.missing.length ? ` (${c.missing.slice(0, 3).join('; ')}${c.missing.length > 3 ? '; ...' : ''})` : ''}`,
            )
            .join(', ')}`,
        };
      cadence.periods.push(result);
      if (result.status === 'missing' || result.status === 'incomplete')
        problems.push({
          key,
          problem: result.status === 'missing' ? 'review-missing' : 'review-incomplete',
          detail: result.detail,
        });
    }
  return { problems, cadence };
}

function summarize(state: CampaignState, config: Config): CampaignSummary {
  const c = state.campaign!.value;
  const close = completeClose(state);
  const latest = state.closes.at(-1);
  const missing: string[] = [];
  if (close) {
    // The close rests on the decision records it read: each must still stand, with the same bytes.
    for (const d of close.value.decisionRecords) {
      const now = state.decisions.find((x) => x.key === d.key);
      const rejected = state.rejected.find((x) => x.key === d.key);
      if (rejected) missing.push(`${d.key} no longer stands (${rejected.why})`);
      else if (!now) missing.push(`${d.key}, read by the close, is gone`);
      else if (now.sha256 !== d.sha256) missing.push(`${d.key} differs from the bytes the close read`);
    }
    const due = reviewPeriods(config, { from: c.asOf, to: c.asOf })[0]?.due;
    if (due && dayOf(new Date(close.value.closedAt)) > due)
      missing.push(`closed complete ${close.value.closedAt}, after the due day ${due}`);
  } else if (latest) missing.push(...latest.value.missing);
  else missing.push('never closed');
  for (const r of state.rejected)
    if (!missing.some((m) => m.startsWith(r.key))) missing.push(`${r.key} counts for nothing (${r.why})`);
  const failing = [
    ...new Set([
      ...((close ?? latest)?.value.accounts ?? []).filter((a) => a.problem !== null).map((a) => a.account),
      ...state.rejected.map((r) => r.key),
      ...(close
        ? close.value.decisionRecords.map((d) => d.key).filter((k) => missing.some((m) => m.startsWith(k)))
        : []),
    ]),
  ].sort();
  const summary = {
    id: c.id,
    system: c.system,
    asOf: c.asOf,
    key: state.campaign!.key,
    status: close ? ('complete' as const) : latest ? ('incomplete' as const) : ('open' as const),
    closeKey: (close ?? latest)?.key ?? null,
    closedAt: (close ?? latest)?.value.closedAt ?? null,
    population: c.population.length,
    missing,
    failing,
  };
  return { ...summary, check: accessReviewCompletedCheck.run(summary) };
}
