/**
 * A local GitHub on 127.0.0.1 (plain node:http) that executes real GraphQL against
 * GitHub's published schema (@octokit/graphql-schema, built with graphql-js), so every
 * query the collector sends is validated by construction. Used by tests, the bench and
 * the demo. Stable API:
 *
 *   const org = makeGitHubOrg({ login: 'example', repos: 250, archived: 3 });
 *   const server = await startGitHubServer(org, { tokens: ['...'], inject: {...} });
 *   server.url           // REST base: set GITHUB_API_URL to it
 *   server.graphqlUrl    // `${url}/graphql`: GITHUB_GRAPHQL_URL
 *   server.stats         // { requests, graphql, rateLimited, secondaryLimited, serverErrors, unauthorized, pointsUsed, tokenRequests }
 *   await server.stop();
 *
 * Behaviour:
 * - POST /graphql: schema validation (400-style `errors` for an invalid query), GitHub's
 *   connection rules (`first`/`last` required, at most 100), opaque cursors,
 *   `rateLimit { cost remaining resetAt limit used nodeCount }` with the cost computed from
 *   the query as GitHub documents it (requests needed per connection / 100, at least 1),
 *   x-ratelimit-* headers, RATE_LIMITED once the points are spent, NOT_FOUND for an unknown org.
 * - `Ref.rules` returns the rules of every ruleset targeting the branch whose enforcement
 *   is ACTIVE or EVALUATE (DISABLED ones are left out), org rulesets first. Each rule's
 *   `repositoryRuleset` has `bypassActors` from the fixture; `node(id:)` / `nodes(ids:)`
 *   resolve refs and rulesets by id.
 * - POST /app/installations/{id}/access_tokens: GitHub App JWT (RS256) verified against the
 *   registered public key; answers an installation token.
 * - Auth: `Authorization: token|bearer <t>`; unknown → 401 "Bad credentials".
 * - `inject.secondaryLimitAtRequest: [n]` answers the n-th GraphQL request 403 "secondary
 *   rate limit" with Retry-After; `inject.status5xxAtRequest: [n]` answers it 502;
 *   `inject.noAnswerFromRequest: n` never answers the n-th GraphQL request or any later one
 *   (the connection stays open until the client gives up or the server stops).
 * - `stats.issuedTokens`: every installation access token the server handed out.
 * - Changes (CC8.1): a repository's `pullRequests` (merged or not, with commits, reviews on a
 *   commit, labels) and `commits` (the default branch's history, newest first) feed
 *   `search(type: ISSUE)` (qualifiers `org:`, `repo:`, `is:pr`, `is:merged`, `merged:A..B`,
 *   `label:`; at most 1,000 results as on GitHub; `searchLagSeconds` makes the index lag the
 *   server's clock), `Repository.pullRequests(states:, orderBy: {field: UPDATED_AT|CREATED_AT})`
 *   with `PullRequest.updatedAt`, `nodes(ids:)` on pull requests, `Commit.history(since:, until:)`,
 *   `Commit.associatedPullRequests`, `Repository.pushedAt` with
 *   `repositories(orderBy: {field: PUSHED_AT})`, and `nodes(ids:)` on repositories. A
 *   repository's `files` answer `object(expression: "<ref>:<path>")` as Tree/Blob.
 * - Access (CC6.1, CC6.2): `membersWithRole` (edges with `role` and `hasTwoFactorEnabled`),
 *   `samlIdentityProvider.externalIdentities` (`samlIdentity.nameId`, linked `user`; null
 *   when the fixture has no `saml`), `Repository.collaborators` (the repository's
 *   `outsideCollaborators`, whatever `affiliation` asks: only OUTSIDE is modelled, with the
 *   permission on the edge). With `viewerIsOwner: false` the 2FA fields are null, as GitHub
 *   shows them to owners only.
 * - Dependabot (CC7.1): a repository's `alerts` (every state) and `dependabotAlerts` switch.
 *   REST (with its own core budget, `restRequests`, x-ratelimit-* headers, 403 when spent):
 *   `GET /orgs/{org}/dependabot/alerts` and `GET /repos/{owner}/{repo}/dependabot/alerts` as
 *   GitHub's OpenAPI description shapes them (test/servers/github-dependabot.test.ts validates
 *   them), with `state`/`severity` filters, `sort`/`direction`, `per_page` ≤ 100 and cursor
 *   paging through the Link header; `GET /repos/{owner}/{repo}/vulnerability-alerts` 204/404.
 *   GraphQL: `Repository.hasVulnerabilityAlertsEnabled` and `vulnerabilityAlerts(states:)`.
 *   `inject.restAnswer` answers chosen REST requests with a fixed body (an HTML page, a 403);
 *   `inject.restRepeatCursor` makes every next link repeat the cursor it was given.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { schema as publishedSchema } from '@octokit/graphql-schema';
import {
  buildSchema,
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  type ValueNode,
  validate,
} from 'graphql';
import { importJWK, importSPKI, type JWK, jwtVerify, type KeyObject } from 'jose';

export interface LegacyProtectionFixture {
  pattern?: string;
  requiresApprovingReviews?: boolean;
  requiredApprovingReviewCount?: number | null;
  requiresCodeOwnerReviews?: boolean;
  dismissesStaleReviews?: boolean;
  requireLastPushApproval?: boolean;
  requiresStatusChecks?: boolean;
  requiresStrictStatusChecks?: boolean;
  requiredStatusCheckContexts?: string[];
  isAdminEnforced?: boolean;
  allowsForcePushes?: boolean;
  allowsDeletions?: boolean;
  requiresCommitSignatures?: boolean;
  requiresLinearHistory?: boolean;
  requiresConversationResolution?: boolean;
}

export interface RuleFixture {
  /** RepositoryRuleType, e.g. PULL_REQUEST, NON_FAST_FORWARD, DELETION. */
  type: string;
  /** Parameters with their GraphQL __typename, e.g. PullRequestParameters. */
  parameters?: { __typename: string } & Record<string, unknown>;
}

export interface BypassActorFixture {
  type: 'OrganizationAdmin' | 'EnterpriseOwner' | 'DeployKey' | 'RepositoryRole' | 'Team' | 'App';
  /** Team/App slug or repository role name. */
  name?: string;
  bypassMode: 'ALWAYS' | 'PULL_REQUEST';
}

export interface RulesetFixture {
  id: number;
  name: string;
  enforcement: 'ACTIVE' | 'EVALUATE' | 'DISABLED';
  rules: RuleFixture[];
  /** Who may bypass the ruleset. Default none. */
  bypassActors?: BypassActorFixture[];
  /** Org rulesets only: names of the repositories it targets ("*" for all). Default ["*"]. */
  repositories?: string[];
}

export interface RepoFixture {
  name: string;
  archived?: boolean;
  fork?: boolean;
  visibility?: 'PRIVATE' | 'PUBLIC' | 'INTERNAL';
  /** null: an empty repository with no branch. Default "main". */
  defaultBranch?: string | null;
  protection?: LegacyProtectionFixture | null;
  /** Repository rulesets targeting the default branch. */
  rulesets?: RulesetFixture[];
  /** Last push to any branch (ISO); default: the newest commit's date, else 2026-01-01. */
  pushedAt?: string;
  pullRequests?: PullRequestFixture[];
  /** The default branch's history, any order (served newest first). */
  commits?: CommitFixture[];
  /** Files on the default branch by path, e.g. {"changes/CHG-1.yaml": "..."}. */
  files?: Record<string, string>;
  /** Outside collaborators (not org members) added to this repository, with their permission. */
  outsideCollaborators?: { login: string; permission: 'READ' | 'TRIAGE' | 'WRITE' | 'MAINTAIN' | 'ADMIN' }[];
  /** Dependabot alerts switched on (default true); off, GitHub lists none of its alerts. */
  dependabotAlerts?: boolean;
  /** The repository's Dependabot alerts, in any state. */
  alerts?: DependabotAlertFixture[];
}

