/**
 * The stack for member accounts: the read-only role the evidence account's AWS collectors
 * assume (`aws.roleName`). One template for every member account: the evidence account, its
 * region and the optional external id are parameters. It has no assets and is synthesized
 * without the CDK bootstrap version parameter and rule, so it deploys into an account that
 * was never bootstrapped (`cdk deploy` with the member's credentials) and as a
 * service-managed StackSet (the evidence stack creates one when `aws.memberStackSet` names
 * OUs: see memberStackSet below).
 *
 * The role trusts exactly the collector roles of the evidence stack, by ARN: nobody who can
 * create a role in the evidence account gets in by choosing a name, and a collector role
 * that is deleted and re-created is not trusted until this stack is updated (IAM binds a
 * role principal to the role's unique id).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  App,
  Aws,
  CfnCondition,
  CfnParameter,
  CfnStackSet,
  Fn,
  LegacyStackSynthesizer,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config.js';

/**
 * The fixed name of an AWS collector's role in the evidence account, per region of the evidence
 * stack: `<deploy.prefix>-collect-<collector>-<region>` (the evidence stack names them; member
 * roles trust them), so that two lockers with different prefixes live in one organization.
 */
export function collectorRoleName(prefix: string, collectorId: string, region: string): string {
  return `${prefix}-collect-${collectorId}-${region}`;
}

export interface MemberAccountStackProps extends StackProps {
  /** The role name the collectors assume (config `aws.roleName`). */
  readonly roleName: string;
  /** `deploy.prefix`: the collector role names start with it. */
  readonly prefix: string;
  /** Every IAM read action of the AWS collectors (infra/config.ts). */
  readonly readActions: readonly string[];
  /**
   * The ids whose roles (`collectorRoleName`) the member role trusts, exactly: the AWS
   * collectors, or with `aws.organization` the fan-out's shard (infra/constructs/fan-out.ts).
   */
  readonly collectorIds: readonly string[];
}

export class MemberAccountStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberAccountStackProps) {
    // No bootstrap: no assets, no BootstrapVersion parameter or rule, the CLI's own credentials.
    super(scope, id, { ...props, synthesizer: new LegacyStackSynthesizer() });
    const evidenceAccount = new CfnParameter(this, 'EvidenceAccountId', {
      type: 'String',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account id',
      description: 'The AWS account the evidence stack (and its collector functions) runs in',
    });
    const evidenceRegion = new CfnParameter(this, 'EvidenceRegion', {
      type: 'String',
      allowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
      constraintDescription: 'an AWS region code such as eu-west-1',
      description: 'The region of the evidence stack (its collector role names end with it)',
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

    const principals = props.collectorIds.map(
      (cid) =>
        new iam.ArnPrincipal(
          `arn:${Aws.PARTITION}:iam::${evidenceAccount.valueAsString}:role/${collectorRoleName(props.prefix, cid, evidenceRegion.valueAsString)}`,
        ),
    );
    this.role = new iam.Role(this, 'CollectorRole', {
      roleName: props.roleName,
      description: 'Evidence Locker: read-only role assumed by the evidence account collectors',
      assumedBy: new iam.CompositePrincipal(...principals),
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
    // The external id, when given, is required on top of the exact principals.
    const cfnRole = this.role.node.defaultChild as iam.CfnRole;
    cfnRole.addPropertyOverride(
      'AssumeRolePolicyDocument.Statement.0.Condition',
      Fn.conditionIf(
        hasExternalId.logicalId,
        { StringEquals: { 'sts:ExternalId': externalId.valueAsString } },
        Aws.NO_VALUE,
      ),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `The collectors' read-only actions (${props.readActions.join(', ')}) do not support resource-level permissions.`,
    });
  }
}

/** The member stack's CloudFormation template as JSON, for a StackSet (synthesized on its own). */
export function memberTemplate(
  props: MemberAccountStackProps,
  context: Record<string, unknown> = {},
): Record<string, unknown> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'evidence-member-'));
  try {
    // The same feature flags as the app's own synth.
    const app = new App({ outdir, context });
    const stack = new MemberAccountStack(app, 'Member', props);
    return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The StackSet that rolls the member role out to `aws.memberStackSet.targets` (OUs or the
 * root), service-managed, with automatic deployment to every account that joins them later
 * (and removal from accounts that leave). Created from the management account (callAs SELF)
 * or a delegated administrator (DELEGATED_ADMIN); StackSets never deploy to the management
 * account itself.
 */
export function memberStackSet(
  scope: Construct,
  id: string,
  settings: NonNullable<NonNullable<Config['aws']>['memberStackSet']>,
  template: Record<string, unknown>,
): CfnStackSet {
  const templateBody = JSON.stringify(template);
  return new CfnStackSet(scope, id, {
    stackSetName: `${Stack.of(scope).stackName}-member-role`,
    description: 'Evidence Locker: the read-only role the collectors assume, in every member account',
    permissionModel: 'SERVICE_MANAGED',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    callAs: settings.callAs,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    managedExecution: { Active: true },
    // An account that refuses the role (an SCP, a suspended account) fails its own stack
    // instance, not the evidence stack: every instance may fail without failing the operation.
    // The account then has no member role, and its collection records `error` snapshots
    // (CollectionsFailed); list-stack-instances names the refusals (docs/deploy.md).
    operationPreferences: {
      maxConcurrentPercentage: 100,
      failureTolerancePercentage: 100,
      concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      regionConcurrencyType: 'PARALLEL',
    },
    parameters: [
      { parameterKey: 'EvidenceAccountId', parameterValue: Aws.ACCOUNT_ID },
      { parameterKey: 'EvidenceRegion', parameterValue: Aws.REGION },
    ],
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: [...settings.targets] },
        // IAM is global: one stack instance per account is enough.
        regions: [settings.region ?? Aws.REGION],
      },
    ],
    templateBody,
  });
}
