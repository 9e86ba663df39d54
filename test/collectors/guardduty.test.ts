import {
  AccessDeniedException,
  BadRequestException,
  CreateDetectorCommand,
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  type GuardDutyClientResolvedConfig,
  ListDetectorsCommand,
  ListMembersCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-guardduty';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { guardDutyCollector } from '../../shared/collectors/guardduty/collector.js';
import { guardDutyEnabledCheck } from '../../shared/collectors/guardduty/guardduty-enabled.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1'] });

function scope(region: string, accountId = testAccountId()): AwsRegionalScope {
  return { id: `aws-${accountId}-${region}`, accountId, region };
}

describe('guardduty collector (emulator)', () => {
  let detectorId: string;
  beforeAll(async () => {
    const gd = new GuardDutyClient({ region: 'us-east-1' });
    const out = await gd.send(
      new CreateDetectorCommand({
        Enable: true,
        FindingPublishingFrequency: 'FIFTEEN_MINUTES',
        Features: [
          { Name: 'S3_DATA_EVENTS', Status: 'ENABLED' },
          { Name: 'EKS_AUDIT_LOGS', Status: 'DISABLED' },
        ],
      }),
    );
    gd.destroy();
    detectorId = out.DetectorId!;
  });

  it('scopes: one per account and configured region', () => {
    expect(guardDutyCollector.scopes(config, { defaultAccountId: '111122223333' }).map((s) => s.id)).toEqual([
      'aws-111122223333-us-east-1',
      'aws-111122223333-eu-west-1',
    ]);
  });

  it('records the enabled detector with its settings; the check passes', async () => {
    const { result, stats, snapshot } = await collectOnce(guardDutyCollector, scope('us-east-1'), { config });
    const [detector] = result.data.detectors;
    expect(result.data).toMatchObject({ accountId: testAccountId(), region: 'us-east-1' });
    expect(detector).toMatchObject({
      detectorId,
      status: 'ENABLED',
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      serviceRole: expect.stringContaining(':role/aws-service-role/guardduty.amazonaws.com/'),
      features: [
        { name: 'S3_DATA_EVENTS', status: 'ENABLED', additionalConfiguration: [] },
        { name: 'EKS_AUDIT_LOGS', status: 'DISABLED', additionalConfiguration: [] },
      ],
      administrator: null,
    });
    // moto implements neither ListMembers nor GetFindingsStatistics: both parts are
    // recorded as not collected, with the reason, and the snapshot is partial.
    expect(detector?.members).toBeNull();
    expect(detector?.findingCounts).toBeNull();
    expect(result.status).toBe('partial');
    expect(result.errors).toEqual([
      expect.stringMatching(/^guardduty:ListMembers in us-east-1: .*does not implement/),
      expect.stringMatching(/^guardduty:GetFindingsStatistics in us-east-1: .*does not implement/),
    ]);
    // ListDetectors, GetDetector, GetAdministratorAccount, ListMembers, GetFindingsStatistics.
    expect(stats.requests).toBe(5);
    expect(result.items).toBe(1);
    expect(guardDutyEnabledCheck.run(snapshot, config)).toMatchObject({ result: 'pass', failing: [] });
  });

  it('a region without a detector is data, not an error; the check fails naming the region', async () => {
    const { result, stats, snapshot } = await collectOnce(guardDutyCollector, scope('eu-west-1'), { config });
    expect(result.status ?? 'ok').toBe('ok');
    expect(result.data.detectors).toEqual([]);
    expect(stats.requests).toBe(1);
    const outcome = guardDutyEnabledCheck.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['eu-west-1']);
    expect(outcome.detail).toMatch(/eu-west-1: no GuardDuty detector/);
  });
});

