/**
 * Can the configured schedule keep every user's factor state within the checks' bound
 * (`checks.freshnessHours.oktaFactors`, 192 h: 8 days)? Okta has
 * no bulk factor listing: one request per user, at most `okta.users.factorReadsPerRun` a run. The
 * runs of a day are the daily `schedule.collect` and the further `schedule.collectAgain` (on by
 * default; `false` turns it off). Up to `fullFactorReadMaxUsers` every user is read daily;
 * beyond, a seventh of the org a day (a larger share when the bound is shorter than 8 days: each
 * user within the bound less a day). When the runs of a day cannot read that many, users drift
 * past the bound and are judged unknown: the collector says so in every snapshot (`partial`, so the
 * verify report lists it and the CollectionsFailed alarm fires) before the first user drifts.
 * Pure: no SDK, no clock.
 */
import type { Config } from '../../config.js';
import { dailyFirings } from '../../cron.js';
import { freshnessBound } from '../freshness.js';
import type { FactorReadCapacity } from './data.js';
import type { UsersSettings } from './settings.js';

/** Each user is read again at least this often in rolling mode (a seventh of the org a day). */
export const ROLLING_DAYS = 7;

/**
 * Runs closer than this to the one before are not counted: an invocation may take up to 15
 * minutes, and two at once would each spend half of an endpoint's budget, i.e. all of it.
 */
const RUN_SPACING_MINUTES = 15;

/**
 * The okta-users runs a day the configuration schedules: the distinct firing minutes of
 * `schedule.collect` and `schedule.collectAgain`, each at least 15 minutes after the last one
 * counted. A schedule that does not fire every day counts for none (a week's capacity cannot
 * be vouched for on the days it skips).
 */
export function scheduledRunsPerDay(schedule: Config['schedule']): number {
  const expressions = [schedule.collect, ...(schedule.collectAgain ? [schedule.collectAgain] : [])];
  const minutes = [...new Set(expressions.flatMap((e) => dailyFirings(e) ?? []))].sort((a, b) => a - b);
  let runs = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const m of minutes) {
    if (m - last < RUN_SPACING_MINUTES) continue;
    runs++;
    last = m;
  }
  // The last run of a day and the first of the next must be apart as well.
  if (runs > 1 && minutes[0]! + 1440 - last < RUN_SPACING_MINUTES) runs--;
  return runs;
}

/** What capacity reads of the configuration: its schedules, and the factor-state bound. */
export interface CapacityConfig {
  schedule: Config['schedule'];
  checks?: Config['checks'];
}

/** checks.freshnessHours.oktaFactors in effect (192 h by default). */
function boundHours(config: CapacityConfig): number {
  return freshnessBound(config.checks ? { checks: config.checks } : undefined, 'oktaFactors');
}

/**
 * The days over which rolling reads must cover the org: a week, or the factor-state bound less a
 * day when that is shorter (72 h: every user within 2 days). At least one.
 */
export function rollingCycleDays(config: CapacityConfig): number {
  const bound = boundHours(config);
  return Math.max(1, Math.min(ROLLING_DAYS, Math.floor(bound / 24) - 1));
}

/** The factor reads a day the org needs and the schedule allows. */
export function factorReadCapacity(
  users: number,
  settings: Pick<UsersSettings, 'fullFactorReadMaxUsers' | 'factorReadsPerRun'>,
  config: CapacityConfig,
): FactorReadCapacity {
  const rolling = users > settings.fullFactorReadMaxUsers || users > settings.factorReadsPerRun;
  const runsPerDay = scheduledRunsPerDay(config.schedule);
  const readsPerDay = runsPerDay * settings.factorReadsPerRun;
  const neededPerDay = rolling ? Math.ceil(users / rollingCycleDays(config)) : users;
  return { runsPerDay, readsPerDay, neededPerDay, enough: readsPerDay >= neededPerDay };
}

/** The warning a snapshot carries when the schedule cannot keep up; undefined when it can. */
export function capacityWarning(
  capacity: FactorReadCapacity,
  users: number,
  settings: Pick<UsersSettings, 'factorReadsPerRun'>,
  config: CapacityConfig,
): string | undefined {
  if (capacity.enough) return undefined;
  const { schedule } = config;
  const hours = boundHours(config);
  const within = hours % 24 === 0 ? `${hours / 24} days` : `${hours} h`;
  const cycle = rollingCycleDays(config);
  const n = (x: number) => x.toLocaleString('en');
  const runsNeeded = Math.ceil(capacity.neededPerDay / settings.factorReadsPerRun);
  const again = schedule.collectAgain ? JSON.stringify(schedule.collectAgain) : 'false';
  // The first 300 characters reach the digest and the verify report: the numbers and the fix.
  return (
    `the schedule cannot keep every user's factors within ${within}: ${n(users)} users need ${n(capacity.neededPerDay)} factor reads a day, ` +
    `${capacity.runsPerDay} run(s) a day × okta.users.factorReadsPerRun ${n(settings.factorReadsPerRun)} allow ${n(capacity.readsPerDay)}; ` +
    `fix: at least ${runsNeeded} runs a day (schedule.collectAgain, now ${again}). ` +
    `Details: ${capacity.neededPerDay === users ? 'every user is read daily' : cycle === ROLLING_DAYS ? 'a seventh of the users is read a day, each at least weekly' : `each user is read at least every ${cycle} day(s) (checks.freshnessHours.oktaFactors ${hours} h, less a day)`}; ` +
    `the runs are schedule.collect ${JSON.stringify(schedule.collect)} and schedule.collectAgain ${again} (default "cron(35 0-6 * * ? *)"), ` +
    `counted when 15 minutes or more apart; users unread for more than ${within} are judged unknown (okta-mfa-enrolled fails them); ` +
    `where Okta's limit for /api/v1/users/{id}/factors is above 600 a minute, a larger okta.users.factorReadsPerRun helps too`
  );
}
