import { describe, expect, it } from 'vitest';
import type {
  BypassActorEvidence,
  GitHubData,
  RepositoryEvidence,
  RuleEvidence,
} from '../../shared/collectors/github/collector.js';
import { githubBranchProtectionCheck } from '../../shared/collectors/github/github-branch-protection.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { testConfig } from '../helpers/vendors.js';

const config = testConfig({ github: { org: 'example', requiredApprovals: 2 } });

const legacy = (approvals: number, allowsForcePushes = false) => ({
  pattern: 'main',
  requiresApprovingReviews: approvals > 0,
  requiredApprovingReviewCount: approvals,
  requiresCodeOwnerReviews: false,
  dismissesStaleReviews: false,
  requireLastPushApproval: false,
  requiresStatusChecks: false,
  requiresStrictStatusChecks: false,
  requiredStatusCheckContexts: [],
  isAdminEnforced: true,
  allowsForcePushes,
  allowsDeletions: false,
  requiresCommitSignatures: false,
  requiresLinearHistory: false,
  requiresConversationResolution: false,
});

const rule = (
  type: string,
  enforcement: string,
  source: 'Organization' | 'Repository',
  approvals?: number,
  bypassActors: BypassActorEvidence[] | null = [],
  name = 'baseline',
): RuleEvidence => ({
  type,
  parameters: approvals === undefined ? null : { requiredApprovingReviewCount: approvals },
  ruleset: { id: 1, name, enforcement, source: { type: source, name: 'example' }, bypassActors },
});

const repo = (name: string, over: Partial<RepositoryEvidence> = {}): RepositoryEvidence => ({
  name,
  nameWithOwner: `example/${name}`,
  visibility: 'PRIVATE',
  isFork: false,
  defaultBranch: 'main',
  branchProtection: null,
  rules: [],
  rulesComplete: true,
  ...over,
});

function snapshot(repositories: RepositoryEvidence[], repositoriesComplete = true) {
  const data: GitHubData = {
    org: 'example',
    apiUrl: 'https://api.github.com',
    requiresTwoFactorAuthentication: true,
    repositoriesComplete,
    totalRepositories: repositories.length,
    repositories,
    rateLimit: { cost: 1, remaining: 4999, resetAt: null },
  };
  return makeSnapshot({
    collector: 'github',
    scope: 'github-example',
    collectedAt: '2026-04-20T00:05:00.000Z',
    data,
  }) as Snapshot<GitHubData>;
}

