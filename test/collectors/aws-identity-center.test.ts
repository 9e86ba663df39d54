import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-identitystore';
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { identityCenterCollector } from '../../shared/collectors/aws-identity-center/collector.js';
import type { IdentityCenterData } from '../../shared/collectors/aws-identity-center/declaration.js';
import {
  awsIdentityCenter,
  type IdentityCenterScope,
} from '../../shared/collectors/aws-identity-center/declaration.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { isEnabled, type RunnableCollector } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

// A region no other test uses: the emulator's Identity Center instance is per account and region.
const REGION = 'ap-southeast-2';
const icConfig = (aws: Record<string, unknown>) =>
  parseConfig(
    { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, aws },
    'test',
    COLLECTORS,
  );
const config = icConfig({ regions: ['us-east-1'], identityCenter: { region: REGION } });

// The collector reads its region from the scope, not from ctx.settings (collectOnce passes none).
const collector = identityCenterCollector as unknown as RunnableCollector<
  IdentityCenterScope,
  IdentityCenterData
>;

function scope(): IdentityCenterScope {
  return { id: `aws-${testAccountId()}`, accountId: testAccountId(), regions: ['us-east-1'], region: REGION };
}

describe('aws-identity-center declaration', () => {
  it('is on with aws.identityCenter, scoped to the credentials’ account and the configured region', () => {
    expect(isEnabled(awsIdentityCenter, config)).toBe(true);
    expect(awsIdentityCenter.scopes(config, { defaultAccountId: '111122223333' })).toEqual([
      { id: 'aws-111122223333', accountId: '111122223333', regions: ['us-east-1'], region: REGION },
    ]);
    const plain = awsTestConfig({ regions: ['eu-west-1'] });
    expect(isEnabled(awsIdentityCenter, plain)).toBe(false);
    const defaultRegion = icConfig({ regions: ['eu-west-1', 'us-east-1'], identityCenter: {} });
    expect(awsIdentityCenter.scopes(defaultRegion, { defaultAccountId: '111122223333' })[0]?.region).toBe(
      'eu-west-1',
    );
    // A shard without the credentials' own account does not collect it (the first shard does).
    expect(
      awsIdentityCenter.scopes(config, { defaultAccountId: '111122223333', shardAccounts: ['444455556666'] }),
    ).toEqual([]);
  });
});

describe('aws-identity-center collector (emulator)', () => {
  beforeAll(async () => {
    const sso = new SSOAdminClient({ region: REGION });
    const store = new IdentitystoreClient({ region: REGION });
    const [instance] = (await sso.send(new ListInstancesCommand({}))).Instances ?? [];
    const InstanceArn = instance!.InstanceArn!;
    const IdentityStoreId = instance!.IdentityStoreId!;
    const user = async (UserName: string, email: string) =>
      (
        await store.send(
          new CreateUserCommand({
            IdentityStoreId,
            UserName,
            DisplayName: UserName,
            Name: { GivenName: UserName, FamilyName: 'Example' },
            Emails: [{ Value: email, Primary: true, Type: 'work' }],
          }),
        )
      ).UserId!;
    const alice = await user('alice', 'alice@example.com');
    const bob = await user('bob', 'bob@example.com');
    await user('carol', 'carol@example.com');
    const engineers = (
      await store.send(new CreateGroupCommand({ IdentityStoreId, DisplayName: 'engineers' }))
    ).GroupId!;
    await store.send(
      new CreateGroupMembershipCommand({ IdentityStoreId, GroupId: engineers, MemberId: { UserId: bob } }),
    );
    const admin = (
      await sso.send(
        new CreatePermissionSetCommand({ InstanceArn, Name: 'AdministratorAccess', SessionDuration: 'PT1H' }),
      )
    ).PermissionSet!.PermissionSetArn!;
    const readOnly = (await sso.send(new CreatePermissionSetCommand({ InstanceArn, Name: 'ReadOnly' })))
      .PermissionSet!.PermissionSetArn!;
    await sso.send(
      new AttachManagedPolicyToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn: admin,
        ManagedPolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    const assign = (PermissionSetArn: string, PrincipalType: 'USER' | 'GROUP', PrincipalId: string) =>
      sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn,
          PermissionSetArn,
          PrincipalType,
          PrincipalId,
          TargetType: 'AWS_ACCOUNT',
          TargetId: testAccountId(),
        }),
      );
    await assign(admin, 'USER', alice);
    await assign(readOnly, 'GROUP', engineers);
    // AWS provisions a permission set to the account on assignment; the emulator needs it said.
    for (const PermissionSetArn of [admin, readOnly])
      await sso.send(
        new ProvisionPermissionSetCommand({
          InstanceArn,
          PermissionSetArn,
          TargetType: 'ALL_PROVISIONED_ACCOUNTS',
        }),
      );
    sso.destroy();
    store.destroy();
  });

  it('records users, groups with members, permission sets and every account assignment', async () => {
    const { result, stats } = await collectOnce(collector, scope(), { config });
    expect(result.status ?? 'ok').toBe('ok');
    const { data } = result;
    expect(data.accountId).toBe(testAccountId());
    expect(data.region).toBe(REGION);
    expect(data.instances).toHaveLength(1);
    const [instance] = data.instances;
    expect(instance!.users.map((u) => [u.userName, u.emails])).toEqual([
      ['alice', ['alice@example.com']],
      ['bob', ['bob@example.com']],
      ['carol', ['carol@example.com']],
    ]);
    const bob = instance!.users.find((u) => u.userName === 'bob')!;
    expect(instance!.groups).toEqual([
      { groupId: expect.any(String), displayName: 'engineers', members: [bob.userId] },
    ]);
    const admin = instance!.permissionSets.find((p) => p.name === 'AdministratorAccess')!;
    expect(admin).toMatchObject({
      sessionDuration: 'PT1H',
      managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'],
      accounts: [testAccountId()],
    });
    expect(
      instance!.assignments.map((a) => [a.accountId, a.permissionSetName, a.principalType, a.principalName]),
    ).toEqual([
      [testAccountId(), 'AdministratorAccess', 'USER', 'alice'],
      [testAccountId(), 'ReadOnly', 'GROUP', 'engineers'],
    ]);
    // 1 instance list + users + groups + 1 group's members + permission sets + 3 per set + 1 per (set, account).
    expect(stats.requests).toBe(1 + 1 + 1 + 1 + 1 + 2 * 3 + 2);
  });
});

