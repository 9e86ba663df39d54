/**
 * The opt-in organization guard rails of a deployed locker: a resource control policy (RCP) and
 * a service control policy (SCP) that deny, to every principal but the stack's one deployment
 * role, what would take the evidence away: changing or deleting the locker bucket's policy, lock,
 * versioning or lifecycle, deleting or unlocking evidence, disabling, deleting or re-policing the
 * signing key (and the locker key), and changing the stack's IAM roles (the collectors', seal's,
 * verify's). The bucket and key policies already deny most of this, but an account administrator
 * can rewrite a resource policy with the deployment role's help or delete a role's permissions;
 * an organization policy is out of the account's reach. Attached in the management account
 * (docs/deploy.md, "Organization guard rails"); generated from the deployed stack's real names by
 * `evidence policies`.
 *
 * RCPs cover S3 and KMS (not IAM): the RCP guards the bucket and keys against every principal,
 * the organization's and outsiders'; the SCP guards the roles, and repeats the bucket and key
 * denies for the organization's principals where RCPs are not enabled.
 */

/** What only the deployment role may do to the locker bucket (its policy, lock, lifecycle, existence). */
export const BUCKET_GUARDED_ACTIONS = [
  's3:PutBucketObjectLockConfiguration',
  's3:DeleteBucket',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
] as const;

/** What nobody may do to an object of the locker (retention bypass, deletion of any version). */
export const OBJECT_DENIED_ACTIONS = [
  's3:BypassGovernanceRetention',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
] as const;

/** What only the deployment role may do to a protected key. */
export const KEY_GUARDED_ACTIONS = [
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
] as const;

/** IAM calls that change what a role may do, who may assume it, or whether it exists. */
export const ROLE_GUARDED_ACTIONS = [
  'iam:AttachRolePolicy',
  'iam:DeleteRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
] as const;

/** AWS Organizations' limit on an SCP's or RCP's size, whitespace included. */
export const MAX_POLICY_CHARACTERS = 5120;

/** The deployed stack's names the policies are made of (`evidence policies` reads them from its outputs). */
export interface GuardedStack {
  /** e.g. "aws" (or "aws-cn", "aws-us-gov"). */
  partition: string;
  account: string;
  /** The stack name: CloudFormation names every role of the stack `<stack>-...` (collectors: `<prefix>-collect-...`). */
  stackName: string;
  bucket: string;
  signingKeyArn: string;
  lockerKeyArn?: string;
  /** The exact role CloudFormation deploys the stack as: the only exemption. */
  deploymentRoleArn: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Deny';
  Principal?: '*';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface OrganizationPolicies {
  rcp: PolicyDocument;
  scp: PolicyDocument;
}

/** The RCP and SCP that guard `stack`. Throws when either would exceed Organizations' size limit. */
export function organizationPolicies(stack: GuardedStack): OrganizationPolicies {
  const bucketArn = `arn:${stack.partition}:s3:::${stack.bucket}`;
  const keys = [stack.signingKeyArn, ...(stack.lockerKeyArn ? [stack.lockerKeyArn] : [])];
  const exceptDeployment = { ArnNotEquals: { 'aws:PrincipalArn': stack.deploymentRoleArn } };
  const storage = (principal: boolean): PolicyStatement[] => {
    const p = principal ? { Principal: '*' as const } : {};
    return [
      {
        Sid: 'ProtectLockerBucket',
        Effect: 'Deny',
        ...p,
        Action: [...BUCKET_GUARDED_ACTIONS].sort(),
        Resource: [bucketArn],
        Condition: exceptDeployment,
      },
      {
        Sid: 'ProtectEvidence',
        Effect: 'Deny',
        ...p,
        Action: [...OBJECT_DENIED_ACTIONS],
        Resource: [`${bucketArn}/*`],
      },
      {
        Sid: 'RetentionOnlyCompliance',
        Effect: 'Deny',
        ...p,
        Action: ['s3:PutObjectRetention'],
        Resource: [`${bucketArn}/*`],
        Condition: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
      },
      {
        Sid: 'ProtectKeys',
        Effect: 'Deny',
        ...p,
        Action: [...KEY_GUARDED_ACTIONS],
        Resource: keys,
        Condition: exceptDeployment,
      },
    ];
  };
  const rcp: PolicyDocument = { Version: '2012-10-17', Statement: storage(true) };
  const scp: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      ...storage(false),
      {
        Sid: 'ProtectStackRoles',
        Effect: 'Deny',
        Action: [...ROLE_GUARDED_ACTIONS],
        Resource: [`arn:${stack.partition}:iam::${stack.account}:role/${stack.stackName}-*`],
        Condition: exceptDeployment,
      },
    ],
  };
  for (const [name, doc] of [
    ['resource control policy', rcp],
    ['service control policy', scp],
  ] as const) {
    const size = policyText(doc).length;
    if (size > MAX_POLICY_CHARACTERS)
      throw new RangeError(
        `the ${name} is ${size} characters, over AWS Organizations' ${MAX_POLICY_CHARACTERS}: shorten deploy.prefix or locker.bucketName`,
      );
  }
  return { rcp, scp };
}

/** The policy as Organizations takes it: compact JSON (every character counts against the limit). */
export function policyText(doc: PolicyDocument): string {
  return JSON.stringify(doc);
}
