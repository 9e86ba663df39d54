/**
 * What an okta-users snapshot holds (`data`), and the one reader checks and populations use.
 * Snapshots are evidence: a version once written stays readable and is judged the same way.
 *
 * - **v1** (`schema: "evidence.okta-users/1"`): every user of every status with its factors
 *   and when they were read (`factorsReadAt`), and the org's policies of the four types with
 *   their rules (conditions and actions as Okta returned them).
 *
 * `readOktaUsersData` refuses (OktaUsersDataError) what it cannot vouch for: an unknown
 * version or a malformed body. A check must then fail, naming why, never pass.
 */
import * as z from 'zod';

export const OKTA_USERS_DATA_SCHEMA = 'evidence.okta-users/1';

/** Statuses of a user who can sign in (okta-mfa-enrolled, okta-dormant-users, the users population). */
export const SIGN_IN_STATUSES: ReadonlySet<string> = new Set([
  'ACTIVE',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'RECOVERY',
]);

/** The policy types recorded, in this order. */
export const POLICY_TYPES = ['OKTA_SIGN_ON', 'ACCESS_POLICY', 'MFA_ENROLL', 'PASSWORD'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** The Okta apps whose authentication policies okta-mfa-required judges (Identity Engine). */
export const ADMIN_APPS = ['okta_enduser', 'saasure'] as const;

export interface OktaFactor {
  id: string;
  /** factorType: push, signed_nonce, webauthn, u2f, token:software:totp, sms, call, email, question, ... */
  type: string;
  /** OKTA, GOOGLE, FIDO, RSA, SYMANTEC, YUBICO, DUO, CUSTOM */
  provider: string;
  /** ACTIVE, PENDING_ACTIVATION, ... */
  status: string;
  created: string | null;
}

/** A profile attribute's value as Okta returned it (custom attributes may be arrays or numbers). */
export type ProfileValue = string | number | boolean | null | (string | number | boolean | null)[];

export interface OktaUserRecord {
  id: string;
  login: string;
  /** ACTIVE, STAGED, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED, DEPROVISIONED */
  status: string;
  created: string | null;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  passwordChanged: string | null;
  /** The attributes named in okta.users.profileAttributes that the user has. */
  profile: Record<string, ProfileValue>;
  /** Enrolled factors as last read, or null when they have never been read (see factorsError). */
  factors: OktaFactor[] | null;
  /** When `factors` was read from Okta (ISO); null when never. */
  factorsReadAt: string | null;
  /** Why the factors could not be read this run (the snapshot is then partial). */
  factorsError?: string;
}

export interface OktaPolicyRule {
  id: string;
  name: string;
  status: string;
  priority: number | null;
  system: boolean;
  type: string | null;
  /** As Okta returned them: people/groups, network, ... */
  conditions: unknown;
  /** As Okta returned them: signon (OKTA_SIGN_ON), appSignOn (ACCESS_POLICY), ... */
  actions: unknown;
}

export interface OktaPolicy {
  id: string;
  name: string;
  type: string;
  status: string;
  priority: number | null;
  system: boolean;
  /** Null when the rules could not be read (the snapshot is then partial). */
  rules: OktaPolicyRule[] | null;
}

/** Whether each policy type was listed to the end (false: the snapshot is partial; `error` says why). */
export interface PolicyTypeStatus {
  complete: boolean;
  error?: string;
}

/** An Okta app whose authentication policy matters (Okta Dashboard, Admin Console) and its policy. */
export interface OktaAppPolicy {
  /** okta_enduser or saasure */
  app: string;
  label: string;
  /** The id of its authentication (ACCESS_POLICY) policy, or null (Classic Engine: none). */
  accessPolicyId: string | null;
}

export interface FactorReadPlan {
  /** full: every user's factors read this run; rolling: a share of them, the rest carried over. */
  mode: 'full' | 'rolling';
  /** Users whose factors were read this run. */
  read: number;
  /** Users whose factors were carried over from an earlier snapshot (rolling mode). */
  carried: number;
  /** Reads due that did not fit this run's budget, left to the next run (absent in older snapshots). */
  deferred?: number;
  /** okta.users.factorReadsPerRun in effect (absent in older snapshots). */
  budget?: number;
  /** What the configured schedule allows against what the org needs (absent in older snapshots). */
  capacity?: FactorReadCapacity;
}

/** The factor reads a day the org needs and the configured schedule allows (capacity.ts). */
export interface FactorReadCapacity {
  /** okta-users runs a day: schedule.collect and schedule.collectAgain, 15 minutes or more apart. */
  runsPerDay: number;
  /** runsPerDay × okta.users.factorReadsPerRun. */
  readsPerDay: number;
  /** Every user (full mode) or a seventh of them (rolling mode; more with a shorter checks.freshnessHours.oktaFactors). */
  neededPerDay: number;
  /** False: users will drift past the checks' 8 days; the snapshot is partial and says so. */
  enough: boolean;
}

/**
 * How `users` was read: the whole list (`full`: the default list and the DEPROVISIONED one), or,
 * in a later run of the same UTC day, the previous snapshot's users with the changes since merged
 * onto them (`changes`: `filter=lastUpdated gt "…"`, which returns users of every status, and the
 * System Log's user deletions). A sign-in is not promised to change a user's `lastUpdated`: in a
 * `changes` snapshot `lastLogin` is as of `listedAt`, which okta-dormant-users judges from.
 */
export interface UserListing {
  mode: 'full' | 'changes';
  /** When the full listing these users rest on began (the day's first run). */
  listedAt: string;
  /** When this run began reading (its full list, or its changes): the next run's changes start here. */
  readAt: string;
  /** changes: the snapshot the changes were merged onto. */
  previous?: string;
  /** changes: users updated after this instant (the previous run's readAt, less 5 minutes) were read again. */
  since?: string;
  /** changes: users read again (updated since), and users removed (deleted in Okta since). */
  changed?: number;
  deleted?: number;
  /** full although a same-day snapshot existed: why its list could not be built on. */
  why?: string;
}

export interface FactorEvents {
  /** The previous snapshot whose factor state was carried over. */
  previous: string;
  since: string;
  until: string;
  events: number;
  /** Users named by those events: their factors were read again. */
  users: number;
}

export interface OktaUsersData {
  schema: typeof OKTA_USERS_DATA_SCHEMA;
  orgUrl: string;
  auth: 'ssws' | 'oauth';
  profileAttributes: string[];
  /** False when a user list could not be read to the end (the snapshot is then partial). */
  usersComplete: boolean;
  users: OktaUserRecord[];
  policyTypes: Record<PolicyType, PolicyTypeStatus>;
  policies: OktaPolicy[];
  apps: OktaAppPolicy[];
  /** Names of the groups the policy rules refer to, by group id. */
  groupNames: Record<string, string>;
  factorReads: FactorReadPlan;
  /** Rolling mode: the System Log's factor and lifecycle events read since the previous snapshot. */
  factorEvents?: FactorEvents;
  /** How the user list was read (absent in older snapshots: full). */
  userListing?: UserListing;
  totals: { users: number; byStatus: Record<string, number>; policies: number; rules: number };
}

/** The data cannot be read as an okta-users snapshot: a check must not judge it. */
export class OktaUsersDataError extends Error {
  override name = 'OktaUsersDataError';
}

const iso = z.string().nullable();
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Factor = z.object({
  id: z.string(),
  type: z.string(),
  provider: z.string(),
  status: z.string(),
  created: iso,
});
const User = z.object({
  id: z.string(),
  login: z.string(),
  status: z.string(),
  created: iso,
  activated: iso,
  statusChanged: iso,
  lastLogin: iso,
  passwordChanged: iso,
  profile: z.record(z.string(), z.union([Scalar, z.array(Scalar)])),
  factors: z.array(Factor).nullable(),
  factorsReadAt: iso,
  factorsError: z.string().optional(),
});
const Rule = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  priority: z.number().nullable(),
  system: z.boolean(),
  type: z.string().nullable(),
  conditions: z.unknown(),
  actions: z.unknown(),
});
const Policy = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.string(),
  priority: z.number().nullable(),
  system: z.boolean(),
  rules: z.array(Rule).nullable(),
});
const TypeStatus = z.object({ complete: z.boolean(), error: z.string().optional() });
const DataV1 = z.object({
  schema: z.literal(OKTA_USERS_DATA_SCHEMA),
  orgUrl: z.string(),
  auth: z.enum(['ssws', 'oauth']),
  profileAttributes: z.array(z.string()),
  usersComplete: z.boolean(),
  users: z.array(User),
  policyTypes: z.object(
    Object.fromEntries(POLICY_TYPES.map((t) => [t, TypeStatus])) as Record<PolicyType, typeof TypeStatus>,
  ),
  policies: z.array(Policy),
  apps: z.array(z.object({ app: z.string(), label: z.string(), accessPolicyId: z.string().nullable() })),
  groupNames: z.record(z.string(), z.string()),
  factorReads: z.object({
    mode: z.enum(['full', 'rolling']),
    read: z.number().int().nonnegative(),
    carried: z.number().int().nonnegative(),
    deferred: z.number().int().nonnegative().optional(),
    budget: z.number().int().nonnegative().optional(),
    capacity: z
      .object({
        runsPerDay: z.number().int().nonnegative(),
        readsPerDay: z.number().int().nonnegative(),
        neededPerDay: z.number().int().nonnegative(),
        enough: z.boolean(),
      })
      .optional(),
  }),
  factorEvents: z
    .object({
      previous: z.string(),
      since: z.string(),
      until: z.string(),
      events: z.number().int().nonnegative(),
      users: z.number().int().nonnegative(),
    })
    .optional(),
  userListing: z
    .object({
      mode: z.enum(['full', 'changes']),
      listedAt: z.string(),
      readAt: z.string(),
      previous: z.string().optional(),
      since: z.string().optional(),
      changed: z.number().int().nonnegative().optional(),
      deleted: z.number().int().nonnegative().optional(),
      why: z.string().optional(),
    })
    .optional(),
  totals: z.object({
    users: z.number().int().nonnegative(),
    byStatus: z.record(z.string(), z.number().int().nonnegative()),
    policies: z.number().int().nonnegative(),
    rules: z.number().int().nonnegative(),
  }),
});

