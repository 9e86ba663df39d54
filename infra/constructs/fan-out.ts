/**
 * The AWS collection of an organization or of many listed accounts, fanned out
 * (docs/scale.md): a Step Functions state machine whose `Plan` (functions/plan.ts) finds the
 * day's accounts (with `aws.organization`: discovers them and writes the `organization`
 * snapshot; else the listed `aws.accounts`) and cuts them into shards, and whose `Shards` Distributed
 * Map runs functions/shard.ts once per shard, at most `aws.fanOut.maxConcurrency` at once,
 * each with its own timeout and retries. A shard that still fails records an `error` snapshot
 * for each of its scopes (the shard function again, in its failure mode: SnapshotsFailed, the
 * CollectionsFailed alarm) and then fails its child execution; the other shards go on. Only
 * when more than `aws.fanOut.toleratedFailurePercentage` (default 50) of the shards fail — a
 * systemic cause — does the map run, and so the execution, fail (`metricRunsFailed()`: the
 * CollectionRunFailed alarm); a redrive of it then reruns only the shards that did not succeed.
 * Scope-level failures are not shard failures: they are `error` snapshots too.
 *
 * Step Functions cannot run locally: test/infra/fan-out.test.ts checks the definition's
 * shape and feeds the handlers exactly what its ItemSelector builds, against the emulator.
 */
import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config.js';
import { skipCheckov } from '../checkov.js';
import type { PlannedCollector } from '../config.js';
import { collectorRoleName } from '../member-account-stack.js';
import type { ConfigLayer } from './config-layer.js';
import { EvidenceFunction, type EvidenceLocker, LOG_GROUP_KEY_REASON } from './evidence-function.js';
import type { MemberRoleAccess } from './member-roles.js';

/**
 * The shard function's role is named like a collector role (`collectorRoleName(SHARD_ROLE_ID)`):
 * with `aws.organization` it is the one role the member accounts trust.
 */
export const SHARD_ROLE_ID = 'shard';

/** Shards in flight at once unless `aws.fanOut.maxConcurrency` says otherwise. */
export const DEFAULT_MAX_CONCURRENCY = 10;

/** Failed shards (in percent) the map run tolerates unless `aws.fanOut.toleratedFailurePercentage` says otherwise. */
export const DEFAULT_TOLERATED_FAILURE_PERCENTAGE = 50;

/** The plan discovers (at most 180 s, shared/aws/organization.ts) and writes one snapshot. */
const PLAN_SIZING = { timeout: Duration.minutes(5), memorySize: 512 } as const;
/** A shard gets Lambda's whole 15 minutes; 10 shards of 5 accounts held 466 MiB in one process. */
const SHARD_SIZING = { timeout: Duration.minutes(15), memorySize: 1024 } as const;
/** Beyond the shard's own timeout, before Step Functions gives up on an item. */
const ITEM_TIMEOUT_MARGIN = Duration.minutes(1);
/** A run never reaches into the next day's. */
const RUN_TIMEOUT = Duration.hours(23);

export interface AwsFanOutProps {
  readonly config: Config;
  /** The AWS collectors (with `aws.organization` the organization collector among them): their read actions. */
  readonly collectors: readonly PlannedCollector[];
  readonly configLayer: ConfigLayer;
  readonly locker: EvidenceLocker;
  readonly memberAccess: MemberRoleAccess;
  /** Powertools service name: the collector metrics' dimension (the CollectionsFailed alarm). */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
  readonly deadLetterQueue: sqs.IQueue;
}

export class AwsFanOut extends Construct {
  readonly planFunction: EvidenceFunction;
  readonly shardFunction: EvidenceFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly map: sfn.DistributedMap;

