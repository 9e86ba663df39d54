/**
 * The deployed verification, in parts when the window is large (docs/scale.md): a Step Functions
 * state machine whose `Plan` is the verify function (functions/verify.ts) given the scheduled
 * event. A window that fits one part (60,000 snapshots) it verifies there and then, as before,
 * and the run ends. A larger one it cuts into parts (ranges of account shards), writes each
 * part's share, the walked chain and the signed plan into the work bucket, and returns the parts;
 * the `Parts` Distributed Map runs functions/verify-part.ts once per part (each writes its
 * signed result next to the plan), then `Merge` (the verify function again, given
 * `{ merge: { plan, results } }`) merges the results into the one signed report, puts the
 * metrics and sends the alert as a single invocation does. A part that still fails after its
 * retries is caught and passed on as a failure: the merge reports it (`part-not-verified`), then
 * the run fails (`PartsNotVerified`: the VerifyRunFailed alarm), never a pass.
 *
 * The work bucket is not the locker: no Object Lock, everything expires after two days, the
 * stack may delete it. Nothing is trusted from it unsigned: the plan and each part's result are
 * signed with the digest-signing key, the shares and the chain are named in the signed plan by
 * SHA-256 (shared/verify/distributed.ts; docs/threat-model.md).
 *
 * Step Functions cannot run locally: test/infra/verify-run.test.ts checks the definition's shape
 * and test/functions/verify.test.ts feeds the handlers what its states pass.
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { skipCheckov } from '../checkov.js';
import type { ConfigLayer } from './config-layer.js';
import { EvidenceFunction, type EvidenceLocker, LOG_GROUP_KEY_REASON, SIZING } from './evidence-function.js';
import { acknowledgeMapStateMachine } from './fan-out.js';

/** Parts verified at once. */
export const VERIFY_MAX_CONCURRENCY = 10;
/** Where the run's objects go in the work bucket. */
export const WORK_PREFIX = 'verify/';
/** Work objects expire this many days after they were written. */
export const WORK_EXPIRY_DAYS = 2;
/** Beyond a function's own timeout, before Step Functions gives up on a task. */
const TASK_TIMEOUT_MARGIN = Duration.minutes(1);
/** A run never reaches into the next day's. */
const RUN_TIMEOUT = Duration.hours(6);

export interface VerifyRunProps {
  /** The verify function: plans (and verifies a small window), and merges. */
  readonly verifyFunction: EvidenceFunction;
  readonly configLayer: ConfigLayer;
  readonly locker: EvidenceLocker;
  /** Signs the plan and the parts' results (the digest-signing key). */
  readonly signingKey: kms.IKey;
  /** The variable that names the signing key to a function. */
  readonly signingKeyEnv: string;
  /** Where the work bucket's server access logs go. */
  readonly accessLogs: s3.IBucket;
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
  readonly deadLetterQueue: sqs.IQueue;
}

export class VerifyRun extends Construct {
  readonly workBucket: s3.Bucket;
  readonly partFunction: EvidenceFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly map: sfn.DistributedMap;

