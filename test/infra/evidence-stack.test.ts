/**
 * The evidence stack's security properties, asserted exactly on the synthesized template
 * (esbuild skipped: the assertions are about resources, not bundles; test/infra/nag.test.ts
 * bundles for real).
 */
import { App, type CfnElement, CliCredentialsStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARMS } from '../../infra/constructs/alerts.js';
import { deploymentRoleArn } from '../../infra/constructs/protected-key.js';
import { stackEnvironment } from '../../infra/stacks.js';
import { AWS_READ_ACTIONS } from '../../shared/aws/permissions.js';
import { selectCollectors } from '../../shared/collectors/runner.js';
import { DEFAULT_COLLECT_AGAIN, parseConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { BASE_CONFIG, synthApp } from './synth.js';

/** The collectors BASE_CONFIG deploys (organization only with aws.organization). */
const COLLECTORS = selectCollectors(parseConfig(BASE_CONFIG), undefined);

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON, walked by the assertions below
type Json = Record<string, any>;
type Statement = {
  Effect: string;
  Action: string | string[];
  Sid?: string;
  Resource?: unknown;
  Condition?: Json;
};

let template: Template;
let resources: Record<string, Json>;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** Every IAM statement anywhere: managed/inline policies, role inline policies, resource policies. */
function allStatements(): { where: string; statement: Statement }[] {
  const out: { where: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const docs: Json[] = [];
    if (r.Properties?.PolicyDocument) docs.push(r.Properties.PolicyDocument);
    for (const p of r.Properties?.Policies ?? []) docs.push(p.PolicyDocument);
    for (const d of docs) for (const s of d.Statement as Statement[]) out.push({ where: id, statement: s });
  }
  return out;
}

/** The Allow actions of the role attached to a function, from every policy naming that role. */
function roleActions(functionLogicalId: string): string[] {
  const roleRef = resources[functionLogicalId]!.Properties.Role['Fn::GetAtt'][0] as string;
  const actions = new Set<string>();
  for (const [, r] of ofType('AWS::IAM::Policy')) {
    if (!asArray(r.Properties.Roles).some((x: Json) => x.Ref === roleRef)) continue;
    for (const s of r.Properties.PolicyDocument.Statement as Statement[]) {
      // X-Ray's two actions are on every function's role (active tracing): pinned in 'X-Ray' below.
      if (s.Effect === 'Allow')
        for (const a of asArray(s.Action)) if (!String(a).startsWith('xray:')) actions.add(a);
    }
  }
  return [...actions].sort();
}

function functionId(prefix: string): string {
  const found = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no function ${prefix}*`);
  return found[0];
}

/** The bootstrap's execution role with the default qualifier, as the templates name it (Fn::Sub). */
const execRole = (qualifier: string) => ({
  // Fn::Sub's own placeholder, spelt in two pieces so that it reads as no template literal.
  'Fn::Sub': `arn:$${'{'}AWS::Partition}:iam::111111111111:role/cdk-${qualifier}-cfn-exec-role-111111111111-us-east-1`,
});
const DEFAULT_EXEC_ROLE = execRole('hnb659fds');

/**
 * A protected key's policy: nobody may disable it; nobody but `role` (exactly: ArnNotEquals, no
 * wildcard an administrator could match with a new role) may schedule its deletion or change the policy.
 */
function expectProtectedKeyPolicy(key: Json, role: unknown): void {
  const statements = key.Properties.KeyPolicy.Statement as Statement[];
  expect(statements.find((s) => s.Sid === 'DenyDisablingTheKey')).toEqual({
    Sid: 'DenyDisablingTheKey',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:DisableKey',
    Resource: '*',
  });
  for (const [sid, action] of [
    ['DenyDeletingTheKeyOutsideDeployments', 'kms:ScheduleKeyDeletion'],
    ['DenyKeyPolicyChangesOutsideDeployments', 'kms:PutKeyPolicy'],
  ] as const) {
    expect(statements.find((s) => s.Sid === sid)).toEqual({
      Sid: sid,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: action,
      Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': role } },
    });
  }
  expect(JSON.stringify(statements)).not.toMatch(/ArnNotLike|cdk-\*/);
}

const pascal = (id: string) =>
  id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

beforeAll(() => {
  const { evidence } = synthApp(BASE_CONFIG);
  template = Template.fromStack(evidence);
  resources = template.toJSON().Resources;
});

describe('locker bucket', () => {
  it('is Object Lock COMPLIANCE for locker.retentionDays, versioned, SSE-S3, private, retained', () => {
    const [[id, bucket]] = ofType('AWS::S3::Bucket').filter(([, r]) => r.Properties.ObjectLockEnabled) as [
      [string, Json],
    ];
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 730 } },
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    // Retained on delete and replacement; a failed first create rolls the (empty) bucket back.
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    // SSE-S3 by default: no customer-managed key that an administrator could disable.
    const sse = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(sse.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(ofType('AWS::KMS::Key').filter(([, r]) => r.Properties.KeyUsage !== 'SIGN_VERIFY')).toEqual([]);
    // Access logs go to a separate, non-locked bucket.
    const logBucket = bucket.Properties.LoggingConfiguration.DestinationBucketName.Ref;
    expect(logBucket).not.toBe(id);
    expect(resources[logBucket]!.Properties.ObjectLockEnabled).toBeUndefined();
    // Older snapshots move to Glacier IR.
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Json[];
    expect(rules.find((r) => r.Prefix === 'snapshots/')!.Transitions).toEqual([
      { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
    ]);
  });

  it('ends every object retention + 30 days after it was written: current and noncurrent versions, delete markers', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          // Whole bucket (no prefix): the current version gets its delete marker at 760 days, the
          // version itself goes a day later, and the marker once it is alone.
          {
            Id: 'evidence-ends',
            Status: 'Enabled',
            ExpirationInDays: 760,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          },
          { Id: 'expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ]),
      },
    });
    const [[, bucket]] = ofType('AWS::S3::Bucket').filter(([, r]) => r.Properties.ObjectLockEnabled) as [
      [string, Json],
    ];
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Json[];
    // Never within retention, and no rule narrows the expiry to part of the bucket.
    for (const r of rules.filter((x) => x.ExpirationInDays !== undefined)) {
      expect(r.ExpirationInDays).toBeGreaterThan(730);
      expect(r.Prefix).toBeUndefined();
    }
    const custom = Template.fromStack(
      synthApp({ ...BASE_CONFIG, locker: { retentionDays: 365, expireAfterDays: 400 } }).evidence,
    );
    custom.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'evidence-ends', ExpirationInDays: 400 })]),
      },
    });
  });

  it('denies deletion, retention bypass, non-COMPLIANCE writes, lock and policy changes to every principal, and plain HTTP', () => {
    const policy = ofType('AWS::S3::BucketPolicy').find(([, r]) =>
      (r.Properties.PolicyDocument.Statement as Statement[]).some((s) => s.Sid === 'DenyEvidenceDeletion'),
    )![1];
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    const sid = (name: string) => statements.find((s) => s.Sid === name)!;
    expect(sid('DenyEvidenceDeletion')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:BypassGovernanceRetention', 's3:DeleteObject*'],
    });
    expect(sid('DenyRetentionOtherThanCompliance')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObjectRetention',
      Condition: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } },
    });
    expect(sid('DenyWritesWithoutCompliance')).toMatchObject({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Condition: { StringNotEqualsIfExists: { 's3:object-lock-mode': 'COMPLIANCE' } },
    });
    // The policy protects itself: nobody but the exact deployment role may replace or delete it.
    expect(sid('DenyLockAndBucketChanges')).toEqual({
      Sid: 'DenyLockAndBucketChanges',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [
        's3:DeleteBucket',
        's3:DeleteBucketPolicy',
        's3:PutBucketObjectLockConfiguration',
        's3:PutBucketPolicy',
        's3:PutBucketVersioning',
        's3:PutLifecycleConfiguration',
      ],
      Resource: expect.anything(),
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': DEFAULT_EXEC_ROLE } },
    });
    expect(
      statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
    ).toBe(true);
  });
});

describe('locker bucket writes', () => {
  const lockerPolicy = () =>
    ofType('AWS::S3::BucketPolicy')
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => s.Effect === 'Deny' && asArray(s.Action).includes('s3:PutObject'));

  it('requires If-None-Match only on object-creating calls, so multipart uploads work (s3:ObjectCreationOperation)', () => {
    const overwrites = lockerPolicy().find((s) => s.Sid === 'DenyOverwrites')!;
    expect(overwrites).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject' });
    // CreateMultipartUpload / UploadPart / UploadPartCopy cannot carry If-None-Match: without the
    // Bool condition they were refused, and the abort-incomplete-uploads rule was dead code.
    expect(overwrites.Condition).toEqual({
      Null: { 's3:if-none-match': 'true' },
      Bool: { 's3:ObjectCreationOperation': 'true' },
    });
    // No other PutObject deny refuses a write that names no lock mode (a part upload names none).
    for (const s of lockerPolicy().filter((x) => x.Sid !== 'DenyOverwrites')) {
      expect(Object.keys(s.Condition ?? {}), s.Sid).not.toContain('StringNotEquals');
      expect(Object.keys(s.Condition ?? {}), s.Sid).not.toContain('Null');
    }
    const [[, bucket]] = ofType('AWS::S3::Bucket').filter(([, r]) => r.Properties.ObjectLockEnabled) as [
      [string, Json],
    ];
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Json[];
    expect(rules.find((r) => r.Id === 'abort-incomplete-uploads')).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
  });
});

describe('least privilege', () => {
  it('no role or policy anywhere allows a delete, a retention bypass or a wildcard on S3', () => {
    const allows = allStatements().filter(({ statement }) => statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(10);
    for (const { where, statement } of allows) {
      for (const action of asArray(statement.Action)) {
        expect(action, `${where} ${statement.Sid ?? ''}`).not.toMatch(/^s3:(Delete|\*|Bypass)/i);
        expect(action, where).not.toMatch(/BypassGovernanceRetention|^\*$|^s3:Put\*$/);
      }
    }
  });

  it('grants each AWS collector exactly its read actions, snapshot writes and the member roles', () => {
    const aws = COLLECTORS.filter((c) => c.source === 'aws');
    expect(aws.length).toBeGreaterThan(0);
    for (const c of aws) {
      expect(roleActions(functionId(`Collect${pascal(c.id)}`)), c.id).toEqual(
        [
          ...AWS_READ_ACTIONS[c.id]!,
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          's3:GetBucketObjectLockConfiguration',
          's3:PutObject',
          's3:PutObjectRetention',
          'sqs:SendMessage',
        ].sort(),
      );
    }
    // One wildcard role ARN per role name, constrained to the listed accounts, in shared policies.
    const assume = allStatements().filter(({ statement }) => statement.Sid === 'AssumeMemberAccountRoles');
    expect(assume.map(({ statement }) => [statement.Resource, statement.Condition])).toEqual([
      [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/AuditRead']] },
        { StringEquals: { 'aws:ResourceAccount': ['333333333333'] } },
      ],
      [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/EvidenceLockerCollector']] },
        { StringEquals: { 'aws:ResourceAccount': ['222222222222'] } },
      ],
    ]);
    const policies = ofType('AWS::IAM::ManagedPolicy').filter(([id]) => id.startsWith('MemberRoles'));
    for (const c of aws) {
      const roleRef = resources[functionId(`Collect${pascal(c.id)}`)]!.Properties.Role['Fn::GetAtt'][0];
      expect(resources[roleRef]!.Properties.ManagedPolicyArns, c.id).toEqual(
        policies.map(([id]) => ({ Ref: id })),
      );
    }
  });

  it('writes collectors only under snapshots/, seal only under digests/ (and configs/), verify under reports/ (and configs/)', () => {
    const roles = new Set(ofType('AWS::IAM::Policy').map(([id]) => id));
    const writes = allStatements().filter(
      ({ where, statement }) => roles.has(where) && asArray(statement.Action).includes('s3:PutObject'),
    );
    // Seal and verify each write the configuration they ran under (configs/<sha256>.json) too;
    // verify and its parts write their work objects into the work bucket (not the locker).
    expect(writes.length).toBe(COLLECTORS.length + 6);
    const work = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('VerifyRunWork'))![0];
    for (const { where, statement } of writes.filter((w) => w.statement.Effect === 'Allow')) {
      const resource = JSON.stringify(statement.Resource);
      if (resource.includes(work)) {
        expect(where, resource).toMatch(/^(Verify|VerifyRunPart)/);
        expect(resource).toContain('/verify/*');
        expect(statement.Sid).toBe('VerifyWork');
      } else if (where.startsWith('VerifyRunPart')) throw new Error(`a part writes ${resource}`);
      else if (where.startsWith('Collect')) expect(resource, where).toContain('/snapshots/*');
      else if (resource.includes('/configs/*')) expect(where, resource).toMatch(/^(Seal|Verify)/);
      else if (where.startsWith('Seal')) expect(resource, where).toContain('/digests/*');
      else if (where.startsWith('Verify')) expect(resource, where).toContain('/reports/*');
      else throw new Error(`unexpected writer ${where}`);
    }
  });

  it('gives Okta and GitHub collectors their credentials parameter (free to store) and no AWS source access', () => {
    // No Secrets Manager secret ($0.40 a month each): a SecureString the user creates.
    expect(ofType('AWS::SecretsManager::Secret')).toEqual([]);
    for (const source of ['Okta', 'Github']) {
      const id = functionId(`Collect${source}`);
      expect(roleActions(id)).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetBucketObjectLockConfiguration',
        's3:PutObject',
        's3:PutObjectRetention',
        'sqs:SendMessage',
        'ssm:GetParameter',
      ]);
      const read = allStatements().find(
        ({ where, statement }) =>
          where.startsWith(`Collect${source}`) && statement.Sid === 'ReadCredentialsParameter',
      )!.statement;
      expect(JSON.stringify(read.Resource)).toContain(`:parameter/EvidenceLocker/${source.toLowerCase()}"`);
      const env = resources[id]!.Properties.Environment.Variables;
      expect(env[`${source.toUpperCase()}_SECRET_PARAMETER`]).toBe(`/EvidenceLocker/${source.toLowerCase()}`);
      expect(env.EVIDENCE_COLLECTOR).toBe(source.toLowerCase());
    }
  });

  it('lets seal list and read snapshots and digests (with their retention) and write digests, nothing more', () => {
    // GetObjectRetention: without it S3 leaves the lock mode and date out of GetObject, and the
    // digests could not record them for the verifier.
    expect(roleActions(functionId('Seal'))).toEqual([
      'kms:GetPublicKey',
      'kms:Sign',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetBucketObjectLockConfiguration',
      's3:GetObject',
      's3:GetObjectRetention',
      's3:ListBucket',
      's3:PutObject',
      's3:PutObjectRetention',
      'sqs:SendMessage',
    ]);
  });

  it('lets verify read everything with retention, write reports, put its metrics and publish alerts', () => {
    expect(roleActions(functionId('Verify'))).toEqual([
      'cloudwatch:PutMetricData',
      'kms:GetPublicKey',
      'kms:Sign',
      'kms:Verify',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetBucketObjectLockConfiguration',
      's3:GetObject',
      's3:GetObjectRetention',
      's3:ListBucket',
      's3:PutObject',
      's3:PutObjectRetention',
      'sns:Publish',
      'sqs:SendMessage',
    ]);
    const metrics = allStatements().find(({ statement }) => statement.Sid === 'PutVerifyMetrics')!.statement;
    expect(metrics.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'EvidenceLocker' } });
    const env = resources[functionId('Verify')]!.Properties.Environment.Variables;
    expect(env.ALERT_TOPIC_ARN).toEqual({ Ref: ofType('AWS::SNS::Topic')[0]![0] });
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('EvidenceLocker');
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('evidence-verify');
    expect(env.VERIFY_LOOKBACK_DAYS).toBe('90');
  });
});

