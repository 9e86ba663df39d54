import { validate } from '@octokit/graphql-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { changePeerReviewedCheck } from '../../shared/collectors/github-changes/change-peer-reviewed.js';
import {
  type ChangesData,
  createGitHubChangesCollector,
  MERGED_PULL_REQUESTS_QUERY,
  MORE_HISTORY_QUERY,
  PUSHED_REPOSITORIES_QUERY,
} from '../../shared/collectors/github-changes/collector.js';
import { noDirectPushCheck } from '../../shared/collectors/github-changes/no-direct-push.js';
import { settingsOf } from '../../shared/collectors/types.js';
import { dayWindow } from '../../shared/collectors/window.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { silentLogger } from '../../shared/log.js';
import { MORE_PULL_REQUESTS_QUERY } from '../../shared/vendors/github-merged-pull-requests.js';
import { acmeChangesOrg, COLLECTED_AT, changesConfig, DAY, NEXT_DAY } from '../fixtures/github/changes.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubOrgFixture,
  type GitHubServer,
  type GitHubServerOptions,
  startGitHubServer,
} from '../servers/github-server.js';

const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const auth = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });

describe('github-changes queries', () => {
  it('validate against GitHub’s published GraphQL schema', () => {
    for (const q of [
      MERGED_PULL_REQUESTS_QUERY,
      PUSHED_REPOSITORIES_QUERY,
      MORE_HISTORY_QUERY,
      MORE_PULL_REQUESTS_QUERY,
    ])
      expect(validate(q)).toEqual([]);
  });
});

