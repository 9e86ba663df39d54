/**
 * okta-dormant-users (CC6.2): no Okta user who can sign in (ACTIVE, PASSWORD_EXPIRED,
 * LOCKED_OUT, RECOVERY) has gone `okta.users.dormantDays` (default 90) days without signing in;
 * a user who never signed in counts from activation. A user with neither date fails: dormancy
 * cannot be told.
 */
import { defineCheck, fail, pass } from '../../checks/types.js';
import { OktaUsersDataError, readOktaUsersData } from './data.js';
import { oktaUsers } from './declaration.js';
import { dormancyVerdict, signInDatesAsOf } from './judge.js';
import { usersSettingsOf } from './settings.js';

export const oktaDormantUsersCheck = defineCheck(oktaUsers, {
  id: 'okta-dormant-users',
  controls: ['CC6.2'],
  title: 'No dormant Okta accounts',
  description:
    'no Okta user who can sign in has gone okta.users.dormantDays (90 by default) days without signing in (never signed in: counted from activation)',
  procedure:
    'Open the snapshot; confirm `usersComplete` is true; for each entry of `users` whose `status` is ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY, take `lastLogin` (or, when null, `activated`) and confirm it is less than `okta.users.dormantDays` days before the snapshot\'s `collectedAt` (when `userListing.mode` is "changes": before `userListing.listedAt`, the day\'s first listing, which the sign-in dates are as of).',
  remediation:
    "Deactivate (or suspend) each named account, or confirm with its owner's manager that it is still needed and record the decision.",
  reliance: {
    freshness:
      'The sign-in dates are as of the listing that read them: `collectedAt`, or in a later run of a day (`userListing.mode` "changes") the day\'s first listing, `userListing.listedAt`, to which dormancy is measured; never older than that day.',
    doesNotTest:
      'Activity outside Okta sign-in (API tokens, service accounts used by integrations) and users who cannot sign in.',
    limitations:
      "Dormancy is measured from `lastLogin` (or activation) to the snapshot's `collectedAt` (in a later run of a day, to the day's first listing: a sign-in is not promised to change a user's `lastUpdated`, so the changes a later run reads may leave `lastLogin` as it was then); a user with neither date fails.",
  },
  run(snapshot, _config, settings) {
    const { dormantDays } = usersSettingsOf(settings);
    let data: ReturnType<typeof readOktaUsersData>;
    try {
      data = readOktaUsersData(snapshot.data);
    } catch (err) {
      if (!(err instanceof OktaUsersDataError)) throw err;
      return fail(`the snapshot cannot be judged: ${err.message}.`, ['okta users']);
    }
    const problems: string[] = [];
    const failing: string[] = [];
    if (!data.usersComplete) {
      failing.push('okta users');
      problems.push('the user list was not read to the end: users missing from it cannot be judged');
    }
    let judged = 0;
    // A later run of a day holds sign-in dates as of the day's first listing (judge.ts).
    const asOf = signInDatesAsOf(data, snapshot.collectedAt);
    for (const user of data.users) {
      const v = dormancyVerdict(user, dormantDays, asOf);
      if (v.verdict === 'not-applicable') continue;
      judged++;
      if (v.verdict === 'fail') {
        failing.push(user.login);
        problems.push(`${user.login} (${user.status}): ${v.reason}`);
      }
    }
    if (problems.length) return fail(`${problems.join('; ')} (dormant after ${dormantDays} days).`, failing);
    return pass(
      `${judged} user(s) who can sign in each signed in (or were activated) within ${dormantDays} days.`,
    );
  },
});
