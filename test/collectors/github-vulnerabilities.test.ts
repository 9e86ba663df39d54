/**
 * github-vulnerabilities against the local GitHub (REST Dependabot alerts as GitHub's OpenAPI
 * description has them, GraphQL over GitHub's schema), and its half of
 * vulnerabilities-within-sla on planted cases, boundaries included.
 */
import { validate } from '@octokit/graphql-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import {
  createGitHubVulnerabilitiesCollector,
  DEPENDABOT_REPOSITORIES_QUERY,
} from '../../shared/collectors/github-vulnerabilities/collector.js';
import type {
  DependabotAlert,
  GitHubVulnerabilitiesData,
} from '../../shared/collectors/github-vulnerabilities/declaration.js';
import { dependabotVulnerabilitiesCheck as check } from '../../shared/collectors/github-vulnerabilities/vulnerabilities-within-sla.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { isEnabled } from '../../shared/collectors/types.js';
import { type ConfigInput, parseConfig } from '../../shared/config.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { GitHubApiError } from '../../shared/vendors/github-client.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext } from '../helpers/vendors.js';

/** A configuration with the collectors' sections known (github.vulnerabilities). */
function testConfig(extra: Record<string, unknown>) {
  return parseConfig(
    { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, ...extra } as ConfigInput,
    'test',
    COLLECTORS,
  );
}

import {
  DEFAULT_GITHUB_TOKEN,
  type DependabotAlertFixture,
  type GitHubOrgFixture,
  type GitHubServer,
  makeGitHubOrg,
  plantDependabotAlerts,
  startGitHubServer,
} from '../servers/github-server.js';

const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const token = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });
const NOW = '2026-04-20T00:05:00.000Z';
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.parse(NOW) - days * DAY).toISOString();

function alert(number: number, extra: Partial<DependabotAlertFixture> = {}): DependabotAlertFixture {
  return {
    number,
    state: 'open',
    severity: 'high',
    package: 'lodash',
    ghsaId: `GHSA-${number}-aaaa-bbbb`,
    createdAt: ago(3),
    ...extra,
  };
}

describe('github-vulnerabilities query', () => {
  it('validates against GitHub’s published GraphQL schema', () => {
    expect(validate(DEPENDABOT_REPOSITORIES_QUERY)).toEqual([]);
  });

  it('is on only with github.vulnerabilities', () => {
    const collector = createGitHubVulnerabilitiesCollector();
    expect(isEnabled(collector, testConfig({ github: { org: 'example' } }))).toBe(false);
    expect(isEnabled(collector, testConfig({ github: { org: 'example', vulnerabilities: {} } }))).toBe(true);
  });
});

