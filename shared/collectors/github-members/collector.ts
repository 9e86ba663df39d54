/**
 * GitHub members (CC6.1, CC6.2): every member of the org with role and two-factor status,
 * the org's 2FA requirement, the SAML identity linked to each member (where the org uses
 * SAML SSO), and every outside collaborator with the repositories and permission they hold.
 *
 * One GraphQL query walks three connections side by side: `membersWithRole` (100 members
 * with `role` and `hasTwoFactorEnabled` on the edge), `samlIdentityProvider.externalIdentities`
 * (100 identities with `samlIdentity.nameId` and the linked `user`) and `repositories` (100
 * repositories, each with `collaborators(affiliation: OUTSIDE, first: 100)` and the
 * permission on the edge). A connection that has reached its end is left out of the next
 * request (`@include(if:)`), so the run costs max(members, identities, repositories) / 100
 * requests of about one point each; a repository with more than 100 outside collaborators
 * gets follow-up requests for the rest.
 *
 * Why GraphQL for outside collaborators: REST `GET /orgs/{org}/outside_collaborators` lists
 * the logins only; which repositories they reach (and with which permission) needs
 * `GET /repos/{owner}/{repo}/collaborators?affiliation=outside` once per repository, i.e. R
 * requests for R repositories, against ceil(R / 100) here (and no second rate budget).
 *
 * Fail closed: the first request failing is an error snapshot; a later page failing, or a
 * repository whose collaborators the credentials cannot read, makes the snapshot partial
 * with the incomplete list named. `hasTwoFactorEnabled` and `requiresTwoFactorAuthentication`
 * are null unless the credentials belong to an organization owner: recorded as null,
 * judged unknown (a failure) by the check.
 */
import { SourceUnavailableError } from '../../errors.js';
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from '../../vendors/github-client.js';
import { cursorGuard, type GitHubCollectorDeps, gitHubCollector } from '../github/connect.js';
import type { GitHubScope } from '../github/declaration.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import {
  githubMembers as declaration,
  type GitHubMember,
  type GitHubMembersData,
  type GitHubOutsideCollaborator,
  type GitHubSamlIdentity,
} from './declaration.js';

const COLLABORATOR_FIELDS = /* GraphQL */ `
fragment OutsideCollaborators on RepositoryCollaboratorConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  edges { permission node { login } }
}`;

/** Members, SAML identities and repositories' outside collaborators, 100 of each per request. */
export const ORG_MEMBERS_QUERY = /* GraphQL */ `
query OrgMembers(
  $org: String!
  $members: Boolean!
  $membersAfter: String
  $saml: Boolean!
  $samlAfter: String
  $repos: Boolean!
  $reposAfter: String
) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    login
    requiresTwoFactorAuthentication
    membersWithRole(first: 100, after: $membersAfter) @include(if: $members) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { role hasTwoFactorEnabled node { login } }
    }
    samlIdentityProvider @include(if: $saml) {
      ssoUrl
      externalIdentities(first: 100, after: $samlAfter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { guid samlIdentity { nameId username } user { login } }
      }
    }
    repositories(first: 100, after: $reposAfter, ownerAffiliations: [OWNER], orderBy: { field: NAME, direction: ASC }) @include(if: $repos) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        nameWithOwner
        collaborators(affiliation: OUTSIDE, first: 100) { ...OutsideCollaborators }
      }
    }
  }
}
${COLLABORATOR_FIELDS}`;

/** The rest of one repository's outside collaborators, past the first 100. */
export const REPO_OUTSIDE_COLLABORATORS_QUERY = /* GraphQL */ `
query RepoOutsideCollaborators($owner: String!, $name: String!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    collaborators(affiliation: OUTSIDE, first: 100, after: $after) { ...OutsideCollaborators }
  }
}
${COLLABORATOR_FIELDS}`;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface CollaboratorsPayload {
  totalCount: number;
  pageInfo: PageInfo;
  edges: ({ permission: string; node: { login: string } | null } | null)[] | null;
}

interface RateLimitPayload {
  cost: number;
  remaining: number;
  resetAt: string;
}

interface MembersPage {
  rateLimit: RateLimitPayload | null;
  organization: {
    login: string;
    requiresTwoFactorAuthentication: boolean | null;
    membersWithRole?: {
      totalCount: number;
      pageInfo: PageInfo;
      edges:
        | ({
            role: string | null;
            hasTwoFactorEnabled: boolean | null;
            node: { login: string } | null;
          } | null)[]
        | null;
    };
    samlIdentityProvider?: {
      ssoUrl: string | null;
      externalIdentities: {
        totalCount: number;
        pageInfo: PageInfo;
        nodes:
          | ({
              guid: string;
              samlIdentity: { nameId: string | null; username: string | null } | null;
              user: { login: string } | null;
            } | null)[]
          | null;
      };
    } | null;
    repositories?: {
      totalCount: number;
      pageInfo: PageInfo;
      nodes:
        | ({ name: string; nameWithOwner: string; collaborators: CollaboratorsPayload | null } | null)[]
        | null;
    };
  } | null;
}

