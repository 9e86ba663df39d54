/**
 * github-changes (CC8.1): every change that reached a default branch of the org during the
 * last complete UTC day before the collection (`data.window`), one snapshot per org:
 *
 * - every pull request merged into its repository's default branch that day: number, URL,
 *   title, author, merged by, merged at, merge commit, the head commit at merge (with its
 *   status-check rollup), every review (author, state, submitted at, commit reviewed), labels
 *   and ticket references matching `github.changes.ticketPattern`;
 * - every commit that reached a default branch that day without a merged pull request (a
 *   direct push).
 *
 * Requests (GraphQL): merged pull requests through the search API, 100 per request; a window
 * with more than 1,000 results (the search API's cap) is split in halves until each part
 * fits. Direct pushes: the org's repositories by last push, 100 per request, down to the
 * window's start, each with its default branch's history over the window (25 commits, each
 * with its associated pull requests; a busier branch gets follow-up requests).
 * Commits are placed in the window by commit date: GitHub's API no longer gives push times.
 */
import { SourceUnavailableError } from '../../errors.js';
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from '../../vendors/github-client.js';
import { type GitHubCollectorDeps, openGitHubClient } from '../github/connect.js';
import type { GitHubScope } from '../github/declaration.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import { githubChanges } from './declaration.js';
import { type ChangesSettings, changeWindow } from './settings.js';

export interface ReviewEvidence {
  author: string | null;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING */
  state: string;
  submittedAt: string | null;
  /** The commit the review was given on. */
  commit: string | null;
}

export interface MergedPullRequest {
  /** Stable finding id: `owner/repo#number`. */
  id: string;
  repository: string;
  number: number;
  url: string;
  title: string;
  author: string | null;
  mergedBy: string | null;
  mergedAt: string;
  mergeCommit: string | null;
  baseRef: string;
  headRef: string;
  /** The pull request's last commit at merge (what was merged) and its status-check rollup. */
  head: { oid: string | null; committedDate: string | null; statusCheckRollup: string | null };
  reviews: ReviewEvidence[];
  /** False when the pull request has more reviews than were read (100). */
  reviewsComplete: boolean;
  labels: string[];
  /** Matches of github.changes.ticketPattern in the title, body and branch name. */
  tickets: string[];
  /** Carries github.changes.emergencyLabel. */
  emergency: boolean;
}

export interface DirectPush {
  /** Stable finding id: `owner/repo@<commit>`. */
  id: string;
  repository: string;
  branch: string;
  oid: string;
  url: string;
  committedDate: string;
  author: string | null;
  committer: string | null;
  messageHeadline: string;
  /** Pull requests GitHub associates with the commit that were not merged into this branch. */
  otherPullRequests: { number: number; merged: boolean; baseRef: string }[];
}

export interface ChangesData {
  org: string;
  /** The evidence day covered: [from, to) in UTC. */
  window: { day: string; from: string; to: string };
  emergencyLabel: string;
  ticketPattern: string | null;
  mergedPullRequests: MergedPullRequest[];
  /** False when the search could not be read to the end (errors say why). */
  pullRequestsComplete: boolean;
  directPushes: DirectPush[];
  /** Repositories pushed to since the window's start (their default branch was read). */
  repositoriesPushedTo: number;
  /** False when some repository's default-branch history could not be read. */
  pushesComplete: boolean;
  rateLimit: { cost: number; remaining: number | null; resetAt: string | null };
  requests: { search: number; repositories: number; history: number };
}

const SEARCH_CAP = 1000;
/** Commits per repository in the first history request; busier repositories get follow-ups. */
const HISTORY_PAGE = 25;

const PR_FIELDS = /* GraphQL */ `
fragment ChangePullRequest on PullRequest {
  number
  url
  title
  body
  headRefName
  baseRefName
  mergedAt
  author { login }
  mergedBy { login }
  repository { nameWithOwner defaultBranchRef { name } }
  mergeCommit { oid }
  commits(last: 1) { nodes { commit { oid committedDate statusCheckRollup { state } } } }
  reviews(first: 100) { totalCount nodes { author { login } state submittedAt commit { oid } } }
  labels(first: 50) { nodes { name } }
}`;

export const MERGED_PULL_REQUESTS_QUERY = /* GraphQL */ `
query MergedPullRequests($q: String!, $after: String) {
  rateLimit { cost remaining resetAt }
  search(query: $q, type: ISSUE, first: 100, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { __typename ...ChangePullRequest }
  }
}
${PR_FIELDS}`;