describe('github-changes collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const collect = async (
    org: GitHubOrgFixture,
    changes: Record<string, unknown> = {},
    serverOptions: GitHubServerOptions = {},
  ) => {
    server = await startGitHubServer(org, serverOptions);
    const config = changesConfig({ ticketPattern: '[A-Z]+-\\d+', ...changes });
    const collector = createGitHubChangesCollector({ pacing, auth, apiUrl: server.url });
    const ctx = {
      config,
      settings: settingsOf(collector, config)!,
      clock: fixedClock(COLLECTED_AT),
      window: dayWindow(DAY),
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    };
    const [scope] = collector.scopes(config, {});
    const out = await collector.collect(scope!, ctx);
    const snapshot = makeSnapshot({
      collector: 'github-changes',
      scope: scope!.id,
      collectedAt: COLLECTED_AT,
      data: out.data,
    }) as Snapshot<ChangesData>;
    return { out, data: out.data, snapshot, config, ctx };
  };

  it('records every pull request merged into a default branch on the evidence day, and each direct push', async () => {
    const { out, data, ctx } = await collect(acmeChangesOrg());
    expect(out.status).toBeUndefined();
    expect(data.window).toMatchObject({
      day: DAY,
      from: `${DAY}T00:00:00.000Z`,
      to: `${NEXT_DAY}T00:00:00.000Z`,
      days: 1,
    });
    expect(data.pullRequestSource).toMatch(/by update time .*no search index/);
    expect(data.mergedPullRequests.map((p) => p.id).sort()).toEqual(
      ['acme/api#1', 'acme/api#2', 'acme/api#3', 'acme/api#4', 'acme/api#5', 'acme/api#6'].sort(),
    );
    const first = data.mergedPullRequests.find((p) => p.number === 1)!;
    expect(first).toMatchObject({
      url: 'https://github.com/acme/api/pull/1',
      author: 'alice',
      mergedBy: 'alice',
      mergedAt: `${DAY}T12:00:00Z`,
      baseRef: 'main',
      tickets: ['OPS-101'],
      emergency: false,
      head: { statusCheckRollup: 'SUCCESS' },
    });
    expect(first.reviews).toEqual([
      { author: 'bob', state: 'APPROVED', submittedAt: `${DAY}T10:00:00Z`, commit: first.head.oid },
    ]);
    expect(data.mergedPullRequests.find((p) => p.number === 6)!.emergency).toBe(true);
    // The direct push and the commit of a never-merged pull request; merge and PR commits are not.
    expect(data.directPushes.map((p) => [p.author, p.otherPullRequests])).toEqual(
      expect.arrayContaining([
        ['mallory', []],
        ['alice', [{ number: 9, merged: false, baseRef: 'main' }]],
      ]),
    );
    expect(data.directPushes).toHaveLength(2);
    // Only acme/api and acme/records were pushed to since the window's start... records was not.
    expect(data.repositoriesPushedTo).toBe(1);
    // 1 page of repositories by push time, with their history and merged pull requests; 1 of details.
    expect(data.requests).toEqual({ repositories: 1, pullRequests: 0, details: 1, history: 0 });
    expect(ctx.stats.requests).toBe(2);
    expect(server!.stats.graphql).toBe(2);
    // The cross-check: every merge commit of the day belongs to a pull request found, and back.
    expect(data.crossCheck).toMatchObject({ pullRequestsChecked: 6, missing: [], unmatched: [] });
    expect(data.crossCheck.commitsChecked).toBeGreaterThan(6);
    expect(data.rateLimit.cost).toBeGreaterThan(0);
  });

  it('follows a busy default branch past the first page of its history', async () => {
    const commits = Array.from({ length: 30 }, (_, i) => ({
      oid: (i + 1).toString(16).padStart(40, 'e'),
      committedDate: new Date(Date.parse(`${DAY}T01:00:00Z`) + i * 60_000).toISOString(),
      author: 'mallory',
    }));
    const org: GitHubOrgFixture = {
      login: 'acme',
      requiresTwoFactorAuthentication: true,
      rulesets: [],
      repos: [{ name: 'busy', commits }],
    };
    const { data } = await collect(org);
    expect(data.directPushes).toHaveLength(30);
    expect(data.pushesComplete).toBe(true);
    expect(data.requests).toEqual({ repositories: 1, pullRequests: 0, details: 0, history: 1 });
  });

  it('reads a busy repository past its first page of merged pull requests and loses none (no 1,000-result cap)', async () => {
    const org: GitHubOrgFixture = {
      login: 'acme',
      requiresTwoFactorAuthentication: true,
      rulesets: [],
      repos: [],
    };
    for (let r = 0; r < 5; r++) {
      org.repos.push({
        name: `svc-${r}`,
        pushedAt: '2026-05-22T23:00:00Z',
        pullRequests: Array.from({ length: 250 }, (_, i) => {
          const n = r * 250 + i;
          const mergedAt = new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 60_000).toISOString();
          return {
            number: i + 1,
            title: `change ${n}`,
            author: 'alice',
            mergedBy: 'bob',
            mergedAt,
            commits: [{ oid: n.toString(16).padStart(40, '0'), committedDate: mergedAt }],
            reviews: [{ author: 'bob', state: 'APPROVED' as const, submittedAt: mergedAt }],
          };
        }),
      });
    }
    const { data } = await collect(org);
    expect(data.pullRequestsComplete).toBe(true);
    expect(data.mergedPullRequests).toHaveLength(1250);
    expect(new Set(data.mergedPullRequests.map((p) => p.id)).size).toBe(1250);
    // 25 references with the listing, then 3 follow-ups of 100 per repository; details 100 per request.
    expect(data.requests).toMatchObject({ repositories: 1, pullRequests: 15, details: 13 });
  });

  it('a pull request merged at 23:59:59 UTC is in its day’s window although the search index does not show it yet', async () => {
    const org = acmeChangesOrg();
    const api = org.repos.find((r) => r.name === 'api')!;
    const late = {
      number: 20,
      title: 'Merged a second before midnight',
      author: 'alice',
      mergedBy: 'alice',
      mergedAt: `${DAY}T23:59:59Z`,
      mergeCommit: 'b'.repeat(40),
      commits: [{ oid: 'a'.repeat(40), committedDate: `${DAY}T23:00:00Z`, pullRequests: [20] }],
      reviews: [{ author: 'bob', state: 'APPROVED' as const, submittedAt: `${DAY}T23:30:00Z` }],
    };
    api.pullRequests = [...(api.pullRequests ?? []), late];
    api.commits = [
      ...(api.commits ?? []),
      { oid: 'b'.repeat(40), committedDate: `${DAY}T23:59:59Z`, author: 'alice', pullRequests: [20] },
    ];
    api.pushedAt = `${DAY}T23:59:59Z`;
    // The server's search index lags ten minutes behind its clock, five minutes after midnight.
    const serverOptions = { searchLagSeconds: 600, clock: { now: () => Date.parse(COLLECTED_AT) } };
    const { data, out } = await collect(org, {}, serverOptions);
    // The search API, asked now, does not have it yet.
    const searched = await fetch(server!.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query { search(query: "org:acme is:pr is:merged merged:${DAY}T00:00:00Z..${DAY}T23:59:59Z", type: ISSUE, first: 100) { nodes { ... on PullRequest { number } } } }`,
      }),
    }).then((r) => r.json() as Promise<{ data: { search: { nodes: { number: number }[] } } }>);
    expect(searched.data.search.nodes.map((n) => n.number)).not.toContain(20);
    expect(searched.data.search.nodes.map((n) => n.number)).toContain(1);
    // The collector does: it reads the repositories' pull requests, not the index.
    expect(out.status).toBeUndefined();
    expect(data.mergedPullRequests.map((p) => p.id)).toContain('acme/api#20');
    expect(data.mergedPullRequests.find((p) => p.id === 'acme/api#20')!.mergedAt).toBe(`${DAY}T23:59:59Z`);
    expect(data.crossCheck.missing).toEqual([]);
  });

  it('a merge commit whose pull request was not found makes the snapshot partial (the cross-check)', async () => {
    const org = acmeChangesOrg();
    const api = org.repos.find((r) => r.name === 'api')!;
    // GitHub's listing misses #1 (it was not updated: a stale updatedAt before the window),
    // but the default branch's merge commit belongs to it.
    api.pullRequests = api.pullRequests!.map((p) =>
      p.number === 1 ? { ...p, updatedAt: '2026-05-01T00:00:00Z' } : p,
    );
    const { data, out } = await collect(org);
    expect(data.mergedPullRequests.map((p) => p.id)).not.toContain('acme/api#1');
    expect(data.crossCheck.missing).toEqual(['acme/api#1']);
    expect(out.status).toBe('partial');
    expect(out.errors!.join(' ')).toMatch(/cross-check: 1 pull request\(s\) merged .* acme\/api#1/);
  });

  it('an empty window (a re-run after its days were covered) reads nothing and says so', async () => {
    server = await startGitHubServer(acmeChangesOrg());
    const config = changesConfig();
    const collector = createGitHubChangesCollector({ pacing, auth, apiUrl: server.url });
    const [scope] = collector.scopes(config, {});
    const window = {
      ...dayWindow(DAY),
      from: `${NEXT_DAY}T00:00:00.000Z`,
      days: 0,
      note: 'nothing to cover',
    };
    const out = await collector.collect(scope!, {
      config,
      settings: settingsOf(collector, config)!,
      clock: fixedClock(COLLECTED_AT),
      window,
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    });
    expect(server.stats.graphql).toBe(0);
    expect(out.data.mergedPullRequests).toEqual([]);
    const snapshot = makeSnapshot({
      collector: 'github-changes',
      scope: scope!.id,
      collectedAt: COLLECTED_AT,
      data: out.data,
    }) as Snapshot<ChangesData>;
    expect(changePeerReviewedCheck.run(snapshot, config)).toMatchObject({
      result: 'not-applicable',
      detail: expect.stringMatching(/no day \(an empty window/),
    });
  });
});

describe('change-peer-reviewed and no-direct-push over the acme day', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function snapshotOf(changes: Record<string, unknown> = {}) {
    server = await startGitHubServer(acmeChangesOrg());
    const config = changesConfig(changes);
    const collector = createGitHubChangesCollector({ pacing, auth, apiUrl: server.url });
    const [scope] = collector.scopes(config, {});
    const out = await collector.collect(scope!, {
      config,
      settings: settingsOf(collector, config)!,
      clock: fixedClock(COLLECTED_AT),
      window: dayWindow(DAY),
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    });
    return {
      config,
      snapshot: makeSnapshot({
        collector: 'github-changes',
        scope: scope!.id,
        collectedAt: COLLECTED_AT,
        data: out.data,
      }) as Snapshot<ChangesData>,
    };
  }

  it('each kind of change gets its verdict, named by a stable finding id', async () => {
    const { config, snapshot } = await snapshotOf();
    const outcome = changePeerReviewedCheck.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    // approved properly (#1) and the approved emergency changes (#5, #6) pass the review test;
    // self-approved (#2), approved before the last push (#3) and unreviewed (#4) fail.
    expect(outcome.failing.sort()).toEqual(['acme/api#2', 'acme/api#3', 'acme/api#4']);
    expect(outcome.detail).toMatch(/acme\/api#2: 0 of 1 .*the author's own approval.*self-merged by carol/);
    expect(outcome.detail).toMatch(/acme\/api#3: 0 of 1 .*1 approval\(s\) on an earlier commit/);
    expect(outcome.detail).toMatch(/acme\/api#4: 0 of 1 .*\(no review\)/);

    const pushes = noDirectPushCheck.run(snapshot, config);
    expect(pushes.result).toBe('fail');
    expect(pushes.failing).toHaveLength(2);
    for (const id of pushes.failing) expect(id).toMatch(/^acme\/api@[0-9a-f]{40}$/);
    expect(pushes.detail).toContain('by mallory');
  });

  it('stale approvals count when the configuration allows them', async () => {
    const { config, snapshot } = await snapshotOf({ allowStaleApprovals: true });
    expect(changePeerReviewedCheck.run(snapshot, config).failing.sort()).toEqual([
      'acme/api#2',
      'acme/api#4',
    ]);
  });

  it('Compliance: a day of properly approved changes passes; a quiet day is not applicable', () => {
    const config = changesConfig();
    const data: ChangesData = {
      org: 'acme',
      window: dayWindow(DAY),
      emergencyLabel: 'emergency',
      ticketPattern: null,
      pullRequestSource: 'test',
      mergedPullRequests: [],
      pullRequestsComplete: true,
      directPushes: [],
      repositoriesPushedTo: 0,
      pushesComplete: true,
      rateLimit: { cost: 1, remaining: 4999, resetAt: null },
      crossCheck: { method: 'test', commitsChecked: 0, pullRequestsChecked: 0, missing: [], unmatched: [] },
      requests: { repositories: 1, pullRequests: 0, details: 0, history: 0 },
    };
    const quiet = makeSnapshot({
      collector: 'github-changes',
      scope: 'github-acme',
      collectedAt: COLLECTED_AT,
      data,
    });
    expect(changePeerReviewedCheck.run(quiet as Snapshot<ChangesData>, config).result).toBe('not-applicable');
    expect(noDirectPushCheck.run(quiet as Snapshot<ChangesData>, config).result).toBe('not-applicable');
    const approved = {
      ...data,
      repositoriesPushedTo: 1,
      mergedPullRequests: [
        {
          id: 'acme/api#1',
          repository: 'acme/api',
          number: 1,
          url: 'https://github.com/acme/api/pull/1',
          title: 'ok',
          author: 'alice',
          mergedBy: 'alice',
          mergedAt: `${DAY}T12:00:00Z`,
          mergeCommit: 'm',
          baseRef: 'main',
          headRef: 'f',
          head: { oid: 'h', committedDate: `${DAY}T09:00:00Z`, statusCheckRollup: 'SUCCESS' },
          reviews: [{ author: 'bob', state: 'APPROVED', submittedAt: `${DAY}T10:00:00Z`, commit: 'h' }],
          reviewsComplete: true,
          labels: [],
          tickets: [],
          emergency: false,
        },
      ],
    };
    const ok = makeSnapshot({
      collector: 'github-changes',
      scope: 'github-acme',
      collectedAt: COLLECTED_AT,
      data: approved,
    });
    expect(changePeerReviewedCheck.run(ok as Snapshot<ChangesData>, config).result).toBe('pass');
    expect(noDirectPushCheck.run(ok as Snapshot<ChangesData>, config).result).toBe('pass');
    // Not judged never passes: an incomplete read fails.
    const partial = makeSnapshot({
      collector: 'github-changes',
      scope: 'github-acme',
      collectedAt: COLLECTED_AT,
      data: { ...approved, pullRequestsComplete: false, pushesComplete: false },
    }) as Snapshot<ChangesData>;
    expect(changePeerReviewedCheck.run(partial, config).result).toBe('fail');
    expect(noDirectPushCheck.run(partial, config).result).toBe('fail');
  });
});
