/**
 * emergency-change-gate (CC8.1) as pure functions over planted records and snapshots: each element
 * of the gate at its bound (the approval SLA, the due time, the review window), the deployment
 * time's sources in order, the patterns that decide a passing CI result, a chat-only approval and
 * a generic plan, separated roles, and the check's verdict over records, pull requests, malformed
 * files and an incomplete read. Written for the surviving mutants of `npm run mutation`
 * (docs/threat-model.md, "Mutation testing"); the source document's records are judged in
 * test/collectors/change-records.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  type ChangeRecord,
  type ChangeRecordsData,
  type EmergencyPullRequest,
  parseRecordFile,
} from '../../shared/collectors/change-records/collector.js';
import {
  emergencyChangeGateCheck as check,
  gatePolicy,
  gateProblems,
  judgeEmergencyPullRequest,
} from '../../shared/collectors/change-records/emergency-change-gate.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { dayWindow } from '../../shared/collectors/window.js';
import { parseConfig } from '../../shared/config.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { BENIGN_RECORD, COLLECTED_AT, changesConfig, DAY } from '../fixtures/github/changes.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const policy = { slaHours: 24, reviewWindowHours: 48 };

function benign(): ChangeRecord {
  const parsed = parseRecordFile('changes/CHG-2026-0522.yaml', BENIGN_RECORD);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.record;
}

/** The benign record (deployed 2026-05-22T10:00Z, inferred) with some fields changed. */
const rec = (over: Partial<ChangeRecord> = {}): ChangeRecord => ({ ...benign(), ...over });
const approval = (over: Record<string, unknown>) => ({ ...benign().approval, ...over });
const DEPLOYED = '2026-05-22T10:00:00Z';
const problemsOf = (r: ChangeRecord, mergedAt?: string) => gateProblems(r, policy, mergedAt).problems;

function data(over: Partial<ChangeRecordsData> = {}): ChangeRecordsData {
  return {
    org: 'acme',
    source: { repository: 'acme/records', path: 'changes', ref: 'main', commit: null },
    window: dayWindow(DAY),
    emergencyLabel: 'emergency',
    emergencySlaHours: 24,
    reviewWindowHours: 48,
    records: [],
    malformed: [],
    ignored: [],
    emergencyPullRequests: [],
    pullRequestsComplete: true,
    ...over,
  };
}

const file = (record: ChangeRecord, path = `changes/${record.change_id}.yaml`) => ({
  path,
  blob: 'b0',
  record,
});
const pr = (n: number, linkedRecords: string[], mergedAt = `${DAY}T10:00:00Z`): EmergencyPullRequest => ({
  id: `acme/api#${n}`,
  url: `https://github.com/acme/api/pull/${n}`,
  title: 'hotfix',
  author: 'dev',
  mergedBy: 'lead',
  mergedAt,
  linkedRecords,
});

/** The check as verify runs it: its settings from `github.changes` (none: the snapshot's hours). */
function run(d: ChangeRecordsData, changes: Record<string, unknown> | null = {}) {
  const snapshot = makeSnapshot({
    collector: 'change-records',
    scope: 'github-acme',
    collectedAt: COLLECTED_AT,
    data: d,
  }) as Snapshot<ChangeRecordsData>;
  const config =
    changes === null
      ? parseConfig(
          { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, github: { org: 'acme' } },
          'test',
          COLLECTORS,
        )
      : changesConfig({ records: { repository: 'records', path: 'changes' }, ...changes });
  return check.run(snapshot, config);
}