describe('github-branch-protection', () => {
  it('Compliance: legacy protection, a repository ruleset, or an org ruleset alone all pass', () => {
    const out = githubBranchProtectionCheck.run(
      snapshot([
        repo('legacy', { branchProtection: legacy(2) }),
        repo('repo-ruleset', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Repository', 3),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository'),
          ],
        }),
        repo('org-only', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Organization'),
          ],
        }),
        repo('mixed', {
          branchProtection: legacy(0),
          rules: [rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2)],
        }),
        repo('empty', { defaultBranch: null }),
      ]),
      config,
    );
    expect(out).toEqual({
      result: 'pass',
      detail: expect.stringMatching(/^4 repositories .*\(1 empty skipped\)/),
      failing: [],
    });
  });

  it('Compliance with a note: a repository protected only by bypassable rulesets passes, and the detail names who may bypass', () => {
    const admins: BypassActorEvidence[] = [
      { type: 'OrganizationAdmin', name: null, bypassMode: 'ALWAYS' },
      { type: 'Team', name: 'release-managers', bypassMode: 'PULL_REQUEST' },
    ];
    const out = githubBranchProtectionCheck.run(
      snapshot([
        repo('bypassable', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2, admins, 'org-baseline'),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Organization', undefined, admins, 'org-baseline'),
          ],
        }),
        repo('unread', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Repository', 2, null, 'protect-main'),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository', undefined, null, 'protect-main'),
          ],
        }),
        repo('strict', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Repository', 2),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository'),
          ],
        }),
        // Legacy protection also applies: the ruleset's bypass is not the only protection.
        repo('legacy-too', {
          branchProtection: legacy(2),
          rules: [rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2, admins, 'org-baseline')],
        }),
      ]),
      config,
    );
    expect(out.result).toBe('pass');
    expect(out.failing).toEqual([]);
    expect(out.detail).toBe(
      '4 repositories require >= 2 approval(s) and block force pushes on their default branch. ' +
        'Protected only by rulesets that can be bypassed: bypassable by ruleset "org-baseline" ' +
        '(bypass: OrganizationAdmin always, Team release-managers pull_request); ' +
        'unread by ruleset "protect-main" (bypass actors not read).',
    );
  });

  it('Not applicable: an org with no repository (or only empty ones) has nothing to protect', () => {
    for (const repos of [[], [repo('empty', { defaultBranch: null })]]) {
      const outcome = githubBranchProtectionCheck.run(snapshot(repos), config);
      expect(outcome.result).toBe('not-applicable');
      expect(outcome.failing).toEqual([]);
    }
    // An incomplete list is never "nothing to judge".
    expect(githubBranchProtectionCheck.run(snapshot([], false), config).result).toBe('fail');
  });

  it('Noncompliance: an unprotected repository fails with its name in the detail', () => {
    const out = githubBranchProtectionCheck.run(
      snapshot([repo('legacy', { branchProtection: legacy(2) }), repo('wild-west')]),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['wild-west']);
    expect(out.detail).toMatch(/wild-west \(main\): unprotected/);
  });

  it('Noncompliance: a ruleset in EVALUATE mode does not count', () => {
    const out = githubBranchProtectionCheck.run(
      snapshot([
        repo('trial', {
          rules: [
            rule('PULL_REQUEST', 'EVALUATE', 'Organization', 2),
            rule('NON_FAST_FORWARD', 'EVALUATE', 'Organization'),
          ],
        }),
      ]),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['trial']);
    expect(out.detail).toMatch(/trial \(main\): unprotected \(only rules in EVALUATE/);
  });

  it('Noncompliance: too few approvals, or force pushes allowed, each named', () => {
    const out = githubBranchProtectionCheck.run(
      snapshot([
        repo('one-review', { branchProtection: legacy(1) }),
        repo('force', { branchProtection: legacy(2, true) }),
        repo('no-ff-rule', { rules: [rule('PULL_REQUEST', 'ACTIVE', 'Repository', 2)] }),
      ]),
      config,
    );
    expect(out.failing).toEqual(['one-review', 'force', 'no-ff-rule']);
    expect(out.detail).toMatch(/one-review \(main\): requires 1 approval\(s\), needs 2/);
    expect(out.detail).toMatch(/force \(main\): force pushes allowed/);
    expect(out.detail).toMatch(/no-ff-rule \(main\): force pushes allowed/);
  });

  it('Noncompliance: an incomplete repository list cannot pass', () => {
    const out = githubBranchProtectionCheck.run(
      snapshot([repo('ok', { branchProtection: legacy(2) })], false),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.detail).toMatch(/repository list was not read to the end/);
  });

  describe('rules as GitHub sends them, and the detail word for word', () => {
    const run = (repos: RepositoryEvidence[], complete = true) =>
      githubBranchProtectionCheck.run(snapshot(repos, complete), config);
    const strict = [
      rule('PULL_REQUEST', 'ACTIVE', 'Repository', 2),
      rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository'),
    ];

    it('an active pull-request rule requiring too few approvals fails, whatever other rules the ruleset has', () => {
      const out = run([
        repo('lax', {
          rules: [
            rule('PULL_REQUEST', 'ACTIVE', 'Repository', 0),
            rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository'),
          ],
        }),
        repo('ff-only', { rules: [rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository')] }),
      ]);
      expect(out).toEqual({
        result: 'fail',
        failing: ['lax', 'ff-only'],
        detail:
          'lax (main): requires 0 approval(s), needs 2; ff-only (main): requires 0 approval(s), needs 2.',
      });
    });

    it('a pull-request rule without parameters counts no approval; a rule whose ruleset was not read counts nothing', () => {
      const bare: RuleEvidence = { ...rule('PULL_REQUEST', 'ACTIVE', 'Repository'), parameters: null };
      const orphan: RuleEvidence = { ...rule('PULL_REQUEST', 'ACTIVE', 'Repository', 5), ruleset: null };
      const out = run([
        repo('bare', { rules: [bare, rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository')] }),
        repo('orphan', { branchProtection: legacy(2), rules: [orphan] }),
        repo('orphan-only', { rules: [orphan, rule('NON_FAST_FORWARD', 'ACTIVE', 'Repository')] }),
      ]);
      expect(out.failing).toEqual(['bare', 'orphan-only']);
      // Protected by rulesets, one rule of an unread ruleset beside them: no note for it.
      expect(run([repo('strict-orphan', { rules: [...strict, orphan] })])).toEqual({
        result: 'pass',
        failing: [],
        detail: '1 repositories require >= 2 approval(s) and block force pushes on their default branch.',
      });
      expect(run([repo('wild')]).detail).toBe('wild (main): unprotected.');
      expect(out.detail).toBe(
        'bare (main): requires 0 approval(s), needs 2; orphan-only (main): requires 0 approval(s), needs 2.',
      );
    });

    it('two gaps joined by ", "; rules not read to the end named only with a gap', () => {
      const out = run([
        repo('both', { branchProtection: legacy(1, true), rulesComplete: false }),
        repo('fine-but-unread', { branchProtection: legacy(2), rulesComplete: false }),
      ]);
      expect(out).toEqual({
        result: 'fail',
        failing: ['both'],
        detail: 'both (main): requires 1 approval(s), needs 2, force pushes allowed, rules incomplete.',
      });
      // Unread rules can only add restrictions: what was read already protects the branch.
      expect(
        run([repo('fine-but-unread', { branchProtection: legacy(2), rulesComplete: false })]).result,
      ).toBe('pass');
    });

    it('the not-applicable and passing sentences, with and without empty repositories', () => {
      expect(run([repo('a', { defaultBranch: null }), repo('b', { defaultBranch: null })]).detail).toBe(
        'the organization has no repository with a default branch (2 empty): nothing to protect',
      );
      expect(run([]).detail).toBe(
        'the organization has no repository with a default branch: nothing to protect',
      );
      expect(run([repo('a', { rules: strict })]).detail).toBe(
        '1 repositories require >= 2 approval(s) and block force pushes on their default branch.',
      );
    });

    it('bypass notes: only active rulesets, an actor without a mode, two rulesets joined, more than 20 repositories cut', () => {
      const actor: BypassActorEvidence = { type: 'DeployKey', name: null, bypassMode: null };
      const evaluating = rule('PULL_REQUEST', 'EVALUATE', 'Organization', 2, [actor], 'trial');
      const other = rule('NON_FAST_FORWARD', 'ACTIVE', 'Organization', undefined, [actor], 'second');
      const out = run([
        repo('a', { rules: [...strict, evaluating] }),
        repo('b', { rules: [rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2, [actor], 'first'), other] }),
      ]);
      expect(out.detail).toBe(
        '2 repositories require >= 2 approval(s) and block force pushes on their default branch. ' +
          'Protected only by rulesets that can be bypassed: b by ruleset "first" (bypass: DeployKey) and ruleset "second" (bypass: DeployKey).',
      );
      const bypassable = [
        rule('PULL_REQUEST', 'ACTIVE', 'Organization', 2, [actor]),
        rule('NON_FAST_FORWARD', 'ACTIVE', 'Organization'),
      ];
      const names = (n: number) => Array.from({ length: n }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
      const twenty = run(names(20).map((n) => repo(n, { rules: bypassable })));
      expect(twenty.detail).toBe(
        `20 repositories require >= 2 approval(s) and block force pushes on their default branch. Protected only by rulesets that can be bypassed: ${names(20).join(', ')} by ruleset "baseline" (bypass: DeployKey).`,
      );
      const many = run(names(22).map((n) => repo(n, { rules: bypassable })));
      expect(many.detail).toBe(
        `22 repositories require >= 2 approval(s) and block force pushes on their default branch. Protected only by rulesets that can be bypassed: ${names(20).join(', ')} (+2 more) by ruleset "baseline" (bypass: DeployKey).`,
      );
    });
  });
});
