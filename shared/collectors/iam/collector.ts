/**
 * IAM, one account per scope (CC6.1, CC6.2, CC6.3), in a handful of calls however many
 * users there are: the credential report (generated, polled with backoff until COMPLETE,
 * parsed into typed rows including `<root_account>`), the account password policy
 * (absent is data: null), the account summary (AccountMFAEnabled) and every page of
 * GetAccountAuthorizationDetails, stored compactly: each managed policy document once,
 * keyed by ARN, and referenced by ARN from users, groups and roles. No per-user calls.
 * Credential report rows are evidence, never log lines.
 */
import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  NoSuchEntityException,
  type PasswordPolicy,
  type PolicyDetail,
} from '@aws-sdk/client-iam';
import { type AwsAccountScope, awsCall, awsClient } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import { credentialReportStaleness, iam } from './declaration.js';

export type Sleeper = (ms: number) => Promise<void>;
const realSleeper: Sleeper = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface AccessKeyColumns {
  active: boolean;
  lastRotated: string | null;
  lastUsedDate: string | null;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

/** One credential report row, typed. Dates are ISO strings; "N/A", "not_supported", "no_information" are null. */
export interface CredentialReportRow {
  /** The user name, or "<root_account>". */
  user: string;
  arn: string;
  userCreationTime: string | null;
  /** null for the root account, whose report says "not_supported". */
  passwordEnabled: boolean | null;
  passwordLastUsed: string | null;
  passwordLastChanged: string | null;
  passwordNextRotation: string | null;
  mfaActive: boolean;
  accessKey1: AccessKeyColumns;
  accessKey2: AccessKeyColumns;
  cert1: { active: boolean; lastRotated: string | null };
  cert2: { active: boolean; lastRotated: string | null };
}

export interface InlinePolicy {
  name: string;
  document: unknown;
}

export interface IamUser {
  userName: string;
  userId: string | null;
  arn: string;
  path: string | null;
  createDate: string | null;
  groups: string[];
  /** Managed policy ARNs: documents under `policies`. */
  attachedPolicies: string[];
  inlinePolicies: InlinePolicy[];
  permissionsBoundary: string | null;
  tags: Record<string, string>;
}

export interface IamGroup {
  groupName: string;
  groupId: string | null;
  arn: string;
  path: string | null;
  createDate: string | null;
  attachedPolicies: string[];
  inlinePolicies: InlinePolicy[];
}

export interface IamRole {
  roleName: string;
  roleId: string | null;
  arn: string;
  path: string | null;
  createDate: string | null;
  assumeRolePolicyDocument: unknown;
  attachedPolicies: string[];
  inlinePolicies: InlinePolicy[];
  permissionsBoundary: string | null;
  instanceProfiles: string[];
  lastUsed: { date: string | null; region: string | null } | null;
  tags: Record<string, string>;
}

export interface IamManagedPolicy {
  name: string;
  policyId: string | null;
  path: string | null;
  awsManaged: boolean;
  defaultVersionId: string | null;
  attachmentCount: number | null;
  permissionsBoundaryUsageCount: number | null;
  isAttachable: boolean | null;
  createDate: string | null;
  updateDate: string | null;
  /** The default version's document, parsed. */
  document: unknown;
}

export interface IamData {
  accountId: string;
  credentialReport: { generatedTime: string | null; rows: CredentialReportRow[] };
  /** null: the account has no password policy (IAM answers NoSuchEntity), so AWS defaults apply. */
  passwordPolicy: PasswordPolicy | null;
  accountSummary: Record<string, number>;
  authorization: {
    users: IamUser[];
    groups: IamGroup[];
    roles: IamRole[];
    /** Managed policies by ARN: every customer-managed one, and each AWS-managed one in use. */
    policies: Record<string, IamManagedPolicy>;
  };
}

export interface IamCollectorOptions {
  /** Waits between credential-report polls; tests inject a recorder. */
  sleep?: Sleeper;
  /** Polls of GenerateCredentialReport before giving up (delays 1 s, 2 s, 4 s, then 8 s each). */
  maxPolls?: number;
}

export function createIamCollector(
  options: IamCollectorOptions = {},
): RunnableCollector<AwsAccountScope, IamData> {
  const sleep = options.sleep ?? realSleeper;
  const maxPolls = options.maxPolls ?? 15;
  return {
    ...iam,
    identify: awsIdentity,
    async collect(scope, ctx) {
      // IAM is global: its endpoint lives in us-east-1 (the SDK signs for it from any region).
      const client = awsClient(IAMClient, scope, 'us-east-1', ctx.stats);
      try {
        const { stale, ...credentialReport } = await freshCredentialReport(
          client,
          scope,
          ctx,
          sleep,
          maxPolls,
        );
        const passwordPolicy = await passwordPolicyOf(client, scope);
        const summary = await awsCall(scope, undefined, 'iam:GetAccountSummary', () =>
          client.send(new GetAccountSummaryCommand({})),
        );
        const authorization = await authorizationDetails(client, scope, ctx);
        const data: IamData = {
          accountId: scope.accountId,
          credentialReport,
          passwordPolicy,
          accountSummary: { ...(summary.SummaryMap ?? {}) },
          authorization,
        };
        ctx.logger.debug('iam collected', {
          scope: scope.id,
          users: authorization.users.length,
          roles: authorization.roles.length,
          policies: Object.keys(authorization.policies).length,
        });
        // A report older than its bound is recorded, never passed off as the day's state.
        if (stale)
          return { data, items: credentialReport.rows.length, status: 'partial' as const, errors: [stale] };
        return { data, items: credentialReport.rows.length };
      } finally {
        client.destroy();
      }
    },
  };
}

export const iamCollector = createIamCollector();
export default iamCollector;

/** The delay before poll `n` (0-based): 1 s, 2 s, 4 s, then 8 s. */
export function pollDelay(n: number): number {
  return Math.min(8000, 1000 * 2 ** n);
}

/**
 * The credential report, fresh: one generated more than `checks.freshnessHours.credentialReport` before
 * now (by the run's clock) is asked for again (GenerateCredentialReport, then wait) up to
 * `STALE_RETRIES` times; still stale, it comes back with `stale` saying why.
 */
async function freshCredentialReport(
  client: IAMClient,
  scope: AwsAccountScope,
  ctx: CollectorContext,
  sleep: Sleeper,
  maxPolls: number,
): Promise<IamData['credentialReport'] & { stale?: string }> {
  for (let attempt = 0; ; attempt++) {
    const report = await credentialReportOf(client, scope, ctx, sleep, maxPolls);
    const stale = credentialReportStaleness(report.generatedTime, ctx.clock.now(), ctx.config);
    if (!stale) return report;
    if (attempt >= STALE_RETRIES)
      return { ...report, stale: `${stale}; asked again ${STALE_RETRIES} time(s) and IAM still answered it` };
    ctx.logger.warn('credential report stale, asking again', {
      scope: scope.id,
      generatedTime: report.generatedTime,
    });
    await sleep(pollDelay(attempt));
  }
}

/** Further requests for a new report after a stale one. */
const STALE_RETRIES = 2;

async function credentialReportOf(
  client: IAMClient,
  scope: AwsAccountScope,
  ctx: CollectorContext,
  sleep: Sleeper,
  maxPolls: number,
): Promise<IamData['credentialReport']> {
  for (let poll = 0; ; poll++) {
    const generated = await awsCall(scope, undefined, 'iam:GenerateCredentialReport', () =>
      client.send(new GenerateCredentialReportCommand({})),
    );
    if (generated.State === 'COMPLETE') {
      try {
        const report = await awsCall(scope, undefined, 'iam:GetCredentialReport', () =>
          client.send(new GetCredentialReportCommand({})),
        );
        const csv = new TextDecoder().decode(report.Content ?? new Uint8Array());
        return {
          generatedTime: report.GeneratedTime ? report.GeneratedTime.toISOString() : null,
          rows: parseCredentialReport(csv),
        };
      } catch (err) {
        // Expired or replaced between the two calls: generate again.
        const retry =
          err instanceof CredentialReportNotReadyException ||
          err instanceof CredentialReportNotPresentException ||
          err instanceof CredentialReportExpiredException;
        if (!retry) throw err;
      }
    }
    if (poll + 1 >= maxPolls) {
      throw new CredentialReportTimeoutError(
        `the IAM credential report of account ${scope.accountId} was still ${generated.State ?? 'not ready'} after ${maxPolls} polls; IAM generates at most one report every 4 hours and large accounts take longer: run the collection again later`,
      );
    }
    ctx.logger.debug('credential report pending', { scope: scope.id, state: generated.State, poll });
    await sleep(pollDelay(poll));
  }
}

export class CredentialReportTimeoutError extends Error {
  override name = 'CredentialReportTimeoutError';
}

async function passwordPolicyOf(client: IAMClient, scope: AwsAccountScope): Promise<PasswordPolicy | null> {
  try {
    const out = await awsCall(scope, undefined, 'iam:GetAccountPasswordPolicy', () =>
      client.send(new GetAccountPasswordPolicyCommand({})),
    );
    return out.PasswordPolicy ? { ...out.PasswordPolicy } : null;
  } catch (err) {
    if (err instanceof NoSuchEntityException) return null;
    throw err;
  }
}

async function authorizationDetails(
  client: IAMClient,
  scope: AwsAccountScope,
  ctx: CollectorContext,
): Promise<IamData['authorization']> {
  const users: IamUser[] = [];
  const groups: IamGroup[] = [];
  const roles: IamRole[] = [];
  const policies: Record<string, IamManagedPolicy> = {};
  let marker: string | undefined;
  do {
    const page = await awsCall(scope, undefined, 'iam:GetAccountAuthorizationDetails', () =>
      client.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000, Marker: marker })),
    );
    ctx.stats.pages++;
    for (const u of page.UserDetailList ?? []) {
      users.push({
        userName: u.UserName ?? 'unknown',
        userId: u.UserId ?? null,
        arn: u.Arn ?? 'unknown',
        path: u.Path ?? null,
        createDate: iso(u.CreateDate),
        groups: [...(u.GroupList ?? [])],
        attachedPolicies: (u.AttachedManagedPolicies ?? []).flatMap((p) =>
          p.PolicyArn ? [p.PolicyArn] : [],
        ),
        inlinePolicies: inline(u.UserPolicyList),
        permissionsBoundary: u.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
        tags: tags(u.Tags),
      });
    }
    for (const g of page.GroupDetailList ?? []) {
      groups.push({
        groupName: g.GroupName ?? 'unknown',
        groupId: g.GroupId ?? null,
        arn: g.Arn ?? 'unknown',
        path: g.Path ?? null,
        createDate: iso(g.CreateDate),
        attachedPolicies: (g.AttachedManagedPolicies ?? []).flatMap((p) =>
          p.PolicyArn ? [p.PolicyArn] : [],
        ),
        inlinePolicies: inline(g.GroupPolicyList),
      });
    }
    for (const r of page.RoleDetailList ?? []) {
      roles.push({
        roleName: r.RoleName ?? 'unknown',
        roleId: r.RoleId ?? null,
        arn: r.Arn ?? 'unknown',
        path: r.Path ?? null,
        createDate: iso(r.CreateDate),
        assumeRolePolicyDocument: policyDocument(r.AssumeRolePolicyDocument),
        attachedPolicies: (r.AttachedManagedPolicies ?? []).flatMap((p) =>
          p.PolicyArn ? [p.PolicyArn] : [],
        ),
        inlinePolicies: inline(r.RolePolicyList),
        permissionsBoundary: r.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
        instanceProfiles: (r.InstanceProfileList ?? []).flatMap((p) =>
          p.InstanceProfileName ? [p.InstanceProfileName] : [],
        ),
        lastUsed: r.RoleLastUsed
          ? { date: iso(r.RoleLastUsed.LastUsedDate), region: r.RoleLastUsed.Region ?? null }
          : null,
        tags: tags(r.Tags),
      });
    }
    for (const p of page.Policies ?? []) {
      if (!p.Arn) continue;
      const version = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion) ?? p.PolicyVersionList?.[0];
      policies[p.Arn] = {
        name: p.PolicyName ?? p.Arn.split('/').pop() ?? p.Arn,
        policyId: p.PolicyId ?? null,
        path: p.Path ?? null,
        awsManaged: isAwsManaged(p.Arn),
        defaultVersionId: p.DefaultVersionId ?? null,
        attachmentCount: p.AttachmentCount ?? null,
        permissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount ?? null,
        isAttachable: p.IsAttachable ?? null,
        createDate: iso(p.CreateDate),
        updateDate: iso(p.UpdateDate),
        document: policyDocument(version?.Document),
      };
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);

  // AWS-managed policies are stored only when something here uses them.
  const used = new Set<string>();
  for (const e of [...users, ...groups, ...roles]) {
    for (const arn of e.attachedPolicies) used.add(arn);
    if ('permissionsBoundary' in e && e.permissionsBoundary) used.add(e.permissionsBoundary);
  }
  for (const arn of Object.keys(policies)) {
    if (policies[arn]!.awsManaged && !used.has(arn)) delete policies[arn];
  }
  return { users, groups, roles, policies };
}

