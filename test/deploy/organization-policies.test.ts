/**
 * The organization guard rails (`evidence policies`): valid SCP and RCP grammar, and they deny
 * what they claim to everyone but the exact deployment role, and nothing the stack itself needs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_GUARDED_ACTIONS,
  type GuardedStack,
  KEY_GUARDED_ACTIONS,
  organizationPolicies,
  ROLE_GUARDED_ACTIONS,
} from '../../shared/deploy/organization-policies.js';
import { runCli } from '../helpers/cli.js';
import { deniedBy, policyGrammarProblems } from '../helpers/policy-eval.js';
import { BASE_CONFIG, synthApp } from '../infra/synth.js';

const ACCOUNT = '111111111111';
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`;
const STACK: GuardedStack = {
  partition: 'aws',
  account: ACCOUNT,
  stackName: 'EvidenceLocker',
  bucket: 'evidencelocker-locker1a2b3c-0123456789ab',
  signingKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`,
  lockerKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/66666666-7777-8888-9999-000000000000`,
  deploymentRoleArn: DEPLOY,
};
const BUCKET = `arn:aws:s3:::${STACK.bucket}`;
const OBJECT = `${BUCKET}/snapshots/2026-06-01/iam/aws-${ACCOUNT}/x.json`;
const COLLECTOR_ROLE = `arn:aws:iam::${ACCOUNT}:role/EvidenceLocker-collect-guardduty-us-east-1`;
const SEAL_ROLE = `arn:aws:iam::${ACCOUNT}:role/EvidenceLocker-SealServiceRoleB2C3D4E5-AbCdEfGh1234`;

/** Principals that must not get through: an account administrator, root, a look-alike of the deployment role, an outsider. */
const OTHERS = [
  `arn:aws:iam::${ACCOUNT}:role/Administrator`,
  `arn:aws:iam::${ACCOUNT}:root`,
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1-copy`,
  `arn:aws:iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`,
  `arn:aws:iam::${ACCOUNT}:user/alice`,
];

const req = (action: string, resource: string, principal: string, extra: Record<string, string> = {}) => ({
  action,
  resource,
  context: { 'aws:PrincipalArn': principal, ...extra },
});

describe('organization guard rails: grammar', () => {
  it('the RCP and the SCP are valid policy grammar of their kind, within 5,120 characters', () => {
    const { rcp, scp } = organizationPolicies(STACK);
    expect(policyGrammarProblems(rcp, 'RCP')).toEqual([]);
    expect(policyGrammarProblems(scp, 'SCP')).toEqual([]);
    // IAM is not an RCP service: the roles are guarded by the SCP only.
    expect(rcp.Statement.flatMap((s) => s.Action).some((a) => a.startsWith('iam:'))).toBe(false);
  });

  it('the grammar check itself fails what Organizations refuses (it can fail)', () => {
    const { rcp, scp } = organizationPolicies(STACK);
    expect(policyGrammarProblems(scp, 'RCP')).toContain('Statement[0]: an RCP\'s Principal must be "*"');
    expect(policyGrammarProblems(rcp, 'SCP').join()).toMatch(/Principal is not allowed in an SCP/);
    const withIam = { ...rcp, Statement: [...rcp.Statement, { ...scp.Statement.at(-1)!, Principal: '*' }] };
    expect(policyGrammarProblems(withIam, 'RCP').join()).toMatch(/RCPs do not support iam/);
    expect(policyGrammarProblems({ ...rcp, Version: '2008-10-17' }, 'RCP').join()).toMatch(/Version/);
  });

  it('a policy over the limit is refused with the fix', () => {
    expect(() => organizationPolicies({ ...STACK, stackName: 'x'.repeat(5000) })).toThrow(
      /over AWS Organizations' 5120: shorten deploy.prefix/,
    );
  });
});

describe('organization guard rails: what they deny', () => {
  const { rcp, scp } = organizationPolicies(STACK);

  it.each([
    ['RCP', rcp],
    ['SCP', scp],
  ] as const)(
    '%s: bucket policy, lock, versioning, lifecycle and deletion only by the deployment role',
    (_, doc) => {
      for (const action of BUCKET_GUARDED_ACTIONS) {
        for (const p of OTHERS)
          expect(deniedBy(doc, req(action, BUCKET, p)), `${action} by ${p}`).toEqual(['ProtectLockerBucket']);
        expect(deniedBy(doc, req(action, BUCKET, DEPLOY)), `${action} by the deployment role`).toEqual([]);
      }
      // The two calls that would remove every other deny in one go.
      expect(deniedBy(doc, req('s3:PutBucketPolicy', BUCKET, OTHERS[0]!))).not.toEqual([]);
      expect(deniedBy(doc, req('s3:DeleteBucketPolicy', BUCKET, OTHERS[0]!))).not.toEqual([]);
    },
  );

  it.each([
    ['RCP', rcp],
    ['SCP', scp],
  ] as const)('%s: evidence is never deleted or unlocked, not even by the deployment role', (_, doc) => {
    for (const p of [...OTHERS, DEPLOY]) {
      for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'])
        expect(deniedBy(doc, req(action, OBJECT, p)), `${action} by ${p}`).toEqual(['ProtectEvidence']);
      // Retention can only be set in COMPLIANCE mode (which can only be lengthened).
      expect(
        deniedBy(doc, req('s3:PutObjectRetention', OBJECT, p, { 's3:object-lock-mode': 'GOVERNANCE' })),
      ).toEqual(['RetentionOnlyCompliance']);
      expect(deniedBy(doc, req('s3:PutObjectRetention', OBJECT, p))).toEqual(['RetentionOnlyCompliance']);
      expect(
        deniedBy(doc, req('s3:PutObjectRetention', OBJECT, p, { 's3:object-lock-mode': 'COMPLIANCE' })),
      ).toEqual([]);
    }
  });

  it.each([
    ['RCP', rcp],
    ['SCP', scp],
  ] as const)(
    '%s: the signing key and the locker key cannot be disabled, deleted or re-policed',
    (_, doc) => {
      for (const key of [STACK.signingKeyArn, STACK.lockerKeyArn!]) {
        for (const action of KEY_GUARDED_ACTIONS) {
          for (const p of OTHERS)
            expect(deniedBy(doc, req(action, key, p)), `${action} by ${p}`).toEqual(['ProtectKeys']);
          expect(deniedBy(doc, req(action, key, DEPLOY))).toEqual([]);
        }
      }
      for (const action of ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'])
        expect(deniedBy(doc, req(action, STACK.signingKeyArn, OTHERS[0]!))).not.toEqual([]);
    },
  );

  it("SCP: the stack's roles (collectors, seal, verify) cannot be changed, re-trusted or deleted", () => {
    for (const role of [COLLECTOR_ROLE, SEAL_ROLE]) {
      for (const action of ROLE_GUARDED_ACTIONS) {
        for (const p of OTHERS)
          expect(deniedBy(scp, req(action, role, p)), `${action} on ${role} by ${p}`).toEqual([
            'ProtectStackRoles',
          ]);
        expect(deniedBy(scp, req(action, role, DEPLOY))).toEqual([]);
      }
    }
  });

  it('leaves alone what the stack and the rest of the organization do', () => {
    for (const doc of [rcp, scp]) {
      // The collectors write and read evidence; verify reads it; seal signs.
      expect(deniedBy(doc, req('s3:PutObject', OBJECT, COLLECTOR_ROLE))).toEqual([]);
      expect(deniedBy(doc, req('s3:GetObject', OBJECT, OTHERS[0]!))).toEqual([]);
      expect(deniedBy(doc, req('kms:Sign', STACK.signingKeyArn, SEAL_ROLE))).toEqual([]);
      // Other buckets, keys and roles of the account.
      expect(deniedBy(doc, req('s3:PutBucketPolicy', 'arn:aws:s3:::another-bucket', OTHERS[0]!))).toEqual([]);
      expect(
        deniedBy(
          doc,
          req('kms:ScheduleKeyDeletion', `arn:aws:kms:us-east-1:${ACCOUNT}:key/other`, OTHERS[0]!),
        ),
      ).toEqual([]);
      expect(
        deniedBy(doc, req('iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/Other`, OTHERS[0]!)),
      ).toEqual([]);
      // The same role name in another account is not this stack's.
      expect(
        deniedBy(doc, req('iam:PutRolePolicy', COLLECTOR_ROLE.replace(ACCOUNT, '222222222222'), OTHERS[0]!)),
      ).toEqual([]);
    }
  });

  it('without a locker key, only the signing key is named', () => {
    const { rcp } = organizationPolicies({ ...STACK, lockerKeyArn: undefined });
    expect(rcp.Statement.find((s) => s.Sid === 'ProtectKeys')!.Resource).toEqual([STACK.signingKeyArn]);
  });
});

