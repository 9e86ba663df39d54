/** The member-account role: trusts only the evidence account's collector roles; read-only. */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { allAwsReadActions } from '../../shared/aws/permissions.js';
import { BASE_CONFIG, synthApp } from './synth.js';

describe('member account stack', () => {
  it('is a role named aws.roleName with exactly the AWS read actions, trusting the collector roles', () => {
    const { member } = synthApp(BASE_CONFIG, { verify: false, nag: false });
    const template = Template.fromStack(member!);
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBe(1);
    const role = roles[0]!.Properties;
    expect(role.RoleName).toBe('EvidenceLockerCollector');
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      // Organizations is read only where aws.organization discovers accounts, not in members.
      {
        Sid: 'ReadSources',
        Effect: 'Allow',
        Action: allAwsReadActions().filter((a) => !a.startsWith('organizations:')),
        Resource: '*',
      },
    ]);
    const [trust] = role.AssumeRolePolicyDocument.Statement;
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(JSON.stringify(trust.Principal)).toContain('{"Ref":"EvidenceAccountId"},":root"');
    expect(JSON.stringify(trust.Condition.ArnLike['aws:PrincipalArn'])).toContain(
      ':role/EvidenceLocker-collect-*',
    );
    expect(trust.Condition.StringEquals).toEqual({
      'Fn::If': ['HasExternalId', { 'sts:ExternalId': { Ref: 'ExternalId' } }, { Ref: 'AWS::NoValue' }],
    });
    template.hasParameter('EvidenceAccountId', { Type: 'String', AllowedPattern: '^\\d{12}$' });
    for (const action of allAwsReadActions()) expect(action).toMatch(/^[a-z-]+:(Get|List|Describe|Generate)/);
  });
});
