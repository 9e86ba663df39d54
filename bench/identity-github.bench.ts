/**
 * `npm run bench -- identity`, GitHub part (issue 21; the Okta part is its own file under
 * the same name): the github-members collector against the local GitHub server for an org of
 * 5,000 members, each with a SAML identity, and 500 repositories (every tenth with 3 outside
 * collaborators, one with 250): GraphQL requests and points, next to what REST would need
 * (members, SAML identities have no REST list: GraphQL only; outside collaborators per
 * repository), and the wall time with Octokit's real 1 s GraphQL spacing.
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../shared/clock.js';
import { createGitHubMembersCollector } from '../shared/collectors/github-members/collector.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../test/servers/github-server.js';
import type { Bench } from './run.js';

const MEMBERS = 5_000;
const REPOS = 500;

async function githubMembers(): Promise<void> {
  const org = makeGitHubOrg({ repos: REPOS });
  org.members = Array.from({ length: MEMBERS }, (_, i) => ({
    login: `user-${String(i + 1).padStart(5, '0')}`,
    role: i < 10 ? ('ADMIN' as const) : ('MEMBER' as const),
    twoFactor: i % 97 !== 0,
  }));
  org.saml = { identities: org.members.map((m) => ({ nameId: `${m.login}@example.com`, login: m.login })) };
  org.repos.forEach((repo, i) => {
    if (i % 10 === 0)
      repo.outsideCollaborators = [0, 1, 2].map((k) => ({
        login: `ext-${(i + k) % 40}`,
        permission: 'READ' as const,
      }));
  });
  org.repos[1]!.outsideCollaborators = Array.from({ length: 250 }, (_, k) => ({
    login: `vendor-${k}`,
    permission: 'WRITE' as const,
  }));
  const server = await startGitHubServer(org);
  try {
    const config = parseConfig({
      locker: { retentionDays: 730 },
      auditPeriod: { start: '2026-01-01' },
      github: { org: 'example' },
    });
    const collector = createGitHubMembersCollector({
      apiUrl: server.url,
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
    });
    const ctx: CollectorContext = {
      config,
      settings: undefined,
      clock: systemClock,
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    };
    const t = performance.now();
    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);
    const ms = performance.now() - t;
    const d = out.data;
    const rest = Math.ceil(MEMBERS / 100) * 2 + Math.ceil(REPOS / 100) + REPOS + 2;
    console.log(
      `github-members  ${d.members.length} members (${d.members.filter((m) => m.twoFactorEnabled === false).length} without 2FA), ` +
        `${d.saml?.identities.length ?? 0} SAML identities, ${d.outsideCollaborators.length} outside collaborators on ${d.repositories} repositories (${out.status}): ` +
        `${ctx.stats.requests} GraphQL requests, ${server.stats.pointsUsed} points of 5,000 an hour ` +
        `(collector's own count from rateLimit.cost: ${d.rateLimit.cost}); ` +
        `REST instead: ~${rest} requests (members and 2FA filter pages, repositories, outside collaborators per repository; SAML identities have no REST list); ` +
        `${(ms / 1000).toFixed(1)} s with Octokit's 1 s GraphQL spacing`,
    );
  } finally {
    await server.stop();
  }
}

export const identityGithubBench: Bench = {
  name: 'identity',
  run: githubMembers,
};
