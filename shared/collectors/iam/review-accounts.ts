/**
 * The accounts an access review of AWS covers (shared/review/): every IAM user with a console
 * password or an active access key, and every role whose trust policy lets a principal outside
 * the account (another account, `*`, a federated identity provider) assume it.
 */
import type { Snapshot } from '../../evidence/snapshot.js';
import type { ReviewAccount, ReviewAccounts } from '../types.js';
import { ReviewPopulationError } from '../types.js';
import type { IamData, IamRole } from './collector.js';

export const iamReviewAccounts: ReviewAccounts<IamData> = {
  system: 'aws',
  description:
    'every IAM user with a console password or an active access key, and every role trusting a principal outside its account',
  accounts: (snapshot, _related, prefix) => awsAccounts(snapshot, prefix),
};

function awsAccounts(snapshot: Snapshot<IamData>, prefix: string): ReviewAccount[] {
  const data = snapshot.data as IamData;
  if (!data?.credentialReport || !data.authorization)
    throw new ReviewPopulationError(`iam/${snapshot.scope}: not an iam snapshot`);
  const rows = new Map(data.credentialReport.rows.map((r) => [r.user, r]));
  const out: ReviewAccount[] = [];
  for (const u of data.authorization.users) {
    const row = rows.get(u.userName);
    const console = row?.passwordEnabled === true;
    const keys = [row?.accessKey1, row?.accessKey2].filter((k) => k?.active).length;
    if (!console && keys === 0) continue;
    out.push({
      account: `${prefix}${data.accountId}/user/${u.userName}`,
      kind: 'iam-user',
      scope: snapshot.scope,
      identities: [u.userName],
      groups: [...u.groups].sort(),
      manager: null,
      context: {
        type: 'IAM user',
        console: console ? `yes (last used ${row?.passwordLastUsed ?? 'never'})` : 'no',
        mfa: row?.mfaActive ? 'yes' : 'no',
        active_keys: String(keys),
        groups: [...u.groups].sort().join('; '),
        policies: [...u.attachedPolicies, ...u.inlinePolicies.map((p) => `inline:${p.name}`)].join('; '),
      },
    });
  }
  for (const role of data.authorization.roles) {
    const outside = outsidePrincipals(role, data.accountId);
    if (outside.length === 0) continue;
    out.push({
      account: `${prefix}${data.accountId}/role/${role.roleName}`,
      kind: 'iam-role',
      scope: snapshot.scope,
      identities: [role.roleName],
      groups: [],
      manager: null,
      context: {
        type: 'IAM role trusting outside principals',
        trusted_principals: outside.join('; '),
        policies: [...role.attachedPolicies, ...role.inlinePolicies.map((p) => `inline:${p.name}`)].join(
          '; ',
        ),
        last_used: role.lastUsed?.date ?? 'never',
      },
    });
  }
  return out;
}

/**
 * The principals of a role's trust policy (Allow statements) outside its own account: another
 * account's ARN or id, `*`, a federated identity provider, a canonical user. Services are not.
 */
export function outsidePrincipals(
  role: Pick<IamRole, 'assumeRolePolicyDocument'>,
  accountId: string,
): string[] {
  const doc = role.assumeRolePolicyDocument as { Statement?: unknown } | null;
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
  const out: string[] = [];
  for (const st of statements as { Effect?: unknown; Principal?: unknown }[]) {
    if (st?.Effect !== 'Allow') continue;
    const principal = st.Principal;
    if (principal === '*') {
      out.push('*');
      continue;
    }
    if (typeof principal !== 'object' || principal === null) continue;
    for (const [type, value] of Object.entries(principal as Record<string, unknown>)) {
      const values = (Array.isArray(value) ? value : [value]).filter(
        (v): v is string => typeof v === 'string',
      );
      for (const v of values) {
        if (type === 'Service') continue;
        if (type === 'AWS') {
          const account = /^\d{12}$/.test(v) ? v : /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(v)?.[1];
          if (account === accountId) continue;
        }
        out.push(`${type}:${v}`);
      }
    }
  }
  return unique(out);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
