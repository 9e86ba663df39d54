/**
 * What went wrong with a vendor request that got no HTTP answer, in words that name the
 * endpoint and the timeout, for the Okta and GitHub clients.
 *
 * Two timeouts bound every request:
 * - **connect**: Node's fetch (undici) gives up on a TCP/TLS connection not established
 *   within 10 s (undici's default; a DNS lookup counts), failing with UND_ERR_CONNECT_TIMEOUT.
 *   It is fixed: setting it needs the `undici` package's Agent (about 520 KB minified in each
 *   vendor function's bundle), which is not worth a knob whose default is right.
 * - **request**: the client's own `requestTimeoutMs` (30 s by default) from sending the
 *   request to the end of the answer, as an AbortSignal.timeout.
 *
 * The description never quotes a header or a body (they may hold a credential): only the
 * endpoint (origin and path, no query), the error code and the timeouts.
 */

/** Node's fetch (undici) connect timeout, for messages when the error does not say. */
export const FETCH_CONNECT_TIMEOUT_MS = 10_000;

/** "https://example.okta.com/api/v1/groups": origin and path, without the query (cursors). */
export function endpointOf(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url);
  }
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The innermost error with a `code` (undici and Node's net put it on `cause`). */
function codeOf(err: unknown): { code?: string; message: string } {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: e.message };
    e = e.cause;
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/**
 * One sentence for a request that got no answer: which timeout expired (and how long it
 * is), or what refused, at which endpoint. `timedOut`: the request's own timeout fired.
 */
export function describeNoAnswer(
  err: unknown,
  url: string | URL,
  options: { requestTimeoutMs: number; timedOut: boolean },
): string {
  const endpoint = endpointOf(url);
  const { host, hostname } = (() => {
    try {
      return new URL(url);
    } catch {
      return { host: endpoint, hostname: endpoint };
    }
  })();
  if (options.timedOut || (err instanceof Error && err.name === 'TimeoutError'))
    return `no answer from ${endpoint} within ${seconds(options.requestTimeoutMs)} (request timeout)`;
  const { code, message } = codeOf(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT': {
      const ms = Number(/timeout: (\d+)ms/.exec(message)?.[1] ?? FETCH_CONNECT_TIMEOUT_MS);
      return `no connection to ${endpoint} within ${seconds(ms)} (connect timeout)`;
    }
    case 'ECONNREFUSED':
      return `${host} refused the connection to ${endpoint} (nothing listens there, or a firewall says no)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${hostname} does not resolve (${code}) for ${endpoint}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `the connection to ${endpoint} was closed before an answer (${code})`;
    default:
      return `no answer from ${endpoint}: ${code ? `${code} ` : ''}${message}`;
  }
}

/** Redirects followed within one origin before the request is given up. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A redirect the client would not follow: to another origin (a captive portal, a proxy's
 * login page, a hijacked name, an open redirect) or one too many. Whatever answers there is
 * not the vendor's API of this org: it is never read, let alone stored as evidence. The
 * message names both endpoints (origin and path, no query), never a header or a body.
 */
export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
  constructor(
    readonly vendor: string,
    readonly status: number,
    readonly from: string,
    readonly to: string | undefined,
  ) {
    super(
      to === undefined
        ? `${vendor} at ${from} redirected more than ${MAX_REDIRECTS} times (last HTTP ${status}); refused`
        : `${vendor} at ${from} answered HTTP ${status}, a redirect to another origin (${to}); refused: an answer from elsewhere is no evidence of this org (a proxy or login page may stand in the way, or the URL is not the vendor's API)`,
    );
  }
}

/**
 * fetch that follows redirects only within the origin of `url` (the vendor's API), as fetch
 * would (303, and 301/302 after a POST, become a GET without body); a redirect to any other
 * origin throws RedirectRefusedError before anything is read from there.
 */
export async function fetchWithinOrigin(
  vendor: string,
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  const origin = new URL(url).origin;
  let current = new URL(url);
  let request: RequestInit = init;
  for (let hop = 0; ; hop++) {
    const response = await fetchFn(current, { ...request, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => {});
    const next = new URL(location, current);
    if (next.origin !== origin)
      throw new RedirectRefusedError(vendor, response.status, endpointOf(current), endpointOf(next));
    if (hop >= MAX_REDIRECTS)
      throw new RedirectRefusedError(vendor, response.status, endpointOf(current), undefined);
    const method = (request.method ?? 'GET').toUpperCase();
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      const { body: _body, ...rest } = request;
      request = { ...rest, method: 'GET' };
    }
    current = next;
  }
}