const HISTORY_FIELDS = /* GraphQL */ `
fragment WindowHistory on CommitHistoryConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    oid
    url
    committedDate
    messageHeadline
    author { name user { login } }
    committer { name user { login } }
    associatedPullRequests(first: 5) { nodes { number merged baseRefName } }
  }
}`;

/**
 * The org's repositories by last push, newest first, each with its default branch's history
 * over the window: listing and reading the history are one request per 100 repositories.
 */
export const PUSHED_REPOSITORIES_QUERY = /* GraphQL */ `
query PushedRepositories($org: String!, $after: String, $since: GitTimestamp!, $until: GitTimestamp!) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    repositories(first: 100, after: $after, isArchived: false, ownerAffiliations: [OWNER], orderBy: { field: PUSHED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        nameWithOwner
        pushedAt
        defaultBranchRef {
          name
          target { ... on Commit { history(first: ${HISTORY_PAGE}, since: $since, until: $until) { ...WindowHistory } } }
        }
      }
    }
  }
}
${HISTORY_FIELDS}`;

export const MORE_HISTORY_QUERY = /* GraphQL */ `
query MoreHistory($id: ID!, $since: GitTimestamp!, $until: GitTimestamp!, $after: String) {
  rateLimit { cost remaining resetAt }
  node(id: $id) {
    ... on Repository {
      defaultBranchRef {
        target { ... on Commit { history(first: 100, since: $since, until: $until, after: $after) { ...WindowHistory } } }
      }
    }
  }
}
${HISTORY_FIELDS}`;

interface Login {
  login: string;
}
interface RateLimitPayload {
  cost: number;
  remaining: number;
  resetAt: string;
}
export interface PullRequestPayload {
  __typename?: string;
  number: number;
  url: string;
  title: string;
  body: string;
  headRefName: string;
  baseRefName: string;
  mergedAt: string | null;
  author: Login | null;
  mergedBy: Login | null;
  repository: { nameWithOwner: string; defaultBranchRef: { name: string } | null };
  mergeCommit: { oid: string } | null;
  commits: {
    nodes:
      | ({
          commit: { oid: string; committedDate: string; statusCheckRollup: { state: string } | null };
        } | null)[]
      | null;
  };
  reviews: {
    totalCount: number;
    nodes:
      | ({
          author: Login | null;
          state: string;
          submittedAt: string | null;
          commit: { oid: string } | null;
        } | null)[]
      | null;
  } | null;
  labels: { nodes: ({ name: string } | null)[] | null } | null;
}
interface SearchPage {
  rateLimit: RateLimitPayload | null;
  search: {
    issueCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: (PullRequestPayload | null)[] | null;
  };
}
interface HistoryPayload {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes:
    | ({
        oid: string;
        url: string;
        committedDate: string;
        messageHeadline: string;
        author: { name: string | null; user: Login | null } | null;
        committer: { name: string | null; user: Login | null } | null;
        associatedPullRequests: {
          nodes: ({ number: number; merged: boolean; baseRefName: string } | null)[] | null;
        } | null;
      } | null)[]
    | null;
}
interface PushedRepo {
  id: string;
  nameWithOwner: string;
  pushedAt: string | null;
  defaultBranchRef: { name: string; target: { history?: HistoryPayload } | null } | null;
}

export function createGitHubChangesCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, ChangesData, ChangesSettings> {
  return {
    ...githubChanges,
    async collect(scope, ctx) {
      const github = ctx.config.github;
      if (!github) throw new SourceUnavailableError('the configuration has no "github" section');
      return collectChanges(openGitHubClient(deps, github, ctx), scope, ctx);
    },
  };
}

