/**
 * The evidence stack: the Object-Lock locker bucket, one collector function per configured
 * collector (with `aws.organization` or over 100 listed accounts the AWS collectors instead run in the fan-out state
 * machine, infra/constructs/fan-out.ts), the seal and verify functions, their EventBridge
 * Scheduler schedules with a dead-letter queue, the Okta/GitHub secrets, the digest-signing
 * key, and the alerts (SNS topic, five or six alarms, an optional dashboard).
 *
 * Nothing here can delete evidence before it ends: the bucket is COMPLIANCE-locked and
 * retained (except when its own first creation rolls back: a failed first deploy leaves
 * nothing behind), its policy denies deletion, bypass, lock changes and changes to itself to
 * every principal but the one deployment role, no role is granted a delete, and no single
 * administrator can disable a key the evidence depends on (the locker uses SSE-S3 unless
 * `locker.encryption` opts into a protected customer-managed key). Every object expires
 * `locker.expireAfterDays` after it was written (default: retention + 30 days). A trial
 * locker (`locker.trial`) is GOVERNANCE-locked and deletable: a rehearsal, not evidence.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type Config, fansOut } from '../shared/config.js';
import { BUCKET_GUARDED_ACTIONS } from '../shared/deploy/organization-policies.js';
import { skipCheckov } from './checkov.js';
import type { PlannedCollector } from './config.js';
import { Alerts } from './constructs/alerts.js';
import { ConfigLayer } from './constructs/config-layer.js';
import { EvidenceFunction, LOCKER_PREFIXES, SIZING } from './constructs/evidence-function.js';
import { AwsFanOut } from './constructs/fan-out.js';
import { MemberRoleAccess } from './constructs/member-roles.js';
import { deploymentRoleArn, ProtectedKey } from './constructs/protected-key.js';
import { VERIFY_EPHEMERAL_STORAGE, VerifyRun } from './constructs/verify-run.js';
import { collectorRoleName, memberStackSet } from './member-account-stack.js';

/** The variable that names the digest-signing KMS key to the seal and verify functions. */
const SIGNING_KEY_ENV = 'EVIDENCE_SIGNING_KMS_KEY_ID';

/** The CloudWatch namespace of the functions' own metrics (Powertools Metrics, EMF). */
const METRICS_NAMESPACE = 'EvidenceLocker';

/** Collector metrics (functions/collect.ts emits them with the function's service name). */
const COLLECT_METRICS = { written: 'SnapshotsWritten', failed: 'SnapshotsFailed' } as const;

/**
 * The Powertools service name of every collector function: one `service` dimension for all,
 * so that SnapshotsWritten/SnapshotsFailed are two metrics whatever the number of collectors
 * (each distinct metric costs beyond CloudWatch's free ten); logs name the collector.
 */
const COLLECT_SERVICE = 'evidence-collect';

/** Verifier metrics (functions/verify.ts). */
const VERIFY_METRICS = {
  missingDays: 'MissingDays',
  integrityProblems: 'IntegrityProblems',
  /** What the previous verification had not reported: the alarms fire on these. */
  newMissingDays: 'NewMissingDays',
  newIntegrityProblems: 'NewIntegrityProblems',
} as const;

/** The payload every schedule sends: the Scheduler's own context, so a handler knows its slot. */
export function scheduleInput(): scheduler.ScheduleTargetInput {
  return scheduler.ScheduleTargetInput.fromObject({
    source: 'evidence-locker.scheduler',
    scheduleArn: scheduler.ContextAttribute.scheduleArn,
    scheduledTime: scheduler.ContextAttribute.scheduledTime,
    executionId: scheduler.ContextAttribute.executionId,
    attemptNumber: scheduler.ContextAttribute.attemptNumber,
  });
}

/**
 * Snapshots older than this move to Glacier Instant Retrieval, and the scheduled verifier
 * looks back this far: it never pays Glacier retrieval for old, locked, never-overwritten
 * days (verify the whole audit period with `npx evidence verify` when the auditor asks).
 */
const GLACIER_AFTER_DAYS = 90;

/** Evidence ends this many days after its retention unless `locker.expireAfterDays` says otherwise. */
export const EXPIRY_MARGIN_DAYS = 30;

/** The day every object of the locker expires, counted from its writing. */
export function expireAfterDays(config: Config): number {
  return config.locker.expireAfterDays ?? config.locker.retentionDays + EXPIRY_MARGIN_DAYS;
}

