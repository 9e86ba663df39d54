/**
 * GitHub client: Octokit (core) with the throttling and retry plugins, authenticated by a
 * token or as a GitHub App installation, pointed at GITHUB_API_URL / GITHUB_GRAPHQL_URL
 * when set (GitHub Enterprise Server, local test servers).
 *
 * Rate limits by design: GraphQL requests go out one at a time (Octokit's default spacing
 * for GraphQL, which GitHub's secondary limits expect); a primary limit waits for the reset
 * when it is near enough, a secondary limit waits Retry-After; 5xx are retried. The waits
 * are scaled by `pacing` so tests and benches need not sleep. Every HTTP attempt is aborted
 * when GitHub has not answered within `requestTimeoutMs` (30 s; retried like a 5xx); a
 * connection not made within Node's fetch's 10 s connect timeout, or refused, is retried the
 * same way and then reported naming the endpoint and the timeout (vendors/http.ts). A redirect
 * is followed only within the origin asked; one to another origin is a GitHubApiError.
 *
 * Secrets: the token or App private key is registered for redaction up front; with App auth,
 * every installation access token (and every refreshed one) is registered the moment GitHub
 * issues it, and every Authorization header value before it is sent.
 */
import { randomUUID } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { optionalEnv } from '../env.js';
import { SourceUnavailableError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { registerSecret } from '../secrets.js';
import { describeNoAnswer, fetchWithinOrigin, RedirectRefusedError } from './http.js';

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string | number; installationId: string | number; privateKey: string };

export interface GitHubPacing {
  /** Milliseconds per second of Retry-After / reset wait (1000 in production, 0 in tests). */
  retryAfterBaseMs?: number;
  /** Minimum spacing between GraphQL requests (Octokit's default is 1000 ms). */
  graphqlMinTimeMs?: number;
}

export interface GitHubClientOptions {
  auth: GitHubAuth;
  apiUrl?: string;
  graphqlUrl?: string;
  pacing?: GitHubPacing;
  logger?: Logger;
  /** Counts every HTTP attempt, retries and App token requests included. */
  onRequest?: () => void;
  /** Longest wait for a primary rate-limit reset before giving up (seconds). */
  maxResetWaitSeconds?: number;
  /** Abort an HTTP attempt GitHub has not answered within this many ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** Retries of a request that failed with a 5xx or got no answer (Octokit's retry plugin). Default 3. */
  maxRetries?: number;
}

const DEFAULT_GITHUB_REQUEST_TIMEOUT_MS = 30_000;

const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** GITHUB_API_URL and GITHUB_GRAPHQL_URL, defaulting to github.com (GHES: /api/v3 → /api/graphql). */
export function githubEndpoints(): { apiUrl: string; graphqlUrl: string } {
  const apiUrl = (optionalEnv('GITHUB_API_URL') ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  const graphqlUrl = optionalEnv('GITHUB_GRAPHQL_URL') ?? defaultGraphqlUrl(apiUrl);
  return { apiUrl, graphqlUrl };
}

export function defaultGraphqlUrl(apiUrl: string): string {
  if (/\/api\/v3\/?$/.test(apiUrl)) return apiUrl.replace(/\/api\/v3\/?$/, '/api/graphql');
  return `${apiUrl.replace(/\/+$/, '')}/graphql`;
}

/** One GraphQL error as GitHub reports it. */
export interface GitHubGraphqlError {
  type?: string;
  message: string;
  path?: (string | number)[];
}

export interface GraphqlResult<T> {
  data: T;
  /** Errors that came with (partial) data, e.g. FORBIDDEN on one repository's field. */
  errors: GitHubGraphqlError[];
}

/** GitHub answered in a way that is neither data nor a credential problem (after retries). */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
}

/** GitHub did not answer a request in time (after retries). */
export class GitHubTimeoutError extends GitHubApiError {
  override name = 'GitHubTimeoutError';
}