describe('guardduty collector (aws-sdk-client-mock: parts the emulator lacks)', () => {
  // The emulator has no ListMembers and no GetFindingsStatistics, so the delegated
  // administrator's member list, member pagination, the finding counts and their fallback
  // are shown against aws-sdk-client-mock.
  let gd: AwsStub<ServiceInputTypes, ServiceOutputTypes, GuardDutyClientResolvedConfig>;
  beforeAll(() => {
    gd = mockClient(GuardDutyClient);
  });
  afterEach(() => gd.reset());
  afterAll(() => gd.restore());
  const s: AwsRegionalScope = {
    id: 'aws-111122223333-us-east-1',
    accountId: '111122223333',
    region: 'us-east-1',
  };

  it('delegated administrator: every page of members, and finding counts by severity band', async () => {
    gd.on(ListDetectorsCommand).resolves({ DetectorIds: ['det1'] });
    gd.on(GetDetectorCommand).resolves({
      Status: 'ENABLED',
      ServiceRole: 'arn:role',
      FindingPublishingFrequency: 'SIX_HOURS',
    });
    gd.on(GetAdministratorAccountCommand).resolves({});
    gd.on(ListMembersCommand, { DetectorId: 'det1', NextToken: undefined })
      .resolves({
        Members: [
          {
            AccountId: '444455556666',
            DetectorId: 'm1',
            RelationshipStatus: 'Enabled',
            AdministratorId: '111122223333',
            Email: 'a@example.com',
            MasterId: '111122223333',
            UpdatedAt: '2026-04-01T00:00:00Z',
          },
        ],
        NextToken: 'page2',
      })
      .on(ListMembersCommand, { DetectorId: 'det1', NextToken: 'page2' })
      .resolves({
        Members: [
          {
            AccountId: '777788889999',
            RelationshipStatus: 'Invited',
            Email: 'b@example.com',
            MasterId: '111122223333',
            UpdatedAt: '2026-04-02T00:00:00Z',
          },
        ],
      });
    gd.on(GetFindingsStatisticsCommand).resolves({
      FindingStatistics: {
        GroupedBySeverity: [
          { Severity: 8, TotalFindings: 2 },
          { Severity: 5, TotalFindings: 3 },
          { Severity: 2, TotalFindings: 7 },
          { Severity: 9.5, TotalFindings: 1 },
        ],
      },
    });
    const { result, stats } = await collectOnce(guardDutyCollector, s, { config });
    expect(result.status ?? 'ok').toBe('ok');
    const d = result.data.detectors[0]!;
    expect(d.members?.map((m) => [m.accountId, m.relationshipStatus])).toEqual([
      ['444455556666', 'Enabled'],
      ['777788889999', 'Invited'],
    ]);
    expect(d.findingCounts).toEqual({
      method: 'GetFindingsStatistics groupBy=SEVERITY',
      criteria: 'service.archived = false',
      total: 13,
      bySeverity: { low: 7, medium: 3, high: 2, critical: 1 },
      raw: { '8': 2, '5': 3, '2': 7, '9.5': 1 },
    });
    expect(gd.commandCalls(GetFindingsStatisticsCommand)[0]!.args[0].input).toMatchObject({
      FindingCriteria: { Criterion: { 'service.archived': { Equals: ['false'] } } },
      GroupBy: 'SEVERITY',
    });
    expect(gd.commandCalls(ListMembersCommand)).toHaveLength(2);
    expect(stats.pages).toBe(3);
  });

  it('member account: the administrator is recorded; GroupBy rejected falls back to COUNT_BY_SEVERITY', async () => {
    gd.on(ListDetectorsCommand).resolves({ DetectorIds: ['det1'] });
    gd.on(GetDetectorCommand).resolves({ Status: 'ENABLED' });
    gd.on(GetAdministratorAccountCommand).resolves({
      Administrator: {
        AccountId: '999999999999',
        RelationshipStatus: 'Enabled',
        InvitedAt: '2026-01-01T00:00:00Z',
      },
    });
    gd.on(ListMembersCommand).resolves({ Members: [] });
    gd.on(GetFindingsStatisticsCommand, { GroupBy: 'SEVERITY' })
      .rejects(new BadRequestException({ message: 'GroupBy is not supported', $metadata: {} }))
      .on(GetFindingsStatisticsCommand, { FindingStatisticTypes: ['COUNT_BY_SEVERITY'] })
      .resolves({ FindingStatistics: { CountBySeverity: { '2.0': 4, '8.0': 1 } } });
    const { result } = await collectOnce(guardDutyCollector, s, { config });
    const d = result.data.detectors[0]!;
    expect(d.administrator).toEqual({
      accountId: '999999999999',
      relationshipStatus: 'Enabled',
      invitedAt: '2026-01-01T00:00:00Z',
    });
    expect(d.members).toEqual([]);
    expect(d.findingCounts).toMatchObject({
      method: 'GetFindingsStatistics COUNT_BY_SEVERITY',
      total: 5,
      bySeverity: { low: 4, medium: 0, high: 1, critical: 0 },
    });
  });

  it('ListDetectors denied: the collection throws a SourceUnavailableError naming account, region and fix', async () => {
    gd.on(ListDetectorsCommand).rejects(
      new AccessDeniedException({
        message: 'not authorized to perform guardduty:ListDetectors',
        $metadata: {},
      }),
    );
    await expect(collectOnce(guardDutyCollector, s, { config })).rejects.toMatchObject({
      name: 'SourceUnavailableError',
      message: expect.stringMatching(
        /guardduty:ListDetectors was refused in account 111122223333 in us-east-1 .*grant guardduty:ListDetectors/,
      ),
    });
  });
});
