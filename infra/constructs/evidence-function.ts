/**
 * Every Lambda function of the stack: a NodejsFunction with the choices fixed once — arm64,
 * Node.js 24, a minified ESM bundle with source maps built by the local esbuild (never
 * Docker) that holds only the code the function runs (a collect function: its one collector), its own log group with a retention, its own role that starts with nothing but
 * writing to that log group (no AWSLambdaBasicExecutionRole: least privilege), and the
 * Powertools environment. `bindLocker()` sets the locker URL and grants exactly the locker
 * access the function's job needs, together, so that the two can never drift apart.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, type Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { readGitCommit } from '../../shared/build.js';
import { skipCheckov } from '../checkov.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The Lambda runtime of every function: the newest Node.js the installed aws-cdk-lib offers. */
export const EVIDENCE_RUNTIME = Runtime.NODEJS_24_X;

/** Where functions put what in the locker (keys are day-first: see shared/evidence/snapshot.ts). */
export const LOCKER_PREFIXES = {
  snapshots: 'snapshots/',
  digests: 'digests/',
  /** The leaves of the digest form that scales (shared/evidence/digest/leaves.ts). */
  leaves: 'leaves/',
  reports: 'reports/',
  acknowledgements: 'acknowledgements/',
  retirements: 'retirements/',
  configs: 'configs/',
} as const;

/**
 * What a function does with the locker:
 * - collect: write new snapshots (write-once, COMPLIANCE retention), nothing else;
 * - seal: read snapshots, digests, leaves and signed records (acknowledgements, retirements,
 *   reports), write new digests and leaves and the configuration it ran under;
 * - verify: read everything, including retention settings, write reports and the configuration;
 * - read: read everything, including retention settings, write nothing (a part of a verification in parts).
 */
export type LockerAccess = 'collect' | 'seal' | 'verify' | 'read';

export interface EvidenceLocker {
  readonly bucket: s3.IBucket;
  /** The locker's customer-managed key, when it uses SSE-KMS (SSE-S3 needs no grant). */
  readonly key?: kms.IKey | undefined;
}

/** The collector a collect function runs, as its bundling needs it. */
export interface BundledCollector {
  readonly id: string;
  readonly source: string;
}

/**
 * How every function is bundled. `collector`: the collect function of that collector, whose
 * bundle defines `process.env.EVIDENCE_COLLECTOR` as its id and `process.env.EVIDENCE_COLLECTOR_SOURCE`
 * as its source, so that functions/collect.ts imports that collector's code and its source's
 * plumbing, nothing else. test/infra/bundles.test.ts bundles with these.
 */
export function evidenceBundling(collector?: BundledCollector) {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    // Our own pinned SDK versions, not whatever the runtime ships.
    externalModules: [],
    mainFields: ['module', 'main'],
    // ESM output: give bundled CommonJS dependencies a `require`.
    banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    define: {
      // The commit the bundle is built from (shared/build.ts): read from .git at synth, never in Lambda.
      __EVIDENCE_COMMIT__: JSON.stringify(readGitCommit(REPO_ROOT) ?? 'unknown'),
      ...(collector !== undefined && {
        'process.env.EVIDENCE_COLLECTOR': JSON.stringify(collector.id),
        'process.env.EVIDENCE_COLLECTOR_SOURCE': JSON.stringify(collector.source),
      }),
    },
  } satisfies BundlingOptions;
}

export interface EvidenceFunctionProps {
  /** Handler file under functions/, e.g. "collect.ts". */
  readonly handlerFile: string;
  /** The collector a collect.ts function runs: sets EVIDENCE_COLLECTOR and bundles its code alone. */
  readonly collector?: BundledCollector;
  readonly description: string;
  /** The Powertools service name (log and metric dimension). */
  readonly serviceName: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly environment?: Readonly<Record<string, string>>;
  /** Metrics namespace of the Powertools Metrics the function emits. */
  readonly metricsNamespace: string;
  /** A fixed role name, when another account's trust policy must name the role. */
  readonly roleName?: string;
  /** Where failed asynchronous invocations go after the retries (the stack's DLQ). */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Reserved concurrency (e.g. 1 for a function that must never run twice at once). */
  readonly reservedConcurrentExecutions?: number;
  /** /tmp beyond Lambda's default 512 MB (the verify plan spills the window's listing there). */
  readonly ephemeralStorageSize?: Size;
}

