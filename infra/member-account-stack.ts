/**
 * The stack for member accounts: the read-only role the evidence account's AWS collectors
 * assume (`aws.roleName`, or an entry's own `roleName`). One template for every member
 * account: the evidence account id and the optional external id are parameters, so it can
 * be deployed with `cdk deploy` per account or with CloudFormation StackSets across an
 * organisation.
 */
import { Aws, CfnCondition, CfnParameter, Fn, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { COLLECTOR_ROLE_PREFIX } from './evidence-stack.js';

export interface MemberAccountStackProps extends StackProps {
  /** The role name the collectors assume (config `aws.roleName`). */
  readonly roleName: string;
  /** Every IAM read action of the AWS collectors (infra/config.ts). */
  readonly readActions: readonly string[];
}

export class MemberAccountStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberAccountStackProps) {
    super(scope, id, props);
    const evidenceAccount = new CfnParameter(this, 'EvidenceAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account id',
      description: 'The AWS account the evidence stack (and its collector functions) runs in',
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[\\w+=,.@:/-]{2,1224}$',
      description: 'Optional: the external id the collectors must present (aws.accounts[].externalId)',
    });
    const hasExternalId = new CfnCondition(this, 'HasExternalId', {
      expression: Fn.conditionNot(Fn.conditionEquals(externalId.valueAsString, '')),
    });

    this.role = new iam.Role(this, 'CollectorRole', {
      roleName: props.roleName,
      description: 'Evidence Locker: read-only role assumed by the evidence account collectors',
      assumedBy: new iam.AccountPrincipal(evidenceAccount.valueAsString).withConditions({
        ArnLike: {
          'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${evidenceAccount.valueAsString}:role/${COLLECTOR_ROLE_PREFIX}*`,
        },
      }),
      inlinePolicies: {
        EvidenceRead: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ReadSources',
              actions: [...props.readActions],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    // The external id, when given, is required on top of the principal condition.
    const cfnRole = this.role.node.defaultChild as iam.CfnRole;
    cfnRole.addPropertyOverride(
      'AssumeRolePolicyDocument.Statement.0.Condition.StringEquals',
      Fn.conditionIf(hasExternalId.logicalId, { 'sts:ExternalId': externalId.valueAsString }, Aws.NO_VALUE),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `The collectors' read-only actions (${props.readActions.join(', ')}) do not support resource-level permissions.`,
    });
  }
}
