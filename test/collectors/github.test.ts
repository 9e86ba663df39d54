import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validate } from '@octokit/graphql-schema';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import {
  createGitHubCollector,
  type GitHubData,
  ORG_REPOSITORIES_QUERY,
  REF_RULES_QUERY,
  RULESET_BYPASS_QUERY,
} from '../../shared/collectors/github/collector.js';
import { githubBranchProtectionCheck } from '../../shared/collectors/github/github-branch-protection.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { createStreamLogger } from '../../shared/log.js';
import { forgetSecrets, REDACTED, redact } from '../../shared/secrets.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext, testConfig } from '../helpers/vendors.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubServer,
  makeGitHubOrg,
  nonFastForwardRule,
  pullRequestRule,
  startGitHubServer,
} from '../servers/github-server.js';

// No waiting in tests: Retry-After and GraphQL spacing are scaled to zero.
const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const token = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });

describe('github queries', () => {
  it('validate against GitHub’s published GraphQL schema', () => {
    expect(validate(ORG_REPOSITORIES_QUERY)).toEqual([]);
    expect(validate(REF_RULES_QUERY)).toEqual([]);
    expect(validate(RULESET_BYPASS_QUERY)).toEqual([]);
    expect(validate('query { organization(login: "x") { nonsenseField } }')).not.toEqual([]);
  });
});

