import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  NoSuchEntityException,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsAccountScope } from '../../shared/aws/accounts.js';
import { fixedClock } from '../../shared/clock.js';
import {
  createIamCollector,
  parseCredentialReport,
  pollDelay,
} from '../../shared/collectors/iam/collector.js';
import { credentialReportStaleness } from '../../shared/collectors/iam/declaration.js';
import { iamConsoleMfaCheck } from '../../shared/collectors/iam/iam-console-mfa.js';
import { iamKeyRotationCheck } from '../../shared/collectors/iam/iam-key-rotation.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1'] });
const DAY = 86_400_000;

function scope(): AwsAccountScope {
  return { id: `aws-${testAccountId()}`, accountId: testAccountId(), regions: ['us-east-1'] };
}

/** A sleeper that records the waits instead of waiting. */
function recordingSleeper() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const doc = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('iam collector (emulator)', () => {
  let seededAt: number;
  beforeAll(async () => {
    const iam = new IAMClient({ region: 'us-east-1' });
    seededAt = Date.now();
    for (const user of ['alice', 'bob', 'carol', 'dave'])
      await iam.send(new CreateUserCommand({ UserName: user }));
    // alice: console + MFA; bob: console without MFA; carol: an active key; dave: an inactive key.
    for (const user of ['alice', 'bob'])
      await iam.send(new CreateLoginProfileCommand({ UserName: user, Password: 'Correct-Horse-9-Battery' }));
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-mfa' }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'alice',
        SerialNumber: mfa.VirtualMFADevice!.SerialNumber!,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    const daveKey = await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: 'dave',
        AccessKeyId: daveKey.AccessKey!.AccessKeyId!,
        Status: 'Inactive',
      }),
    );
    // One customer-managed policy attached to two users and a group: stored once, referenced by ARN.
    const policy = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'read-logs', PolicyDocument: doc('logs:Get*') }),
    );
    const arn = policy.Policy!.Arn!;
    for (const user of ['alice', 'bob'])
      await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    await iam.send(new CreateGroupCommand({ GroupName: 'auditors' }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'auditors', PolicyArn: arn }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'auditors', UserName: 'alice' }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'inline-s3', PolicyDocument: doc('s3:List*') }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'deployer',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    iam.destroy();
  });

  it('collects the credential report (polled through the sleeper), policy, summary and authorization details', async () => {
    const { waits, sleep } = recordingSleeper();
    const collector = createIamCollector({ sleep });
    const { result, stats } = await collectOnce(collector, scope(), { config });
    const data = result.data;

    // moto answers STARTED to the first GenerateCredentialReport and COMPLETE to the second
    // (scripts/moto-server.py dates the report at the request, as IAM would).
    expect(waits).toEqual([pollDelay(0)]);
    expect(result.status ?? 'ok').toBe('ok');
    const byUser = Object.fromEntries(data.credentialReport.rows.map((r) => [r.user, r]));
    expect(Object.keys(byUser).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(byUser.alice).toMatchObject({ passwordEnabled: true, mfaActive: true });
    expect(byUser.bob).toMatchObject({ passwordEnabled: true, mfaActive: false });
    expect(byUser.carol?.accessKey1).toMatchObject({ active: true, lastRotated: expect.any(String) });
    expect(byUser.dave?.accessKey1.active).toBe(false);

    expect(data.passwordPolicy).toBeNull();
    expect(data.accountSummary.Users).toBe(4);
    expect(data.accountSummary.AccountMFAEnabled).toBe(0);

    const { users, groups, roles, policies } = data.authorization;
    const arn = `arn:aws:iam::${testAccountId()}:policy/read-logs`;
    expect(Object.keys(policies)).toEqual([arn]);
    expect(policies[arn]).toMatchObject({
      name: 'read-logs',
      awsManaged: false,
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'logs:Get*', Resource: '*' }],
      },
    });
    const alice = users.find((u) => u.userName === 'alice')!;
    expect(alice).toMatchObject({ attachedPolicies: [arn], groups: ['auditors'] });
    expect(users.find((u) => u.userName === 'bob')!.inlinePolicies).toEqual([
      {
        name: 'inline-s3',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:List*', Resource: '*' }],
        },
      },
    ]);
    expect(groups).toEqual([expect.objectContaining({ groupName: 'auditors', attachedPolicies: [arn] })]);
    expect(roles).toEqual([
      expect.objectContaining({
        roleName: 'deployer',
        assumeRolePolicyDocument: expect.objectContaining({
          Statement: [expect.objectContaining({ Action: 'sts:AssumeRole' })],
        }),
      }),
    ]);
    // The policy document appears once in the whole snapshot.
    expect(JSON.stringify(data).split('logs:Get*').length - 1).toBe(1);

    // Generate x2, Get, password policy, summary, one page of authorization details: no per-user calls.
    expect(stats.requests).toBe(6);
    expect(result.items).toBe(4);
  });

  it('the password policy is recorded when there is one', async () => {
    const iam = new IAMClient({ region: 'us-east-1' });
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true }),
    );
    iam.destroy();
    const { result } = await collectOnce(createIamCollector({ sleep: async () => {} }), scope(), { config });
    expect(result.data.passwordPolicy).toMatchObject({ MinimumPasswordLength: 14, RequireSymbols: true });
  });

  it('checks: console users without MFA and root are named; key age is measured from collectedAt', async () => {
    const collector = createIamCollector({ sleep: async () => {} });
    // Collected 120 days after the keys were made (the report's dates are real times).
    const late = await collectOnce(collector, scope(), {
      config,
      clock: fixedClock(new Date(seededAt + 120 * DAY)),
    });
    // The collection is moved 120 days past the emulator's clock: date its report with it.
    fresh(late.snapshot);
    const mfa = iamConsoleMfaCheck.run(late.snapshot, config);
    expect(mfa.result).toBe('fail');
    // moto has no <root_account> row and reports AccountMFAEnabled 0: root fails too.
    expect(mfa.failing).toEqual(['<root_account>', 'bob']);
    expect(mfa.detail).toMatch(/1 of 2 console user\(s\) without MFA: bob/);

    const rotation = iamKeyRotationCheck.run(late.snapshot, config);
    expect(rotation.result).toBe('fail');
    expect(rotation.failing).toEqual([expect.stringMatching(/^carol key 1 \(1[12]\d days\)$/)]);

    // The same keys, collected 10 days after they were made: compliant; dave's inactive key never counts.
    const early = await collectOnce(collector, scope(), {
      config,
      clock: fixedClock(new Date(seededAt + 10 * DAY)),
    });
    fresh(early.snapshot);
    expect(iamKeyRotationCheck.run(early.snapshot, config)).toMatchObject({ result: 'pass', failing: [] });
    // A stricter threshold from the configuration.
    const strict = awsTestConfig({ regions: ['us-east-1'] }, { checks: { iamKeyMaxAgeDays: 5 } });
    expect(iamKeyRotationCheck.run(early.snapshot, strict).result).toBe('fail');
  });
});