describe('digest signing key', () => {
  const signingKey = () => {
    const keys = ofType('AWS::KMS::Key').filter(([, r]) => r.Properties.KeyUsage === 'SIGN_VERIFY');
    expect(keys.length).toBe(1);
    return keys[0]!;
  };

  it('is one retained ECC_NIST_P256 SIGN_VERIFY key that nobody may disable or schedule for deletion', () => {
    const [, key] = signingKey();
    expect(key.Properties.KeySpec).toBe('ECC_NIST_P256');
    // Retained, except when its own creation rolls back: a failed first deploy leaves no key.
    expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(key.UpdateReplacePolicy).toBe('Retain');
    expectProtectedKeyPolicy(key, DEFAULT_EXEC_ROLE);
  });

  it('is named to seal and verify in EVIDENCE_SIGNING_KMS_KEY_ID; seal may sign, verify only check', () => {
    const [keyId] = signingKey();
    for (const fn of ['Seal', 'Verify']) {
      const env = resources[functionId(fn)]!.Properties.Environment.Variables;
      expect(env.EVIDENCE_SIGNING_KMS_KEY_ID, fn).toEqual({ Ref: keyId });
    }
    const onKey = (fn: string) => {
      const roleRef = resources[functionId(fn)]!.Properties.Role['Fn::GetAtt'][0] as string;
      return ofType('AWS::IAM::Policy')
        .filter(([, r]) => asArray(r.Properties.Roles).some((x: Json) => x.Ref === roleRef))
        .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] }))
        .flatMap((s) => asArray(s.Action))
        .sort();
    };
    expect(onKey('Seal')).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    expect(onKey('Verify')).toEqual(['kms:GetPublicKey', 'kms:Sign', 'kms:Verify']);
    for (const [id] of ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('Collect'))) {
      expect(onKey(id.replace(/[A-F0-9]{8}$/, '')), id).toEqual([]);
    }
  });

  it('seal runs one at a time (reserved concurrency 1), so two seals never race on the chain', () => {
    expect(resources[functionId('Seal')]!.Properties.ReservedConcurrentExecutions).toBe(1);
  });
});

