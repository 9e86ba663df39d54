/**
 * The population of people for `sample --population users [--strata ATTRIBUTE]`: the Okta users
 * who could sign in (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY) in the okta-users snapshot
 * of the drawn day, each with its factors and MFA verdict (the one okta-mfa-enrolled gives), its
 * last login and its groups (from the `okta` snapshot of the same day and org).
 */
import { readOktaData } from '../okta/data.js';
import type { Population, PopulationItem } from '../types.js';
import { type OktaUsersData, OktaUsersDataError, readOktaUsersData, SIGN_IN_STATUSES } from './data.js';
import { describeFactors, mfaSettingsOf, mfaVerdict } from './judge.js';

export const usersPopulation: Population<OktaUsersData> = {
  name: 'users',
  collector: 'okta-users',
  kind: 'people',
  idColumn: 'login',
  related: ['okta'],
  description:
    'Okta users who could sign in on a day drawn from the window, stratified by a profile attribute with --strata',
  columns: ['stratum', 'factors', 'MFA verdict', 'last login', 'groups'],
  items(snapshot, config, related) {
    let data: OktaUsersData;
    try {
      data = readOktaUsersData(snapshot.data);
    } catch (err) {
      if (err instanceof OktaUsersDataError) return [];
      throw err;
    }
    const mfa = mfaSettingsOf(config);
    // Groups of each user, from the okta snapshot of the same day and org.
    const okta = related.sameDay?.('okta', snapshot.scope);
    const groupsOf = new Map<string, string[]>();
    let groupsNote = '(no okta snapshot that day)';
    if (okta) {
      try {
        for (const group of readOktaData(okta.snapshot.data).groups)
          for (const m of group.members()) groupsOf.set(m.id, [...(groupsOf.get(m.id) ?? []), group.name]);
        groupsNote = '(none)';
      } catch {
        groupsNote = '(the okta snapshot cannot be read)';
      }
    }
    const items: PopulationItem[] = [];
    for (const user of data.users) {
      if (!SIGN_IN_STATUSES.has(user.status)) continue;
      const v = mfaVerdict(user, mfa, snapshot.collectedAt, config);
      const strata = Object.fromEntries(
        data.profileAttributes.map((a) => {
          const value = user.profile[a];
          return [
            a,
            value === undefined || value === null || value === ''
              ? '(none)'
              : Array.isArray(value)
                ? value.join(', ')
                : String(value),
          ];
        }),
      );
      items.push({
        id: user.login,
        at: snapshot.collectedAt,
        url: /^https:\/\//.test(data.orgUrl)
          ? `${data.orgUrl}/admin/user/profile/view/${encodeURIComponent(user.id)}`
          : '',
        strata,
        fields: {
          stratum: '',
          factors: describeFactors(user.factors),
          'MFA verdict': v.verdict === 'exempt' ? 'exempt' : v.verdict,
          'last login': user.lastLogin ?? `never (activated ${user.activated ?? 'unknown'})`,
          groups: (groupsOf.get(user.id) ?? []).sort().join(', ') || groupsNote,
        },
        verdict: v.verdict === 'fail' ? 'fail' : 'pass',
        detail: `${user.status}; ${v.reason}`,
      });
    }
    return items;
  },
};
