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

  const server = createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const appToken = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
    const work =
      req.method === 'POST' && url.pathname === '/graphql'
        ? handleGraphql(req, res)
        : req.method === 'POST' && appToken
          ? handleAppToken(req, res, appToken[1]!)
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
