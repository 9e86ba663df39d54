/**
 * github-members-2fa (CC6.1): the organization requires two-factor authentication and every
 * member has it on. A requirement or a member's status GitHub did not show (null: the
 * credentials are not an organization owner's) is unknown, and unknown fails; so does a
 * member list not read to the end. Failing items: the org (as `org:<org>`) when it does not
 * require 2FA, each member login without it.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { githubMembers } from './declaration.js';

export const githubMembers2faCheck = defineCheck(githubMembers, {
  id: 'github-members-2fa',
  title: 'GitHub members have 2FA',
  controls: ['CC6.1'],
  procedure:
    'Open the snapshot; confirm `data.requiresTwoFactorAuthentication` is true, `data.membersComplete` is true, and every entry of `data.members` has `twoFactorEnabled` true.',
  remediation:
    'Require two-factor authentication in the organization settings (Authentication security); ask each named member to enable 2FA (members without it are removed when the requirement is switched on). Collect with an owner token if the status is unknown.',
  description: 'the organization requires two-factor authentication and every member has it enabled',
  reliance: {
    freshness:
      'No "as of" time: GitHub answers the organization setting and each member\'s 2FA status at `collectedAt`.',
    doesNotTest: "Outside collaborators and enterprise-managed users' identity-provider MFA.",
    limitations:
      'GitHub shows 2FA status only to organization owners: with other credentials the status is unknown, and unknown fails.',
  },
  run(snapshot) {
    const { data } = snapshot;
    const problems: string[] = [];
    const failing: string[] = [];
    if (data.requiresTwoFactorAuthentication !== true) {
      failing.push(`org:${data.org}`);
      problems.push(
        data.requiresTwoFactorAuthentication === false
          ? `the organization ${data.org} does not require two-factor authentication`
          : `whether the organization ${data.org} requires two-factor authentication is unknown (the credentials are not an owner's)`,
      );
    }
    const without = data.members.filter((m) => m.twoFactorEnabled === false).map((m) => m.login);
    const unknown = data.members.filter((m) => m.twoFactorEnabled === null).map((m) => m.login);
    if (without.length)
      problems.push(
        `${without.length} of ${data.members.length} member(s) without 2FA: ${without.sort().join(', ')}`,
      );
    if (unknown.length)
      problems.push(
        `${unknown.length} member(s) whose 2FA status GitHub did not show (collect with an owner's credentials): ${unknown.sort().join(', ')}`,
      );
    failing.push(...[...without, ...unknown].sort());
    if (!data.membersComplete) {
      failing.push(`org:${data.org}:members`);
      problems.push(
        `the member list was not read to the end (${data.members.length} of ${data.totalMembers}): members not read are not judged`,
      );
    }
    if (problems.length) return fail(`${problems.join('; ')}.`, failing);
    return pass(
      `the organization ${data.org} requires two-factor authentication and all ${data.members.length} member(s) have it`,
    );
  },
});