/** One Dependabot alert (REST `dependabot-alert`, GraphQL `RepositoryVulnerabilityAlert`). */
export interface DependabotAlertFixture {
  number: number;
  state: 'open' | 'fixed' | 'dismissed' | 'auto_dismissed';
  severity: 'low' | 'medium' | 'high' | 'critical';
  package: string;
  /** Default npm. */
  ecosystem?: string;
  /** Default package-lock.json. */
  manifestPath?: string;
  ghsaId: string;
  cveId?: string | null;
  createdAt: string;
  /** Default: the latest of createdAt, fixedAt, dismissedAt, autoDismissedAt. */
  updatedAt?: string;
  fixedAt?: string;
  dismissedAt?: string;
  dismissedBy?: string;
  dismissedReason?: 'fix_started' | 'inaccurate' | 'no_bandwidth' | 'not_used' | 'tolerable_risk';
  dismissedComment?: string | null;
  autoDismissedAt?: string;
}

export interface MemberFixture {
  login: string;
  /** Default MEMBER. */
  role?: 'ADMIN' | 'MEMBER';
  /** Two-factor authentication on. Default true. */
  twoFactor?: boolean;
}

export interface SamlIdentityFixture {
  /** The IdP's name id (e.g. the Okta login). */
  nameId: string | null;
  username?: string | null;
  /** The GitHub login linked to it; null for an identity with no GitHub account linked. */
  login: string | null;
}

export interface CommitFixture {
  oid: string;
  committedDate: string;
  author?: string;
  message?: string;
  /** Status-check rollup state: SUCCESS, FAILURE, PENDING, ERROR, EXPECTED; default none. */
  status?: string;
  /** Pull requests (numbers in the same repository) this commit belongs to. */
  pullRequests?: number[];
}

export interface ReviewFixture {
  author: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  submittedAt: string;
  /** The commit reviewed (default: the pull request's last commit). */
  commit?: string;
}

export interface PullRequestFixture {
  number: number;
  title: string;
  body?: string;
  author: string;
  headRefName?: string;
  /** Default: the repository's default branch. */
  baseRefName?: string;
  /** null or absent: not merged. */
  mergedAt?: string | null;
  /** Last update (ISO); default: the merge, else the last commit. */
  updatedAt?: string;
  mergedBy?: string;
  mergeCommit?: string;
  /** The pull request's commits, oldest first (the last one is the head). */
  commits: CommitFixture[];
  reviews?: ReviewFixture[];
  labels?: string[];
}

export interface GitHubOrgFixture {
  login: string;
  requiresTwoFactorAuthentication: boolean | null;
  repos: RepoFixture[];
  /** Organization rulesets targeting the default branch of the repositories they name. */
  rulesets: RulesetFixture[];
  /** `membersWithRole`, in this order. Default none. */
  members?: MemberFixture[];
  /** The org's SAML SSO and its external identities; absent or null: no SAML SSO. */
  saml?: { ssoUrl?: string; identities: SamlIdentityFixture[] } | null;
  /**
   * Whether the token is an organization owner's (default true). GitHub shows
   * `requiresTwoFactorAuthentication` and `hasTwoFactorEnabled` to owners only: null otherwise.
   */
  viewerIsOwner?: boolean;
  /** The login of the token's owner (`viewer { login }`). Default "evidence-bot". */
  viewerLogin?: string;
}

/** A PULL_REQUEST rule requiring `approvals` reviews. */
export function pullRequestRule(approvals: number, extra: Record<string, unknown> = {}): RuleFixture {
  return {
    type: 'PULL_REQUEST',
    parameters: {
      __typename: 'PullRequestParameters',
      requiredApprovingReviewCount: approvals,
      requireCodeOwnerReview: false,
      dismissStaleReviewsOnPush: true,
      requireLastPushApproval: false,
      requiredReviewThreadResolution: false,
      allowedMergeMethods: ['MERGE', 'SQUASH', 'REBASE'],
      ...extra,
    },
  };
}

/** Blocks force pushes. */
export const nonFastForwardRule: RuleFixture = { type: 'NON_FAST_FORWARD' };
const deletionRule: RuleFixture = { type: 'DELETION' };

/** Legacy protection: 1 approval, force pushes and deletions blocked, unless overridden. */
export function legacyProtection(overrides: LegacyProtectionFixture = {}): LegacyProtectionFixture {
  return {
    requiresApprovingReviews: true,
    requiredApprovingReviewCount: 1,
    allowsForcePushes: false,
    ...overrides,
  };
}

/**
 * A fictional org of `repos` repositories "repo-0001"... (+ `archived` archived ones).
 * `style(i)` picks each repository's protection: "legacy" (default), "ruleset" (a
 * repository ruleset), "org" (covered only by the org ruleset "org-baseline", which then
 * exists), or "none".
 */
export function makeGitHubOrg(
  input: {
    login?: string;
    repos?: number;
    archived?: number;
    requiresTwoFactorAuthentication?: boolean | null;
    style?: (i: number) => 'legacy' | 'ruleset' | 'org' | 'none';
  } = {},
): GitHubOrgFixture {
  const style = input.style ?? (() => 'legacy');
  const repos: RepoFixture[] = [];
  const orgCovered: string[] = [];
  for (let i = 0; i < (input.repos ?? 10); i++) {
    const name = `repo-${String(i + 1).padStart(4, '0')}`;
    const s = style(i);
    const repo: RepoFixture = { name, protection: s === 'legacy' ? legacyProtection() : null };
    if (s === 'ruleset')
      repo.rulesets = [
        {
          id: 1000 + i,
          name: 'protect-main',
          enforcement: 'ACTIVE',
          rules: [pullRequestRule(1), nonFastForwardRule],
        },
      ];
    if (s === 'org') orgCovered.push(name);
    repos.push(repo);
  }
  for (let i = 0; i < (input.archived ?? 0); i++)
    repos.push({ name: `old-${String(i + 1).padStart(4, '0')}`, archived: true, protection: null });
  return {
    login: input.login ?? 'example',
    requiresTwoFactorAuthentication:
      input.requiresTwoFactorAuthentication === undefined ? true : input.requiresTwoFactorAuthentication,
    repos,
    rulesets: orgCovered.length
      ? [
          {
            id: 1,
            name: 'org-baseline',
            enforcement: 'ACTIVE',
            repositories: orgCovered,
            rules: [pullRequestRule(2), nonFastForwardRule, deletionRule],
          },
        ]
      : [],
  };
}

export interface GitHubServerOptions {
  /** Tokens accepted. Default ["ghp_test_token_000000000000000000000001"]. */
  tokens?: string[];
  /** GitHub Apps: id, public key (JWK, PEM SPKI or KeyObject), installation ids. */
  apps?: {
    appId: string | number;
    publicKey: JWK | KeyObject | string;
    installations: (string | number)[];
  }[];
  /** GraphQL points per window. Default 5,000 per hour. */
  points?: { limit: number; windowSeconds: number };
  /** REST (core) requests per window. Default 5,000 per hour. */
  restRequests?: { limit: number; windowSeconds: number };
  inject?: {
    secondaryLimitAtRequest?: number[];
    retryAfterSeconds?: number;
    status5xxAtRequest?: number[];
    noAnswerFromRequest?: number;
    /** An answer that is no GraphQL response (an HTML page, garbage), to the requests listed (default all). */
    rawAnswer?: {
      status: number;
      contentType?: string;
      body: string;
      atRequest?: number[];
      /** Further headers (a redirect's Location). */
      headers?: Record<string, string>;
    };
    /** A server bug: a page after the first answers the cursor it was given as its endCursor (a loop). */
    repeatEndCursor?: boolean;
    /** REST requests (counted apart from GraphQL): a fixed answer to the n-th ones (default all). */
    restAnswer?: { status: number; contentType?: string; body: string; atRequest?: number[] };
    /** A REST server bug: every Link rel="next" carries the cursor the request was given (a loop). */
    restRepeatCursor?: boolean;
  };
  clock?: { now(): number };
  /**
   * How far GitHub's search index lags (seconds): a pull request updated (merged) within this
   * long of the server's clock is not found by `search` yet. Default 0.
   */
  searchLagSeconds?: number;
}

