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
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { silentLogger } from '../../shared/log.js';
import { acmeChangesOrg, COLLECTED_AT, changesConfig, DAY, NEXT_DAY } from '../fixtures/github/changes.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubOrgFixture,
  type GitHubServer,
  startGitHubServer,
} from '../servers/github-server.js';

const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const auth = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });

describe('github-changes queries', () => {
  it('validate against GitHub’s published GraphQL schema', () => {
    for (const q of [MERGED_PULL_REQUESTS_QUERY, PUSHED_REPOSITORIES_QUERY, MORE_HISTORY_QUERY])
      expect(validate(q)).toEqual([]);
  });
});

describe('github-changes collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const collect = async (org: GitHubOrgFixture, changes: Record<string, unknown> = {}) => {
    server = await startGitHubServer(org);
    const config = changesConfig({ ticketPattern: '[A-Z]+-\\d+', ...changes });
    const collector = createGitHubChangesCollector({ pacing, auth, apiUrl: server.url });
    const ctx = {
      config,
      settings: settingsOf(collector, config)!,
      clock: fixedClock(COLLECTED_AT),
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
    expect(data.window).toEqual({ day: DAY, from: `${DAY}T00:00:00.000Z`, to: `${NEXT_DAY}T00:00:00.000Z` });
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
    // 1 search page + 1 page of repositories by push time, with their history.
    expect(data.requests).toEqual({ search: 1, repositories: 1, history: 0 });
    expect(ctx.stats.requests).toBe(2);
    expect(server!.stats.graphql).toBe(2);
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
    expect(data.requests).toEqual({ search: 1, repositories: 1, history: 1 });
  });

  it('splits a window with more than 1,000 merged pull requests (the search API cap) and loses none', async () => {
    const org: GitHubOrgFixture = {
      login: 'acme',
      requiresTwoFactorAuthentication: true,
      rulesets: [],
      repos: [],
    };
    for (let r = 0; r < 5; r++) {
      org.repos.push({
        name: `svc-${r}`,
        pushedAt: '2026-05-01T00:00:00Z',
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
    const { data, out } = await collect(org);
    expect(out.status).toBeUndefined();
    expect(data.pullRequestsComplete).toBe(true);
    expect(data.mergedPullRequests).toHaveLength(1250);
    expect(new Set(data.mergedPullRequests.map((p) => p.id)).size).toBe(1250);
    // The first query saw 1,250 > 1,000: two halves of 13 pages... not one of 10.
    expect(data.requests.search).toBeGreaterThan(13);
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
      window: { day: DAY, from: `${DAY}T00:00:00.000Z`, to: `${NEXT_DAY}T00:00:00.000Z` },
      emergencyLabel: 'emergency',
      ticketPattern: null,
      mergedPullRequests: [],
      pullRequestsComplete: true,
      directPushes: [],
      repositoriesPushedTo: 0,
      pushesComplete: true,
      rateLimit: { cost: 1, remaining: 4999, resetAt: null },
      requests: { search: 1, repositories: 1, history: 0 },
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
