/**
 * Okta and GitHub collectors against the local vendor servers:
 * - GitHub: requests for an org of 1,000 repositories (protection + rulesets), next to the
 *   naive REST count (list pages + branch protection + branch rules per repository);
 * - Okta: requests for 500 groups × 40 members under a realistic per-endpoint rate limit
 *   (scaled to short windows so the bench runs in seconds), with the 429s and slow-downs.
 * Real timers and Octokit's real pacing: the wall times are what a run would take here.
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../shared/clock.js';
import { createGitHubCollector } from '../shared/collectors/github/collector.js';
import { createOktaCollector, type OktaData } from '../shared/collectors/okta/collector.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../test/servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
import type { Bench } from './run.js';

const base = { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' } };

function context(config: ReturnType<typeof parseConfig>): CollectorContext {
  return {
    config,
    settings: undefined,
    clock: systemClock,
    logger: silentLogger,
    stats: { requests: 0, pages: 0 },
  };
}

async function github(): Promise<void> {
  const repos = 1000;
  const server = await startGitHubServer(
    makeGitHubOrg({
      repos,
      archived: 25,
      style: (i) => (['legacy', 'ruleset', 'org', 'none'] as const)[i % 4]!,
    }),
  );
  try {
    const config = parseConfig({ ...base, github: { org: 'example' } });
    const collector = createGitHubCollector({
      apiUrl: server.url,
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
    });
    const ctx = context(config);
    const t = performance.now();
    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);
    const ms = performance.now() - t;
    const naive = Math.ceil((repos + 25) / 100) + 2 * repos;
    console.log(
      `github  ${out.items} repositories (${out.status}): ${ctx.stats.requests} GraphQL requests ` +
        `(${((ctx.stats.requests / out.items) * 100).toFixed(2)} per 100 repositories), ${server.stats.pointsUsed} points; ` +
        `naive REST: ${naive} requests (list pages + protection + rules per repository); ${ms.toFixed(0)} ms with Octokit's 1 s GraphQL spacing`,
    );
  } finally {
    await server.stop();
  }
}

async function okta(): Promise<void> {
  const groups = 500;
  const members = 40;
  // Okta's per-endpoint limits are per minute; here the same shape in 2-second windows.
  const rateLimit = { limit: 120, windowSeconds: 2 };
  const server = await startOktaServer(makeOktaOrg({ groups, membersPerGroup: members, users: 4000 }), {
    rateLimit,
    // Another integration spends the org's budget part-way through: a 429 mid-run.
    inject: { status429AtRequest: [260], resetAfterSeconds: 1 },
    latencyMs: 5, // a little network time, so the concurrency bound is visible
  });
  try {
    const config = parseConfig({ ...base, okta: { orgUrl: server.url, concurrency: 3 } });
    const collector = createOktaCollector({ auth: () => ({ kind: 'ssws', token: DEFAULT_OKTA_TOKEN }) });
    let slowDowns = 0;
    const ctx = {
      ...context(config),
      logger: {
        ...silentLogger,
        info: (message: string) => {
          if (message === 'okta slowing down before the rate limit') slowDowns++;
        },
      },
    };
    const t = performance.now();
    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);
    const ms = performance.now() - t;
    const data = out.data as OktaData;
    console.log(
      `okta    ${data.totals.groups} groups × ${members} members = ${data.totals.memberships} memberships (${out.status}): ` +
        `${ctx.stats.requests} requests, ${ctx.stats.pages} pages; 429s received: ${server.stats.rateLimited} ` +
        `(limit ${rateLimit.limit} per ${rateLimit.windowSeconds} s per endpoint; the budget is spent once by "another integration" while ${config.okta?.concurrency} requests are under way), ` +
        `${slowDowns} slow-downs before the limit; ` +
        `max in flight ${server.stats.maxConcurrent}; ${ms.toFixed(0)} ms`,
    );
  } finally {
    await server.stop();
  }
}

export const vendorsBench: Bench = {
  name: 'vendors',
  async run() {
    await github();
    await okta();
  },
};