export interface GitHubServerStats {
  requests: number;
  graphql: number;
  /** REST API requests (Dependabot alerts, vulnerability-alerts). */
  rest: number;
  rateLimited: number;
  secondaryLimited: number;
  serverErrors: number;
  unauthorized: number;
  pointsUsed: number;
  tokenRequests: number;
  authorizations: string[];
  /** Installation access tokens issued to GitHub Apps. */
  issuedTokens: string[];
  /** GraphQL requests left unanswered (inject.noAnswerFromRequest). */
  unanswered: number;
}

export interface GitHubServer {
  url: string;
  graphqlUrl: string;
  stats: GitHubServerStats;
  stop(): Promise<void>;
}

export const DEFAULT_GITHUB_TOKEN = 'ghp_test_token_000000000000000000000001';

let schemaCache: GraphQLSchema | undefined;
/** GitHub's public schema, built once per process (a few hundred ms). */
export function githubSchema(): GraphQLSchema {
  if (!schemaCache) {
    schemaCache = buildSchema(publishedSchema.idl, { assumeValidSDL: true });
  }
  return schemaCache;
}

interface Ctx {
  salt: string;
  repeatEndCursor?: boolean;
}

export async function startGitHubServer(
  fixture: GitHubOrgFixture,
  options: GitHubServerOptions = {},
): Promise<GitHubServer> {
  const schema = githubSchema();
  const clock = options.clock ?? { now: () => Date.now() };
  const tokens = new Set(options.tokens ?? [DEFAULT_GITHUB_TOKEN]);
  const points = options.points ?? { limit: 5000, windowSeconds: 3600 };
  let window = { used: 0, resetAt: 0 };
  const salt = randomBytes(4).toString('hex');
  const stats: GitHubServerStats = {
    requests: 0,
    graphql: 0,
    rest: 0,
    rateLimited: 0,
    secondaryLimited: 0,
    serverErrors: 0,
    unauthorized: 0,
    pointsUsed: 0,
    tokenRequests: 0,
    authorizations: [],
    issuedTokens: [],
    unanswered: 0,
  };
  const refs = new Map<string, unknown>();
  const root = buildRoot(fixture, refs, clock, (options.searchLagSeconds ?? 0) * 1000);

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    stats.authorizations.push(header);
    const [, value] = header.split(' ', 2);
    return value !== undefined && tokens.has(value);
  };

  const handleAppToken = async (req: IncomingMessage, res: ServerResponse, installationId: string) => {
    stats.tokenRequests++;
    const jwt = (req.headers.authorization ?? '').replace(/^bearer\s+/i, '');
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString() || '{}') as {
      iss?: string | number;
    };
    const app = options.apps?.find((a) => String(a.appId) === String(claims.iss));
    const deny = (message: string) => {
      stats.unauthorized++;
      send(res, 401, { message, documentation_url: 'https://docs.github.com/rest', status: '401' });
    };
    if (!app) return deny('A JSON web token could not be decoded');
    try {
      const key =
        typeof app.publicKey === 'string'
          ? await importSPKI(app.publicKey, 'RS256')
          : 'kty' in app.publicKey
            ? await importJWK(app.publicKey as JWK, 'RS256')
            : app.publicKey;
      await jwtVerify(jwt, key, { currentDate: new Date(clock.now()) });
    } catch {
      return deny(
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (!app.installations.map(String).includes(installationId))
      return send(res, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    tokens.add(token);
    stats.issuedTokens.push(token);
    send(res, 201, {
      token,
      expires_at: new Date(clock.now() + 3600_000).toISOString(),
      permissions: { administration: 'read', metadata: 'read', organization_administration: 'read' },
      repository_selection: 'all',
    });
  };

  const handleGraphql = async (req: IncomingMessage, res: ServerResponse) => {
    const n = ++stats.graphql;
    const silentFrom = options.inject?.noAnswerFromRequest;
    if (silentFrom !== undefined && n >= silentFrom) {
      stats.unanswered++;
      return;
    }
    if (!authorized(req)) {
      stats.unauthorized++;
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/graphql',
        status: '401',
      });
    }
    if (options.inject?.secondaryLimitAtRequest?.includes(n)) {
      stats.secondaryLimited++;
      return send(
        res,
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url:
            'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        { 'retry-after': String(options.inject.retryAfterSeconds ?? 60) },
      );
    }
    const raw = options.inject?.rawAnswer;
    if (raw && (!raw.atRequest || raw.atRequest.includes(n))) {
      res.writeHead(raw.status, {
        ...(raw.contentType ? { 'content-type': raw.contentType } : {}),
        ...raw.headers,
      });
      return res.end(raw.body);
    }
    if (options.inject?.status5xxAtRequest?.includes(n)) {
      stats.serverErrors++;
      return send(res, 502, { message: 'Server Error' });
    }
    const body = JSON.parse((await readBody(req)) || '{}') as {
      query?: string;
      variables?: Record<string, unknown>;
    };
    let document: DocumentNode;
    try {
      document = parse(body.query ?? '');
    } catch (err) {
      return send(res, 200, { errors: [{ message: (err as Error).message }] });
    }
    const invalid = validate(schema, document);
    if (invalid.length)
      return send(res, 200, {
        errors: invalid.map((e) => ({ message: e.message, locations: e.locations })),
      });

    if (clock.now() >= window.resetAt)
      window = { used: 0, resetAt: Math.ceil((clock.now() + points.windowSeconds * 1000) / 1000) * 1000 };
    const cost = queryCost(document, body.variables ?? {});
    const rateHeaders = (remaining: number) => ({
      'x-ratelimit-limit': String(points.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-reset': String(Math.floor(window.resetAt / 1000)),
      'x-ratelimit-resource': 'graphql',
    });
    if (window.used + cost > points.limit) {
      stats.rateLimited++;
      return send(
        res,
        200,
        { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit already exceeded for user ID 1.' }] },
        rateHeaders(0),
      );
    }
    window.used += cost;
    stats.pointsUsed += cost;
    const rateLimit = {
      cost,
      limit: points.limit,
      remaining: points.limit - window.used,
      used: window.used,
      resetAt: new Date(window.resetAt).toISOString(),
      nodeCount: cost * 100,
    };
    const result = await execute({
      schema,
      document,
      rootValue: { ...root, rateLimit },
      contextValue: { salt, repeatEndCursor: options.inject?.repeatEndCursor } satisfies Ctx,
      variableValues: body.variables ?? {},
    });
    const errors = result.errors?.map((e) => ({
      type: (e.extensions?.type as string | undefined) ?? undefined,
      path: e.path,
      locations: e.locations,
      message: e.message,
    }));
    send(
      res,
      200,
      errors ? { data: result.data, errors } : { data: result.data },
      rateHeaders(rateLimit.remaining),
    );
  };

  const restBudget = options.restRequests ?? { limit: 5000, windowSeconds: 3600 };
  let restWindow = { used: 0, resetAt: 0 };
  const handleRest = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const n = ++stats.rest;
    if (!authorized(req)) {
      stats.unauthorized++;
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const fixed = options.inject?.restAnswer;
    if (fixed && (!fixed.atRequest || fixed.atRequest.includes(n))) {
      res.writeHead(fixed.status, fixed.contentType ? { 'content-type': fixed.contentType } : {});
      return res.end(fixed.body);
    }
    if (clock.now() >= restWindow.resetAt)
      restWindow = {
        used: 0,
        resetAt: Math.ceil((clock.now() + restBudget.windowSeconds * 1000) / 1000) * 1000,
      };
    const rateHeaders = () => ({
      'x-ratelimit-limit': String(restBudget.limit),
      'x-ratelimit-remaining': String(Math.max(0, restBudget.limit - restWindow.used)),
      'x-ratelimit-used': String(restWindow.used),
      'x-ratelimit-reset': String(Math.floor(restWindow.resetAt / 1000)),
      'x-ratelimit-resource': 'core',
    });
    if (restWindow.used >= restBudget.limit) {
      stats.rateLimited++;
      return send(
        res,
        403,
        {
          message: 'API rate limit exceeded for user ID 1.',
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
          status: '403',
        },
        rateHeaders(),
      );
    }
    restWindow.used++;
    const notFound = () =>
      send(
        res,
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
        rateHeaders(),
      );
    const orgAlerts = /^\/orgs\/([^/]+)\/dependabot\/alerts$/.exec(url.pathname);
    const repoAlerts = /^\/repos\/([^/]+)\/([^/]+)\/dependabot\/alerts$/.exec(url.pathname);
    const switchPath = /^\/repos\/([^/]+)\/([^/]+)\/vulnerability-alerts$/.exec(url.pathname);
    const sameOrg = (login: string) => login.toLowerCase() === fixture.login.toLowerCase();
    const repoNamed = (owner: string, name: string) =>
      sameOrg(owner) ? fixture.repos.find((r) => r.name.toLowerCase() === name.toLowerCase()) : undefined;
    if (switchPath) {
      const repo = repoNamed(switchPath[1]!, switchPath[2]!);
      if (!repo || repo.dependabotAlerts === false) return notFound();
      res.writeHead(204, rateHeaders());
      return res.end();
    }
    let repos: RepoFixture[];
    if (orgAlerts) {
      if (!sameOrg(orgAlerts[1]!)) return notFound();
      repos = fixture.repos;
    } else if (repoAlerts) {
      const repo = repoNamed(repoAlerts[1]!, repoAlerts[2]!);
      if (!repo) return notFound();
      if (repo.dependabotAlerts === false)
        return send(
          res,
          403,
          {
            message: 'Dependabot alerts are disabled for this repository.',
            documentation_url: 'https://docs.github.com/rest/dependabot/alerts',
            status: '403',
          },
          rateHeaders(),
        );
      repos = [repo];
    } else return notFound();
    const page = dependabotAlertsPage(fixture, repos, url, salt, options.inject?.restRepeatCursor);
    if ('error' in page)
      return send(
        res,
        page.status,
        {
          message: page.error,
          documentation_url: 'https://docs.github.com/rest',
          status: String(page.status),
        },
        rateHeaders(),
      );
    send(res, 200, page.items, { ...rateHeaders(), ...(page.link ? { link: page.link } : {}) });
  };

  const server = createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const appToken = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
    const work =
      req.method === 'POST' && url.pathname === '/graphql'
        ? handleGraphql(req, res)
        : req.method === 'POST' && appToken
          ? handleAppToken(req, res, appToken[1]!)
          : req.method === 'GET' && /^\/(orgs|repos)\//.test(url.pathname)
            ? handleRest(req, res, url)
            : Promise.resolve(send(res, 404, { message: 'Not Found', status: '404' }));
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: (err as Error).message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    stats,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Root resolvers over the fixture (graphql-js calls function-valued fields with their args). */
function buildRoot(
  fixture: GitHubOrgFixture,
  refs: Map<string, unknown>,
  clock: { now(): number },
  searchLagMs: number,
) {
  const orgObject = {
    __typename: 'Organization',
    login: fixture.login,
    requiresTwoFactorAuthentication:
      fixture.viewerIsOwner === false ? null : fixture.requiresTwoFactorAuthentication,
    membersWithRole: (args: ConnectionArgs, ctx: Ctx) =>
      edgeConnection(
        (fixture.members ?? []).map((m) => ({
          node: userObject(m.login),
          role: m.role ?? 'MEMBER',
          hasTwoFactorEnabled: fixture.viewerIsOwner === false ? null : (m.twoFactor ?? true),
        })),
        args,
        'membersWithRole',
        ctx,
      ),
    samlIdentityProvider: fixture.saml
      ? {
          __typename: 'OrganizationIdentityProvider',
          id: `OIP_${fixture.login}`,
          ssoUrl: fixture.saml.ssoUrl ?? `https://idp.example.com/sso/${fixture.login}`,
          externalIdentities: (args: ConnectionArgs, ctx: Ctx) =>
            connection(
              (fixture.saml?.identities ?? []).map((identity, i) => ({
                __typename: 'ExternalIdentity',
                id: `EI_${i}`,
                guid: `guid-${i}`,
                samlIdentity: {
                  nameId: identity.nameId,
                  username: identity.username ?? null,
                  attributes: [],
                  emails: null,
                  familyName: null,
                  givenName: null,
                  groups: null,
                },
                scimIdentity: null,
                organizationInvitation: null,
                user: identity.login ? userObject(identity.login) : null,
              })),
              args,
              'externalIdentities',
              ctx,
            ),
        }
      : null,
    repositories: (
      args: ConnectionArgs & {
        isArchived?: boolean | null;
        orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null;
      },
      ctx: Ctx,
    ) => {
      const byPush = args.orderBy?.field === 'PUSHED_AT';
      const desc = args.orderBy?.direction === 'DESC' ? -1 : 1;
      const repos = fixture.repos
        .filter((r) => args.isArchived == null || Boolean(r.archived) === args.isArchived)
        .sort((a, b) =>
          byPush ? desc * pushedAtOf(a).localeCompare(pushedAtOf(b)) : a.name.localeCompare(b.name),
        )
        .map((r) => repoObject(r));
      return connection(repos, args, 'repositories', ctx);
    },
  };

  const rulesetObject = (rs: RulesetFixture, source: unknown) => {
    const ruleset = {
      __typename: 'RepositoryRuleset',
      id: `RRS_${rs.id}`,
      databaseId: rs.id,
      name: rs.name,
      enforcement: rs.enforcement,
      target: 'BRANCH',
      source,
      bypassActors: (args: ConnectionArgs, ctx: Ctx) =>
        connection(
          (rs.bypassActors ?? []).map((a, i) => bypassActorObject(a, `RRSBA_${rs.id}_${i}`)),
          args,
          'bypassActors',
          ctx,
        ),
    };
    refs.set(ruleset.id, ruleset);
    return ruleset;
  };

  const repoObject = (r: RepoFixture) => {
    const nameWithOwner = `${fixture.login}/${r.name}`;
    const branch = r.defaultBranch === undefined ? 'main' : r.defaultBranch;
    const repoSource = { __typename: 'Repository', name: r.name, nameWithOwner };
    const orgSource = { __typename: 'Organization', login: fixture.login };
    const applying = [
      ...fixture.rulesets
        .filter((rs) => (rs.repositories ?? ['*']).some((n) => n === '*' || n === r.name))
        .map((rs) => ({ rs, source: orgSource })),
      ...(r.rulesets ?? []).map((rs) => ({ rs, source: repoSource })),
    ].filter(({ rs }) => rs.enforcement !== 'DISABLED');
    const rules = applying.flatMap(({ rs, source }) =>
      rs.rules.map((rule, i) => ({
        __typename: 'RepositoryRule',
        id: `RR_${rs.id}_${i}`,
        type: rule.type,
        parameters: rule.parameters ?? null,
        repositoryRuleset: rulesetObject(rs, source),
      })),
    );
    const refId = `REF_${Buffer.from(`${nameWithOwner}:${branch}`).toString('base64url')}`;
    const ref =
      branch === null
        ? null
        : {
            __typename: 'Ref',
            id: refId,
            name: branch,
            prefix: 'refs/heads/',
            branchProtectionRule: r.protection
              ? {
                  pattern: branch,
                  requiresApprovingReviews: false,
                  requiredApprovingReviewCount: null,
                  requiresCodeOwnerReviews: false,
                  dismissesStaleReviews: false,
                  requireLastPushApproval: false,
                  requiresStatusChecks: false,
                  requiresStrictStatusChecks: false,
                  requiredStatusCheckContexts: [],
                  isAdminEnforced: false,
                  allowsForcePushes: false,
                  allowsDeletions: false,
                  requiresCommitSignatures: false,
                  requiresLinearHistory: false,
                  requiresConversationResolution: false,
                  ...r.protection,
                }
              : null,
            rules: (args: ConnectionArgs, ctx: Ctx) => connection(rules, args, 'rules', ctx),
          };
    if (ref) refs.set(refId, ref);
    const repo: Record<string, unknown> = {
      __typename: 'Repository',
      id: `R_${Buffer.from(nameWithOwner).toString('base64url')}`,
      url: `https://github.com/${nameWithOwner}`,
      pushedAt: pushedAtOf(r),
      name: r.name,
      nameWithOwner,
      isArchived: Boolean(r.archived),
      isFork: Boolean(r.fork),
      isPrivate: (r.visibility ?? 'PRIVATE') !== 'PUBLIC',
      visibility: r.visibility ?? 'PRIVATE',
      defaultBranchRef: ref,
      collaborators: (args: ConnectionArgs & { affiliation?: string | null }, ctx: Ctx) =>
        edgeConnection(
          (r.outsideCollaborators ?? []).map((c) => ({
            node: userObject(c.login),
            permission: c.permission,
          })),
          args,
          'collaborators',
          ctx,
        ),
      object: ({ expression }: { expression: string }) => treeObject(r, expression),
      hasVulnerabilityAlertsEnabled: r.dependabotAlerts !== false,
      vulnerabilityAlerts: (args: ConnectionArgs & { states?: string[] | null }, ctx: Ctx) =>
        connection(
          (r.dependabotAlerts === false ? [] : (r.alerts ?? []))
            .filter((a) => !args.states || args.states.includes(a.state.toUpperCase()))
            .map((a) => vulnerabilityAlertObject(repo, a)),
          args,
          'vulnerabilityAlerts',
          ctx,
        ),
      pullRequests: (
        args: ConnectionArgs & {
          states?: string[] | null;
          orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null;
        },
        ctx: Ctx,
      ) => {
        const desc = args.orderBy?.direction === 'DESC' ? -1 : 1;
        const field = args.orderBy?.field ?? 'CREATED_AT';
        const list = (r.pullRequests ?? [])
          .filter((p) => !args.states || args.states.includes(p.mergedAt ? 'MERGED' : 'OPEN'))
          .sort((a, b) =>
            field === 'UPDATED_AT'
              ? desc * updatedAtOf(a).localeCompare(updatedAtOf(b)) || desc * (a.number - b.number)
              : desc * (a.number - b.number),
          )
          .map((p) => pullRequestObject(repo, p.number)!);
        return connection(list, args, 'pullRequests', ctx);
      },
    };
    if (ref && branch !== null) Object.assign(ref, { target: branchHead(r, branch, nameWithOwner, repo) });
    refs.set(repo.id as string, repo);
    return repo;
  };

  const commitObject = (c: CommitFixture, nameWithOwner: string, repo: Record<string, unknown>) => ({
    __typename: 'Commit',
    id: `C_${c.oid}`,
    oid: c.oid,
    abbreviatedOid: c.oid.slice(0, 7),
    url: `https://github.com/${nameWithOwner}/commit/${c.oid}`,
    committedDate: c.committedDate,
    authoredDate: c.committedDate,
    messageHeadline: (c.message ?? `commit ${c.oid.slice(0, 7)}`).split('\n')[0],
    author: { name: c.author ?? null, email: null, user: c.author ? userObject(c.author) : null },
    committer: { name: c.author ?? null, email: null, user: c.author ? userObject(c.author) : null },
    statusCheckRollup: c.status ? { id: `SCR_${c.oid}`, state: c.status } : null,
    associatedPullRequests: (args: ConnectionArgs, ctx: Ctx) =>
      connection(
        (c.pullRequests ?? []).map((n) => pullRequestObject(repo, n)).filter((p) => p !== null),
        args,
        'associatedPullRequests',
        ctx,
      ),
  });

  const prCache = new Map<string, unknown>();
  const pullRequestObject = (
    repo: Record<string, unknown>,
    number: number,
  ): Record<string, unknown> | null => {
    const nameWithOwner = repo.nameWithOwner as string;
    const key = `${nameWithOwner}#${number}`;
    if (prCache.has(key)) return prCache.get(key) as Record<string, unknown>;
    const fixtureRepo = fixture.repos.find((x) => `${fixture.login}/${x.name}` === nameWithOwner);
    const p = fixtureRepo?.pullRequests?.find((x) => x.number === number);
    if (!fixtureRepo || !p) return null;
    const last = p.commits.at(-1);
    const commitsById = new Map(p.commits.map((c) => [c.oid, c]));
    const merge = p.mergeCommit
      ? ((fixtureRepo.commits ?? []).find((c) => c.oid === p.mergeCommit) ?? {
          oid: p.mergeCommit,
          committedDate: p.mergedAt ?? p.commits.at(-1)?.committedDate ?? '2026-01-01T00:00:00Z',
        })
      : null;
    const pr: Record<string, unknown> = {
      __typename: 'PullRequest',
      id: `PR_${Buffer.from(key).toString('base64url')}`,
      number: p.number,
      title: p.title,
      body: p.body ?? '',
      url: `https://github.com/${nameWithOwner}/pull/${p.number}`,
      author: userObject(p.author),
      mergedBy: p.mergedBy ? userObject(p.mergedBy) : null,
      merged: Boolean(p.mergedAt),
      mergedAt: p.mergedAt ?? null,
      updatedAt: updatedAtOf(p),
      state: p.mergedAt ? 'MERGED' : 'OPEN',
      baseRefName: p.baseRefName ?? fixtureRepo.defaultBranch ?? 'main',
      headRefName: p.headRefName ?? `feature/${p.number}`,
      headRefOid: last?.oid ?? '0'.repeat(40),
      repository: repo,
      mergeCommit: merge ? commitObject(merge, nameWithOwner, repo) : null,
      commits: (args: ConnectionArgs, ctx: Ctx) =>
        connection(
          p.commits.map((c) => ({
            __typename: 'PullRequestCommit',
            id: `PRC_${c.oid}`,
            commit: commitObject(c, nameWithOwner, repo),
          })),
          args,
          'commits',
          ctx,
        ),
      reviews: (args: ConnectionArgs, ctx: Ctx) =>
        connection(
          (p.reviews ?? []).map((rv, i) => {
            const oid = rv.commit ?? last?.oid;
            const reviewed = oid
              ? (commitsById.get(oid) ?? { oid, committedDate: rv.submittedAt })
              : undefined;
            return {
              __typename: 'PullRequestReview',
              id: `PRR_${p.number}_${i}`,
              author: userObject(rv.author),
              state: rv.state,
              submittedAt: rv.submittedAt,
              commit: reviewed ? commitObject(reviewed, nameWithOwner, repo) : null,
            };
          }),
          args,
          'reviews',
          ctx,
        ),
      labels: (args: ConnectionArgs, ctx: Ctx) =>
        connection(
          (p.labels ?? []).map((name) => ({ __typename: 'Label', id: `L_${name}`, name })),
          args,
          'labels',
          ctx,
        ),
    };
    prCache.set(key, pr);
    refs.set(pr.id as string, pr);
    return pr;
  };

  /** The default branch's head commit, whose `history` is the repository's `commits`. */
  const branchHead = (
    r: RepoFixture,
    _branch: string,
    nameWithOwner: string,
    repo: Record<string, unknown>,
  ) => {
    const commits = [...(r.commits ?? [])].sort((a, b) => b.committedDate.localeCompare(a.committedDate));
    const head = commits[0] ?? { oid: 'f'.repeat(40), committedDate: '2026-01-01T00:00:00Z' };
    return {
      ...commitObject(head, nameWithOwner, repo),
      history: (args: ConnectionArgs & { since?: string | null; until?: string | null }, ctx: Ctx) =>
        connection(
          commits
            .filter(
              (c) =>
                (!args.since || Date.parse(c.committedDate) >= Date.parse(args.since)) &&
                (!args.until || Date.parse(c.committedDate) <= Date.parse(args.until)),
            )
            .map((c) => commitObject(c, nameWithOwner, repo)),
          args,
          'history',
          ctx,
        ),
    };
  };

  /** `object(expression: "<ref>:<path>")`: a Tree of the files under path, or one Blob. */
  const treeObject = (r: RepoFixture, expression: string) => {
    const path = expression.slice(expression.indexOf(':') + 1).replace(/\/+$/, '');
    const files = r.files ?? {};
    const blob = (name: string, text: string) => ({
      __typename: 'Blob',
      id: `B_${name}`,
      oid: `blob-${Buffer.from(name).toString('hex').slice(0, 32)}`,
      byteSize: Buffer.byteLength(text),
      isBinary: false,
      isTruncated: false,
      text,
    });
    if (files[path] !== undefined) return blob(path, files[path]);
    const under = Object.keys(files).filter(
      (f) => f.startsWith(`${path}/`) && !f.slice(path.length + 1).includes('/'),
    );
    if (under.length === 0) return null;
    return {
      __typename: 'Tree',
      id: `T_${path}`,
      oid: `tree-${Buffer.from(path).toString('hex').slice(0, 32)}`,
      entries: under.sort().map((f) => ({
        name: f.slice(path.length + 1),
        path: f,
        type: 'blob',
        mode: 33188,
        oid: `blob-${Buffer.from(f).toString('hex').slice(0, 32)}`,
        object: blob(f, files[f]!),
      })),
    };
  };

  /** `search(type: ISSUE)` over pull requests: the qualifiers the collectors use. */
  const search = (args: ConnectionArgs & { query: string; type: string }, ctx: Ctx) => {
    if (args.type !== 'ISSUE') return { issueCount: 0, ...connection([], args, 'search', ctx) };
    const q = parseSearch(args.query);
    const all: Record<string, unknown>[] = [];
    for (const r of fixture.repos) {
      const nameWithOwner = `${fixture.login}/${r.name}`;
      if (q.org && q.org.toLowerCase() !== fixture.login.toLowerCase()) continue;
      if (q.repo && q.repo.toLowerCase() !== nameWithOwner.toLowerCase()) continue;
      const repo = repoObject(r);
      for (const p of r.pullRequests ?? []) {
        if (q.merged && !p.mergedAt) continue;
        // The search index lags: what changed in the last `searchLagSeconds` is not in it yet.
        if (searchLagMs > 0 && Date.parse(updatedAtOf(p)) > clock.now() - searchLagMs) continue;
        if (q.mergedRange) {
          const at = Date.parse(p.mergedAt ?? '');
          if (!(at >= q.mergedRange[0] && at <= q.mergedRange[1])) continue;
        }
        if (q.labels.some((l) => !(p.labels ?? []).some((x) => x.toLowerCase() === l.toLowerCase())))
          continue;
        all.push(pullRequestObject(repo, p.number)!);
      }
    }
    all.sort((a, b) => String(a.mergedAt).localeCompare(String(b.mergedAt)));
    // GitHub's search API gives at most 1,000 results per query, whatever issueCount says.
    return { issueCount: all.length, ...connection(all.slice(0, 1000), args, 'search', ctx) };
  };
  // Build every repository once so node(id:) can find refs before they are listed.
  for (const r of fixture.repos) repoObject(r);

  return {
    viewer: () => userObject(fixture.viewerLogin ?? 'evidence-bot'),
    organization: ({ login }: { login: string }) => {
      if (login.toLowerCase() !== fixture.login.toLowerCase())
        throw new GraphQLError(`Could not resolve to an Organization with the login of '${login}'.`, {
          extensions: { type: 'NOT_FOUND' },
        });
      return orgObject;
    },
    search,
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const r = fixture.repos.find(
        (x) =>
          owner.toLowerCase() === fixture.login.toLowerCase() && x.name.toLowerCase() === name.toLowerCase(),
      );
      return r ? repoObject(r) : null;
    },
    node: ({ id }: { id: string }) => refs.get(id) ?? null,
    nodes: ({ ids }: { ids: string[] }) => {
      if (ids.length > 100)
        throw new GraphQLError('You may not request more than 100 nodes at once.', {
          extensions: { type: 'EXCESSIVE_PAGINATION' },
        });
      return ids.map((id) => refs.get(id) ?? null);
    },
  };
}

/** A `RepositoryVulnerabilityAlert` (GraphQL) over the same fixture as the REST alert. */
function vulnerabilityAlertObject(repo: Record<string, unknown>, a: DependabotAlertFixture) {
  const severity = a.severity === 'medium' ? 'MODERATE' : a.severity.toUpperCase();
  const pkg = {
    __typename: 'SecurityAdvisoryPackage',
    name: a.package,
    ecosystem: (a.ecosystem ?? 'npm').toUpperCase(),
  };
  const advisory = {
    __typename: 'SecurityAdvisory',
    id: `SA_${a.ghsaId}`,
    ghsaId: a.ghsaId,
    summary: `A ${a.severity} vulnerability in ${a.package}`,
    severity,
    identifiers: [
      { __typename: 'SecurityAdvisoryIdentifier', type: 'GHSA', value: a.ghsaId },
      ...(a.cveId ? [{ __typename: 'SecurityAdvisoryIdentifier', type: 'CVE', value: a.cveId }] : []),
    ],
    publishedAt: a.createdAt,
    withdrawnAt: null,
  };
  return {
    __typename: 'RepositoryVulnerabilityAlert',
    id: `RVA_${String(repo.nameWithOwner)}_${a.number}`,
    number: a.number,
    state: a.state.toUpperCase(),
    createdAt: a.createdAt,
    fixedAt: a.state === 'fixed' ? (a.fixedAt ?? null) : null,
    dismissedAt: a.state === 'dismissed' ? (a.dismissedAt ?? null) : null,
    dismisser: a.state === 'dismissed' && a.dismissedBy ? userObject(a.dismissedBy) : null,
    dismissReason: a.state === 'dismissed' ? (a.dismissedReason?.replace(/_/g, ' ') ?? null) : null,
    dismissComment: a.state === 'dismissed' ? (a.dismissedComment ?? null) : null,
    autoDismissedAt: a.state === 'auto_dismissed' ? (a.autoDismissedAt ?? null) : null,
    vulnerableManifestPath: a.manifestPath ?? 'package-lock.json',
    vulnerableManifestFilename: (a.manifestPath ?? 'package-lock.json').split('/').at(-1),
    vulnerableRequirements: '= 1.0.0',
    dependencyScope: 'RUNTIME',
    repository: repo,
    securityAdvisory: advisory,
    securityVulnerability: {
      __typename: 'SecurityVulnerability',
      advisory,
      package: pkg,
      severity,
      vulnerableVersionRange: '< 1.2.3',
      firstPatchedVersion: { __typename: 'SecurityAdvisoryPackageVersion', identifier: '1.2.3' },
      updatedAt: a.createdAt,
    },
  };
}

function userObject(login: string) {
  return { __typename: 'User', id: `U_${login}`, login, url: `https://github.com/${login}` };
}

/** A pull request's last update: `updatedAt`, else its merge, else its last commit. */
function updatedAtOf(p: PullRequestFixture): string {
  return p.updatedAt ?? p.mergedAt ?? p.commits.at(-1)?.committedDate ?? '2026-01-01T00:00:00Z';
}

function pushedAtOf(r: RepoFixture): string {
  if (r.pushedAt) return r.pushedAt;
  const dates = [
    ...(r.commits ?? []).map((c) => c.committedDate),
    ...(r.pullRequests ?? []).flatMap((p) => p.commits.map((c) => c.committedDate)),
  ].sort();
  return dates.at(-1) ?? '2026-01-01T00:00:00Z';
}

interface ParsedSearch {
  org?: string;
  repo?: string;
  merged: boolean;
  mergedRange?: [number, number];
  labels: string[];
}

/** The search qualifiers the collectors send: org:, repo:, is:pr, is:merged, merged:A..B, label:. */
export function parseSearch(query: string): ParsedSearch {
  const out: ParsedSearch = { merged: false, labels: [] };
  for (const [, key, quoted, bare] of query.matchAll(/([a-z]+):(?:"([^"]*)"|(\S+))/g)) {
    const value = quoted ?? bare ?? '';
    if (key === 'org') out.org = value;
    else if (key === 'repo') out.repo = value;
    else if (key === 'is' && value === 'merged') out.merged = true;
    else if (key === 'label') out.labels.push(value);
    else if (key === 'merged') {
      const [from, to] = value.split('..');
      out.merged = true;
      out.mergedRange = [Date.parse(from ?? ''), Date.parse(to ?? '')];
    }
  }
  return out;
}

/** RepositoryRulesetBypassActor as GitHub shapes it: flags for built-in roles, else an actor. */
function bypassActorObject(a: BypassActorFixture, id: string) {
  const actor =
    a.type === 'Team' || a.type === 'App'
      ? { __typename: a.type, id: `${a.type}_${a.name}`, slug: a.name ?? '', name: a.name ?? '' }
      : null;
  return {
    __typename: 'RepositoryRulesetBypassActor',
    id,
    bypassMode: a.bypassMode,
    organizationAdmin: a.type === 'OrganizationAdmin',
    enterpriseOwner: a.type === 'EnterpriseOwner',
    deployKey: a.type === 'DeployKey',
    repositoryRoleName: a.type === 'RepositoryRole' ? (a.name ?? null) : null,
    repositoryRoleDatabaseId: a.type === 'RepositoryRole' ? 2 : null,
    actor,
  };
}

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
}

