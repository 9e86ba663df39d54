/**
 * A vendor answer that redirects to another origin (a captive portal, a proxy's login page, a
 * hijacked name) is refused as an error (issue 20, item 7). Fetch would follow it, drop the
 * Authorization header on the way, and hand back whatever answers there: stored as `ok`
 * evidence of the org. Here "elsewhere" answers exactly what the real org would (it relays to
 * it with the token it holds), so nothing but the origin gives it away.
 */

import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createGitHubCollector } from '../../shared/collectors/github/collector.js';
import { createOktaCollector } from '../../shared/collectors/okta/collector.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { silentLogger } from '../../shared/log.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../servers/okta-server.js';

/** Another origin that answers what `target` answers, adding the credential the client did not send. */
async function elsewhere(
  target: string,
  authorization: string,
): Promise<{ url: string; seen: (string | undefined)[]; stop: () => Promise<void> }> {
  const seen: (string | undefined)[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    seen.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const answer = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization },
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, stop: () => new Promise((r) => server.close(() => r())) };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  forgetSecrets();
});

describe('redirects to another origin', () => {
  it('Okta: a 302 off the org is an error snapshot naming both endpoints, never ok evidence', async () => {
    const org = makeOktaOrg({ groups: 2, membersPerGroup: 2 });
    const real = await startOktaServer(org);
    stops.push(real.stop);
    const other = await elsewhere(real.url, `SSWS ${DEFAULT_OKTA_TOKEN}`);
    stops.push(other.stop);
    const portal = await startOktaServer(org, {
      inject: {
        rawAnswer: {
          atRequest: [1],
          status: 302,
          body: '',
          headers: { location: `${other.url}/api/v1/groups?limit=200` },
        },
      },
    });
    stops.push(portal.stop);
    const config = testConfig({ okta: { orgUrl: portal.url, privilegedGroups: [] } });
    const collector = createOktaCollector({
      timer: manualTimer(),
      auth: () => ({ kind: 'ssws', token: DEFAULT_OKTA_TOKEN }),
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'redirect-okta-'));

    const summary = await runCollectors({
      config,
      locker: new DirectoryLocker(dir),
      collectors: [collector],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: silentLogger,
      runId: 'redirect0001',
    });

    expect(summary.results).toEqual([expect.objectContaining({ status: 'error' })]);
    expect(summary.results[0]!.error).toMatch(
      new RegExp(
        `RedirectRefusedError: Okta at ${portal.url}/api/v1/groups answered HTTP 302, a redirect to another origin \\(${other.url}/api/v1/groups\\); refused`,
      ),
    );
    // Nothing was asked of the other origin.
    expect(other.seen).toEqual([]);
  });

  it('Okta: a redirect within the org is followed, with its credential', async () => {
    const org = makeOktaOrg({ groups: 2, membersPerGroup: 2 });
    const server = await startOktaServer(org, {
      inject: {
        rawAnswer: {
          atRequest: [1],
          status: 307,
          body: '',
          headers: { location: '/api/v1/groups?limit=200' },
        },
      },
    });
    stops.push(server.stop);
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const collector = createOktaCollector({
      timer: manualTimer(),
      auth: () => ({ kind: 'ssws', token: DEFAULT_OKTA_TOKEN }),
    });

    const out = await collector.collect(collector.scopes(config, {})[0]!, collectorContext(config));

    expect(out.status).toBe('ok');
    expect(out.items).toBe(2);
  });

  it('GitHub: a 307 of the GraphQL request off the API is an error snapshot, never ok evidence', async () => {
    const gh = makeGitHubOrg({ repos: 3 });
    const real = await startGitHubServer(gh);
    stops.push(real.stop);
    const other = await elsewhere(real.url, `token ${DEFAULT_GITHUB_TOKEN}`);
    stops.push(other.stop);
    const portal = await startGitHubServer(gh, {
      inject: { rawAnswer: { status: 307, body: '', headers: { location: `${other.url}/graphql` } } },
    });
    stops.push(portal.stop);
    const collector = createGitHubCollector({
      pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
      apiUrl: portal.url,
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'redirect-github-'));

    const summary = await runCollectors({
      config: testConfig({ github: { org: 'example', requiredApprovals: 1 } }),
      locker: new DirectoryLocker(dir),
      collectors: [collector],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: silentLogger,
      runId: 'redirect0002',
    });

    expect(summary.results).toEqual([expect.objectContaining({ status: 'error' })]);
    expect(summary.results[0]!.error).toMatch(
      new RegExp(
        `GitHubApiError: GitHub at ${portal.url}/graphql answered HTTP 307, a redirect to another origin \\(${other.url}/graphql\\); refused`,
      ),
    );
    expect(other.seen).toEqual([]);
  });
});
