/**
 * github-changes against the local GitHub: an org of 1,000 repositories where, during the
 * evidence day, 300 pull requests were merged (each with a review, into one of 300 repositories)
 * and 20 commits were pushed straight to a default branch (into 20 others). Figures: GraphQL
 * requests (goal: at most 1 per 100 merged pull requests + 1 per 100 repositories pushed to),
 * rate-limit points, wall time with Octokit's real pacing (1 s between GraphQL requests).
 */
import { performance } from 'node:perf_hooks';
import { fixedClock } from '../shared/clock.js';
import { createGitHubChangesCollector } from '../shared/collectors/github-changes/collector.js';
import { COLLECTORS } from '../shared/collectors/registry.js';
import { settingsOf } from '../shared/collectors/types.js';
import { dayWindow } from '../shared/collectors/window.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubOrgFixture,
  type RepoFixture,
  startGitHubServer,
} from '../test/servers/github-server.js';
import type { Bench } from './run.js';

const DAY = '2026-05-22';
const REPOS = 1000;
const MERGED = 300;
const PUSHES = 20;

function org(): GitHubOrgFixture {
  const hex = (n: number, tag: string) => `${tag}${n.toString(16)}`.padEnd(40, '0').slice(0, 40);
  const at = (minute: number) => new Date(Date.parse(`${DAY}T00:00:00Z`) + minute * 60_000).toISOString();
  const repos: RepoFixture[] = [];
  for (let i = 0; i < REPOS; i++) {
    const name = `repo-${String(i + 1).padStart(4, '0')}`;
    const repo: RepoFixture = { name, pushedAt: '2026-03-01T00:00:00Z', commits: [] };
    if (i < MERGED) {
      const t = at(i * 4);
      const head = hex(i, 'a');
      const merge = hex(i, 'b');
      repo.pullRequests = [
        {
          number: 1,
          title: `change ${i} (OPS-${i})`,
          author: 'alice',
          mergedBy: 'alice',
          mergedAt: t,
          mergeCommit: merge,
          commits: [
            {
              oid: head,
              committedDate: at(i * 4 - 30),
              author: 'alice',
              status: 'SUCCESS',
              pullRequests: [1],
            },
          ],
          reviews: [{ author: 'bob', state: 'APPROVED', submittedAt: at(i * 4 - 10) }],
        },
      ];
      repo.commits = [
        { oid: merge, committedDate: t, author: 'alice', pullRequests: [1] },
        { oid: head, committedDate: at(i * 4 - 30), author: 'alice', pullRequests: [1] },
      ];
      repo.pushedAt = t;
    } else if (i < MERGED + PUSHES) {
      const t = at(600 + i);
      repo.commits = [{ oid: hex(i, 'c'), committedDate: t, author: 'mallory', message: 'hotfix' }];
      repo.pushedAt = t;
    }
    repos.push(repo);
  }
  return { login: 'example', requiresTwoFactorAuthentication: true, rulesets: [], repos };
}

export const changesBench: Bench = {
  name: 'changes',
  async run() {
    const server = await startGitHubServer(org());
    try {
      const config = parseConfig(
        {
          locker: { retentionDays: 730 },
          auditPeriod: { start: '2026-01-01' },
          github: { org: 'example', changes: { ticketPattern: 'OPS-\\d+' } },
        },
        'bench',
        COLLECTORS,
      );
      const collector = createGitHubChangesCollector({
        apiUrl: server.url,
        auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
      });
      const ctx = {
        config,
        settings: settingsOf(collector, config)!,
        clock: fixedClock('2026-05-23T00:05:00.000Z'),
        window: dayWindow('2026-05-22'),
        logger: silentLogger,
        stats: { requests: 0, pages: 0 },
      };
      const t = performance.now();
      const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);
      const ms = performance.now() - t;
      const d = out.data;
      // Details 100 per request, the repositories 100 per request, a follow-up per busy repository.
      const goal =
        Math.ceil(d.mergedPullRequests.length / 100) +
        Math.ceil(d.repositoriesPushedTo / 100) +
        d.repositoriesPushedTo;
      console.log(
        `changes ${REPOS} repositories, ${d.mergedPullRequests.length} merged pull requests, ${d.directPushes.length} direct pushes ` +
          `(${out.status ?? 'ok'}), ${d.repositoriesPushedTo} repositories pushed to: ${ctx.stats.requests} GraphQL requests ` +
          `(repositories by push ${d.requests.repositories}, more pull requests ${d.requests.pullRequests}, details ${d.requests.details}, history ${d.requests.history}); ` +
          `goal <= ${goal}; ${server.stats.pointsUsed} rate-limit points ` +
          `(GitHub's documented cost, of 5,000 an hour); ${(ms / 1000).toFixed(1)} s wall with Octokit's 1 s GraphQL spacing`,
      );
    } finally {
      await server.stop();
    }
  },
};