/** GitHub's connection rules: first or last required, at most 100; opaque cursors. */
function connection<T>(items: T[], args: ConnectionArgs, name: string, ctx: Ctx) {
  if (args.first == null && args.last == null)
    throw new GraphQLError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
      {
        extensions: { type: 'MISSING_PAGINATION_BOUNDARIES' },
      },
    );
  const size = args.first ?? args.last ?? 0;
  if (size > 100 || size < 0)
    throw new GraphQLError(
      `Requesting ${size} records on the \`${name}\` connection exceeds the \`${args.first != null ? 'first' : 'last'}\` limit of 100 records.`,
      { extensions: { type: 'EXCESSIVE_PAGINATION' } },
    );
  let start = 0;
  if (args.after) {
    const [salt, offset] = Buffer.from(args.after, 'base64').toString().split(':');
    if (salt !== ctx.salt || !Number.isInteger(Number(offset)))
      throw new GraphQLError(`\`${args.after}\` does not appear to be a valid cursor.`, {
        extensions: { type: 'INVALID_CURSOR_ARGUMENTS' },
      });
    start = Number(offset) + 1;
  }
  const nodes =
    args.first == null && args.last != null && !args.after
      ? items.slice(Math.max(0, items.length - size))
      : items.slice(start, start + size);
  if (args.first == null && args.last != null && !args.after) start = items.length - nodes.length;
  const cursor = (i: number) => Buffer.from(`${ctx.salt}:${i}`).toString('base64');
  const endIndex = start + nodes.length - 1;
  return {
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: cursor(start + i) })),
    pageInfo: {
      hasNextPage: start + nodes.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? cursor(start) : null,
      endCursor: ctx.repeatEndCursor && args.after ? args.after : nodes.length ? cursor(endIndex) : null,
    },
  };
}

