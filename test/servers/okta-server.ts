/**
 * A local Okta org on 127.0.0.1 (plain node:http) that behaves like Okta's Management API
 * for what the collector reads. Used by tests, the bench and the demo. Stable API:
 *
 *   const org = makeOktaOrg({ groups: 20, membersPerGroup: 10, named: [...] });
 *   const server = await startOktaServer(org, { tokens: ['...'], rateLimit: {...}, inject: {...} });
 *   server.url       // "http://127.0.0.1:PORT": use it as okta.orgUrl
 *   server.stats     // { requests, byEndpoint, peakPerWindow, rateLimited, serverErrors, unauthorized, maxConcurrent, tokenRequests }
 *   await server.stop();
 *
 * Behaviour:
 * - GET /api/v1/users (listUsers): every user but DEPROVISIONED ones, as Okta's default list;
 *   with `filter` or `search` (expressions.ts-free: parsed here as Okta documents them) users of
 *   every status that match. `filter` takes only status, lastUpdated, id, profile.login,
 *   profile.email, profile.firstName and profile.lastName, with `eq` (and gt/ge/lt/le for
 *   lastUpdated), values case-sensitive; `search` takes the top-level dates, id, status, type.id
 *   and any profile attribute, with eq/sw/co/gt/ge/lt/le/pr, values case-insensitive; both
 *   and/or and parentheses; anything else is 400 E0000031.
 * - GET /api/v1/users/{id}/factors (listFactors), GET /api/v1/policies?type= (listPolicies, `type`
 *   required), GET /api/v1/policies/{id}/rules (listPolicyRules), GET /api/v1/apps?filter=name eq
 *   "..." (listApplications), GET /api/v1/groups/{id} (getGroup): payloads of the OpenAPI shapes
 *   (UserFactor, Policy and its subtypes, PolicyRule and its subtypes, Application, Group).
 * - GET /api/v1/groups and GET /api/v1/groups/{id}/users: payloads shaped like the
 *   OpenAPI description (Group, User), pages of `limit` (default 10,000 groups / 1,000
 *   users as Okta's), `Link: <...>; rel="self"` and `rel="next"` with an opaque `after`
 *   cursor; 404 E0000007 for an unknown group.
 * - Auth: `Authorization: SSWS <token>` for a token in `tokens`, or `Bearer <access token>`
 *   issued by POST /oauth2/v1/token (client_credentials + private_key_jwt assertion verified
 *   against the client's public key; scopes checked). Otherwise 401 E0000011; an OAuth
 *   token without okta.groups.read / okta.users.read gets 403 E0000006.
 * - Rate limits: a fixed window per endpoint (`rateLimit.limit` calls per
 *   `rateLimit.windowSeconds`, windows end on whole seconds), X-Rate-Limit-Limit /
 *   -Remaining / -Reset (epoch seconds) on every answer, 429 E0000047 past the limit.
 *   `inject.status429AtRequest: [n]` exhausts the endpoint's window at the n-th API
 *   request (1-based) until `inject.resetAfterSeconds` later, as when another integration
 *   spends the org's budget; `inject.status5xxAtRequest: [n]` answers the n-th with 503.
 * - Time comes from `options.clock` (epoch ms), so a test's manual clock drives the windows.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify, type KeyObject } from 'jose';

export interface OktaFactorFixture {
  id: string;
  /** push, signed_nonce, webauthn, u2f, token:software:totp, sms, call, email, question, ... */
  factorType: string;
  /** OKTA, GOOGLE, FIDO, ... */
  provider: string;
  /** ACTIVE, PENDING_ACTIVATION, ... */
  status: string;
  created: string;
}

export interface OktaUserFixture {
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  /** ACTIVE, STAGED, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED, DEPROVISIONED */
  status: string;
  lastLogin: string | null;
  created: string;
  /** Default: `created` (null when STAGED). */
  activated?: string | null;
  /** Default 2026-02-01. */
  statusChanged?: string;
  /**
   * When the user was last updated (profile, status, credentials): what `filter=lastUpdated gt
   * "…"` compares. Default: `statusChanged`. A test that changes a user sets it; a sign-in
   * (`lastLogin`) does not.
   */
  lastUpdated?: string;
  /** Further profile attributes (department, employeeType, title, manager, custom ones). */
  profile?: Record<string, unknown>;
  /** Enrolled factors (listFactors). Default: none. */
  factors?: OktaFactorFixture[];
  /** listFactors answers this status (e.g. 404, 500) for this user. */
  factorsStatus?: number;
}

export interface OktaPolicyRuleFixture {
  id: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  /** SIGN_ON (OKTA_SIGN_ON policies), ACCESS_POLICY, MFA_ENROLL, PASSWORD */
  type: string;
  system?: boolean;
  conditions?: unknown;
  actions?: unknown;
}

export interface OktaPolicyFixture {
  id: string;
  name: string;
  /** OKTA_SIGN_ON, ACCESS_POLICY, MFA_ENROLL, PASSWORD */
  type: string;
  status: 'ACTIVE' | 'INACTIVE';
  priority: number;
  system?: boolean;
  description?: string | null;
  rules: OktaPolicyRuleFixture[];
}