/** The primary rate limit is spent and its reset is too far away to wait for. */
export class GitHubRateLimitError extends GitHubApiError {
  override name = 'GitHubRateLimitError';
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);

/** One page of a REST list and the cursor of the next (from the Link header's rel="next"). */
export interface RestPage<T> {
  items: T[];
  /** The `after` cursor of the next page; undefined on the last page. */
  next: string | undefined;
  /** The REST (core) rate limit left after this request, from x-ratelimit-remaining; null when not sent. */
  remaining: number | null;
}

export interface GitHubClient {
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResult<T>>;
  /**
   * One page of a REST list that pages by cursor (`GET /orgs/{org}/dependabot/alerts`, ...).
   * `access` names the permission the endpoint needs, for the 403/404 message. A body that is
   * no JSON array (an HTML page, an object) is a GitHubApiError, never an empty list.
   */
  restList<T>(route: string, params: Record<string, unknown>, access?: string): Promise<RestPage<T>>;
  readonly stats: { requests: number; rateLimited: number; secondaryLimited: number; timeouts: number };
  readonly apiUrl: string;
  readonly graphqlUrl: string;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const logger = options.logger ?? silentLogger;
  const endpoints = githubEndpoints();
  const apiUrl = options.apiUrl ?? endpoints.apiUrl;
  const graphqlUrl =
    options.graphqlUrl ?? (options.apiUrl ? defaultGraphqlUrl(apiUrl) : endpoints.graphqlUrl);
  const stats = { requests: 0, rateLimited: 0, secondaryLimited: 0, timeouts: 0 };
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_GITHUB_REQUEST_TIMEOUT_MS;
  const maxResetWait = options.maxResetWaitSeconds ?? 600;
  const baseMs = options.pacing?.retryAfterBaseMs;
  // What the GraphQL endpoint last answered, to describe an answer that is no GraphQL response.
  let lastGraphqlAnswer: { status: number; contentType: string | null } | undefined;

