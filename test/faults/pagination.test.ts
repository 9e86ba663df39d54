/**
 * Pagination loops (issue 12): a vendor whose next page repeats one already read stops the
 * list with a recorded `partial`, after a bounded number of requests, instead of looping.
 * The real clients against the local vendor servers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubCollector } from '../../shared/collectors/github/collector.js';
import { createOktaCollector, type OktaData } from '../../shared/collectors/okta/collector.js';
import { forgetSecrets } from '../../shared/secrets.js';
import type { OktaAuth } from '../../shared/vendors/okta-client.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../servers/okta-server.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  forgetSecrets();
});

describe('pagination loops', () => {
  it('Okta: a Link rel="next" pointing to the page itself ends in partial, not 5,000 requests', async () => {
    const timer = manualTimer();
    const server = await startOktaServer(makeOktaOrg({ groups: 2, membersPerGroup: 3, users: 6 }), {
      clock: timer,
      inject: { nextLinkIsSelf: true },
    });
    stops.push(server.stop);
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const ctx = collectorContext(config);
    const ssws = (): OktaAuth => ({ kind: 'ssws', token: DEFAULT_OKTA_TOKEN });
    const collector = createOktaCollector({ timer, auth: ssws });
    const [scope] = collector.scopes(config, {});

    const out = await collector.collect(scope!, ctx);

    expect(out.status).toBe('partial');
    expect(out.errors!.join('\n')).toMatch(/next link repeats a page already read/);
    expect((out.data as OktaData).groupsComplete).toBe(false);
    expect(ctx.stats.requests).toBeLessThan(10);
  });

  it('GitHub: an endCursor that repeats ends in partial, not one request a second forever', async () => {
    const server = await startGitHubServer(makeGitHubOrg({ repos: 250 }), {
      inject: { repeatEndCursor: true },
    });
    stops.push(server.stop);
    const config = testConfig({ github: { org: 'Example', requiredApprovals: 1 } });
    const collector = createGitHubCollector({
      pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
      auth: () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN }),
      apiUrl: server.url,
    });
    const [scope] = collector.scopes(config, {});
    const ctx = collectorContext(config);

    const out = await collector.collect(scope!, ctx);

    expect(out.status).toBe('partial');
    expect(out.errors!.join('\n')).toMatch(/endCursor for repositories repeats one already followed/);
    expect((out.data as { repositoriesComplete: boolean }).repositoriesComplete).toBe(false);
    expect(server.stats.graphql).toBeLessThan(10);
  });
});
