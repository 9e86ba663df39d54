/**
 * GitHub (CC8.1): for every non-archived repository of the org, its default branch, the
 * legacy branch protection rule on it, and every rule that applies to it from repository
 * and organization rulesets (each with its ruleset, source and enforcement), plus the
 * org's two-factor requirement. One GraphQL request per 100 repositories
 * (`organization.repositories` with `defaultBranchRef { branchProtectionRule, rules }`);
 * a branch with more than 50 rules gets follow-up requests for the rest. (Enterprise
 * rulesets are recorded with source type "Enterprise": the published schema's validate()
 * does not accept a fragment on Enterprise inside RuleSource, so their slug is not read.)
 * Who may bypass each of those rulesets (`RepositoryRuleset.bypassActors`) is read once per
 * distinct ruleset, 100 rulesets per follow-up request (`nodes(ids:)`), and recorded on
 * every rule of the ruleset; legacy protection records `isAdminEnforced`.
 *
 * Auth: GITHUB_TOKEN, or a GitHub App installation when github.appId and
 * github.installationId are set (private key in GITHUB_APP_PRIVATE_KEY).
 */
import { SourceUnavailableError } from '../../errors.js';
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from '../../vendors/github-client.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import { cursorGuard, type GitHubCollectorDeps, gitHubCollector } from './connect.js';
import { github as declaration, type GitHubScope } from './declaration.js';

export interface LegacyProtection {
  pattern: string;
  requiresApprovingReviews: boolean;
  requiredApprovingReviewCount: number | null;
  requiresCodeOwnerReviews: boolean;
  dismissesStaleReviews: boolean;
  requireLastPushApproval: boolean;
  requiresStatusChecks: boolean;
  requiresStrictStatusChecks: boolean;
  requiredStatusCheckContexts: string[];
  isAdminEnforced: boolean;
  allowsForcePushes: boolean;
  allowsDeletions: boolean;
  requiresCommitSignatures: boolean;
  requiresLinearHistory: boolean;
  requiresConversationResolution: boolean;
}

export interface RuleEvidence {
  /** RepositoryRuleType: PULL_REQUEST, NON_FAST_FORWARD, DELETION, REQUIRED_STATUS_CHECKS, ... */
  type: string;
  /** Parameters of the rule, when it has any (PullRequestParameters, RequiredStatusChecksParameters). */
  parameters: Record<string, unknown> | null;
  ruleset: {
    id: number | null;
    name: string;
    /** ACTIVE counts; EVALUATE is recorded but enforces nothing; DISABLED likewise. */
    enforcement: string;
    /** Where the ruleset is defined. */
    source: { type: 'Organization' | 'Repository' | 'Enterprise' | string; name: string };
    /** Who may bypass the ruleset; null when it could not be read (see the snapshot's errors). */
    bypassActors: BypassActorEvidence[] | null;
  } | null;
}

export interface BypassActorEvidence {
  /**
   * OrganizationAdmin, DeployKey, RepositoryRole, Team or App; "unknown" for any other actor
   * (e.g. enterprise owners: the published schema's validate() lacks `enterpriseOwner`).
   */
  type: string;
  /** Team or App slug, repository role name; null for the built-in roles. */
  name: string | null;
  /** ALWAYS, or PULL_REQUEST (may bypass only through a pull request). */
  bypassMode: string | null;
}

export interface RepositoryEvidence {
  name: string;
  nameWithOwner: string;
  visibility: string;
  isFork: boolean;
  /** null for an empty repository (no branch yet). */
  defaultBranch: string | null;
  branchProtection: LegacyProtection | null;
  rules: RuleEvidence[];
  /** False when the rules could not all be read (the snapshot is then partial). */
  rulesComplete: boolean;
}

export interface GitHubData {
  org: string;
  apiUrl: string;
  /** null when the credentials cannot see it (only organization owners can). */
  requiresTwoFactorAuthentication: boolean | null;
  /** False when the repository list could not be read to the end. */
  repositoriesComplete: boolean;
  /** Non-archived repositories GitHub reports for the org. */
  totalRepositories: number;
  repositories: RepositoryEvidence[];
  /** GraphQL points spent and left after the last request. */
  rateLimit: { cost: number; remaining: number | null; resetAt: string | null };
}

