/**
 * The stack at organization size: 1,000 accounts synthesize (config as a file, member-role
 * access without one ARN per account), within IAM's policy size limits.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type ConfigInput, UNSHARDED_ACCOUNTS } from '../../shared/config.js';
import { BASE_CONFIG, synthApp } from './synth.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
type Json = Record<string, any>;

const accounts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: String(100_000_000_000 + i * 7919).padStart(12, '0'),
    name: `workload-account-number-${i}`,
  }));

function synth(aws: ConfigInput['aws']) {
  const { evidence, member } = synthApp({ ...BASE_CONFIG, aws }, { verify: false });
  const resources = Template.fromStack(evidence).toJSON().Resources as Record<string, Json>;
  return { evidence, member, resources };
}

const ofType = (resources: Record<string, Json>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

describe('1,000 accounts', () => {
  it('listed: synthesizes the fan-out (plan, Distributed Map of shards; one code path with an organization); shared policies of at most 300 accounts, each under 6,144 characters', () => {
    const { resources, member } = synth({ regions: ['us-east-1', 'eu-west-1'], accounts: accounts(1000) });
    expect(ofType(resources, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const functions = ofType(resources, 'AWS::Lambda::Function').map(([id]) => id);
    expect(functions.filter((id) => /^Collect(Guardduty|Iam|Cloudtrail|AwsConfig)/.test(id))).toEqual([]);
    const shard = functions.filter((id) => id.startsWith('CollectAwsShard'));
    const plan = functions.filter((id) => id.startsWith('CollectAwsPlan'));
    expect([shard.length, plan.length]).toEqual([1, 1]);
    // The listed accounts' shared policies go to the shard role, the only one assuming member roles.
    const roleOf = (id: string) => resources[id]!.Properties.Role['Fn::GetAtt'][0] as string;
    const managed = (role: string) =>
      (resources[role]!.Properties.ManagedPolicyArns ?? []).map((m: Json) => m.Ref).filter(Boolean);
    const listedPolicies = ofType(resources, 'AWS::IAM::ManagedPolicy')
      .filter(([id]) => id.startsWith('MemberRoles'))
      .map(([id]) => id);
    expect(listedPolicies).toHaveLength(4);
    expect(managed(roleOf(shard[0]!)).sort()).toEqual([...listedPolicies].sort());
    expect(managed(roleOf(plan[0]!))).toEqual([]);
    const planActions = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === roleOf(plan[0]!)))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((st: Json) => st.Action));
    expect(
      planActions.filter((a: string) => a.startsWith('organizations:') || a === 'sts:AssumeRole'),
    ).toEqual([]);
    // The member role trusts the shard role only.
    const trust = JSON.stringify(
      Object.values(Template.fromStack(member!).findResources('AWS::IAM::Role'))[0]!.Properties
        .AssumeRolePolicyDocument,
    );
    expect(trust).toContain('EvidenceLocker-collect-shard-');
    expect(trust).not.toContain('EvidenceLocker-collect-guardduty-');
    const policies = ofType(resources, 'AWS::IAM::ManagedPolicy').filter(([id]) =>
      id.startsWith('MemberRoles'),
    );
    const listed = policies.flatMap(([, p]) =>
      p.Properties.PolicyDocument.Statement.flatMap(
        (s: Json) => s.Condition.StringEquals['aws:ResourceAccount'],
      ),
    );
    expect(new Set(listed).size).toBe(1000);
    for (const [id, p] of policies) {
      // Managed policies count characters without whitespace; the partition token is 3-10 more.
      expect(JSON.stringify(p.Properties.PolicyDocument).length, id).toBeLessThan(6_144 - 100);
    }
    // Every inline role policy stays far under the role's 10,240 characters.
    for (const [id, p] of ofType(resources, 'AWS::IAM::Policy')) {
      expect(JSON.stringify(p.Properties.PolicyDocument).length, id).toBeLessThan(10_240 / 2);
    }
    for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      expect(JSON.stringify(fn.Properties.Environment.Variables).length, id).toBeLessThan(1_000);
    }
  }, 180_000); // 1,000 accounts synthesized on a shared 2-core machine: up to a minute under load

  it('listed: at 100 accounts one function per collector, at 101 the fan-out', () => {
    const machines = (n: number) =>
      ofType(
        synth({ regions: ['us-east-1'], accounts: accounts(n) }).resources,
        'AWS::StepFunctions::StateMachine',
      ).length;
    expect([machines(UNSHARDED_ACCOUNTS), machines(UNSHARDED_ACCOUNTS + 1)]).toEqual([0, 1]);
  });

  it('organization: one wildcard member-role ARN, only inside the own organization, for the one shard role; discovery in the plan only', () => {
    const { resources, member } = synth({ regions: ['us-east-1'], organization: { excludeAccounts: [] } });
    const statements = ofType(resources, 'AWS::IAM::Policy').flatMap(([id, p]) =>
      p.Properties.PolicyDocument.Statement.map((s: Json) => ({ id, s })),
    );
    const assume = statements.filter(({ s }) => s.Sid === 'AssumeMemberRolesInOwnOrganization');
    expect(assume.map(({ id }) => id)).toEqual([expect.stringMatching(/^CollectAwsShardRole/)]);
    for (const { s } of assume) {
      expect(s.Action).toBe('sts:AssumeRole');
      expect(s.Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/EvidenceLockerCollector']],
      });
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } });
    }
    const discover = statements.filter(({ s }) => JSON.stringify(s.Action).includes('organizations:'));
    expect(discover.map(({ id }) => id)).toEqual([expect.stringMatching(/^CollectAwsPlanRole/)]);
    expect(
      ofType(resources, 'AWS::IAM::ManagedPolicy').filter(([id]) => id.startsWith('MemberRoles')),
    ).toEqual([]);
    // Member accounts never get Organizations permissions.
    const role = Object.values(Template.fromStack(member!).findResources('AWS::IAM::Role'))[0]!;
    expect(JSON.stringify(role.Properties.Policies)).not.toContain('organizations:');
  });

  it('organization and 1,000 listed accounts (inside or outside it): synth works, within the limits', () => {
    const { resources } = synth({
      regions: ['us-east-1', 'eu-west-1'],
      organization: {},
      accounts: accounts(1000),
      fanOut: { shardAccounts: 5, maxConcurrency: 40 },
    });
    expect(ofType(resources, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    // The listed accounts' shared policies go to the shard role, the only one assuming member roles.
    const policies = ofType(resources, 'AWS::IAM::ManagedPolicy').filter(([id]) =>
      id.startsWith('MemberRoles'),
    );
    expect(policies).toHaveLength(4);
    for (const [id, p] of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument).length, id).toBeLessThan(6_144 - 100);
    }
    for (const [id, p] of ofType(resources, 'AWS::IAM::Policy')) {
      expect(JSON.stringify(p.Properties.PolicyDocument).length, id).toBeLessThan(10_240 / 2);
    }
    for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      expect(JSON.stringify(fn.Properties.Environment.Variables).length, id).toBeLessThan(1_000);
    }
  });

  it('more accounts than the shared policies hold: a ConfigError that points to aws.organization', () => {
    expect(() => synth({ regions: ['us-east-1'], accounts: accounts(2_401) })).toThrow(
      /2401 accounts: more than 2400 .*use "aws": \{ "organization": \{\} \}/,
    );
  });
});