describe('functions', () => {
  it('are arm64 Node.js 24 with the config, the locker and a log group with retention', () => {
    const fns = ofType('AWS::Lambda::Function');
    // Collectors, seal, verify and the verify run's part function.
    expect(fns.length).toBe(COLLECTORS.length + 3);
    for (const [id, fn] of fns) {
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      const env = fn.Properties.Environment.Variables;
      expect(env.EVIDENCE_CONFIG).toBe('/opt/evidence.config.json');
      expect(env.EVIDENCE_CONFIG_JSON).toBeUndefined();
      expect(fn.Properties.Layers, id).toHaveLength(1);
      expect(env.EVIDENCE_STORE['Fn::Join'][1][0]).toBe('s3://');
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroup = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroup]!.Properties.RetentionInDays).toBe(90);
    }
  });
});

describe('schedules', () => {
  const schedules = () => ofType('AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
  const target = (fn: string) => schedules().find((s) => s.Target.Arn['Fn::GetAtt']?.[0] === functionId(fn))!;

  it('collects every collector daily just after midnight UTC and seals later, with retries and a DLQ', () => {
    for (const c of COLLECTORS) {
      const s = target(`Collect${pascal(c.id)}`);
      expect(s.ScheduleExpression, c.id).toBe('cron(5 0 * * ? *)');
      expect(s.ScheduleExpressionTimezone).toBe('Etc/UTC');
    }
    // By default a collector whose runs carry work over (okta-users) runs again, hourly in the
    // early UTC hours: an org past a day's factor-read budget never drifts by being left alone.
    const continuing = COLLECTORS.filter((c) => c.continues);
    expect(continuing.map((c) => c.id)).toEqual(['okta-users']);
    expect(target('Seal').ScheduleExpression).toBe('cron(0 3 * * ? *)');
    // The verify schedule starts the verify state machine (plan, parts, merge).
    const verifyMachine = ofType('AWS::StepFunctions::StateMachine').find(([id]) =>
      id.startsWith('VerifyRun'),
    )![0];
    const verifySchedule = schedules().find((s) => s.Target.Arn.Ref === verifyMachine)!;
    expect(verifySchedule.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    const dlq = ofType('AWS::SQS::Queue')[0]![0];
    for (const s of schedules()) {
      expect(s.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 3 });
      expect(s.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
      expect(JSON.parse(s.Target.Input)).toMatchObject({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    }
    expect(schedules().length).toBe(COLLECTORS.length + continuing.length + 2);
    const again = schedules().filter((s) => s.ScheduleExpression === DEFAULT_COLLECT_AGAIN);
    expect(DEFAULT_COLLECT_AGAIN).toBe('cron(35 0-6 * * ? *)');
    expect(again.map((s) => s.Target.Arn['Fn::GetAtt'][0])).toEqual([functionId('CollectOktaUsers')]);
    expect(again[0]!.ScheduleExpressionTimezone).toBe('Etc/UTC');
  });

  it('follows schedule.* from the configuration', () => {
    const { evidence } = synthApp(
      { ...BASE_CONFIG, schedule: { collect: 'cron(10 0 * * ? *)', seal: 'cron(30 4 * * ? *)' } },
      { verify: false, nag: false },
    );
    const exprs = Template.fromStack(evidence).findResources('AWS::Scheduler::Schedule');
    const values = Object.values(exprs).map((s) => s.Properties.ScheduleExpression);
    expect(values.filter((v) => v === 'cron(10 0 * * ? *)').length).toBe(COLLECTORS.length);
    expect(values).toContain('cron(30 4 * * ? *)');
  });

  it('schedule.collectAgain false turns the further runs off: every collector runs once a day', () => {
    const { evidence } = synthApp(
      { ...BASE_CONFIG, schedule: { collectAgain: false } },
      { verify: false, nag: false },
    );
    const all = Object.values(Template.fromStack(evidence).findResources('AWS::Scheduler::Schedule'));
    // One schedule per collector function, none further.
    const targets = all.map((s) => s.Properties.Target.Arn['Fn::GetAtt'][0] as string);
    expect(new Set(targets).size).toBe(targets.length);
    expect(all.some((s) => s.Properties.ScheduleExpression === DEFAULT_COLLECT_AGAIN)).toBe(false);
    const okta = all.filter(
      (s) => s.Properties.Target.Arn['Fn::GetAtt'][0] === functionId('CollectOktaUsers'),
    );
    expect(okta.map((s) => s.Properties.ScheduleExpression)).toEqual(['cron(5 0 * * ? *)']);
    // Anything else is refused, naming the key and the fix.
    expect(() =>
      synthApp({ ...BASE_CONFIG, schedule: { collectAgain: 'hourly' } }, { verify: false, nag: false }),
    ).toThrow(/schedule\.collectAgain.*or false/);
  });

  it('schedules a collector whose runs carry work over (okta-users) again on schedule.collectAgain, no other', () => {
    const { evidence } = synthApp(
      { ...BASE_CONFIG, schedule: { collectAgain: 'cron(35 1-9 * * ? *)' } },
      { verify: false, nag: false },
    );
    const schedules = Object.values(Template.fromStack(evidence).findResources('AWS::Scheduler::Schedule'));
    const again = schedules.filter((s) => s.Properties.ScheduleExpression === 'cron(35 1-9 * * ? *)');
    expect(again.map((s) => s.Properties.Target.Arn['Fn::GetAtt'][0])).toEqual([
      functionId('CollectOktaUsers'),
    ]);
    // Its daily schedule stays; the expression replaces the default one.
    const okta = schedules.filter(
      (s) => s.Properties.Target.Arn['Fn::GetAtt'][0] === functionId('CollectOktaUsers'),
    );
    expect(okta.map((s) => s.Properties.ScheduleExpression).sort()).toEqual([
      'cron(35 1-9 * * ? *)',
      'cron(5 0 * * ? *)',
    ]);
  });

  it('the DLQ is encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('alerts', () => {
  const topicId = () => ofType('AWS::SNS::Topic')[0]![0];
  const topicStatements = () =>
    ofType('AWS::SNS::TopicPolicy').flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[]);
  const alarm = (name: string) => {
    const found = ofType('AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties.AlarmName === `EvidenceLocker-${name}`,
    );
    if (!found) throw new Error(`no alarm ${name}`);
    return found[1].Properties;
  };

  it("the topic policy lets this account's CloudWatch alarms publish (enforceSSL alone would refuse them)", () => {
    const allow = topicStatements().find((s) => s.Sid === 'CloudWatchAlarmsOfThisAccountPublish');
    expect(allow).toEqual({
      Sid: 'CloudWatchAlarmsOfThisAccountPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId() },
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudwatch:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':alarm:*',
              ],
            ],
          },
        },
      },
    });
    // TLS is still enforced for everyone.
    expect(
      topicStatements().some(
        (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      ),
    ).toBe(true);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'security@example.com',
      TopicArn: { Ref: topicId() },
    });
  });

  it('has exactly the five alarms of the README table, each one metric, each notifying the topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(
      Object.keys(ALARMS)
        // Only with aws.organization (the fan-out's state machine): test/infra/fan-out.test.ts.
        .filter((id) => id !== 'CollectionRunFailed')
        .map((id) => `EvidenceLocker-${id}`)
        .sort(),
    );
    for (const a of alarms) {
      expect(a.AlarmActions, a.AlarmName).toEqual([{ Ref: topicId() }]);
      // One metric per alarm (no metric math): each is one "alarm metric" in CloudWatch pricing.
      expect(a.Metrics, a.AlarmName).toBeUndefined();
      expect(a.AlarmDescription, a.AlarmName).toMatch(/Do: /);
    }
    expect(alarm('DeadLetters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    // One failed-collection alarm for every collector: the collectors share one service dimension.
    expect(alarm('CollectionsFailed')).toMatchObject({
      Namespace: 'EvidenceLocker',
      MetricName: 'SnapshotsFailed',
      Dimensions: [{ Name: 'service', Value: 'evidence-collect' }],
      Statistic: 'Sum',
    });
    for (const [, fn] of ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('Collect'))) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('evidence-collect');
    }
    for (const metric of ['MissingDays', 'IntegrityProblems']) {
      // On what is new since the previous verification (issue 25).
      expect(alarm(metric)).toMatchObject({
        MetricName: `New${metric}`,
        Namespace: 'EvidenceLocker',
        Dimensions: [{ Name: 'service', Value: 'evidence-verify' }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('the heartbeat fires when the verifier has put nothing for 30 hours: missing data breaches', () => {
    expect(alarm('VerifierSilent')).toMatchObject({
      Namespace: 'EvidenceLocker',
      MetricName: 'IntegrityProblems',
      Dimensions: [{ Name: 'service', Value: 'evidence-verify' }],
      Statistic: 'SampleCount',
      Period: 3600,
      EvaluationPeriods: 30,
      DatapointsToAlarm: 30,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('reports disable, deletion and policy calls on the evidence keys to the topic', () => {
    const [[ruleId, rule]] = ofType('AWS::Events::Rule') as [[string, Json]];
    const [signingKeyId] = ofType('AWS::KMS::Key').find(([, r]) => r.Properties.KeyUsage === 'SIGN_VERIFY')!;
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        eventName: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKeyRotation'],
      },
    });
    expect(JSON.stringify(rule.Properties.EventPattern.detail.$or)).toContain(signingKeyId);
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: topicId() });
    const publish = topicStatements().find((s) => s.Sid === 'KeyTamperingRulePublishes')!;
    expect(publish).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
    });
  });

  it('makes the dashboard optional (alerts.dashboard), off by default', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    const { evidence } = synthApp(
      { ...BASE_CONFIG, alerts: { none: true, dashboard: true } },
      { nag: false },
    );
    Template.fromStack(evidence).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('stack', () => {
  it('has termination protection: deleting it would silence every alarm and schedule', () => {
    const { evidence } = synthApp(BASE_CONFIG, { nag: false, verify: false });
    expect(evidence.terminationProtection).toBe(true);
  });
});

describe('opt-in customer-managed locker key (locker.encryption: "SSE-KMS")', () => {
  let t: Template;
  beforeAll(() => {
    const { evidence } = synthApp({ ...BASE_CONFIG, locker: { retentionDays: 730, encryption: 'SSE-KMS' } });
    t = Template.fromStack(evidence);
  });

  it('encrypts the locker with a retained, rotating key that nobody may disable or schedule for deletion', () => {
    const keys = Object.entries(t.findResources('AWS::KMS::Key')).filter(
      ([, r]) => r.Properties.KeyUsage !== 'SIGN_VERIFY',
    );
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expectProtectedKeyPolicy(key, DEFAULT_EXEC_ROLE);
    t.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
    });
    // Its disable/delete calls raise an alert like the signing key's.
    const [rule] = Object.values(t.findResources('AWS::Events::Rule'));
    expect(JSON.stringify(rule!.Properties.EventPattern)).toContain(keyId);
  });

  it('grants the key only as each function needs it', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy'));
    const keyActions = (prefix: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(prefix))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => s.Sid === 'LockerKey')
        .flatMap((s) => asArray(s.Action))
        .sort();
    expect(keyActions('CollectGuarddutyRole')).toEqual(['kms:GenerateDataKey']);
    expect(keyActions('SealRole')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});

describe('safe to try, safe to fail (issue 25, item 1)', () => {
  const keyPolicies = (t: Template) => Object.values(t.findResources('AWS::KMS::Key')).map((k) => k as Json);
  const guardedBy = (t: Template) => {
    const policy = Object.values(t.findResources('AWS::S3::BucketPolicy')).find((r) =>
      (r.Properties.PolicyDocument.Statement as Statement[]).some(
        (s) => s.Sid === 'DenyLockAndBucketChanges',
      ),
    )!;
    return (policy.Properties.PolicyDocument.Statement as Statement[]).find(
      (s) => s.Sid === 'DenyLockAndBucketChanges',
    )!.Condition;
  };

  it('a custom bootstrap qualifier: the key and bucket policies name exactly that execution role', () => {
    const { evidence } = synthApp(
      { ...BASE_CONFIG, locker: { retentionDays: 730, encryption: 'SSE-KMS' } },
      { context: { '@aws-cdk/core:bootstrapQualifier': 'audit42' } },
    );
    const t = Template.fromStack(evidence);
    const role = execRole('audit42');
    const keys = keyPolicies(t);
    expect(keys).toHaveLength(2);
    for (const key of keys) expectProtectedKeyPolicy(key, role);
    expect(guardedBy(t)).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': role } });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyKeyPolicyChangesOutsideDeployments',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': role } },
          }),
        ]),
      },
    });
  });

  it('deploy.roleArn (cdk deploy --role-arn, or the CLI-credentials synthesizer) is named exactly instead', () => {
    const roleArn = 'arn:aws:iam::111111111111:role/platform/evidence-deployer';
    const t = Template.fromStack(synthApp({ ...BASE_CONFIG, deploy: { roleArn } }).evidence);
    expectProtectedKeyPolicy(keyPolicies(t)[0]!, roleArn);
    expect(guardedBy(t)).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': roleArn } });
  });

  it('a synthesizer with no execution role and no deploy.roleArn is refused, naming the key', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S', { synthesizer: new CliCredentialsStackSynthesizer() });
    expect(() => deploymentRoleArn(stack, undefined)).toThrow(ConfigError);
    expect(() => deploymentRoleArn(stack, undefined)).toThrow(/deploy\.roleArn/);
    expect(deploymentRoleArn(stack, 'arn:aws:iam::111111111111:role/me')).toBe(
      'arn:aws:iam::111111111111:role/me',
    );
  });

  it('locker.retentionDays below 30 is refused unless locker.trial, with the fix', () => {
    expect(() => parseConfig({ ...BASE_CONFIG, locker: { retentionDays: 7 } })).toThrow(
      /locker\.retentionDays: got 7, expected at least 30 days .*"trial": true/,
    );
    expect(() =>
      parseConfig({ ...BASE_CONFIG, locker: { retentionDays: 730, expireAfterDays: 700 } }),
    ).toThrow(/locker\.expireAfterDays: got 700, expected more days than locker\.retentionDays \(730\)/);
    expect(parseConfig({ ...BASE_CONFIG, locker: { retentionDays: 1, trial: true } }).locker.trial).toBe(
      true,
    );
  });

  it('a trial locker: GOVERNANCE for 1 day, deletable keys and objects, no termination protection', () => {
    const { evidence } = synthApp({
      ...BASE_CONFIG,
      locker: { retentionDays: 1, trial: true, expireAfterDays: 2 },
    });
    const t = Template.fromStack(evidence);
    t.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    });
    const statements = Object.values(t.findResources('AWS::S3::BucketPolicy')).flatMap(
      (r) => r.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements.some((s) => s.Sid === 'DenyEvidenceDeletion')).toBe(false);
    expect(statements.find((s) => s.Sid === 'DenyWritesWithoutCompliance')!.Condition).toEqual({
      StringNotEqualsIfExists: { 's3:object-lock-mode': 'GOVERNANCE' },
    });
    for (const key of keyPolicies(t)) {
      expect(key.DeletionPolicy).toBe('Delete');
      expect(JSON.stringify(key.Properties.KeyPolicy)).not.toContain('kms:ScheduleKeyDeletion');
    }
    expect(evidence.terminationProtection).toBe(false);
    expect(synthApp(BASE_CONFIG).evidence.terminationProtection).toBe(true);
  });
});