const RULE_FIELDS = /* GraphQL */ `
fragment RuleFields on RepositoryRule {
  type
  parameters {
    __typename
    ... on PullRequestParameters {
      requiredApprovingReviewCount
      requireCodeOwnerReview
      dismissStaleReviewsOnPush
      requireLastPushApproval
      requiredReviewThreadResolution
    }
    ... on RequiredStatusChecksParameters {
      strictRequiredStatusChecksPolicy
      requiredStatusChecks { context integrationId }
    }
  }
  repositoryRuleset {
    id
    databaseId
    name
    enforcement
    source {
      __typename
      ... on Organization { login }
      ... on Repository { nameWithOwner }
    }
  }
}`;

/** One page of 100 non-archived repositories with everything the check needs. */
export const ORG_REPOSITORIES_QUERY = /* GraphQL */ `
query OrgRepositories($org: String!, $after: String) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    login
    requiresTwoFactorAuthentication
    repositories(first: 100, after: $after, isArchived: false, ownerAffiliations: [OWNER], orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        nameWithOwner
        visibility
        isFork
        isArchived
        defaultBranchRef {
          id
          name
          branchProtectionRule {
            pattern
            requiresApprovingReviews
            requiredApprovingReviewCount
            requiresCodeOwnerReviews
            dismissesStaleReviews
            requireLastPushApproval
            requiresStatusChecks
            requiresStrictStatusChecks
            requiredStatusCheckContexts
            isAdminEnforced
            allowsForcePushes
            allowsDeletions
            requiresCommitSignatures
            requiresLinearHistory
            requiresConversationResolution
          }
          rules(first: 50) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { ...RuleFields }
          }
        }
      }
    }
  }
}
${RULE_FIELDS}`;

/** The rest of a branch's rules, when it has more than the first page. */
export const REF_RULES_QUERY = /* GraphQL */ `
query RefRules($id: ID!, $after: String) {
  rateLimit { cost remaining resetAt }
  node(id: $id) {
    ... on Ref {
      rules(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...RuleFields }
      }
    }
  }
}
${RULE_FIELDS}`;

/** Bypass actors of up to 100 rulesets (GraphQL node ids from the rules). */
export const RULESET_BYPASS_QUERY = /* GraphQL */ `
query RulesetBypassActors($ids: [ID!]!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) {
    ... on RepositoryRuleset {
      id
      bypassActors(first: 100) {
        totalCount
        nodes {
          bypassMode
          organizationAdmin
          deployKey
          repositoryRoleName
          actor {
            __typename
            ... on App { slug }
            ... on Team { slug }
          }
        }
      }
    }
  }
}`;

interface BypassActorPayload {
  bypassMode: string | null;
  organizationAdmin: boolean;
  deployKey: boolean;
  repositoryRoleName: string | null;
  actor: { __typename: string; slug?: string } | null;
}

interface RulesetBypassPayload {
  id?: string;
  bypassActors: { totalCount: number; nodes: (BypassActorPayload | null)[] | null } | null;
}

interface RulePayload {
  type: string;
  parameters: ({ __typename: string } & Record<string, unknown>) | null;
  repositoryRuleset: {
    id: string;
    databaseId: number | null;
    name: string;
    enforcement: string;
    source: { __typename: string; login?: string; nameWithOwner?: string };
  } | null;
}

interface RulesConnection {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (RulePayload | null)[] | null;
}

interface RepoPayload {
  name: string;
  nameWithOwner: string;
  visibility: string;
  isFork: boolean;
  isArchived: boolean;
  defaultBranchRef: {
    id: string;
    name: string;
    branchProtectionRule: LegacyProtection | null;
    rules: RulesConnection | null;
  } | null;
}

interface RateLimitPayload {
  cost: number;
  remaining: number;
  resetAt: string;
}

interface OrgPage {
  rateLimit: RateLimitPayload | null;
  organization: {
    login: string;
    requiresTwoFactorAuthentication: boolean | null;
    repositories: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: (RepoPayload | null)[] | null;
    };
  } | null;
}

export function createGitHubCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, GitHubData> {
  return gitHubCollector(declaration, deps, collectOrg);
}