export interface OktaAppFixture {
  id: string;
  /** okta_enduser (Okta Dashboard), saasure (Admin Console), ... */
  name: string;
  label: string;
  accessPolicyId: string | null;
}

export interface OktaGroupFixture {
  id: string;
  name: string;
  description: string | null;
  /** OKTA_GROUP, APP_GROUP or BUILT_IN */
  type: string;
  memberIds: string[];
}

export interface OktaLogEventFixture {
  uuid: string;
  /** ISO instant. */
  published: string;
  eventType: string;
  /** The user the event is about. */
  target: { id: string; login: string };
}

export interface OktaOrgFixture {
  users: OktaUserFixture[];
  groups: OktaGroupFixture[];
  policies?: OktaPolicyFixture[];
  apps?: OktaAppFixture[];
  /** System Log events (listLogEvents). */
  logs?: OktaLogEventFixture[];
}

export interface NamedGroupInput {
  name: string;
  type?: string;
  members: {
    login: string;
    status?: string;
    lastLogin?: string | null;
    activated?: string | null;
    profile?: Record<string, unknown>;
    factors?: OktaFactorFixture[];
  }[];
}

let factorSerial = 0;

/** An enrolled factor: e.g. factor('push'), factor('question'), factor('sms', 'PENDING_ACTIVATION'). */
export function factor(
  factorType: string,
  status = 'ACTIVE',
  provider = factorType === 'webauthn' || factorType === 'u2f' ? 'FIDO' : 'OKTA',
  created = '2025-02-01T10:00:00.000Z',
): OktaFactorFixture {
  return { id: oktaId('ufs', ++factorSerial), factorType, provider, status, created };
}

/** Departments and employee types the generated users cycle through (strata for sampling). */
export const DEPARTMENTS = ['Engineering', 'Engineering', 'Sales', 'Support', 'Finance'] as const;

/**
 * A compliant policy set: the default global session (OKTA_SIGN_ON) policy requires a factor,
 * the Okta Dashboard and Admin Console authentication policies require two factors, and the
 * default MFA enrollment and password policies. `everyoneGroupId` is what the rules apply to.
 */
export function defaultPolicies(everyoneGroupId: string): {
  policies: OktaPolicyFixture[];
  apps: OktaAppFixture[];
} {
  const people = { groups: { include: [everyoneGroupId] } };
  const policies: OktaPolicyFixture[] = [
    {
      id: oktaId('00p', 1),
      name: 'Default Policy',
      type: 'OKTA_SIGN_ON',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      rules: [
        {
          id: oktaId('0pr', 1),
          name: 'Require MFA',
          status: 'ACTIVE',
          priority: 1,
          type: 'SIGN_ON',
          conditions: { people, network: { connection: 'ANYWHERE' } },
          actions: {
            signon: {
              access: 'ALLOW',
              requireFactor: true,
              factorPromptMode: 'ALWAYS',
              primaryFactor: 'PASSWORD_IDP_ANY_FACTOR',
              session: {
                usePersistentCookie: false,
                maxSessionIdleMinutes: 120,
                maxSessionLifetimeMinutes: 0,
              },
            },
          },
        },
      ],
    },
    accessPolicy(oktaId('00p', 2), 'Okta Dashboard', oktaId('0pr', 2), '2FA', people),
    accessPolicy(oktaId('00p', 3), 'Okta Admin Console', oktaId('0pr', 3), '2FA', people),
    {
      id: oktaId('00p', 4),
      name: 'Default Policy',
      type: 'MFA_ENROLL',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      rules: [
        {
          id: oktaId('0pr', 4),
          name: 'Default Rule',
          status: 'ACTIVE',
          priority: 1,
          type: 'MFA_ENROLL',
          system: true,
          conditions: { people },
          actions: { enroll: { self: 'CHALLENGE' } },
        },
      ],
    },
    {
      id: oktaId('00p', 5),
      name: 'Default Policy',
      type: 'PASSWORD',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      rules: [
        {
          id: oktaId('0pr', 5),
          name: 'Default Rule',
          status: 'ACTIVE',
          priority: 1,
          type: 'PASSWORD',
          system: true,
          conditions: { people, network: { connection: 'ANYWHERE' } },
          actions: {
            passwordChange: { access: 'ALLOW' },
            selfServicePasswordReset: { access: 'ALLOW' },
            selfServiceUnlock: { access: 'DENY' },
          },
        },
      ],
    },
  ];
  const apps: OktaAppFixture[] = [
    { id: oktaId('0oa', 1), name: 'okta_enduser', label: 'Okta Dashboard', accessPolicyId: oktaId('00p', 2) },
    { id: oktaId('0oa', 2), name: 'saasure', label: 'Okta Admin Console', accessPolicyId: oktaId('00p', 3) },
  ];
  return { policies, apps };
}

/** An Identity Engine authentication policy with one catch-all rule of the given factor mode. */
export function accessPolicy(
  id: string,
  name: string,
  ruleId: string,
  factorMode: '1FA' | '2FA',
  people: unknown,
): OktaPolicyFixture {
  return {
    id,
    name,
    type: 'ACCESS_POLICY',
    status: 'ACTIVE',
    priority: 1,
    rules: [
      {
        id: ruleId,
        name: factorMode === '2FA' ? 'Require two factors' : 'Password only',
        status: 'ACTIVE',
        priority: 1,
        type: 'ACCESS_POLICY',
        conditions: { people },
        actions: {
          appSignOn: {
            access: 'ALLOW',
            verificationMethod: { type: 'ASSURANCE', factorMode, reauthenticateIn: 'PT2H', constraints: [] },
          },
        },
      },
    ],
  };
}