  constructor(scope: Construct, id: string, props: VerifyRunProps) {
    super(scope, id);
    const verifyFn = props.verifyFunction;

    // ---- The work bucket: plans, shares, results; not evidence, expires -----------------
    this.workBucket = new s3.Bucket(this, 'Work', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'verify-work/',
      lifecycleRules: [
        {
          id: 'work-expires',
          expiration: Duration.days(WORK_EXPIRY_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const workStore = `s3://${this.workBucket.bucketName}`;
    const grantWork = (fn: EvidenceFunction) => {
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'VerifyWork',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [this.workBucket.arnForObjects(`${WORK_PREFIX}*`)],
        }),
      );
      Validations.of(fn.executionRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.workBucket.node.defaultChild as s3.CfnBucket)}.Arn>/${WORK_PREFIX}*]`,
        reason:
          "A verify run's work objects are named at run time under the work bucket's verify/ prefix; read and write, no delete (they expire).",
      });
      fn.addEnvironment('VERIFY_WORK_STORE', workStore);
    };
    grantWork(verifyFn);

    // ---- Part: one range of account shards ------------------------------------------------
    this.partFunction = new EvidenceFunction(this, 'Part', {
      ...SIZING.verify,
      handlerFile: 'verify-part.ts',
      serviceName: 'evidence-verify-part',
      description: 'Evidence Locker: verifies one part (a range of account shards) of a large window',
      logRetention: props.logRetention,
      metricsNamespace: props.metricsNamespace,
      deadLetterQueue: props.deadLetterQueue,
      environment: { [props.signingKeyEnv]: props.signingKey.keyId },
    });
    props.configLayer.bind(this.partFunction);
    this.partFunction.bindLocker(props.locker, 'read');
    props.signingKey.grant(this.partFunction, 'kms:GetPublicKey', 'kms:Sign');
    grantWork(this.partFunction);

    // ---- The state machine -------------------------------------------------------------
    const plan = new tasks.LambdaInvoke(this, 'Plan the verification', {
      lambdaFunction: verifyFn,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(SIZING.verify.timeout.plus(TASK_TIMEOUT_MARGIN)),
      comment:
        'A small window: verified here (report, metrics, alerts). A large one: listed once, cut into parts',
    });
    const part = new tasks.LambdaInvoke(this, 'Verify one part', {
      lambdaFunction: this.partFunction,
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(SIZING.verify.timeout.plus(TASK_TIMEOUT_MARGIN)),
      comment: "The part's account shards, their leaves only; its result written and signed",
    });
    // LambdaInvoke already retries Lambda's own service errors; then any error twice more.
    part.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(30),
      maxAttempts: 2,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    part.addCatch(
      new sfn.Pass(this, 'Part failed', {
        comment: 'Passed on to the merge, which reports the part as not verified',
        parameters: { 'part.$': '$.part', 'failure.$': '$.failure' },
      }),
      { errors: [sfn.Errors.ALL], resultPath: '$.failure' },
    );
    this.map = new sfn.DistributedMap(this, 'Parts', {
      comment: 'One child execution per part; a failed part is passed on as a failure, the others go on',
      itemsPath: sfn.JsonPath.stringAt('$.parts'),
      itemSelector: {
        plan: sfn.JsonPath.stringAt('$.plan'),
        part: sfn.JsonPath.numberAt('$$.Map.Item.Value.part'),
      },
      maxConcurrency: VERIFY_MAX_CONCURRENCY,
      // Failures are caught per part and judged by the merge: the map itself never gives up early.
      toleratedFailurePercentage: 100,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      label: 'Parts',
      resultPath: '$.results',
    });
    this.map.itemProcessor(part);
    const merge = new tasks.LambdaInvoke(this, 'Merge the parts', {
      lambdaFunction: verifyFn,
      payload: sfn.TaskInput.fromObject({
        merge: { plan: sfn.JsonPath.stringAt('$.plan'), results: sfn.JsonPath.listAt('$.results') },
      }),
      payloadResponseOnly: true,
      resultPath: '$.merged',
      taskTimeout: sfn.Timeout.duration(SIZING.verify.timeout.plus(TASK_TIMEOUT_MARGIN)),
      comment: "The parts' signed results merged: one signed report, the metrics, the alert",
    });
    const verified = new sfn.Choice(this, 'Every part verified?')
      .when(
        sfn.Condition.isPresent('$.merged.notVerified[0]'),
        new sfn.Fail(this, 'Parts not verified', {
          comment: 'The report names each part not verified (part-not-verified); the run fails',
          error: 'PartsNotVerified',
          cause: 'a part of the verification has no trustworthy result: see the report (part-not-verified)',
        }),
      )
      .otherwise(new sfn.Succeed(this, 'Verified in parts'));
    const inParts = new sfn.Choice(this, 'In parts?')
      .when(sfn.Condition.isPresent('$.parts[0]'), this.map.next(merge).next(verified))
      .otherwise(new sfn.Succeed(this, 'Verified in one invocation'));

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-verify`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    skipCheckov(logGroup, 'CKV_AWS_158', LOG_GROUP_KEY_REASON);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: `${Stack.of(this).stackName}-verify`,
      comment: 'Evidence Locker: the daily verification, in parts when the window is large',
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(inParts)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: RUN_TIMEOUT,
      tracingEnabled: true,
      // Inputs and outputs are work keys, part numbers and counts: no evidence, no secret.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledgeMapStateMachine(this.stateMachine, [verifyFn, this.partFunction], 'the verify functions');
  }

  /**
   * Executions that failed (a failed plan or merge, or parts not verified): one metric, so the
   * alarm is one alarm metric. A run that times out (6 hours) has put no figures: VerifierSilent.
   */
  metricRunsFailed(period = Duration.hours(1)): cloudwatch.IMetric {
    return this.stateMachine.metricFailed({ period, statistic: 'Sum' });
  }
}

/** The verify function's /tmp: the window's listing spilled (about 110 bytes a snapshot: 360 MB at 3.2 million). */
export const VERIFY_EPHEMERAL_STORAGE = Size.gibibytes(1);