async function collectOrg(client: GitHubClient, scope: GitHubScope, ctx: CollectorContext) {
  const errors: string[] = [];
  const repositories: RepositoryEvidence[] = [];
  const refsWithMoreRules: { repo: RepositoryEvidence; refId: string; after: string | null }[] = [];
  // Every rule's ruleset, by the ruleset's node id, to fill in its bypass actors afterwards.
  const rulesets = new Map<string, { name: string; rules: NonNullable<RuleEvidence['ruleset']>[] }>();
  const toRules = (nodes: (RulePayload | null)[] | null | undefined): RuleEvidence[] =>
    (nodes ?? [])
      .filter((r): r is RulePayload => r !== null)
      .map((payload) => {
        const rule = toRule(payload);
        const nodeId = payload.repositoryRuleset?.id;
        if (rule.ruleset && nodeId) {
          const entry = rulesets.get(nodeId) ?? { name: rule.ruleset.name, rules: [] };
          entry.rules.push(rule.ruleset);
          rulesets.set(nodeId, entry);
        }
        return rule;
      });
  const rate = { cost: 0, remaining: null as number | null, resetAt: null as string | null };
  const noteRate = (r: RateLimitPayload | null | undefined) => {
    if (!r) return;
    rate.cost += r.cost;
    rate.remaining = r.remaining;
    rate.resetAt = r.resetAt;
  };

  let after: string | null = null;
  const cursors = cursorGuard('repositories');
  let totalRepositories = 0;
  let requiresTwoFactorAuthentication: boolean | null = null;
  let repositoriesComplete = true;
  for (let page = 0; ; page++) {
    let result: { data: OrgPage; errors: GitHubGraphqlError[] };
    try {
      result = await client.graphql<OrgPage>(ORG_REPOSITORIES_QUERY, { org: scope.org, after });
    } catch (err) {
      // The first page failing means nothing was collected: an error snapshot. Later: partial.
      if (page === 0 || !(err instanceof GitHubApiError)) throw err;
      repositoriesComplete = false;
      errors.push(
        `the repository list stopped after ${repositories.length} repositories: ${(err as Error).message}; the rest are missing from this snapshot`,
      );
      break;
    }
    ctx.stats.pages++;
    const { data } = result;
    noteRate(data.rateLimit);
    const org = data.organization;
    if (!org) {
      const notFound = result.errors.find((e) => e.type === 'NOT_FOUND');
      throw new SourceUnavailableError(
        `GitHub organization "${scope.org}" was not found or is not visible to these credentials${notFound ? ` (${notFound.message})` : ''}: check github.org and that the token or App installation covers the organization`,
      );
    }
    for (const e of result.errors)
      errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
    requiresTwoFactorAuthentication = org.requiresTwoFactorAuthentication ?? null;
    totalRepositories = org.repositories.totalCount;
    for (const node of org.repositories.nodes ?? []) {
      if (!node || node.isArchived) continue;
      const ref = node.defaultBranchRef;
      const repo: RepositoryEvidence = {
        name: node.name,
        nameWithOwner: node.nameWithOwner,
        visibility: node.visibility,
        isFork: node.isFork,
        defaultBranch: ref?.name ?? null,
        branchProtection: ref?.branchProtectionRule ?? null,
        rules: toRules(ref?.rules?.nodes),
        rulesComplete: ref === null || ref.rules !== null,
      };
      if (ref?.rules?.pageInfo.hasNextPage) {
        repo.rulesComplete = false;
        refsWithMoreRules.push({ repo, refId: ref.id, after: ref.rules.pageInfo.endCursor });
      }
      repositories.push(repo);
    }
    const info = org.repositories.pageInfo;
    if (!info.hasNextPage) break;
    if (!info.endCursor) {
      repositoriesComplete = false;
      errors.push('GitHub reported more repositories but gave no cursor to continue');
      break;
    }
    const stop = cursors.stop(info.endCursor);
    if (stop) {
      repositoriesComplete = false;
      errors.push(`the repository list stopped after ${repositories.length} repositories: ${stop}`);
      break;
    }
    after = info.endCursor;
  }

  for (const pending of refsWithMoreRules) {
    let cursor = pending.after;
    const ruleCursors = cursorGuard(`rules of ${pending.repo.nameWithOwner}`);
    if (cursor) ruleCursors.stop(cursor);
    try {
      for (;;) {
        const { data } = await client.graphql<{
          rateLimit: RateLimitPayload | null;
          node: { rules: RulesConnection | null } | null;
        }>(REF_RULES_QUERY, { id: pending.refId, after: cursor });
        ctx.stats.pages++;
        noteRate(data.rateLimit);
        const rules = data.node?.rules;
        if (!rules) throw new GitHubApiError('the branch disappeared or its rules became unreadable');
        pending.repo.rules.push(...toRules(rules.nodes));
        if (!rules.pageInfo.hasNextPage) {
          pending.repo.rulesComplete = true;
          break;
        }
        const stop = ruleCursors.stop(rules.pageInfo.endCursor ?? '');
        if (stop) throw new GitHubApiError(stop);
        cursor = rules.pageInfo.endCursor;
      }
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      errors.push(`rules of ${pending.repo.nameWithOwner} could not be read to the end: ${err.message}`);
    }
  }
  await collectBypassActors(client, rulesets, ctx, noteRate, errors);
  for (const repo of repositories) {
    if (!repo.rulesComplete && !refsWithMoreRules.some((p) => p.repo === repo))
      errors.push(`rules of ${repo.nameWithOwner} could not be read (see the errors above)`);
  }
  if (repositoriesComplete && repositories.length < totalRepositories) {
    repositoriesComplete = false;
    errors.push(
      `GitHub reported ${totalRepositories} non-archived repositories but ${repositories.length} were returned`,
    );
  }

  ctx.logger.info('github collected', {
    scope: scope.id,
    repositories: repositories.length,
    graphqlCost: rate.cost,
    rateLimited: client.stats.rateLimited,
    secondaryLimited: client.stats.secondaryLimited,
  });
  const data: GitHubData = {
    org: scope.org,
    apiUrl: client.apiUrl,
    requiresTwoFactorAuthentication,
    repositoriesComplete,
    totalRepositories,
    repositories,
    rateLimit: rate,
  };
  return {
    data,
    items: repositories.length,
    status: errors.length ? ('partial' as const) : ('ok' as const),
    errors,
  };
}