describe('gateProblems: the deployment time', () => {
  it('deployed_at first, then the merge time, then the due time minus the SLA (said so)', () => {
    // Review at 2026-05-24T15:30Z: 53.5 h after the inferred 10:00 deployment, 48 h after one at 15:30.
    const late = { post_implementation_review: { reviewer: 'x', completed_at: '2026-05-24T15:30:00Z' } };
    expect(gateProblems(rec(late), policy)).toEqual({
      problems: ['post-implementation review 53.5 h after deployment, outside the 48 h window'],
      notes: ['deployment time inferred as the approval due time minus 24 h'],
    });
    expect(gateProblems(rec(late), { slaHours: 12, reviewWindowHours: 48 }).notes).toEqual([
      'deployment time inferred as the approval due time minus 12 h',
    ]);
    expect(gateProblems(rec(late), policy, '2026-05-22T15:30:00Z')).toEqual({ problems: [], notes: [] });
    expect(gateProblems(rec(late), policy, '2026-05-22T15:29:59Z').problems).toEqual([
      'post-implementation review 48 h after deployment, outside the 48 h window',
    ]);
    // deployed_at wins over the merge time; one that is no time is ignored.
    expect(problemsOf(rec({ ...late, deployed_at: '2026-05-22T15:30:00Z' }), '2026-05-20T00:00:00Z')).toEqual(
      [],
    );
    expect(problemsOf(rec({ ...late, deployed_at: 'yesterday' }), '2026-05-22T15:30:00Z')).toEqual([]);
    expect(problemsOf(rec({ ...late, deployed_at: '   ' }), '2026-05-22T15:30:00Z')).toEqual([]);
  });

  it('no deployment time at all: neither the approval SLA nor the review window can be judged', () => {
    const r = rec({ approval: approval({ retroactive_approval_due: null }) });
    expect(gateProblems(r, policy)).toEqual({
      problems: [
        'retroactive approval has no due time',
        'deployment time unknown: the approval SLA cannot be judged (add deployed_at)',
        'deployment time unknown: the review window cannot be judged (add deployed_at)',
      ],
      notes: [],
    });
    // A due time that is no time is none.
    expect(problemsOf(rec({ approval: approval({ retroactive_approval_due: 'soon' }) }))[0]).toBe(
      'retroactive approval has no due time',
    );
  });
});

