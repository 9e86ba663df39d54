/**
 * change-records (CC8.1), on when `github.changes.records` names a repository and a path:
 * every change record kept there as a YAML or JSON file (one per change, in the shape of the
 * emergency-change record of the source documents: change_id, type, reason, incident_link,
 * requester / approver / deployer / verifier, approval, ci_result, smoke_test, rollback_plan,
 * abort_criteria, post_implementation_review, compensating_review), read daily at the
 * configured ref (default: the default branch). A file that does not parse, or is not such a
 * record, is kept by path with the reason and its text: never dropped.
 *
 * Besides the records, the pull requests merged during the run's window with the emergency
 * label (`github.changes.emergencyLabel`), with the record ids each one mentions, so the
 * emergency-change gate judges both from one snapshot. The window is planned by the runner
 * like github-changes' (shared/collectors/window.ts: the windows tile the audit period), and
 * the pull requests come from the same complete source (each pushed-to repository's pull
 * requests by update time, shared/vendors/github-merged-pull-requests.ts), not the lagging search.
 *
 * Requests (GraphQL): 1 for the directory with every file's text, 1 per 100 repositories
 * pushed to since the window's start (with their latest merged pull requests), follow-ups for
 * busier ones, and 1 per 100 pull requests merged in the window.
 */
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { SourceUnavailableError } from '../../errors.js';
import { GitHubApiError, type GitHubClient, type GitHubGraphqlError } from '../../vendors/github-client.js';
import {
  MERGED_REFS_FIELDS,
  type MergedRefsPayload,
  mergedIdsInWindow,
  pullRequestDetails,
  type RateLimitPayload,
  REFS_PAGE,
  type Tally,
} from '../../vendors/github-merged-pull-requests.js';
import { type GitHubCollectorDeps, gitHubCollector } from '../github/connect.js';
import type { GitHubScope } from '../github/declaration.js';
import type { ChangesSettings } from '../github-changes/settings.js';
import type { CollectorContext, CoverageWindow, RunnableCollector } from '../types.js';
import { windowOf } from '../window.js';
import { changeRecords } from './declaration.js';

const text = z.string().nullable().optional();
const stringy = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => String(v))
  .nullable()
  .optional();

/** One change record as kept in the repository. Unknown keys are kept as they are. */
export const ChangeRecordSchema = z
  .object({
    change_id: z.union([z.string().min(1), z.number()]).transform((v) => String(v)),
    type: z.string().min(1),
    production_deployment: z.boolean().nullable().optional(),
    /** Not in the source document's shape, but honoured when present: when it reached production. */
    deployed_at: text,
    reason: text,
    incident_link: text,
    requester: text,
    approver: text,
    deployer: text,
    verifier: text,
    approval: z
      .looseObject({
        status: text,
        retroactive_approval_due: text,
        retroactive_approval_completed: text,
        /** Where the approval is recorded (a ticket, a CAB minute, a chat message link). */
        evidence: text,
      })
      .nullable()
      .optional(),
    ci_result: stringy,
    smoke_test: stringy,
    rollback_plan: text,
    abort_criteria: text,
    post_implementation_review: z.looseObject({ reviewer: text, completed_at: text }).nullable().optional(),
    compensating_review: z
      .union([z.string(), z.looseObject({ reviewer: text, completed_at: text })])
      .nullable()
      .optional(),
  })
  .loose();

export type ChangeRecord = z.infer<typeof ChangeRecordSchema>;

export interface RecordFile {
  /** Path in the repository. */
  path: string;
  /** Git blob id: pins the exact bytes. */
  blob: string;
  record: ChangeRecord;
}

export interface MalformedRecord {
  path: string;
  blob: string | null;
  error: string;
  /** The file's text as read (up to 64 KiB), so nothing is lost. */
  text: string | null;
}