const CREATED = '2025-01-15T09:30:00.000Z';

/** An Okta-looking id: prefix ("00g", "00u") and 17 more characters, deterministic. */
export function oktaId(prefix: string, n: number): string {
  return `${prefix}${n.toString(36).padStart(17, '0')}`;
}

/**
 * A fictional org: `groups` generated groups named "Group 0001"... with `membersPerGroup`
 * members each, drawn from `users` ACTIVE users (default: enough for distinct members),
 * plus `named` groups with exactly the members given (e.g. "Administrators").
 */
export function makeOktaOrg(
  input: {
    groups?: number;
    membersPerGroup?: number;
    users?: number;
    domain?: string;
    named?: NamedGroupInput[];
  } = {},
): OktaOrgFixture {
  const groupCount = input.groups ?? 3;
  const perGroup = input.membersPerGroup ?? 5;
  const domain = input.domain ?? 'example.com';
  const userCount = input.users ?? Math.max(perGroup, Math.min(groupCount * perGroup, 5000));
  const users: OktaUserFixture[] = [];
  for (let i = 0; i < userCount; i++) {
    users.push({
      id: oktaId('00u', i + 1),
      login: `user${String(i + 1).padStart(5, '0')}@${domain}`,
      firstName: 'User',
      lastName: String(i + 1),
      status: 'ACTIVE',
      lastLogin: new Date(Date.parse('2026-04-01T08:00:00.000Z') + i * 60_000).toISOString(),
      created: CREATED,
      profile: {
        department: DEPARTMENTS[i % DEPARTMENTS.length],
        employeeType: i % 7 === 6 ? 'Contractor' : 'Employee',
        title: 'Staff',
        manager: null,
      },
      factors: [{ ...factor('push'), id: oktaId('ufp', i + 1) }],
    });
  }
  const groups: OktaGroupFixture[] = [];
  for (let g = 0; g < groupCount; g++) {
    const memberIds: string[] = [];
    for (let k = 0; k < Math.min(perGroup, userCount); k++)
      memberIds.push(users[(g * perGroup + k) % userCount]!.id);
    groups.push({
      id: oktaId('00g', g + 1),
      name: g === 0 ? 'Everyone' : `Group ${String(g).padStart(4, '0')}`,
      description: g === 0 ? 'All users in your organization' : null,
      type: g === 0 ? 'BUILT_IN' : 'OKTA_GROUP',
      memberIds,
    });
  }
  for (const [i, named] of (input.named ?? []).entries()) {
    const memberIds = named.members.map((m) => {
      let user = users.find((u) => u.login === m.login);
      if (!user) {
        user = {
          id: oktaId('00u', 100_000 + users.length),
          login: m.login,
          firstName: m.login.split('@')[0] ?? m.login,
          lastName: 'Named',
          status: m.status ?? 'ACTIVE',
          lastLogin: m.lastLogin === undefined ? '2026-04-10T12:00:00.000Z' : m.lastLogin,
          created: CREATED,
          ...(m.activated !== undefined && { activated: m.activated }),
          profile: m.profile ?? { department: 'Engineering', employeeType: 'Employee' },
          factors: m.factors ?? [factor('push')],
        };
        users.push(user);
      }
      return user.id;
    });
    groups.push({
      id: oktaId('00g', 100_000 + i),
      name: named.name,
      description: null,
      type: named.type ?? 'OKTA_GROUP',
      memberIds,
    });
  }
  return { users, groups, ...defaultPolicies(groups[0]?.id ?? oktaId('00g', 1)) };
}

export interface OktaServerOptions {
  /** SSWS API tokens accepted. Default: ["test-okta-api-token-0001"]. */
  tokens?: string[];
  /** The administrator who created the API tokens (GET /api/v1/users/me with SSWS). Default: a read-only admin. */
  tokenOwner?: OktaUserFixture;
  /** OAuth service apps: client id, public key (JWK or KeyObject), scopes granted. */
  oauthClients?: { clientId: string; publicKey: JWK | KeyObject; scopes?: string[] }[];
  /** Per-endpoint fixed window. Default 600 calls per 60 s. */
  rateLimit?: { limit: number; windowSeconds: number };
  inject?: {
    status429AtRequest?: number[];
    resetAfterSeconds?: number;
    status5xxAtRequest?: number[];
    /** An answer that is no Okta list (an HTML page, garbage) to the listed API requests (after auth). */
    rawAnswer?: {
      atRequest: number[];
      status: number;
      contentType?: string;
      body: string;
      /** Further headers (a redirect's Location). */
      headers?: Record<string, string>;
    };
    /** A server bug: every Link rel="next" points to the page itself (a pagination loop). */
    nextLinkIsSelf?: boolean;
  };
  /** Epoch ms. Default Date.now. */
  clock?: { now(): number };
  /** Delay before each API answer (to make concurrency observable). Default 0. */
  latencyMs?: number;
}

