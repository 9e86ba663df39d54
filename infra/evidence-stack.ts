/**
 * The evidence stack: the Object-Lock locker bucket, one collector function per configured
 * collector, the seal and verify functions, their EventBridge Scheduler schedules with a
 * dead-letter queue, the Okta/GitHub secrets, and the alerts (SNS topic, alarms, dashboard).
 *
 * Nothing here can delete evidence: the bucket is COMPLIANCE-locked and RETAINed, its
 * policy denies deletion, bypass and lock changes to every principal, and no role is
 * granted a delete.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Config } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import type { PlannedCollector } from './config.js';
import { EvidenceFunction, LOCKER_PREFIXES, SIZING } from './constructs/evidence-function.js';
import { ProtectedKey } from './constructs/protected-key.js';

/** The variable that names the digest-signing KMS key to the seal and verify functions. */
export const SIGNING_KEY_ENV = 'EVIDENCE_SIGNING_KMS_KEY_ID';

/** The CloudWatch namespace of the functions' own metrics (Powertools Metrics, EMF). */
export const METRICS_NAMESPACE = 'EvidenceLocker';

/** Collector metrics (functions/collect.ts emits them with the function's service name). */
export const COLLECT_METRICS = { written: 'SnapshotsWritten', failed: 'SnapshotsFailed' } as const;

/** Verifier metrics (functions/verify.ts). */
export const VERIFY_METRICS = { missingDays: 'MissingDays', integrityProblems: 'IntegrityProblems' } as const;

/** Name prefix of the collector roles that member accounts trust (member-account-stack.ts). */
export const COLLECTOR_ROLE_PREFIX = 'EvidenceLocker-collect-';

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
export const GLACIER_AFTER_DAYS = 90;

/** Lambda environment variables are limited to 4 KB in total; keep room for the rest. */
const MAX_CONFIG_ENV_BYTES = 3_000;

export interface EvidenceStackProps extends StackProps {
  readonly config: Config;
  readonly collectors: readonly PlannedCollector[];
  /** Include the verifier (functions/verify.ts). Default true; tests of other parts leave it out. */
  readonly verify?: boolean;
  readonly logRetention?: logs.RetentionDays;
}