/** The mocked account, and the collection's time, of the aws-sdk-client-mock tests. */
const MOCK_SCOPE: AwsAccountScope = {
  id: 'aws-111122223333',
  accountId: '111122223333',
  regions: ['us-east-1'],
};
const COLLECTED = fixedClock(new Date('2026-04-20T01:00:00Z'));

const mockIam = () => mockClient(IAMClient);
type IamMock = ReturnType<typeof mockIam>;

/** `test` against a mocked IAM client, restored afterwards whatever happens. */
async function withMockIam(test: (iam: IamMock) => Promise<void>) {
  const iam = mockIam();
  try {
    await test(iam);
  } finally {
    iam.restore();
  }
}

/** GetCredentialReport's answer: AWS_REPORT, generated at `at`. */
const reportAt = (at: string) => ({
  Content: new TextEncoder().encode(AWS_REPORT),
  GeneratedTime: new Date(at),
});

/** The calls after the credential report, answered with nothing in them: no password policy, one page. */
function answerEmptyAccount(iam: IamMock) {
  iam
    .on(GetAccountPasswordPolicyCommand)
    .rejects(new NoSuchEntityException({ message: 'none', $metadata: {} }));
  iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
  iam.on(GetAccountAuthorizationDetailsCommand).resolves({ IsTruncated: false });
}

/** `config` with the credential report's bound (checks.freshnessHours.credentialReport) at `hours`. */
const credentialReportBound = (hours: number) => ({
  ...config,
  checks: { ...config.checks, freshnessHours: { ...config.checks.freshnessHours, credentialReport: hours } },
});

