/**
 * no-direct-push (CC8.1): no commit reached a default branch during the evidence day outside
 * a merged pull request. Each direct push is named by its finding id `owner/repo@<commit>`.
 */
import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { describeWindow } from '../window.js';
import { githubChanges } from './declaration.js';

export const noDirectPushCheck = defineCheck(githubChanges, {
  id: 'no-direct-push',
  title: 'No direct push to a default branch',
  description: 'no commit reached a default branch that day outside a merged pull request',
  procedure:
    "Open the snapshot; `data.directPushes` lists every commit of the day on a default branch that GitHub associates with no pull request merged into that branch; confirm it is empty and that `pushesComplete` is true. On GitHub, a commit's page shows its pull requests.",
  remediation:
    'Find out who pushed each named commit and why; review it after the fact; block direct pushes with a ruleset requiring pull requests (and keep its bypass list empty).',
  reliance: {
    freshness:
      'No "as of" time: a windowed collector; each snapshot covers the whole days of `data.window`, and verify judges the windows\' coverage.',
    doesNotTest:
      'Pushes to branches other than the default branch, and force pushes that rewrote history without adding a commit.',
    limitations:
      'The population is the repositories GitHub lists as pushed that day that the credentials can see.',
  },
  run(snapshot) {
    const { directPushes, pushesComplete, repositoriesPushedTo, window } = snapshot.data;
    const problems = directPushes.map(
      (p) => `${p.id} by ${p.author ?? 'unknown'} at ${p.committedDate} ("${p.messageHeadline}")`,
    );
    if (!pushesComplete) problems.push('the default branches were not all read (see the snapshot errors)');
    if (problems.length)
      return fail(
        `${directPushes.length} commit(s) reached a default branch without a pull request: ${problems.join('; ')}.`,
        directPushes.map((p) => p.id),
      );
    if (repositoriesPushedTo === 0)
      return notApplicable(`no repository was pushed to in ${describeWindow(window)}`);
    return pass(
      `every commit that reached the default branch of ${repositoriesPushedTo} repositories pushed to in ${describeWindow(window)} came through a merged pull request`,
    );
  },
});