type Part = 'members' | 'saml' | 'repos';

const WHAT: Record<Part, string> = {
  members: 'members',
  saml: 'SAML identities',
  repos: 'repositories',
};

export function createGitHubMembersCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, GitHubMembersData> {
  return gitHubCollector(declaration, deps, collectMembers);
}

async function collectMembers(client: GitHubClient, scope: GitHubScope, ctx: CollectorContext) {
  const errors: string[] = [];
  const rate = { cost: 0, remaining: null as number | null, resetAt: null as string | null };
  const noteRate = (r: RateLimitPayload | null | undefined) => {
    if (!r) return;
    rate.cost += r.cost;
    rate.remaining = r.remaining;
    rate.resetAt = r.resetAt;
  };
  const members: GitHubMember[] = [];
  const identities: GitHubSamlIdentity[] = [];
  const collaborators = new Map<string, GitHubOutsideCollaborator>();
  const addCollaborators = (repository: string, payload: CollaboratorsPayload) => {
    for (const edge of payload.edges ?? []) {
      if (!edge?.node) continue;
      const key = edge.node.login.toLowerCase();
      const entry = collaborators.get(key) ?? { login: edge.node.login, repositories: [] };
      entry.repositories.push({ repository, permission: edge.permission });
      collaborators.set(key, entry);
    }
  };
  const moreCollaborators: { owner: string; name: string; nameWithOwner: string; after: string | null }[] =
    [];

  // Each connection's progress: still to read (with its cursor), finished, or stopped short.
  const state: Record<Part, { open: boolean; after: string | null; complete: boolean; total: number }> = {
    members: { open: true, after: null, complete: true, total: 0 },
    saml: { open: true, after: null, complete: true, total: 0 },
    repos: { open: true, after: null, complete: true, total: 0 },
  };
  const guards: Record<Part, ReturnType<typeof cursorGuard>> = {
    members: cursorGuard(WHAT.members),
    saml: cursorGuard(WHAT.saml),
    repos: cursorGuard(WHAT.repos),
  };
  let requiresTwoFactorAuthentication: boolean | null = null;
  let ssoUrl: string | null = null;
  let usesSaml = false;
  let repositories = 0;
  let collaboratorsComplete = true;
  const advance = (part: Part, info: PageInfo, read: number) => {
    if (!info.hasNextPage) {
      state[part].open = false;
      return;
    }
    const stop = guards[part].stop(info.endCursor ?? '');
    if (stop) {
      state[part] = { ...state[part], open: false, complete: false };
      errors.push(`the ${WHAT[part]} list stopped after ${read}: ${stop}`);
      return;
    }
    state[part].after = info.endCursor;
  };

  for (let page = 0; state.members.open || state.saml.open || state.repos.open; page++) {
    let result: { data: MembersPage; errors: GitHubGraphqlError[] };
    try {
      result = await client.graphql<MembersPage>(ORG_MEMBERS_QUERY, {
        org: scope.org,
        members: state.members.open,
        membersAfter: state.members.after,
        saml: state.saml.open,
        samlAfter: state.saml.after,
        repos: state.repos.open,
        reposAfter: state.repos.after,
      });
    } catch (err) {
      // The first page failing means nothing was collected: an error snapshot. Later: partial.
      if (page === 0 || !(err instanceof GitHubApiError)) throw err;
      for (const part of ['members', 'saml', 'repos'] as const) {
        if (!state[part].open) continue;
        state[part] = { ...state[part], open: false, complete: false };
        errors.push(
          `the ${WHAT[part]} list stopped after page ${page}: ${err.message}; the rest are missing from this snapshot`,
        );
      }
      break;
    }
    ctx.stats.pages++;
    const { data } = result;
    noteRate(data.rateLimit);
    const org = data.organization;
    if (!org) {
      const notFound = result.errors.find((e) => e.type === 'NOT_FOUND');
      throw new SourceUnavailableError(
        `GitHub organization "${scope.org}" was not found or is not visible to these credentials${notFound ? ` (${notFound.message})` : ''}: check github.org and that the token or App installation covers the organization (members: read:org)`,
      );
    }
    for (const e of result.errors)
      errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
    requiresTwoFactorAuthentication = org.requiresTwoFactorAuthentication ?? null;

    if (state.members.open) {
      const conn = org.membersWithRole;
      if (!conn) {
        state.members = { ...state.members, open: false, complete: false };
        errors.push('GitHub returned no member list');
      } else {
        state.members.total = conn.totalCount;
        for (const edge of conn.edges ?? []) {
          if (!edge?.node) continue;
          members.push({
            login: edge.node.login,
            role: edge.role ?? null,
            twoFactorEnabled: edge.hasTwoFactorEnabled ?? null,
            samlNameId: null,
          });
        }
        advance('members', conn.pageInfo, members.length);
      }
    }
    if (state.saml.open) {
      const idp = org.samlIdentityProvider;
      if (!idp) {
        // No SAML SSO on the org (or not visible: then GitHub sent an error, recorded above).
        state.saml.open = false;
      } else {
        usesSaml = true;
        ssoUrl = idp.ssoUrl ?? null;
        const conn = idp.externalIdentities;
        state.saml.total = conn.totalCount;
        for (const node of conn.nodes ?? []) {
          if (!node) continue;
          identities.push({
            nameId: node.samlIdentity?.nameId ?? null,
            username: node.samlIdentity?.username ?? null,
            login: node.user?.login ?? null,
          });
        }
        advance('saml', conn.pageInfo, identities.length);
      }
    }
    if (state.repos.open) {
      const conn = org.repositories;
      if (!conn) {
        state.repos = { ...state.repos, open: false, complete: false };
        errors.push('GitHub returned no repository list');
      } else {
        state.repos.total = conn.totalCount;
        for (const repo of conn.nodes ?? []) {
          if (!repo) continue;
          repositories++;
          if (!repo.collaborators) {
            collaboratorsComplete = false;
            errors.push(
              `outside collaborators of ${repo.nameWithOwner} could not be read (the credentials need push access to the repository, or Members read for a GitHub App)`,
            );
            continue;
          }
          addCollaborators(repo.nameWithOwner, repo.collaborators);
          if (repo.collaborators.pageInfo.hasNextPage)
            moreCollaborators.push({
              owner: scope.org,
              name: repo.name,
              nameWithOwner: repo.nameWithOwner,
              after: repo.collaborators.pageInfo.endCursor,
            });
        }
        advance('repos', conn.pageInfo, repositories);
      }
    }
  }

  for (const pending of moreCollaborators) {
    const guard = cursorGuard(`outside collaborators of ${pending.nameWithOwner}`);
    let cursor = pending.after;
    try {
      for (;;) {
        const stopped = guard.stop(cursor ?? '');
        if (stopped) throw new GitHubApiError(stopped);
        const { data } = await client.graphql<{
          rateLimit: RateLimitPayload | null;
          repository: { collaborators: CollaboratorsPayload | null } | null;
        }>(REPO_OUTSIDE_COLLABORATORS_QUERY, { owner: pending.owner, name: pending.name, after: cursor });
        ctx.stats.pages++;
        noteRate(data.rateLimit);
        const conn = data.repository?.collaborators;
        if (!conn)
          throw new GitHubApiError('the repository disappeared or its collaborators became unreadable');
        addCollaborators(pending.nameWithOwner, conn);
        if (!conn.pageInfo.hasNextPage) break;
        cursor = conn.pageInfo.endCursor;
      }
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      collaboratorsComplete = false;
      errors.push(
        `outside collaborators of ${pending.nameWithOwner} could not be read to the end: ${err.message}`,
      );
    }
  }

  if (state.members.complete && members.length < state.members.total) {
    state.members.complete = false;
    errors.push(`GitHub reported ${state.members.total} members but ${members.length} were returned`);
  }
  if (usesSaml && state.saml.complete && identities.length < state.saml.total) {
    state.saml.complete = false;
    errors.push(`GitHub reported ${state.saml.total} SAML identities but ${identities.length} were returned`);
  }
  if (state.repos.complete && repositories < state.repos.total) {
    state.repos.complete = false;
    errors.push(`GitHub reported ${state.repos.total} repositories but ${repositories} were returned`);
  }
  if (!state.repos.complete) collaboratorsComplete = false;

  // Join each member to the SAML identity linked to their login (logins are case-insensitive).
  const nameIdByLogin = new Map<string, string | null>();
  for (const identity of identities)
    if (identity.login) nameIdByLogin.set(identity.login.toLowerCase(), identity.nameId);
  for (const member of members) member.samlNameId = nameIdByLogin.get(member.login.toLowerCase()) ?? null;

  const outsideCollaborators = [...collaborators.values()].sort((a, b) => a.login.localeCompare(b.login));
  for (const c of outsideCollaborators)
    c.repositories.sort((a, b) => a.repository.localeCompare(b.repository));

  ctx.logger.info('github members collected', {
    scope: scope.id,
    members: members.length,
    samlIdentities: identities.length,
    outsideCollaborators: outsideCollaborators.length,
    graphqlCost: rate.cost,
    rateLimited: client.stats.rateLimited,
    secondaryLimited: client.stats.secondaryLimited,
  });
  const data: GitHubMembersData = {
    org: scope.org,
    apiUrl: client.apiUrl,
    requiresTwoFactorAuthentication,
    totalMembers: state.members.total,
    membersComplete: state.members.complete,
    members,
    saml: usesSaml ? { ssoUrl, complete: state.saml.complete, identities } : null,
    outsideCollaborators,
    outsideCollaboratorsComplete: collaboratorsComplete,
    repositories,
    rateLimit: rate,
  };
  return {
    data,
    items: members.length + outsideCollaborators.length,
    status: errors.length ? ('partial' as const) : ('ok' as const),
    errors,
  };
}

export const githubMembersCollector = createGitHubMembersCollector();
export default githubMembersCollector;
