/**
 * How the GitHub collectors (github, github-changes, change-records) reach GitHub: credentials
 * from the environment (a token, or a GitHub App's private key), one client per collection
 * with its requests counted. Implementation only: declarations never import it.
 */
import type { Config } from '../../config.js';
import { secretEnv } from '../../env.js';
import { SourceUnavailableError } from '../../errors.js';
import {
  createGitHubClient,
  type GitHubAuth,
  type GitHubClient,
  type GitHubPacing,
} from '../../vendors/github-client.js';
import type {
  Collector,
  CollectorContext,
  CollectResult,
  Identity,
  RunnableCollector,
  Scope,
} from '../types.js';
import type { GitHubScope } from './declaration.js';

export interface GitHubCollectorDeps {
  pacing?: GitHubPacing;
  auth?: (config: NonNullable<Config['github']>) => GitHubAuth;
  apiUrl?: string;
  graphqlUrl?: string;
  /** Per-request timeout (ms); default 30 s. */
  requestTimeoutMs?: number;
}

export function githubAuthFromEnv(github: NonNullable<Config['github']>): GitHubAuth {
  if (github.appId !== undefined || github.installationId !== undefined) {
    const privateKey = secretEnv('GITHUB_APP_PRIVATE_KEY');
    if (github.appId === undefined || github.installationId === undefined || !privateKey)
      throw new SourceUnavailableError(
        'GitHub App authentication needs github.appId, github.installationId and the App private key in GITHUB_APP_PRIVATE_KEY (PEM); set all three, or remove appId/installationId to use GITHUB_TOKEN',
      );
    return { kind: 'app', appId: github.appId, installationId: github.installationId, privateKey };
  }
  const token = secretEnv('GITHUB_TOKEN');
  if (!token)
    throw new SourceUnavailableError(
      'GITHUB_TOKEN is not set: create a token that can read the organization (classic: repo, read:org; fine-grained: Administration and Metadata read on all repositories) and export it, or configure a GitHub App with github.appId and github.installationId',
    );
  return { kind: 'token', token };
}

/** A GitHub client for one collection: credentials from the environment (or deps), requests counted. */
export function openGitHubClient(
  deps: GitHubCollectorDeps,
  github: NonNullable<Config['github']>,
  ctx: Pick<CollectorContext<unknown>, 'logger' | 'stats'>,
): GitHubClient {
  return createGitHubClient({
    auth: (deps.auth ?? githubAuthFromEnv)(github),
    logger: ctx.logger,
    onRequest: () => ctx.stats.requests++,
    ...(deps.pacing ? { pacing: deps.pacing } : {}),
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    ...(deps.graphqlUrl ? { graphqlUrl: deps.graphqlUrl } : {}),
    ...(deps.requestTimeoutMs !== undefined ? { requestTimeoutMs: deps.requestTimeoutMs } : {}),
  });
}

/**
 * A GitHub collector from its declaration and its collection over one client: every GitHub
 * collector needs the `github` section, opens one counted client per collection and records the
 * same `collectedBy`.
 */
export function gitHubCollector<D, T>(
  declaration: Collector<GitHubScope, D, T>,
  deps: GitHubCollectorDeps,
  collect: (client: GitHubClient, scope: GitHubScope, ctx: CollectorContext<T>) => Promise<CollectResult<D>>,
): RunnableCollector<GitHubScope, D, T> {
  return {
    ...declaration,
    identify: githubIdentity(deps),
    async collect(scope, ctx) {
      const github = ctx.config.github;
      if (!github) throw new SourceUnavailableError('the configuration has no "github" section');
      return collect(openGitHubClient(deps, github, ctx), scope, ctx);
    },
  };
}

/**
 * Who a GitHub collector collects as (`collectedBy`): the App id and installation when the App
 * authenticates (known without a call), otherwise the token owner's login (one GraphQL
 * `viewer { login }`, a single rate-limit point).
 */
export function githubIdentity(deps: GitHubCollectorDeps) {
  return (_scope: Scope, ctx: CollectorContext<unknown>): Identity => {
    const github = ctx.config.github;
    if (!github) throw new SourceUnavailableError('the configuration has no "github" section');
    const auth = (deps.auth ?? githubAuthFromEnv)(github);
    if (auth.kind === 'app') {
      return {
        key: `app ${auth.appId}|${auth.installationId}`,
        method: 'github.appId (the GitHub App of the configuration)',
        resolve: async () => `GitHub App ${auth.appId} (installation ${auth.installationId})`,
      };
    }
    return {
      key: `${deps.apiUrl ?? 'default'}|token`,
      method: 'GraphQL viewer { login } (the token owner)',
      async resolve() {
        const client = openGitHubClient(deps, github, {
          logger: ctx.logger,
          stats: { requests: 0, pages: 0 },
        });
        const answer = await client.graphql<{ viewer?: { login?: unknown } | null }>(
          'query { viewer { login } }',
        );
        const login = answer.data.viewer?.login;
        if (typeof login !== 'string') throw new Error('GitHub answered viewer { login } without a login');
        return login;
      },
    };
  };
}

/** Pages of one connection at most: past this, the list is recorded as incomplete. */
const MAX_PAGES = 5_000;

/**
 * Guards a cursor loop: `stop(cursor)` says why to stop (a cursor already followed, or too
 * many pages, or no cursor), or undefined to go on. A GitHub that repeats an endCursor would
 * otherwise be asked for the same page forever.
 */
export function cursorGuard(what: string): { stop(cursor: string): string | undefined } {
  const seen = new Set<string>();
  return {
    stop(cursor) {
      if (!cursor) return `GitHub reported more ${what} but gave no cursor to continue`;
      if (seen.has(cursor))
        return `GitHub's endCursor for ${what} repeats one already followed; stopped after ${seen.size} page(s) instead of looping`;
      if (seen.size >= MAX_PAGES) return `${what} go on past ${MAX_PAGES} pages; stopped there`;
      seen.add(cursor);
      return undefined;
    },
  };
}
