/**
 * access-revoked-on-termination (CC6.2, CC6.3): every person whose Okta user is DEPROVISIONED
 * or SUSPENDED has no access left in the locker's other systems on that day:
 *
 * - GitHub (`github-members`): no org membership, linked by the member's SAML identity (the
 *   IdP's name id equals the Okta login) or by the Okta profile attribute named in
 *   `okta.users.githubLoginAttribute` (the GitHub login); no outside-collaborator access under
 *   that login (or the login a SAML identity of the person links);
 * - AWS IAM Identity Center (`aws-identity-center`): no user that is not DISABLED (a status the
 *   store does not report counts as enabled) with an account assignment, directly or through a
 *   group, linked by user name or e-mail equal to the Okta login;
 * - AWS IAM (`iam`): no IAM user with a console password or an active access key, linked by the
 *   user's tag `email` (any case of the key) or a user name equal to the Okta login.
 *
 * Access still there at most `access.revocationSlaHours` (default 24) after the Okta status
 * change (`statusChanged`), measured at the time the other system's snapshot was collected, is
 * within the SLA and passes, named in the detail; beyond it the check fails, naming the person,
 * the system, the account and the hours since. A leaver whose status change time Okta did not
 * give cannot be shown within the SLA: a failure. A user list, member list or collaborator list
 * not read to the end fails too (the leaver may be in the part not read).
 *
 * A cross-collector check (`reads`): the sampler hands it the same day's snapshots of the other
 * collectors; a day where a configured one has none is `missing`, never judged here.
 */

import { defineCheck, fail, notApplicable, pass, type RelatedSnapshots } from '../../checks/types.js';
import type { Config } from '../../config.js';
import type { Snapshot } from '../../evidence/snapshot.js';
import type { IdentityCenterData } from '../aws-identity-center/declaration.js';
import type { GitHubMembersData } from '../github-members/declaration.js';
import type { IamData } from '../iam/collector.js';
import { type OktaUserRecord, OktaUsersDataError, readOktaUsersData } from './data.js';
import { oktaUsers } from './declaration.js';
import { usersSettingsOf } from './settings.js';

/** Okta statuses of a person who has left (or is barred): no access may remain. */
export const LEAVER_STATUSES: ReadonlySet<string> = new Set(['DEPROVISIONED', 'SUSPENDED']);

export const DEFAULT_REVOCATION_SLA_HOURS = 24;

/** The collectors whose same-day snapshots the check reads besides okta-users. */
export const ACCESS_SYSTEMS = ['github-members', 'aws-identity-center', 'iam'] as const;

interface Access {
  /** GitHub, AWS IAM Identity Center, AWS IAM */
  system: string;
  /** The org or AWS account. */
  account: string;
  /** What access remains and how the person was linked to it. */
  what: string;
  /** When the other system's snapshot saw it (ISO). */
  seenAt: string;
  /** Stable part of the finding id, e.g. github:example. */
  id: string;
}

const lower = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();