/** Read an okta-users snapshot's data; OktaUsersDataError when it cannot be vouched for. */
export function readOktaUsersData(data: unknown): OktaUsersData {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new OktaUsersDataError(
      `the okta-users data is ${data === null ? 'null' : typeof data}, not an object`,
    );
  const schema = (data as { schema?: unknown }).schema;
  if (schema !== OKTA_USERS_DATA_SCHEMA)
    throw new OktaUsersDataError(
      `the okta-users data has schema ${JSON.stringify(schema)}; this version reads ${OKTA_USERS_DATA_SCHEMA} (was it written by a newer Evidence Locker?)`,
    );
  const parsed = DataV1.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new OktaUsersDataError(
      `the okta-users data is malformed at ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data as OktaUsersData;
}

/** Group ids a rule's people condition includes (or excludes). */
export function ruleGroupIds(rule: OktaPolicyRule, which: 'include' | 'exclude' | 'both' = 'both'): string[] {
  const groups = (
    rule.conditions as { people?: { groups?: { include?: unknown; exclude?: unknown } } } | null
  )?.people?.groups;
  const lists = which === 'both' ? [groups?.include, groups?.exclude] : [groups?.[which]];
  return lists
    .flatMap((v) => (Array.isArray(v) ? v : []))
    .filter((id): id is string => typeof id === 'string');
}
