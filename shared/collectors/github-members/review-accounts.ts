/**
 * The accounts an access review of GitHub covers (shared/review/): every organization member
 * with role, and every outside collaborator with the repositories and permission.
 */
import type { Snapshot } from '../../evidence/snapshot.js';
import type { ReviewAccount, ReviewAccounts } from '../types.js';
import { ReviewPopulationError } from '../types.js';
import type { GitHubMembersData } from './declaration.js';

export const githubReviewAccounts: ReviewAccounts<GitHubMembersData> = {
  system: 'github',
  description:
    'every GitHub organization member with role, and every outside collaborator with repositories and permission',
  accounts: (snapshot, _related, prefix) => githubAccounts(snapshot, prefix),
};

function githubAccounts(snapshot: Snapshot<GitHubMembersData>, prefix: string): ReviewAccount[] {
  const data = snapshot.data as GitHubMembersData;
  if (!data || !Array.isArray(data.members) || !Array.isArray(data.outsideCollaborators))
    throw new ReviewPopulationError(`github-members/${snapshot.scope}: not a github-members snapshot`);
  if (!data.membersComplete || !data.outsideCollaboratorsComplete)
    throw new ReviewPopulationError(
      `github-members/${snapshot.scope} collected ${snapshot.collectedAt} did not read every member and outside collaborator: the population would be incomplete`,
    );
  const out: ReviewAccount[] = [];
  for (const m of data.members) {
    const role = (m.role ?? 'unknown').toLowerCase();
    out.push({
      account: `${prefix}${m.login}`,
      kind: 'member',
      scope: snapshot.scope,
      identities: unique([m.login, ...(m.samlNameId ? [m.samlNameId] : [])]),
      groups: [`role:${role}`],
      manager: null,
      context: {
        type: 'member',
        role: m.role ?? 'unknown',
        two_factor: m.twoFactorEnabled === null ? 'unknown' : String(m.twoFactorEnabled),
        saml_identity: m.samlNameId ?? '',
      },
    });
  }
  for (const c of data.outsideCollaborators) {
    const repos = [...c.repositories].sort((a, b) => (a.repository < b.repository ? -1 : 1));
    out.push({
      account: `${prefix}${c.login}`,
      kind: 'outside-collaborator',
      scope: snapshot.scope,
      identities: [c.login],
      groups: ['outside-collaborators', ...repos.map((r) => `repo:${r.repository}`)],
      manager: null,
      context: {
        type: 'outside collaborator',
        repositories: repos.map((r) => `${r.repository} (${r.permission})`).join('; '),
      },
    });
  }
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
