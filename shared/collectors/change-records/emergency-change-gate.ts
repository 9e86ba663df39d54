/**
 * emergency-change-gate (CC8.1): every emergency change — a record with `type: emergency`, or
 * a pull request merged that day with the emergency label, which must then link a record —
 * has, in its record:
 *
 * - an incident link;
 * - approval: `approved`, or `retroactive_approved` completed by its due time and within the
 *   policy SLA (`github.changes.emergencySlaHours`, 24 h) of deployment; an approval whose only
 *   evidence is a chat link is not complete evidence;
 * - CI evidence (a passing `ci_result`) and smoke-test evidence;
 * - a change-specific rollback plan and abort criteria (not "see runbook" or a bare link);
 * - a post-implementation review (reviewer, completed_at) within the policy window
 *   (`github.changes.reviewWindowHours`, 48 h) of deployment;
 * - requester, approver, deployer and verifier four different people, or a named
 *   compensating review.
 *
 * Deployment time: `deployed_at` when the record has it, else the merge time of a pull
 * request of the day that links the record, else inferred as the retroactive approval's due
 * time minus the SLA (the detail says so). A malformed record file fails, named by its path.
 * Finding ids: the record's change_id, `owner/repo#n` for a pull request, the file path.
 */
import { defineCheck, fail, notApplicable, pass } from '../../checks/types.js';
import { describeWindow } from '../window.js';
import type { ChangeRecord, ChangeRecordsData, EmergencyPullRequest } from './collector.js';
import { changeRecords } from './declaration.js';

const HOUR = 3_600_000;
const PASSING_CI = /^(pass|passed|success|succeeded|successful|green|ok)$/i;
const CHAT_LINK =
  /^https?:\/\/([a-z0-9-]+\.)*(slack\.com|teams\.microsoft\.com|teams\.live\.com|discord(app)?\.com|chat\.google\.com|mattermost\.[a-z.]+|zulipchat\.com)(\/|$)/i;
const GENERIC =
  /^(n\/?a|none|tbd|todo|-|standard( rollback)?( procedure)?|generic|default|see (the )?runbook|per (the )?runbook|follow (the )?runbook|runbook|rollback|revert)\.?$/i;