export interface EmergencyPullRequest {
  /** `owner/repo#number` */
  id: string;
  url: string;
  title: string;
  author: string | null;
  mergedBy: string | null;
  mergedAt: string;
  /** Ids of records in this snapshot that the title, body or branch name mention. */
  linkedRecords: string[];
}

export interface ChangeRecordsData {
  org: string;
  source: { repository: string; path: string; ref: string; commit: string | null };
  /** The period whose emergency pull requests are listed (shared/collectors/window.ts). */
  window: CoverageWindow;
  emergencyLabel: string;
  emergencySlaHours: number;
  reviewWindowHours: number;
  records: RecordFile[];
  malformed: MalformedRecord[];
  /** Files in the path that are not YAML or JSON (README.md, ...), not read. */
  ignored: string[];
  emergencyPullRequests: EmergencyPullRequest[];
  /** False when the emergency pull requests could not all be read. */
  pullRequestsComplete: boolean;
}

export const RECORDS_QUERY = /* GraphQL */ `
query ChangeRecords($owner: String!, $name: String!, $tree: String!, $commit: String!) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    nameWithOwner
    commit: object(expression: $commit) { oid }
    tree: object(expression: $tree) {
      __typename
      ... on Tree {
        entries {
          name
          path
          type
          object { ... on Blob { oid byteSize isBinary isTruncated text } }
        }
      }
    }
  }
}`;

/** The org's repositories by last push, with their most recently updated merged pull requests. */
export const REPOSITORY_PULL_REQUESTS_QUERY = /* GraphQL */ `
query RepositoryPullRequests($org: String!, $after: String) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    repositories(first: 100, after: $after, isArchived: false, ownerAffiliations: [OWNER], orderBy: { field: PUSHED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        nameWithOwner
        pushedAt
        defaultBranchRef { name }
        pullRequests(first: ${REFS_PAGE}, states: [MERGED], orderBy: { field: UPDATED_AT, direction: DESC }) { ...MergedRefs }
      }
    }
  }
}
${MERGED_REFS_FIELDS}`;

/** What the gate needs of each pull request merged in the window, 100 per request. */
export const EMERGENCY_PULL_REQUESTS_QUERY = /* GraphQL */ `
query EmergencyPullRequests($ids: [ID!]!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) {
    ... on PullRequest {
      number url title body headRefName baseRefName mergedAt
      author { login }
      mergedBy { login }
      repository { nameWithOwner defaultBranchRef { name } }
      labels(first: 50) { nodes { name } }
    }
  }
}`;

const MAX_TEXT = 64 * 1024;

interface TreeEntryPayload {
  name: string;
  path: string | null;
  type: string;
  object: {
    oid?: string;
    byteSize?: number;
    isBinary?: boolean | null;
    isTruncated?: boolean;
    text?: string | null;
  } | null;
}

interface RecordsPage {
  repository: {
    nameWithOwner: string;
    commit: { oid: string } | null;
    tree: { __typename: string; entries?: TreeEntryPayload[] | null } | null;
  } | null;
}

interface EmergencyNode {
  number?: number;
  url?: string;
  title?: string;
  body?: string;
  headRefName?: string;
  baseRefName?: string;
  mergedAt?: string | null;
  author?: { login: string } | null;
  mergedBy?: { login: string } | null;
  repository?: { nameWithOwner: string; defaultBranchRef: { name: string } | null };
  labels?: { nodes: ({ name: string } | null)[] | null } | null;
}

interface RepositoryPage {
  rateLimit: RateLimitPayload | null;
  organization: {
    repositories: {
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes:
        | ({
            id: string;
            nameWithOwner: string;
            pushedAt: string | null;
            defaultBranchRef: { name: string } | null;
            pullRequests: MergedRefsPayload | null;
          } | null)[]
        | null;
    };
  } | null;
}