describe('github-vulnerabilities collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const run = async (
    org: GitHubOrgFixture,
    options: Parameters<typeof startGitHubServer>[1] = {},
    previous?: { collectedAt: string; data: unknown },
  ) => {
    server = await startGitHubServer(org, { clock: { now: () => Date.parse(NOW) }, ...options });
    const config = testConfig({ github: { org: 'Example', vulnerabilities: {} } });
    const collector = createGitHubVulnerabilitiesCollector({
      pacing,
      auth: token,
      apiUrl: server.url,
      maxRetries: 0,
    } as never);
    const [scope] = collector.scopes(config, {});
    const ctx = {
      ...collectorContext(config),
      clock: fixedClock(NOW),
      settings: {},
      ...(previous ? { previous: async () => ({ key: 'previous', ...previous }) } : {}),
    };
    const out = await collector.collect(scope!, ctx);
    return { out, data: out.data as GitHubVulnerabilitiesData, ctx };
  };

  it('records every open alert of repositories not archived, the alerts closed since the last day, and each repository’s switch', async () => {
    const org = makeGitHubOrg({ repos: 230, archived: 2 });
    org.repos[0]!.alerts = [
      alert(1, { severity: 'critical', package: 'openssl', cveId: 'CVE-2026-1', createdAt: ago(40) }),
      alert(2, { state: 'fixed', fixedAt: ago(0.5) }),
      alert(3, {
        state: 'dismissed',
        dismissedAt: ago(0.2),
        dismissedBy: 'alice',
        dismissedReason: 'tolerable_risk',
        dismissedComment: null,
      }),
      alert(4, { state: 'auto_dismissed', autoDismissedAt: ago(0.1) }),
      // Closed before the window: not today's evidence.
      alert(5, { state: 'fixed', fixedAt: ago(3) }),
    ];
    org.repos[1]!.dependabotAlerts = false;
    org.repos[1]!.alerts = [alert(1)]; // hidden by GitHub while alerts are off
    // 250 more open alerts spread over the org: three pages of 100.
    plantDependabotAlerts(org, { count: 250, now: Date.parse(NOW), ageDays: (i) => 1 + (i % 5) });
    org.repos.find((r) => r.archived)!.alerts = [alert(9, { createdAt: ago(400) })];

    const { out, data, ctx } = await run(org);

    expect(out.status).toBe('ok');
    expect(out.errors).toEqual([]);
    expect(data.totalRepositories).toBe(232);
    expect(data.archivedRepositories).toBe(2);
    expect(data.repositories).toHaveLength(230);
    expect(data.repositories.find((r) => r.repository === 'example/repo-0002')?.alertsEnabled).toBe(false);
    expect(data.repositories.every((r) => r.repository === 'example/repo-0002' || r.alertsEnabled)).toBe(
      true,
    );
    // 250 planted (2 of them on the switched-off repository: hidden) + alert 1.
    const hidden = org.repos[1]!.alerts!.filter((a) => a.state === 'open').length;
    expect(data.openAlerts).toHaveLength(250 + 1 + 1 - hidden);
    expect(data.archivedOpenAlerts).toBe(1);
    expect(data.openAlerts[0]).toEqual({
      repository: 'example/repo-0001',
      number: 1,
      state: 'open',
      severity: 'critical',
      ecosystem: 'npm',
      package: 'openssl',
      manifestPath: 'package-lock.json',
      advisoryId: 'GHSA-1-aaaa-bbbb',
      cveId: 'CVE-2026-1',
      summary: 'A critical vulnerability in openssl',
      createdAt: ago(40),
      updatedAt: ago(40),
      fixedAt: null,
      dismissedAt: null,
      autoDismissedAt: null,
      dismissedBy: null,
      dismissedReason: null,
      dismissedComment: null,
      url: 'https://github.com/example/repo-0001/security/dependabot/1',
    });
    expect(data.closed.since).toBe(ago(1));
    expect(data.closed.until).toBe(NOW);
    expect(data.closed.complete).toBe(true);
    expect(data.closed.alerts.map((a) => [a.number, a.state, a.dismissedBy, a.dismissedReason])).toEqual([
      [2, 'fixed', null, null],
      [3, 'dismissed', 'alice', 'tolerable_risk'],
      [4, 'auto_dismissed', null, null],
    ]);
    // 3 GraphQL pages of repositories; 3 REST pages of open alerts; 1 of closed ones.
    expect(data.requests).toEqual({ graphql: 3, rest: 4 });
    expect(server!.stats.graphql).toBe(3);
    expect(server!.stats.rest).toBe(4);
    expect(ctx.stats.requests).toBe(7);
    expect(data.rateLimit.graphqlCost).toBe(server!.stats.pointsUsed);
    expect(data.rateLimit.restRemaining).toBe(5000 - 4);
  });

  it('continues the closed-alert window from the previous snapshot, and from its start when that one was incomplete', async () => {
    const org = makeGitHubOrg({ repos: 1 });
    org.repos[0]!.alerts = [
      alert(1, { state: 'fixed', fixedAt: ago(2.5) }),
      alert(2, { state: 'fixed', fixedAt: ago(5) }),
    ];
    const complete = await run(
      org,
      {},
      { collectedAt: ago(3), data: { closed: { since: ago(4), until: ago(3), complete: true } } },
    );
    expect(complete.data.closed.since).toBe(ago(3));
    expect(complete.data.closed.alerts.map((a) => a.number)).toEqual([1]);
    await server!.stop();
    const incomplete = await run(
      org,
      {},
      { collectedAt: ago(3), data: { closed: { since: ago(6), until: ago(3), complete: false } } },
    );
    expect(incomplete.data.closed.since).toBe(ago(6));
    expect(incomplete.data.closed.alerts.map((a) => a.number)).toEqual([2, 1]);
    await server!.stop();
    // Never more than 8 days back.
    const old = await run(
      org,
      {},
      { collectedAt: ago(30), data: { closed: { since: ago(31), until: ago(30), complete: true } } },
    );
    expect(old.data.closed.since).toBe(ago(8));
  });

  it('writes an error, never an empty partial, when the first request fails (an HTML page, a denied token)', async () => {
    const org = makeGitHubOrg({ repos: 2 });
    org.repos[0]!.alerts = [alert(1)];
    await expect(
      run(org, {
        inject: { rawAnswer: { status: 200, contentType: 'text/html', body: '<html>portal</html>' } },
      }),
    ).rejects.toThrow(GitHubApiError);
    await server!.stop();
    // The repository list read, the first alert request answered with HTML: still nothing recorded.
    await expect(
      run(org, {
        inject: { restAnswer: { status: 200, contentType: 'text/html', body: '<html>portal</html>' } },
      }),
    ).rejects.toThrow(/no JSON list \(text\/html\)/);
    await server!.stop();
    await expect(
      run(org, {
        inject: {
          restAnswer: {
            status: 403,
            contentType: 'application/json',
            body: '{"message":"Resource not accessible by integration"}',
          },
        },
      }),
    ).rejects.toThrow(SourceUnavailableError);
    await server!.stop();
    await expect(
      run(org, {
        inject: {
          restAnswer: {
            status: 403,
            contentType: 'application/json',
            body: '{"message":"Resource not accessible by integration"}',
          },
        },
      }),
    ).rejects.toThrow(/Dependabot alerts read/);
  });

  it('a later page failing or a repeated cursor makes the snapshot partial and names what is missing', async () => {
    const org = makeGitHubOrg({ repos: 3 });
    plantDependabotAlerts(org, { count: 250, now: Date.parse(NOW) });
    const broken = await run(org, {
      inject: { restAnswer: { status: 200, contentType: 'text/html', body: '<html/>', atRequest: [2, 3] } },
    });
    expect(broken.out.status).toBe('partial');
    expect(broken.data.openComplete).toBe(false);
    expect(broken.data.openAlerts).toHaveLength(100);
    expect(broken.data.closed.complete).toBe(false);
    expect(broken.out.errors?.join('\n')).toMatch(/the open alert list stopped after page 1: .*no JSON list/);
    expect(broken.out.errors?.join('\n')).toMatch(/the closed alert list could not be read/);
    await server!.stop();
    const looping = await run(org, { inject: { restRepeatCursor: true } });
    expect(looping.out.status).toBe('partial');
    expect(looping.data.openComplete).toBe(false);
    expect(looping.out.errors?.join('\n')).toMatch(/repeats one already followed/);
    expect(server!.stats.rest).toBeLessThan(10);
  });

  it('a REST rate limit spent mid-listing leaves a partial snapshot that says why', async () => {
    const org = makeGitHubOrg({ repos: 2 });
    plantDependabotAlerts(org, { count: 150, now: Date.parse(NOW) });
    const { out, data } = await run(org, { restRequests: { limit: 1, windowSeconds: 3600 } });
    expect(out.status).toBe('partial');
    expect(data.openAlerts).toHaveLength(100);
    expect(data.openComplete).toBe(false);
    expect(data.closed.complete).toBe(false);
    expect(out.errors?.join('\n')).toMatch(
      /the open alert list stopped after page 1: GitHub's rate limit for GITHUB_TOKEN is spent until/,
    );
    expect(server!.stats.rateLimited).toBeGreaterThan(0);
  });
});

