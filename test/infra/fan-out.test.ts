/**
 * The AWS fan-out (aws.organization): plan → Distributed Map of shards, asserted exactly on
 * the synthesized template. Step Functions cannot run locally, so the definition is read as
 * JSON and its shape pinned here; test/functions/fan-out.test.ts runs the two handlers on
 * the emulator with exactly the input this definition's ItemSelector builds.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZATION_READ_ACTIONS } from '../../shared/aws/organization.js';
import { allAwsReadActions } from '../../shared/aws/permissions.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import type { ConfigInput } from '../../shared/config.js';
import { type Json, stateMachineDefinition } from '../helpers/state-machine.js';
import { BASE_CONFIG, synthApp } from './synth.js';

const ORG_CONFIG: ConfigInput = {
  ...BASE_CONFIG,
  aws: {
    ...BASE_CONFIG.aws!,
    organization: { excludeOus: ['ou-ab12-cd34ef56'] },
    fanOut: { maxConcurrency: 25, shardAccounts: 4 },
  },
};

type Statement = {
  Effect: string;
  Action: string | string[];
  Sid?: string;
  Resource?: unknown;
  Condition?: Json;
};
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

let resources: Record<string, Json>;
let memberTemplate: Template;
let asl: Json;
let machineId: string;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionIdOf = (prefix: string) => {
  const found = ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one function ${prefix}*, found ${found.length}`);
  return found[0]![0];
};
/** Every Allow statement of the policies attached to a role (inline Policy resources and managed ones). */
function roleStatements(roleId: string): Statement[] {
  const out: Statement[] = [];
  for (const [, r] of ofType('AWS::IAM::Policy')) {
    if (asArray(r.Properties.Roles).some((x: Json) => x.Ref === roleId))
      out.push(...(r.Properties.PolicyDocument.Statement as Statement[]));
  }
  const role = resources[roleId]!;
  for (const m of asArray<Json>(role.Properties.ManagedPolicyArns)) {
    if (m.Ref && resources[m.Ref])
      out.push(...(resources[m.Ref]!.Properties.PolicyDocument.Statement as Statement[]));
  }
  return out.filter((s) => s.Effect === 'Allow');
}
const roleOf = (functionId: string) => resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
/** A function role's actions but X-Ray's two (active tracing, on every function: evidence-stack.test.ts pins them). */
const functionActionsOf = (statements: Statement[]) =>
  actionsOf(statements).filter((a) => !a.startsWith('xray:'));

beforeAll(() => {
  const { evidence, member } = synthApp(ORG_CONFIG);
  resources = Template.fromStack(evidence).toJSON().Resources;
  memberTemplate = Template.fromStack(member!);
  ({ logicalId: machineId, asl } = stateMachineDefinition(resources, 'CollectAws'));
});

