/**
 * change-peer-reviewed (CC8.1): every pull request merged into a default branch during the
 * evidence day had at least `github.requiredApprovals` approvals from people other than its
 * author, given on the commit that was merged and before the merge. An approval on an
 * earlier commit (before the last push) does not count unless
 * `github.changes.allowStaleApprovals`; a self-merge without another approval fails whatever
 * the required count. Each failing pull request is named by its finding id `owner/repo#n`.
 */
import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { describeWindow } from '../window.js';
import type { MergedPullRequest } from './collector.js';
import { githubChanges } from './declaration.js';

export interface ReviewVerdict {
  ok: boolean;
  /** Distinct people (not the author) whose approval counts. */
  approvers: string[];
  problems: string[];
}

/** The verdict for one merged pull request (also used for each sampled change). */
export function reviewVerdict(pr: MergedPullRequest, required: number, allowStale: boolean): ReviewVerdict {
  const counted = new Set<string>();
  let stale = 0;
  let late = 0;
  let self = false;
  for (const r of pr.reviews) {
    if (r.state !== 'APPROVED' || !r.author) continue;
    if (r.author === pr.author) {
      self = true;
      continue;
    }
    // Compared as instants, not strings: "12:00:00.001Z" sorts before "12:00:00Z" as text. A
    // time that is no instant is not shown to be before the merge: not counted.
    if (r.submittedAt && !(Date.parse(r.submittedAt) <= Date.parse(pr.mergedAt))) {
      late++;
      continue;
    }
    if (!allowStale && (pr.head.oid === null || r.commit !== pr.head.oid)) {
      stale++;
      continue;
    }
    counted.add(r.author);
  }
  const approvers = [...counted].sort();
  const problems: string[] = [];
  if (approvers.length < required) {
    const why = [
      stale ? `${stale} approval(s) on an earlier commit than the one merged` : '',
      late ? `${late} approval(s) after the merge` : '',
      self ? "the author's own approval" : '',
    ].filter(Boolean);
    problems.push(
      `${approvers.length} of ${required} required approval(s) from someone other than the author${why.length ? ` (not counted: ${why.join(', ')})` : pr.reviews.length ? '' : ' (no review)'}`,
    );
    if (!pr.reviewsComplete) problems.push('more reviews than were read');
  }
  if (pr.mergedBy !== null && pr.mergedBy === pr.author && approvers.length === 0)
    problems.push(`self-merged by ${pr.author} without another approval`);
  return { ok: problems.length === 0, approvers, problems };
}

export const changePeerReviewedCheck = defineCheck(githubChanges, {
  id: 'change-peer-reviewed',
  title: 'Every merged change peer-reviewed',
  description:
    'every pull request merged into a default branch that day has >= `github.requiredApprovals` approvals from others than its author, on the merged commit, before the merge; no self-merge without another approval',
  procedure:
    'Open the snapshot; for each entry of `data.mergedPullRequests` count the reviews with state APPROVED whose author is not the pull request author, whose `commit` equals `head.oid` and whose `submittedAt` is not after `mergedAt`; compare with github.requiredApprovals, and check `mergedBy` against `author`. Follow `url` to see the same on GitHub.',
  remediation:
    'Have each named change reviewed after the fact and record the review; require approvals and "dismiss stale approvals" / "require approval of the most recent push" in the default branch ruleset, and stop self-merges (bypass lists).',
  reliance: {
    freshness:
      'No "as of" time: a windowed collector; each snapshot covers the whole days of `data.window`, and verify judges the windows\' coverage.',
    doesNotTest:
      'The quality of a review, changes merged into branches other than the default branch, and changes that reached production without a pull request (no-direct-push covers pushes).',
    limitations:
      "The population is the pull requests GitHub's search returns as merged that day in the repositories the credentials can see.",
  },
  run(snapshot, config, settings) {
    const required = config.github?.requiredApprovals ?? 1;
    const allowStale = settings?.allowStaleApprovals ?? false;
    const { mergedPullRequests, pullRequestsComplete, window } = snapshot.data;
    const failing: string[] = [];
    const problems: string[] = [];
    for (const pr of mergedPullRequests) {
      const verdict = reviewVerdict(pr, required, allowStale);
      if (verdict.ok) continue;
      failing.push(pr.id);
      problems.push(`${pr.id}: ${verdict.problems.join('; ')}`);
    }
    if (!pullRequestsComplete)
      problems.push('the merged pull requests were not all read (see the snapshot errors)');
    if (problems.length) return fail(`${problems.join('. ')}.`, failing);
    if (mergedPullRequests.length === 0)
      return notApplicable(`no pull request was merged into a default branch in ${describeWindow(window)}`);
    return pass(
      `${mergedPullRequests.length} pull request(s) merged in ${describeWindow(window)}, each with >= ${required} approval(s) from another person on the merged commit${allowStale ? ' (stale approvals allowed)' : ''}`,
    );
  },
});
