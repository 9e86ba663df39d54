/**
 * A small Okta Management API client: SSWS token or OAuth 2.0 service app
 * (private_key_jwt), `Link: rel="next"` pagination, and rate limits respected by design:
 *
 * - every response's X-Rate-Limit-Remaining / X-Rate-Limit-Reset is remembered per
 *   endpoint bucket; when the remaining budget falls to the reserve, requests wait for
 *   the reset instead of spending the last calls (other integrations share the org's limit);
 * - a 429 waits until X-Rate-Limit-Reset (plus a margin) and retries;
 * - at most `concurrency` requests are in flight at once (Okta's concurrent limit is ~75
 *   per org, shared by every integration; the default here is 3);
 * - a 5xx or a network error is retried with backoff.
 *
 * Time is injected (`timer`): tests advance a manual clock instead of sleeping.
 */
import { createPrivateKey, type KeyObject as NodeKeyObject, randomUUID } from 'node:crypto';
import { importJWK, type JWK, type KeyObject, SignJWT } from 'jose';
import { SourceUnavailableError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { registerSecret } from '../secrets.js';
import { describeNoAnswer, fetchWithinOrigin, RedirectRefusedError } from './http.js';

/** Wall time for pacing: `now()` in epoch ms, `sleep(ms)`. Injected so tests never wait. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemTimer: Timer = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** The share of each endpoint's per-minute limit left unused by default: half. */
export const OKTA_RESERVE_FRACTION = 0.5;

export type OktaAuth =
  | { kind: 'ssws'; token: string }
  | { kind: 'oauth'; clientId: string; privateKey: string; scopes?: readonly string[] };

const OKTA_OAUTH_SCOPES = ['okta.groups.read', 'okta.users.read'] as const;

export interface OktaClientOptions {
  orgUrl: string;
  auth: OktaAuth;
  /** Requests in flight at once. */
  concurrency?: number;
  timer?: Timer;
  /** Counts every HTTP attempt (including retries and the token request). */
  onRequest?: () => void;
  logger?: Logger;
  /** Retries of one request after a 429 before giving up (the collection is then partial). */
  maxRateLimitRetries?: number;
  /** Retries after a 5xx or a network error. */
  maxServerRetries?: number;
  /**
   * Keep this fraction of each bucket's limit unused (at least `concurrency` calls). Default 0.5:
   * never more than half of an endpoint's per-minute limit, so other integrations keep working.
   */
  reserveFraction?: number;
  /**
   * Abort a request not answered in full within this time (then retried as a network error).
   * Default 30 s. Connecting has its own, shorter bound: Node's fetch's 10 s (vendors/http.ts).
   */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Okta kept refusing with 429 after every wait: the listing cannot complete now. */
export class OktaRateLimitError extends Error {
  override name = 'OktaRateLimitError';
}

/** Okta answered with an unexpected status (after retries for 5xx). */
/** Pages of one list at most: past this, the list is recorded as incomplete. */
const MAX_PAGES = 5_000;

export class OktaApiError extends Error {
  override name = 'OktaApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A list whose pagination loops or never ends: stopped, and recorded as incomplete. */
export class OktaPaginationError extends OktaApiError {
  override name = 'OktaPaginationError';
  constructor(message: string) {
    super(200, message);
  }
}

interface Bucket {
  limit: number;
  remaining: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
  /** True while the window is a local guess (the previous one ended; no answer of the new one yet). */
  estimated?: boolean;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Margin added to X-Rate-Limit-Reset (whole seconds) before retrying. */
const RESET_MARGIN_MS = 1000;

/** Validate an org URL: https, or http only for a loopback test server. */
export function parseOrgUrl(orgUrl: string): URL {
  let url: URL;
  try {
    url = new URL(orgUrl);
  } catch (err) {
    throw new SourceUnavailableError(
      `okta.orgUrl ${JSON.stringify(orgUrl)} is not a URL; expected e.g. "https://example.okta.com"`,
      { cause: err },
    );
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new SourceUnavailableError(
      `okta.orgUrl ${JSON.stringify(orgUrl)} must use https:// (plain http is accepted only for a local test server on 127.0.0.1)`,
    );
  }
  return url;
}

/** Parse an RFC 8288 Link header; returns the URL of rel="next", if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(?:;|$)/.test(m[2]!)) return m[1];
  }
  return undefined;
}

export class OktaClient {
  readonly origin: string;
  private readonly timer: Timer;
  private readonly concurrency: number;
  private readonly logger: Logger;
  private readonly fetchFn: typeof fetch;
  private readonly requestTimeoutMs: number;
  private readonly buckets = new Map<string, Bucket>();
  /** Endpoints whose limit is not known yet: one request goes first, the others wait for its answer. */
  private readonly probes = new Map<string, { done: Promise<void>; resolve: () => void }>();
  /** Requests past pacing and not answered yet, per endpoint (they may land in the next window). */
  private readonly pending = new Map<string, number>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private accessToken?: { value: string; expiresAt: number };
  /** What happened, for stats and benches. */
  readonly stats = { requests: 0, rateLimited: 0, slowDowns: 0, serverErrors: 0 };

  constructor(private readonly options: OktaClientOptions) {
    this.origin = parseOrgUrl(options.orgUrl).origin;
    this.timer = options.timer ?? systemTimer;
    this.concurrency = Math.max(1, options.concurrency ?? 3);
    this.logger = options.logger ?? silentLogger;
    this.fetchFn = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (options.auth.kind === 'ssws') registerSecret(options.auth.token);
    else registerSecret(options.auth.privateKey);
  }

  /**
   * Every item of a paginated list, following Link rel="next" until there is none. A next link
   * that repeats a page already read, or more than MAX_PAGES pages, stops the list with an
   * OktaPaginationError (an OktaApiError: the collector records the list as incomplete).
   */
  async *paginate<T>(path: string, onPage?: () => void): AsyncGenerator<T[]> {
    let url: string | undefined = new URL(path, this.origin).toString();
    const seen = new Set<string>();
    while (url) {
      if (seen.has(url))
        throw new OktaPaginationError(
          `Okta's next link repeats a page already read (${url}); stopped after ${seen.size} page(s) instead of looping`,
        );
      if (seen.size >= MAX_PAGES)
        throw new OktaPaginationError(`Okta's list ${path} goes on past ${MAX_PAGES} pages; stopped there`);
      seen.add(url);
      const response = await this.get(url);
      onPage?.();
      // A parse error would quote the body (which may hold a credential): name its type instead.
      const body = (await response.json().catch(() => NOT_JSON)) as T[] | typeof NOT_JSON;
      if (!Array.isArray(body))
        throw new OktaApiError(
          response.status,
          `Okta answered ${url} with HTTP ${response.status} and ${body === NOT_JSON ? 'a body that is no JSON' : 'a non-array body'} (${response.headers.get('content-type') ?? 'no content type'})`,
        );
      yield body;
      const next = nextLink(response.headers.get('link'));
      if (next !== undefined && new URL(next).origin !== this.origin)
        throw new OktaApiError(response.status, `Okta's next link points off the org: ${next}`);
      url = next;
    }
  }

  async listAll<T>(path: string, onPage?: () => void): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.paginate<T>(path, onPage)) all.push(...page);
    return all;
  }

  /** One GET with auth, concurrency bound, pacing and retries. */
  async get(url: string): Promise<Response> {
    const bucketKey = bucketOf(new URL(url).pathname);
    let rateLimitRetries = 0;
    let serverRetries = 0;
    let refreshed = false;
    for (;;) {
      await this.paceBeforeRequest(bucketKey);
      const authorization = await this.authorization();
      let response: Response;
      await this.acquire();
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      try {
        this.count();
        response = await fetchWithinOrigin('Okta', this.fetchFn, url, {
          headers: { accept: 'application/json', authorization },
          signal: timeout,
        });
      } catch (err) {
        this.release();
        this.endProbe(bucketKey);
        // Not an OktaApiError (a list cut short): nothing from this org's answer is evidence.
        if (err instanceof RedirectRefusedError) throw err;
        if (serverRetries++ < (this.options.maxServerRetries ?? 3)) {
          this.logger.warn('okta request got no answer, retrying', {
            path: new URL(url).pathname,
            attempt: serverRetries,
          });
          await this.timer.sleep(backoffMs(serverRetries));
          continue;
        }
        throw new SourceUnavailableError(
          `cannot reach Okta: ${describeNoAnswer(err, url, { requestTimeoutMs: this.requestTimeoutMs, timedOut: timeout.aborted })}, after ${serverRetries} attempt(s); check okta.orgUrl and the network`,
          { cause: err },
        );
      }
      this.release();
      this.remember(bucketKey, response);
      this.endProbe(bucketKey);
      if (response.ok) return response;
      const error = await errorSummary(response);
      if (response.status === 429) {
        this.stats.rateLimited++;
        if (rateLimitRetries++ >= (this.options.maxRateLimitRetries ?? 5)) {
          throw new OktaRateLimitError(
            `Okta kept answering 429 (rate limit) for ${new URL(url).pathname} after ${rateLimitRetries - 1} waits until X-Rate-Limit-Reset${error}`,
          );
        }
        const wait = this.waitForReset(response);
        this.logger.warn('okta rate limited', { path: new URL(url).pathname, waitMs: wait });
        await this.timer.sleep(wait);
        continue;
      }
      if (response.status === 401) {
        if (this.options.auth.kind === 'oauth' && !refreshed) {
          // An access token can expire mid-run: get a new one once.
          this.accessToken = undefined;
          refreshed = true;
          continue;
        }
        throw new SourceUnavailableError(
          this.options.auth.kind === 'ssws'
            ? `Okta refused the API token (401${error}): OKTA_API_TOKEN is invalid, expired or revoked (tokens expire after 30 days unused). Create a token as a read-only administrator in the Admin Console (Security > API > Tokens) and set OKTA_API_TOKEN`
            : `Okta refused the OAuth access token (401${error}): check the service app ${this.clientId()} is active and the org URL is right`,
        );
      }
      if (response.status === 403) {
        throw new SourceUnavailableError(
          this.options.auth.kind === 'ssws'
            ? `Okta denied access to ${new URL(url).pathname} (403${error}): the API token's administrator needs at least the Read-Only Administrator role`
            : `Okta denied access to ${new URL(url).pathname} (403${error}): grant the service app ${this.clientId()} the scopes ${OKTA_OAUTH_SCOPES.join(' ')} (Okta API Scopes tab) and the Read-Only Administrator role`,
        );
      }
      if (response.status >= 500 && serverRetries++ < (this.options.maxServerRetries ?? 3)) {
        this.stats.serverErrors++;
        this.logger.warn('okta server error, retrying', { status: response.status, attempt: serverRetries });
        await this.timer.sleep(backoffMs(serverRetries));
        continue;
      }
      throw new OktaApiError(
        response.status,
        `Okta answered ${response.status} for ${new URL(url).pathname}${error}`,
      );
    }
  }

  private clientId(): string {
    return this.options.auth.kind === 'oauth' ? this.options.auth.clientId : '';
  }

  private count(): void {
    this.stats.requests++;
    this.options.onRequest?.();
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /**
   * Slow down before the bucket runs dry: wait for the reset when only the reserve is left.
   * Every request is counted against the window before it goes: while an endpoint's limit is
   * unknown one request goes first (its answer tells the limit), and when a window ends the next
   * is assumed to start full until Okta's answer says otherwise. So the reserve holds under
   * concurrency too: at most `limit - reserve` calls of a window are this client's.
   */
  private async paceBeforeRequest(key: string): Promise<void> {
    for (;;) {
      const bucket = this.buckets.get(key);
      if (!bucket) {
        const probe = this.probes.get(key);
        if (probe) {
          await probe.done;
          continue;
        }
        let resolve = () => {};
        const done = new Promise<void>((r) => {
          resolve = r;
        });
        this.probes.set(key, { done, resolve });
        this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
        return;
      }
      const now = this.timer.now();
      if (now >= bucket.resetAt) {
        // The window is over: the next one starts full (Okta's windows are one minute) but for
        // the requests still on their way, which may be counted in it.
        bucket.remaining = bucket.limit - (this.pending.get(key) ?? 0);
        bucket.resetAt = now + 60_000;
        bucket.estimated = true;
      }
      const reserve = Math.max(
        this.concurrency,
        Math.ceil(bucket.limit * (this.options.reserveFraction ?? OKTA_RESERVE_FRACTION)),
      );
      if (bucket.remaining > reserve) {
        bucket.remaining--; // this request spends one call (the response will correct the figure)
        this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
        return;
      }
      this.stats.slowDowns++;
      this.logger.info('okta slowing down before the rate limit', {
        bucket: key,
        remaining: bucket.remaining,
        waitMs: bucket.resetAt - now,
      });
      await this.timer.sleep(bucket.resetAt - now + RESET_MARGIN_MS);
    }
  }

  /** A request of this endpoint was answered (or got no answer): it no longer counts as pending. */
  private endProbe(key: string): void {
    const n = (this.pending.get(key) ?? 1) - 1;
    if (n > 0) this.pending.set(key, n);
    else this.pending.delete(key);
    const probe = this.probes.get(key);
    if (!probe) return;
    this.probes.delete(key);
    probe.resolve();
  }

  private remember(key: string, response: Response): void {
    const limit = Number(response.headers.get('x-rate-limit-limit'));
    const remaining = Number(response.headers.get('x-rate-limit-remaining'));
    const reset = Number(response.headers.get('x-rate-limit-reset'));
    if (!response.headers.has('x-rate-limit-remaining') || !Number.isFinite(remaining) || !reset) return;
    const resetAt = reset * 1000;
    // An answer from a window that is already over says nothing about the current one.
    if (resetAt <= this.timer.now()) return;
    const known = this.buckets.get(key);
    // Responses arrive out of order under concurrency, and requests counted locally may not be
    // in this answer yet: keep the lowest figure of a window.
    if (known && (known.resetAt === resetAt || known.estimated)) {
      known.remaining = Math.min(known.remaining, remaining);
      known.resetAt = resetAt;
      known.estimated = false;
      if (Number.isFinite(limit) && limit > 0) known.limit = limit;
    } else this.buckets.set(key, { limit: Number.isFinite(limit) ? limit : remaining, remaining, resetAt });
  }

  private waitForReset(response: Response): number {
    const reset = Number(response.headers.get('x-rate-limit-reset'));
    if (!reset) return 60_000; // no header: Okta's windows are one minute
    return Math.max(0, reset * 1000 - this.timer.now()) + RESET_MARGIN_MS;
  }

  private async authorization(): Promise<string> {
    const auth = this.options.auth;
    if (auth.kind === 'ssws') return `SSWS ${auth.token}`;
    if (!this.accessToken || this.accessToken.expiresAt - 60_000 <= this.timer.now()) {
      this.accessToken = await this.fetchAccessToken(auth);
    }
    return `Bearer ${this.accessToken.value}`;
  }

  /** OAuth 2.0 client credentials with a private_key_jwt client assertion. */
  private async fetchAccessToken(
    auth: Extract<OktaAuth, { kind: 'oauth' }>,
  ): Promise<{ value: string; expiresAt: number }> {
    const tokenUrl = `${this.origin}/oauth2/v1/token`;
    const { key, alg, kid } = await importPrivateKey(auth.privateKey);
    const nowSeconds = Math.floor(this.timer.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader(kid ? { alg, kid } : { alg })
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 300)
      .setJti(randomUUID())
      .sign(key);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: (auth.scopes ?? OKTA_OAUTH_SCOPES).join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    let response: Response;
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      this.count();
      response = await fetchWithinOrigin('Okta', this.fetchFn, tokenUrl, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: timeout,
      });
    } catch (err) {
      if (err instanceof RedirectRefusedError)
        throw new SourceUnavailableError(`${err.message}; check okta.orgUrl`, { cause: err });
      throw new SourceUnavailableError(
        `cannot reach Okta's token endpoint: ${describeNoAnswer(err, tokenUrl, { requestTimeoutMs: this.requestTimeoutMs, timedOut: timeout.aborted })}`,
        { cause: err },
      );
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof json.access_token !== 'string') {
      const code = String(json.error ?? response.status);
      const description = json.error_description ? `: ${String(json.error_description)}` : '';
      const fix =
        code === 'invalid_dpop_proof' || code === 'use_dpop_nonce'
          ? 'turn off "Require Demonstrating Proof of Possession (DPoP) header in token requests" in the app\'s General settings'
          : code === 'invalid_scope'
            ? `grant the scopes ${OKTA_OAUTH_SCOPES.join(' ')} on the app's Okta API Scopes tab`
            : `check okta.clientId (${auth.clientId}), that the app uses "Public key / Private key" client authentication, and that OKTA_PRIVATE_KEY matches the public key registered on it`;
      throw new SourceUnavailableError(
        `Okta refused the OAuth token request (${code}${description}): ${fix}`,
      );
    }
    registerSecret(json.access_token);
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 3600;
    return { value: json.access_token, expiresAt: this.timer.now() + expiresIn * 1000 };
  }
}