describe('fan-out functions', () => {
  it('replace the per-collector AWS functions; Okta and GitHub keep theirs', () => {
    const ids = ofType('AWS::Lambda::Function').map(([id]) => id);
    for (const c of COLLECTORS.filter((x) => x.source === 'aws')) {
      const name = `Collect${c.id.charAt(0).toUpperCase()}${c.id.slice(1).replace(/-(\w)/g, (_, w: string) => w.toUpperCase())}`;
      expect(
        ids.filter((id) => id.startsWith(name)),
        c.id,
      ).toEqual([]);
    }
    // okta and okta-users
    expect(ids.filter((id) => id.startsWith('CollectOkta'))).toHaveLength(2);
    expect(ids.filter((id) => id.startsWith('CollectGithub')).length).toBeGreaterThanOrEqual(1);
    const plan = resources[functionIdOf('CollectAwsPlan')]!.Properties;
    const shard = resources[functionIdOf('CollectAwsShard')]!.Properties;
    expect(plan).toMatchObject({ Timeout: 300, Architectures: ['arm64'] });
    expect(shard).toMatchObject({ Timeout: 900, MemorySize: 1024, Architectures: ['arm64'] });
    // Both report into the collector metrics (the CollectionsFailed alarm) and read the config file.
    for (const fn of [plan, shard]) {
      expect(fn.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'evidence-collect',
        EVIDENCE_CONFIG: '/opt/evidence.config.json',
      });
      expect(fn.Layers).toHaveLength(1);
    }
  });

  it('plan role: the Organizations read actions the organization collector declares, snapshot writes; no AssumeRole', () => {
    const statements = roleStatements(roleOf(functionIdOf('CollectAwsPlan')));
    const declared = COLLECTORS.find((c) => c.id === 'organization')!.permissions!;
    expect([...declared].sort()).toEqual([...ORGANIZATION_READ_ACTIONS].sort());
    expect(statements.find((s) => s.Sid === 'ReadSource')).toEqual({
      Sid: 'ReadSource',
      Effect: 'Allow',
      Action: [...declared].sort(),
      Resource: '*',
    });
    expect(functionActionsOf(statements)).toEqual(
      [
        ...declared,
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetBucketObjectLockConfiguration',
        's3:PutObject',
        's3:PutObjectRetention',
        'sqs:SendMessage', // the dead-letter queue of asynchronous invocations, as every function
      ].sort(),
    );
  });

  it("shard role: named like a collector role, the AWS collectors' read actions, member roles only in the organization", () => {
    const roleId = roleOf(functionIdOf('CollectAwsShard'));
    expect(resources[roleId]!.Properties.RoleName).toEqual({
      'Fn::Join': ['', ['EvidenceLocker-collect-shard-', { Ref: 'AWS::Region' }]],
    });
    const statements = roleStatements(roleId);
    // Every AWS collector the configuration turns on (aws-identity-center needs aws.identityCenter).
    const readActions = allAwsReadActions(
      COLLECTORS.filter((c) => c.id !== 'organization' && c.id !== 'aws-identity-center'),
    );
    expect(statements.find((s) => s.Sid === 'ReadSource')!.Action).toEqual(readActions);
    expect(functionActionsOf(statements)).toEqual(
      [
        ...readActions,
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetBucketObjectLockConfiguration',
        's3:PutObject',
        's3:PutObjectRetention',
        'sqs:SendMessage',
        'sts:AssumeRole',
      ].sort(),
    );
    expect(actionsOf(statements).some((a) => a.startsWith('organizations:'))).toBe(false);
    const assume = statements.filter((s) => asArray(s.Action).includes('sts:AssumeRole'));
    expect(assume.find((s) => s.Sid === 'AssumeMemberRolesInOwnOrganization')).toEqual({
      Sid: 'AssumeMemberRolesInOwnOrganization',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/AuditRead']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/EvidenceLockerCollector']] },
      ],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable
      Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
    });
    // The listed accounts (which may lie outside the organization): only those ids.
    const listed = assume.filter((s) => s.Sid === 'AssumeMemberAccountRoles');
    expect(listed.flatMap((s) => s.Condition!.StringEquals['aws:ResourceAccount']).sort()).toEqual([
      '222222222222',
      '333333333333',
    ]);
  });

  it('the member role trusts exactly the shard role', () => {
    const role = Object.values(memberTemplate.findResources('AWS::IAM::Role'))[0]!.Properties;
    const principals = asArray<Json>(role.AssumeRolePolicyDocument.Statement[0].Principal.AWS);
    expect(principals).toHaveLength(1);
    expect(JSON.stringify(principals[0])).toContain(':role/EvidenceLocker-collect-shard-');
    expect(JSON.stringify(role.Policies)).not.toContain('organizations:');
  });
});