/** A connection whose edges carry fields of their own (role, permission, ...) beside the node. */
function edgeConnection<E extends { node: unknown }>(
  entries: E[],
  args: ConnectionArgs,
  name: string,
  ctx: Ctx,
) {
  const page = connection(entries, args, name, ctx);
  return {
    ...page,
    nodes: page.nodes.map((e) => e.node),
    edges: page.edges.map(({ node: entry, cursor }) => ({ ...entry, cursor })),
  };
}

/**
 * GitHub's documented cost: the number of requests needed to fill every connection
 * (a nested connection needs one request per parent node), divided by 100, rounded, at least 1.
 */
export function queryCost(document: DocumentNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const intValue = (v: ValueNode): number => {
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE) return Number(variables[v.name.value] ?? 0);
    return 0;
  };
  let requests = 0;
  const walk = (set: SelectionSetNode | undefined, parents: number) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const size = sel.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
        if (size) {
          requests += parents;
          walk(sel.selectionSet, parents * Math.max(1, intValue(size.value)));
        } else walk(sel.selectionSet, parents);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, parents);
      else walk(fragments.get(sel.name.value)?.selectionSet, parents);
    }
  };
  for (const def of document.definitions)
    if (def.kind === Kind.OPERATION_DEFINITION) walk(def.selectionSet, 1);
  return Math.max(1, Math.round(requests / 100));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An alert's last state change: `updatedAt`, else the latest of its creation, fix and dismissals. */
