/**
 * AWS IAM Identity Center (CC6.1, CC6.2, CC6.3): for each instance in the scope's account and
 * region (ListInstances), every user of its identity store with status and e-mails, every
 * group with its members, every permission set with its AWS managed policies and the
 * accounts it is provisioned to, and every account assignment: for each permission set, each
 * account it is provisioned to, ListAccountAssignments (who, a user or a group, has it there).
 *
 * Requests: users / 100 + groups / 100 + one per group (memberships, 100 a page) + one per
 * permission set (DescribePermissionSet, ListManagedPoliciesInPermissionSet,
 * ListAccountsForProvisionedPermissionSet) + one per provisioned (permission set, account)
 * pair; never one per user. Every list goes through the SDK's paginator, bounded.
 *
 * No instance in the region is an error (the configuration names the wrong region or
 * account), never an empty snapshot.
 */
import {
  IdentitystoreClient,
  paginateListGroupMemberships,
  paginateListGroups,
  paginateListUsers,
  type User,
} from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  paginateListAccountAssignments,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { awsCall, awsClient } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import { SourceUnavailableError } from '../../errors.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import {
  awsIdentityCenter as declaration,
  type IdentityCenterAssignment,
  type IdentityCenterData,
  type IdentityCenterGroup,
  type IdentityCenterInstance,
  type IdentityCenterPermissionSet,
  type IdentityCenterScope,
  type IdentityCenterSettings,
  type IdentityCenterUser,
} from './declaration.js';

export type { IdentityCenterData } from './declaration.js';

/** Pages of one list at most: past this the collection stops with an error, never loops. */
const MAX_PAGES = 5_000;

async function* bounded<T>(pages: AsyncIterable<T>, what: string): AsyncGenerator<T> {
  let n = 0;
  for await (const page of pages) {
    if (++n > MAX_PAGES)
      throw new SourceUnavailableError(
        `${what} returned more than ${MAX_PAGES} pages; refusing to page further`,
      );
    yield page;
  }
}

export const identityCenterCollector: RunnableCollector<
  IdentityCenterScope,
  IdentityCenterData,
  IdentityCenterSettings
> = {
  ...declaration,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const counter = { requests: 0 };
    const sso = awsClient(SSOAdminClient, scope, scope.region, counter);
    const store = awsClient(IdentitystoreClient, scope, scope.region, counter);
    try {
      const instances: IdentityCenterInstance[] = [];
      const listed = await awsCall(scope, scope.region, 'sso:ListInstances', async () => {
        const out = [];
        for await (const page of bounded(paginateListInstances({ client: sso }, {}), 'ListInstances')) {
          ctx.stats.pages++;
          out.push(...(page.Instances ?? []));
        }
        return out;
      });
      if (listed.length === 0)
        throw new SourceUnavailableError(
          `aws.identityCenter is set but account ${scope.accountId} has no IAM Identity Center instance in ${scope.region}: set aws.identityCenter.region to the instance's region, and collect from the organization's management account or the Identity Center delegated administrator`,
        );
      for (const instance of listed) {
        if (!instance.InstanceArn || !instance.IdentityStoreId) continue;
        instances.push(
          await collectInstance(sso, store, scope, ctx, {
            instanceArn: instance.InstanceArn,
            identityStoreId: instance.IdentityStoreId,
            ownerAccountId: instance.OwnerAccountId ?? null,
            name: instance.Name ?? null,
            status: instance.Status ?? null,
          }),
        );
      }
      const data: IdentityCenterData = { accountId: scope.accountId, region: scope.region, instances };
      ctx.logger.info('identity center collected', {
        scope: scope.id,
        instances: instances.length,
        users: instances.reduce((n, i) => n + i.users.length, 0),
        assignments: instances.reduce((n, i) => n + i.assignments.length, 0),
        requests: counter.requests,
      });
      return {
        data,
        items: instances.reduce((n, i) => n + i.users.length + i.assignments.length, 0),
      };
    } finally {
      ctx.stats.requests += counter.requests;
      sso.destroy();
      store.destroy();
    }
  },
};

