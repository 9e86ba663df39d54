/**
 * What an okta snapshot holds (`data`), in every version ever written, and the one reader
 * that checks use for all of them. Snapshots are evidence: an older one is never rewritten,
 * so it must stay readable and judged the same way.
 *
 * - **v2** (`schema: "evidence.okta/2"`, written from 0.1.0 after issue 14): each user once,
 *   `users: { <id>: { login, status, lastLogin } }`, and each group's member ids
 *   (`memberIds`). About a third of v1's size at 50,000 users × 2,000 groups.
 * - **v1** (no `schema` key, written before): each group's `members` inline, every member's
 *   `id`, `login`, `status` and `lastLogin` repeated in every group it belongs to.
 *
 * `readOktaData` validates either and returns one view; it refuses (OktaDataError) what it
 * cannot vouch for: an unknown version, a malformed body, or a member id with no user entry.
 */
import * as z from 'zod';

export const OKTA_DATA_SCHEMA = 'evidence.okta/2';

/** A user as recorded once per snapshot (v2). */
export interface OktaUser {
  login: string;
  /** ACTIVE, STAGED, PROVISIONED, RECOVERY, PASSWORD_EXPIRED, LOCKED_OUT, SUSPENDED, DEPROVISIONED */
  status: string;
  lastLogin: string | null;
}

/** A member of a group as checks read it. */
export interface OktaMember extends OktaUser {
  id: string;
}

export interface OktaGroupEvidence {
  id: string;
  /** profile.name: the group's name as admins see it. */
  name: string;
  /** OKTA_GROUP, APP_GROUP or BUILT_IN. */
  type: string;
  description: string | null;
  /** Ids of its members, in Okta's order; each is a key of `users`. */
  memberIds: string[];
  /** False when the member list could not be read to the end (the snapshot is then partial). */
  membersComplete: boolean;
}

export interface OktaTotals {
  groups: number;
  memberships: number;
  distinctUsers: number;
}

/** The okta snapshot's data as written today (v2). */
export interface OktaData {
  schema: typeof OKTA_DATA_SCHEMA;
  orgUrl: string;
  auth: 'ssws' | 'oauth';
  /** False when the group list itself could not be read to the end. */
  groupsComplete: boolean;
  /** Every user that is a member of at least one group read, by Okta user id. */
  users: Record<string, OktaUser>;
  groups: OktaGroupEvidence[];
  totals: OktaTotals;
}

/** v1 (no `schema`): members inline in each group. Read, never written. */
export interface OktaGroupEvidenceV1 extends Omit<OktaGroupEvidence, 'memberIds'> {
  members: OktaMember[];
}

export interface OktaDataV1 extends Omit<OktaData, 'schema' | 'users' | 'groups'> {
  groups: OktaGroupEvidenceV1[];
}

/** A group as checks read it, whatever version wrote the snapshot. */
export interface OktaGroupView {
  id: string;
  name: string;
  type: string;
  description: string | null;
  membersComplete: boolean;
  memberCount: number;
  /** Its members with their user attributes (resolved on demand: v2 stores ids). */
  members(): OktaMember[];
}

export interface OktaOrgView {
  /** The data version the snapshot was written in. */
  version: 1 | 2;
  orgUrl: string;
  auth: 'ssws' | 'oauth';
  groupsComplete: boolean;
  groups: OktaGroupView[];
}

/** The data cannot be read as an okta snapshot: a check must not judge it. */
export class OktaDataError extends Error {
  override name = 'OktaDataError';
}

const User = z.object({ login: z.string(), status: z.string(), lastLogin: z.string().nullable() });
const Member = User.extend({ id: z.string() });
const GroupFields = {
  id: z.string(),
  name: z.string(),
  type: z.string(),
  description: z.string().nullable(),
  membersComplete: z.boolean(),
};
const OrgFields = {
  orgUrl: z.string(),
  auth: z.enum(['ssws', 'oauth']),
  groupsComplete: z.boolean(),
  totals: z.object({
    groups: z.number().int().nonnegative(),
    memberships: z.number().int().nonnegative(),
    distinctUsers: z.number().int().nonnegative(),
  }),
};
const DataV2 = z.object({
  schema: z.literal(OKTA_DATA_SCHEMA),
  ...OrgFields,
  users: z.record(z.string(), User),
  groups: z.array(z.object({ ...GroupFields, memberIds: z.array(z.string()) })),
});
const DataV1 = z.object({
  ...OrgFields,
  groups: z.array(z.object({ ...GroupFields, members: z.array(Member) })),
});

/**
 * Read an okta snapshot's data, v1 or v2, into one view. Throws OktaDataError for an unknown
 * version, a body that does not match its version, or (v2) a member id that has no user
 * entry: such a snapshot cannot be judged, and saying so is a failure, never a pass.
 */
export function readOktaData(data: unknown): OktaOrgView {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new OktaDataError(`the okta data is ${data === null ? 'null' : typeof data}, not an object`);
  const schema = (data as { schema?: unknown }).schema;
  if (schema === undefined) return readV1(data);
  if (schema === OKTA_DATA_SCHEMA) return readV2(data);
  throw new OktaDataError(
    `the okta data has schema ${JSON.stringify(schema)}; this version reads ${OKTA_DATA_SCHEMA} and the unversioned v1 (was it written by a newer Evidence Locker?)`,
  );
}

function invalid(version: string, error: z.ZodError): OktaDataError {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(top level)';
  return new OktaDataError(
    `the okta data (${version}) is malformed at ${where}: ${issue?.message ?? 'invalid'}`,
  );
}

function readV2(data: object): OktaOrgView {
  const parsed = DataV2.safeParse(data);
  if (!parsed.success) throw invalid(OKTA_DATA_SCHEMA, parsed.error);
  const { users, groups, orgUrl, auth, groupsComplete } = parsed.data;
  for (const group of groups) {
    for (const id of group.memberIds) {
      if (!Object.hasOwn(users, id))
        throw new OktaDataError(
          `member ${JSON.stringify(id)} of group "${group.name}" (${group.id}) has no entry in users: the snapshot is inconsistent and cannot be judged`,
        );
    }
  }
  return {
    version: 2,
    orgUrl,
    auth,
    groupsComplete,
    groups: groups.map(({ memberIds, ...g }) => ({
      ...g,
      memberCount: memberIds.length,
      members: () => memberIds.map((id) => ({ id, ...users[id]! })),
    })),
  };
}

function readV1(data: object): OktaOrgView {
  const parsed = DataV1.safeParse(data);
  if (!parsed.success) throw invalid('v1, unversioned', parsed.error);
  const { groups, orgUrl, auth, groupsComplete } = parsed.data;
  return {
    version: 1,
    orgUrl,
    auth,
    groupsComplete,
    groups: groups.map(({ members, ...g }) => ({
      ...g,
      memberCount: members.length,
      members: () => members,
    })),
  };
}