describe('names carry deploy.prefix: two lockers in one organization (issue 25, item 5)', () => {
  it('prefixes the stacks, the collector roles, the parameters and the alarms', () => {
    const { evidence, member } = synthApp({ ...BASE_CONFIG, deploy: { prefix: 'AuditB' } });
    expect(evidence.stackName).toBe('AuditB');
    expect(member!.stackName).toBe('AuditBMember');
    const t = Template.fromStack(evidence);
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['AuditB-collect-iam-', { Ref: 'AWS::Region' }]] },
    });
    const roleNames = Object.values(t.findResources('AWS::IAM::Role'))
      .map((r) => JSON.stringify(r.Properties.RoleName ?? ''))
      .filter((n) => n.includes('-collect-'));
    expect(roleNames.length).toBeGreaterThan(0);
    for (const n of roleNames) expect(n).toMatch(/^"?\{?.*AuditB-collect-/);
    expect(JSON.stringify(t.toJSON())).not.toContain('EvidenceLocker-collect-');
    expect(evidence.secretParameters).toEqual({ okta: '/AuditB/okta', github: '/AuditB/github' });
    // The member role trusts the prefixed roles.
    const trust = JSON.stringify(Template.fromStack(member!).toJSON());
    expect(trust).toContain(':role/AuditB-collect-');
    expect(trust).not.toContain('EvidenceLocker-collect-');
  });
});