  constructor(scope: Construct, id: string, props: AwsFanOutProps) {
    super(scope, id);
    const { config } = props;
    const common = {
      logRetention: props.logRetention,
      metricsNamespace: props.metricsNamespace,
      serviceName: props.serviceName,
      deadLetterQueue: props.deadLetterQueue,
    };
    const organization = props.collectors.find((c) => c.id === 'organization');
    const others = props.collectors.filter((c) => c.source === 'aws' && c.id !== 'organization');
    if (config.aws?.organization && !organization)
      throw new Error('the fan-out of aws.organization needs the organization collector');

    // ---- Plan: discovery and the organization snapshot, in the evidence account only --------
    this.planFunction = new EvidenceFunction(this, 'Plan', {
      ...common,
      ...PLAN_SIZING,
      handlerFile: 'plan.ts',
      description:
        'Evidence Locker: finds the AWS accounts of the day (an organization: its snapshot), cuts shards',
    });
    props.configLayer.bind(this.planFunction);
    this.planFunction.bindLocker(props.locker, 'collect');
    if (organization) this.grantRead(this.planFunction, organization);

    // ---- Shard: the AWS collectors over a few accounts, through their member roles -----------
    this.shardFunction = new EvidenceFunction(this, 'Shard', {
      ...common,
      ...SHARD_SIZING,
      handlerFile: 'shard.ts',
      description: "Evidence Locker: collects the AWS collectors over one shard's accounts",
      roleName: collectorRoleName(config.deploy.prefix, SHARD_ROLE_ID, Aws.REGION),
    });
    props.configLayer.bind(this.shardFunction);
    this.shardFunction.bindLocker(props.locker, 'collect');
    const readActions = [...new Set(others.flatMap((c) => c.readActions))].sort();
    this.grantRead(this.shardFunction, { id: 'shard', readActions });
    props.memberAccess.grant(this.shardFunction.executionRole);

    // ---- The state machine ---------------------------------------------------------------
    const plan = new tasks.LambdaInvoke(this, 'Plan the run', {
      lambdaFunction: this.planFunction,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(PLAN_SIZING.timeout.plus(ITEM_TIMEOUT_MARGIN)),
      comment: 'Discover the accounts, write the organization snapshot, cut the shards',
    });
    plan.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.minutes(1),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const collect = new tasks.LambdaInvoke(this, 'Collect one shard', {
      lambdaFunction: this.shardFunction,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(SHARD_SIZING.timeout.plus(ITEM_TIMEOUT_MARGIN)),
      comment: "Every AWS collector over the shard's accounts, by the shard's deadline",
    });
    // LambdaInvoke already retries Lambda's own service errors (2 s, 6 attempts); then any error twice more.
    collect.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // A shard that failed after its retries: its scopes get `error` snapshots (the same function,
    // given the failure), then its child execution fails (the map counts it; a redrive reruns it).
    const recordFailure = new tasks.LambdaInvoke(this, 'Record the failed shard', {
      lambdaFunction: this.shardFunction,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(SHARD_SIZING.timeout.plus(ITEM_TIMEOUT_MARGIN)),
      comment: "An error snapshot for each of the shard's scopes, naming the failure",
      // The Fail state after it reads $.failure from the item's input, kept as it was.
      resultPath: sfn.JsonPath.DISCARD,
    });
    recordFailure.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    collect.addCatch(
      recordFailure.next(
        new sfn.Fail(this, 'Shard failed', {
          comment: 'Recorded as error snapshots; fails the child execution so that the map counts it',
          errorPath: sfn.JsonPath.stringAt('$.failure.Error'),
          causePath: sfn.JsonPath.stringAt('$.failure.Cause'),
        }),
      ),
      { errors: [sfn.Errors.ALL], resultPath: '$.failure' },
    );
    this.map = new sfn.DistributedMap(this, 'Shards', {
      comment:
        'One child execution per shard; a failed shard records error snapshots and the others go on, unless too many fail',
      itemsPath: sfn.JsonPath.stringAt('$.shards'),
      // Each item: the shard (account ids only) and what every shard shares from the plan.
      itemSelector: {
        shard: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
        runId: sfn.JsonPath.stringAt('$.runId'),
        defaultAccountId: sfn.JsonPath.stringAt('$.defaultAccountId'),
        scheduledFor: sfn.JsonPath.stringAt('$.scheduledFor'),
      },
      maxConcurrency: config.aws?.fanOut?.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      toleratedFailurePercentage:
        config.aws?.fanOut?.toleratedFailurePercentage ?? DEFAULT_TOLERATED_FAILURE_PERCENTAGE,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'Shards',
      // The shards' counts stay in their own execution histories: the run's output stays the plan's.
      resultPath: sfn.JsonPath.DISCARD,
    });
    this.map.itemProcessor(collect);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // The vended-logs prefix keeps CloudWatch Logs' resource policy small (AWS's advice).
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-collect-aws`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    skipCheckov(logGroup, 'CKV_AWS_158', LOG_GROUP_KEY_REASON);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${Stack.of(this).stackName}-collect-aws`,
      comment: 'Evidence Locker: the daily AWS collection, plan then shards of accounts',
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(this.map)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: RUN_TIMEOUT,
      tracingEnabled: true,
      // Inputs and outputs are account ids, run ids and counts: no evidence, no secret.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledgeMapStateMachine(
      this.stateMachine,
      [this.planFunction, this.shardFunction],
      'the plan and shard functions',
    );
  }

  /** Executions that failed or timed out (a failed plan, or a shard that failed after its retries). */
  metricRunsFailed(period = Duration.hours(1)): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      label: 'AWS collection runs failed or timed out',
      expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
        timedOut: this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
      },
      period,
    });
  }

  /** The read actions a collector declares (derived from the registry), on `*`. */
  private grantRead(fn: EvidenceFunction, what: Pick<PlannedCollector, 'id' | 'readActions'>): void {
    fn.executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadSource', actions: [...what.readActions], resources: ['*'] }),
    );
    Validations.of(fn.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `The ${what.id} read-only actions (${what.readActions.join(', ')}) do not support resource-level permissions.`,
    });
  }
}