const config = testConfig({ github: { org: 'example', vulnerabilities: {} } });

function openAlert(over: Partial<DependabotAlert>): DependabotAlert {
  return {
    repository: 'example/api',
    number: 1,
    state: 'open',
    severity: 'critical',
    ecosystem: 'npm',
    package: 'openssl',
    manifestPath: 'package-lock.json',
    advisoryId: 'GHSA-xxxx-yyyy-zzzz',
    cveId: null,
    summary: null,
    createdAt: ago(1),
    updatedAt: ago(1),
    fixedAt: null,
    dismissedAt: null,
    autoDismissedAt: null,
    dismissedBy: null,
    dismissedReason: null,
    dismissedComment: null,
    url: 'https://github.com/example/api/security/dependabot/1',
    ...over,
  };
}

function snapshotOf(data: Partial<GitHubVulnerabilitiesData>): Snapshot<GitHubVulnerabilitiesData> {
  return makeSnapshot({
    collectedAt: NOW,
    collector: 'github-vulnerabilities',
    scope: 'github-example',
    controls: ['CC7.1'],
    data: {
      org: 'example',
      apiUrl: 'https://api.github.com',
      repositories: [{ repository: 'example/api', alertsEnabled: true }],
      totalRepositories: 1,
      archivedRepositories: 0,
      repositoriesComplete: true,
      openAlerts: [],
      openComplete: true,
      archivedOpenAlerts: 0,
      closed: { since: ago(1), until: NOW, complete: true, alerts: [] },
      requests: { graphql: 1, rest: 2 },
      rateLimit: { graphqlCost: 1, restRemaining: 4998 },
      ...data,
    },
  }) as Snapshot<GitHubVulnerabilitiesData>;
}