export const accessRevokedOnTerminationCheck = defineCheck(oktaUsers, {
  id: 'access-revoked-on-termination',
  title: 'Leavers have no access left',
  controls: ['CC6.2', 'CC6.3'],
  reads: ACCESS_SYSTEMS,
  procedure:
    'Open the okta-users snapshot and list users with status DEPROVISIONED or SUSPENDED; in the same day’s github-members snapshot look for a member whose samlNameId is the Okta login (or whose login is the Okta profile attribute okta.users.githubLoginAttribute) and for outside collaborators with that login; in aws-identity-center for a user (not DISABLED) whose userName or e-mail is the Okta login with an assignment (direct or through a group); in each iam snapshot for a user tagged email=<login> (or named <login>) whose credential report row has a password or an active key. Compare each snapshot’s collectedAt with the Okta statusChanged against access.revocationSlaHours.',
  remediation:
    'Remove each named person from the GitHub organization (and as outside collaborator), disable or delete their IAM Identity Center user or its assignments, and delete the IAM user’s console password and access keys; then fix the offboarding workflow (SCIM deprovisioning) so it reaches every system.',
  description:
    'every Okta user DEPROVISIONED or SUSPENDED has no GitHub membership or outside-collaborator access, no enabled Identity Center user with an assignment and no IAM user with a password or active key, beyond access.revocationSlaHours after the status change',
  reliance: {
    freshness:
      "Each snapshot it reads keeps its own bounds (GitHub and AWS answers are current at their `collectedAt`; the IAM credential report's age is bounded by `checks.freshnessHours.credentialReport`); the related snapshots are the same day's.",
    doesNotTest:
      'Systems the locker does not collect, and accounts whose names match neither the Okta login, the configured GitHub login attribute, a SAML identity, nor an IAM `email` tag.',
    limitations:
      "People are linked across systems only by those identifiers: an account under another name is not found, so the population of leavers' accounts is as complete as the naming is consistent.",
  },
  run(snapshot, config, settings, related) {
    let data: ReturnType<typeof readOktaUsersData>;
    try {
      data = readOktaUsersData(snapshot.data);
    } catch (err) {
      if (!(err instanceof OktaUsersDataError)) throw err;
      return fail(`the snapshot cannot be judged: ${err.message}.`, ['okta:users']);
    }
    const sla = revocationSlaHours(config);
    const githubAttribute = usersSettingsOf(settings).githubLoginAttribute;
    const leavers = data.users.filter((u) => LEAVER_STATUSES.has(u.status));
    const problems: string[] = [];
    const failing: string[] = [];
    const within: string[] = [];
    const incomplete = incompleteLists(related);
    if (!data.usersComplete) {
      problems.push('the Okta user list was not read to the end: leavers not read are not judged');
      failing.push('okta:users');
    }
    for (const { id, why } of incomplete) {
      problems.push(why);
      failing.push(id);
    }
    const compared = describeSystems(related);
    if (leavers.length === 0 && problems.length === 0)
      return notApplicable(`no Okta user is DEPROVISIONED or SUSPENDED on this day (${compared})`);

    for (const user of leavers) {
      const access = accessOf(user, related, githubAttribute);
      if (access.length === 0) continue;
      const changed = user.statusChanged ? Date.parse(user.statusChanged) : Number.NaN;
      for (const a of access) {
        const id = `${user.login}:${a.id}`;
        if (Number.isNaN(changed)) {
          problems.push(
            `${user.login} (${user.status}, when unknown: Okta gave no statusChanged): ${a.system} ${a.account}: ${a.what}`,
          );
          failing.push(id);
          continue;
        }
        const hours = Math.max(0, (Date.parse(a.seenAt) - changed) / 3_600_000);
        const since = `${formatHours(hours)} h after ${user.status} (${user.statusChanged})`;
        if (hours <= sla)
          within.push(`${user.login}: ${a.system} ${a.account} ${since}, within the ${sla} h SLA`);
        else {
          problems.push(
            `${user.login}: ${a.system} ${a.account}: ${a.what}, ${since}, beyond the ${sla} h SLA`,
          );
          failing.push(id);
        }
      }
    }
    const pending = within.length ? ` Still to be removed within the SLA: ${within.join('; ')}.` : '';
    if (problems.length) return fail(`${problems.join('; ')}.${pending}`, [...new Set(failing)].sort());
    return pass(
      `${leavers.length} DEPROVISIONED or SUSPENDED Okta user(s); none has access left beyond the ${sla} h SLA (${compared}).${pending}`,
    );
  },
});

/** `access.revocationSlaHours`, or its default. */
export function revocationSlaHours(config: Config): number {
  return config.access?.revocationSlaHours ?? DEFAULT_REVOCATION_SLA_HOURS;
}

function formatHours(hours: number): string {
  return hours >= 10 ? String(Math.round(hours)) : hours.toFixed(1);
}

function snapshotsOf<D>(related: RelatedSnapshots, collector: string): Snapshot<D>[] {
  return (related.get(collector) ?? []) as Snapshot<D>[];
}

/** Which systems were compared, for the detail. */
function describeSystems(related: RelatedSnapshots): string {
  const parts = ACCESS_SYSTEMS.map((c) => {
    const scopes = (related.get(c) ?? []).map((s) => s.scope);
    return scopes.length ? `${c}: ${scopes.join(', ')}` : undefined;
  }).filter((p) => p !== undefined);
  return parts.length
    ? `compared with ${parts.join('; ')}`
    : 'no GitHub or AWS system is collected to compare with';
}

/** Lists the other systems did not read to the end: a leaver may be in the part not read. */
function incompleteLists(related: RelatedSnapshots): { id: string; why: string }[] {
  const out: { id: string; why: string }[] = [];
  for (const s of snapshotsOf<GitHubMembersData>(related, 'github-members')) {
    const d = s.data;
    if (!d.membersComplete)
      out.push({
        id: `github:${d.org}:members`,
        why: `the GitHub member list of ${d.org} was not read to the end`,
      });
    if (!d.outsideCollaboratorsComplete)
      out.push({
        id: `github:${d.org}:outside-collaborators`,
        why: `the outside collaborators of ${d.org} were not all read`,
      });
    if (d.saml && !d.saml.complete)
      out.push({
        id: `github:${d.org}:saml`,
        why: `the SAML identities of ${d.org} were not read to the end`,
      });
  }
  for (const s of [...snapshotsOf(related, 'aws-identity-center'), ...snapshotsOf(related, 'iam')])
    if (s.status === 'partial')
      out.push({
        id: `${s.collector}:${s.scope}`,
        why: `${s.collector} ${s.scope} is partial (${s.errors.join('; ') || 'no reason given'})`,
      });
  return out;
}

