/**
 * AWS SDK client options shared by every client we build: the one place that sets the
 * request timeouts and the credentials. The SDK honours AWS_ENDPOINT_URL itself; against an
 * emulator S3 also needs path-style addressing.
 *
 * Credentials: the SDK's own provider chain (environment, SSO, shared config and credentials
 * files with profiles, process, web identity, container, instance metadata), wrapped so that
 * whatever it returns is registered for redaction before the first request is signed: a
 * session token echoed back by an endpoint never reaches a log line or the locker.
 *
 * Timeouts: every request has a connect timeout and a total timeout (NodeHttpHandler's
 * connectionTimeout, and requestTimeout with throwOnRequestTimeout: without it the handler
 * only warns), so a hanging endpoint becomes an error, not a stall.
 */
import { Readable } from 'node:stream';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MiddlewareStack } from '@smithy/types';
import { awsEndpointOverride, optionalEnv } from '../env.js';
import { SourceUnavailableError } from '../errors.js';
import { registerSecret } from '../secrets.js';

const DEFAULT_REGION = 'us-east-1';

export function defaultRegion(): string {
  return optionalEnv('AWS_REGION') ?? optionalEnv('AWS_DEFAULT_REGION') ?? DEFAULT_REGION;
}

export interface AwsTimeouts {
  /** Milliseconds to establish the connection. */
  connectionTimeout: number;
  /** Milliseconds a request may take in all (per attempt). */
  requestTimeout: number;
}

const DEFAULT_AWS_TIMEOUTS: Readonly<AwsTimeouts> = {
  connectionTimeout: 5_000,
  requestTimeout: 30_000,
};
let timeouts: AwsTimeouts = { ...DEFAULT_AWS_TIMEOUTS };

/** Change the request timeouts of clients built from now on (tests; the CLI's --deadline). */
export function setAwsTimeouts(next: Partial<AwsTimeouts>): void {
  timeouts = { ...timeouts, ...next };
}

/** The request handler options: connect timeout, and a total time per request that is an error. */
export function awsTimeouts(): AwsTimeouts & { throwOnRequestTimeout: true } {
  return { ...timeouts, throwOnRequestTimeout: true };
}

/** Register the secret parts of AWS credentials for redaction. */
export function registerAwsCredentials(creds: AwsCredentialIdentity): AwsCredentialIdentity {
  registerSecret(creds.secretAccessKey);
  registerSecret(creds.sessionToken);
  return creds;
}

/**
 * The SDK's default credential provider chain, every answer registered for redaction. The
 * chain memoizes (and refreshes near expiry) itself; one chain per client, as the SDK does.
 */
export function registeredDefaultCredentials(): AwsCredentialIdentityProvider {
  const chain = fromNodeProviderChain({ clientConfig: { requestHandler: awsTimeouts() } });
  return async (props) => registerAwsCredentials(await chain(props));
}

/** Options for any SDK v3 client: region, timeouts, registered credentials. */
export function awsClientOptions(
  region = defaultRegion(),
  credentials: AwsCredentialIdentityProvider = registeredDefaultCredentials(),
) {
  return { region, requestHandler: awsTimeouts(), credentials };
}

/** Options for S3Client: as awsClientOptions, path-style when an endpoint override (the emulator) is in force. */
export function s3ClientOptions(region = defaultRegion()) {
  return { ...awsClientOptions(region), forcePathStyle: awsEndpointOverride() !== undefined };
}

/**
 * Extra options of an S3 client: path-style addressing when an endpoint override (the
 * emulator) is in force, since bucket subdomains of 127.0.0.1 do not resolve.
 */
export function s3ExtraOptions(): { forcePathStyle: boolean } {
  return { forcePathStyle: awsEndpointOverride() !== undefined };
}

/**
 * Extra options of an S3 Control client. S3 Control puts the account id in the host
 * (`<account>.s3-control.<region>.amazonaws.com`); against an endpoint override (the
 * emulator) that host is no URL, so every request goes to the override itself, which reads
 * the account from the `x-amz-account-id` header the SDK always sends.
 */
export function s3ControlExtraOptions(): { endpointProvider?: () => { url: URL } } {
  const override = optionalEnv('AWS_ENDPOINT_URL_S3_CONTROL') ?? optionalEnv('AWS_ENDPOINT_URL');
  if (override === undefined) return {};
  const url = new URL(override);
  return { endpointProvider: () => ({ url }) };
}