function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function time(value: string | null | undefined): number | undefined {
  if (!present(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function isGeneric(value: string): boolean {
  const v = value.trim();
  return GENERIC.test(v) || /^https?:\/\/\S+$/.test(v);
}

function hours(ms: number): string {
  return `${Math.round((ms / HOUR) * 10) / 10} h`;
}

/** Every missing or failing element of one emergency record (empty: the record passes). */
export function gateProblems(
  r: ChangeRecord,
  policy: { slaHours: number; reviewWindowHours: number },
  mergedAt?: string,
): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const approval = r.approval ?? null;
  const due = time(approval?.retroactive_approval_due);
  let deployed = time(r.deployed_at);
  if (deployed === undefined && mergedAt) deployed = time(mergedAt);
  if (deployed === undefined && due !== undefined) {
    deployed = due - policy.slaHours * HOUR;
    notes.push(`deployment time inferred as the approval due time minus ${policy.slaHours} h`);
  }

  if (!present(r.incident_link)) problems.push('no incident link');
  if (!present(r.reason)) problems.push('no reason');

  const status = (approval?.status ?? '').trim().toLowerCase();
  if (!approval || !present(approval.status)) problems.push('approval missing');
  else if (status === 'approved' || status === 'pre_approved') {
    // Present before the change: nothing to time.
  } else if (status === 'retroactive_approved') {
    const completed = time(approval.retroactive_approval_completed);
    if (completed === undefined) problems.push('retroactive approval has no completion time');
    else {
      if (due === undefined) problems.push('retroactive approval has no due time');
      else if (completed > due)
        problems.push(`retroactive approval completed after its due time (${hours(completed - due)} late)`);
      if (deployed === undefined)
        problems.push('deployment time unknown: the approval SLA cannot be judged (add deployed_at)');
      else if (completed - deployed > policy.slaHours * HOUR)
        problems.push(
          `retroactive approval ${hours(completed - deployed)} after deployment, outside the ${policy.slaHours} h SLA`,
        );
      if (due !== undefined && deployed !== undefined && due - deployed > policy.slaHours * HOUR)
        problems.push(
          `retroactive approval due ${hours(due - deployed)} after deployment, beyond the ${policy.slaHours} h SLA`,
        );
    }
  } else problems.push(`approval ${status.replace(/_/g, ' ')}`);
  if (present(approval?.evidence) && CHAT_LINK.test(approval.evidence.trim()))
    problems.push('chat-only approval (a chat link is not complete evidence; link the formal change record)');

  if (!present(r.ci_result)) problems.push('no CI result');
  else if (!PASSING_CI.test(r.ci_result.trim())) problems.push(`CI result "${r.ci_result}"`);
  if (!present(r.smoke_test)) problems.push('no smoke-test evidence');

  if (!present(r.rollback_plan)) problems.push('no rollback plan');
  else if (isGeneric(r.rollback_plan)) problems.push('generic rollback plan (not specific to the change)');
  if (!present(r.abort_criteria)) problems.push('no abort criteria');
  else if (isGeneric(r.abort_criteria)) problems.push('generic abort criteria (not specific to the change)');

  const pir = r.post_implementation_review ?? null;
  const pirAt = time(pir?.completed_at);
  if (!pir || !present(pir.reviewer) || pirAt === undefined) problems.push('no post-implementation review');
  else if (deployed === undefined)
    problems.push('deployment time unknown: the review window cannot be judged (add deployed_at)');
  else if (pirAt - deployed > policy.reviewWindowHours * HOUR)
    problems.push(
      `post-implementation review ${hours(pirAt - deployed)} after deployment, outside the ${policy.reviewWindowHours} h window`,
    );

  const roles = { requester: r.requester, approver: r.approver, deployer: r.deployer, verifier: r.verifier };
  const unnamed = Object.entries(roles)
    .filter(([, who]) => !present(who))
    .map(([role]) => role);
  const people = Object.values(roles)
    .filter(present)
    .map((p) => p.trim().toLowerCase());
  const collapsed = unnamed.length > 0 || new Set(people).size < people.length;
  const compensating =
    typeof r.compensating_review === 'string'
      ? present(r.compensating_review)
      : present(r.compensating_review?.reviewer ?? null);
  if (collapsed && !compensating) {
    const shared = [...new Set(people.filter((p, i) => people.indexOf(p) !== i))];
    problems.push(
      `requester, approver, deployer and verifier not separated (${[
        ...(unnamed.length ? [`no ${unnamed.join(', ')} named`] : []),
        ...shared.map((p) => `${p} in ${people.filter((x) => x === p).length} roles`),
      ].join('; ')}) and no compensating review`,
    );
  }
  return { problems, notes };
}

/** The policy a gate judges by: the configuration's, else what the snapshot recorded. */
export function gatePolicy(
  d: ChangeRecordsData,
  settings?: { emergencySlaHours?: number; reviewWindowHours?: number },
): { slaHours: number; reviewWindowHours: number } {
  return {
    slaHours: settings?.emergencySlaHours ?? d.emergencySlaHours,
    reviewWindowHours: settings?.reviewWindowHours ?? d.reviewWindowHours,
  };
}

/**
 * The merge time of the first emergency pull request of the snapshot that links each record:
 * a record's deployment time when it has no `deployed_at`.
 */
function mergedAtOfRecords(d: ChangeRecordsData): Map<string, string> {
  const mergedAtOf = new Map<string, string>();
  for (const pr of d.emergencyPullRequests)
    for (const id of pr.linkedRecords) if (!mergedAtOf.has(id)) mergedAtOf.set(id, pr.mergedAt);
  return mergedAtOf;
}

export interface EmergencyPullRequestVerdict {
  ok: boolean;
  /** The records the pull request links (ids that exist in the snapshot). */
  linkedRecords: string[];
  /** What fails, each naming the record or the pull request. */
  problems: string[];
  /** What passed, with any note (e.g. an inferred deployment time). */
  passed: string[];
}

/**
 * The gate's verdict on one emergency pull request of the snapshot: it must link a record,
 * and every record it links must pass. The check and `sample --population changes` both
 * judge a pull request with this function, so they cannot disagree.
 */
export function judgeEmergencyPullRequest(
  d: ChangeRecordsData,
  pr: EmergencyPullRequest,
  policy: { slaHours: number; reviewWindowHours: number },
  mergedAtOf: ReadonlyMap<string, string> = mergedAtOfRecords(d),
): EmergencyPullRequestVerdict {
  if (pr.linkedRecords.length === 0)
    return {
      ok: false,
      linkedRecords: [],
      problems: [`${pr.id}: labelled "${d.emergencyLabel}" but links no change record`],
      passed: [],
    };
  const problems: string[] = [];
  const passed: string[] = [];
  for (const id of pr.linkedRecords) {
    const verdict = judgeRecord(d, id, policy, mergedAtOf);
    if (verdict.problem !== undefined) problems.push(verdict.problem);
    else passed.push(verdict.passed);
  }
  return { ok: problems.length === 0, linkedRecords: [...pr.linkedRecords], problems, passed };
}

function judgeRecord(
  d: ChangeRecordsData,
  id: string,
  policy: { slaHours: number; reviewWindowHours: number },
  mergedAtOf: ReadonlyMap<string, string>,
): { problem: string; passed?: undefined } | { problem?: undefined; passed: string } {
  const file = d.records.find((f) => f.record.change_id === id);
  if (!file) return { problem: `${id}: no such record in ${d.source.repository}/${d.source.path}` };
  const { problems: gaps, notes } = gateProblems(file.record, policy, mergedAtOf.get(id));
  if (gaps.length) return { problem: `${id} (${file.path}): ${gaps.join(', ')}` };
  return { passed: notes.length ? `${id} (${notes.join('; ')})` : id };
}

export const emergencyChangeGateCheck = defineCheck(changeRecords, {
  id: 'emergency-change-gate',
  title: 'Emergency changes followed the expedited path',
  description:
    'every emergency change (record type emergency, or a pull request with the emergency label, which must link a record) has an incident link, approval (retroactive within the SLA), CI and smoke-test evidence, a change-specific rollback plan and abort criteria, a timely post-implementation review, and separated roles or a compensating review',
  procedure:
    'Open the snapshot; for each record in `data.records` with type emergency, and each pull request in `data.emergencyPullRequests` (which must list a linked record), read the record and confirm each element: incident_link; approval status approved, or retroactive_approved completed by retroactive_approval_due and within github.changes.emergencySlaHours of deployment; ci_result passed; smoke_test; rollback_plan and abort_criteria specific to the change; post_implementation_review within github.changes.reviewWindowHours; four different people in requester, approver, deployer and verifier, or a compensating_review. `data.malformed` must be empty.',
  remediation:
    'Complete each named record (the detail lists what is missing), link every emergency pull request to its record, fix or replace each malformed file; if retroactive approvals or reviews were late, record the exception and its follow-up.',
  reliance: {
    freshness:
      'No "as of" time: a windowed collector; each snapshot covers the whole days of `data.window`, and verify judges the windows\' coverage, so a day is never judged from a stale read.',
    doesNotTest:
      'Whether what a change record states is true: links (incident, CI, approvals) are checked for presence and form, not followed.',
    limitations:
      'Emergency changes are the records typed `emergency` and the pull requests merged with the emergency label; an emergency change labelled otherwise is not in the population.',
  },
  run(snapshot, _config, settings) {
    const d: ChangeRecordsData = snapshot.data;
    const policy = gatePolicy(d, settings);
    const failing: string[] = [];
    const problems: string[] = [];
    const passed: string[] = [];
    const mergedAtOf = mergedAtOfRecords(d);
    const judged = new Set<string>();
    const judge = (id: string) => {
      if (judged.has(id)) return;
      judged.add(id);
      const verdict = judgeRecord(d, id, policy, mergedAtOf);
      if (verdict.problem !== undefined) {
        failing.push(id);
        problems.push(verdict.problem);
      } else passed.push(verdict.passed);
    };
    for (const f of d.records)
      if (f.record.type.trim().toLowerCase() === 'emergency') judge(f.record.change_id);
    for (const pr of d.emergencyPullRequests) {
      // The same verdict sample --population changes gives the pull request (judgeEmergencyPullRequest).
      if (pr.linkedRecords.length === 0) {
        failing.push(pr.id);
        problems.push(judgeEmergencyPullRequest(d, pr, policy, mergedAtOf).problems[0]!);
      } else for (const id of pr.linkedRecords) judge(id);
    }
    for (const m of d.malformed) {
      const id = `${d.source.repository}:${m.path}`;
      failing.push(id);
      problems.push(`${id} ${m.error}`);
    }
    if (!d.pullRequestsComplete) problems.push('the emergency pull requests of the day were not all read');
    if (problems.length) return fail(`${problems.join('. ')}.`, failing);
    if (judged.size === 0)
      return notApplicable(
        `no emergency change: ${d.records.length} record(s) in ${d.source.repository}/${d.source.path}, none of type emergency, and no pull request labelled "${d.emergencyLabel}" merged in ${describeWindow(d.window)}`,
      );
    return pass(`${judged.size} emergency change(s) with complete evidence: ${passed.join(', ')}`);
  },
});
