/**
 * A KMS key that no single administrator can take away from the evidence: its key policy
 * denies disabling it and scheduling its deletion to every principal (root included), and
 * denies changing the key policy itself to anyone but the one role CloudFormation deploys
 * this stack as (`deploymentRoleArn`: exact, never a name pattern another administrator
 * could match), so the denies cannot be removed by one API call either. The key is retained
 * when the stack goes or replaces it, but not when its first creation is rolled back
 * (RetainExceptOnCreate): a failed first deploy leaves no key behind. A trial locker's key
 * (`locker.trial`) is deletable and deleted with the stack. `WATCHED_KEY_EVENTS` lists the KMS
 * calls on it that must raise an alert (CloudTrail through EventBridge to the alert topic).
 */
import { DefaultStackSynthesizer, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ConfigError } from '../../shared/errors.js';

/** The CloudTrail event names that raise an alert when called on a protected key (denied or not). */
export const WATCHED_KEY_EVENTS = [
  'DisableKey',
  'ScheduleKeyDeletion',
  'PutKeyPolicy',
  'DisableKeyRotation',
] as const;

/**
 * The exact role CloudFormation deploys `scope`'s stack as: `deploy.roleArn` when the
 * configuration names one (`cdk deploy --role-arn`, or the CLI's own role with another
 * synthesizer), else the CDK bootstrap's execution role as the stack's synthesizer names it
 * (its qualifier, `@aws-cdk/core:bootstrapQualifier`, included). Throws ConfigError when
 * neither is known: a pattern would let any administrator who creates a matching role in.
 */
export function deploymentRoleArn(scope: Construct, roleArn: string | undefined): string {
  if (roleArn !== undefined) return roleArn;
  const synthesizer = Stack.of(scope).synthesizer;
  if (synthesizer instanceof DefaultStackSynthesizer)
    return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
  throw new ConfigError(
    `the stack is synthesized with ${synthesizer.constructor.name}, which names no CloudFormation execution role: set deploy.roleArn to the role CloudFormation deploys as (the one passed to cdk deploy --role-arn, or your own), the only principal allowed to change the key and bucket policies`,
  );
}

export interface ProtectedKeyProps {
  readonly description: string;
  /** The role that deploys the stack (`deploymentRoleArn`): the only one that may change the policy. */
  readonly deploymentRole: string;
  /** A trial locker's key: deletable, and scheduled for deletion with the stack. */
  readonly trial?: boolean;
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
      // Retained on delete and replacement, deleted when its own creation rolls back.
      removalPolicy: props.trial ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      ...(props.trial && { pendingWindow: Duration.days(7) }),
    });
    const everyone = [new iam.AnyPrincipal()];
    if (!props.trial) {
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyDisablingTheKey',
          effect: iam.Effect.DENY,
          principals: everyone,
          actions: ['kms:DisableKey'],
          resources: ['*'],
        }),
      );
      // The deployment role may schedule the deletion so that a failed first create rolls back
      // (RetainExceptOnCreate: CloudFormation deletes a key it has just created); it could
      // rewrite this policy anyway, and the stack never deletes the key otherwise (retained).
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyDeletingTheKeyOutsideDeployments',
          effect: iam.Effect.DENY,
          principals: everyone,
          actions: ['kms:ScheduleKeyDeletion'],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.deploymentRole } },
        }),
      );
    }
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyKeyPolicyChangesOutsideDeployments',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: ['kms:PutKeyPolicy'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.deploymentRole } },
      }),
    );
  }
}