// The emulator has no user status (UserStatus) and always holds an instance: those cases, and
// the SDK paginators following NextToken across pages, are exercised with aws-sdk-client-mock.
describe('aws-identity-center collector (aws-sdk-client-mock: what the emulator cannot do)', () => {
  // Mocked only while this block runs: the emulator block above uses the real clients.
  const mockSso = () => mockClient(SSOAdminClient);
  const mockStore = () => mockClient(IdentitystoreClient);
  let sso: ReturnType<typeof mockSso>;
  let store: ReturnType<typeof mockStore>;
  beforeEach(() => {
    sso = mockSso();
    store = mockStore();
  });
  afterEach(() => {
    sso.restore();
    store.restore();
  });

  it('records a DISABLED user, follows NextToken across pages, names groups and users in assignments', async () => {
    const InstanceArn = 'arn:aws:sso:::instance/ssoins-1111111111111111';
    sso.on(ListInstancesCommand).resolves({
      Instances: [
        { InstanceArn, IdentityStoreId: 'd-1111111111', OwnerAccountId: '111122223333', Status: 'ACTIVE' },
      ],
    });
    store
      .on(ListUsersCommand, { IdentityStoreId: 'd-1111111111' })
      .resolvesOnce({
        Users: [{ IdentityStoreId: 'd-1111111111', UserId: 'u-1', UserName: 'dora', UserStatus: 'DISABLED' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Users: [
          {
            IdentityStoreId: 'd-1111111111',
            UserId: 'u-2',
            UserName: 'ed',
            UserStatus: 'ENABLED',
            Emails: [{ Value: 'ed@personal.example' }, { Value: 'ed@example.com', Primary: true }],
          },
        ],
      });
    store.on(ListGroupsCommand).resolves({ Groups: [] });
    store.on(ListGroupMembershipsCommand).resolves({ GroupMemberships: [] });
    const ps = `${InstanceArn}/ps-1`;
    sso.on(ListPermissionSetsCommand).resolves({ PermissionSets: [ps] });
    sso.on(DescribePermissionSetCommand).resolves({ PermissionSet: { PermissionSetArn: ps, Name: 'Admin' } });
    sso.on(ListManagedPoliciesInPermissionSetCommand).resolves({ AttachedManagedPolicies: [] });
    sso.on(ListAccountsForProvisionedPermissionSetCommand).resolves({ AccountIds: ['444455556666'] });
    sso.on(ListAccountAssignmentsCommand).resolves({
      AccountAssignments: [
        { AccountId: '444455556666', PermissionSetArn: ps, PrincipalType: 'USER', PrincipalId: 'u-1' },
        { AccountId: '444455556666', PermissionSetArn: ps, PrincipalType: 'USER', PrincipalId: 'u-gone' },
      ],
    });

    const { result } = await collectOnce(collector, scope(), { config });
    const [instance] = result.data.instances;
    expect(instance!.users).toEqual([
      { userId: 'u-1', userName: 'dora', displayName: null, emails: [], status: 'DISABLED' },
      {
        userId: 'u-2',
        userName: 'ed',
        displayName: null,
        emails: ['ed@example.com', 'ed@personal.example'],
        status: 'ENABLED',
      },
    ]);
    expect(store.commandCalls(ListUsersCommand)).toHaveLength(2);
    expect(instance!.assignments.map((a) => [a.principalId, a.principalName])).toEqual([
      ['u-1', 'dora'],
      ['u-gone', null],
    ]);
  });

  it('no instance in the region is an error naming the account, the region and the fix', async () => {
    sso.on(ListInstancesCommand).resolves({ Instances: [] });
    await expect(collectOnce(collector, scope(), { config })).rejects.toThrow(SourceUnavailableError);
    await expect(collectOnce(collector, scope(), { config })).rejects.toThrow(
      /no IAM Identity Center instance in ap-southeast-2: set aws.identityCenter.region/,
    );
  });
});