/** JWS algorithm of an EC key by its curve (JWK crv, or Node's namedCurve). */
const EC_ALGORITHMS: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/** The JWS algorithm for a private key: RS256 for RSA, ES256/384/512 by curve for EC. */
export function signingAlgorithm(key: NodeKeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const alg = EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return alg;
  }
  throw new Error(
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}: Okta accepts RSA or EC P-256/P-384/P-521 keys`,
  );
}

/** A PEM (PKCS#8, or SEC1/PKCS#1) or JWK private key; JWKs carry their own alg and kid. */
async function importPrivateKey(
  text: string,
): Promise<{ key: Awaited<ReturnType<typeof importJWK>> | KeyObject; alg: string; kid?: string }> {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JWK;
      const alg = jwk.alg ?? (jwk.kty === 'EC' ? (EC_ALGORITHMS[String(jwk.crv)] ?? 'ES256') : 'RS256');
      const key = await importJWK(jwk, alg);
      return { key, alg, ...(jwk.kid ? { kid: jwk.kid } : {}) };
    }
    // The algorithm comes from the key itself (its type and curve), not from the PEM's label:
    // an EC key in PKCS#8 ("BEGIN PRIVATE KEY") is as valid as one in SEC1 ("BEGIN EC PRIVATE KEY").
    const key = createPrivateKey(trimmed);
    return { key, alg: signingAlgorithm(key) };
  } catch (err) {
    throw new SourceUnavailableError(
      'OKTA_PRIVATE_KEY is not a usable private key: expected a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") or a private JWK as JSON',
      { cause: err },
    );
  }
}

const NOT_JSON = Symbol('not JSON');

/** Rate-limit bucket of a path: Okta limits per endpoint, ids do not matter. */
function bucketOf(pathname: string): string {
  return pathname.replace(/\/(00[a-zA-Z0-9]{15,})(?=\/|$)/g, '/{id}');
}

function backoffMs(attempt: number): number {
  return 1000 * 2 ** (attempt - 1);
}

/** " E0000011 Invalid token provided" from an Okta error body, if any. */
async function errorSummary(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errorCode?: string; errorSummary?: string };
    const parts = [body.errorCode, body.errorSummary].filter(Boolean);
    return parts.length ? ` ${parts.join(' ')}` : '';
  } catch {
    return '';
  }
}
