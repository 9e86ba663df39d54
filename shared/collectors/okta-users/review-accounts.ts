/**
 * The accounts an access review of Okta covers (shared/review/): every user of the okta-users
 * snapshot who can sign in (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY), with groups (from
 * the same day's okta snapshot), last login and the `manager` profile attribute.
 */

import type { Snapshot } from '../../evidence/snapshot.js';
import { readOktaData } from '../okta/data.js';
import type { ReviewAccount, ReviewAccounts } from '../types.js';
import { ReviewPopulationError } from '../types.js';
import { type OktaUsersData, readOktaUsersData, SIGN_IN_STATUSES } from './data.js';

export const oktaReviewAccounts: ReviewAccounts<OktaUsersData> = {
  system: 'okta',
  related: ['okta'],
  description:
    'every Okta user who can sign in (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY), with groups, last login and manager',
  accounts: (snapshot, related, prefix) => oktaAccounts(snapshot, related, prefix),
};

function oktaAccounts(
  snapshot: Snapshot<OktaUsersData>,
  related: readonly Snapshot[],
  prefix: string,
): ReviewAccount[] {
  const data = readOktaUsersData(snapshot.data);
  if (!data.usersComplete)
    throw new ReviewPopulationError(
      `okta-users/${snapshot.scope} collected ${snapshot.collectedAt} did not read every user: the population would be incomplete`,
    );
  const groupsOf = new Map<string, string[]>();
  const okta = related.find((s) => s.collector === 'okta' && s.scope === snapshot.scope);
  if (okta)
    for (const group of readOktaData(okta.data).groups)
      for (const m of group.members()) groupsOf.set(m.id, [...(groupsOf.get(m.id) ?? []), group.name]);
  const out: ReviewAccount[] = [];
  for (const u of data.users) {
    if (!SIGN_IN_STATUSES.has(u.status)) continue;
    const manager =
      typeof u.profile.manager === 'string' && u.profile.manager.trim() ? u.profile.manager.trim() : null;
    const email = typeof u.profile.email === 'string' ? u.profile.email : undefined;
    const groups = (groupsOf.get(u.id) ?? []).sort();
    const context: Record<string, string> = {
      status: u.status,
      groups: okta ? groups.join('; ') || '(none)' : '(no okta snapshot that day)',
      last_login: u.lastLogin ?? `never (activated ${u.activated ?? 'unknown'})`,
      manager: manager ?? '',
    };
    for (const [k, v] of Object.entries(u.profile))
      if (k !== 'manager' && v !== null && v !== undefined)
        context[k] = Array.isArray(v) ? v.join('; ') : String(v);
    out.push({
      account: `${prefix}${u.login}`,
      kind: 'user',
      scope: snapshot.scope,
      identities: unique([u.login, ...(email ? [email] : [])]),
      groups,
      manager,
      context,
    });
  }
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
