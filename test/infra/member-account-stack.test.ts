/**
 * The member-account role: installable without CDK bootstrap (no assets, no bootstrap
 * version parameter or rule), trusting exactly the evidence account's collector roles,
 * read-only; and its roll-out to OUs as a service-managed StackSet with auto-deployment.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { allAwsReadActions } from '../../shared/aws/permissions.js';
import { selectCollectors } from '../../shared/collectors/runner.js';
import { parseConfig } from '../../shared/config.js';
import { BASE_CONFIG, synthApp } from './synth.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
type Json = Record<string, any>;

/** The AWS collectors BASE_CONFIG deploys: the member role trusts exactly their roles. */
const AWS_COLLECTORS = selectCollectors(parseConfig(BASE_CONFIG), undefined)
  .filter((c) => c.source === 'aws')
  .map((c) => c.id);

/** The principal ARN the template builds for a collector role, with the parameters resolved. */
function resolveArn(arn: Json, params: Record<string, string>): string {
  const [sep, parts] = arn['Fn::Join'] as [string, (string | Json)[]];
  return parts
    .map((p) => (typeof p === 'string' ? p : p.Ref === 'AWS::Partition' ? 'aws' : params[p.Ref]!))
    .join(sep);
}

describe('member account stack', () => {
  let template: Template;
  let json: Json;
  beforeAll(() => {
    const { member, app } = synthApp(BASE_CONFIG, { verify: false, nag: false });
    template = Template.fromStack(member!);
    json = template.toJSON();
    // Nothing for the CDK CLI to upload or assume: no asset manifest, no bootstrap roles.
    const artifact = app.synth().getStackByName(member!.stackName);
    expect(artifact.assumeRoleArn).toBeUndefined();
    expect(artifact.stackTemplateAssetObjectUrl).toBeUndefined();
    expect(artifact.assets).toEqual([]);
  });

  it('needs no CDK bootstrap: no BootstrapVersion parameter, no CheckBootstrapVersion rule', () => {
    expect(Object.keys(json.Parameters)).toEqual(['EvidenceAccountId', 'EvidenceRegion', 'ExternalId']);
    expect(json.Rules).toBeUndefined();
    // Small enough to pass inline (TemplateBody), with no bucket to stage it in.
    expect(JSON.stringify(json).length).toBeLessThan(51_200);
  });

  it('is a role named aws.roleName with exactly the AWS read actions, nothing else', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBe(1);
    expect(Object.keys(json.Resources)).toHaveLength(1);
    const role = roles[0]!.Properties;
    expect(role.RoleName).toBe('EvidenceLockerCollector');
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      // Organizations and Identity Center are read only in the collecting account, not in members.
      {
        Sid: 'ReadSources',
        Effect: 'Allow',
        Action: allAwsReadActions().filter((a) => !/^(organizations|sso|identitystore):/.test(a)),
        Resource: '*',
      },
    ]);
    for (const action of allAwsReadActions()) expect(action).toMatch(/^[a-z-]+:(Get|List|Describe|Generate)/);
  });

  it('trusts exactly the collector role ARNs of the evidence stack (no name pattern), external id optional', () => {
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0]!.Properties;
    const statements = role.AssumeRolePolicyDocument.Statement as Json[];
    expect(statements).toHaveLength(1);
    const [trust] = statements as [Json];
    expect(trust.Effect).toBe('Allow');
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(Object.keys(trust.Principal)).toEqual(['AWS']);
    const principals = ([] as Json[]).concat(trust.Principal.AWS);
    const params = { EvidenceAccountId: '111111111111', EvidenceRegion: 'eu-west-1' };
    expect(principals.map((p) => resolveArn(p, params)).sort()).toEqual(
      AWS_COLLECTORS.map(
        (id) => `arn:aws:iam::111111111111:role/EvidenceLocker-collect-${id}-eu-west-1`,
      ).sort(),
    );
    expect(JSON.stringify(trust)).not.toContain('*');
    expect(JSON.stringify(trust)).not.toContain(':root');
    expect(trust.Condition).toEqual({
      'Fn::If': [
        'HasExternalId',
        { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    template.hasParameter('EvidenceAccountId', { Type: 'String', AllowedPattern: '^\\d{12}$' });
  });

  it('is what the evidence stack names its collector roles', () => {
    const { evidence } = synthApp(BASE_CONFIG, { verify: false, nag: false });
    const roles = Object.values(Template.fromStack(evidence).findResources('AWS::IAM::Role'))
      .map((r) => JSON.stringify(r.Properties.RoleName ?? ''))
      .filter((n) => n.includes('EvidenceLocker-collect-'));
    expect(roles.sort()).toEqual(
      AWS_COLLECTORS.map((id) =>
        JSON.stringify({ 'Fn::Join': ['', [`EvidenceLocker-collect-${id}-`, { Ref: 'AWS::Region' }]] }),
      ).sort(),
    );
  });
});

describe('member role StackSet (aws.memberStackSet)', () => {
  it('is not created unless the configuration names OUs', () => {
    const { evidence } = synthApp(BASE_CONFIG, { verify: false, nag: false });
    Template.fromStack(evidence).resourceCountIs('AWS::CloudFormation::StackSet', 0);
  });

  it('deploys the member template, service-managed, to the OUs, automatically to new accounts', () => {
    const config = {
      ...BASE_CONFIG,
      aws: { ...BASE_CONFIG.aws!, memberStackSet: { targets: ['ou-ab12-cd34ef56', 'ou-ab12-99998888'] } },
    };
    const { evidence, member } = synthApp(config, { verify: false, nag: false });
    const t = Template.fromStack(evidence);
    const sets = Object.entries(t.findResources('AWS::CloudFormation::StackSet'));
    expect(sets).toHaveLength(1);
    const [, set] = sets[0]!;
    expect(set.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      // One account that refuses the role (an SCP, a suspended account) fails its own stack
      // instance, never the evidence stack's deployment (issue 25).
      OperationPreferences: {
        FailureTolerancePercentage: 100,
        MaxConcurrentPercentage: 100,
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        RegionConcurrencyType: 'PARALLEL',
      },
      Parameters: [
        { ParameterKey: 'EvidenceAccountId', ParameterValue: { Ref: 'AWS::AccountId' } },
        { ParameterKey: 'EvidenceRegion', ParameterValue: { Ref: 'AWS::Region' } },
      ],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cd34ef56', 'ou-ab12-99998888'] },
          Regions: [{ Ref: 'AWS::Region' }],
        },
      ],
    });
    // The very template `cdk deploy EvidenceLockerMember` would deploy.
    expect(JSON.parse(set.Properties.TemplateBody)).toEqual(Template.fromStack(member!).toJSON());
    // Created after the collector roles it trusts (IAM refuses a principal that does not exist).
    const dependsOn = set.DependsOn as string[];
    expect(dependsOn).toHaveLength(AWS_COLLECTORS.length);
    for (const d of dependsOn) expect(d).toMatch(/^Collect\w+Role[0-9A-F]{8}$/);
    expect(dependsOn.some((d) => /Okta|Github/.test(d))).toBe(false);
  });

  it('can be created by a delegated administrator, into a named region', () => {
    const config = {
      ...BASE_CONFIG,
      aws: {
        ...BASE_CONFIG.aws!,
        memberStackSet: { targets: ['r-ab12'], callAs: 'DELEGATED_ADMIN' as const, region: 'eu-central-1' },
      },
    };
    const { evidence } = synthApp(config, { verify: false, nag: false });
    Template.fromStack(evidence).hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['eu-central-1'] },
      ],
    });
  });
});