export interface EvidenceStackProps extends StackProps {
  readonly config: Config;
  readonly collectors: readonly PlannedCollector[];
  /** Include the verifier (functions/verify.ts). Default true; tests of other parts leave it out. */
  readonly verify?: boolean;
  readonly logRetention?: logs.RetentionDays;
  /**
   * The member stack's template: with `aws.memberStackSet` in the configuration, the stack
   * rolls it out to those OUs as a service-managed StackSet.
   */
  readonly memberTemplate?: Record<string, unknown>;
}

export class EvidenceStack extends Stack {
  readonly bucket: s3.Bucket;
  /** The locker's customer-managed key: only with `locker.encryption: "SSE-KMS"`. */
  readonly key: kms.Key | undefined;
  /** Signs every digest (ECDSA P-256): seal signs, verify checks (docs/threat-model.md). */
  readonly signingKey: kms.Key;
  readonly topic: sns.Topic;
  readonly alerts: Alerts;
  readonly deadLetterQueue: sqs.Queue;
  readonly collectorFunctions = new Map<string, EvidenceFunction>();
  /** With `aws.organization` or more than 100 listed accounts: the state machine that collects AWS (plan, then shards). */
  readonly fanOut: AwsFanOut | undefined;
  readonly sealFunction: EvidenceFunction;
  readonly verifyFunction: EvidenceFunction | undefined;
  /** The verification's state machine (plan, parts, merge) and its work bucket; with the verifier. */
  readonly verifyRun: VerifyRun | undefined;
  /** With `alerts.webhooks`: posts every alert to the configured HTTPS endpoints. */
  readonly webhookFunction: EvidenceFunction | undefined;
  /** The SSM parameter of each webhook's URL (`/<prefix>/webhooks/<name>`), created by the user. */
  readonly webhookParameters: Record<string, string> = {};
  /**
   * The SSM Parameter Store SecureString names the vendor collectors read their credentials
   * from. CloudFormation cannot create a SecureString: the user creates it (docs/deploy.md).
   * Parameter Store keeps standard parameters for free; a Secrets Manager secret is $0.40 a month.
   */
  readonly secretParameters: { okta?: string; github?: string } = {};
  /** The configuration file packaged into the functions' layer (synth-time path). */
  readonly configFile: string;
  /** The exact role CloudFormation deploys this stack as: the only one that may change its policies. */
  readonly deploymentRole: string;