describe('iam collector (aws-sdk-client-mock: polling and pagination the emulator does not show)', () => {
  it('polls with backoff until COMPLETE and follows every authorization-details page', async () => {
    // moto is COMPLETE on the second poll and never paginates GetAccountAuthorizationDetails.
    await withMockIam(async (iam) => {
      iam
        .on(GenerateCredentialReportCommand)
        .resolvesOnce({ State: 'STARTED' })
        .resolvesOnce({ State: 'INPROGRESS' })
        .resolvesOnce({ State: 'INPROGRESS' })
        .resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).resolves(reportAt('2026-04-20T00:00:00Z'));
      iam
        .on(GetAccountPasswordPolicyCommand)
        .rejects(new NoSuchEntityException({ message: 'none', $metadata: {} }));
      iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountMFAEnabled: 1, Users: 2 } });
      iam
        .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
        .resolves({
          UserDetailList: [
            {
              UserName: 'u1',
              Arn: 'arn:u1',
              AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
            },
          ],
          Policies: [
            {
              Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
              PolicyName: 'ReadOnlyAccess',
              DefaultVersionId: 'v2',
              PolicyVersionList: [
                { VersionId: 'v1', IsDefaultVersion: false, Document: encodeURIComponent(doc('old:*')) },
                { VersionId: 'v2', IsDefaultVersion: true, Document: encodeURIComponent(doc('*:Get*')) },
              ],
            },
            { Arn: 'arn:aws:iam::aws:policy/Unused', PolicyName: 'Unused', PolicyVersionList: [] },
          ],
          IsTruncated: true,
          Marker: 'm2',
        })
        .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm2' })
        .resolves({ UserDetailList: [{ UserName: 'u2', Arn: 'arn:u2' }], IsTruncated: false });
      const { waits, sleep } = recordingSleeper();
      const { result, stats } = await collectOnce(createIamCollector({ sleep }), MOCK_SCOPE, {
        config,
        clock: COLLECTED,
      });
      expect(waits).toEqual([1000, 2000, 4000]);
      expect(result.status ?? 'ok').toBe('ok');
      expect(result.data.authorization.users.map((u) => u.userName)).toEqual(['u1', 'u2']);
      // The default version's document only; the unused AWS-managed policy is not stored.
      expect(result.data.authorization.policies).toEqual({
        'arn:aws:iam::aws:policy/ReadOnlyAccess': expect.objectContaining({
          awsManaged: true,
          defaultVersionId: 'v2',
          document: JSON.parse(doc('*:Get*')),
        }),
      });
      expect(result.data.credentialReport.generatedTime).toBe('2026-04-20T00:00:00.000Z');
      expect(stats.pages).toBe(2);
    });
  });

  it('a stale report is asked for again and a fresh one is used; never a stale one as the day', async () => {
    await withMockIam(async (iam) => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam
        .on(GetCredentialReportCommand)
        .resolvesOnce(reportAt('2026-04-18T23:00:00Z'))
        .resolves(reportAt('2026-04-20T00:30:00Z'));
      answerEmptyAccount(iam);
      const { waits, sleep } = recordingSleeper();
      const { result } = await collectOnce(createIamCollector({ sleep }), MOCK_SCOPE, {
        config,
        clock: COLLECTED,
      });
      // 26 h old: asked again after 1 s; the second report is 30 minutes old.
      expect(waits).toEqual([1000]);
      expect(result.status ?? 'ok').toBe('ok');
      expect(result.data.credentialReport.generatedTime).toBe('2026-04-20T00:30:00.000Z');
      // Exactly 24 h is still fresh; a minute more is not.
      expect(
        credentialReportStaleness('2026-04-19T01:00:00.000Z', '2026-04-20T01:00:00.000Z', config),
      ).toBeUndefined();
      expect(
        credentialReportStaleness('2026-04-19T00:59:00.000Z', '2026-04-20T01:00:00.000Z', config),
      ).toMatch(/24 h before/);
      expect(credentialReportStaleness(null, '2026-04-20T01:00:00.000Z', config)).toMatch(
        /no generation time/,
      );
      // The bound is configured in one place: checks.freshnessHours.credentialReport.
      const lenient = credentialReportBound(30);
      expect(
        credentialReportStaleness('2026-04-18T23:00:00.000Z', '2026-04-20T01:00:00.000Z', lenient),
      ).toBeUndefined();
      expect(
        credentialReportStaleness('2026-04-18T18:59:00.000Z', '2026-04-20T01:00:00.000Z', lenient),
      ).toMatch(/30 h before the collection \(at most 30 h, checks\.freshnessHours\.credentialReport\)/);
    });
  });

  it('the bound comes from checks.freshnessHours.credentialReport: a 26-hour-old report within a 30-hour bound is used, not asked for again', async () => {
    await withMockIam(async (iam) => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).resolves(reportAt('2026-04-18T23:00:00Z'));
      answerEmptyAccount(iam);
      const lenient = credentialReportBound(30);
      const { waits, sleep } = recordingSleeper();
      const { result, snapshot } = await collectOnce(createIamCollector({ sleep }), MOCK_SCOPE, {
        config: lenient,
        clock: COLLECTED,
      });
      expect(waits).toEqual([]);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
      expect(result.status ?? 'ok').toBe('ok');
      expect(iamKeyRotationCheck.run(snapshot, lenient).failing).not.toContain('stale-credential-report');
      // The same snapshot under the default 24-hour bound is not judged.
      expect(iamKeyRotationCheck.run(snapshot, config).failing).toEqual(['stale-credential-report']);
    });
  });

  it('a report that stays stale makes the snapshot partial, named, and the checks refuse to judge it', async () => {
    await withMockIam(async (iam) => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      // What moto 5.2.5 itself answers (scripts/moto-server.py corrects it for the other tests).
      iam.on(GetCredentialReportCommand).resolves(reportAt('2015-02-02T20:02:02Z'));
      answerEmptyAccount(iam);
      const { waits, sleep } = recordingSleeper();
      const { result, snapshot } = await collectOnce(createIamCollector({ sleep }), MOCK_SCOPE, {
        config,
        clock: COLLECTED,
      });
      // Asked for a new report twice (waiting 1 s, then 2 s), bounded, then recorded as partial.
      expect(waits).toEqual([1000, 2000]);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);
      expect(result.status).toBe('partial');
      expect(result.errors).toEqual([
        expect.stringMatching(
          /^the credential report was generated at 2015-02-02T20:02:02\.000Z, \d+ h \(\d+ days\) before the collection \(at most 24 h, checks\.freshnessHours\.credentialReport\): it is not that day's state; asked again 2 time\(s\)/,
        ),
      ]);
      // Partial snapshots are judged, so the checks themselves refuse a stale report.
      for (const check of [iamConsoleMfaCheck, iamKeyRotationCheck])
        expect(check.run(snapshot, config)).toMatchObject({
          result: 'fail',
          failing: ['stale-credential-report'],
          detail: expect.stringMatching(/not judged: the credential report was generated at 2015-02-02/),
        });
    });
  });

  it('gives up after maxPolls with a message saying what to do', async () => {
    await withMockIam(async (iam) => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
      const { waits, sleep } = recordingSleeper();
      await expect(
        collectOnce(createIamCollector({ sleep, maxPolls: 4 }), MOCK_SCOPE, { config }),
      ).rejects.toThrow(
        /credential report of account 111122223333 was still INPROGRESS after 4 polls.*run the collection again later/,
      );
      expect(waits).toEqual([1000, 2000, 4000]);
    });
  });
});