describe('state machine', () => {
  it('is a STANDARD state machine named <stack>-collect-aws, logging every event and traced', () => {
    const machine = resources[machineId]!.Properties;
    expect(machine).toMatchObject({
      StateMachineName: 'EvidenceLocker-collect-aws',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    });
    const logGroup =
      machine.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(resources[logGroup]!.Properties).toMatchObject({
      LogGroupName: '/aws/vendedlogs/states/EvidenceLocker-collect-aws',
      RetentionInDays: 90,
    });
  });

  it('definition (valid JSON): plan, then a Distributed Map of shards, then the end; the run times out within a day', () => {
    expect(asl.StartAt).toBe('Plan the run');
    expect(Object.keys(asl.States).sort()).toEqual(['Plan the run', 'Shards']);
    expect(asl.TimeoutSeconds).toBe(23 * 3600);
    const plan = asl.States['Plan the run'];
    expect(plan).toMatchObject({
      Type: 'Task',
      Resource: `arn:${functionIdOf('CollectAwsPlan')}`,
      Next: 'Shards',
      TimeoutSeconds: 360,
    });
    expect(plan.Retry.at(-1)).toEqual({
      ErrorEquals: ['States.ALL'],
      IntervalSeconds: 60,
      MaxAttempts: 2,
      BackoffRate: 2,
      JitterStrategy: 'FULL',
    });
  });

  it('the map: items from the plan, ids only plus what every shard shares; bounded, tolerating failed shards, results discarded', () => {
    const map = asl.States.Shards;
    expect(map).toMatchObject({
      Type: 'Map',
      End: true,
      ItemsPath: '$.shards',
      MaxConcurrency: 25,
      // One failed shard does not stop the others (issue 25): up to half may fail before the run does.
      ToleratedFailurePercentage: 50,
      ResultPath: null,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(map.ItemSelector).toEqual({
      'shard.$': '$$.Map.Item.Value',
      'runId.$': '$.runId',
      'defaultAccountId.$': '$.defaultAccountId',
      'scheduledFor.$': '$.scheduledFor',
    });
    expect(map.ItemReader).toBeUndefined();
    const processor = map.ItemProcessor;
    expect(processor.StartAt).toBe('Collect one shard');
    const shard = processor.States['Collect one shard'];
    // The item's timeout: the shard's 15 minutes and one more; the handler stops itself 30 s early.
    expect(shard).toMatchObject({
      Type: 'Task',
      Resource: `arn:${functionIdOf('CollectAwsShard')}`,
      End: true,
      TimeoutSeconds: 960,
    });
    expect(shard.Retry).toEqual([
      {
        ErrorEquals: [
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
      },
      {
        ErrorEquals: ['States.ALL'],
        IntervalSeconds: 30,
        MaxAttempts: 2,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      },
    ]);
    // A shard that still fails: its scopes get error snapshots, then its child execution fails
    // (counted by the map; a redrive of a failed run reruns it).
    expect(shard.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record the failed shard' },
    ]);
    const record = processor.States['Record the failed shard'];
    expect(record).toMatchObject({
      Type: 'Task',
      Resource: `arn:${functionIdOf('CollectAwsShard')}`,
      ResultPath: null,
      Next: 'Shard failed',
    });
    expect(processor.States['Shard failed']).toEqual({
      Type: 'Fail',
      Comment: expect.any(String),
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
    expect(Object.keys(processor.States).sort()).toEqual([
      'Collect one shard',
      'Record the failed shard',
      'Shard failed',
    ]);
  });

  it('aws.fanOut.toleratedFailurePercentage sets the tolerance (0: one failed shard fails the run)', () => {
    const { evidence } = synthApp(
      {
        ...ORG_CONFIG,
        aws: { ...ORG_CONFIG.aws!, fanOut: { ...ORG_CONFIG.aws!.fanOut, toleratedFailurePercentage: 0 } },
      },
      { verify: false },
    );
    const strict = stateMachineDefinition(Template.fromStack(evidence).toJSON().Resources, 'CollectAws').asl;
    // aws-cdk-lib leaves out a 0, Step Functions' default: nothing tolerated.
    expect(strict.States.Shards.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(asl.States.Shards.ToleratedFailurePercentage).toBe(50);
  });

  it('the role may invoke the two functions and run its own child executions, nothing else', () => {
    const roleId = resources[machineId]!.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, r]) => asArray(r.Properties.Roles).some((x: Json) => x.Ref === roleId))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[]);
    const byAction = (a: string) => statements.filter((s) => asArray(s.Action).includes(a));
    expect(actionsOf(statements)).toEqual([
      'lambda:InvokeFunction',
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'states:DescribeExecution',
      'states:RedriveExecution',
      'states:StartExecution',
      'states:StopExecution',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const invoked = JSON.stringify(byAction('lambda:InvokeFunction').map((s) => s.Resource));
    expect(invoked).toContain(functionIdOf('CollectAwsPlan'));
    expect(invoked).toContain(functionIdOf('CollectAwsShard'));
    expect(byAction('states:StartExecution').map((s) => s.Resource)).toEqual([{ Ref: machineId }]);
    // Describe/stop/redrive: executions of this state machine only (its name, from its own ARN).
    for (const a of ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']) {
      for (const s of byAction(a)) {
        const text = JSON.stringify(s.Resource);
        expect(text, a).toContain(':execution:');
        expect(text, a).toContain(`{"Ref":"${machineId}"}`);
      }
    }
  });

  it('is started daily by the collect schedule with the Scheduler input, retries and the dead-letter queue', () => {
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    const started = schedules.filter((s) => s.Target.Arn.Ref === machineId);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      ScheduleExpression: 'cron(5 0 * * ? *)',
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: expect.anything() },
      },
    });
    expect(JSON.parse(started[0]!.Target.Input)).toMatchObject({
      source: 'evidence-locker.scheduler',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    // No schedule invokes an AWS collector function: there is none (Okta, GitHub, seal, verify remain).
    expect(schedules).toHaveLength(8); // the state machine, okta, okta-users (daily and again), github, github-members, seal, the verify state machine
    const schedulerRole = started[0]!.Target.RoleArn['Fn::GetAtt'][0] as string;
    const startStatements = ofType('AWS::IAM::Policy')
      .filter(([, r]) => asArray(r.Properties.Roles).some((x: Json) => x.Ref === schedulerRole))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => asArray(s.Action).includes('states:StartExecution'));
    // The scheduler role starts the two state machines (this one, and the verify run's): nothing else.
    const verifyMachine = ofType('AWS::StepFunctions::StateMachine').find(([id]) =>
      id.startsWith('VerifyRun'),
    )![0];
    const startable = startStatements.flatMap((s) => asArray(s.Resource as Json | Json[]));
    expect(startable.map((r) => r.Ref).sort()).toEqual([machineId, verifyMachine].sort());
  });

  it('alarm CollectionRunFailed: failed plus timed-out executions of this state machine, notifying the topic', () => {
    const [alarm] = ofType('AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.AlarmName === 'EvidenceLocker-CollectionRunFailed');
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ofType('AWS::SNS::Topic')[0]![0] }],
    });
    const metrics = alarm!.Metrics as Json[];
    const expression = metrics.find((m) => m.Expression);
    expect(expression).toMatchObject({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)', ReturnData: true });
    const stat = (id: string) => metrics.find((m) => m.Id === id)!.MetricStat;
    for (const [id, name] of [
      ['failed', 'ExecutionsFailed'],
      ['timedOut', 'ExecutionsTimedOut'],
    ] as const) {
      expect(stat(id)).toMatchObject({
        Metric: {
          Namespace: 'AWS/States',
          MetricName: name,
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        },
        Stat: 'Sum',
        Period: 3600,
      });
    }
    expect(alarm!.AlarmDescription).toMatch(/redrive-execution/);
  });
});