/** Why no log group of the stack has a customer-managed key (Checkov CKV_AWS_158). */
export const LOG_GROUP_KEY_REASON =
  'Logs are encrypted by CloudWatch Logs at rest; they hold no evidence and no secret (the redacting logger removes credentials), so a $1-a-month key buys nothing.';

export class EvidenceFunction extends NodejsFunction {
  /** The function's role, created here with no managed policy. */
  readonly executionRole: iam.Role;
  readonly functionLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EvidenceFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      // Logs are operational, not evidence (the locker holds the evidence): they may go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      ...(props.roleName !== undefined && { roleName: props.roleName }),
      description: `Evidence Locker ${props.serviceName}: writes its own logs; locker and source access added explicitly`,
    });
    super(scope, id, {
      entry: path.join(REPO_ROOT, 'functions', props.handlerFile),
      handler: 'handler',
      description: props.description,
      runtime: EVIDENCE_RUNTIME,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      role,
      logGroup,
      // X-Ray active tracing: every invocation's calls to S3, KMS, STS and the vendors are traced.
      tracing: Tracing.ACTIVE,
      // Scheduler invokes asynchronously: a crash (locker unreachable, timeout) is retried twice,
      // then the event lands in the dead-letter queue, whose depth raises an alarm.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      ...(props.deadLetterQueue && { deadLetterQueue: props.deadLetterQueue }),
      ...(props.reservedConcurrentExecutions !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      }),
      ...(props.ephemeralStorageSize && { ephemeralStorageSize: props.ephemeralStorageSize }),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Stack traces point into functions/ and shared/, not into the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
        ...(props.collector !== undefined && { EVIDENCE_COLLECTOR: props.collector.id }),
      },
      bundling: evidenceBundling(props.collector),
    });
    this.executionRole = role;
    this.functionLogGroup = logGroup;
    logGroup.grantWrite(role);
    if (props.reservedConcurrentExecutions === undefined)
      skipCheckov(
        this,
        'CKV_AWS_115',
        "Each runs once a day from its own schedule (a fan-out shard: bounded by the state machine's MaxConcurrency, aws.fanOut.maxConcurrency); reserving concurrency would take capacity from the account for nothing. Seal, which must never run twice at once, has reserved concurrency 1.",
      );
    skipCheckov(
      this,
      'CKV_AWS_117',
      'The functions call public AWS, Okta and GitHub APIs and S3; a VPC would need a NAT gateway or interface endpoints (from $7 a month each) and adds no control over what they reach.',
    );
    skipCheckov(
      this,
      'CKV_AWS_173',
      'Environment variables are encrypted at rest with the Lambda service key; they carry the configuration, bucket and key ids, never a secret (credentials live in SSM SecureString parameters).',
    );
    skipCheckov(logGroup, 'CKV_AWS_158', LOG_GROUP_KEY_REASON);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
    });
  }

  /** Point the function at the locker (EVIDENCE_STORE) and grant exactly what `access` needs. */
  bindLocker(locker: EvidenceLocker, access: LockerAccess): void {
    const { bucket, key } = locker;
    this.addEnvironment('EVIDENCE_STORE', `s3://${bucket.bucketName}`);
    const objects = (prefix: string) => bucket.arnForObjects(`${prefix}*`);
    const statements: iam.PolicyStatement[] = [
      new iam.PolicyStatement({
        sid: 'LockerIsObjectLocked',
        actions: ['s3:GetBucketObjectLockConfiguration'],
        resources: [bucket.bucketArn],
      }),
    ];
    const write = (prefix: string, ...more: string[]) =>
      new iam.PolicyStatement({
        sid: `Write${capitalise(prefix)}`,
        // PutObject with x-amz-object-lock-mode/-retain-until-date needs s3:PutObjectRetention too.
        // Never s3:BypassGovernanceRetention, never a delete.
        actions: ['s3:PutObject', 's3:PutObjectRetention'],
        resources: [prefix, ...more].map(objects),
      });
    const list = (prefixes: readonly string[] | undefined) =>
      new iam.PolicyStatement({
        sid: 'ListLocker',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        ...(prefixes && { conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } } }),
      });
    let kmsActions: string[];
    if (access === 'collect') {
      statements.push(write(LOCKER_PREFIXES.snapshots));
      kmsActions = ['kms:GenerateDataKey'];
    } else if (access === 'seal') {
      // Signed records (acknowledgements, retirements, reports) are sealed like snapshots.
      const sealed = [
        LOCKER_PREFIXES.snapshots,
        LOCKER_PREFIXES.digests,
        LOCKER_PREFIXES.leaves,
        LOCKER_PREFIXES.acknowledgements,
        LOCKER_PREFIXES.retirements,
        LOCKER_PREFIXES.reports,
      ];
      statements.push(
        list(sealed),
        new iam.PolicyStatement({
          sid: 'ReadSnapshotsDigestsAndRecords',
          // GetObjectRetention: GetObject returns the lock mode and retain-until date only with it,
          // and the digest records them so that the verifier need not read each snapshot again.
          actions: ['s3:GetObject', 's3:GetObjectRetention'],
          resources: sealed.map(objects),
        }),
        write(LOCKER_PREFIXES.digests, LOCKER_PREFIXES.leaves),
        write(LOCKER_PREFIXES.configs),
      );
      kmsActions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    } else if (access === 'read') {
      // A part of a verification in parts: reads, writes nothing into the locker.
      statements.push(
        list(undefined),
        new iam.PolicyStatement({
          sid: 'ReadEverything',
          actions: ['s3:GetObject', 's3:GetObjectRetention'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
      kmsActions = ['kms:Decrypt'];
    } else {
      statements.push(
        list(undefined),
        new iam.PolicyStatement({
          sid: 'ReadEverything',
          // GetObjectRetention: HeadObject returns the lock mode and retain-until date only with it.
          actions: ['s3:GetObject', 's3:GetObjectRetention'],
          resources: [bucket.arnForObjects('*')],
        }),
        write(LOCKER_PREFIXES.reports),
        write(LOCKER_PREFIXES.configs),
      );
      kmsActions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    }
    if (key) {
      statements.push(
        new iam.PolicyStatement({ sid: 'LockerKey', actions: kmsActions, resources: [key.keyArn] }),
      );
    }
    for (const statement of statements) this.executionRole.addToPrincipalPolicy(statement);
    const bucketRef = Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const reason =
      'Object keys are named at run time under a fixed prefix of the locker bucket; the prefix is the least privilege (no delete, no bypass).';
    const prefixes =
      access === 'collect'
        ? [LOCKER_PREFIXES.snapshots]
        : access === 'seal'
          ? [
              LOCKER_PREFIXES.snapshots,
              LOCKER_PREFIXES.digests,
              LOCKER_PREFIXES.leaves,
              LOCKER_PREFIXES.acknowledgements,
              LOCKER_PREFIXES.retirements,
              LOCKER_PREFIXES.reports,
              LOCKER_PREFIXES.configs,
            ]
          : access === 'read'
            ? ['']
            : ['', LOCKER_PREFIXES.reports, LOCKER_PREFIXES.configs];
    for (const prefix of prefixes) {
      Validations.of(this.executionRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketRef}.Arn>/${prefix}*]`,
        reason,
      });
    }
  }
}

function capitalise(prefix: string): string {
  const word = prefix.replace(/\/$/, '');
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Default sizing: the functions wait on network calls, so memory mostly buys CPU for JSON work. */
export const SIZING = {
  collector: { timeout: Duration.minutes(10), memorySize: 512 },
  seal: { timeout: Duration.minutes(5), memorySize: 512 },
  verify: { timeout: Duration.minutes(15), memorySize: 1024 },
} as const;