/** Search qualifier time: second precision, UTC. */
function searchTime(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

async function collectChanges(
  client: GitHubClient,
  scope: GitHubScope,
  ctx: CollectorContext<ChangesSettings>,
) {
  const settings = ctx.settings;
  const window = changeWindow(ctx.clock.now());
  const errors: string[] = [];
  const rate = { cost: 0, remaining: null as number | null, resetAt: null as string | null };
  const requests = { search: 0, repositories: 0, history: 0 };
  const noteRate = (r: RateLimitPayload | null | undefined) => {
    if (!r) return;
    rate.cost += r.cost;
    rate.remaining = r.remaining;
    rate.resetAt = r.resetAt;
  };
  const noteErrors = (list: GitHubGraphqlError[]) => {
    for (const e of list) errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
  };

  // 1. Merged pull requests: the search API, split until each part has at most 1,000 results.
  const merged = new Map<string, MergedPullRequest>();
  let pullRequestsComplete = true;
  const parts: [number, number][] = [[Date.parse(window.from), Date.parse(window.to) - 1000]];
  let first = true;
  while (parts.length) {
    const [from, to] = parts.shift()!;
    const q = `org:${scope.org} is:pr is:merged merged:${searchTime(new Date(from).toISOString())}..${searchTime(new Date(to).toISOString())}`;
    let after: string | null = null;
    for (let page = 0; ; page++) {
      let result: { data: SearchPage; errors: GitHubGraphqlError[] };
      try {
        result = await client.graphql<SearchPage>(MERGED_PULL_REQUESTS_QUERY, { q, after });
      } catch (err) {
        if (first || !(err instanceof GitHubApiError)) throw err;
        pullRequestsComplete = false;
        errors.push(`the merged pull requests of ${q} could not be read to the end: ${err.message}`);
        break;
      }
      first = false;
      requests.search++;
      ctx.stats.pages++;
      noteRate(result.data.rateLimit);
      noteErrors(result.errors);
      const search = result.data.search;
      if (page === 0 && search.issueCount > SEARCH_CAP && to - from >= 2000) {
        const mid = from + Math.floor((to - from) / 2000) * 1000;
        parts.unshift([from, mid], [mid + 1000, to]);
        break;
      }
      if (page === 0 && search.issueCount > SEARCH_CAP) {
        pullRequestsComplete = false;
        errors.push(
          `${search.issueCount} pull requests were merged within one second (${q}); the search API returns 1,000`,
        );
      }
      for (const node of search.nodes ?? []) {
        if (!node?.mergedAt) continue;
        const pr = toPullRequest(node, settings);
        if (pr && !merged.has(pr.id)) merged.set(pr.id, pr);
      }
      if (!search.pageInfo.hasNextPage || !search.pageInfo.endCursor) break;
      after = search.pageInfo.endCursor;
    }
  }

  // 2. Repositories pushed to since the window's start, newest push first, each with its
  //    default branch's history over the window (one request per 100 repositories).
  const directPushes: DirectPush[] = [];
  const since = window.from;
  const until = new Date(Date.parse(window.to) - 1000).toISOString();
  const take = (repo: PushedRepo, branch: string, history: HistoryPayload) => {
    for (const c of history.nodes ?? []) {
      if (!c || c.committedDate < window.from || c.committedDate >= window.to) continue;
      const prs = (c.associatedPullRequests?.nodes ?? []).filter((p) => p !== null);
      if (prs.some((p) => p.merged && p.baseRefName === branch)) continue;
      directPushes.push({
        id: `${repo.nameWithOwner}@${c.oid}`,
        repository: repo.nameWithOwner,
        branch,
        oid: c.oid,
        url: c.url,
        committedDate: c.committedDate,
        author: c.author?.user?.login ?? c.author?.name ?? null,
        committer: c.committer?.user?.login ?? c.committer?.name ?? null,
        messageHeadline: c.messageHeadline,
        otherPullRequests: prs.map((p) => ({ number: p.number, merged: p.merged, baseRef: p.baseRefName })),
      });
    }
  };
  const moreHistory = async (repo: PushedRepo, branch: string, start: string | null) => {
    let cursor = start;
    while (cursor) {
      try {
        const more = await client.graphql<{
          rateLimit: RateLimitPayload | null;
          node: { defaultBranchRef: { target: { history?: HistoryPayload } | null } | null } | null;
        }>(MORE_HISTORY_QUERY, { id: repo.id, since, until, after: cursor });
        requests.history++;
        ctx.stats.pages++;
        noteRate(more.data.rateLimit);
        const next = more.data.node?.defaultBranchRef?.target?.history;
        if (!next) throw new GitHubApiError('no history in the answer');
        take(repo, branch, next);
        cursor = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
      } catch (err) {
        if (!(err instanceof GitHubApiError)) throw err;
        pushesComplete = false;
        errors.push(`the default-branch history of ${repo.nameWithOwner} stopped early: ${err.message}`);
        return;
      }
    }
  };
  let pushed = 0;
  let pushesComplete = true;
  let after: string | null = null;
  for (;;) {
    let result: {
      data: {
        rateLimit: RateLimitPayload | null;
        organization: {
          repositories: {
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            nodes: (PushedRepo | null)[] | null;
          };
        } | null;
      };
      errors: GitHubGraphqlError[];
    };
    try {
      result = await client.graphql(PUSHED_REPOSITORIES_QUERY, { org: scope.org, after, since, until });
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      pushesComplete = false;
      errors.push(`the repositories pushed to could not be listed to the end: ${err.message}`);
      break;
    }
    requests.repositories++;
    ctx.stats.pages++;
    noteRate(result.data.rateLimit);
    noteErrors(result.errors);
    const org = result.data.organization;
    if (!org)
      throw new SourceUnavailableError(
        `GitHub organization "${scope.org}" was not found or is not visible to these credentials: check github.org and that the token or App installation covers it`,
      );
    let older = false;
    for (const repo of org.repositories.nodes ?? []) {
      if (!repo) continue;
      if (!repo.pushedAt || repo.pushedAt < window.from) {
        older = true;
        break;
      }
      const ref = repo.defaultBranchRef;
      if (!ref) continue;
      pushed++;
      const history = ref.target?.history;
      if (!history) {
        pushesComplete = false;
        errors.push(`the default-branch history of ${repo.nameWithOwner} could not be read`);
        continue;
      }
      take(repo, ref.name, history);
      if (history.pageInfo.hasNextPage) await moreHistory(repo, ref.name, history.pageInfo.endCursor);
    }
    const info = org.repositories.pageInfo;
    if (older || !info.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
  }

  const mergedPullRequests = [...merged.values()].sort((a, b) =>
    a.mergedAt === b.mergedAt ? (a.id < b.id ? -1 : 1) : a.mergedAt < b.mergedAt ? -1 : 1,
  );
  directPushes.sort((a, b) => (a.id < b.id ? -1 : 1));
  const data: ChangesData = {
    org: scope.org,
    window,
    emergencyLabel: settings.emergencyLabel,
    ticketPattern: settings.ticketPattern ?? null,
    mergedPullRequests,
    pullRequestsComplete,
    directPushes,
    repositoriesPushedTo: pushed,
    pushesComplete,
    rateLimit: rate,
    requests,
  };
  return {
    data,
    items: mergedPullRequests.length + directPushes.length,
    ...(errors.length > 0 && { status: 'partial' as const, errors }),
  };
}

/** Ticket references in a pull request's title, body and branch name. */
export function ticketsIn(texts: readonly string[], pattern: string | undefined): string[] {
  if (!pattern) return [];
  const re = new RegExp(pattern, 'g');
  const found = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(re)) found.add(m[0]);
  return [...found].sort();
}

/** A merged pull request as evidence; null when it was not merged into the default branch. */
export function toPullRequest(node: PullRequestPayload, settings: ChangesSettings): MergedPullRequest | null {
  const defaultBranch = node.repository.defaultBranchRef?.name;
  if (!node.mergedAt || node.baseRefName !== defaultBranch) return null;
  const head = node.commits.nodes?.at(-1)?.commit ?? null;
  const labels = (node.labels?.nodes ?? []).filter((l) => l !== null).map((l) => l.name);
  const reviews = (node.reviews?.nodes ?? [])
    .filter((r) => r !== null)
    .map((r) => ({
      author: r.author?.login ?? null,
      state: r.state,
      submittedAt: r.submittedAt,
      commit: r.commit?.oid ?? null,
    }));
  return {
    id: `${node.repository.nameWithOwner}#${node.number}`,
    repository: node.repository.nameWithOwner,
    number: node.number,
    url: node.url,
    title: node.title,
    author: node.author?.login ?? null,
    mergedBy: node.mergedBy?.login ?? null,
    mergedAt: node.mergedAt,
    mergeCommit: node.mergeCommit?.oid ?? null,
    baseRef: node.baseRefName,
    headRef: node.headRefName,
    head: {
      oid: head?.oid ?? null,
      committedDate: head?.committedDate ?? null,
      statusCheckRollup: head?.statusCheckRollup?.state ?? null,
    },
    reviews,
    reviewsComplete: (node.reviews?.totalCount ?? 0) <= reviews.length,
    labels,
    tickets: ticketsIn([node.title, node.body, node.headRefName], settings.ticketPattern),
    emergency: labels.some((l) => l.toLowerCase() === settings.emergencyLabel.toLowerCase()),
  };
}

export const githubChangesCollector = createGitHubChangesCollector();
export default githubChangesCollector;
