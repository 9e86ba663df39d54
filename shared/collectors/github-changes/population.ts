/**
 * The population of changes for `sample --population changes`: every pull request merged into
 * a default branch, from the github-changes snapshots. A change's verdict is the conjunction
 * of every change check that applies to it, each named in the row:
 *
 * - change-peer-reviewed: reviewed by someone else on the merged commit before the merge;
 * - emergency-change-gate (emergency changes): judged exactly as the gate judges it, by the
 *   same function on the change-records snapshot whose window holds the merge, so the gate
 *   and the sample cannot disagree. Without `github.changes.records` no record can be judged:
 *   the emergency change must then at least link a ticket (`ticketPattern`), and the row says so.
 *
 * Linked records: the record ids the change-records snapshot found in the title, body or
 * branch (ids that exist there), and the tickets `ticketPattern` found.
 */
import type { ChangeRecordsData } from '../change-records/collector.js';
import { changeRecords } from '../change-records/declaration.js';
import { gatePolicy, judgeEmergencyPullRequest } from '../change-records/emergency-change-gate.js';
import { isEnabled, type Population, type RelatedSnapshots, settingsOf } from '../types.js';
import { reviewVerdict } from './change-peer-reviewed.js';
import type { ChangesData, MergedPullRequest } from './collector.js';
import { githubChanges } from './declaration.js';
import type { ChangesSettings } from './settings.js';

interface CheckVerdict {
  check: string;
  ok: boolean;
  detail: string;
}

export const changesPopulation: Population<ChangesData> = {
  name: 'changes',
  collector: 'github-changes',
  related: ['change-records'],
  description: 'pull requests merged into a default branch (each a change that reached production)',
  columns: ['author', 'approvers', 'merged by', 'merged at', 'linked record', 'emergency', 'checks'],
  items(snapshot, config, related) {
    const required = config.github?.requiredApprovals ?? 1;
    const settings = settingsOf(githubChanges, config);
    const allowStale = settings?.allowStaleApprovals ?? false;
    const records = isEnabled(changeRecords, config);
    return snapshot.data.mergedPullRequests.map((pr) => {
      const review = reviewVerdict(pr, required, allowStale);
      const checks: CheckVerdict[] = [
        {
          check: 'change-peer-reviewed',
          ok: review.ok,
          detail: review.ok
            ? `approved by ${review.approvers.join(', ')} on the merged commit before the merge`
            : review.problems.join('; '),
        },
      ];
      let linkedRecords: string[] = [];
      if (pr.emergency) {
        const gate = records
          ? gateVerdict(pr, snapshot.scope, related, settings)
          : {
              check: 'emergency-change-gate',
              ok: pr.tickets.length > 0,
              detail: `github.changes.records is not configured, so no change record can be judged; ${pr.tickets.length ? `linked ticket ${pr.tickets.join(', ')}` : 'emergency change without a linked change record or ticket'}`,
              linkedRecords: [],
            };
        linkedRecords = gate.linkedRecords;
        checks.push(gate);
      }
      const linked = [...new Set([...linkedRecords, ...pr.tickets])];
      const ok = checks.every((c) => c.ok);
      return {
        id: pr.id,
        at: pr.mergedAt,
        url: pr.url,
        fields: {
          author: pr.author ?? '(unknown)',
          approvers: review.approvers.join(', ') || '(none)',
          'merged by': pr.mergedBy ?? '(unknown)',
          'merged at': pr.mergedAt,
          'linked record': linked.join(', ') || '(none)',
          emergency: pr.emergency ? 'yes' : 'no',
          checks: checks.map((c) => `${c.check} ${c.ok ? 'pass' : 'fail'}`).join('; '),
        },
        verdict: ok ? 'pass' : 'fail',
        detail: checks.map((c) => `${c.check}: ${c.ok ? 'pass' : 'fail'} (${c.detail})`).join('; '),
      };
    });
  },
};

/** The emergency-change gate's verdict on one pull request, from the change-records snapshot of its merge. */
function gateVerdict(
  pr: MergedPullRequest,
  scope: string,
  related: RelatedSnapshots,
  settings: ChangesSettings | undefined,
): CheckVerdict & { linkedRecords: string[] } {
  const check = 'emergency-change-gate';
  const found = related.covering(changeRecords.id, scope, pr.mergedAt);
  if (!found)
    return {
      check,
      ok: false,
      detail: `not judged: no change-records snapshot of ${scope} covers ${pr.mergedAt}`,
      linkedRecords: [],
    };
  const data = found.snapshot.data as ChangeRecordsData;
  const entry = data.emergencyPullRequests.find((p) => p.id === pr.id);
  if (!entry)
    return {
      check,
      ok: false,
      detail: `not judged: ${found.key} does not list ${pr.id} among the emergency pull requests of its window`,
      linkedRecords: [],
    };
  const verdict = judgeEmergencyPullRequest(data, entry, gatePolicy(data, settings));
  const problems = [...verdict.problems];
  if (found.integrity) problems.unshift(`the change-records snapshot ${found.key}: ${found.integrity}`);
  return {
    check,
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join('; ')
      : `record ${verdict.passed.join(', ')} complete (${found.key})`,
    linkedRecords: verdict.linkedRecords,
  };
}
