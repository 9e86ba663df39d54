/**
 * github-changes (CC8.1): every change that reached a default branch of the org during the
 * run's window (`data.window`: from the end of the series' last window to the end of the last
 * complete UTC day at the run's scheduled time, shared/collectors/window.ts), one snapshot per
 * org. The windows tile the audit period: a day whose run failed is covered by the next run.
 *
 * - every pull request merged into its repository's default branch in the window: number, URL,
 *   title, author, merged by, merged at, merge commit, the head commit at merge (with its
 *   status-check rollup), every review (author, state, submitted at, commit reviewed), labels
 *   and ticket references matching `github.changes.ticketPattern`;
 * - every commit that reached a default branch in the window without a merged pull request
 *   (a direct push);
 * - a cross-check: every commit of those default-branch histories that GitHub associates with
 *   a pull request merged into the branch in the window must belong to one found, and every
 *   pull request found must have its merge commit there; a mismatch makes the snapshot partial.
 *
 * Requests (GraphQL): the org's repositories by last push, 100 per request, down to the
 * window's start, each with its default branch's history over the window (25 commits, each
 * with its associated pull requests) and its 25 most recently updated merged pull requests
 * (references only); a busier repository gets follow-ups. Then the merged pull requests'
 * details, 100 per request (shared/vendors/github-merged-pull-requests.ts says why this source is complete where
 * the search API is not). Commits are placed in the window by commit date: GitHub's API no
 * longer gives push times.
 */
import { SourceUnavailableError } from '../../errors.js';
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from '../../vendors/github-client.js';
import {
  MERGED_REFS_FIELDS,
  type MergedRefsPayload,
  mergedIdsInWindow,
  PULL_REQUEST_SOURCE,
  pullRequestDetails,
  type RateLimitPayload,
  REFS_PAGE,
  type Tally,
} from '../../vendors/github-merged-pull-requests.js';
import { type GitHubCollectorDeps, gitHubCollector } from '../github/connect.js';
import type { GitHubScope } from '../github/declaration.js';
import type { CollectorContext, CoverageWindow, RunnableCollector } from '../types.js';
import { windowOf } from '../window.js';
import { githubChanges } from './declaration.js';
import type { ChangesSettings } from './settings.js';

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
  /**
   * The period covered: [from, to) in UTC, whole days (`days`; more than 1 when earlier runs
   * failed, 0 when nothing was left to cover), `day` its last day, `after` the snapshot whose
   * window it continues, `note` why.
   */
  window: CoverageWindow;
  emergencyLabel: string;
  ticketPattern: string | null;
  /** How the merged pull requests were obtained. */
  pullRequestSource: string;
  mergedPullRequests: MergedPullRequest[];
  /** False when the pull requests could not be read to the end (errors say why). */
  pullRequestsComplete: boolean;
  directPushes: DirectPush[];
  /** Repositories pushed to since the window's start (their default branch was read). */
  repositoriesPushedTo: number;
  /** False when some repository's default-branch history could not be read. */
  pushesComplete: boolean;
  /**
   * The default branches' commits of the window against the pull requests found: `missing`
   * lists pull requests a commit belongs to (merged into the branch in the window) that were
   * not found; `unmatched` those found whose merge commit is not among the commits read.
   */
  crossCheck: {
    method: string;
    commitsChecked: number;
    pullRequestsChecked: number;
    missing: string[];
    unmatched: string[];
  };
  rateLimit: { cost: number; remaining: number | null; resetAt: string | null };
  requests: { repositories: number; pullRequests: number; details: number; history: number };
}

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

/** The details of merged pull requests, 100 per request. */
export const MERGED_PULL_REQUESTS_QUERY = /* GraphQL */ `
query MergedPullRequests($ids: [ID!]!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) { __typename ...ChangePullRequest }
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
    associatedPullRequests(first: 5) { nodes { number merged mergedAt baseRefName } }
  }
}`;

