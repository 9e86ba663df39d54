/**
 * Every IAM action the AWS collectors call, by collector: the collector role in the CDK
 * stack (and the role each member account deploys for `aws.accounts`) grants exactly these.
 * docs/aws-collectors.md lists the same actions for people.
 */
import { AWS_CONFIG_READ_ACTIONS } from '../collectors/aws-config.js';
import { CLOUDTRAIL_READ_ACTIONS } from '../collectors/cloudtrail.js';
import { GUARDDUTY_READ_ACTIONS } from '../collectors/guardduty.js';
import { IAM_READ_ACTIONS } from '../collectors/iam.js';
import { ORGANIZATION_READ_ACTIONS } from './organization.js';

export const AWS_READ_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  guardduty: GUARDDUTY_READ_ACTIONS,
  iam: IAM_READ_ACTIONS,
  'aws-config': AWS_CONFIG_READ_ACTIONS,
  cloudtrail: CLOUDTRAIL_READ_ACTIONS,
  organization: ORGANIZATION_READ_ACTIONS,
};

/** Every read action of every AWS collector, sorted, each once. */
export function allAwsReadActions(): string[] {
  return [...new Set(Object.values(AWS_READ_ACTIONS).flat())].sort();
}

/**
 * What the collecting principal needs on `arn:aws:iam::<member>:role/<roleName>` to reach
 * the accounts in `aws.accounts` (the member role's trust policy must allow it too).
 */
export const AWS_ASSUME_ROLE_ACTIONS = ['sts:AssumeRole'] as const;