describe('gateProblems: approval', () => {
  it('approved and pre_approved need no timing, in any case and spacing; a missing or blank status is missing', () => {
    for (const status of ['approved', ' Approved ', 'PRE_APPROVED'])
      expect(problemsOf(rec({ deployed_at: DEPLOYED, approval: { status } })), status).toEqual([]);
    expect(problemsOf(rec({ deployed_at: DEPLOYED, approval: null }))).toEqual(['approval missing']);
    expect(problemsOf(rec({ deployed_at: DEPLOYED, approval: { status: '  ' } }))).toEqual([
      'approval missing',
    ]);
    expect(problemsOf(rec({ deployed_at: DEPLOYED, approval: { status: 'Pending_CAB_Review' } }))).toEqual([
      'approval pending cab review',
    ]);
  });

  it('a retroactive approval completed at its due time passes, a minute later fails, with how late', () => {
    const at = (completed: string | null) =>
      problemsOf(
        rec({
          deployed_at: '2026-05-22T10:00:00Z',
          approval: approval({ retroactive_approval_completed: completed }),
        }),
      );
    expect(at('2026-05-23T10:00:00Z')).toEqual([]);
    expect(at('2026-05-23T11:30:00Z')).toEqual([
      'retroactive approval completed after its due time (1.5 h late)',
      'retroactive approval 25.5 h after deployment, outside the 24 h SLA',
    ]);
    expect(at('2026-05-23T10:00:00.001Z')).toEqual([
      'retroactive approval completed after its due time (0 h late)',
      'retroactive approval 24 h after deployment, outside the 24 h SLA',
    ]);
    expect(at(null)).toEqual(['retroactive approval has no completion time']);
    expect(at('not a time')).toEqual(['retroactive approval has no completion time']);
  });

  it('the approval SLA counts from deployment: at the SLA passes; a due time set beyond the SLA fails on its own', () => {
    const r = (deployed: string, due: string, completed: string) =>
      problemsOf(
        rec({
          deployed_at: deployed,
          approval: approval({ retroactive_approval_due: due, retroactive_approval_completed: completed }),
        }),
      );
    expect(r('2026-05-22T10:00:00Z', '2026-05-23T10:00:00Z', '2026-05-23T10:00:00Z')).toEqual([]);
    // Approved an hour after deployment, but the due time was set 30 h after it.
    expect(r('2026-05-22T10:00:00Z', '2026-05-23T16:00:00Z', '2026-05-22T11:00:00Z')).toEqual([
      'retroactive approval due 30 h after deployment, beyond the 24 h SLA',
    ]);
    // Completed in time by its due time, but the due time and the completion are 26 h after deployment.
    expect(r('2026-05-22T08:00:00Z', '2026-05-23T10:00:00Z', '2026-05-23T10:00:00Z')).toEqual([
      'retroactive approval 26 h after deployment, outside the 24 h SLA',
      'retroactive approval due 26 h after deployment, beyond the 24 h SLA',
    ]);
    // The SLA is the policy's.
    expect(
      gateProblems(rec({ deployed_at: '2026-05-22T08:00:00Z' }), { slaHours: 26, reviewWindowHours: 48 })
        .problems,
    ).toEqual([]);
  });

  it('an approval whose evidence is only a chat link is not complete evidence; a ticket, or a chat link inside text, is', () => {
    const chat = [
      'https://acme.slack.com/archives/C1/p1',
      'https://slack.com',
      'HTTP://ACME.SLACK.COM/x',
      '  https://teams.microsoft.com/l/message/1  ',
      'https://teams.live.com/l/1',
      'https://discord.com/channels/1/2',
      'https://discordapp.com/channels/1/2',
      'https://chat.google.com/room/AAA',
      'https://mattermost.acme.io/team/pl/1',
      'https://acme.zulipchat.com/#narrow/1',
      'https://a.b-c.slack.com/x',
    ];
    for (const evidence of chat)
      expect(
        problemsOf(rec({ deployed_at: DEPLOYED, approval: { status: 'approved', evidence } })),
        evidence,
      ).toEqual(['chat-only approval (a chat link is not complete evidence; link the formal change record)']);
    const formal = [
      'https://jira.acme.example/browse/CAB-12',
      'https://notslack.com/x',
      'https://slack.com.evil.example/x',
      'CAB minute 2026-05-22, thread https://acme.slack.com/archives/C1/p1',
      'ftp://acme.slack.com/x',
      '',
    ];
    for (const evidence of formal)
      expect(
        problemsOf(rec({ deployed_at: DEPLOYED, approval: { status: 'approved', evidence } })),
        evidence,
      ).toEqual([]);
  });
});

