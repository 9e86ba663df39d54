/**
 * AWS IAM Identity Center (CC6.1, CC6.2, CC6.3), one scope: the account of the collecting
 * credentials (the organization's management account, or the Identity Center delegated
 * administrator), where the instance lives. What the collector declares and the data its
 * snapshots hold (its code: collector.ts).
 */
import * as z from 'zod';
import type { AwsAccountScope } from '../../aws/accounts.js';
import { AWS_REGIONS } from '../../aws/regions.js';
import { SourceUnavailableError } from '../../errors.js';
import type { Collector, CollectorSettings } from '../types.js';

export const IdentityCenterSettingsSchema = z
  .object({
    region: z
      .string()
      .refine((r) => (AWS_REGIONS as readonly string[]).includes(r), {
        message: 'expected the AWS region of the IAM Identity Center instance, e.g. "us-east-1"',
      })
      .optional(),
  })
  .strict();

export type IdentityCenterSettings = z.infer<typeof IdentityCenterSettingsSchema>;

export const identityCenterSettings: CollectorSettings<IdentityCenterSettings> = {
  key: 'identityCenter',
  schema: IdentityCenterSettingsSchema,
  keys: [
    {
      key: 'region',
      default: 'the first of `aws.regions`',
      meaning: 'the region of the IAM Identity Center instance',
    },
  ],
};

export interface IdentityCenterScope extends AwsAccountScope {
  /** The region of the Identity Center instance. */
  readonly region: string;
}

export interface IdentityCenterUser {
  userId: string;
  userName: string | null;
  displayName: string | null;
  /** Every e-mail address, the primary one first. */
  emails: string[];
  /** ENABLED or DISABLED; null when the identity store does not report it (judged as able to sign in). */
  status: string | null;
}

export interface IdentityCenterGroup {
  groupId: string;
  displayName: string | null;
  /** User ids of the group's members. */
  members: string[];
}

export interface IdentityCenterPermissionSet {
  arn: string;
  name: string | null;
  description: string | null;
  /** ISO 8601 duration, e.g. PT8H. */
  sessionDuration: string | null;
  /** ARNs of the AWS managed policies attached. */
  managedPolicies: string[];
  /** Accounts the permission set is provisioned to. */
  accounts: string[];
}

export interface IdentityCenterAssignment {
  accountId: string;
  permissionSetArn: string;
  permissionSetName: string | null;
  principalType: string;
  principalId: string;
  /** The user's user name or the group's display name; null when the principal is not in the identity store. */
  principalName: string | null;
}

export interface IdentityCenterInstance {
  instanceArn: string;
  identityStoreId: string;
  ownerAccountId: string | null;
  name: string | null;
  status: string | null;
  users: IdentityCenterUser[];
  groups: IdentityCenterGroup[];
  permissionSets: IdentityCenterPermissionSet[];
  /** Every account assignment: who (a user, or a group) has which permission set in which account. */
  assignments: IdentityCenterAssignment[];
}

export interface IdentityCenterData {
  accountId: string;
  region: string;
  instances: IdentityCenterInstance[];
}

export const awsIdentityCenter: Collector<IdentityCenterScope, IdentityCenterData, IdentityCenterSettings> = {
  id: 'aws-identity-center',
  source: 'aws',
  controls: ['CC6.1', 'CC6.2', 'CC6.3'],
  scopePattern: 'aws-<account>',
  settings: identityCenterSettings,
  collectingAccountOnly: true,
  /** The IAM actions the collector calls (docs/aws-collectors.md; the CDK role grants exactly these). */
  permissions: [
    'sso:ListInstances',
    'sso:ListPermissionSets',
    'sso:DescribePermissionSet',
    'sso:ListManagedPoliciesInPermissionSet',
    'sso:ListAccountsForProvisionedPermissionSet',
    'sso:ListAccountAssignments',
    'identitystore:ListUsers',
    'identitystore:ListGroups',
    'identitystore:ListGroupMemberships',
  ],
  description:
    'IAM Identity Center users with status, groups and their members, permission sets, and every account assignment (who has which permission set in which account)',
  /**
   * The account of the collecting credentials, where the instance lives; in a sharded run,
   * only the shard that holds that account collects it.
   */
  scopes(config, env) {
    const aws = config.aws;
    const settings = (aws as { identityCenter?: IdentityCenterSettings } | undefined)?.identityCenter;
    if (!aws || !settings) return [];
    const own = env.defaultAccountId;
    if (own === undefined)
      throw new SourceUnavailableError(
        'the AWS account of the credentials in use is unknown (STS GetCallerIdentity did not answer); set AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)',
      );
    if (env.shardAccounts && !env.shardAccounts.includes(own)) return [];
    const region = settings.region ?? aws.regions[0]!;
    return [{ id: `aws-${own}`, accountId: own, regions: aws.regions, region }];
  },
};

export default awsIdentityCenter;