export interface OktaServerStats {
  requests: number;
  byEndpoint: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
  unauthorized: number;
  maxConcurrent: number;
  tokenRequests: number;
  /** The most requests one endpoint's rate-limit window counted (429s included), by endpoint. */
  peakPerWindow: Record<string, number>;
  /** Every Authorization header value seen (tests check what was sent). */
  authorizations: string[];
}

export interface OktaServer {
  url: string;
  stats: OktaServerStats;
  stop(): Promise<void>;
}

export const DEFAULT_OKTA_TOKEN = 'test-okta-api-token-0001';

interface Window {
  count: number;
  resetAt: number;
}

export async function startOktaServer(
  fixture: OktaOrgFixture,
  options: OktaServerOptions = {},
): Promise<OktaServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const tokens = new Set(options.tokens ?? [DEFAULT_OKTA_TOKEN]);
  const rate = options.rateLimit ?? { limit: 600, windowSeconds: 60 };
  const windows = new Map<string, Window>();
  const accessTokens = new Map<string, { scopes: string[]; expiresAt: number }>();
  // Indexed once for large orgs; a test that adds or removes users while the server runs (a
  // joiner, a deletion) is seen too: the index is rebuilt on a miss, and a hit that is no longer
  // in the list (checked when the list's length changed since) is a miss.
  const index = () => new Map(fixture.users.map((u) => [u.id, u]));
  let indexed = index();
  let indexedLength = fixture.users.length;
  const usersById = {
    get(id: string) {
      const hit = indexed.get(id);
      if (hit && (indexedLength === fixture.users.length || fixture.users.includes(hit))) return hit;
      indexed = index();
      indexedLength = fixture.users.length;
      return indexed.get(id);
    },
  };
  const groupsById = new Map(fixture.groups.map((g) => [g.id, g]));
  const salt = randomBytes(4).toString('hex');
  const stats: OktaServerStats = {
    requests: 0,
    byEndpoint: {},
    rateLimited: 0,
    serverErrors: 0,
    unauthorized: 0,
    maxConcurrent: 0,
    tokenRequests: 0,
    peakPerWindow: {},
    authorizations: [],
  };
  let apiRequests = 0;
  let inFlight = 0;
  let base = '';

  const wholeSecondAfter = (ms: number) => Math.ceil((clock.now() + ms) / 1000) * 1000;

  const windowOf = (endpoint: string): Window => {
    let w = windows.get(endpoint);
    if (!w || clock.now() >= w.resetAt) {
      w = { count: 0, resetAt: wholeSecondAfter(rate.windowSeconds * 1000) };
      windows.set(endpoint, w);
    }
    return w;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const oktaError = (code: string, summary: string) => ({
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(8).toString('hex')}`,
    errorCauses: [],
  });

  const handleToken = async (req: IncomingMessage, res: ServerResponse) => {
    stats.tokenRequests++;
    const form = new URLSearchParams(await readBody(req));
    const fail = (error: string, description: string) =>
      send(res, 401, { error, error_description: description });
    if (form.get('grant_type') !== 'client_credentials')
      return send(res, 400, { error: 'unsupported_grant_type', error_description: 'grant_type' });
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return fail('invalid_client', 'client_assertion_type must be jwt-bearer');
    const assertion = form.get('client_assertion') ?? '';
    const claims = decodeJwtPayload(assertion);
    const client = options.oauthClients?.find((c) => c.clientId === claims?.iss);
    if (!client) return fail('invalid_client', 'The client_id is not recognized.');
    try {
      const alg = decodeProtectedHeader(assertion).alg ?? 'RS256';
      const key =
        'kty' in client.publicKey ? await importJWK(client.publicKey as JWK, alg) : client.publicKey;
      await jwtVerify(assertion, key, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: `${base}/oauth2/v1/token`,
        currentDate: new Date(clock.now()),
      });
    } catch (err) {
      return fail('invalid_client', `The client_assertion signature is invalid: ${(err as Error).message}`);
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const granted = client.scopes ?? ['okta.groups.read', 'okta.users.read'];
    const missing = requested.filter((s) => !granted.includes(s));
    if (missing.length)
      return send(res, 400, {
        error: 'invalid_scope',
        error_description: `The following scopes are not allowed: ${missing.join(' ')}`,
      });
    const token = `oat${randomBytes(24).toString('hex')}`;
    accessTokens.set(token, { scopes: requested, expiresAt: clock.now() + 3600_000 });
    send(res, 200, {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: token,
      scope: requested.join(' '),
    });
  };

  const authorize = (req: IncomingMessage, res: ServerResponse, scope: string): boolean => {
    const header = req.headers.authorization ?? '';
    stats.authorizations.push(header);
    const [kind, value] = header.split(' ', 2);
    if (kind === 'SSWS' && value && tokens.has(value)) return true;
    if (kind === 'Bearer' && value) {
      const t = accessTokens.get(value);
      if (t && t.expiresAt > clock.now()) {
        if (t.scopes.includes(scope)) return true;
        send(res, 403, oktaError('E0000006', 'You do not have permission to perform the requested action'), {
          'www-authenticate': `Bearer authorization_uri="${base}/oauth2/v1/authorize", realm="${base}", scope="${scope}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups"`,
        });
        return false;
      }
    }
    stats.unauthorized++;
    send(res, 401, oktaError('E0000011', 'Invalid token provided'));
    return false;
  };

  const page = <T>(
    res: ServerResponse,
    items: T[],
    url: URL,
    defaultLimit: number,
    render: (item: T) => unknown,
    rateHeaders: Record<string, string>,
  ) => {
    const limit = Math.max(
      1,
      Math.min(Number(url.searchParams.get('limit') ?? defaultLimit) || defaultLimit, 10_000),
    );
    const after = url.searchParams.get('after');
    const offset = after ? decodeCursor(after, salt) : 0;
    if (offset === undefined)
      return send(res, 400, oktaError('E0000031', 'Invalid search criteria.'), rateHeaders);
    const slice = items.slice(offset, offset + limit);
    const self = new URL(url.pathname, base);
    self.search = url.search;
    const links = [`<${self}>; rel="self"`];
    if (options.inject?.nextLinkIsSelf) links.push(`<${self}>; rel="next"`);
    else if (offset + limit < items.length) {
      const next = new URL(url.pathname, base);
      next.searchParams.set('after', encodeCursor(offset + limit, salt));
      next.searchParams.set('limit', String(limit));
      links.push(`<${next}>; rel="next"`);
    }
    send(res, 200, slice.map(render), { ...rateHeaders, link: links.join(', ') });
  };

  const policiesById = new Map((fixture.policies ?? []).map((p) => [p.id, p]));

  /** Which operation a path is, the OAuth scope it needs, and its path parameter. */
  const route = (pathname: string): { endpoint: string; scope: string; param?: string } | undefined => {
    const m = (re: RegExp) => re.exec(pathname)?.[1];
    if (pathname === '/api/v1/groups') return { endpoint: 'listGroups', scope: 'okta.groups.read' };
    let id = m(/^\/api\/v1\/groups\/([^/]+)\/users$/);
    if (id) return { endpoint: 'listGroupUsers', scope: 'okta.users.read', param: id };
    id = m(/^\/api\/v1\/groups\/([^/]+)$/);
    if (id) return { endpoint: 'getGroup', scope: 'okta.groups.read', param: id };
    if (pathname === '/api/v1/users') return { endpoint: 'listUsers', scope: 'okta.users.read' };
    if (pathname === '/api/v1/users/me') return { endpoint: 'getCurrentUser', scope: 'okta.users.read' };
    id = m(/^\/api\/v1\/users\/([^/]+)\/factors$/);
    if (id) return { endpoint: 'listFactors', scope: 'okta.users.read', param: id };
    if (pathname === '/api/v1/policies') return { endpoint: 'listPolicies', scope: 'okta.policies.read' };
    id = m(/^\/api\/v1\/policies\/([^/]+)\/rules$/);
    if (id) return { endpoint: 'listPolicyRules', scope: 'okta.policies.read', param: id };
    if (pathname === '/api/v1/apps') return { endpoint: 'listApplications', scope: 'okta.apps.read' };
    if (pathname === '/api/v1/logs') return { endpoint: 'listLogEvents', scope: 'okta.logs.read' };
    return undefined;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const r = route(url.pathname);
    if (req.method !== 'GET' || !r)
      return send(res, 404, oktaError('E0000022', 'The endpoint does not support the provided HTTP method'));
    const { endpoint } = r;
    const param = r.param === undefined ? undefined : decodeURIComponent(r.param);
    const n = ++apiRequests;
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));

    const w = windowOf(endpoint);
    if (options.inject?.status429AtRequest?.includes(n)) {
      // Another integration spent the budget: the window is exhausted until the injected reset.
      w.count = rate.limit;
      w.resetAt = wholeSecondAfter((options.inject.resetAfterSeconds ?? 30) * 1000);
    }
    w.count++;
    stats.peakPerWindow[endpoint] = Math.max(stats.peakPerWindow[endpoint] ?? 0, w.count);
    const rateHeaders = {
      'x-rate-limit-limit': String(rate.limit),
      'x-rate-limit-remaining': String(Math.max(0, rate.limit - w.count)),
      'x-rate-limit-reset': String(Math.floor(w.resetAt / 1000)),
    };
    if (w.count > rate.limit) {
      stats.rateLimited++;
      return send(
        res,
        429,
        oktaError('E0000047', 'API call exceeded rate limit due to too many requests.'),
        rateHeaders,
      );
    }
    if (options.inject?.status5xxAtRequest?.includes(n)) {
      stats.serverErrors++;
      return send(res, 503, oktaError('E0000009', 'Internal Server Error'), rateHeaders);
    }
    if (!authorize(req, res, r.scope)) return;
    const raw = options.inject?.rawAnswer;
    if (raw?.atRequest.includes(n)) {
      res.writeHead(raw.status, {
        ...rateHeaders,
        ...(raw.contentType && { 'content-type': raw.contentType }),
        ...raw.headers,
      });
      return res.end(raw.body);
    }
    const notFound = (what: string) =>
      send(res, 404, oktaError('E0000007', `Not found: Resource not found: ${param} (${what})`), rateHeaders);
    const invalidSearch = (why: string) =>
      send(
        res,
        400,
        { ...oktaError('E0000031', 'Invalid search criteria.'), errorCauses: [{ errorSummary: why }] },
        rateHeaders,
      );

    switch (endpoint) {
      case 'listGroups':
        return page(res, fixture.groups, url, 10_000, (g) => renderGroup(g, base), rateHeaders);
      case 'getGroup': {
        const group = groupsById.get(param!);
        return group ? send(res, 200, renderGroup(group, base), rateHeaders) : notFound('UserGroup');
      }
      case 'listGroupUsers': {
        const group = groupsById.get(param!);
        if (!group) return notFound('UserGroup');
        const members = group.memberIds.map((id) => usersById.get(id)!).filter(Boolean);
        return page(res, members, url, 1000, (u) => renderUser(u, base), rateHeaders);
      }
      case 'getCurrentUser': {
        // The user of an SSWS token is its creator; an OAuth service app's token has no user.
        if (!(req.headers.authorization ?? '').startsWith('SSWS '))
          return send(
            res,
            404,
            oktaError('E0000007', 'Not found: Resource not found: me (User)'),
            rateHeaders,
          );
        const owner: OktaUserFixture = options.tokenOwner ?? {
          id: '00u1evidencereader01',
          login: 'evidence-reader@example.com',
          firstName: 'Evidence',
          lastName: 'Reader',
          status: 'ACTIVE',
          lastLogin: null,
          created: '2026-01-01T00:00:00.000Z',
        };
        return send(res, 200, renderUser(owner, base), rateHeaders);
      }
      case 'listUsers': {
        const filter = url.searchParams.get('filter');
        const search = url.searchParams.get('search');
        let users: OktaUserFixture[];
        try {
          if (filter !== null && search !== null) throw new ExpressionError('use either filter or search');
          const expression = filter ?? search;
          if (expression === null) users = fixture.users.filter((u) => u.status !== 'DEPROVISIONED');
          else {
            const matches = parseUserExpression(expression, filter !== null ? 'filter' : 'search');
            users = fixture.users.filter(matches);
          }
        } catch (err) {
          if (err instanceof ExpressionError) return invalidSearch(err.message);
          throw err;
        }
        return page(res, users, url, 200, (u) => renderUser(u, base), rateHeaders);
      }
      case 'listFactors': {
        const user = usersById.get(param!);
        if (!user) return notFound('User');
        if (user.factorsStatus)
          return send(res, user.factorsStatus, oktaError('E0000009', 'Internal Server Error'), rateHeaders);
        return send(
          res,
          200,
          (user.factors ?? []).map((f) => renderFactor(f, user.id, base)),
          rateHeaders,
        );
      }
      case 'listPolicies': {
        const type = url.searchParams.get('type');
        if (!type || !POLICY_TYPES.has(type))
          return send(res, 400, oktaError('E0000001', 'Api validation failed: type'), rateHeaders);
        const policies = (fixture.policies ?? []).filter((p) => p.type === type);
        return page(res, policies, url, 200, (p) => renderPolicy(p, base), rateHeaders);
      }
      case 'listPolicyRules': {
        const policy = policiesById.get(param!);
        if (!policy) return notFound('Policy');
        return send(
          res,
          200,
          policy.rules.map((rule) => renderRule(rule, policy, base)),
          rateHeaders,
        );
      }
      case 'listLogEvents': {
        const since = url.searchParams.get('since') ?? new Date(clock.now() - 7 * 86_400_000).toISOString();
        const until = url.searchParams.get('until') ?? new Date(clock.now()).toISOString();
        const filter = url.searchParams.get('filter');
        let types: Set<string> | undefined;
        if (filter !== null) {
          const parts = filter.split(/\s+or\s+/i).map((p) => /^eventType eq "([^"]+)"$/.exec(p.trim())?.[1]);
          if (parts.some((p) => p === undefined))
            return invalidSearch('this server filters the System Log by eventType eq "..." joined by or');
          types = new Set(parts as string[]);
        }
        const events = (fixture.logs ?? [])
          .filter((e) => e.published >= since && e.published < until && (!types || types.has(e.eventType)))
          .sort((a, b) => (a.published < b.published ? -1 : 1));
        return page(res, events, url, 100, (e) => renderLogEvent(e), rateHeaders);
      }
      case 'listApplications': {
        const filter = url.searchParams.get('filter');
        let apps = fixture.apps ?? [];
        if (filter !== null) {
          const m = /^name eq "([^"]*)"$/.exec(filter);
          if (!m) return invalidSearch('this server filters apps by name eq "..." only');
          apps = apps.filter((a) => a.name === m[1]);
        }
        return page(res, apps, url, 20, (a) => renderApp(a, base), rateHeaders);
      }
    }
    return send(res, 404, oktaError('E0000022', 'The endpoint does not support the provided HTTP method'));
  };

  const server = createServer((req, res) => {
    stats.requests++;
    inFlight++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, inFlight);
    res.on('close', () => inFlight--);
    const url = new URL(req.url ?? '/', base);
    const work =
      url.pathname === '/oauth2/v1/token' && req.method === 'POST'
        ? handleToken(req, res)
        : handleApi(req, res, url);
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, oktaError('E0000009', (err as Error).message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    stats,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The Group resource as Okta renders it in listGroups. */
export function renderGroup(g: OktaGroupFixture, base: string) {
  return {
    id: g.id,
    created: CREATED,
    lastUpdated: CREATED,
    lastMembershipUpdated: '2026-04-01T00:00:00.000Z',
    objectClass: ['okta:user_group'],
    type: g.type,
    profile: g.description === null ? { name: g.name } : { name: g.name, description: g.description },
    _links: {
      logo: [
        { name: 'medium', href: `${base}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${base}/assets/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${base}/api/v1/groups/${g.id}/users` },
      apps: { href: `${base}/api/v1/groups/${g.id}/apps` },
    },
  };
}

/** The User resource as Okta renders it in listUsers and listGroupUsers. */
export function renderUser(u: OktaUserFixture, base: string) {
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.activated !== undefined ? u.activated : u.status === 'STAGED' ? null : u.created,
    statusChanged: u.statusChanged ?? '2026-02-01T00:00:00.000Z',
    lastLogin: u.lastLogin,
    lastUpdated: u.lastUpdated ?? u.statusChanged ?? '2026-02-01T00:00:00.000Z',
    passwordChanged: u.created,
    type: { id: 'oty1a2b3c4d5e6f7g8h9' },
    profile: {
      firstName: u.firstName,
      lastName: u.lastName,
      mobilePhone: null,
      secondEmail: null,
      login: u.login,
      email: u.login,
      ...u.profile,
    },
    credentials: {
      password: {},
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: { self: { href: `${base}/api/v1/users/${u.id}` } },
  };
}

/** The UserFactor resource as Okta renders it in listFactors. */
export function renderFactor(f: OktaFactorFixture, userId: string, base: string) {
  const self = `${base}/api/v1/users/${userId}/factors/${f.id}`;
  return {
    id: f.id,
    factorType: f.factorType,
    provider: f.provider,
    vendorName: f.provider,
    status: f.status,
    created: f.created,
    lastUpdated: f.created,
    profile:
      f.factorType === 'question'
        ? {
            question: 'name_of_first_plush_toy',
            questionText: 'What is the name of your first stuffed animal?',
          }
        : {},
    _links: {
      self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
      user: { href: `${base}/api/v1/users/${userId}`, hints: { allow: ['GET'] } },
    },
  };
}

/** The Policy resource as Okta renders it in listPolicies. */
export function renderPolicy(p: OktaPolicyFixture, base: string) {
  return {
    id: p.id,
    status: p.status,
    name: p.name,
    ...(p.description && { description: p.description }),
    priority: p.priority,
    system: p.system ?? false,
    created: CREATED,
    lastUpdated: CREATED,
    type: p.type,
    _links: {
      self: { href: `${base}/api/v1/policies/${p.id}`, hints: { allow: ['GET', 'PUT', 'DELETE'] } },
      rules: { href: `${base}/api/v1/policies/${p.id}/rules`, hints: { allow: ['GET', 'POST'] } },
    },
  };
}

/** The PolicyRule resource as Okta renders it in listPolicyRules. */
export function renderRule(r: OktaPolicyRuleFixture, p: OktaPolicyFixture, base: string) {
  return {
    id: r.id,
    status: r.status,
    name: r.name,
    priority: r.priority,
    created: CREATED,
    lastUpdated: CREATED,
    system: r.system ?? false,
    type: r.type,
    ...(r.conditions !== undefined && { conditions: r.conditions }),
    ...(r.actions !== undefined && { actions: r.actions }),
    _links: {
      self: {
        href: `${base}/api/v1/policies/${p.id}/rules/${r.id}`,
        hints: { allow: ['GET', 'PUT', 'DELETE'] },
      },
    },
  };
}

/** The LogEvent resource as listLogEvents renders it. */
export function renderLogEvent(e: OktaLogEventFixture) {
  return {
    uuid: e.uuid,
    published: e.published,
    eventType: e.eventType,
    version: '0',
    severity: 'INFO',
    legacyEventType: e.eventType.replaceAll('.', '_'),
    displayMessage: e.eventType,
    actor: { id: e.target.id, type: 'User', alternateId: e.target.login, displayName: e.target.login },
    outcome: { result: 'SUCCESS' },
    target: [{ id: e.target.id, type: 'User', alternateId: e.target.login, displayName: e.target.login }],
    transaction: { type: 'WEB', id: `trs${e.uuid.slice(0, 16)}` },
  };
}

/** The Application resource (an Okta first-party app) as listApplications renders it. */
export function renderApp(a: OktaAppFixture, base: string) {
  return {
    id: a.id,
    name: a.name,
    label: a.label,
    status: 'ACTIVE',
    created: CREATED,
    lastUpdated: CREATED,
    signOnMode: 'OPENID_CONNECT',
    accessibility: { selfService: false },
    visibility: { autoSubmitToolbar: false, hide: { iOS: true, web: true } },
    features: [],
    _links: {
      ...(a.accessPolicyId && { accessPolicy: { href: `${base}/api/v1/policies/${a.accessPolicyId}` } }),
      self: { href: `${base}/api/v1/apps/${a.id}` },
    },
  };
}

const POLICY_TYPES = new Set([
  'ACCESS_POLICY',
  'ENTITY_RISK',
  'IDP_DISCOVERY',
  'MFA_ENROLL',
  'OKTA_SIGN_ON',
  'PASSWORD',
  'POST_AUTH_SESSION',
  'PROFILE_ENROLLMENT',
]);

/** An expression Okta would refuse (400 E0000031). */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const FILTER_PROPERTIES = new Set([
  'status',
  'lastUpdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstName',
  'profile.lastName',
]);
const SEARCH_TOP_LEVEL = new Set([
  'id',
  'status',
  'created',
  'activated',
  'statusChanged',
  'lastUpdated',
  'type.id',
]);
const OPERATORS = new Set(['eq', 'sw', 'co', 'gt', 'ge', 'lt', 'le', 'pr']);

/**
 * A `filter` or `search` expression of listUsers as Okta documents them: `attr op "value"`
 * (or `attr pr`) joined by `and` / `or`, with parentheses. Throws ExpressionError for what Okta
 * refuses in that mode. Returns the predicate over a fixture user.
 */
export function parseUserExpression(
  text: string,
  mode: 'filter' | 'search',
): (u: OktaUserFixture) => boolean {
  const matches = [...text.matchAll(/\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/g)];
  if (matches.reduce((n, m) => n + m[0].length, 0) !== text.trimEnd().length)
    throw new ExpressionError(`cannot parse ${JSON.stringify(text)}`);
  const tokens = matches.map((m) => m[1]!);
  let i = 0;
  const peek = () => tokens[i];
  const take = () => tokens[i++];
  const primary = (): ((u: OktaUserFixture) => boolean) => {
    const t = take();
    if (t === undefined) throw new ExpressionError('unexpected end of expression');
    if (t === '(') {
      const inner = or();
      if (take() !== ')') throw new ExpressionError('missing )');
      return inner;
    }
    const attr = t;
    const op = take()?.toLowerCase();
    if (!op || !OPERATORS.has(op)) throw new ExpressionError(`unknown operator after ${attr}`);
    if (mode === 'filter') {
      if (!FILTER_PROPERTIES.has(attr)) throw new ExpressionError(`filter does not support ${attr}`);
      if (op !== 'eq' && !(attr === 'lastUpdated' && ['gt', 'ge', 'lt', 'le'].includes(op)))
        throw new ExpressionError(`filter supports only eq for ${attr}`);
    } else {
      if (!SEARCH_TOP_LEVEL.has(attr) && !/^profile\.[A-Za-z][A-Za-z0-9_]*$/.test(attr))
        throw new ExpressionError(`search does not support ${attr}`);
      if (
        op === 'co' &&
        !['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login'].includes(attr)
      )
        throw new ExpressionError(`co is not supported for ${attr}`);
    }
    if (op === 'pr') return (u) => attributeOf(u, attr) != null;
    const literal = take();
    if (!literal?.startsWith('"') || !literal.endsWith('"') || literal.length < 2)
      throw new ExpressionError(`expected a quoted value after ${attr} ${op}`);
    const want = JSON.parse(literal) as string;
    const fold = (v: string) => (mode === 'search' ? v.toLowerCase() : v);
    return (u) => {
      const raw = attributeOf(u, attr);
      const values = Array.isArray(raw) ? raw : [raw];
      return values.some((value) => {
        if (value === null || value === undefined) return false;
        const have = fold(String(value));
        const w = fold(want);
        switch (op) {
          case 'eq':
            return have === w;
          case 'sw':
            return have.startsWith(w);
          case 'co':
            return have.includes(w);
          case 'gt':
            return have > w;
          case 'ge':
            return have >= w;
          case 'lt':
            return have < w;
          default:
            return have <= w;
        }
      });
    };
  };
  const and = () => {
    let left = primary();
    while (peek()?.toLowerCase() === 'and') {
      take();
      const l = left;
      const r = primary();
      left = (u) => l(u) && r(u);
    }
    return left;
  };
  const or = (): ((u: OktaUserFixture) => boolean) => {
    let left = and();
    while (peek()?.toLowerCase() === 'or') {
      take();
      const l = left;
      const r = and();
      left = (u) => l(u) || r(u);
    }
    return left;
  };
  const predicate = or();
  if (i !== tokens.length) throw new ExpressionError(`unexpected ${tokens[i]}`);
  return predicate;
}

function attributeOf(u: OktaUserFixture, attr: string): unknown {
  const rendered = renderUser(u, '') as Record<string, unknown> & { profile: Record<string, unknown> };
  if (attr.startsWith('profile.')) return rendered.profile[attr.slice('profile.'.length)];
  if (attr === 'type.id') return (rendered.type as { id: string }).id;
  return rendered[attr];
}

function encodeCursor(offset: number, salt: string): string {
  return Buffer.from(`${salt}:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string, salt: string): number | undefined {
  const [s, o] = Buffer.from(cursor, 'base64url').toString().split(':');
  const offset = Number(o);
  return s === salt && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
}

function decodeJwtPayload(jwt: string): { iss?: string } | undefined {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { iss?: string };
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