/** Fill in `bypassActors` of every ruleset seen, 100 rulesets per request. */
async function collectBypassActors(
  client: GitHubClient,
  rulesets: Map<string, { name: string; rules: NonNullable<RuleEvidence['ruleset']>[] }>,
  ctx: CollectorContext,
  noteRate: (r: RateLimitPayload | null | undefined) => void,
  errors: string[],
): Promise<void> {
  const ids = [...rulesets.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    let result: {
      data: { rateLimit: RateLimitPayload | null; nodes: (RulesetBypassPayload | null)[] | null };
      errors: GitHubGraphqlError[];
    };
    try {
      result = await client.graphql(RULESET_BYPASS_QUERY, { ids: batch });
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      errors.push(
        `bypass actors of ${batch.length} ruleset(s) could not be read (recorded as null): ${err.message}`,
      );
      continue;
    }
    ctx.stats.pages++;
    noteRate(result.data.rateLimit);
    batch.forEach((id, j) => {
      const entry = rulesets.get(id)!;
      const node = result.data.nodes?.[j];
      const connection = node?.bypassActors;
      if (!connection) {
        const why = result.errors.find((e) => e.path?.[1] === j);
        errors.push(
          `bypass actors of ruleset "${entry.name}" could not be read (recorded as null)${why ? `: ${why.type ?? 'ERROR'} ${why.message}` : ''}; the credentials need Administration read (organization rulesets: Organization administration read)`,
        );
        return;
      }
      const actors = (connection.nodes ?? [])
        .filter((a): a is BypassActorPayload => a !== null)
        .map(toBypassActor);
      if (connection.totalCount > actors.length)
        errors.push(
          `ruleset "${entry.name}" has ${connection.totalCount} bypass actors; only the first ${actors.length} are recorded`,
        );
      for (const ruleset of entry.rules) ruleset.bypassActors = actors;
    });
  }
}

function toBypassActor(a: BypassActorPayload): BypassActorEvidence {
  const [type, name] = a.organizationAdmin
    ? ['OrganizationAdmin', null]
    : a.deployKey
      ? ['DeployKey', null]
      : a.repositoryRoleName
        ? ['RepositoryRole', a.repositoryRoleName]
        : [a.actor?.__typename ?? 'unknown', a.actor?.slug ?? null];
  return { type, name, bypassMode: a.bypassMode };
}

function toRule(rule: RulePayload): RuleEvidence {
  const { __typename: _kind, ...parameters } = rule.parameters ?? { __typename: '' };
  const rs = rule.repositoryRuleset;
  const source = rs?.source;
  return {
    type: rule.type,
    parameters: rule.parameters ? parameters : null,
    ruleset: rs
      ? {
          id: rs.databaseId,
          name: rs.name,
          enforcement: rs.enforcement,
          source: {
            type: source?.__typename ?? 'unknown',
            name: source?.login ?? source?.nameWithOwner ?? source?.__typename ?? 'unknown',
          },
          bypassActors: null,
        }
      : null,
  };
}

export const githubCollector = createGitHubCollector();
export default githubCollector;