describe('alerts that reach a person (issue 25, item 3)', () => {
  const slack = [{ workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' }];
  const teams = [
    {
      tenantId: '11111111-2222-3333-4444-555555555555',
      teamId: '66666666-7777-8888-9999-000000000000',
      channelId: '19%3aabc123%40thread.tacv2',
    },
  ];
  const webhooks = [{ name: 'pagerduty', format: 'pagerduty' as const }, { name: 'chat' }];

  it('refuses to synthesize with no destination, unless alerts.none says so on purpose', () => {
    expect(() => synthApp({ ...BASE_CONFIG, alerts: {} })).toThrow(ConfigError);
    expect(() => synthApp({ ...BASE_CONFIG, alerts: { emails: [] } })).toThrow(
      /alerts: no destination, so every alarm would reach nobody; .*"none": true/,
    );
    const t = Template.fromStack(synthApp({ ...BASE_CONFIG, alerts: { none: true } }).evidence);
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    t.resourceCountIs('AWS::CloudWatch::Alarm', Object.keys(ALARMS).length - 1);
  });

  it('e-mail, Slack and Teams (AWS Chatbot, a role with no permissions, the AWSDenyAll guardrail) and webhooks on the one topic', () => {
    const { evidence } = synthApp({
      ...BASE_CONFIG,
      alerts: { emails: ['security@example.com'], slack, teams, webhooks },
    });
    const t = Template.fromStack(evidence);
    const topic = { Ref: evidence.getLogicalId(evidence.topic.node.defaultChild as CfnElement) };
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'security@example.com',
      TopicArn: topic,
    });
    t.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0456EFGH',
      SnsTopicArns: [topic],
      GuardrailPolicies: ['arn:aws:iam::aws:policy/AWSDenyAll'],
    });
    t.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamsTenantId: teams[0]!.tenantId,
      TeamId: teams[0]!.teamId,
      TeamsChannelId: teams[0]!.channelId,
      SnsTopicArns: [topic],
      GuardrailPolicies: ['arn:aws:iam::aws:policy/AWSDenyAll'],
    });
    // The chat role may do nothing: no policy names it.
    const [chatRole] = Object.entries(t.findResources('AWS::IAM::Role')).find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('chatbot.amazonaws.com'),
    )!;
    for (const p of Object.values(t.findResources('AWS::IAM::Policy')))
      expect(JSON.stringify(p.Properties.Roles)).not.toContain(chatRole);
    expect(t.findResources('AWS::IAM::Role')[chatRole]!.Properties.ManagedPolicyArns).toBeUndefined();
    // Webhooks: a function subscribed to the topic, reading each URL from its own SSM parameter.
    const fn = evidence.webhookFunction!;
    const fnId = evidence.getLogicalId(fn.node.defaultChild as CfnElement);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topic,
      Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    const env = t.toJSON().Resources[fnId].Properties.Environment.Variables;
    expect(JSON.parse(env.ALERT_WEBHOOKS)).toEqual([
      { name: 'pagerduty', format: 'pagerduty', parameter: '/EvidenceLocker/webhooks/pagerduty' },
      { name: 'chat', format: 'json', parameter: '/EvidenceLocker/webhooks/chat' },
    ]);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadWebhookParameters',
            Action: 'ssm:GetParameter',
            Resource: [
              Match.anyValue(),
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':ssm:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':parameter/EvidenceLocker/webhooks/pagerduty',
                  ],
                ],
              },
            ],
          }),
        ]),
      },
    });
    // No URL anywhere in the template.
    expect(JSON.stringify(t.toJSON())).not.toMatch(/https:\/\/(?!example)/);
  });

  it('MissingDays and IntegrityProblems alarm on what is new since the last verification', () => {
    for (const [alarm, metric] of [
      ['MissingDays', 'NewMissingDays'],
      ['IntegrityProblems', 'NewIntegrityProblems'],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `EvidenceLocker-${alarm}`,
        MetricName: metric,
        Namespace: 'EvidenceLocker',
        Dimensions: [{ Name: 'service', Value: 'evidence-verify' }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

describe('X-Ray (issue 25, item 6)', () => {
  it('traces every function actively', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(3);
    for (const [id, fn] of fns) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
    // Each role may put its traces, nothing more of X-Ray.
    // (A state machine's role traces too: its statement is pinned in verify-run.test.ts and fan-out.test.ts.)
    const machineRoles = new Set(
      ofType('AWS::StepFunctions::StateMachine').map(([, m]) => m.Properties.RoleArn['Fn::GetAtt'][0]),
    );
    const xray = allStatements()
      .filter(({ where }) => !machineRoles.has(resources[where]?.Properties.Roles?.[0]?.Ref))
      .filter(({ statement }) => asArray(statement.Action).some((a) => String(a).startsWith('xray:')))
      .map(({ statement }) => ({
        Action: statement.Action,
        Resource: statement.Resource,
        Effect: statement.Effect,
      }));
    expect(xray.length).toBeGreaterThanOrEqual(fns.length);
    for (const x of xray) {
      expect(x.Effect).toBe('Allow');
      expect(x.Resource).toBe('*');
      expect(asArray(x.Action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });
});

describe('explicit environment (issue 25, item 6)', () => {
  const config = (deploy: Record<string, string> = {}) =>
    parseConfig({ ...BASE_CONFIG, deploy }, 'test config');

  it("the configuration's deploy.account/deploy.region win over the CLI's, silently", () => {
    const notes: string[] = [];
    const env = stackEnvironment(
      config({ account: '444444444444', region: 'eu-central-1' }),
      { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'us-east-1' },
      (m) => notes.push(m),
    );
    expect(env).toEqual({ account: '444444444444', region: 'eu-central-1' });
    expect(notes).toEqual([]);
  });

  it("else the CLI's credentials and profile (CDK_DEFAULT_ACCOUNT/REGION)", () => {
    const notes: string[] = [];
    expect(
      stackEnvironment(
        config(),
        { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'us-west-2' },
        (m) => notes.push(m),
      ),
    ).toEqual({ account: '111111111111', region: 'us-west-2' });
    expect(notes).toEqual([]);
  });

  it('with neither, synth says so, and the template takes the account and region it is deployed to (no baked us-east-1)', () => {
    const notes: string[] = [];
    const env = stackEnvironment(config(), {}, (m) => notes.push(m));
    expect(env).toEqual({});
    expect(notes).toEqual([
      expect.stringMatching(/no account or region in deploy.account\/deploy.region .*environment-agnostic/),
    ]);
    const { evidence } = synthApp(BASE_CONFIG, { nag: false, verify: false, env });
    const text = JSON.stringify(Template.fromStack(evidence).toJSON());
    expect(text).not.toMatch(/us-east-1|111111111111/);
    expect(text).toContain('AWS::Region');
  });
});
