/**
 * The CDK app's stacks, built from one validated configuration: the evidence stack and,
 * when AWS is configured, the member-account stack (deployed into each account listed in
 * `aws.accounts`). cdk-nag's AWS Solutions pack runs at synth; every acknowledgement
 * carries its reason where it is made.
 */
import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Config, fansOut } from '../shared/config.js';
import { allReadActions, type PlanOptions, planCollectors } from './config.js';
import { SHARD_ROLE_ID } from './constructs/fan-out.js';
import { EvidenceStack } from './evidence-stack.js';
import { MemberAccountStack, memberTemplate } from './member-account-stack.js';

const EVIDENCE_STACK = 'EvidenceLocker';
const MEMBER_STACK = 'EvidenceLockerMember';

export interface BuildOptions extends PlanOptions {
  /** Run cdk-nag (AwsSolutionsChecks) at synth. Default true. */
  nag?: boolean;
  /** Include the verifier. Default true. */
  verify?: boolean;
  /** Default: the account and region of the CLI's credentials (CDK_DEFAULT_ACCOUNT/REGION). */
  env?: Environment;
}

export function buildApp(app: App, config: Config, options: BuildOptions = {}) {
  const collectors = planCollectors(config, options);
  const env = options.env ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  // Organizations is read where the organization is discovered, never in member accounts.
  const readActions = allReadActions(collectors.filter((c) => c.id !== 'organization'));
  const memberProps =
    config.aws && readActions.length > 0
      ? {
          description: 'Evidence Locker: read-only role for the evidence account collectors',
          roleName: config.aws.roleName,
          readActions,
          // With the fan-out only its shard role reaches into member accounts.
          collectorIds: fansOut(config)
            ? [SHARD_ROLE_ID]
            : collectors.filter((c) => c.source === 'aws').map((c) => c.id),
        }
      : undefined;
  const evidence = new EvidenceStack(app, EVIDENCE_STACK, {
    env,
    description: 'Evidence Locker: SOC 2 evidence collection into an Object-Lock S3 locker',
    // Deleting the stack would silence every alarm and schedule: CloudFormation refuses it.
    terminationProtection: true,
    config,
    collectors,
    ...(options.verify !== undefined && { verify: options.verify }),
    ...(memberProps &&
      config.aws?.memberStackSet && {
        memberTemplate: memberTemplate(memberProps, app.node.getAllContext()),
      }),
  });
  const member = memberProps ? new MemberAccountStack(app, MEMBER_STACK, memberProps) : undefined;
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { evidence, member };
}