/**
 * cdk-nag's findings on a state machine whose tasks invoke `functions` and which runs a
 * Distributed Map, each acknowledged by the name cdk-nag gives it: lambda:InvokeFunction on the
 * functions and their versions; the map's own policy (aws-cdk-lib writes it: start this state
 * machine, describe, stop and redrive its own executions, named at run time, so its ARNs are
 * CloudFormation expressions; test/infra/fan-out.test.ts and verify-run.test.ts pin its statements);
 * X-Ray and log deliveries, which have no resource-level permissions.
 */
export function acknowledgeMapStateMachine(
  stateMachine: sfn.StateMachine,
  functions: readonly EvidenceFunction[],
  which: string,
): void {
  const role = stateMachine.role;
  for (const fn of functions) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(stateMachine).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: `lambda:InvokeFunction on ${which} and their versions (LambdaInvoke grants both); nothing else.`,
    });
  }
  const mapPolicy = stateMachine.node.tryFindChild('DistributedMapPolicy') as iam.Policy | undefined;
  const cfnMapPolicy = mapPolicy?.node.defaultChild as iam.CfnPolicy | undefined;
  if (cfnMapPolicy) {
    const document = Stack.of(stateMachine).resolve(cfnMapPolicy.policyDocument) as {
      Statement: { Resource: unknown }[];
    };
    const wildcards = document.Statement.flatMap((st) =>
      Array.isArray(st.Resource) ? st.Resource : [st.Resource],
    )
      .map(flattenCfnReference)
      .filter((r) => r.includes('*'));
    for (const resource of new Set(wildcards)) {
      Validations.of(cfnMapPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          "The state machine's own executions (the Distributed Map's child workflows: describe, stop, redrive), named at run time; nothing else.",
      });
    }
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray trace segments and CloudWatch Logs log deliveries have no resource-level permissions (what tracing and logging of a state machine need).',
  });
}
