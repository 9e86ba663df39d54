/**
 * change-peer-reviewed and no-direct-push on planted pull requests and pushes (pure functions
 * over a snapshot; the acme day over the GitHub server is in test/collectors/github-changes.test.ts):
 * each rule of the review verdict at its boundary (an approval at the merge instant or a
 * millisecond after it, on the merged commit or another, by the author, by nobody, by the same
 * person twice, a review that is not an approval), the required count at and below it, a
 * self-merge whatever the required count, and an incomplete read that never passes. Written for
 * the surviving mutants of `npm run mutation` (docs/threat-model.md, "Mutation testing").
 */
import { describe, expect, it } from 'vitest';
import {
  changePeerReviewedCheck,
  reviewVerdict,
} from '../../shared/collectors/github-changes/change-peer-reviewed.js';
import type {
  ChangesData,
  DirectPush,
  MergedPullRequest,
} from '../../shared/collectors/github-changes/collector.js';
import { noDirectPushCheck } from '../../shared/collectors/github-changes/no-direct-push.js';
import { dayWindow } from '../../shared/collectors/window.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { COLLECTED_AT, changesConfig, DAY } from '../fixtures/github/changes.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const MERGED = `${DAY}T12:00:00Z`;

type Review = MergedPullRequest['reviews'][number];
const approval = (author: string | null, over: Partial<Review> = {}): Review => ({
  author,
  state: 'APPROVED',
  submittedAt: `${DAY}T10:00:00Z`,
  commit: 'h',
  ...over,
});

function pr(over: Partial<MergedPullRequest> = {}): MergedPullRequest {
  return {
    id: 'acme/api#1',
    repository: 'acme/api',
    number: 1,
    url: 'https://github.com/acme/api/pull/1',
    title: 'a change',
    author: 'alice',
    mergedBy: 'dave',
    mergedAt: MERGED,
    mergeCommit: 'm',
    baseRef: 'main',
    headRef: 'f',
    head: { oid: 'h', committedDate: `${DAY}T09:00:00Z`, statusCheckRollup: 'SUCCESS' },
    reviews: [approval('bob')],
    reviewsComplete: true,
    labels: [],
    tickets: [],
    emergency: false,
    ...over,
  };
}

function data(over: Partial<ChangesData> = {}): ChangesData {
  return {
    org: 'acme',
    window: dayWindow(DAY),
    emergencyLabel: 'emergency',
    ticketPattern: null,
    pullRequestSource: 'test',
    mergedPullRequests: [],
    pullRequestsComplete: true,
    directPushes: [],
    repositoriesPushedTo: 1,
    pushesComplete: true,
    rateLimit: { cost: 1, remaining: 4999, resetAt: null },
    crossCheck: { method: 'test', commitsChecked: 0, pullRequestsChecked: 0, missing: [], unmatched: [] },
    requests: { repositories: 1, pullRequests: 0, details: 0, history: 0 },
    ...over,
  };
}

const snapshot = (over: Partial<ChangesData>) =>
  makeSnapshot({
    collector: 'github-changes',
    scope: 'github-acme',
    collectedAt: COLLECTED_AT,
    data: data(over),
  }) as Snapshot<ChangesData>;

