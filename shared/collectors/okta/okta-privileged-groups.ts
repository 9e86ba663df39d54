/**
 * okta-privileged-groups (CC6.2, CC6.3): no deprovisioned or suspended user is left in a
 * privileged group (okta.privilegedGroups). A configured group that is missing, or whose
 * member list was not read to the end, fails too: the check cannot vouch for it. It reads
 * every version of the okta data (data.ts); a snapshot that cannot be read (unknown version,
 * malformed, a member id with no user entry) fails, naming why.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { OktaDataError, type OktaOrgView, readOktaData } from './data.js';
import { okta } from './declaration.js';

const BAD_STATUSES = new Set(['DEPROVISIONED', 'SUSPENDED']);

export const oktaPrivilegedGroupsCheck = defineCheck(okta, {
  id: 'okta-privileged-groups',
  title: 'Privileged Okta groups hold no inactive users',
  procedure:
    "Open the snapshot; for each group in `okta.privilegedGroups` confirm `membersComplete` is true and, for each id in its `memberIds`, that `users[id].status` is neither `DEPROVISIONED` nor `SUSPENDED` (snapshots without `schema`, written before evidence.okta/2, list each group's `members` with their `status` inline).",
  remediation: 'Remove each named user from the privileged group (and review how deprovisioning missed it).',
  controls: ['CC6.2', 'CC6.3'],
  description: 'no deprovisioned or suspended user in a privileged Okta group',
  reliance: {
    freshness: 'No "as of" time: Okta answers group memberships and user statuses at `collectedAt`.',
    doesNotTest:
      'Groups not named in `okta.privilegedGroups`, administrator roles assigned to users directly (not through a group), and privileges inside applications.',
    limitations:
      "The privileged population is the configuration's list of groups; a configured group that is missing or not read to the end fails.",
  },
  run(snapshot, config) {
    const wanted = config.okta?.privilegedGroups ?? [];
    if (wanted.length === 0)
      return fail('no privileged groups are configured: list them in okta.privilegedGroups', []);
    let org: OktaOrgView;
    try {
      org = readOktaData(snapshot.data);
    } catch (err) {
      if (!(err instanceof OktaDataError)) throw err;
      return fail(`the snapshot cannot be judged: ${err.message}.`, [...wanted]);
    }
    const problems: string[] = [];
    const failing: string[] = [];
    let members = 0;
    for (const name of wanted) {
      const group = org.groups.find((g) => g.name.toLowerCase() === name.toLowerCase());
      if (!group) {
        failing.push(name);
        problems.push(
          `privileged group "${name}" is not in the snapshot${org.groupsComplete ? '' : ' (the group list was incomplete)'}`,
        );
        continue;
      }
      if (!group.membersComplete) {
        failing.push(name);
        problems.push(`the member list of "${group.name}" was not read to the end`);
      }
      members += group.memberCount;
      for (const m of group.members()) {
        if (!BAD_STATUSES.has(m.status)) continue;
        failing.push(m.login);
        problems.push(`${m.login} is ${m.status} but still in "${group.name}"`);
      }
    }
    if (problems.length) return fail(`${problems.join('; ')}.`, failing);
    return pass(
      `${members} member(s) of ${wanted.length} privileged group(s), none deprovisioned or suspended.`,
    );
  },
});