export class EvidenceStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;
  /** Signs every digest (ECDSA P-256): seal signs, verify checks (docs/threat-model.md). */
  readonly signingKey: kms.Key;
  readonly topic: sns.Topic;
  readonly deadLetterQueue: sqs.Queue;
  readonly collectorFunctions = new Map<string, EvidenceFunction>();
  readonly sealFunction: EvidenceFunction;
  readonly verifyFunction: EvidenceFunction | undefined;
  readonly secrets: { okta?: secretsmanager.Secret; github?: secretsmanager.Secret } = {};

  constructor(scope: Construct, id: string, props: EvidenceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const configJson = JSON.stringify(config);
    if (Buffer.byteLength(configJson) > MAX_CONFIG_ENV_BYTES) {
      throw new ConfigError(
        `the configuration is ${Buffer.byteLength(configJson)} bytes as JSON, more than the ${MAX_CONFIG_ENV_BYTES} bytes ` +
          'that fit in a Lambda environment (4 KB in all); shorten it (fewer account names or privileged groups)',
      );
    }

    // ---- The locker -------------------------------------------------------------------
    this.key = new kms.Key(this, 'LockerKey', {
      description: 'Evidence Locker: encrypts the locker bucket (losing it loses the evidence: retained)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Server access logs cannot go to an Object Lock bucket, and need SSE-S3 on the target.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-after-retention', expiration: Duration.days(config.locker.retentionDays) },
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the locker; logging it into itself would loop.',
    });
    this.bucket = new s3.Bucket(this, 'Locker', {
      ...(config.locker.bucketName !== undefined && { bucketName: config.locker.bucketName }),
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(config.locker.retentionDays),
      ),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'locker/',
      // Glacier IR bills at least 128 KB per object: moving smaller objects would cost more.
      transitionDefaultMinimumObjectSize: s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          // Object Lock keeps applying after a transition; nothing ever expires.
          id: 'older-snapshots-to-glacier-ir',
          prefix: LOCKER_PREFIXES.snapshots,
          transitions: [
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    this.denyTampering(this.bucket);
    this.signingKey = new ProtectedKey(this, 'SigningKey', {
      description: 'Evidence Locker: signs the digests (ECDSA P-256); disabling or deleting it is denied',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    }).key;
    const locker = { bucket: this.bucket, key: this.key };

    // ---- Alerts -------------------------------------------------------------------------
    const alertsKey = new kms.Key(this, 'AlertsKey', {
      description: 'Evidence Locker: encrypts the alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the encrypted topic: they need the key.
    alertsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'Alerts', {
      displayName: 'Evidence Locker alerts',
      masterKey: alertsKey,
      enforceSSL: true,
    });
    for (const email of config.alerts.emails)
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedules and the functions.',
    });

    const common = {
      logRetention,
      metricsNamespace: METRICS_NAMESPACE,
      deadLetterQueue: this.deadLetterQueue,
    };
    const alarmAction = new cwActions.SnsAction(this.topic);
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) => {
      const a = new cloudwatch.Alarm(this, `${alarmId}Alarm`, {
        alarmDescription: description,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(alarmAction);
      return a;
    };
    const crashAlarm = (fn: EvidenceFunction, name: string) =>
      alarm(
        `${name}Errors`,
        `${name}: the function failed (locker unreachable, timeout or crash); see its log group ${fn.functionLogGroup.logGroupName}`,
        fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      );
    // One role for every schedule: it may invoke the stack's functions, nothing else.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Evidence Locker: EventBridge Scheduler invokes the collector, seal and verify functions',
    });
    const schedule = (scheduleId: string, expression: string, fn: EvidenceFunction, description: string) => {
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'lambda:InvokeFunction on the function and its versions (aws-scheduler-targets grants both); nothing else.',
      });
      return new scheduler.Schedule(this, scheduleId, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        target: new targets.LambdaInvoke(fn, {
          role: schedulerRole,
          input: scheduleInput(),
          retryAttempts: 3,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetterQueue,
        }),
      });
    };

    // ---- Collectors ---------------------------------------------------------------------
    const widgets: cloudwatch.IWidget[] = [];
    for (const c of props.collectors) {
      const name = `Collect${pascal(c.id)}`;
      const environment: Record<string, string> = {
        EVIDENCE_COLLECTOR: c.id,
        EVIDENCE_CONFIG_JSON: configJson,
      };
      const fn = new EvidenceFunction(this, name, {
        ...common,
        ...SIZING.collector,
        handlerFile: 'collect.ts',
        serviceName: `evidence-collect-${c.id}`,
        description: `Evidence Locker collector ${c.id}: ${c.description}`.slice(0, 256),
        environment,
        ...(c.source === 'aws' && { roleName: `${COLLECTOR_ROLE_PREFIX}${c.id}-${Aws.REGION}` }),
      });
      fn.bindLocker(locker, 'collect');
      if (c.source === 'aws') {
        fn.executionRole.addToPrincipalPolicy(
          new iam.PolicyStatement({ sid: 'ReadSource', actions: [...c.readActions], resources: ['*'] }),
        );
        Validations.of(fn.executionRole).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `The ${c.id} collector's read-only actions (${c.readActions.join(', ')}) do not support resource-level permissions.`,
        });
        if (config.aws && config.aws.accounts.length > 0) {
          fn.executionRole.addToPrincipalPolicy(
            new iam.PolicyStatement({
              sid: 'AssumeMemberAccountRoles',
              actions: ['sts:AssumeRole'],
              resources: config.aws.accounts.map(
                (a) => `arn:${Aws.PARTITION}:iam::${a.id}:role/${a.roleName ?? config.aws!.roleName}`,
              ),
            }),
          );
        }
      } else {
        const secret = this.sourceSecret(c.source);
        secret.grantRead(fn.executionRole);
        fn.addEnvironment(`${c.source.toUpperCase()}_SECRET_ARN`, secret.secretArn);
      }
      this.collectorFunctions.set(c.id, fn);
      schedule(`${name}Schedule`, config.schedule.collect, fn, `Evidence Locker: collect ${c.id} daily`);
      crashAlarm(fn, name);
      alarm(
        `${name}Failed`,
        `${c.id}: a collection was recorded with status error or partial (the snapshot says why; run "npx evidence ls --collector ${c.id}")`,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: COLLECT_METRICS.failed,
          dimensionsMap: { service: `evidence-collect-${c.id}` },
          period: Duration.hours(1),
          statistic: 'Sum',
        }),
      );
    }

    // ---- Seal and verify ----------------------------------------------------------------
    this.sealFunction = new EvidenceFunction(this, 'Seal', {
      ...common,
      ...SIZING.seal,
      handlerFile: 'seal.ts',
      serviceName: 'evidence-seal',
      description: "Evidence Locker: seals yesterday's snapshots in a digest chained to the previous one",
      environment: { EVIDENCE_CONFIG_JSON: configJson, [SIGNING_KEY_ENV]: this.signingKey.keyId },
      // One seal at a time: two concurrent seals would race to extend the digest chain.
      reservedConcurrentExecutions: 1,
    });
    this.sealFunction.bindLocker(locker, 'seal');
    this.signingKey.grant(this.sealFunction, 'kms:Sign', 'kms:GetPublicKey');
    schedule(
      'SealSchedule',
      config.schedule.seal,
      this.sealFunction,
      "Evidence Locker: seal yesterday's snapshots",
    );
    crashAlarm(this.sealFunction, 'Seal');

    if (props.verify ?? true) {
      const fn = new EvidenceFunction(this, 'Verify', {
        ...common,
        ...SIZING.verify,
        handlerFile: 'verify.ts',
        serviceName: 'evidence-verify',
        description: 'Evidence Locker: proves no day is missing and nothing was altered; alerts on problems',
        environment: {
          EVIDENCE_CONFIG_JSON: configJson,
          ALERT_TOPIC_ARN: this.topic.topicArn,
          VERIFY_LOOKBACK_DAYS: String(GLACIER_AFTER_DAYS),
          [SIGNING_KEY_ENV]: this.signingKey.keyId,
        },
      });
      fn.bindLocker(locker, 'verify');
      this.signingKey.grant(fn, 'kms:GetPublicKey', 'kms:Verify');
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PublishAlerts',
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
        }),
      );
      fn.executionRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AlertsKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [alertsKey.keyArn],
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
      schedule('VerifySchedule', config.schedule.verify, fn, 'Evidence Locker: verify the locker daily');
      crashAlarm(fn, 'Verify');
      alarm(
        'MissingDays',
        'The verifier found days with no snapshot in some series: evidence is missing (run "npx evidence verify")',
        verifyMetric(VERIFY_METRICS.missingDays),
      );
      alarm(
        'IntegrityProblems',
        'The verifier found altered, unsealed, deleted or wrongly retained evidence (run "npx evidence verify")',
        verifyMetric(VERIFY_METRICS.integrityProblems),
      );
      this.verifyFunction = fn;
    }

    alarm(
      'DeadLetters',
      'A scheduled run could not be delivered or failed after its retries: its event is in the dead-letter queue',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    );

    // ---- Dashboard ----------------------------------------------------------------------
    const collectorFns = [...this.collectorFunctions.entries()];
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Snapshots written / failed',
        left: collectorFns.map(
          ([cid]) =>
            new cloudwatch.Metric({
              namespace: METRICS_NAMESPACE,
              metricName: COLLECT_METRICS.written,
              dimensionsMap: { service: `evidence-collect-${cid}` },
              period: Duration.days(1),
              statistic: 'Sum',
              label: `${cid} written`,
            }),
        ),
        right: collectorFns.map(
          ([cid]) =>
            new cloudwatch.Metric({
              namespace: METRICS_NAMESPACE,
              metricName: COLLECT_METRICS.failed,
              dimensionsMap: { service: `evidence-collect-${cid}` },
              period: Duration.days(1),
              statistic: 'Sum',
              label: `${cid} failed`,
            }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors and duration',
        left: [
          ...collectorFns.map(([, f]) => f),
          this.sealFunction,
          ...(this.verifyFunction ? [this.verifyFunction] : []),
        ].map((f) => f.metricErrors({ period: Duration.days(1), statistic: 'Sum' })),
        right: [...collectorFns.map(([, f]) => f), this.sealFunction].map((f) =>
          f.metricDuration({ period: Duration.days(1), statistic: 'Maximum' }),
        ),
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
    );
    new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
      widgets: [widgets],
    });

    new CfnOutput(this, 'LockerBucket', {
      value: this.bucket.bucketName,
      description: 'The locker: use --store s3://<this>',
    });
    new CfnOutput(this, 'AlertTopic', { value: this.topic.topicArn });
    for (const [source, secret] of Object.entries(this.secrets)) {
      new CfnOutput(this, `${pascal(source)}SecretArn`, {
        value: secret.secretArn,
        description: `Put the ${source} credentials here (docs/deploy.md)`,
      });
    }
  }

  /** The Secrets Manager secret of a vendor source, created once, empty ("{}") until the user fills it. */
  private sourceSecret(source: 'okta' | 'github'): secretsmanager.Secret {
    const existing = this.secrets[source];
    if (existing) return existing;
    const secret = new secretsmanager.Secret(this, `${pascal(source)}Credentials`, {
      description:
        source === 'okta'
          ? 'Evidence Locker: Okta credentials as JSON {"OKTA_API_TOKEN": "..."} or {"OKTA_PRIVATE_KEY": "..."} (docs/deploy.md)'
          : 'Evidence Locker: GitHub credentials as JSON {"GITHUB_TOKEN": "..."} or {"GITHUB_APP_PRIVATE_KEY": "..."} (docs/deploy.md)',
      // Created empty: the user puts the credentials in (aws secretsmanager put-secret-value).
      secretObjectValue: {},
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `The ${source} credentials are issued by ${source === 'okta' ? 'Okta' : 'GitHub'}, not by AWS: they are rotated there and put here by the user.`,
    });
    this.secrets[source] = secret;
    return secret;
  }

  /** Deny deletion, retention bypass and lock changes to every principal, whatever IAM allows. */
  private denyTampering(bucket: s3.Bucket): void {
    const everyone = [new iam.AnyPrincipal()];
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyEvidenceDeletion',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: ['s3:DeleteObject*', 's3:BypassGovernanceRetention'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyRetentionOtherThanCompliance',
        effect: iam.Effect.DENY,
        principals: everyone,
        // Retention may only ever be set in COMPLIANCE mode (which can only be lengthened).
        actions: ['s3:PutObjectRetention'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWritesWithoutCompliance',
        effect: iam.Effect.DENY,
        principals: everyone,
        // Every object must be written with explicit COMPLIANCE retention (shared/locker/s3.ts does).
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOverwrites',
        effect: iam.Effect.DENY,
        principals: everyone,
        // Every write must carry If-None-Match: * (S3 conditional writes), so no key ever gets a
        // second version: what was sealed stays the current version for good.
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyLockAndBucketChanges',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: ['s3:PutBucketObjectLockConfiguration', 's3:DeleteBucket', 's3:PutBucketVersioning'],
        resources: [bucket.bucketArn],
        // Only CloudFormation deploying this stack (the CDK execution role) may change the
        // default retention, e.g. when locker.retentionDays is raised.
        conditions: {
          ArnNotLike: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-*-cfn-exec-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
          },
        },
      }),
    );
  }
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
