/**
 * github-branch-protection (CC8.1): every non-archived repository's default branch
 * requires at least github.requiredApprovals approving reviews and blocks force pushes,
 * through legacy branch protection or an ACTIVE ruleset (repository or organization).
 * Rules from EVALUATE (or DISABLED) rulesets enforce nothing and do not count. Empty
 * repositories (no branch yet) have nothing to protect and are skipped.
 *
 * Bypass actors do not change the verdict, but a passing repository protected only by
 * rulesets that someone may bypass (or whose bypass actors were not read) is named in the
 * detail with the ruleset and who may bypass it, so an auditor sees it.
 */

import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import type { BypassActorEvidence, RepositoryEvidence } from './collector.js';
import { github } from './declaration.js';

export const githubBranchProtectionCheck = defineCheck(github, {
  id: 'github-branch-protection',
  title: 'Default branches protected',
  procedure:
    'Open the snapshot; for each repository with a default branch confirm legacy protection or an ACTIVE ruleset requires at least `github.requiredApprovals` approvals and blocks force pushes.',
  remediation:
    "Add a branch ruleset (or legacy protection) on the named repositories' default branch requiring the approvals and blocking force pushes.",
  controls: ['CC8.1'],
  description:
    'every default branch requires N approvals and blocks force pushes (legacy protection or an active ruleset)',
  reliance: {
    freshness: 'No "as of" time: GitHub answers the current branch protection and rulesets at `collectedAt`.',
    doesNotTest:
      'Branches other than the default branch, required status checks, code owners, signed commits, and whether bypass actors used their bypass.',
    limitations:
      'Bypass actors do not change the verdict (a passing repository that may be bypassed is named in the detail); the repositories are those the credentials can see.',
  },
  run(snapshot, config) {
    const required = config.github?.requiredApprovals ?? 1;
    const { data } = snapshot;
    const problems: string[] = [];
    const failing: string[] = [];
    let judged = 0;
    let empty = 0;
    const bypassable = new Map<string, string[]>();
    for (const repo of data.repositories) {
      if (repo.defaultBranch === null) {
        empty++;
        continue;
      }
      judged++;
      const gaps = gapsOf(repo, required);
      if (gaps.length) {
        failing.push(repo.name);
        problems.push(`${repo.name} (${repo.defaultBranch}): ${gaps.join(', ')}`);
        continue;
      }
      const note = bypassNote(repo);
      if (note) bypassable.set(note, [...(bypassable.get(note) ?? []), repo.name]);
    }
    const bypass = bypassable.size
      ? ` Protected only by rulesets that can be bypassed: ${[...bypassable]
          .map(([note, repos]) => `${listNames(repos)} by ${note}`)
          .join('; ')}.`
      : '';
    if (!data.repositoriesComplete) problems.push('the repository list was not read to the end');
    else if (judged === 0 && problems.length === 0)
      return notApplicable(
        `the organization has no repository with a default branch${empty ? ` (${empty} empty)` : ''}: nothing to protect`,
      );
    if (problems.length) return fail(`${problems.join('; ')}.${bypass}`, failing);
    return pass(
      `${judged} repositories require >= ${required} approval(s) and block force pushes on their default branch${empty ? ` (${empty} empty skipped)` : ''}.${bypass}`,
    );
  },
});

function gapsOf(repo: RepositoryEvidence, required: number): string[] {
  const bp = repo.branchProtection;
  const active = repo.rules.filter((r) => r.ruleset?.enforcement === 'ACTIVE');
  const legacyApprovals = bp?.requiresApprovingReviews ? (bp.requiredApprovingReviewCount ?? 0) : 0;
  const rulesetApprovals = Math.max(
    0,
    ...active
      .filter((r) => r.type === 'PULL_REQUEST')
      .map((r) => Number(r.parameters?.requiredApprovingReviewCount ?? 0)),
  );
  const approvals = Math.max(legacyApprovals, rulesetApprovals);
  const forcePushBlocked =
    (bp !== null && !bp.allowsForcePushes) || active.some((r) => r.type === 'NON_FAST_FORWARD');
  const gaps: string[] = [];
  if (!bp && active.length === 0) {
    const evaluating = repo.rules.length
      ? ' (only rules in EVALUATE/DISABLED rulesets, which enforce nothing)'
      : '';
    gaps.push(`unprotected${evaluating}`);
    return gaps;
  }
  if (approvals < required) gaps.push(`requires ${approvals} approval(s), needs ${required}`);
  if (!forcePushBlocked) gaps.push('force pushes allowed');
  if (!repo.rulesComplete && gaps.length) gaps.push('rules incomplete');
  return gaps;
}

/**
 * For a repository without legacy protection: its ACTIVE rulesets that someone may bypass,
 * e.g. `ruleset "protect-main" (bypass: OrganizationAdmin always)`; null when none can be.
 */
function bypassNote(repo: RepositoryEvidence): string | null {
  if (repo.branchProtection) return null;
  const notes = new Map<string, string>();
  for (const rule of repo.rules) {
    const rs = rule.ruleset;
    if (rs?.enforcement !== 'ACTIVE') continue;
    const key = `${rs.source.type}:${rs.source.name}:${rs.name}`;
    if (notes.has(key)) continue;
    if (rs.bypassActors === null) notes.set(key, `ruleset "${rs.name}" (bypass actors not read)`);
    else if (rs.bypassActors.length)
      notes.set(key, `ruleset "${rs.name}" (bypass: ${rs.bypassActors.map(describeActor).join(', ')})`);
  }
  return notes.size ? [...notes.values()].join(' and ') : null;
}

function describeActor(a: BypassActorEvidence): string {
  return [a.type, a.name, a.bypassMode?.toLowerCase()].filter(Boolean).join(' ');
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown} (+${names.length - 20} more)` : shown;
}
