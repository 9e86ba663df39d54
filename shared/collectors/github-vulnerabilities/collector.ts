/**
 * GitHub Dependabot alerts (CC7.1), one org per scope: every open alert of every repository
 * that is not archived, the alerts closed (fixed, dismissed, auto-dismissed) since the previous
 * run with who dismissed them and why, and whether each repository has Dependabot alerts on.
 *
 * Fewest calls for the most evidence:
 * - repositories: one GraphQL query, 100 repositories a page (`isArchived`,
 *   `hasVulnerabilityAlertsEnabled`): ceil(R / 100) requests of one point each, where REST
 *   `GET /repos/{owner}/{repo}/vulnerability-alerts` (204/404) would cost one request per
 *   repository;
 * - alerts: REST `GET /orgs/{org}/dependabot/alerts` (cursor pagination through the Link header,
 *   100 a page) for the whole org at once: `state=open` (ceil(open / 100) requests), then
 *   `state=fixed,dismissed,auto_dismissed&sort=updated&direction=desc` read only until the
 *   alerts changed before the window (a page or two a day). GraphQL `vulnerabilityAlerts` would
 *   need a nested connection per repository (R pages at least, 100 × R nodes of cost).
 * Every loop is bounded (cursorGuard: no repeated cursor, at most 5,000 pages); every request
 * has the client's timeout and the rate-limit handling of vendors/github-client.ts.
 *
 * Fail closed: the first request of the repository list or of the open alerts failing is an
 * error snapshot (nothing the collector exists to record was read); a later page failing, or a
 * repository GitHub would not describe, makes the snapshot partial with what is missing named.
 */
import { SourceUnavailableError } from '../../errors.js';
import {
  GitHubApiError,
  type GitHubClient,
  type GitHubGraphqlError,
  type RestPage,
} from '../../vendors/github-client.js';
import { cursorGuard, type GitHubCollectorDeps, gitHubCollector } from '../github/connect.js';
import type { GitHubScope } from '../github/declaration.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import {
  type DependabotAlert,
  type DependabotRepository,
  githubVulnerabilities as declaration,
  type GitHubVulnerabilitiesData,
  type VulnerabilitiesSettings,
} from './declaration.js';

/** The org's repositories, 100 a page, with the two facts the alerts need. */
export const DEPENDABOT_REPOSITORIES_QUERY = /* GraphQL */ `
query DependabotRepositories($org: String!, $after: String) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    login
    repositories(first: 100, after: $after, ownerAffiliations: [OWNER], orderBy: { field: NAME, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { nameWithOwner isArchived hasVulnerabilityAlertsEnabled }
    }
  }
}`;

export const ALERTS_ROUTE = 'GET /orgs/{org}/dependabot/alerts';

const ACCESS =
  "read access to the organization's Dependabot alerts, as an organization owner or security manager (classic token: repo or security_events, and read:org; GitHub App: Dependabot alerts read, Metadata read)";

const DAY_MS = 86_400_000;
/** The closed-alert window reaches back at most this far (the previous snapshot is looked for as far). */
const MAX_CLOSED_LOOKBACK_MS = 8 * DAY_MS;

interface RepositoriesPage {
  rateLimit: { cost: number; remaining: number; resetAt: string } | null;
  organization: {
    login: string;
    repositories: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes:
        | ({ nameWithOwner: string; isArchived: boolean; hasVulnerabilityAlertsEnabled: boolean } | null)[]
        | null;
    } | null;
  } | null;
}

/** The fields of GitHub's `dependabot-alert-with-repository` the snapshot keeps. */
export interface AlertPayload {
  number: number;
  state: string;
  dependency?: { package?: { ecosystem?: string; name?: string }; manifest_path?: string } | null;
  security_advisory?: {
    ghsa_id?: string;
    cve_id?: string | null;
    summary?: string;
    severity?: string;
  } | null;
  security_vulnerability?: { severity?: string } | null;
  html_url?: string;
  created_at: string;
  updated_at: string;
  dismissed_at?: string | null;
  dismissed_by?: { login?: string } | null;
  dismissed_reason?: string | null;
  dismissed_comment?: string | null;
  fixed_at?: string | null;
  auto_dismissed_at?: string | null;
  repository?: { full_name?: string } | null;
}

export function createGitHubVulnerabilitiesCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, GitHubVulnerabilitiesData, VulnerabilitiesSettings> {
  return gitHubCollector(declaration, deps, collectVulnerabilities);
}