async function collectInstance(
  sso: SSOAdminClient,
  store: IdentitystoreClient,
  scope: IdentityCenterScope,
  ctx: CollectorContext<unknown>,
  instance: Omit<IdentityCenterInstance, 'users' | 'groups' | 'permissionSets' | 'assignments'>,
): Promise<IdentityCenterInstance> {
  const { instanceArn, identityStoreId } = instance;
  const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, scope.region, action, fn);

  const users = await call('identitystore:ListUsers', async () => {
    const out: IdentityCenterUser[] = [];
    for await (const page of bounded(
      paginateListUsers({ client: store }, { IdentityStoreId: identityStoreId }),
      'ListUsers',
    )) {
      ctx.stats.pages++;
      for (const u of page.Users ?? []) out.push(toUser(u));
    }
    return out;
  });

  const groups = await call('identitystore:ListGroups', async () => {
    const out: IdentityCenterGroup[] = [];
    for await (const page of bounded(
      paginateListGroups({ client: store }, { IdentityStoreId: identityStoreId }),
      'ListGroups',
    )) {
      ctx.stats.pages++;
      for (const g of page.Groups ?? [])
        if (g.GroupId) out.push({ groupId: g.GroupId, displayName: g.DisplayName ?? null, members: [] });
    }
    return out;
  });
  for (const group of groups) {
    group.members = await call('identitystore:ListGroupMemberships', async () => {
      const out: string[] = [];
      for await (const page of bounded(
        paginateListGroupMemberships(
          { client: store },
          { IdentityStoreId: identityStoreId, GroupId: group.groupId },
        ),
        `ListGroupMemberships ${group.groupId}`,
      )) {
        ctx.stats.pages++;
        for (const m of page.GroupMemberships ?? []) if (m.MemberId?.UserId) out.push(m.MemberId.UserId);
      }
      return out;
    });
  }

  const arns = await call('sso:ListPermissionSets', async () => {
    const out: string[] = [];
    for await (const page of bounded(
      paginateListPermissionSets({ client: sso }, { InstanceArn: instanceArn }),
      'ListPermissionSets',
    )) {
      ctx.stats.pages++;
      out.push(...(page.PermissionSets ?? []));
    }
    return out;
  });

  const permissionSets: IdentityCenterPermissionSet[] = [];
  for (const arn of arns) {
    const described = await call('sso:DescribePermissionSet', () =>
      sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })),
    );
    const managedPolicies = await call('sso:ListManagedPoliciesInPermissionSet', async () => {
      const out: string[] = [];
      for await (const page of bounded(
        paginateListManagedPoliciesInPermissionSet(
          { client: sso },
          { InstanceArn: instanceArn, PermissionSetArn: arn },
        ),
        `ListManagedPoliciesInPermissionSet ${arn}`,
      )) {
        ctx.stats.pages++;
        for (const p of page.AttachedManagedPolicies ?? []) if (p.Arn) out.push(p.Arn);
      }
      return out;
    });
    const accounts = await call('sso:ListAccountsForProvisionedPermissionSet', async () => {
      const out: string[] = [];
      for await (const page of bounded(
        paginateListAccountsForProvisionedPermissionSet(
          { client: sso },
          { InstanceArn: instanceArn, PermissionSetArn: arn },
        ),
        `ListAccountsForProvisionedPermissionSet ${arn}`,
      )) {
        ctx.stats.pages++;
        out.push(...(page.AccountIds ?? []));
      }
      return out;
    });
    const ps = described.PermissionSet;
    permissionSets.push({
      arn,
      name: ps?.Name ?? null,
      description: ps?.Description ?? null,
      sessionDuration: ps?.SessionDuration ?? null,
      managedPolicies: managedPolicies.sort(),
      accounts: [...new Set(accounts)].sort(),
    });
  }

  const userNames = new Map(users.map((u) => [u.userId, u.userName]));
  const groupNames = new Map(groups.map((g) => [g.groupId, g.displayName]));
  const assignments: IdentityCenterAssignment[] = [];
  for (const ps of permissionSets) {
    for (const accountId of ps.accounts) {
      await call('sso:ListAccountAssignments', async () => {
        for await (const page of bounded(
          paginateListAccountAssignments(
            { client: sso },
            { InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: ps.arn },
          ),
          `ListAccountAssignments ${accountId} ${ps.arn}`,
        )) {
          ctx.stats.pages++;
          for (const a of page.AccountAssignments ?? []) {
            if (!a.PrincipalId || !a.PrincipalType) continue;
            assignments.push({
              accountId: a.AccountId ?? accountId,
              permissionSetArn: ps.arn,
              permissionSetName: ps.name,
              principalType: a.PrincipalType,
              principalId: a.PrincipalId,
              principalName:
                (a.PrincipalType === 'GROUP'
                  ? groupNames.get(a.PrincipalId)
                  : userNames.get(a.PrincipalId)) ?? null,
            });
          }
        }
      });
    }
  }
  assignments.sort(
    (a, b) =>
      a.accountId.localeCompare(b.accountId) ||
      (a.permissionSetName ?? a.permissionSetArn).localeCompare(b.permissionSetName ?? b.permissionSetArn) ||
      a.principalType.localeCompare(b.principalType) ||
      a.principalId.localeCompare(b.principalId),
  );
  return { ...instance, users, groups, permissionSets, assignments };
}

function toUser(u: User): IdentityCenterUser {
  const emails = [...(u.Emails ?? [])]
    .sort((a, b) => Number(Boolean(b.Primary)) - Number(Boolean(a.Primary)))
    .map((e) => e.Value)
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return {
    userId: u.UserId ?? '',
    userName: u.UserName ?? null,
    displayName: u.DisplayName ?? null,
    emails,
    status: u.UserStatus ?? null,
  };
}

export default identityCenterCollector;