describe('the stack names what the guard rails need', () => {
  it('outputs LockerBucket, SigningKeyArn, DeploymentRoleArn (and LockerKeyArn with SSE-KMS)', () => {
    const plain = Template.fromStack(synthApp(BASE_CONFIG, { nag: false, verify: false }).evidence);
    const outputs = Object.keys(plain.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['LockerBucket', 'SigningKeyArn', 'DeploymentRoleArn']));
    expect(outputs).not.toContain('LockerKeyArn');
    // The exact bootstrap execution role, never a pattern.
    expect(plain.toJSON().Outputs.DeploymentRoleArn.Value).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1`,
    });
    const kms = Template.fromStack(
      synthApp(
        { ...BASE_CONFIG, locker: { retentionDays: 730, encryption: 'SSE-KMS' } },
        { nag: false, verify: false },
      ).evidence,
    );
    expect(Object.keys(kms.toJSON().Outputs)).toContain('LockerKeyArn');
  }, 240_000);
});

describe('evidence policies (against the emulated CloudFormation)', () => {
  const outputs = (over: Record<string, string> = {}) =>
    Object.entries({
      LockerBucket: STACK.bucket,
      SigningKeyArn: STACK.signingKeyArn,
      DeploymentRoleArn: DEPLOY,
      ...over,
    })
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [k, { Value: v }]);
  const deploy = async (name: string, over: Record<string, string> = {}) => {
    const cfn = new CloudFormationClient({ region: 'us-east-1' });
    await cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: JSON.stringify({
          Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
          Outputs: Object.fromEntries(outputs(over)),
        }),
      }),
    );
    cfn.destroy();
  };
  const configFile = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policies-'));
    const file = path.join(dir, 'evidence.config.json');
    writeFileSync(file, JSON.stringify({ ...BASE_CONFIG, deploy: { prefix } }));
    return { dir, file };
  };

  it("writes both policies from the deployed stack's outputs, and says how to attach them", async () => {
    await deploy('GuardRails');
    const { dir, file } = configFile('GuardRails');
    const out = path.join(dir, 'policies');
    const run = await runCli(['--config', file, 'policies', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rcp = JSON.parse(readFileSync(path.join(out, 'GuardRails-rcp.json'), 'utf8'));
    const scp = JSON.parse(readFileSync(path.join(out, 'GuardRails-scp.json'), 'utf8'));
    const account = process.env.EVIDENCE_TEST_ACCOUNT_ID!;
    expect(rcp).toEqual(
      organizationPolicies({
        partition: 'aws',
        account,
        stackName: 'GuardRails',
        bucket: STACK.bucket,
        signingKeyArn: STACK.signingKeyArn,
        deploymentRoleArn: DEPLOY,
      }).rcp,
    );
    expect(scp.Statement.at(-1).Resource).toEqual([`arn:aws:iam::${account}:role/GuardRails-*`]);
    expect(run.stdout).toContain(
      'aws organizations create-policy --type RESOURCE_CONTROL_POLICY --name GuardRails-rcp',
    );
    expect(run.stdout).toContain(
      'aws organizations create-policy --type SERVICE_CONTROL_POLICY --name GuardRails-scp',
    );
    expect(run.stdout).toContain(
      `aws organizations attach-policy --policy-id <each policy id> --target-id ${account}`,
    );
  });

  it('refuses an output that is not what it claims (a wildcard bucket would guard nothing), writing nothing', async () => {
    await deploy('GuardRailsBad', { LockerBucket: '*' });
    const { dir, file } = configFile('GuardRailsBad');
    const run = await runCli(['--config', file, 'policies', '--out', path.join(dir, 'p')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /the stack output LockerBucket is "\*", expected an S3 bucket name: no policy was written/,
    );
  });

  it('a stack deployed by an earlier version (no SigningKeyArn output): exit 2, saying to deploy again', async () => {
    await deploy('GuardRailsOld', { SigningKeyArn: '' });
    const { dir, file } = configFile('GuardRailsOld');
    const run = await runCli(['--config', file, 'policies', '--out', path.join(dir, 'p')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /has no output SigningKeyArn: it was deployed by an earlier version; deploy it again/,
    );
  });

  it('no such stack: exit 2 naming --stack and --region', async () => {
    const { dir, file } = configFile('NoSuchStack');
    const run = await runCli(['--config', file, 'policies', '--out', path.join(dir, 'p')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no stack NoSuchStack in us-east-1 .*--stack and --region/);
  });

  it('a trial locker gets no guard rails (they would stop its deletion)', async () => {
    const { dir } = configFile('Trial');
    const file = path.join(dir, 'trial.json');
    writeFileSync(file, JSON.stringify({ ...BASE_CONFIG, locker: { retentionDays: 1, trial: true } }));
    const run = await runCli(['--config', file, 'policies', '--out', path.join(dir, 'p')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/locker.trial/);
  });
});