describe('gateProblems: evidence, plans and review', () => {
  it('a passing CI result is one of the passing words, whole, in any case', () => {
    for (const ci of ['pass', 'Passed', ' SUCCESS ', 'succeeded', 'successful', 'green', 'ok'])
      expect(problemsOf(rec({ ci_result: ci })), ci).toEqual([]);
    for (const ci of ['not passed', 'passed with failures', 'failed', 'okay-ish'])
      expect(problemsOf(rec({ ci_result: ci })), ci).toEqual([`CI result "${ci}"`]);
    expect(problemsOf(rec({ ci_result: '  ' }))).toEqual(['no CI result']);
    expect(problemsOf(rec({ ci_result: null }))).toEqual(['no CI result']);
    expect(problemsOf(rec({ smoke_test: ' ' }))).toEqual(['no smoke-test evidence']);
  });

  it('a rollback plan or abort criteria that are generic words or a bare link are not specific to the change', () => {
    const generic = [
      'n/a',
      'N/A',
      'na',
      'None',
      'tbd',
      'TODO',
      '-',
      'standard',
      'standard rollback',
      'standard procedure',
      'Standard rollback procedure.',
      'generic',
      'default',
      'see runbook',
      'See the runbook',
      'per runbook',
      'per the runbook',
      'follow runbook',
      'follow the runbook',
      'runbook',
      'rollback',
      ' revert. ',
      'https://wiki.acme.example/rollback',
      'http://x',
    ];
    for (const plan of generic) {
      expect(problemsOf(rec({ rollback_plan: plan })), plan).toEqual([
        'generic rollback plan (not specific to the change)',
      ]);
      expect(problemsOf(rec({ abort_criteria: plan })), plan).toEqual([
        'generic abort criteria (not specific to the change)',
      ]);
    }
    const specific = [
      'revert commit 4f2a1c9 and redeploy build 1942',
      'redeploy the previous image; if that fails, revert',
      'https://wiki.acme.example/rollback then drop the feature flag',
      'see runbook section 4: restore snapshot rds-0522',
      'restore snapshot rds-0522 as in https://wiki.acme.example/rds',
    ];
    for (const plan of specific) {
      expect(problemsOf(rec({ rollback_plan: plan })), plan).toEqual([]);
      expect(problemsOf(rec({ abort_criteria: plan })), plan).toEqual([]);
    }
    expect(problemsOf(rec({ rollback_plan: ' ', abort_criteria: null }))).toEqual([
      'no rollback plan',
      'no abort criteria',
    ]);
  });

  it('a post-implementation review needs a reviewer and a completion time, within the window (at the bound passes)', () => {
    // Deployed 10:00 (inferred): the window of 48 h ends 2026-05-24T10:00Z.
    const pir = (reviewer: string | null, completed_at: string | null) =>
      problemsOf(rec({ post_implementation_review: { reviewer, completed_at } }));
    expect(pir('x', '2026-05-24T10:00:00Z')).toEqual([]);
    expect(pir('x', '2026-05-24T11:06:00Z')).toEqual([
      'post-implementation review 49.1 h after deployment, outside the 48 h window',
    ]);
    expect(pir(' ', '2026-05-23T10:00:00Z')).toEqual(['no post-implementation review']);
    expect(pir('x', null)).toEqual(['no post-implementation review']);
    expect(pir('x', 'later')).toEqual(['no post-implementation review']);
    expect(problemsOf(rec({ post_implementation_review: null }))).toEqual(['no post-implementation review']);
    expect(
      gateProblems(
        rec({ post_implementation_review: { reviewer: 'x', completed_at: '2026-05-24T11:06:00Z' } }),
        {
          slaHours: 24,
          reviewWindowHours: 50,
        },
      ).problems,
    ).toEqual([]);
  });

  it('an incident link and a reason are needed', () => {
    expect(problemsOf(rec({ incident_link: ' ', reason: null }))).toEqual(['no incident link', 'no reason']);
  });
});

describe('gateProblems: separation of roles', () => {
  it('four different people (any case, any spacing, the same person once) or a named compensating review', () => {
    expect(problemsOf(rec({ verifier: ' Engineering-Manager ' }))).toEqual([
      'requester, approver, deployer and verifier not separated (engineering-manager in 2 roles) and no compensating review',
    ]);
    expect(problemsOf(rec({ requester: null, verifier: ' ' }))).toEqual([
      'requester, approver, deployer and verifier not separated (no requester, verifier named) and no compensating review',
    ]);
    expect(problemsOf(rec({ requester: 'x', approver: 'x', deployer: 'y', verifier: null }))).toEqual([
      'requester, approver, deployer and verifier not separated (no verifier named; x in 2 roles) and no compensating review',
    ]);
    const collapsed = { requester: 'x', approver: 'x', deployer: 'x', verifier: 'y' };
    expect(problemsOf(rec(collapsed))).toEqual([
      'requester, approver, deployer and verifier not separated (x in 3 roles) and no compensating review',
    ]);
    expect(problemsOf(rec({ ...collapsed, compensating_review: 'reviewed by the CISO' }))).toEqual([]);
    expect(problemsOf(rec({ ...collapsed, compensating_review: { reviewer: 'ciso' } }))).toEqual([]);
    expect(problemsOf(rec({ ...collapsed, compensating_review: ' ' }))).toHaveLength(1);
    expect(problemsOf(rec({ ...collapsed, compensating_review: { reviewer: ' ' } }))).toHaveLength(1);
    expect(problemsOf(rec({ ...collapsed, compensating_review: {} }))).toHaveLength(1);
    expect(problemsOf(rec({ ...collapsed, compensating_review: null }))).toHaveLength(1);
  });
});