/** Every access the person still has in the other systems' snapshots. */
function accessOf(
  user: OktaUserRecord,
  related: RelatedSnapshots,
  githubAttribute: string | undefined,
): Access[] {
  const login = lower(user.login);
  const out: Access[] = [];
  const attribute = githubAttribute ? user.profile[githubAttribute] : undefined;
  const profileGithub = typeof attribute === 'string' && attribute.trim() ? lower(attribute) : undefined;

  for (const s of snapshotsOf<GitHubMembersData>(related, 'github-members')) {
    const d = s.data;
    // The GitHub logins linked to the person: by a SAML identity whose name id is the Okta login, or the profile attribute.
    const linked = new Map<string, string>();
    for (const identity of d.saml?.identities ?? [])
      if (identity.login && lower(identity.nameId) === login)
        linked.set(lower(identity.login), 'SAML identity');
    if (profileGithub && !linked.has(profileGithub))
      linked.set(profileGithub, `profile attribute ${githubAttribute}`);
    for (const m of d.members) {
      const how = lower(m.samlNameId) === login ? 'SAML identity' : linked.get(lower(m.login));
      if (!how) continue;
      out.push({
        system: 'GitHub',
        account: d.org,
        what: `org ${m.role === 'ADMIN' ? 'owner' : 'member'} ${m.login} (linked by ${how})`,
        seenAt: s.collectedAt,
        id: `github:${d.org}`,
      });
    }
    for (const c of d.outsideCollaborators) {
      const how = linked.get(lower(c.login));
      if (!how) continue;
      const repos = c.repositories.map((r) => `${r.repository} ${r.permission}`).join(', ');
      out.push({
        system: 'GitHub',
        account: d.org,
        what: `outside collaborator ${c.login} on ${repos} (linked by ${how})`,
        seenAt: s.collectedAt,
        id: `github:${d.org}:outside-collaborator`,
      });
    }
  }

  for (const s of snapshotsOf<IdentityCenterData>(related, 'aws-identity-center')) {
    for (const instance of s.data.instances) {
      const groupsOf = new Map<string, string[]>();
      for (const g of instance.groups)
        for (const member of g.members) groupsOf.set(member, [...(groupsOf.get(member) ?? []), g.groupId]);
      for (const u of instance.users) {
        if (u.status === 'DISABLED') continue;
        const how =
          lower(u.userName) === login
            ? 'user name'
            : u.emails.some((e) => lower(e) === login)
              ? 'e-mail'
              : undefined;
        if (!how) continue;
        const groups = new Set(groupsOf.get(u.userId) ?? []);
        const assignments = instance.assignments.filter(
          (a) =>
            (a.principalType === 'USER' && a.principalId === u.userId) ||
            (a.principalType === 'GROUP' && groups.has(a.principalId)),
        );
        const accounts = [...new Set(assignments.map((a) => a.accountId))].sort();
        for (const account of accounts) {
          const sets = assignments
            .filter((a) => a.accountId === account)
            .map((a) =>
              a.principalType === 'GROUP'
                ? `${a.permissionSetName ?? a.permissionSetArn} (through group ${a.principalName ?? a.principalId})`
                : (a.permissionSetName ?? a.permissionSetArn),
            );
          out.push({
            system: 'AWS IAM Identity Center',
            account,
            what: `${u.status === null ? 'user' : `${u.status} user`} ${u.userName ?? u.userId} with ${sets.join(', ')} (linked by ${how})`,
            seenAt: s.collectedAt,
            id: `aws-identity-center:${account}`,
          });
        }
      }
    }
  }

  for (const s of snapshotsOf<IamData>(related, 'iam')) {
    const d = s.data;
    const rows = new Map(d.credentialReport.rows.map((r) => [r.user, r]));
    for (const u of d.authorization.users) {
      const email = Object.entries(u.tags).find(([k]) => k.toLowerCase() === 'email')?.[1];
      const how =
        lower(email) === login ? 'tag email' : lower(u.userName) === login ? 'user name' : undefined;
      if (!how) continue;
      const row = rows.get(u.userName);
      const means: string[] = [];
      if (row?.passwordEnabled) means.push('a console password');
      for (const [n, key] of [
        [1, row?.accessKey1],
        [2, row?.accessKey2],
      ] as const)
        if (key?.active) means.push(`active access key ${n}`);
      if (!row) means.push('no credential report row (credentials unknown)');
      if (means.length === 0) continue;
      out.push({
        system: 'AWS IAM',
        account: d.accountId,
        what: `IAM user ${u.userName} with ${means.join(' and ')} (linked by ${how})`,
        seenAt: s.collectedAt,
        id: `iam:${d.accountId}`,
      });
    }
  }
  return out;
}
