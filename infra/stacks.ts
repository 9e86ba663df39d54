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

/** The stack names: `deploy.prefix` (default EvidenceLocker) and `<prefix>Member`. */
export function stackNames(config: Config): { evidence: string; member: string } {
  return { evidence: config.deploy.prefix, member: `${config.deploy.prefix}Member` };
}

export interface BuildOptions extends PlanOptions {
  /** Run cdk-nag (AwsSolutionsChecks) at synth. Default true. */
  nag?: boolean;
  /** Include the verifier. Default true. */
  verify?: boolean;
  /**
   * Default: `deploy.account`/`deploy.region` of the configuration, else the account and region
   * of the CLI's credentials (CDK_DEFAULT_ACCOUNT/REGION).
   */
  env?: Environment;
  /** Where synth says what it fell back to (default: nowhere). */
  note?: (message: string) => void;
}

/**
 * The evidence stack's environment, explicit: the configuration's `deploy.account`/`deploy.region`,
 * else the CLI's (CDK_DEFAULT_ACCOUNT/REGION, from the credentials and profile in use). When
 * neither names one, the template is environment-agnostic (every ARN takes the account and
 * region of the deployment from CloudFormation's pseudo parameters) and `note` says so.
 */
export function stackEnvironment(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  note: (message: string) => void = () => {},
): Environment {
  const account = config.deploy.account ?? env.CDK_DEFAULT_ACCOUNT;
  const region = config.deploy.region ?? env.CDK_DEFAULT_REGION;
  const missing = [account ? '' : 'account', region ? '' : 'region'].filter(Boolean);
  if (missing.length)
    note(
      `synth: no ${missing.join(' or ')} in deploy.account/deploy.region or the CLI's credentials (CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION): the template is environment-agnostic and takes the ${missing.join(' and ')} it is deployed to`,
    );
  return { ...(account && { account }), ...(region && { region }) };
}

export function buildApp(app: App, config: Config, options: BuildOptions = {}) {
  const collectors = planCollectors(config, options);
  const env = options.env ?? stackEnvironment(config, process.env, options.note);
  const names = stackNames(config);
  // Organizations and Identity Center are read in the collecting account, never in member accounts.
  const readActions = allReadActions(collectors.filter((c) => !c.collectingAccountOnly));
  const memberProps =
    config.aws && readActions.length > 0
      ? {
          description: 'Evidence Locker: read-only role for the evidence account collectors',
          roleName: config.aws.roleName,
          prefix: config.deploy.prefix,
          readActions,
          // With the fan-out only its shard role reaches into member accounts.
          collectorIds: fansOut(config)
            ? [SHARD_ROLE_ID]
            : collectors.filter((c) => c.source === 'aws' && !c.collectingAccountOnly).map((c) => c.id),
        }
      : undefined;
  const evidence = new EvidenceStack(app, names.evidence, {
    env,
    description: 'Evidence Locker: SOC 2 evidence collection into an Object-Lock S3 locker',
    // Deleting the stack would silence every alarm and schedule: CloudFormation refuses it
    // (a trial locker is meant to be thrown away).
    terminationProtection: !config.locker.trial,
    config,
    collectors,
    ...(options.verify !== undefined && { verify: options.verify }),
    ...(memberProps &&
      config.aws?.memberStackSet && {
        memberTemplate: memberTemplate(memberProps, app.node.getAllContext()),
      }),
  });
  const member = memberProps ? new MemberAccountStack(app, names.member, memberProps) : undefined;
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { evidence, member };
}
