/**
 * A local Okta org on 127.0.0.1 (plain node:http) that behaves like Okta's Management API
 * for what the collector reads. Used by tests, the bench and the demo. Stable API:
 *
 *   const org = makeOktaOrg({ groups: 20, membersPerGroup: 10, named: [...] });
 *   const server = await startOktaServer(org, { tokens: ['...'], rateLimit: {...}, inject: {...} });
 *   server.url       // "http://127.0.0.1:PORT": use it as okta.orgUrl
 *   server.stats     // { requests, byEndpoint, rateLimited, serverErrors, unauthorized, maxConcurrent, tokenRequests }
 *   await server.stop();
 *
 * Behaviour:
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

export interface OktaUserFixture {
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  /** ACTIVE, STAGED, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED, DEPROVISIONED */
  status: string;
  lastLogin: string | null;
  created: string;
}

export interface OktaGroupFixture {
  id: string;
  name: string;
  description: string | null;
  /** OKTA_GROUP, APP_GROUP or BUILT_IN */
  type: string;
  memberIds: string[];
}

export interface OktaOrgFixture {
  users: OktaUserFixture[];
  groups: OktaGroupFixture[];
}

export interface NamedGroupInput {
  name: string;
  type?: string;
  members: { login: string; status?: string; lastLogin?: string | null }[];
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
  return { users, groups };
}

export interface OktaServerOptions {
  /** SSWS API tokens accepted. Default: ["test-okta-api-token-0001"]. */
  tokens?: string[];
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
  const usersById = new Map(fixture.users.map((u) => [u.id, u]));
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

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const groupUsers = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(url.pathname);
    const endpoint =
      url.pathname === '/api/v1/groups' ? 'listGroups' : groupUsers ? 'listGroupUsers' : undefined;
    if (req.method !== 'GET' || !endpoint)
      return send(res, 404, oktaError('E0000022', 'The endpoint does not support the provided HTTP method'));
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
    if (!authorize(req, res, endpoint === 'listGroups' ? 'okta.groups.read' : 'okta.users.read')) return;
    const raw = options.inject?.rawAnswer;
    if (raw?.atRequest.includes(n)) {
      res.writeHead(raw.status, {
        ...rateHeaders,
        ...(raw.contentType && { 'content-type': raw.contentType }),
        ...raw.headers,
      });
      return res.end(raw.body);
    }

    if (endpoint === 'listGroups') {
      return page(res, fixture.groups, url, 10_000, (g) => renderGroup(g, base), rateHeaders);
    }
    const group = groupsById.get(decodeURIComponent(groupUsers![1]!));
    if (!group)
      return send(
        res,
        404,
        oktaError('E0000007', `Not found: Resource not found: ${groupUsers![1]} (UserGroup)`),
        rateHeaders,
      );
    const members = group.memberIds.map((id) => usersById.get(id)!).filter(Boolean);
    page(res, members, url, 1000, (u) => renderUser(u, base), rateHeaders);
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

/** The User resource as Okta renders it in listGroupUsers. */
export function renderUser(u: OktaUserFixture, base: string) {
  return {
    id: u.id,
    status: u.status,
    created: u.created,
    activated: u.status === 'STAGED' ? null : u.created,
    statusChanged: '2026-02-01T00:00:00.000Z',
    lastLogin: u.lastLogin,
    lastUpdated: '2026-02-01T00:00:00.000Z',
    passwordChanged: u.created,
    type: { id: 'oty1a2b3c4d5e6f7g8h9' },
    profile: {
      firstName: u.firstName,
      lastName: u.lastName,
      mobilePhone: null,
      secondEmail: null,
      login: u.login,
      email: u.login,
    },
    credentials: {
      password: {},
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: { self: { href: `${base}/api/v1/users/${u.id}` } },
  };
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
