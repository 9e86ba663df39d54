/**
 * A KMS key that no single administrator can take away from the evidence: its key policy
 * denies disabling it and scheduling its deletion to every principal (root included), and
 * denies changing the key policy itself to anyone but CloudFormation deploying this stack
 * (the CDK execution role), so the denies cannot be removed by one API call either. The key
 * is retained when the stack goes. `watchedActions` lists the KMS calls on it that must raise
 * an alert (the stack routes them from CloudTrail through EventBridge to the alert topic).
 */
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The calls that would make the key unusable, denied to everyone by the key policy. */
const KEY_DESTRUCTION_ACTIONS = ['kms:DisableKey', 'kms:ScheduleKeyDeletion'] as const;

/** The CloudTrail event names that raise an alert when called on a protected key (denied or not). */
export const WATCHED_KEY_EVENTS = [
  'DisableKey',
  'ScheduleKeyDeletion',
  'PutKeyPolicy',
  'DisableKeyRotation',
] as const;

/** The CDK bootstrap's CloudFormation execution role: the only principal that may change the policy. */
export function deploymentRoleArn(): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-*-cfn-exec-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

export interface ProtectedKeyProps {
  readonly description: string;
  readonly alias?: string;
  /** Default SYMMETRIC_DEFAULT. */
  readonly keySpec?: kms.KeySpec;
  /** Default ENCRYPT_DECRYPT. */
  readonly keyUsage?: kms.KeyUsage;
}

export class ProtectedKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ProtectedKeyProps) {
    super(scope, id);
    const symmetric = (props.keySpec ?? kms.KeySpec.SYMMETRIC_DEFAULT) === kms.KeySpec.SYMMETRIC_DEFAULT;
    this.key = new kms.Key(this, 'Key', {
      description: props.description,
      ...(props.alias !== undefined && { alias: props.alias }),
      ...(props.keySpec !== undefined && { keySpec: props.keySpec }),
      ...(props.keyUsage !== undefined && { keyUsage: props.keyUsage }),
      // Automatic rotation exists only for symmetric keys.
      enableKeyRotation: symmetric,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const everyone = [new iam.AnyPrincipal()];
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDisablingOrDeletingTheKey',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: [...KEY_DESTRUCTION_ACTIONS],
        resources: ['*'],
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyKeyPolicyChangesOutsideDeployments',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: ['kms:PutKeyPolicy'],
        resources: ['*'],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': deploymentRoleArn() } },
      }),
    );
  }
}