describe('reviewVerdict', () => {
  it('counts an approval given at the merge instant, not one a millisecond after it', () => {
    const at = reviewVerdict(pr({ reviews: [approval('bob', { submittedAt: MERGED })] }), 1, false);
    expect(at).toEqual({ ok: true, approvers: ['bob'], problems: [] });
    const after = reviewVerdict(
      pr({ reviews: [approval('bob', { submittedAt: `${DAY}T12:00:00.001Z` })] }),
      1,
      false,
    );
    expect(after.ok).toBe(false);
    expect(after.approvers).toEqual([]);
    expect(after.problems).toEqual([
      '0 of 1 required approval(s) from someone other than the author (not counted: 1 approval(s) after the merge)',
    ]);
  });

  it('a submission time that is no instant is not shown to be before the merge', () => {
    expect(reviewVerdict(pr({ reviews: [approval('bob', { submittedAt: 'yesterday' })] }), 1, false).ok).toBe(
      false,
    );
  });

  it('an approval after the merge does not count even when stale approvals are allowed', () => {
    const late = pr({ reviews: [approval('bob', { submittedAt: `${DAY}T13:00:00Z`, commit: 'h' })] });
    expect(reviewVerdict(late, 1, true).ok).toBe(false);
  });

  it('an approval without a submission time is judged on its commit', () => {
    expect(reviewVerdict(pr({ reviews: [approval('bob', { submittedAt: null })] }), 1, false).ok).toBe(true);
  });

  it('only APPROVED reviews with a known author count', () => {
    for (const state of ['COMMENTED', 'CHANGES_REQUESTED', 'DISMISSED', 'PENDING']) {
      const v = reviewVerdict(pr({ reviews: [approval('bob', { state })] }), 1, false);
      expect(v.ok, state).toBe(false);
      expect(v.approvers).toEqual([]);
      // Not an approval: nothing to explain as "not counted"; a review there was.
      expect(v.problems).toEqual(['0 of 1 required approval(s) from someone other than the author']);
    }
    const ghost = reviewVerdict(pr({ reviews: [approval(null)] }), 1, false);
    expect(ghost.ok).toBe(false);
    expect(ghost.approvers).toEqual([]);
  });

  it('an approval on another commit than the merged one counts only with allowStale', () => {
    const stale = pr({ reviews: [approval('bob', { commit: 'earlier' })] });
    const v = reviewVerdict(stale, 1, false);
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toContain('(not counted: 1 approval(s) on an earlier commit than the one merged)');
    expect(reviewVerdict(stale, 1, true)).toEqual({ ok: true, approvers: ['bob'], problems: [] });
  });

  it('a merged commit GitHub did not name matches no approval, not even one without a commit', () => {
    const unknownHead = pr({
      head: { oid: null, committedDate: null, statusCheckRollup: null },
      reviews: [approval('bob', { commit: null })],
    });
    expect(reviewVerdict(unknownHead, 1, false).ok).toBe(false);
    expect(reviewVerdict(unknownHead, 1, true).ok).toBe(true);
  });

  it('the author’s own approval never counts, and is named', () => {
    const v = reviewVerdict(pr({ mergedBy: 'dave', reviews: [approval('alice')] }), 1, false);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      "0 of 1 required approval(s) from someone other than the author (not counted: the author's own approval)",
    ]);
  });

  it('the reasons not counted are all named, in order', () => {
    const v = reviewVerdict(
      pr({
        reviews: [
          approval('alice'),
          approval('bob', { commit: 'earlier' }),
          approval('carol', { submittedAt: `${DAY}T13:00:00Z` }),
        ],
      }),
      1,
      false,
    );
    expect(v.problems).toEqual([
      "0 of 1 required approval(s) from someone other than the author (not counted: 1 approval(s) on an earlier commit than the one merged, 1 approval(s) after the merge, the author's own approval)",
    ]);
  });

  it('two approvals by one person are one approver; two people meet a requirement of two', () => {
    const twice = pr({ reviews: [approval('bob'), approval('bob')] });
    const v = reviewVerdict(twice, 2, false);
    expect(v.ok).toBe(false);
    expect(v.approvers).toEqual(['bob']);
    expect(v.problems).toEqual(['1 of 2 required approval(s) from someone other than the author']);
    const two = reviewVerdict(pr({ reviews: [approval('carol'), approval('bob')] }), 2, false);
    expect(two).toEqual({ ok: true, approvers: ['bob', 'carol'], problems: [] });
    expect(reviewVerdict(pr({ reviews: [approval('carol'), approval('bob')] }), 3, false).ok).toBe(false);
  });

  it('no review at all is said so', () => {
    expect(reviewVerdict(pr({ reviews: [] }), 1, false).problems).toEqual([
      '0 of 1 required approval(s) from someone other than the author (no review)',
    ]);
  });

  it('reviews not read to the end are named only when the count falls short', () => {
    const short = reviewVerdict(pr({ reviews: [], reviewsComplete: false }), 1, false);
    expect(short.problems).toEqual([
      '0 of 1 required approval(s) from someone other than the author (no review)',
      'more reviews than were read',
    ]);
    expect(reviewVerdict(pr({ reviewsComplete: false }), 1, false)).toEqual({
      ok: true,
      approvers: ['bob'],
      problems: [],
    });
  });

  it('a self-merge without another approval fails even when no approval is required', () => {
    const self = pr({ author: 'alice', mergedBy: 'alice', reviews: [] });
    const v = reviewVerdict(self, 0, false);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(['self-merged by alice without another approval']);
    // With another person's approval the same self-merge passes.
    expect(reviewVerdict(pr({ author: 'alice', mergedBy: 'alice' }), 0, false).ok).toBe(true);
    // Merged by someone else, or by nobody GitHub names: no self-merge.
    expect(reviewVerdict(pr({ mergedBy: 'dave', reviews: [] }), 0, false).ok).toBe(true);
    expect(reviewVerdict(pr({ author: null, mergedBy: null, reviews: [] }), 0, false).ok).toBe(true);
  });
});

