/**
 * `npm run bench -- coverage`, GitHub part (issue 23; the AWS part is coverage.bench.ts under
 * the same name): the github-vulnerabilities collector against the local GitHub server for an
 * org of 1,000 repositories (+ 20 archived) with 5,000 open Dependabot alerts and 200 closed
 * the day before: requests (GraphQL and REST), GraphQL points, REST (core) budget used, wall
 * time with Octokit's real 1 s GraphQL spacing, peak RSS; next to what the alternatives would
 * cost (per-repository REST switch and alert lists, GraphQL `vulnerabilityAlerts` per repository).
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../shared/clock.js';
import { createGitHubVulnerabilitiesCollector } from '../shared/collectors/github-vulnerabilities/collector.js';
import { COLLECTORS } from '../shared/collectors/registry.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import {
  DEFAULT_GITHUB_TOKEN,
  makeGitHubOrg,
  plantDependabotAlerts,
  startGitHubServer,
} from '../test/servers/github-server.js';
import type { Bench } from './run.js';

const REPOS = 1_000;
const OPEN = 5_000;
const CLOSED = 200;

async function githubVulnerabilities(): Promise<void> {
  const org = makeGitHubOrg({ repos: REPOS, archived: 20 });
  const now = Date.now();
  plantDependabotAlerts(org, { count: OPEN, now, ageDays: (i) => 1 + (i % 60) });
  plantDependabotAlerts(org, { count: CLOSED, now, state: () => 'fixed' });
  org.repos[7]!.dependabotAlerts = false;
  const server = await startGitHubServer(org);
  try {
    const config = parseConfig(
      {
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-01-01' },
        github: { org: 'example', vulnerabilities: {} },
      },
      'bench',
      COLLECTORS,
    );
    const collector = createGitHubVulnerabilitiesCollector({
      apiUrl: server.url,
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
    });
    const ctx: CollectorContext<Record<string, never>> = {
      config,
      settings: {},
      clock: systemClock,
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    };
    const rssBefore = process.resourceUsage().maxRSS;
    const t = performance.now();
    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);
    const ms = performance.now() - t;
    const d = out.data;
    const perRepoRest = REPOS + REPOS; // vulnerability-alerts switch + one alert list page each
    const graphqlNested = Math.ceil(REPOS / 100) * Math.max(1, Math.round((100 + 100 * 100) / 100));
    console.log(
      `github-vulnerabilities  ${d.repositories.length} repositories (${d.archivedRepositories} archived left out, ` +
        `${d.repositories.filter((r) => r.alertsEnabled === false).length} with alerts off), ${d.openAlerts.length} open alerts, ` +
        `${d.closed.alerts.length} closed in the last 24 h (${out.status}): ${ctx.stats.requests} requests ` +
        `(${d.requests.graphql} GraphQL, ${d.requests.rest} REST), ${server.stats.pointsUsed} GraphQL points of 5,000 an hour ` +
        `(collector's count: ${d.rateLimit.graphqlCost}), ${server.stats.rest} REST requests of 5,000 an hour ` +
        `(left after the run: ${d.rateLimit.restRemaining}); ${(ms / 1000).toFixed(1)} s with Octokit's 1 s GraphQL spacing; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${(rssBefore / 1024).toFixed(0)} MB before, server and fixture in the same process). ` +
        `Instead: REST per repository ~${perRepoRest} requests (GET /repos/{o}/{r}/vulnerability-alerts and /dependabot/alerts each); ` +
        `GraphQL vulnerabilityAlerts(first: 100) nested in repositories(first: 100): ~${graphqlNested} points for ${Math.ceil(REPOS / 100)} requests, more pages for repositories with over 100 alerts`,
    );
  } finally {
    await server.stop();
  }
}

export const vulnerabilitiesGithubBench: Bench = {
  name: 'coverage',
  run: githubVulnerabilities,
};