/**
 * The org's repositories by last push, newest first, each with its default branch's history
 * over the window and its most recently updated merged pull requests: one request per 100
 * repositories.
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
        pullRequests(first: ${REFS_PAGE}, states: [MERGED], orderBy: { field: UPDATED_AT, direction: DESC }) { ...MergedRefs }
      }
    }
  }
}
${HISTORY_FIELDS}
${MERGED_REFS_FIELDS}`;

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
          nodes:
            | ({ number: number; merged: boolean; mergedAt: string | null; baseRefName: string } | null)[]
            | null;
        } | null;
      } | null)[]
    | null;
}
interface PushedRepo {
  id: string;
  nameWithOwner: string;
  pushedAt: string | null;
  defaultBranchRef: { name: string; target: { history?: HistoryPayload } | null } | null;
  pullRequests: MergedRefsPayload | null;
}

export function createGitHubChangesCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, ChangesData, ChangesSettings> {
  return gitHubCollector(githubChanges, deps, collectChanges);
}

async function collectChanges(
  client: GitHubClient,
  scope: GitHubScope,
  ctx: CollectorContext<ChangesSettings>,
) {
  const settings = ctx.settings;
  const window = windowOf(ctx);
  const errors: string[] = [];
  const rate = { cost: 0, remaining: null as number | null, resetAt: null as string | null };
  const requests = { repositories: 0, pullRequests: 0, details: 0, history: 0 };
  const noteRate = (r: RateLimitPayload | null | undefined) => {
    if (!r) return;
    rate.cost += r.cost;
    rate.remaining = r.remaining;
    rate.resetAt = r.resetAt;
  };
  const noteErrors = (list: GitHubGraphqlError[]) => {
    for (const e of list) errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
  };
  const tally: Tally = {
    note(kind, r) {
      requests[kind]++;
      ctx.stats.pages++;
      noteRate(r);
    },
    errors: [],
  };

  const directPushes: DirectPush[] = [];
  // Commits of the window on a default branch that belong to a pull request merged into it in the window.
  const seenMerged = new Map<string, string>();
  const commitsRead = new Set<string>();
  const since = window.from;
  // `until` is inclusive: stop one second before the window's end.
  const until = new Date(Date.parse(window.to) - 1000).toISOString();
  const take = (repo: PushedRepo, branch: string, history: HistoryPayload) => {
    for (const c of history.nodes ?? []) {
      if (!c || c.committedDate < window.from || c.committedDate >= window.to) continue;
      commitsRead.add(`${repo.nameWithOwner}@${c.oid}`);
      const prs = (c.associatedPullRequests?.nodes ?? []).filter((p) => p !== null);
      const into = prs.filter((p) => p.merged && p.baseRefName === branch);
      for (const p of into)
        if (p.mergedAt && p.mergedAt >= window.from && p.mergedAt < window.to)
          seenMerged.set(`${repo.nameWithOwner}#${p.number}`, c.oid);
      if (into.length) continue;
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

  // 1. Repositories pushed to since the window's start, newest push first, each with its
  //    default branch's history over the window and its most recently updated merged pull
  //    requests (one request per 100 repositories); follow-ups for busier ones.
  const mergedIds: string[] = [];
  let pullRequestsComplete = true;
  let pushed = 0;
  let pushesComplete = true;
  let after: string | null = null;
  let first = true;
  while (window.days > 0) {
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
      if (first || !(err instanceof GitHubApiError)) throw err;
      pushesComplete = false;
      pullRequestsComplete = false;
      errors.push(`the repositories pushed to could not be listed to the end: ${err.message}`);
      break;
    }
    first = false;
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
      if (!repo.pullRequests) {
        pullRequestsComplete = false;
        errors.push(`the merged pull requests of ${repo.nameWithOwner} could not be read`);
      } else {
        try {
          mergedIds.push(
            ...(await mergedIdsInWindow(
              client,
              { id: repo.id, defaultBranch: ref.name },
              repo.pullRequests,
              window,
              tally,
            )),
          );
        } catch (err) {
          if (!(err instanceof GitHubApiError)) throw err;
          pullRequestsComplete = false;
          errors.push(`the merged pull requests of ${repo.nameWithOwner} stopped early: ${err.message}`);
        }
      }
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

  // 2. The details of the pull requests merged in the window, 100 per request.
  const merged = new Map<string, MergedPullRequest>();
  try {
    for (const node of await pullRequestDetails<PullRequestPayload>(
      client,
      MERGED_PULL_REQUESTS_QUERY,
      mergedIds,
      tally,
    )) {
      const pr = toPullRequest(node, settings);
      if (pr && pr.mergedAt >= window.from && pr.mergedAt < window.to) merged.set(pr.id, pr);
    }
  } catch (err) {
    if (!(err instanceof GitHubApiError)) throw err;
    pullRequestsComplete = false;
    errors.push(`the merged pull requests' details could not all be read: ${err.message}`);
  }
  for (const list of tally.errors) noteErrors(list);

  // 3. The cross-check: the default branches' commits against the pull requests found.
  const missing = [...seenMerged.keys()].filter((id) => !merged.has(id)).sort();
  const unmatched = pushesComplete
    ? [...merged.values()]
        .filter((p) => p.mergeCommit !== null && !commitsRead.has(`${p.repository}@${p.mergeCommit}`))
        .map((p) => p.id)
        .sort()
    : [];
  if (missing.length)
    errors.push(
      `cross-check: ${missing.length} pull request(s) merged into a default branch in the window, by its commits, were not among those found: ${missing.join(', ')}`,
    );
  if (unmatched.length)
    errors.push(
      `cross-check: ${unmatched.length} pull request(s) found have no merge commit among the default branch's commits of the window: ${unmatched.join(', ')}`,
    );

  const mergedPullRequests = [...merged.values()].sort((a, b) =>
    a.mergedAt === b.mergedAt ? (a.id < b.id ? -1 : 1) : a.mergedAt < b.mergedAt ? -1 : 1,
  );
  directPushes.sort((a, b) => (a.id < b.id ? -1 : 1));
  const data: ChangesData = {
    org: scope.org,
    window,
    emergencyLabel: settings.emergencyLabel,
    ticketPattern: settings.ticketPattern ?? null,
    pullRequestSource: PULL_REQUEST_SOURCE,
    mergedPullRequests,
    pullRequestsComplete,
    directPushes,
    repositoriesPushedTo: pushed,
    pushesComplete,
    crossCheck: {
      method:
        "every commit of the window on the default branches read (those pushed to since the window's start) against the pull requests found: a commit GitHub associates with a pull request merged into the branch in the window must belong to one found; each found must have its merge commit among them",
      commitsChecked: commitsRead.size,
      pullRequestsChecked: merged.size,
      missing,
      unmatched,
    },
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
