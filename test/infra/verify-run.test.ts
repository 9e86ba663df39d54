/**
 * The verify state machine (infra/constructs/verify-run.ts): plan → (in parts?) Distributed Map of
 * parts → merge, asserted on the synthesized template. Step Functions cannot run locally: the
 * definition's shape is pinned here, and test/functions/verify.test.ts runs the handlers with
 * exactly what its states pass (the Map's ItemSelector is applied to a plan's output below).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { applySelector, type Json, stateMachineDefinition } from '../helpers/state-machine.js';
import { synthApp } from './synth.js';

type Statement = { Effect: string; Action: string | string[]; Sid?: string; Resource?: unknown };
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

let resources: Record<string, Json>;
let asl: Json;
let machineId: string;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string, prefix: string) => {
  // `Verify` is the verify function; the run's own resources start with `VerifyRun`.
  const found = ofType(type).filter(
    ([id]) => id.startsWith(prefix) && (prefix.startsWith('VerifyRun') || !id.startsWith('VerifyRun')),
  );
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
  return found[0]!;
};
function roleStatements(roleId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, r]) => asArray(r.Properties.Roles).some((x: Json) => x.Ref === roleId))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}
const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();
const roleOf = (functionId: string) => resources[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;

beforeAll(() => {
  const { evidence } = synthApp();
  resources = Template.fromStack(evidence).toJSON().Resources;
  ({ logicalId: machineId, asl } = stateMachineDefinition(resources, 'VerifyRun'));
});

describe('verify state machine', () => {
  it('plans, then either ends (verified in one invocation) or maps the parts and merges them; parts not verified fail the run', () => {
    expect(asl.StartAt).toBe('Plan the verification');
    const planFn = one('AWS::Lambda::Function', 'Verify')[0];
    const partFn = one('AWS::Lambda::Function', 'VerifyRunPart')[0];
    expect(asl.States['Plan the verification']).toMatchObject({
      Type: 'Task',
      // The function itself (payloadResponseOnly), given the state's input: the scheduled event.
      Resource: `arn:${planFn}`,
      Next: 'In parts?',
    });
    expect(asl.States['In parts?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.parts[0]', IsPresent: true, Next: 'Parts' }],
      Default: 'Verified in one invocation',
    });
    const map = asl.States.Parts;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.parts',
      MaxConcurrency: 10,
      ToleratedFailurePercentage: 100,
      ResultPath: '$.results',
      Next: 'Merge the parts',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    const processor = map.ItemProcessor;
    expect(processor.StartAt).toBe('Verify one part');
    const part = processor.States['Verify one part'];
    expect(part.Resource).toBe(`arn:${partFn}`);
    expect(part.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Part failed' },
    ]);
    expect(processor.States['Part failed']).toMatchObject({
      Type: 'Pass',
      Parameters: { 'part.$': '$.part', 'failure.$': '$.failure' },
    });
    // What a part receives from a plan's output: the plan's key and its place, nothing else.
    const item = applySelector(
      map.ItemSelector,
      { plan: 'verify/run/plan.json', parts: [{ part: 3 }] },
      { Map: { Item: { Value: { part: 3 }, Index: 0 } } },
    );
    expect(item).toEqual({ plan: 'verify/run/plan.json', part: 3 });
    const merge = asl.States['Merge the parts'];
    expect(merge).toMatchObject({ Type: 'Task', ResultPath: '$.merged', Next: 'Every part verified?' });
    expect(merge.Resource).toBe(`arn:${planFn}`);
    expect(merge.Parameters).toEqual({ merge: { 'plan.$': '$.plan', 'results.$': '$.results' } });
    expect(asl.States['Every part verified?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.merged.notVerified[0]', IsPresent: true, Next: 'Parts not verified' }],
      Default: 'Verified in parts',
    });
    expect(asl.States['Parts not verified']).toMatchObject({ Type: 'Fail', Error: 'PartsNotVerified' });
  });

  it('is started daily by the verify schedule (no function is scheduled for it); a failed run alarms', () => {
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    const started = schedules.filter((s) => s.Target.Arn.Ref === machineId);
    expect(started).toHaveLength(1);
    expect(started[0]!.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    const verifyFn = one('AWS::Lambda::Function', 'Verify')[0];
    expect(schedules.filter((s) => s.Target.Arn['Fn::GetAtt']?.[0] === verifyFn)).toEqual([]);
    const alarm = ofType('AWS::CloudWatch::Alarm').find(
      ([, a]) => a.Properties.AlarmName === 'EvidenceLocker-VerifyRunFailed',
    )![1].Properties;
    expect(alarm).toMatchObject({ Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Threshold: 0 });
    expect(alarm.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: machineId } }]);
  });

  it('the work bucket: not the locker, no Object Lock, expires in two days, private, TLS only, logged', () => {
    const [workId, work] = one('AWS::S3::Bucket', 'VerifyRunWork');
    expect(work.Properties.ObjectLockEnabled).toBeUndefined();
    expect(work.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'work-expires', ExpirationInDays: 2, Status: 'Enabled' }),
      ]),
    );
    expect(work.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(work.Properties.LoggingConfiguration.LogFilePrefix).toBe('verify-work/');
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === workId)!;
    expect(JSON.stringify(policy[1].Properties.PolicyDocument)).toContain('aws:SecureTransport');
    for (const fn of ['Verify', 'VerifyRunPart']) {
      const env = resources[one('AWS::Lambda::Function', fn)[0]]!.Properties.Environment.Variables;
      expect(env.VERIFY_WORK_STORE, fn).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: workId }]] });
    }
  });

  it('part role: reads the locker (no write, no delete), reads and writes its run objects, signs its result', () => {
    const partFn = one('AWS::Lambda::Function', 'VerifyRunPart')[0];
    const statements = roleStatements(roleOf(partFn));
    expect(actionsOf(statements).filter((a) => !a.startsWith('xray:'))).toEqual([
      'kms:GetPublicKey',
      'kms:Sign',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetBucketObjectLockConfiguration',
      's3:GetObject',
      's3:GetObjectRetention',
      's3:ListBucket',
      's3:PutObject',
      'sqs:SendMessage',
    ]);
    const workId = one('AWS::S3::Bucket', 'VerifyRunWork')[0];
    const puts = statements.filter((s) => asArray(s.Action).includes('s3:PutObject'));
    expect(puts).toHaveLength(1);
    expect(puts[0]!.Sid).toBe('VerifyWork');
    expect(JSON.stringify(puts[0]!.Resource)).toBe(
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [workId, 'Arn'] }, '/verify/*']] }),
    );
    const part = resources[partFn]!.Properties;
    expect(part).toMatchObject({ Timeout: 900, MemorySize: 1024, Architectures: ['arm64'] });
  });

  it('the verify function spills the listing into 1 GiB of /tmp; the state machine may invoke the two functions and run its own child executions, nothing else', () => {
    const verifyFn = one('AWS::Lambda::Function', 'Verify')[0];
    expect(resources[verifyFn]!.Properties.EphemeralStorage).toEqual({ Size: 1024 });
    const roleId = resources[machineId]!.Properties.RoleArn['Fn::GetAtt'][0] as string;
    const statements = roleStatements(roleId);
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
    const invoked = JSON.stringify(
      statements.filter((s) => asArray(s.Action).includes('lambda:InvokeFunction')).map((s) => s.Resource),
    );
    expect(invoked).toContain(verifyFn);
    expect(invoked).toContain(one('AWS::Lambda::Function', 'VerifyRunPart')[0]);
    expect(
      statements.filter((s) => asArray(s.Action).includes('states:StartExecution')).map((s) => s.Resource),
    ).toEqual([{ Ref: machineId }]);
  });
});
