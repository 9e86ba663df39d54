/**
 * The population of changes for `sample --population changes`: every pull request merged into
 * a default branch, from the github-changes snapshots, with its verdict (reviewed by someone
 * else on the merged commit before the merge; an emergency change must reference a record).
 */
import { type Population, settingsOf } from '../types.js';
import { reviewVerdict } from './change-peer-reviewed.js';
import type { ChangesData } from './collector.js';
import { githubChanges } from './declaration.js';

export const changesPopulation: Population<ChangesData> = {
  name: 'changes',
  collector: 'github-changes',
  description: 'pull requests merged into a default branch (each a change that reached production)',
  columns: ['author', 'approvers', 'merged by', 'merged at', 'linked record', 'emergency'],
  items(snapshot, config) {
    const required = config.github?.requiredApprovals ?? 1;
    const allowStale = settingsOf(githubChanges, config)?.allowStaleApprovals ?? false;
    return snapshot.data.mergedPullRequests.map((pr) => {
      const verdict = reviewVerdict(pr, required, allowStale);
      const problems = [...verdict.problems];
      if (pr.emergency && pr.tickets.length === 0)
        problems.push('emergency change without a linked change record or ticket');
      return {
        id: pr.id,
        at: pr.mergedAt,
        url: pr.url,
        fields: {
          author: pr.author ?? '(unknown)',
          approvers: verdict.approvers.join(', ') || '(none)',
          'merged by': pr.mergedBy ?? '(unknown)',
          'merged at': pr.mergedAt,
          'linked record': pr.tickets.join(', ') || '(none)',
          emergency: pr.emergency ? 'yes' : 'no',
        },
        verdict: problems.length ? 'fail' : 'pass',
        detail: problems.length
          ? problems.join('; ')
          : `approved by ${verdict.approvers.join(', ')} on the merged commit before the merge`,
      };
    });
  },
};