function isAwsManaged(arn: string): boolean {
  return /^arn:aws[\w-]*:iam::aws:policy\//.test(arn);
}

function inline(list: PolicyDetail[] | undefined): InlinePolicy[] {
  return (list ?? []).map((p) => ({
    name: p.PolicyName ?? 'unknown',
    document: policyDocument(p.PolicyDocument),
  }));
}

function tags(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** IAM returns policy documents URL-encoded; store them as JSON (the text itself if it does not parse). */
export function policyDocument(text: string | undefined): unknown {
  if (text === undefined) return null;
  let decoded = text;
  if (!text.trimStart().startsWith('{')) {
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return text;
    }
  }
  try {
    return JSON.parse(decoded);
  } catch {
    return decoded;
  }
}

/** Parse the credential report CSV (RFC 4180) into typed rows, by header name. */
export function parseCredentialReport(csv: string): CredentialReportRow[] {
  const records = parseCsv(csv);
  const header = records.shift();
  if (!header) return [];
  const index = new Map(header.map((name, i) => [name, i]));
  return records
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => {
      const get = (name: string): string => {
        const i = index.get(name);
        return i === undefined ? 'N/A' : (r[i] ?? 'N/A');
      };
      const key = (n: 1 | 2): AccessKeyColumns => ({
        active: bool(get(`access_key_${n}_active`)) === true,
        lastRotated: date(get(`access_key_${n}_last_rotated`)),
        lastUsedDate: date(get(`access_key_${n}_last_used_date`)),
        lastUsedRegion: text(get(`access_key_${n}_last_used_region`)),
        lastUsedService: text(get(`access_key_${n}_last_used_service`)),
      });
      return {
        user: get('user'),
        arn: get('arn'),
        userCreationTime: date(get('user_creation_time')),
        passwordEnabled: bool(get('password_enabled')),
        passwordLastUsed: date(get('password_last_used')),
        passwordLastChanged: date(get('password_last_changed')),
        passwordNextRotation: date(get('password_next_rotation')),
        mfaActive: bool(get('mfa_active')) === true,
        accessKey1: key(1),
        accessKey2: key(2),
        cert1: { active: bool(get('cert_1_active')) === true, lastRotated: date(get('cert_1_last_rotated')) },
        cert2: { active: bool(get('cert_2_active')) === true, lastRotated: date(get('cert_2_last_rotated')) },
      };
    });
}

const MARKERS = new Set(['N/A', 'not_supported', 'no_information', '']);

function text(value: string): string | null {
  return MARKERS.has(value) ? null : value;
}

function bool(value: string): boolean | null {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

function date(value: string): string | null {
  if (MARKERS.has(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && csv[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