/** An alert as the snapshot keeps it; null when GitHub left out what identifies it. */
export function toAlert(a: AlertPayload): DependabotAlert | null {
  const repository = a.repository?.full_name;
  if (!repository || typeof a.number !== 'number' || !a.created_at) return null;
  return {
    repository,
    number: a.number,
    state: a.state,
    // Unknown severity is kept as such: the check judges it by the strictest SLA.
    severity: a.security_advisory?.severity ?? a.security_vulnerability?.severity ?? 'unknown',
    ecosystem: a.dependency?.package?.ecosystem ?? 'unknown',
    package: a.dependency?.package?.name ?? 'unknown',
    manifestPath: a.dependency?.manifest_path ?? null,
    advisoryId: a.security_advisory?.ghsa_id ?? 'unknown',
    cveId: a.security_advisory?.cve_id ?? null,
    summary: a.security_advisory?.summary ?? null,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
    fixedAt: a.fixed_at ?? null,
    dismissedAt: a.dismissed_at ?? null,
    autoDismissedAt: a.auto_dismissed_at ?? null,
    dismissedBy: a.dismissed_by?.login ?? null,
    dismissedReason: a.dismissed_reason ?? null,
    dismissedComment: a.dismissed_comment ?? null,
    url: a.html_url ?? '',
  };
}

/** When an alert was closed: fixed, dismissed or auto-dismissed; else its last state change. */
export function closedAt(a: DependabotAlert): string {
  return a.fixedAt ?? a.dismissedAt ?? a.autoDismissedAt ?? a.updatedAt;
}