export function alertUpdatedAt(a: DependabotAlertFixture): string {
  return (
    a.updatedAt ??
    [a.createdAt, a.fixedAt, a.dismissedAt, a.autoDismissedAt]
      .filter((t): t is string => Boolean(t))
      .sort()
      .at(-1)!
  );
}

const ALERT_STATES = ['auto_dismissed', 'dismissed', 'fixed', 'open'];
const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'];

/**
 * One page of `GET /orgs/{org}/dependabot/alerts` (or a repository's) as GitHub answers it:
 * filters `state` and `severity` (comma-separated, unknown values are a 400), `sort`
 * (created | updated) and `direction` (default desc), `per_page` (default 30, at most 100),
 * opaque `after` / `before` cursors and a Link header with rel="next" / rel="prev". Alerts of
 * repositories with Dependabot alerts switched off are not listed.
 */
function dependabotAlertsPage(
  fixture: GitHubOrgFixture,
  repos: RepoFixture[],
  url: URL,
  salt: string,
  repeatCursor = false,
): { items: unknown[]; link: string | undefined } | { error: string; status: number } {
  const q = url.searchParams;
  const list = (name: string, allowed: string[]) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return { values: undefined };
    const values = raw.split(',').map((v) => v.trim());
    const bad = values.find((v) => !allowed.includes(v));
    return bad === undefined ? { values } : { bad };
  };
  const states = list('state', ALERT_STATES);
  const severities = list('severity', ALERT_SEVERITIES);
  if ('bad' in states || 'bad' in severities)
    return { status: 400, error: `Invalid value for parameter: ${'bad' in states ? 'state' : 'severity'}` };
  if (q.has('page')) return { status: 400, error: 'Pagination using the `page` parameter is not supported.' };
  const sort = q.get('sort') ?? 'created';
  const direction = q.get('direction') ?? 'desc';
  const perPage = Number(q.get('per_page') ?? 30);
  if (!['created', 'updated'].includes(sort) || !['asc', 'desc'].includes(direction))
    return { status: 400, error: 'Invalid value for parameter: sort or direction' };
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
    return { status: 422, error: 'per_page must be between 1 and 100' };
  const all = repos
    .filter((r) => r.dependabotAlerts !== false)
    .flatMap((r) => (r.alerts ?? []).map((a) => ({ r, a })))
    .filter(
      ({ a }) =>
        (!states.values || states.values.includes(a.state)) &&
        (!severities.values || severities.values.includes(a.severity)),
    );
  const key = (x: { r: RepoFixture; a: DependabotAlertFixture }) =>
    `${sort === 'updated' ? alertUpdatedAt(x.a) : x.a.createdAt}|${x.r.name}|${String(x.a.number).padStart(9, '0')}`;
  all.sort((x, y) => (direction === 'asc' ? 1 : -1) * key(x).localeCompare(key(y)));
  const decode = (cursor: string) => {
    const [s, i] = Buffer.from(cursor, 'base64url').toString().split(':');
    return s === salt && Number.isInteger(Number(i)) ? Number(i) : undefined;
  };
  const encode = (i: number) => Buffer.from(`${salt}:${i}`).toString('base64url');
  let start = 0;
  const after = q.get('after');
  const before = q.get('before');
  if (after) {
    const i = decode(after);
    if (i === undefined) return { status: 400, error: 'Invalid cursor' };
    start = i;
  } else if (before) {
    const i = decode(before);
    if (i === undefined) return { status: 400, error: 'Invalid cursor' };
    start = Math.max(0, i - perPage);
  }
  const slice = all.slice(start, start + perPage);
  const links: string[] = [];
  const linkTo = (params: Record<string, string>) => {
    const next = new URL(url.href);
    next.searchParams.delete('after');
    next.searchParams.delete('before');
    for (const [k, v] of Object.entries(params)) next.searchParams.set(k, v);
    return next.href;
  };
  if (start + slice.length < all.length)
    links.push(
      `<${linkTo({ after: repeatCursor && after ? after : encode(start + slice.length) })}>; rel="next"`,
    );
  if (start > 0) links.push(`<${linkTo({ before: encode(start) })}>; rel="prev"`);
  return {
    items: slice.map(({ r, a }) => dependabotAlertPayload(fixture, r, a)),
    link: links.length ? links.join(', ') : undefined,
  };
}