describe('vulnerabilities-within-sla over Dependabot alerts', () => {
  it('passes an alert exactly at its SLA and fails one a millisecond past it', () => {
    const at = snapshotOf({ openAlerts: [openAlert({ createdAt: ago(7) })] });
    expect(check.run(at, config).result).toBe('pass');
    const past = snapshotOf({
      openAlerts: [openAlert({ createdAt: new Date(Date.parse(NOW) - 7 * DAY - 1).toISOString() })],
    });
    const outcome = check.run(past, config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['dependabot:example/api#1']);
    expect(outcome.detail).toMatch(
      /example\/api#1 openssl GHSA-xxxx-yyyy-zzzz \(critical, 7\.0 days open, critical SLA 7 days\)/,
    );
  });

  it('judges each severity by its own SLA (moderate as medium, an unknown severity as critical)', () => {
    const custom = testConfig({
      github: { org: 'example', vulnerabilities: {} },
      checks: { vulnerabilitySlaDays: { medium: 20 } },
    });
    const data = {
      openAlerts: [
        openAlert({ number: 1, severity: 'high', createdAt: ago(29) }),
        openAlert({ number: 2, severity: 'moderate', createdAt: ago(21) }),
        openAlert({ number: 3, severity: 'low', createdAt: ago(100) }),
        openAlert({ number: 4, severity: 'unknown', createdAt: ago(8) }),
      ],
    };
    expect(check.run(snapshotOf(data), custom).failing).toEqual([
      'dependabot:example/api#2',
      'dependabot:example/api#4',
    ]);
  });

  it('fails an alert dismissed as tolerable risk without a comment (or with a blank one), and passes one with a reason', () => {
    const dismissed = (comment: string | null) =>
      openAlert({
        number: 5,
        state: 'dismissed',
        dismissedAt: ago(0.5),
        dismissedBy: 'alice',
        dismissedReason: 'tolerable_risk',
        dismissedComment: comment,
      });
    for (const comment of [null, '', '   ']) {
      const outcome = check.run(
        snapshotOf({ closed: { since: ago(1), until: NOW, complete: true, alerts: [dismissed(comment)] } }),
        config,
      );
      expect(outcome.result).toBe('fail');
      expect(outcome.failing).toEqual(['dependabot:example/api#5:dismissed-without-comment']);
      expect(outcome.detail).toMatch(
        /dismissed as tolerable risk without a comment: example\/api#5 openssl .* by alice/,
      );
    }
    const explained = dismissed('only used in the build, never shipped');
    expect(
      check.run(
        snapshotOf({ closed: { since: ago(1), until: NOW, complete: true, alerts: [explained] } }),
        config,
      ).result,
    ).toBe('pass');
    // Another reason without a comment is GitHub's own record, not judged here.
    const notUsed = { ...dismissed(null), dismissedReason: 'not_used' };
    expect(
      check.run(
        snapshotOf({ closed: { since: ago(1), until: NOW, complete: true, alerts: [notUsed] } }),
        config,
      ).result,
    ).toBe('pass');
  });

  it('fails a repository with alerts off or unknown, and lists not read to the end', () => {
    const outcome = check.run(
      snapshotOf({
        repositories: [
          { repository: 'example/api', alertsEnabled: true },
          { repository: 'example/web', alertsEnabled: false },
          { repository: 'example/ops', alertsEnabled: null },
        ],
        openComplete: false,
      }),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual([
      'dependabot-off:example/web',
      'dependabot-unknown:example/ops',
      'org:example:open-alert-list',
    ]);
  });

  it('is not applicable to an org without a repository, and passes an org without open alerts', () => {
    expect(check.run(snapshotOf({ repositories: [], totalRepositories: 0 }), config).result).toBe(
      'not-applicable',
    );
    const outcome = check.run(snapshotOf({}), config);
    expect(outcome.result).toBe('pass');
    expect(outcome.detail).toMatch(/no open Dependabot alert in 1 repository/);
  });

  it('fails each list not read to the end, naming it; a pass with open alerts counts them (issue 27 item 5)', () => {
    const cases: [Partial<GitHubVulnerabilitiesData>, string][] = [
      [{ repositoriesComplete: false }, 'org:example:repository-list'],
      [{ openComplete: false }, 'org:example:open-alert-list'],
      [
        { closed: { since: ago(1), until: NOW, complete: false, alerts: [] } },
        'org:example:closed-alert-list',
      ],
    ];
    for (const [field, item] of cases) {
      const outcome = check.run(snapshotOf(field), config);
      expect(outcome).toMatchObject({ result: 'fail', failing: [item] });
      expect(outcome.detail).toContain('was not read to the end: what was not read is not judged');
    }
    const all = check.run(
      snapshotOf({
        repositoriesComplete: false,
        openComplete: false,
        closed: { since: ago(1), until: NOW, complete: false, alerts: [] },
      }),
      config,
    );
    expect(all.detail).toBe(
      'example: the repository list, open alert list, closed alert list was not read to the end: what was not read is not judged.',
    );
    const within = check.run(snapshotOf({ openAlerts: [openAlert({ createdAt: ago(1) })] }), config);
    expect(within).toMatchObject({
      result: 'pass',
      detail: 'example: all 1 open Dependabot alert(s) within their SLA',
    });
  });

  it('a tolerable-risk dismissal without a comment names who and when, or says they are unknown', () => {
    const alert = openAlert({
      number: 6,
      state: 'dismissed',
      dismissedReason: 'tolerable_risk',
      dismissedAt: null,
      dismissedBy: null,
    });
    const outcome = check.run(
      snapshotOf({ closed: { since: ago(1), until: NOW, complete: true, alerts: [alert] } }),
      config,
    );
    expect(outcome.detail).toBe(
      'example: 1 alert(s) dismissed as tolerable risk without a comment: example/api#6 openssl GHSA-xxxx-yyyy-zzzz by an unknown user at an unknown time.',
    );
  });
});