/** A credential report as AWS writes it (columns from the IAM User Guide), root row included. */
const AWS_REPORT = [
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
  '<root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00,not_supported,2026-04-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'ops,arn:aws:iam::111122223333:user/ops,2020-05-01T00:00:00+00:00,true,no_information,2020-05-01T00:00:00+00:00,N/A,false,true,2025-12-01T00:00:00+00:00,2026-04-19T08:00:00+00:00,us-east-1,s3,true,2026-04-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A',
  '',
].join('\n');

describe('parseCredentialReport', () => {
  it('types every column, keeps <root_account>, maps N/A markers to null', () => {
    const [root, ops] = parseCredentialReport(AWS_REPORT);
    expect(root).toMatchObject({
      user: '<root_account>',
      passwordEnabled: null,
      passwordLastUsed: '2026-04-01T10:00:00.000Z',
      passwordLastChanged: null,
      mfaActive: true,
      accessKey1: {
        active: false,
        lastRotated: null,
        lastUsedDate: null,
        lastUsedRegion: null,
        lastUsedService: null,
      },
    });
    expect(ops).toMatchObject({
      user: 'ops',
      passwordEnabled: true,
      passwordLastUsed: null,
      mfaActive: false,
      accessKey1: {
        active: true,
        lastRotated: '2025-12-01T00:00:00.000Z',
        lastUsedDate: '2026-04-19T08:00:00.000Z',
        lastUsedRegion: 'us-east-1',
        lastUsedService: 's3',
      },
      accessKey2: { active: true, lastRotated: '2026-04-01T00:00:00.000Z', lastUsedDate: null },
      cert1: { active: false, lastRotated: null },
    });
  });

  it('reads quoted fields and CRLF line ends, by header name', () => {
    const rows = parseCredentialReport('arn,user,mfa_active\r\n"arn:x","we,ird ""name""",true\r\n');
    expect(rows).toEqual([expect.objectContaining({ user: 'we,ird "name"', arn: 'arn:x', mfaActive: true })]);
  });
});

/** Date the snapshot's credential report at its collection (for a collection moved past the emulator's clock). */
function fresh(snapshot: {
  collectedAt: string;
  data: { credentialReport: { generatedTime: string | null } };
}) {
  snapshot.data.credentialReport.generatedTime = snapshot.collectedAt;
}