describe('gatePolicy', () => {
  it('the configuration’s hours, each falling back to what the snapshot recorded', () => {
    const d = data({ emergencySlaHours: 12, reviewWindowHours: 36 });
    expect(gatePolicy(d)).toEqual({ slaHours: 12, reviewWindowHours: 36 });
    expect(gatePolicy(d, {})).toEqual({ slaHours: 12, reviewWindowHours: 36 });
    expect(gatePolicy(d, { emergencySlaHours: 4 })).toEqual({ slaHours: 4, reviewWindowHours: 36 });
    expect(gatePolicy(d, { reviewWindowHours: 72 })).toEqual({ slaHours: 12, reviewWindowHours: 72 });
  });
});

describe('judgeEmergencyPullRequest', () => {
  it('a pull request must link a record; each linked record is judged, named with its file', () => {
    const d = data({
      records: [
        file(rec({ change_id: 'CHG-1' })),
        file(rec({ change_id: 'CHG-2', smoke_test: null, reason: ' ' })),
      ],
    });
    expect(judgeEmergencyPullRequest(d, pr(6, []), policy)).toEqual({
      ok: false,
      linkedRecords: [],
      problems: ['acme/api#6: labelled "emergency" but links no change record'],
      passed: [],
    });
    expect(judgeEmergencyPullRequest(d, pr(5, ['CHG-1']), policy)).toEqual({
      ok: true,
      linkedRecords: ['CHG-1'],
      problems: [],
      passed: ['CHG-1 (deployment time inferred as the approval due time minus 24 h)'],
    });
    expect(judgeEmergencyPullRequest(d, pr(7, ['CHG-1', 'CHG-2', 'CHG-9']), policy)).toEqual({
      ok: false,
      linkedRecords: ['CHG-1', 'CHG-2', 'CHG-9'],
      problems: [
        'CHG-2 (changes/CHG-2.yaml): no reason, no smoke-test evidence',
        'CHG-9: no such record in acme/records/changes',
      ],
      passed: ['CHG-1 (deployment time inferred as the approval due time minus 24 h)'],
    });
  });

  it('a linked record without deployed_at is deployed at the merge of the first pull request that links it', () => {
    // Review 2026-05-24T15:00Z: within 48 h of a merge at 2026-05-22T15:00Z, not of one at 10:00.
    const r = rec({
      change_id: 'CHG-1',
      approval: { status: 'approved' },
      post_implementation_review: { reviewer: 'x', completed_at: '2026-05-24T15:00:00Z' },
    });
    const d = data({
      records: [file(r)],
      emergencyPullRequests: [
        pr(5, ['CHG-1'], '2026-05-22T15:00:00Z'),
        pr(6, ['CHG-1'], '2026-05-22T10:00:00Z'),
      ],
    });
    expect(judgeEmergencyPullRequest(d, d.emergencyPullRequests[1]!, policy).ok).toBe(true);
    expect(run(d).result).toBe('pass');
    const reversed = { ...d, emergencyPullRequests: [...d.emergencyPullRequests].reverse() };
    expect(judgeEmergencyPullRequest(reversed, reversed.emergencyPullRequests[0]!, policy).problems).toEqual([
      'CHG-1 (changes/CHG-1.yaml): post-implementation review 53 h after deployment, outside the 48 h window',
    ]);
    expect(run(reversed).result).toBe('fail');
    // The inferred deployment time is a note of what passed.
    expect(
      judgeEmergencyPullRequest(
        data({ records: [file(rec({ change_id: 'CHG-3' }))] }),
        pr(8, ['CHG-3']),
        policy,
      ).passed,
    ).toEqual(['CHG-3 (deployment time inferred as the approval due time minus 24 h)']);
  });
});