  // Every HTTP attempt (retries and App token requests included) goes through here: count it,
  // register the credential it carries and any installation token it returns, bound its time.
  const countingFetch: typeof fetch = async (input, init) => {
    stats.requests++;
    options.onRequest?.();
    registerAuthorization(new Headers(init?.headers).get('authorization'));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetchWithinOrigin('GitHub', fetch, requestUrl(input), { ...init, signal });
    } catch (err) {
      // Octokit's own abort: not ours to describe.
      if (init?.signal?.aborted) throw err;
      if (err instanceof RedirectRefusedError)
        throw new Error(`${REDIRECT_MESSAGE} ${err.message}`, { cause: err });
      // @octokit/request turns these into a RequestError (status 500, retried) with this message.
      if (timeout.aborted) {
        stats.timeouts++;
        throw new Error(`${TIMEOUT_MESSAGE} ${timeoutMs} ms`, { cause: err });
      }
      throw new Error(
        `${NO_ANSWER_MESSAGE} ${describeNoAnswer(err, requestUrl(input), { requestTimeoutMs: timeoutMs, timedOut: false })}`,
        { cause: err },
      );
    }
    if (requestUrl(input) === graphqlUrl)
      lastGraphqlAnswer = { status: response.status, contentType: response.headers.get('content-type') };
    if (response.ok && /\/app\/installations\/[^/]+\/access_tokens$/.test(requestUrl(input))) {
      const issued = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { token?: unknown };
      if (typeof issued.token === 'string') registerSecret(issued.token);
    }
    return response;
  };

  const auth = options.auth;
  if (auth.kind === 'token') registerSecret(auth.token);
  else registerSecret(auth.privateKey);

  const octokit = new ThrottledOctokit({
    baseUrl: apiUrl,
    request: { fetch: countingFetch },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn('github client', { detail: message }),
      error: (message: string) => logger.error('github client', { detail: message }),
    },
    ...(auth.kind === 'token'
      ? { auth: auth.token }
      : {
          authStrategy: createAppAuth,
          auth: { appId: auth.appId, installationId: auth.installationId, privateKey: auth.privateKey },
        }),
    throttle: {
      id: randomUUID(),
      ...(baseMs !== undefined ? { retryAfterBaseValue: baseMs } : {}),
      ...(options.pacing?.graphqlMinTimeMs !== undefined
        ? { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.pacing.graphqlMinTimeMs }) }
        : {}),
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
        stats.rateLimited++;
        logger.warn('github rate limit reached', { retryAfterSeconds: retryAfter, retryCount });
        return retryCount < 2 && retryAfter <= maxResetWait;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        stats.secondaryLimited++;
        logger.warn('github secondary rate limit', { retryAfterSeconds: retryAfter, retryCount });
        return retryCount < 3;
      },
    },
    retry: {
      ...(baseMs !== undefined ? { retryAfterBaseValue: baseMs } : {}),
      ...(options.maxRetries !== undefined ? { retries: options.maxRetries } : {}),
    },
  });

  return {
    stats,
    apiUrl,
    graphqlUrl,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
      try {
        lastGraphqlAnswer = undefined;
        const data = await octokit.graphql<T>({ query, url: graphqlUrl, ...variables });
        // An HTML page (a proxy, a login portal) or JSON without `data`: Octokit returns undefined.
        if (!isObject(data)) throw notGraphql(graphqlUrl, lastGraphqlAnswer);
        return { data, errors: [] };
      } catch (err) {
        if (err instanceof GitHubApiError) throw err;
        const e = err as { name?: string; status?: number; data?: unknown; errors?: GitHubGraphqlError[] };
        if (e.name === 'GraphqlResponseError' && e.data != null)
          return { data: e.data as T, errors: e.errors ?? [] };
        // JSON that is no object (null, a number): Octokit fails reading `.errors` off it.
        if (err instanceof TypeError && e.status === undefined && lastGraphqlAnswer?.status === 200)
          throw notGraphql(graphqlUrl, lastGraphqlAnswer, err);
        throw classify(err, auth, graphqlUrl, timeoutMs);
      }
    },
    async restList<T>(route: string, params: Record<string, unknown>, access?: string) {
      const url = `${apiUrl}${route.replace(/^[A-Z]+ /, '')}`;
      let response: { data: unknown; headers: Record<string, string | number | undefined> };
      try {
        response = await octokit.request(route, params);
      } catch (err) {
        if (err instanceof GitHubApiError) throw err;
        throw classify(err, auth, url, timeoutMs, access);
      }
      if (!Array.isArray(response.data))
        throw new GitHubApiError(
          `GitHub answered ${url} with no JSON list (${response.headers['content-type'] ?? 'no content type'}): a proxy or login page may stand in the way, or GITHUB_API_URL points elsewhere than GitHub's API`,
        );
      const remaining = Number(response.headers['x-ratelimit-remaining']);
      return {
        items: response.data as T[],
        next: nextCursor(String(response.headers.link ?? '')),
        remaining:
          response.headers['x-ratelimit-remaining'] === undefined || Number.isNaN(remaining)
            ? null
            : remaining,
      };
    },
  };
}

