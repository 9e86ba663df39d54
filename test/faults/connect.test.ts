/**
 * Vendor endpoints that cannot be reached: a connection that is never made (connect timeout),
 * a port where nothing listens (refused), and a server that accepts but never answers
 * (request timeout). The real Okta and GitHub clients against local sockets; each error names
 * the endpoint and the timeout that ended the wait, and never the credential.
 *
 * A connection that is never made: a listening socket whose accept queue is full. Its owner
 * (a worker thread) is blocked in Atomics.wait, so the kernel queues a few connections and
 * then drops further SYNs: the client's connect hangs, as against a host that drops packets.
 * Node's fetch gives up after its 10 s connect timeout, so those two tests take 10 s each
 * (run concurrently).
 */
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceUnavailableError } from '../../shared/errors.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { createGitHubClient } from '../../shared/vendors/github-client.js';
import { OktaClient } from '../../shared/vendors/okta-client.js';
import { manualTimer } from '../helpers/vendors.js';
import { DEFAULT_GITHUB_TOKEN } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN } from '../servers/okta-server.js';

/** A 127.0.0.1 port where connecting hangs: listening, never accepting, accept queue full. */
async function startUnconnectable(): Promise<{ url: string; stop(): Promise<void> }> {
  const wake = new SharedArrayBuffer(4);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setImmediate(() => { Atomics.wait(new Int32Array(workerData), 0, 0); server.close(); });
     });`,
    { eval: true, workerData: wake },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  // Fill the accept queue (backlog 1: the kernel holds about two): later connects hang.
  const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      Atomics.store(new Int32Array(wake), 0, 1);
      Atomics.notify(new Int32Array(wake), 0);
      for (const socket of fillers) socket.destroy();
      await worker.terminate();
    },
  };
}

/** A 127.0.0.1 port where nothing listens (listened on, then closed). */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Accepts every request and never answers it. */
async function startSilent(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req) => req.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const okta = (orgUrl: string, options: Partial<ConstructorParameters<typeof OktaClient>[0]> = {}) =>
  new OktaClient({
    orgUrl,
    auth: { kind: 'ssws', token: DEFAULT_OKTA_TOKEN },
    timer: manualTimer(),
    ...options,
  });

const github = (apiUrl: string, options: Partial<Parameters<typeof createGitHubClient>[0]> = {}) =>
  createGitHubClient({
    apiUrl,
    auth: { kind: 'token', token: DEFAULT_GITHUB_TOKEN },
    pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
    ...options,
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (err: unknown) => err as Error,
  );

describe('unreachable vendor endpoints', () => {
  afterEach(() => forgetSecrets());

  describe('a connection that is never made: the connect timeout', () => {
    let target: Awaited<ReturnType<typeof startUnconnectable>>;
    beforeAll(async () => {
      target = await startUnconnectable();
    });
    afterAll(() => target.stop());

    it.concurrent('Okta: names the endpoint and the 10 s connect timeout, not the token', async () => {
      const err = await failure(
        okta(target.url, { maxServerRetries: 0 }).get(`${target.url}/api/v1/groups?limit=200`),
      );

      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect(err!.message).toMatch(
        /^cannot reach Okta: no connection to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/groups within 10 s \(connect timeout\), after 1 attempt\(s\)/,
      );
      expect(err!.message).not.toContain(DEFAULT_OKTA_TOKEN);
    }, 20_000);

    it.concurrent('GitHub: names the endpoint and the 10 s connect timeout, not the token', async () => {
      const err = await failure(github(target.url, { maxRetries: 0 }).graphql('{ viewer { login } }'));

      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect(err!.message).toMatch(
        /^cannot reach GitHub: no connection to http:\/\/127\.0\.0\.1:\d+\/graphql within 10 s \(connect timeout\), after retries/,
      );
      expect(err!.message).not.toContain(DEFAULT_GITHUB_TOKEN);
    }, 20_000);
  });

  it('a port where nothing listens: refused, named, after the retries', async () => {
    const url = await closedPortUrl();
    const timer = manualTimer();

    const oktaErr = await failure(okta(url, { timer }).get(`${url}/api/v1/groups`));
    const githubErr = await failure(github(url).graphql('{ viewer { login } }'));

    expect(oktaErr).toBeInstanceOf(SourceUnavailableError);
    expect(oktaErr!.message).toMatch(
      /^cannot reach Okta: 127\.0\.0\.1:\d+ refused the connection to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/groups .*after 4 attempt\(s\)/,
    );
    // Retried with backoff (1 s, 2 s, 4 s on the injected clock) before giving up.
    expect(timer.sleeps).toEqual([1000, 2000, 4000]);
    expect(githubErr).toBeInstanceOf(SourceUnavailableError);
    expect(githubErr!.message).toMatch(
      /^cannot reach GitHub: 127\.0\.0\.1:\d+ refused the connection to http:\/\/127\.0\.0\.1:\d+\/graphql/,
    );
    for (const err of [oktaErr, githubErr]) {
      expect(err!.message).not.toContain(DEFAULT_OKTA_TOKEN);
      expect(err!.message).not.toContain(DEFAULT_GITHUB_TOKEN);
    }
  });

  it('Okta: a server that accepts and never answers ends on the request timeout, named', async () => {
    const silent = await startSilent();
    try {
      const err = await failure(
        okta(silent.url, { requestTimeoutMs: 100, maxServerRetries: 1 }).get(
          `${silent.url}/api/v1/groups?after=00gX`,
        ),
      );

      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect(err!.message).toMatch(
        /^cannot reach Okta: no answer from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/groups within 100 ms \(request timeout\), after 2 attempt\(s\); check okta\.orgUrl/,
      );
      expect(err!.message).not.toContain(DEFAULT_OKTA_TOKEN);
    } finally {
      await silent.stop();
    }
  });
});