describe('change-peer-reviewed', () => {
  it('fails each pull request short of approvals, by its id, and passes the rest', () => {
    const config = changesConfig();
    const outcome = changePeerReviewedCheck.run(
      snapshot({
        mergedPullRequests: [pr(), pr({ id: 'acme/api#2', number: 2, reviews: [] })],
      }),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['acme/api#2']);
    expect(outcome.detail).toBe(
      'acme/api#2: 0 of 1 required approval(s) from someone other than the author (no review).',
    );
  });

  it('joins a pull request’s problems with "; " and the pull requests with ". "', () => {
    const config = changesConfig();
    const outcome = changePeerReviewedCheck.run(
      snapshot({
        mergedPullRequests: [
          pr({ mergedBy: 'alice', reviews: [] }),
          pr({ id: 'acme/api#2', number: 2, reviews: [] }),
        ],
        pullRequestsComplete: false,
      }),
      config,
    );
    expect(outcome.failing).toEqual(['acme/api#1', 'acme/api#2']);
    expect(outcome.detail).toBe(
      'acme/api#1: 0 of 1 required approval(s) from someone other than the author (no review); self-merged by alice without another approval. acme/api#2: 0 of 1 required approval(s) from someone other than the author (no review). the merged pull requests were not all read (see the snapshot errors).',
    );
  });

  it('takes github.requiredApprovals from the configuration', () => {
    const config = changesConfig({}, 2);
    const outcome = changePeerReviewedCheck.run(snapshot({ mergedPullRequests: [pr()] }), config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['acme/api#1']);
    const none = changesConfig({}, 0);
    expect(
      changePeerReviewedCheck.run(snapshot({ mergedPullRequests: [pr({ reviews: [] })] }), none).result,
    ).toBe('pass');
  });

  it('takes allowStaleApprovals from github.changes, not allowing them by default', () => {
    const stale = snapshot({
      mergedPullRequests: [pr({ reviews: [approval('bob', { commit: 'earlier' })] })],
    });
    const strict = changesConfig();
    expect(changePeerReviewedCheck.run(stale, strict).result).toBe('fail');
    const lenient = changesConfig({ allowStaleApprovals: true });
    const outcome = changePeerReviewedCheck.run(stale, lenient);
    expect(outcome.result).toBe('pass');
    expect(outcome.detail).toContain('(stale approvals allowed)');
  });

  it('the pass names the count, the window and the required approvals', () => {
    const config = changesConfig();
    const outcome = changePeerReviewedCheck.run(snapshot({ mergedPullRequests: [pr()] }), config);
    expect(outcome.result).toBe('pass');
    expect(outcome.detail).toMatch(
      /^1 pull request\(s\) merged in .*2026-05-22.*, each with >= 1 approval\(s\) from another person on the merged commit$/,
    );
  });

  it('an incomplete read fails, even on a day without merged pull requests', () => {
    const config = changesConfig();
    const outcome = changePeerReviewedCheck.run(snapshot({ pullRequestsComplete: false }), config);
    expect(outcome.result).toBe('fail');
    expect(outcome.detail).toBe('the merged pull requests were not all read (see the snapshot errors).');
    const quiet = changePeerReviewedCheck.run(snapshot({}), config);
    expect(quiet.result).toBe('not-applicable');
    expect(quiet.detail).toBe('no pull request was merged into a default branch in 2026-05-22');
  });
});

describe('no-direct-push', () => {
  const push = (id: string, over: Partial<DirectPush> = {}): DirectPush => ({
    id,
    repository: 'acme/api',
    branch: 'main',
    oid: id.split('@')[1]!,
    url: `https://github.com/${id.replace('@', '/commit/')}`,
    author: 'mallory',
    committer: 'mallory',
    committedDate: `${DAY}T08:00:00Z`,
    messageHeadline: 'hotfix',
    otherPullRequests: [],
    ...over,
  });

  it('fails each direct push by its id, naming who and when', () => {
    const config = changesConfig();
    const a = `acme/api@${'a'.repeat(40)}`;
    const outcome = noDirectPushCheck.run(
      snapshot({ directPushes: [push(a), push(`acme/web@${'b'.repeat(40)}`, { author: null })] }),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual([a, `acme/web@${'b'.repeat(40)}`]);
    expect(outcome.detail).toBe(
      `2 commit(s) reached a default branch without a pull request: ${a} by mallory at ${DAY}T08:00:00Z ("hotfix"); acme/web@${'b'.repeat(40)} by unknown at ${DAY}T08:00:00Z ("hotfix").`,
    );
  });

  it('an incomplete read fails even without a push found or a repository pushed to', () => {
    const config = changesConfig();
    const outcome = noDirectPushCheck.run(
      snapshot({ pushesComplete: false, repositoriesPushedTo: 0 }),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual([]);
    expect(outcome.detail).toContain('the default branches were not all read');
  });

  it('passes only when repositories were pushed to and every commit came through a pull request', () => {
    const config = changesConfig();
    const outcome = noDirectPushCheck.run(snapshot({ repositoriesPushedTo: 3 }), config);
    expect(outcome.result).toBe('pass');
    expect(outcome.detail).toMatch(
      /^every commit that reached the default branch of 3 repositories pushed to in .*2026-05-22/,
    );
    const quiet = noDirectPushCheck.run(snapshot({ repositoriesPushedTo: 0 }), config);
    expect(quiet.result).toBe('not-applicable');
    expect(quiet.detail).toBe('no repository was pushed to in 2026-05-22');
  });
});