/** Parse one record file: YAML or JSON by extension; a reason when it is not a record. */
export function parseRecordFile(path: string, content: string): { record: ChangeRecord } | { error: string } {
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(content) : parseYaml(content);
  } catch (err) {
    return {
      error: `does not parse as ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  const result = ChangeRecordSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
    return { error: `is not a change record: ${issues.join('; ')}` };
  }
  return { record: result.data };
}

export function createChangeRecordsCollector(
  deps: GitHubCollectorDeps = {},
): RunnableCollector<GitHubScope, ChangeRecordsData, ChangesSettings> {
  return gitHubCollector(changeRecords, deps, collectRecords);
}

async function collectRecords(
  client: GitHubClient,
  scope: GitHubScope,
  ctx: CollectorContext<ChangesSettings>,
) {
  const settings = ctx.settings;
  const where = settings.records;
  if (!where) throw new SourceUnavailableError('github.changes.records is not configured');
  const [owner, name] = where.repository.includes('/')
    ? where.repository.split('/')
    : [scope.org, where.repository];
  const ref = where.ref ?? 'HEAD';
  const dir = where.path.replace(/^\/+|\/+$/g, '');
  const errors: string[] = [];
  const noteErrors = (list: GitHubGraphqlError[]) => {
    for (const e of list) errors.push(`${e.type ?? 'ERROR'} at ${(e.path ?? []).join('.')}: ${e.message}`);
  };

  const page = await client.graphql<RecordsPage>(RECORDS_QUERY, {
    owner,
    name,
    tree: `${ref}:${dir}`,
    commit: ref,
  });
  ctx.stats.pages++;
  noteErrors(page.errors);
  const repo = page.data.repository;
  if (!repo)
    throw new SourceUnavailableError(
      `the change-record repository ${owner}/${name} was not found or is not visible to these credentials: check github.changes.records.repository and that the token or App covers it (Contents: read)`,
    );
  if (repo.tree?.__typename !== 'Tree')
    throw new SourceUnavailableError(
      `${owner}/${name} has no directory "${dir}" at ${ref}: check github.changes.records.path${where.ref ? ' and .ref' : ''}`,
    );

  const records: RecordFile[] = [];
  const malformed: MalformedRecord[] = [];
  const ignored: string[] = [];
  for (const entry of repo.tree.entries ?? []) {
    const path = entry.path ?? `${dir}/${entry.name}`;
    if (entry.type !== 'blob' || !/\.(ya?ml|json)$/i.test(entry.name)) {
      ignored.push(path);
      continue;
    }
    const blob = entry.object;
    const content = blob?.text ?? null;
    if (content === null || blob?.isTruncated || blob?.isBinary) {
      malformed.push({
        path,
        blob: blob?.oid ?? null,
        error: blob?.isBinary
          ? 'is binary'
          : blob?.isTruncated
            ? `is too large to read (${blob.byteSize} bytes)`
            : 'has no readable text',
        text: content === null ? null : content.slice(0, MAX_TEXT),
      });
      continue;
    }
    const parsed = parseRecordFile(path, content);
    if ('error' in parsed)
      malformed.push({
        path,
        blob: blob?.oid ?? null,
        error: parsed.error,
        text: content.slice(0, MAX_TEXT),
      });
    else records.push({ path, blob: blob?.oid ?? '', record: parsed.record });
  }
  records.sort((a, b) => (a.path < b.path ? -1 : 1));
  malformed.sort((a, b) => (a.path < b.path ? -1 : 1));
  const ids = new Set<string>();
  for (const r of records) {
    const id = r.record.change_id;
    if (ids.has(id)) errors.push(`change_id ${id} appears in more than one file`);
    ids.add(id);
  }

  const window = windowOf(ctx);
  const emergency: EmergencyPullRequest[] = [];
  let pullRequestsComplete = true;
  const tally: Tally = {
    note() {
      ctx.stats.pages++;
    },
    errors: [],
  };
  const prIds: string[] = [];
  let after: string | null = null;
  while (window.days > 0) {
    let result: { data: RepositoryPage; errors: GitHubGraphqlError[] };
    try {
      result = await client.graphql<RepositoryPage>(REPOSITORY_PULL_REQUESTS_QUERY, {
        org: scope.org,
        after,
      });
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      pullRequestsComplete = false;
      errors.push(`the repositories pushed to in the window could not be listed to the end: ${err.message}`);
      break;
    }
    ctx.stats.pages++;
    noteErrors(result.errors);
    const org = result.data.organization;
    if (!org)
      throw new SourceUnavailableError(
        `GitHub organization "${scope.org}" was not found or is not visible to these credentials: check github.org`,
      );
    let older = false;
    for (const repo of org.repositories.nodes ?? []) {
      if (!repo) continue;
      if (!repo.pushedAt || repo.pushedAt < window.from) {
        older = true;
        break;
      }
      if (!repo.defaultBranchRef) continue;
      if (!repo.pullRequests) {
        pullRequestsComplete = false;
        errors.push(`the merged pull requests of ${repo.nameWithOwner} could not be read`);
        continue;
      }
      try {
        prIds.push(
          ...(await mergedIdsInWindow(
            client,
            { id: repo.id, defaultBranch: repo.defaultBranchRef.name },
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
    const info = org.repositories.pageInfo;
    if (older || !info.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
  }
  let nodes: EmergencyNode[] = [];
  try {
    nodes = await pullRequestDetails<EmergencyNode>(client, EMERGENCY_PULL_REQUESTS_QUERY, prIds, tally);
  } catch (err) {
    if (!(err instanceof GitHubApiError)) throw err;
    pullRequestsComplete = false;
    errors.push(`the pull requests merged in the window could not all be read: ${err.message}`);
  }
  for (const list of tally.errors) noteErrors(list);
  const label = settings.emergencyLabel.toLowerCase();
  for (const n of nodes) {
    if (!n?.mergedAt || !n.repository || n.baseRefName !== n.repository.defaultBranchRef?.name) continue;
    if (!(n.labels?.nodes ?? []).some((l) => l?.name.toLowerCase() === label)) continue;
    emergency.push({
      id: `${n.repository.nameWithOwner}#${n.number}`,
      url: n.url ?? '',
      title: n.title ?? '',
      author: n.author?.login ?? null,
      mergedBy: n.mergedBy?.login ?? null,
      mergedAt: n.mergedAt,
      linkedRecords: linkedRecordIds([n.title ?? '', n.body ?? '', n.headRefName ?? ''], ids),
    });
  }

  const data: ChangeRecordsData = {
    org: scope.org,
    source: { repository: repo.nameWithOwner, path: dir, ref, commit: repo.commit?.oid ?? null },
    window,
    emergencyLabel: settings.emergencyLabel,
    emergencySlaHours: settings.emergencySlaHours,
    reviewWindowHours: settings.reviewWindowHours,
    records,
    malformed,
    ignored,
    emergencyPullRequests: emergency.sort((a, b) => (a.id < b.id ? -1 : 1)),
    pullRequestsComplete,
  };
  return {
    data,
    items: records.length + malformed.length,
    ...(errors.length > 0 && { status: 'partial' as const, errors }),
  };
}

/**
 * The record ids (of those that exist) that a pull request's title, body or branch name
 * mentions, each as a whole token: a change's linked records, for the gate and the population.
 */
export function linkedRecordIds(texts: readonly string[], ids: Iterable<string>): string[] {
  const said = texts.join('\n').toLowerCase();
  return [...new Set(ids)].filter((id) => mentions(said, id.toLowerCase())).sort();
}

/** `text` mentions `id` as a whole token (not as part of a longer id). */
function mentions(text: string, id: string): boolean {
  let from = 0;
  for (;;) {
    const i = text.indexOf(id, from);
    if (i < 0) return false;
    const before = text[i - 1];
    const after = text[i + id.length];
    if (!(before && /[\w-]/.test(before)) && !(after && /[\w]/.test(after))) return true;
    from = i + 1;
  }
}

export const changeRecordsCollector = createChangeRecordsCollector();
export default changeRecordsCollector;