describe('emergency-change-gate', () => {
  it('judges records typed emergency (any case) and the records emergency pull requests link, each once', () => {
    const d = data({
      records: [
        file(rec({ change_id: 'CHG-1', type: ' Emergency ' })),
        file(rec({ change_id: 'CHG-2', type: 'standard', smoke_test: null })),
        file(rec({ change_id: 'CHG-3', type: 'standard', approval: { status: 'approved' } })),
      ],
      emergencyPullRequests: [pr(5, ['CHG-3', 'CHG-1']), pr(6, ['CHG-3'])],
    });
    const out = run(d);
    expect(out.result).toBe('pass');
    expect(out.detail).toBe('2 emergency change(s) with complete evidence: CHG-1, CHG-3');
  });

  it('fails naming every failing record, pull request and malformed file, sentences joined, in order', () => {
    const d = data({
      records: [
        file(rec({ change_id: 'CHG-1', incident_link: null })),
        file(rec({ change_id: 'CHG-2' })),
        file(rec({ change_id: 'CHG-4', type: 'normal', ci_result: 'failed' })),
      ],
      malformed: [{ path: 'changes/broken.yaml', blob: null, error: 'does not parse as YAML', text: 'x' }],
      emergencyPullRequests: [pr(6, []), pr(7, ['CHG-4'])],
    });
    const out = run(d);
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['CHG-1', 'acme/api#6', 'CHG-4', 'acme/records:changes/broken.yaml']);
    expect(out.detail).toBe(
      'CHG-1 (changes/CHG-1.yaml): no incident link. acme/api#6: labelled "emergency" but links no change record. CHG-4 (changes/CHG-4.yaml): CI result "failed". acme/records:changes/broken.yaml does not parse as YAML.',
    );
  });

  it('a malformed file alone, or pull requests not all read, fail; never "not applicable"', () => {
    const malformed = run(
      data({ malformed: [{ path: 'changes/x.yaml', blob: 'b1', error: 'has no change_id', text: null }] }),
    );
    expect(malformed.result).toBe('fail');
    expect(malformed.failing).toEqual(['acme/records:changes/x.yaml']);
    const unread = run(data({ records: [file(rec({ change_id: 'CHG-1' }))], pullRequestsComplete: false }));
    expect(unread.result).toBe('fail');
    expect(unread.detail).toBe('the emergency pull requests of the day were not all read.');
    expect(run(data({ pullRequestsComplete: false })).result).toBe('fail');
  });

  it('not applicable without an emergency change, saying what was read', () => {
    const out = run(data({ records: [file(rec({ change_id: 'CHG-2', type: 'standard' }))] }));
    expect(out.result).toBe('not-applicable');
    expect(out.detail).toBe(
      `no emergency change: 1 record(s) in acme/records/changes, none of type emergency, and no pull request labelled "emergency" merged in ${DAY}`,
    );
  });

  it('judges by the configured hours (github.changes), else, without that section, those the snapshot recorded', () => {
    // Deployed 08:00, approved by its due time 26 h later.
    const d = data({
      emergencySlaHours: 26,
      records: [file(rec({ change_id: 'CHG-1', deployed_at: '2026-05-22T08:00:00Z' }))],
    });
    expect(run(d, null).result).toBe('pass');
    expect(run(d).result).toBe('fail'); // github.changes.emergencySlaHours defaults to 24
    expect(run({ ...d, emergencySlaHours: 24 }, { emergencySlaHours: 26 }).result).toBe('pass');
    // Reviewed 29.5 h after the inferred deployment.
    const review = data({ reviewWindowHours: 20, records: [file(rec({ change_id: 'CHG-1' }))] });
    expect(run(review, null).result).toBe('fail');
    expect(run(review).result).toBe('pass');
    expect(run({ ...review, reviewWindowHours: 48 }, { reviewWindowHours: 29 }).result).toBe('fail');
  });
});