/** A counter of API requests made through one or more clients. */
export interface RequestCounter {
  requests: number;
}

/**
 * Count every API call the client makes (each attempt, retries included) into `counter`.
 * Works on any SDK v3 client.
 */
export function countRequests(
  // biome-ignore lint/suspicious/noExplicitAny: any SDK v3 client's stack, whatever its input and output types
  client: { middlewareStack: MiddlewareStack<any, any> },
  counter: RequestCounter,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.requests++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'evidenceRequestCounter', override: true },
  );
}

/**
 * A page where an AWS API answer belongs: a captive portal, a proxy's error or login page (HTML
 * or plain text), an empty answer, or AWS_ENDPOINT_URL pointing at a web server. AWS APIs answer
 * XML or JSON; the SDK's parsers read such a page as an answer with nothing in it (no buckets,
 * encryption off, no report state), which would be recorded as evidence.
 */
export class WebPageAnswerError extends SourceUnavailableError {
  override name = 'WebPageAnswerError';
}

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

interface RawRequest {
  method?: string;
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
  headers?: Record<string, string | undefined>;
}

function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  return Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}

/** The start of a body as text: its first bytes, without a byte order mark or leading white space. */
function head(bytes: Buffer): string {
  return bytes
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
}

/** Whether a body starting with `start` is an HTML document. */
function looksLikeHtml(start: string): boolean {
  const lower = start.toLowerCase();
  return lower.startsWith('<!doctype html') || lower.startsWith('<html');
}

/**
 * Whether the request's protocol always answers a document: the query protocols (IAM, STS, EC2,
 * RDS: a form-encoded POST) and the JSON RPC protocols (CloudTrail, Config, DynamoDB: an
 * X-Amz-Target header). The REST protocols may answer an empty body.
 */
function expectsDocument(request: RawRequest): boolean {
  const type = header(request.headers, 'content-type') ?? '';
  return (
    /^application\/x-www-form-urlencoded/i.test(type) || header(request.headers, 'x-amz-target') !== undefined
  );
}

/**
 * What a successful answer is instead of an AWS API answer, or undefined when it may be one: a
 * web page (an HTML document, however labelled), text that is neither XML nor JSON (a proxy's
 * text/plain page), or an empty body where the protocol always answers a document, or labelled
 * as text or not at all.
 */
function notAnApiAnswer(request: RawRequest, bytes: Buffer, type: string | undefined): string | undefined {
  const start = head(bytes);
  if (start === '') {
    if (expectsDocument(request) || type === undefined || /^\s*text\//i.test(type)) return 'an empty body';
    return undefined;
  }
  if (looksLikeHtml(start)) return 'a web page';
  if (!/^[<{[]/.test(start)) return 'text';
  return undefined;
}

/**
 * Refuse, before the SDK parses it, a successful (2xx) answer that is no AWS API answer (see
 * notAnApiAnswer), naming the endpoint, what it answered and the likely cause. Errors (4xx/5xx),
 * 204 and answers to HEAD are left to the SDK and its retries. Every other answer is read once
 * and handed on unchanged (the SDK reads it whole to parse it anyway; no collector streams).
 */
// biome-ignore lint/suspicious/noExplicitAny: any SDK v3 client's stack, whatever its input and output types
export function refuseWebPages(client: { middlewareStack: MiddlewareStack<any, any> }): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as RawResponse | undefined;
      const status = response?.statusCode ?? 0;
      const request = args.request as RawRequest;
      if (
        response?.body === undefined ||
        status < 200 ||
        status >= 300 ||
        status === 204 ||
        request.method?.toUpperCase() === 'HEAD'
      )
        return out;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Uint8Array | string>)
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
      const bytes = Buffer.concat(chunks);
      const type = header(response.headers, 'content-type');
      const instead = notAnApiAnswer(request, bytes, type);
      if (instead === undefined) {
        response.body = Readable.from([bytes]);
        return out;
      }
      const where = `${request.protocol ?? 'https:'}//${request.hostname ?? '?'}${request.port ? `:${request.port}` : ''}${request.path ?? ''}`;
      throw new WebPageAnswerError(
        `${where} answered HTTP ${status} with ${instead} (${type ?? 'no Content-Type'}), not an AWS API answer: a proxy, captive portal or login page stands in the way, or AWS_ENDPOINT_URL points elsewhere than AWS`,
      );
    },
    { step: 'deserialize', priority: 'low', name: 'evidenceRefuseWebPages', override: true },
  );
}
