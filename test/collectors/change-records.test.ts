import { validate } from '@octokit/graphql-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import {
  type ChangeRecordsData,
  createChangeRecordsCollector,
  EMERGENCY_PULL_REQUESTS_QUERY,
  parseRecordFile,
  RECORDS_QUERY,
  REPOSITORY_PULL_REQUESTS_QUERY,
} from '../../shared/collectors/change-records/collector.js';
import {
  emergencyChangeGateCheck,
  gateProblems,
} from '../../shared/collectors/change-records/emergency-change-gate.js';
import { selectCollectors } from '../../shared/collectors/runner.js';
import { settingsOf } from '../../shared/collectors/types.js';
import { dayWindow } from '../../shared/collectors/window.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { silentLogger } from '../../shared/log.js';
import {
  acmeChangesOrg,
  BENIGN_RECORD,
  COLLECTED_AT,
  changesConfig,
  DAY,
  VULNERABLE_RECORD,
} from '../fixtures/github/changes.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { DEFAULT_GITHUB_TOKEN, type GitHubServer, startGitHubServer } from '../servers/github-server.js';

const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const auth = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });
const policy = { slaHours: 24, reviewWindowHours: 48 };
const records = { repository: 'records', path: 'changes' };

function record(text: string) {
  const parsed = parseRecordFile('x.yaml', text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.record;
}

describe('change-records queries', () => {
  it('validate against GitHub’s published GraphQL schema', () => {
    expect(validate(RECORDS_QUERY)).toEqual([]);
    expect(validate(EMERGENCY_PULL_REQUESTS_QUERY)).toEqual([]);
    expect(validate(REPOSITORY_PULL_REQUESTS_QUERY)).toEqual([]);
  });
});

describe('emergency-change-gate on the source document’s records (verbatim fixtures)', () => {
  it('Compliance: the benign record CHG-2026-0522 passes', () => {
    const { problems, notes } = gateProblems(record(BENIGN_RECORD), policy);
    expect(problems).toEqual([]);
    expect(notes).toEqual(['deployment time inferred as the approval due time minus 24 h']);
  });

  it('Noncompliance: the vulnerable record CHG-2026-0418 fails naming every missing element', () => {
    const { problems } = gateProblems(record(VULNERABLE_RECORD), policy);
    expect(problems).toEqual([
      'approval missing',
      'no CI result',
      'no smoke-test evidence',
      'no rollback plan',
      'no abort criteria',
      'no post-implementation review',
      'requester, approver, deployer and verifier not separated (api-team-lead in 4 roles) and no compensating review',
    ]);
  });

  it('Noncompliance: each weakened element of the benign record is named', () => {
    const benign = record(BENIGN_RECORD);
    const cases: [Partial<typeof benign>, RegExp][] = [
      [{ incident_link: null }, /^no incident link$/],
      [
        { approval: { ...benign.approval, retroactive_approval_completed: '2026-05-23T11:00:00Z' } },
        /completed after its due time/,
      ],
      [
        {
          deployed_at: '2026-05-22T08:00:00Z',
          approval: { ...benign.approval, retroactive_approval_completed: '2026-05-23T09:00:00Z' },
        },
        /approval 25 h after deployment, outside the 24 h SLA/,
      ],
      [
        { approval: { status: 'approved', evidence: 'https://acme.slack.com/archives/C1/p1' } },
        /chat-only approval/,
      ],
      [{ ci_result: 'failed' }, /CI result "failed"/],
      [{ rollback_plan: 'see runbook' }, /generic rollback plan/],
      [{ abort_criteria: 'https://wiki.example.com/abort' }, /generic abort criteria/],
      [
        { post_implementation_review: { reviewer: 'x', completed_at: '2026-05-25T10:00:00Z' } },
        /post-implementation review 72 h after deployment, outside the 48 h window/,
      ],
      [{ verifier: 'platform-release-engineer' }, /platform-release-engineer in 2 roles/],
    ];
    for (const [change, expected] of cases) {
      const { problems } = gateProblems({ ...benign, ...change }, policy);
      // One problem each (a late approval is also outside the SLA: two).
      expect(problems.length, JSON.stringify(change)).toBeGreaterThan(0);
      expect(problems.length, JSON.stringify(change)).toBeLessThanOrEqual(2);
      expect(problems.join('; ')).toMatch(expected);
    }
    // Collapsed roles are acceptable with a named compensating review.
    const compensated = {
      ...benign,
      verifier: 'platform-release-engineer',
      compensating_review: { reviewer: 'ciso' },
    };
    expect(gateProblems(compensated, policy).problems).toEqual([]);
  });
});

describe('change-records collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('is on only when github.changes.records is configured', () => {
    const ids = (changes: Record<string, unknown>) =>
      selectCollectors(changesConfig(changes), undefined).map((c) => c.id);
    expect(ids({})).toContain('github-changes');
    expect(ids({})).not.toContain('change-records');
    expect(ids({ records })).toContain('change-records');
  });

  it('reads every record, keeps malformed ones by file, and judges emergency changes and emergency PRs', async () => {
    server = await startGitHubServer(acmeChangesOrg());
    const config = changesConfig({ records });
    const collector = createChangeRecordsCollector({ pacing, auth, apiUrl: server.url });
    const [scope] = collector.scopes(config, {});
    const ctx = {
      config,
      settings: settingsOf(collector, config)!,
      clock: fixedClock(COLLECTED_AT),
      window: dayWindow(DAY),
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    };
    const out = await collector.collect(scope!, ctx);
    const data = out.data;
    expect(data.records.map((r) => r.record.change_id).sort()).toEqual(['CHG-2026-0418', 'CHG-2026-0522']);
    expect(data.malformed).toEqual([
      expect.objectContaining({
        path: 'changes/broken.yaml',
        error: expect.stringMatching(/^does not parse as YAML/),
        text: 'change_id: CHG-2026-0999\ntype: [emergency\n',
      }),
    ]);
    expect(data.ignored).toEqual(['changes/README.md']);
    expect(data.emergencyPullRequests).toEqual([
      expect.objectContaining({ id: 'acme/api#5', linkedRecords: ['CHG-2026-0522'] }),
      expect.objectContaining({ id: 'acme/api#6', linkedRecords: [] }),
    ]);
    // The records' directory, the repositories pushed to with their merged pull requests, their details.
    expect(ctx.stats.requests).toBe(3);

    const snapshot = makeSnapshot({
      collector: 'change-records',
      scope: scope!.id,
      collectedAt: COLLECTED_AT,
      data,
    }) as Snapshot<ChangeRecordsData>;
    const outcome = emergencyChangeGateCheck.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    // The vulnerable record, the emergency PR without a record, the malformed file; not the benign one.
    expect(outcome.failing.sort()).toEqual([
      'CHG-2026-0418',
      'acme/api#6',
      'acme/records:changes/broken.yaml',
    ]);
    expect(outcome.detail).toContain('acme/api#6: labelled "emergency" but links no change record');

    // Only the benign record, linked by its PR (deployment time = its merge): the gate passes.
    const benignOnly = {
      ...data,
      records: data.records.filter((r) => r.record.change_id === 'CHG-2026-0522'),
      malformed: [],
      emergencyPullRequests: data.emergencyPullRequests.filter((p) => p.linkedRecords.length),
    };
    const ok = emergencyChangeGateCheck.run({ ...snapshot, data: benignOnly }, config);
    expect(ok.result).toBe('pass');
    expect(ok.detail).toMatch(/^1 emergency change\(s\) with complete evidence: CHG-2026-0522$/);
    expect(
      emergencyChangeGateCheck.run(
        { ...snapshot, data: { ...benignOnly, records: [], emergencyPullRequests: [] } },
        config,
      ).result,
    ).toBe('not-applicable');
  });
});