  constructor(scope: Construct, id: string, props: EvidenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    // The configuration reaches the functions as a file in a layer: no size cliff (config-layer.ts).
    const configLayer = new ConfigLayer(this, 'Config', { config });
    this.configFile = configLayer.file;
    const memberAccess = new MemberRoleAccess(this, 'MemberRoles', { config });
    this.deploymentRole = deploymentRoleArn(this, config.deploy.roleArn);
    const trial = config.locker.trial;
    const expireDays = expireAfterDays(config);
    // Retained on stack deletion and on replacement; deleted when the first creation rolls back.
    const removalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    // ---- The locker -------------------------------------------------------------------
    // SSE-S3 by default: no key exists that an administrator could disable or delete to make
    // the evidence unreadable. SSE-KMS on request, with a key that denies exactly that.
    this.key =
      config.locker.encryption === 'SSE-KMS'
        ? new ProtectedKey(this, 'LockerKey', {
            description:
              'Evidence Locker: encrypts the locker bucket; disabling or deleting it is denied (losing it loses the evidence)',
            deploymentRole: this.deploymentRole,
            trial,
          }).key
        : undefined;
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Server access logs cannot go to an Object Lock bucket, and need SSE-S3 on the target.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [
        { id: 'expire-after-retention', expiration: Duration.days(config.locker.retentionDays) },
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    skipCheckov(
      accessLogs,
      'CKV_AWS_18',
      'It is the server access log bucket of the locker; logging it into itself would loop.',
    );
    this.bucket = new s3.Bucket(this, 'Locker', {
      ...(config.locker.bucketName !== undefined && { bucketName: config.locker.bucketName }),
      objectLockEnabled: true,
      objectLockDefaultRetention: trial
        ? s3.ObjectLockRetention.governance(Duration.days(config.locker.retentionDays))
        : s3.ObjectLockRetention.compliance(Duration.days(config.locker.retentionDays)),
      versioned: true,
      ...(this.key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'locker/',
      // Glacier IR bills at least 128 KB per object: moving smaller objects would cost more.
      transitionDefaultMinimumObjectSize: s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          // Evidence ends: expireDays after it was written the current version gets a delete
          // marker (Object Lock allows that only once retention has passed: expireDays is always
          // beyond it), the version itself goes a day later, then the marker. Nothing overwrites,
          // so no version is noncurrent before its expiry.
          id: 'evidence-ends',
          expiration: Duration.days(expireDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
        {
          // Object Lock keeps applying after a transition.
          id: 'older-snapshots-to-glacier-ir',
          prefix: LOCKER_PREFIXES.snapshots,
          transitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    this.denyTampering(this.bucket, trial);
    this.signingKey = new ProtectedKey(this, 'SigningKey', {
      description: 'Evidence Locker: signs the digests (ECDSA P-256); disabling or deleting it is denied',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      deploymentRole: this.deploymentRole,
      trial,
    }).key;
    const locker = { bucket: this.bucket, ...(this.key && { key: this.key }) };

    // ---- Alerts -------------------------------------------------------------------------
    this.alerts = new Alerts(this, 'Alerts', { alerts: config.alerts });
    this.topic = this.alerts.topic;
    this.alerts.watchKeys([this.signingKey, ...(this.key ? [this.key] : [])]);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    skipCheckov(
      this.deadLetterQueue,
      'CKV_AWS_27',
      'False positive: the queue is encrypted with SQS-managed SSE (SqsManagedSseEnabled: true), which this check does not recognise; it holds scheduler events, not evidence.',
    );

    const common = {
      logRetention,
      metricsNamespace: METRICS_NAMESPACE,
      deadLetterQueue: this.deadLetterQueue,
    };
    // One role for every schedule: it may invoke the stack's functions, nothing else.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description:
        'Evidence Locker: EventBridge Scheduler invokes the collector, seal and verify functions and starts the AWS collection state machine',
    });
    const target = {
      role: schedulerRole,
      input: scheduleInput(),
      retryAttempts: 3,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: this.deadLetterQueue,
    };
    const schedule = (scheduleId: string, expression: string, fn: EvidenceFunction, description: string) => {
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'lambda:InvokeFunction on the function and its versions (aws-scheduler-targets grants both); nothing else.',
      });
      return new scheduler.Schedule(this, scheduleId, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        target: new targets.LambdaInvoke(fn, target),
      });
    };

    // ---- Collectors ---------------------------------------------------------------------
    // With an organization or many listed accounts, AWS is collected by the fan-out (below),
    // not one function per collector.
    const fannedOut = fansOut(config);
    for (const c of props.collectors) {
      if (fannedOut && c.source === 'aws') continue;
      const name = `Collect${pascal(c.id)}`;
      const fn = new EvidenceFunction(this, name, {
        ...common,
        ...SIZING.collector,
        handlerFile: 'collect.ts',
        collector: c,
        serviceName: COLLECT_SERVICE,
        description: `Evidence Locker collector ${c.id}: ${c.description}`.slice(0, 256),
        ...(c.source === 'aws' && { roleName: collectorRoleName(config.deploy.prefix, c.id, Aws.REGION) }),
      });
      configLayer.bind(fn);
      fn.bindLocker(locker, 'collect');
      if (c.source === 'aws') {
        fn.executionRole.addToPrincipalPolicy(
          new iam.PolicyStatement({ sid: 'ReadSource', actions: [...c.readActions], resources: ['*'] }),
        );
        Validations.of(fn.executionRole).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `The ${c.id} collector's read-only actions (${c.readActions.join(', ')}) do not support resource-level permissions.`,
        });
        memberAccess.grant(fn.executionRole);
      } else {
        const parameter = `/${this.stackName}/${c.source}`;
        this.secretParameters[c.source] = parameter;
        // The AWS-managed aws/ssm key decrypts for any principal of the account through SSM.
        fn.executionRole.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadCredentialsParameter',
            actions: ['ssm:GetParameter'],
            resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${parameter}`],
          }),
        );
        fn.addEnvironment(`${c.source.toUpperCase()}_SECRET_PARAMETER`, parameter);
      }
      this.collectorFunctions.set(c.id, fn);
      schedule(`${name}Schedule`, config.schedule.collect, fn, `Evidence Locker: collect ${c.id} daily`);
      // A collector whose runs carry work over (okta-users' deferred factor reads) runs again:
      // by default hourly in the early UTC hours (schedule.collectAgain; false turns it off).
      if (c.continues && config.schedule.collectAgain)
        schedule(
          `${name}AgainSchedule`,
          config.schedule.collectAgain,
          fn,
          `Evidence Locker: collect ${c.id} again (work the daily run deferred)`,
        );
    }
    if (fannedOut) {
      this.fanOut = new AwsFanOut(this, 'CollectAws', {
        config,
        collectors: props.collectors.filter((c) => c.source === 'aws'),
        configLayer,
        locker,
        memberAccess,
        serviceName: COLLECT_SERVICE,
        metricsNamespace: METRICS_NAMESPACE,
        logRetention,
        deadLetterQueue: this.deadLetterQueue,
      });
      new scheduler.Schedule(this, 'CollectAwsSchedule', {
        description: 'Evidence Locker: collect AWS (plan, then shards of accounts) daily',
        schedule: scheduler.ScheduleExpression.expression(config.schedule.collect),
        target: new targets.StepFunctionsStartExecution(this.fanOut.stateMachine, target),
      });
      this.alerts.whenAboveZero('CollectionRunFailed', this.fanOut.metricRunsFailed());
    } else {
      this.fanOut = undefined;
    }
    if (props.collectors.length > 0) {
      this.alerts.whenAboveZero(
        'CollectionsFailed',
        collectMetric(COLLECT_METRICS.failed, Duration.hours(1)),
      );
    }

    // ---- Seal and verify ----------------------------------------------------------------
    this.sealFunction = new EvidenceFunction(this, 'Seal', {
      ...common,
      ...SIZING.seal,
      handlerFile: 'seal.ts',
      serviceName: 'evidence-seal',
      description: "Evidence Locker: seals yesterday's snapshots in a digest chained to the previous one",
      environment: { [SIGNING_KEY_ENV]: this.signingKey.keyId },
      // One seal at a time: two concurrent seals would race to extend the digest chain.
      reservedConcurrentExecutions: 1,
    });
    configLayer.bind(this.sealFunction);
    this.sealFunction.bindLocker(locker, 'seal');
    this.signingKey.grant(this.sealFunction, 'kms:Sign', 'kms:GetPublicKey');
    schedule(
      'SealSchedule',
      config.schedule.seal,
      this.sealFunction,
      "Evidence Locker: seal yesterday's snapshots",
    );

    if (props.verify ?? true) {
      const fn = new EvidenceFunction(this, 'Verify', {
        ...common,
        ...SIZING.verify,
        ephemeralStorageSize: VERIFY_EPHEMERAL_STORAGE,
        handlerFile: 'verify.ts',
        serviceName: 'evidence-verify',
        description: 'Evidence Locker: proves no day is missing and nothing was altered; alerts on problems',
        environment: {
          ALERT_TOPIC_ARN: this.topic.topicArn,
          VERIFY_LOOKBACK_DAYS: String(GLACIER_AFTER_DAYS),
          [SIGNING_KEY_ENV]: this.signingKey.keyId,
        },
      });
      configLayer.bind(fn);
      fn.bindLocker(locker, 'verify');
      // The verify report is a signed record like a digest (its anchor is only taken from a signed one).
      this.signingKey.grant(fn, 'kms:GetPublicKey', 'kms:Sign', 'kms:Verify');
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PublishAlerts',
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
        }),
      );
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PutVerifyMetrics',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
        }),
      );
      Validations.of(fn.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `cloudwatch:PutMetricData has no resource-level permissions; it is limited to the ${METRICS_NAMESPACE} namespace by condition.`,
      });
      // The schedule starts the verify state machine: the function plans (a small window it
      // verifies itself), the parts run as a Distributed Map, the function merges.
      const run = new VerifyRun(this, 'VerifyRun', {
        verifyFunction: fn,
        configLayer,
        locker,
        signingKey: this.signingKey,
        signingKeyEnv: SIGNING_KEY_ENV,
        accessLogs,
        metricsNamespace: METRICS_NAMESPACE,
        logRetention,
        deadLetterQueue: this.deadLetterQueue,
      });
      new scheduler.Schedule(this, 'VerifySchedule', {
        description: 'Evidence Locker: verify the locker daily (plan, parts when large, merge)',
        schedule: scheduler.ScheduleExpression.expression(config.schedule.verify),
        target: new targets.StepFunctionsStartExecution(run.stateMachine, target),
      });
      // Step Functions invokes the verify functions synchronously: their failures reach no
      // dead-letter queue, they fail the execution.
      this.alerts.whenAboveZero('VerifyRunFailed', run.metricRunsFailed());
      this.verifyRun = run;
      // On what is new since the previous verification: an alarm in ALARM for yesterday's gap
      // goes back to OK, and today's new gap fires it again (the verifier's mail marks it NEW).
      this.alerts.whenAboveZero('MissingDays', verifyMetric(VERIFY_METRICS.newMissingDays));
      this.alerts.whenAboveZero('IntegrityProblems', verifyMetric(VERIFY_METRICS.newIntegrityProblems));
      this.alerts.whenSilent('VerifierSilent', verifyMetric(VERIFY_METRICS.integrityProblems));
      this.verifyFunction = fn;
    } else {
      this.verifyRun = undefined;
    }

    // ---- Webhooks (optional): each alert to HTTPS endpoints, URLs in SSM -------------------
    if (config.alerts.webhooks.length > 0) {
      const hooks = config.alerts.webhooks.map((w) => ({
        name: w.name,
        format: w.format,
        parameter: `/${config.deploy.prefix}/webhooks/${w.name}`,
      }));
      const fn = new EvidenceFunction(this, 'AlertWebhook', {
        ...common,
        timeout: Duration.minutes(1),
        memorySize: 256,
        handlerFile: 'alert-webhook.ts',
        serviceName: 'evidence-alerts',
        description: 'Evidence Locker: posts every alert to the configured HTTPS webhooks (URLs in SSM)',
        environment: { ALERT_WEBHOOKS: JSON.stringify(hooks) },
      });
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadWebhookParameters',
          actions: ['ssm:GetParameter'],
          resources: hooks.map(
            (h) => `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${h.parameter}`,
          ),
        }),
      );
      this.topic.addSubscription(new snsSubscriptions.LambdaSubscription(fn));
      for (const h of hooks) this.webhookParameters[h.name] = h.parameter;
      this.webhookFunction = fn;
    } else {
      this.webhookFunction = undefined;
    }

    // A function that crashes is retried twice, then its event lands here: one alarm for all.
    this.alerts.whenAboveZero(
      'DeadLetters',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    );

    // ---- Dashboard (optional: the alarms do not need it) --------------------------------
    if (config.alerts.dashboard) this.addDashboard();

    // ---- Member accounts (optional): the collector role in every account of the OUs ------
    const stackSet = config.aws?.memberStackSet;
    if (stackSet && props.memberTemplate) {
      const set = memberStackSet(this, 'MemberStackSet', stackSet, props.memberTemplate);
      // The member role trusts the collector roles by ARN: IAM refuses a principal that does not exist yet.
      const trusted = this.fanOut
        ? [this.fanOut.shardFunction]
        : props.collectors
            .filter((c) => c.source === 'aws')
            .flatMap((c) => this.collectorFunctions.get(c.id) ?? []);
      for (const fn of trusted) set.addResourceDependency(fn.executionRole.node.defaultChild as iam.CfnRole);
    }

    new CfnOutput(this, 'LockerBucket', {
      value: this.bucket.bucketName,
      description: 'The locker: use --store s3://<this>',
    });
    new CfnOutput(this, 'AlertTopic', { value: this.topic.topicArn });
    // What `evidence policies` builds the organization guard rails from (docs/deploy.md).
    new CfnOutput(this, 'SigningKeyArn', { value: this.signingKey.keyArn });
    if (this.key) new CfnOutput(this, 'LockerKeyArn', { value: this.key.keyArn });
    new CfnOutput(this, 'DeploymentRoleArn', {
      value: this.deploymentRole,
      description: 'The only role that may change the locker bucket, the keys and the stack roles',
    });
    for (const [name, parameter] of Object.entries(this.webhookParameters)) {
      new CfnOutput(this, `Webhook${pascal(name)}Parameter`, {
        value: parameter,
        description: `Put the ${name} webhook URL here as a SecureString (docs/deploy.md)`,
      });
    }
    for (const [source, parameter] of Object.entries(this.secretParameters)) {
      new CfnOutput(this, `${pascal(source)}SecretParameter`, {
        value: parameter,
        description: `Put the ${source} credentials here as a SecureString (docs/deploy.md)`,
      });
    }
  }

  /** The CloudWatch dashboard: snapshots, function errors and durations, verifier figures, DLQ depth. */
  private addDashboard(): void {
    const fns = [
      ...this.collectorFunctions.values(),
      ...(this.fanOut ? [this.fanOut.planFunction, this.fanOut.shardFunction] : []),
      this.sealFunction,
      ...(this.verifyFunction ? [this.verifyFunction] : []),
      ...(this.verifyRun ? [this.verifyRun.partFunction] : []),
    ];
    new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Snapshots written / failed (all collectors)',
            left: [collectMetric(COLLECT_METRICS.written, Duration.days(1))],
            right: [collectMetric(COLLECT_METRICS.failed, Duration.days(1))],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function errors and duration',
            left: fns.map((f) => f.metricErrors({ period: Duration.days(1), statistic: 'Sum' })),
            right: fns.map((f) => f.metricDuration({ period: Duration.days(1), statistic: 'Maximum' })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Verifier: missing days / integrity problems',
            left: this.verifyFunction
              ? [verifyMetric(VERIFY_METRICS.missingDays), verifyMetric(VERIFY_METRICS.integrityProblems)]
              : [],
            width: 12,
          }),
          new cloudwatch.SingleValueWidget({
            title: 'Dead-letter queue depth',
            metrics: [
              this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.hours(1) }),
            ],
            width: 12,
          }),
        ],
      ],
    });
  }

  /**
   * Deny deletion, retention bypass, lock changes and changes to the policy itself to every
   * principal, whatever IAM allows; only the deployment role may change the bucket's lock,
   * lifecycle and policy (a deployment of this stack, which leaves a trace). A trial locker
   * allows deletion and GOVERNANCE retention: it is meant to be thrown away.
   */
  private denyTampering(bucket: s3.Bucket, trial: boolean): void {
    const everyone = [new iam.AnyPrincipal()];
    const mode = trial ? 'GOVERNANCE' : 'COMPLIANCE';
    if (!trial) {
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyEvidenceDeletion',
          effect: iam.Effect.DENY,
          principals: everyone,
          actions: ['s3:DeleteObject*', 's3:BypassGovernanceRetention'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
    }
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyRetentionOtherThanCompliance',
        effect: iam.Effect.DENY,
        principals: everyone,
        // Retention may only ever be set in COMPLIANCE mode (which can only be lengthened).
        actions: ['s3:PutObjectRetention'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:object-lock-mode': mode } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWritesWithoutCompliance',
        effect: iam.Effect.DENY,
        principals: everyone,
        // A write that names a lock mode must name COMPLIANCE (shared/locker/s3.ts always does).
        // One that names none (UploadPart, CompleteMultipartUpload carry no lock headers) gets the
        // bucket's default retention, which is COMPLIANCE for locker.retentionDays and cannot be
        // changed (DenyLockAndBucketChanges).
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringNotEqualsIfExists: { 's3:object-lock-mode': mode } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOverwrites',
        effect: iam.Effect.DENY,
        principals: everyone,
        // Every write must carry If-None-Match: * (S3 conditional writes), so no key ever gets a
        // second version: what was sealed stays the current version for good.
        // CreateMultipartUpload, UploadPart and UploadPartCopy take no conditional header: they
        // are exempt (s3:ObjectCreationOperation false); CompleteMultipartUpload is not.
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: {
          Null: { 's3:if-none-match': 'true' },
          Bool: { 's3:ObjectCreationOperation': 'true' },
        },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyLockAndBucketChanges',
        effect: iam.Effect.DENY,
        principals: everyone,
        // A lifecycle rule could expire current versions (delete markers hide the locked ones);
        // without its policy the bucket would have none of these denies: one call would remove them.
        actions: [...BUCKET_GUARDED_ACTIONS],
        resources: [bucket.bucketArn],
        // Only CloudFormation deploying this stack (the exact deployment role) may change the
        // default retention (e.g. when locker.retentionDays is raised), the lifecycle and the
        // policy, or delete the bucket (a failed first create rolls back an empty bucket).
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.deploymentRole } },
      }),
    );
  }
}

function collectMetric(metricName: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: COLLECT_SERVICE },
    period,
    statistic: 'Sum',
  });
}

function verifyMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: 'evidence-verify' },
    period: Duration.days(1),
    statistic: 'Maximum',
  });
}

function pascal(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
