/**
 * The pull requests merged into a default branch during a window, from a source that is
 * complete at collection time: each repository's pull requests ordered by update time
 * (GraphQL `Repository.pullRequests(states: MERGED, orderBy: UPDATED_AT DESC)`), not the search
 * API, whose index lags (a pull request merged at 23:59:59 can be missing from it minutes
 * later, with nothing said).
 *
 * Why it is complete: a merge pushes to the base branch, so a repository with a merge in the
 * window was pushed to at or after the window's start (the repositories are listed by push
 * time, newest first, down to it); and a merge updates the pull request, so each merged in the
 * window was updated at or after the window's start (its pull requests are read newest update
 * first, down to it). Two steps: light references (id, number, mergedAt, updatedAt, base) with
 * the repository listing, one follow-up per 100 more in a busy repository; then the details of
 * those merged in the window, 100 per `nodes(ids:)` request.
 */
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from './github-client.js';

/** How the snapshot says the merged pull requests were obtained. */
export const PULL_REQUEST_SOURCE =
  "each pushed-to repository's pull requests by update time (GraphQL Repository.pullRequests(states: MERGED, orderBy: UPDATED_AT DESC)), read down to the window's start at collection time: no search index, so no index lag";

/** Pull request references per repository in the listing request (busier repositories get follow-ups). */
export const REFS_PAGE = 25;

export const MERGED_REFS_FIELDS = /* GraphQL */ `
fragment MergedRefs on PullRequestConnection {
  pageInfo { hasNextPage endCursor }
  nodes { id number mergedAt updatedAt baseRefName }
}`;

export const MORE_PULL_REQUESTS_QUERY = /* GraphQL */ `
query MorePullRequests($id: ID!, $after: String) {
  rateLimit { cost remaining resetAt }
  node(id: $id) {
    ... on Repository {
      pullRequests(first: 100, after: $after, states: [MERGED], orderBy: { field: UPDATED_AT, direction: DESC }) { ...MergedRefs }
    }
  }
}
${MERGED_REFS_FIELDS}`;

export interface MergedRefsPayload {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes:
    | ({
        id: string;
        number: number;
        mergedAt: string | null;
        updatedAt: string;
        baseRefName: string;
      } | null)[]
    | null;
}

export interface RateLimitPayload {
  cost: number;
  remaining: number;
  resetAt: string;
}

export interface Tally {
  /** GraphQL requests made, by kind. */
  note(kind: 'pullRequests' | 'details', rate: RateLimitPayload | null | undefined): void;
  errors: GitHubGraphqlError[][];
}

/**
 * The ids of a repository's pull requests merged into `defaultBranch` in [from, to), from the
 * first page the listing carried and as many follow-ups as needed. Throws GitHubApiError.
 */
export async function mergedIdsInWindow(
  client: GitHubClient,
  repo: { id: string; defaultBranch: string },
  first: MergedRefsPayload,
  window: { from: string; to: string },
  tally: Tally,
): Promise<string[]> {
  const ids: string[] = [];
  let page: MergedRefsPayload | undefined = first;
  while (page) {
    let older = false;
    for (const n of page.nodes ?? []) {
      if (!n) continue;
      if (n.updatedAt < window.from) {
        older = true;
        break;
      }
      if (
        n.mergedAt &&
        n.mergedAt >= window.from &&
        n.mergedAt < window.to &&
        n.baseRefName === repo.defaultBranch
      )
        ids.push(n.id);
    }
    if (older || !page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    const more: {
      data: { rateLimit: RateLimitPayload | null; node: { pullRequests?: MergedRefsPayload } | null };
      errors: GitHubGraphqlError[];
    } = await client.graphql(MORE_PULL_REQUESTS_QUERY, { id: repo.id, after: page.pageInfo.endCursor });
    tally.note('pullRequests', more.data.rateLimit);
    tally.errors.push(more.errors);
    page = more.data.node?.pullRequests;
    if (!page) throw new GitHubApiError('no pull requests in the answer');
  }
  return ids;
}

/**
 * The details of pull requests by id, 100 per request, with `query` (which takes `$ids` and
 * selects `nodes(ids: $ids)`). Throws GitHubApiError.
 */
export async function pullRequestDetails<T>(
  client: GitHubClient,
  query: string,
  ids: readonly string[],
  tally: Tally,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const result = await client.graphql<{ rateLimit: RateLimitPayload | null; nodes: (T | null)[] }>(query, {
      ids: ids.slice(i, i + 100),
    });
    tally.note('details', result.data.rateLimit);
    tally.errors.push(result.errors);
    for (const n of result.data.nodes ?? []) if (n) out.push(n);
  }
  return out;
}