function restUser(login: string) {
  const api = `https://api.github.com/users/${login}`;
  return {
    login,
    id: idOf(login),
    node_id: `U_${login}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${idOf(login)}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `https://github.com/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

function restRepository(fixture: GitHubOrgFixture, r: RepoFixture) {
  const fullName = `${fixture.login}/${r.name}`;
  const api = `https://api.github.com/repos/${fullName}`;
  const urls = Object.fromEntries(
    (
      [
        ['archive_url', '/{archive_format}{/ref}'],
        ['assignees_url', '/assignees{/user}'],
        ['blobs_url', '/git/blobs{/sha}'],
        ['branches_url', '/branches{/branch}'],
        ['collaborators_url', '/collaborators{/collaborator}'],
        ['comments_url', '/comments{/number}'],
        ['commits_url', '/commits{/sha}'],
        ['compare_url', '/compare/{base}...{head}'],
        ['contents_url', '/contents/{+path}'],
        ['contributors_url', '/contributors'],
        ['deployments_url', '/deployments'],
        ['downloads_url', '/downloads'],
        ['events_url', '/events'],
        ['forks_url', '/forks'],
        ['git_commits_url', '/git/commits{/sha}'],
        ['git_refs_url', '/git/refs{/sha}'],
        ['git_tags_url', '/git/tags{/sha}'],
        ['hooks_url', '/hooks'],
        ['issue_comment_url', '/issues/comments{/number}'],
        ['issue_events_url', '/issues/events{/number}'],
        ['issues_url', '/issues{/number}'],
        ['keys_url', '/keys{/key_id}'],
        ['labels_url', '/labels{/name}'],
        ['languages_url', '/languages'],
        ['merges_url', '/merges'],
        ['milestones_url', '/milestones{/number}'],
        ['notifications_url', '/notifications{?since,all,participating}'],
        ['pulls_url', '/pulls{/number}'],
        ['releases_url', '/releases{/id}'],
        ['stargazers_url', '/stargazers'],
        ['statuses_url', '/statuses/{sha}'],
        ['subscribers_url', '/subscribers'],
        ['subscription_url', '/subscription'],
        ['tags_url', '/tags'],
        ['teams_url', '/teams'],
        ['trees_url', '/git/trees{/sha}'],
      ] as const
    ).map(([k, suffix]) => [k, `${api}${suffix}`]),
  );
  return {
    id: idOf(fullName),
    node_id: `R_${Buffer.from(fullName).toString('base64url')}`,
    name: r.name,
    full_name: fullName,
    owner: { ...restUser(fixture.login), type: 'Organization' },
    private: (r.visibility ?? 'PRIVATE') !== 'PUBLIC',
    html_url: `https://github.com/${fullName}`,
    description: null,
    fork: Boolean(r.fork),
    url: api,
    ...urls,
  };
}

/** A `dependabot-alert-with-repository` as GitHub's REST API answers it. */
export function dependabotAlertPayload(fixture: GitHubOrgFixture, r: RepoFixture, a: DependabotAlertFixture) {
  const fullName = `${fixture.login}/${r.name}`;
  const ecosystem = a.ecosystem ?? 'npm';
  const pkg = { ecosystem, name: a.package };
  const vulnerability = {
    package: pkg,
    severity: a.severity,
    vulnerable_version_range: '< 1.2.3',
    first_patched_version: { identifier: '1.2.3' },
  };
  return {
    number: a.number,
    state: a.state,
    dependency: {
      package: pkg,
      manifest_path: a.manifestPath ?? 'package-lock.json',
      scope: 'runtime',
      relationship: 'direct',
    },
    security_advisory: {
      ghsa_id: a.ghsaId,
      cve_id: a.cveId ?? null,
      summary: `A ${a.severity} vulnerability in ${a.package}`,
      description: `Versions of ${a.package} before 1.2.3 are vulnerable.`,
      vulnerabilities: [vulnerability],
      severity: a.severity,
      cvss: { score: { low: 3.1, medium: 5.3, high: 7.5, critical: 9.8 }[a.severity], vector_string: null },
      cwes: [],
      identifiers: [{ type: 'GHSA', value: a.ghsaId }, ...(a.cveId ? [{ type: 'CVE', value: a.cveId }] : [])],
      references: [{ url: `https://github.com/advisories/${a.ghsaId}` }],
      published_at: a.createdAt,
      updated_at: a.createdAt,
      withdrawn_at: null,
    },
    security_vulnerability: vulnerability,
    url: `https://api.github.com/repos/${fullName}/dependabot/alerts/${a.number}`,
    html_url: `https://github.com/${fullName}/security/dependabot/${a.number}`,
    created_at: a.createdAt,
    updated_at: alertUpdatedAt(a),
    dismissed_at: a.state === 'dismissed' ? (a.dismissedAt ?? null) : null,
    dismissed_by: a.state === 'dismissed' && a.dismissedBy ? restUser(a.dismissedBy) : null,
    dismissed_reason: a.state === 'dismissed' ? (a.dismissedReason ?? null) : null,
    dismissed_comment: a.state === 'dismissed' ? (a.dismissedComment ?? null) : null,
    fixed_at: a.state === 'fixed' ? (a.fixedAt ?? null) : null,
    auto_dismissed_at: a.state === 'auto_dismissed' ? (a.autoDismissedAt ?? null) : null,
    assignees: [],
    repository: restRepository(fixture, r),
  };
}

/** A stable positive integer id for a name. */
function idOf(name: string): number {
  let h = 7;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 2_000_000_011;
  return h + 1;
}

/**
 * `count` open and closed Dependabot alerts spread over the repositories that are not archived
 * (round robin), severities cycling critical, high, medium, low, created `ageDays(i)` days
 * before `now`: for the bench and the demo.
 */
export function plantDependabotAlerts(
  org: GitHubOrgFixture,
  input: {
    count: number;
    now: number;
    ageDays?: (i: number) => number;
    state?: (i: number) => DependabotAlertFixture['state'];
  },
): void {
  const live = org.repos.filter((r) => !r.archived);
  const severities = ['critical', 'high', 'medium', 'low'] as const;
  for (let i = 0; i < input.count; i++) {
    const repo = live[i % live.length]!;
    repo.alerts ??= [];
    const createdAt = new Date(input.now - (input.ageDays?.(i) ?? 1) * 86_400_000).toISOString();
    const state = input.state?.(i) ?? 'open';
    repo.alerts.push({
      number: repo.alerts.length + 1,
      state,
      severity: severities[i % 4]!,
      package: `package-${i % 97}`,
      ghsaId: `GHSA-${String(i).padStart(4, '0')}-test-xxxx`,
      createdAt,
      ...(state === 'fixed' ? { fixedAt: new Date(input.now - 3600_000).toISOString() } : {}),
    });
  }
}