async function collectVulnerabilities(
  client: GitHubClient,
  scope: GitHubScope,
  ctx: CollectorContext<VulnerabilitiesSettings>,
) {
  const errors: string[] = [];
  const until = ctx.clock.now();
  let graphqlCost = 0;
  let graphqlRequests = 0;
  let restRequests = 0;
  let restRemaining: number | null = null;

  // 1. Repositories, 100 a page.
  const repositories: DependabotRepository[] = [];
  const archived = new Set<string>();
  const known = new Set<string>();
  let totalRepositories = 0;
  let repositoriesComplete = true;
  let read = 0;
  const repoGuard = cursorGuard('repositories');
  let after: string | null = null;
  for (let page = 0; ; page++) {
    let result: { data: RepositoriesPage; errors: GitHubGraphqlError[] };
    try {
      result = await client.graphql<RepositoriesPage>(DEPENDABOT_REPOSITORIES_QUERY, {
        org: scope.org,
        after,
      });
    } catch (err) {
      if (page === 0 || !(err instanceof GitHubApiError)) throw err;
      repositoriesComplete = false;
      errors.push(`the repository list stopped after ${read}: ${err.message}`);
      break;
    }
    graphqlRequests++;
    ctx.stats.pages++;
    graphqlCost += result.data.rateLimit?.cost ?? 0;
    const org = result.data.organization;
    if (!org) {
      const notFound = result.errors.find((e) => e.type === 'NOT_FOUND');
      throw new SourceUnavailableError(
        `GitHub organization "${scope.org}" was not found or is not visible to these credentials${notFound ? ` (${notFound.message})` : ''}: check github.org and that the token or App installation covers the organization`,
      );
    }
    for (const e of result.errors)
      errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
    const conn = org.repositories;
    if (!conn) {
      if (page === 0) throw new GitHubApiError(`GitHub returned no repository list for ${scope.org}`);
      repositoriesComplete = false;
      errors.push('GitHub returned no repository list');
      break;
    }
    totalRepositories = conn.totalCount;
    for (const node of conn.nodes ?? []) {
      if (!node) continue;
      read++;
      known.add(node.nameWithOwner.toLowerCase());
      if (node.isArchived) archived.add(node.nameWithOwner.toLowerCase());
      else
        repositories.push({
          repository: node.nameWithOwner,
          alertsEnabled:
            typeof node.hasVulnerabilityAlertsEnabled === 'boolean'
              ? node.hasVulnerabilityAlertsEnabled
              : null,
        });
    }
    if (!conn.pageInfo.hasNextPage) break;
    const stop = repoGuard.stop(conn.pageInfo.endCursor ?? '');
    if (stop) {
      repositoriesComplete = false;
      errors.push(`the repository list stopped after ${read}: ${stop}`);
      break;
    }
    after = conn.pageInfo.endCursor;
  }
  if (repositoriesComplete && read < totalRepositories) {
    repositoriesComplete = false;
    errors.push(
      `GitHub reported ${totalRepositories} repositories but described ${read} (the others' Dependabot status is unknown)`,
    );
  }

  // 2. Alerts, the whole org at once, 100 a page.
  const listAlerts = async (
    what: string,
    params: Record<string, string | number>,
    keepGoing: (page: AlertPayload[]) => boolean,
    onPage: (page: AlertPayload[]) => void,
  ): Promise<boolean> => {
    const guard = cursorGuard(what);
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      let page: RestPage<AlertPayload>;
      try {
        page = await client.restList<AlertPayload>(
          ALERTS_ROUTE,
          { org: scope.org, per_page: 100, ...params, ...(cursor ? { after: cursor } : {}) },
          ACCESS,
        );
      } catch (err) {
        if (pages === 0 || !(err instanceof GitHubApiError)) throw err;
        errors.push(`the ${what} stopped after page ${pages}: ${err.message}`);
        return false;
      }
      pages++;
      restRequests++;
      ctx.stats.pages++;
      restRemaining = page.remaining;
      onPage(page.items);
      if (!page.next || !keepGoing(page.items)) return true;
      const stop = guard.stop(page.next);
      if (stop) {
        errors.push(`the ${what} stopped after page ${pages}: ${stop}`);
        return false;
      }
      cursor = page.next;
    }
  };

  const skipped = { unreadable: 0 };
  const take = (payload: AlertPayload): DependabotAlert | null => {
    const alert = toAlert(payload);
    if (!alert) skipped.unreadable++;
    return alert;
  };
  const openAlerts: DependabotAlert[] = [];
  let archivedOpenAlerts = 0;
  const openComplete = await listAlerts(
    'open alert list',
    { state: 'open', sort: 'created', direction: 'asc' },
    () => true,
    (items) => {
      for (const payload of items) {
        const alert = take(payload);
        if (!alert) continue;
        // Only alerts of archived repositories are left out; one of a repository the list did
        // not describe is kept (fail closed).
        if (archived.has(alert.repository.toLowerCase())) archivedOpenAlerts++;
        else openAlerts.push(alert);
      }
    },
  );

  // 3. Alerts closed since the previous snapshot: newest state change first, until older.
  const since = await closedSince(ctx, until);
  const closedAlerts: DependabotAlert[] = [];
  const sinceMs = Date.parse(since);
  let closedComplete: boolean;
  try {
    closedComplete = await listAlerts(
      'closed alert list',
      { state: 'fixed,dismissed,auto_dismissed', sort: 'updated', direction: 'desc' },
      (items) => items.every((a) => Date.parse(a.updated_at) >= sinceMs),
      (items) => {
        for (const payload of items) {
          const alert = take(payload);
          if (!alert) continue;
          const at = Date.parse(closedAt(alert));
          if (at >= sinceMs && at < until.getTime() && !archived.has(alert.repository.toLowerCase()))
            closedAlerts.push(alert);
        }
      },
    );
  } catch (err) {
    // The open alerts were read: a closed list that cannot be read at all makes the day partial.
    if (!(err instanceof GitHubApiError) && !(err instanceof SourceUnavailableError)) throw err;
    closedComplete = false;
    errors.push(`the closed alert list could not be read: ${err.message}`);
  }
  if (skipped.unreadable)
    errors.push(
      `${skipped.unreadable} alert(s) came without a repository, number or creation time and are not recorded`,
    );
  for (const a of openAlerts)
    if (!known.has(a.repository.toLowerCase()) && repositoriesComplete)
      errors.push(
        `open alert ${a.repository}#${a.number} belongs to a repository the repository list did not hold`,
      );

  openAlerts.sort(
    (a, b) =>
      a.createdAt.localeCompare(b.createdAt) ||
      a.repository.localeCompare(b.repository) ||
      a.number - b.number,
  );
  closedAlerts.sort(
    (a, b) =>
      closedAt(a).localeCompare(closedAt(b)) ||
      a.repository.localeCompare(b.repository) ||
      a.number - b.number,
  );

  ctx.logger.info('github vulnerabilities collected', {
    scope: scope.id,
    repositories: repositories.length,
    openAlerts: openAlerts.length,
    closedAlerts: closedAlerts.length,
    graphqlCost,
    restRequests,
    rateLimited: client.stats.rateLimited,
  });
  const data: GitHubVulnerabilitiesData = {
    org: scope.org,
    apiUrl: client.apiUrl,
    repositories,
    totalRepositories,
    archivedRepositories: archived.size,
    repositoriesComplete,
    openAlerts,
    openComplete: openComplete && skipped.unreadable === 0,
    archivedOpenAlerts,
    closed: { since, until: until.toISOString(), complete: closedComplete, alerts: closedAlerts },
    requests: { graphql: graphqlRequests, rest: restRequests },
    rateLimit: { graphqlCost, restRemaining },
  };
  return {
    data,
    items: repositories.length + openAlerts.length + closedAlerts.length,
    status: errors.length ? ('partial' as const) : ('ok' as const),
    errors,
  };
}

/**
 * Where the closed-alert window starts: the previous snapshot's `until` (its `since` when its
 * closed list was incomplete), so consecutive snapshots tile; at most 8 days back; without a
 * previous snapshot, the 24 hours before the run.
 */
async function closedSince(ctx: CollectorContext<VulnerabilitiesSettings>, until: Date): Promise<string> {
  const floor = until.getTime() - MAX_CLOSED_LOOKBACK_MS;
  const fallback = new Date(until.getTime() - DAY_MS).toISOString();
  const previous = await ctx.previous?.();
  if (!previous) return fallback;
  const closed = (previous.data as Partial<GitHubVulnerabilitiesData> | null)?.closed;
  const from = closed?.complete === false ? closed.since : (closed?.until ?? previous.collectedAt);
  const ms = Date.parse(from ?? '');
  if (!Number.isFinite(ms) || ms >= until.getTime()) return fallback;
  return new Date(Math.max(ms, floor)).toISOString();
}

export const githubVulnerabilitiesCollector = createGitHubVulnerabilitiesCollector();
export default githubVulnerabilitiesCollector;