/** The `after` cursor of a Link header's rel="next" URL (GitHub's cursor pagination); undefined when there is none. */
export function nextCursor(link: string): string | undefined {
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (!m?.[1]) continue;
    try {
      return new URL(m[1]).searchParams.get('after') ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Turn an Octokit error into one that names the problem and the fix. */
function classify(
  err: unknown,
  auth: GitHubAuth,
  url: string,
  timeoutMs: number,
  access = "read access to the organization's repositories, their administration settings (branch protection) and the organization (classic token: repo, read:org; GitHub App: Administration read, Metadata read, Organization administration read)",
): Error {
  const e = err as {
    name?: string;
    status?: number;
    message?: string;
    response?: { data?: { message?: string }; headers?: Record<string, string | undefined> };
  };
  const who =
    auth.kind === 'token'
      ? 'GITHUB_TOKEN'
      : `the GitHub App ${auth.appId} (installation ${auth.installationId})`;
  // GitHub's own error message; never the body itself (an HTML page, or text that may echo a credential).
  const detail = e.response
    ? typeof e.response.data?.message === 'string'
      ? e.response.data.message
      : `(an answer that is no GitHub error, ${e.response.headers?.['content-type'] ?? 'no content type'})`
    : (e.message ?? String(err));
  if (e.message?.startsWith(TIMEOUT_MESSAGE)) {
    return new GitHubTimeoutError(
      `GitHub did not answer within ${timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`} (request timeout, after retries) at ${url}: GitHub may be degraded (https://www.githubstatus.com) or a proxy is holding the connection; the next scheduled run will collect again`,
      { cause: err },
    );
  }
  if (e.message?.startsWith(REDIRECT_MESSAGE)) {
    return new GitHubApiError(e.message.slice(REDIRECT_MESSAGE.length + 1), { cause: err });
  }
  if (e.message?.startsWith(NO_ANSWER_MESSAGE)) {
    return new SourceUnavailableError(
      `cannot reach GitHub: ${e.message.slice(NO_ANSWER_MESSAGE.length + 1)}, after retries; check GITHUB_API_URL / GITHUB_GRAPHQL_URL (or github.com's status) and the network`,
      { cause: err },
    );
  }
  if (e.message === 'GraphQL Rate Limit Exceeded' || e.response?.headers?.['x-ratelimit-remaining'] === '0') {
    const reset = Number(e.response?.headers?.['x-ratelimit-reset']);
    return new GitHubRateLimitError(
      `GitHub's rate limit for ${who} is spent${reset ? ` until ${new Date(reset * 1000).toISOString()}` : ''}; the next scheduled run will collect again (or use a GitHub App, whose limit is higher)`,
      { cause: err },
    );
  }
  if (e.status === 401) {
    return new SourceUnavailableError(
      auth.kind === 'token'
        ? `GitHub refused the token (401 ${detail}): GITHUB_TOKEN is invalid, expired or revoked; create a token with read access to the organization's repositories and administration (classic: repo, read:org) and set GITHUB_TOKEN`
        : `GitHub refused ${who} (401 ${detail}): check github.appId, github.installationId and GITHUB_APP_PRIVATE_KEY`,
      { cause: err },
    );
  }
  if (e.status === 403 || e.status === 404) {
    return new SourceUnavailableError(`GitHub denied ${who} (${e.status} ${detail}): it needs ${access}`, {
      cause: err,
    });
  }
  if (e.status === undefined && e.name !== 'HttpError') {
    return new SourceUnavailableError(`cannot reach GitHub at ${url}: ${detail}`, { cause: err });
  }
  return new GitHubApiError(`GitHub answered ${e.status ?? ''} ${detail} for ${url}`, { cause: err });
}

/** An answer of the GraphQL endpoint that is no GraphQL response: named by its status and type, never quoted. */
function notGraphql(
  url: string,
  answer: { status: number; contentType: string | null } | undefined,
  cause?: unknown,
): GitHubApiError {
  const what = answer
    ? `HTTP ${answer.status}, ${answer.contentType ?? 'no content type'}`
    : 'no answer recorded';
  return new GitHubApiError(
    `GitHub answered ${url} with no GraphQL response (${what}): a proxy or login page may stand in the way, or GITHUB_API_URL / GITHUB_GRAPHQL_URL point elsewhere than GitHub's API`,
    ...(cause ? [{ cause }] : []),
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TIMEOUT_MESSAGE = 'GitHub request timeout: no answer within';
const NO_ANSWER_MESSAGE = 'GitHub request failed:';
const REDIRECT_MESSAGE = 'GitHub request redirected:';

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/** "token ghs_…" / "bearer <jwt>": the credential part is a secret from now on. */
function registerAuthorization(header: string | null): void {
  if (!header) return;
  registerSecret(header.replace(/^(token|bearer|basic)\s+/i, ''));
}