describe('member role StackSet with aws.organization', () => {
  it('is created after the shard role it trusts, and no other collector role (there is none)', () => {
    const { evidence } = synthApp(
      { ...ORG_CONFIG, aws: { ...ORG_CONFIG.aws!, memberStackSet: { targets: ['r-ab12'] } } },
      { verify: false, nag: false },
    );
    const sets = Object.values(Template.fromStack(evidence).findResources('AWS::CloudFormation::StackSet'));
    expect(sets).toHaveLength(1);
    // IAM refuses a trust policy naming a principal that does not exist yet.
    expect(sets[0]!.DependsOn).toEqual([expect.stringMatching(/^CollectAwsShardRole[0-9A-F]{8}$/)]);
  });
});

describe('cdk-nag with aws.organization', () => {
  it('passes with every option on (every acknowledgement of the fan-out has a reason)', () => {
    const { app } = synthApp({
      ...ORG_CONFIG,
      locker: { retentionDays: 730, encryption: 'SSE-KMS' },
      aws: { ...ORG_CONFIG.aws!, memberStackSet: { targets: ['r-ab12'] } },
      alerts: { emails: ['security@example.com'], dashboard: true },
    });
    const assembly = app.synth();
    try {
      const report = JSON.parse(
        readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
      );
      expect(
        (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []),
      ).toEqual([]);
    } finally {
      rmSync(assembly.directory, { recursive: true, force: true });
    }
  });
});

describe('without aws.organization', () => {
  it('no state machine and no CollectionRunFailed alarm: one function per AWS collector, as before', () => {
    const { evidence } = synthApp(BASE_CONFIG, { verify: false });
    const plain = Template.fromStack(evidence).toJSON().Resources as Record<string, Json>;
    const types = Object.values(plain).map((r) => r.Type);
    expect(types).not.toContain('AWS::StepFunctions::StateMachine');
    expect(
      Object.values(plain)
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .map((r) => r.Properties.AlarmName),
    ).not.toContain('EvidenceLocker-CollectionRunFailed');
    expect(
      Object.keys(plain).filter(
        (id) => id.startsWith('CollectGuardduty') && plain[id]!.Type === 'AWS::Lambda::Function',
      ),
    ).toHaveLength(1);
  });
});
