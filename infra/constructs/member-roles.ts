/**
 * What lets the AWS collector roles assume the member-account roles, without one ARN per
 * account (a role's inline policies stop at 10,240 characters: about 95 listed ARNs).
 *
 * - `aws.organization`: one statement, `arn:<partition>:iam::*:role/<roleName>`, allowed only
 *   when the role belongs to the collector's own organization
 *   (`aws:ResourceOrgID` = `${aws:PrincipalOrgID}`): any number of accounts, and an account
 *   that joins needs no deployment.
 * - `aws.accounts`: the same wildcard per role name, constrained to the listed account ids
 *   (`aws:ResourceAccount`), ACCOUNTS_PER_POLICY ids per customer-managed policy (6,144
 *   characters each), the policies shared by every AWS collector role.
 */
import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';

/** 15 characters per quoted id: 300 ids stay well inside a managed policy's 6,144. */
const ACCOUNTS_PER_POLICY = 300;
/** IAM's default quota of managed policies per role (10), less room for others. */
const MAX_POLICIES = 8;

export class MemberRoleAccess extends Construct {
  /** Statements for the collector roles' own policy (organization mode). */
  readonly statements: iam.PolicyStatement[] = [];
  /** Shared managed policies (listed accounts). */
  readonly policies: iam.ManagedPolicy[] = [];
  private readonly orgRoleNames: string[] = [];

  constructor(scope: Construct, id: string, props: { readonly config: Config }) {
    super(scope, id);
    const aws = props.config.aws;
    if (!aws) return;
    const role = (name: string) => `arn:${Aws.PARTITION}:iam::*:role/${name}`;
    if (aws.organization) {
      const names = [
        ...new Set([aws.roleName, ...aws.accounts.map((a) => a.roleName ?? aws.roleName)]),
      ].sort();
      this.orgRoleNames.push(...names);
      this.statements.push(
        new iam.PolicyStatement({
          sid: 'AssumeMemberRolesInOwnOrganization',
          actions: ['sts:AssumeRole'],
          resources: names.map(role),
          // An IAM policy variable, not a template string: the collector's own organization.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM policy variable syntax
          conditions: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
        }),
      );
    }
    // Listed accounts (all of them without an organization; with one, they may lie outside it).
    const byRole = new Map<string, string[]>();
    for (const a of aws.accounts) {
      const name = a.roleName ?? aws.roleName;
      byRole.set(name, [...(byRole.get(name) ?? []), a.id]);
    }
    const chunks: { name: string; ids: string[] }[] = [];
    for (const [name, ids] of [...byRole.entries()].sort()) {
      const unique = [...new Set(ids)].sort();
      for (let i = 0; i < unique.length; i += ACCOUNTS_PER_POLICY)
        chunks.push({ name, ids: unique.slice(i, i + ACCOUNTS_PER_POLICY) });
    }
    if (chunks.length > MAX_POLICIES) {
      throw new ConfigError(
        `aws.accounts lists ${aws.accounts.length} accounts: more than ${MAX_POLICIES * ACCOUNTS_PER_POLICY} do not fit the collector roles' IAM policies; use "aws": { "organization": {} } to collect the organization's accounts without listing them`,
      );
    }
    chunks.forEach((chunk, i) => {
      const policy = new iam.ManagedPolicy(this, `ListedAccounts${i + 1}`, {
        description: `Evidence Locker: the AWS collectors may assume ${chunk.name} in ${chunk.ids.length} listed accounts`,
        statements: [
          new iam.PolicyStatement({
            sid: 'AssumeMemberAccountRoles',
            actions: ['sts:AssumeRole'],
            resources: [role(chunk.name)],
            conditions: { StringEquals: { 'aws:ResourceAccount': chunk.ids } },
          }),
        ],
      });
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${chunk.name}]`,
        reason: `Any account's ${chunk.name} role, but only in the ${chunk.ids.length} listed accounts (aws:ResourceAccount): one ARN per account would not fit IAM's policy size limits.`,
      });
      this.policies.push(policy);
    });
  }

  /** Let a collector role assume the member roles. */
  grant(role: iam.Role): void {
    for (const s of this.statements) role.addToPrincipalPolicy(s);
    for (const name of this.orgRoleNames) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${name}]`,
        reason:
          "Member roles of any account, but only inside the collector's own organization (aws:ResourceOrgID = aws:PrincipalOrgID).",
      });
    }
    for (const p of this.policies) role.addManagedPolicy(p);
  }
}