describe('github collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const run = async (
    org: ReturnType<typeof makeGitHubOrg>,
    options: Parameters<typeof startGitHubServer>[1] = {},
    auth: Parameters<typeof createGitHubCollector>[0] extends infer D
      ? D extends { auth?: infer A }
        ? A
        : never
      : never = token,
  ) => {
    server = await startGitHubServer(org, options);
    const config = testConfig({ github: { org: 'Example', requiredApprovals: 1 } });
    const collector = createGitHubCollector({ pacing, auth, apiUrl: server.url });
    const [scope] = collector.scopes(config, {});
    const ctx = collectorContext(config);
    const out = await collector.collect(scope!, ctx);
    return { out, data: out.data as GitHubData, ctx, scope: scope! };
  };

  it('collects an org of 250 repositories in 3 GraphQL pages, completely, skipping archived ones', async () => {
    const org = makeGitHubOrg({
      repos: 250,
      archived: 4,
      style: (i) => (['legacy', 'ruleset', 'org', 'none'] as const)[i % 4]!,
    });

    const { out, data, ctx, scope } = await run(org);

    expect(scope.id).toBe('github-example');
    expect(out.status).toBe('ok');
    expect(out.items).toBe(250);
    expect(data.repositories.map((r) => r.name)).toEqual(
      org.repos.filter((r) => !r.archived).map((r) => r.name),
    );
    expect(data.repositoriesComplete).toBe(true);
    expect(data.totalRepositories).toBe(250);
    // 3 pages of repositories + 1 request for the bypass actors of the 63 distinct rulesets.
    expect(ctx.stats.pages).toBe(3 + 1);
    expect(ctx.stats.requests).toBe(3 + 1);
    expect(server!.stats.graphql).toBe(3 + 1);
    expect(data.requiresTwoFactorAuthentication).toBe(true);
    expect(data.rateLimit.cost).toBe(server!.stats.pointsUsed);

    const [legacy, ruleset, orgOnly, none] = data.repositories;
    expect(legacy!.branchProtection).toMatchObject({
      requiredApprovingReviewCount: 1,
      allowsForcePushes: false,
    });
    expect(legacy!.rules).toEqual([]);
    expect(ruleset!.rules).toEqual([
      expect.objectContaining({
        type: 'PULL_REQUEST',
        parameters: expect.objectContaining({ requiredApprovingReviewCount: 1 }),
        ruleset: {
          id: 1001,
          name: 'protect-main',
          enforcement: 'ACTIVE',
          source: { type: 'Repository', name: 'example/repo-0002' },
          bypassActors: [],
        },
      }),
      expect.objectContaining({ type: 'NON_FAST_FORWARD', parameters: null }),
    ]);
    expect(orgOnly!.branchProtection).toBeNull();
    expect(orgOnly!.rules.map((r) => [r.type, r.ruleset?.source])).toEqual([
      ['PULL_REQUEST', { type: 'Organization', name: 'example' }],
      ['NON_FAST_FORWARD', { type: 'Organization', name: 'example' }],
      ['DELETION', { type: 'Organization', name: 'example' }],
    ]);
    expect(none!).toMatchObject({ defaultBranch: 'main', branchProtection: null, rules: [] });
  });

  it('collected evidence judged by github-branch-protection: only the unprotected repositories fail', async () => {
    const org = makeGitHubOrg({
      repos: 8,
      style: (i) => (['legacy', 'ruleset', 'org', 'none'] as const)[i % 4]!,
    });
    org.rulesets.push({
      id: 9,
      name: 'trial',
      enforcement: 'EVALUATE',
      repositories: ['repo-0008'],
      rules: [pullRequestRule(3), nonFastForwardRule],
    });

    const { out, data } = await run(org);
    const snapshot = makeSnapshot({
      collector: 'github',
      scope: 'github-example',
      collectedAt: '2026-04-20T00:05:00.000Z',
      data: out.data,
    }) as Snapshot<GitHubData>;
    const verdict = githubBranchProtectionCheck.run(
      snapshot,
      testConfig({ github: { org: 'example', requiredApprovals: 1 } }),
    );

    expect(data.repositories[7]!.rules.map((r) => r.ruleset?.enforcement)).toEqual(['EVALUATE', 'EVALUATE']);
    expect(verdict.result).toBe('fail');
    expect(verdict.failing).toEqual(['repo-0004', 'repo-0008']);
  });

  it('records who may bypass each ruleset, once per distinct ruleset, 100 rulesets per request', async () => {
    // 150 repositories: 148 with their own ruleset, 2 covered only by the org ruleset.
    const org = makeGitHubOrg({ repos: 150, style: (i) => (i < 2 ? 'org' : 'ruleset') });
    org.rulesets[0]!.bypassActors = [
      { type: 'OrganizationAdmin', bypassMode: 'ALWAYS' },
      { type: 'Team', name: 'release-managers', bypassMode: 'PULL_REQUEST' },
    ];
    org.repos[2]!.rulesets![0]!.bypassActors = [
      { type: 'App', name: 'deploy-bot', bypassMode: 'ALWAYS' },
      { type: 'RepositoryRole', name: 'maintain', bypassMode: 'PULL_REQUEST' },
      { type: 'DeployKey', bypassMode: 'ALWAYS' },
      { type: 'EnterpriseOwner', bypassMode: 'ALWAYS' },
    ];

    const { out, data, ctx } = await run(org);

    expect(out.status).toBe('ok');
    // 2 pages of repositories + 149 distinct rulesets in 2 requests of at most 100.
    expect(ctx.stats.pages).toBe(2 + 2);
    const [orgOnly, , custom, plain] = data.repositories;
    for (const rule of orgOnly!.rules)
      expect(rule.ruleset!.bypassActors).toEqual([
        { type: 'OrganizationAdmin', name: null, bypassMode: 'ALWAYS' },
        { type: 'Team', name: 'release-managers', bypassMode: 'PULL_REQUEST' },
      ]);
    expect(custom!.rules[0]!.ruleset!.bypassActors).toEqual([
      { type: 'App', name: 'deploy-bot', bypassMode: 'ALWAYS' },
      { type: 'RepositoryRole', name: 'maintain', bypassMode: 'PULL_REQUEST' },
      { type: 'DeployKey', name: null, bypassMode: 'ALWAYS' },
      { type: 'unknown', name: null, bypassMode: 'ALWAYS' },
    ]);
    expect(plain!.rules.map((r) => r.ruleset!.bypassActors)).toEqual([[], []]);
    expect(data.repositories.every((r) => r.rules.every((rule) => rule.ruleset!.bypassActors !== null))).toBe(
      true,
    );

    const verdict = githubBranchProtectionCheck.run(
      makeSnapshot({
        collector: 'github',
        scope: 'github-example',
        collectedAt: '2026-04-20T00:05:00.000Z',
        data: out.data,
      }) as Snapshot<GitHubData>,
      testConfig({ github: { org: 'example', requiredApprovals: 1 } }),
    );
    expect(verdict.result).toBe('pass');
    expect(verdict.detail).toContain(
      'repo-0001, repo-0002 by ruleset "org-baseline" (bypass: OrganizationAdmin always, Team release-managers pull_request)',
    );
    expect(verdict.detail).toContain(
      'repo-0003 by ruleset "protect-main" (bypass: App deploy-bot always, RepositoryRole maintain pull_request, DeployKey always, unknown always)',
    );
    expect(verdict.detail).not.toContain('repo-0004');
  });

  it('bypass actors that cannot be read are null and make the snapshot partial, saying why', async () => {
    const org = makeGitHubOrg({ repos: 4, style: () => 'ruleset' });

    // The bypass request (the 2nd GraphQL request) fails on every attempt.
    const { out, data } = await run(org, { inject: { status5xxAtRequest: [2, 3, 4, 5] } });

    expect(out.status).toBe('partial');
    expect(data.repositories.flatMap((r) => r.rules.map((rule) => rule.ruleset!.bypassActors))).toEqual(
      Array(8).fill(null),
    );
    expect(out.errors).toEqual([
      expect.stringMatching(
        /^bypass actors of 4 ruleset\(s\) could not be read \(recorded as null\): GitHub answered 502/,
      ),
    ]);
  });

  it('follows a branch with more than 50 rules to its last rule', async () => {
    const org = makeGitHubOrg({ repos: 2 });
    org.repos[0]!.rulesets = [
      {
        id: 7,
        name: 'many',
        enforcement: 'EVALUATE',
        rules: Array.from({ length: 120 }, (_, i) => (i % 2 ? nonFastForwardRule : pullRequestRule(i))),
      },
    ];

    const { out, data, ctx } = await run(org);

    expect(out.status).toBe('ok');
    expect(data.repositories[0]!.rules).toHaveLength(120);
    expect(data.repositories[0]!.rules[0]!.ruleset!.enforcement).toBe('EVALUATE');
    expect(data.repositories[0]!.rulesComplete).toBe(true);
    // the org page (50 rules) + one follow-up of 100 for the other 70 + the ruleset's bypass actors
    expect(ctx.stats.pages).toBe(1 + 1 + 1);
  });

  it('waits out a secondary rate limit and a 5xx blip, and completes', async () => {
    const org = makeGitHubOrg({ repos: 250 });

    const { out, data } = await run(org, {
      inject: { secondaryLimitAtRequest: [2], status5xxAtRequest: [3] },
    });

    expect(server!.stats.secondaryLimited).toBe(1);
    expect(server!.stats.serverErrors).toBe(1);
    expect(out.status).toBe('ok');
    expect(data.repositories).toHaveLength(250);
  });

  it('a rate limit spent mid-listing leaves a partial snapshot that says why', async () => {
    const org = makeGitHubOrg({ repos: 250 });

    const { out, data } = await run(org, { points: { limit: 2, windowSeconds: 3600 } });

    expect(out.status).toBe('partial');
    expect(data.repositoriesComplete).toBe(false);
    expect(data.repositories).toHaveLength(200);
    expect(out.errors!.join('\n')).toMatch(
      /stopped after 200 repositories: GitHub's rate limit for GITHUB_TOKEN is spent until/,
    );
  });

  it('a bad token is a SourceUnavailableError naming GITHUB_TOKEN and the fix', async () => {
    const attempt = run(makeGitHubOrg({ repos: 1 }), {}, () => ({
      kind: 'token',
      token: 'ghp_revoked_token_value_1234',
    }));
    await expect(attempt).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(attempt).rejects.toThrow(/401 Bad credentials.*GITHUB_TOKEN is invalid, expired or revoked/);
  });

  it('an unknown org is a SourceUnavailableError naming github.org', async () => {
    server = await startGitHubServer(makeGitHubOrg({ login: 'someone-else', repos: 1 }));
    const config = testConfig({ github: { org: 'example' } });
    const collector = createGitHubCollector({ pacing, auth: token, apiUrl: server.url });
    await expect(
      collector.collect(collector.scopes(config, {})[0]!, collectorContext(config)),
    ).rejects.toThrow(/organization "example" was not found.*check github.org/);
  });

  it('authenticates as a GitHub App installation', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);

    const { out } = await run(
      makeGitHubOrg({ repos: 3 }),
      { tokens: [], apps: [{ appId: 4242, publicKey: await exportSPKI(publicKey), installations: [99] }] },
      () => ({ kind: 'app', appId: 4242, installationId: 99, privateKey: pem }),
    );

    expect(out.status).toBe('ok');
    expect(server!.stats.tokenRequests).toBe(1);
    expect(server!.stats.authorizations.at(-1)).toMatch(/^token ghs_/);
  });

  /** The whole path: runner → snapshot in a directory locker, with every log line captured. */
  const collectIntoLocker = async (collector: ReturnType<typeof createGitHubCollector>) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'github-collector-'));
    let logged = '';
    const summary = await runCollectors({
      config: testConfig({ github: { org: 'example', requiredApprovals: 1 } }),
      locker: new DirectoryLocker(dir),
      collectors: [collector],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: createStreamLogger({ level: 'debug', write: (line) => (logged += line) }),
      runId: 'testrun00001',
    });
    const snapshots: string[] = [];
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
      if (entry.isFile() && entry.name.endsWith('.json'))
        snapshots.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
    return { summary, snapshots, logged };
  };

  it('registers the installation token GitHub issued: redacted, absent from the snapshot and the logs', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    server = await startGitHubServer(makeGitHubOrg({ repos: 3 }), {
      tokens: [],
      apps: [{ appId: 4242, publicKey: await exportSPKI(publicKey), installations: [99] }],
    });
    const collector = createGitHubCollector({
      pacing,
      apiUrl: server.url,
      auth: () => ({ kind: 'app', appId: 4242, installationId: 99, privateKey: pem }),
    });

    const { summary, snapshots, logged } = await collectIntoLocker(collector);

    const [issued] = server.stats.issuedTokens;
    expect(issued).toMatch(/^ghs_[0-9a-f]{36}$/);
    expect(summary.results).toEqual([expect.objectContaining({ status: 'ok', items: 3 })]);
    expect(server.stats.authorizations.at(-1)).toBe(`token ${issued}`);
    expect(redact(`Authorization: token ${issued}`)).toBe(`Authorization: token ${REDACTED}`);
    expect(snapshots).toHaveLength(1);
    expect(logged).toMatch(/collected/);
    for (const text of [...snapshots, logged]) {
      expect(text).not.toContain(issued!);
      expect(text).not.toContain('PRIVATE KEY');
    }
  });

  it('a GitHub that never answers ends in an error snapshot naming the timeout, not a hang', async () => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 3 }), { inject: { noAnswerFromRequest: 1 } });
    const collector = createGitHubCollector({
      pacing,
      auth: token,
      apiUrl: server.url,
      requestTimeoutMs: 100,
    });

    const { summary, snapshots } = await collectIntoLocker(collector);

    expect(summary.results).toEqual([expect.objectContaining({ scope: 'github-example', status: 'error' })]);
    expect(snapshots).toHaveLength(1);
    const snapshot = JSON.parse(snapshots[0]!) as { status: string; errors: string[] };
    expect(snapshot.status).toBe('error');
    expect(snapshot.errors).toEqual([
      expect.stringMatching(
        /^GitHubTimeoutError: GitHub did not answer within 100 ms \(request timeout, after retries\) at http:\/\/127\.0\.0\.1:\d+\/graphql/,
      ),
    ]);
    // The collection's and the collectedBy question's (viewer { login }): each the first attempt
    // and Octokit's 3 retries, each given up after 100 ms.
    expect(server.stats.unanswered).toBe(8);
    expect(JSON.parse(snapshots[0]!).collectedBy).toMatchObject({
      principal: null,
      error: expect.stringMatching(/GitHub did not answer within 100 ms/),
    });
  });

  const collectAgainst = async (rawAnswer: { status: number; contentType?: string; body: string }) => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 3 }), { inject: { rawAnswer } });
    const collector = createGitHubCollector({ pacing, auth: token, apiUrl: server.url });
    const { summary, snapshots, logged } = await collectIntoLocker(collector);
    expect(summary.results).toEqual([expect.objectContaining({ scope: 'github-example', status: 'error' })]);
    expect(snapshots).toHaveLength(1);
    const snapshot = JSON.parse(snapshots[0]!) as { status: string; errors: string[] };
    expect(snapshot.status).toBe('error');
    return { errors: snapshot.errors, snapshots, logged };
  };

  it.each([
    ['an HTML page', 'text/html; charset=utf-8', '<html><body>Sign in to the proxy</body></html>'],
    ['JSON without data', 'application/json', '{"hello":"world"}'],
    ['JSON null', 'application/json', 'null'],
    ['garbage called JSON', 'application/json', '<<not json>>'],
  ])('%s answered 200 is an error naming the endpoint and status, not a TypeError', async (_, type, body) => {
    const { errors } = await collectAgainst({ status: 200, contentType: type, body });
    expect(errors).toEqual([
      expect.stringMatching(
        /^GitHubApiError: GitHub answered http:\/\/127\.0\.0\.1:\d+\/graphql with no GraphQL response \(HTTP 200, (text\/html|application\/json)/,
      ),
    ]);
    expect(errors.join('\n')).not.toMatch(/TypeError|Cannot read/);
    expect(errors.join('\n')).not.toContain(body);
  });

  it('an error body is never quoted: a token-looking string in a 502 page stays out of the snapshot and logs', async () => {
    const leaked = 'ghp_LeakedTokenInAnErrorPage0000000000001';
    const { errors, snapshots, logged } = await collectAgainst({
      status: 502,
      contentType: 'text/html',
      body: `<html><body>Bad gateway; upstream said Authorization: token ${leaked}</body></html>`,
    });
    expect(errors).toEqual([
      expect.stringMatching(
        /^GitHubApiError: GitHub answered 502 \(an answer that is no GitHub error, text\/html\) for http:/,
      ),
    ]);
    for (const text of [...snapshots, logged]) {
      expect(text).not.toContain(leaked);
      expect(text).not.toContain('Bad gateway');
    }
  });
});
