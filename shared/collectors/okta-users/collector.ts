/**
 * Okta users (CC6.1, CC6.2, CC6.3): every user of every status, each user's enrolled factors,
 * and the org's sign-on, access, MFA enrollment and password policies with their rules.
 *
 * - Users: Okta's default list (`GET /api/v1/users`) leaves DEPROVISIONED users out, so a
 *   second list asks for exactly those (`filter=status eq "DEPROVISIONED"`; `filter` reads
 *   current data, `search` an eventually consistent copy). 200 per page, `Link: rel="next"`.
 *   A later run of the same UTC day (schedule.collectAgain) lists nobody again: it merges the
 *   users updated since the previous run (`filter=lastUpdated gt "…"`, every status) onto the
 *   previous snapshot's users and drops those the System Log says were deleted (listChanges).
 * - Factors: one request per user (`GET /api/v1/users/{id}/factors`: Okta has no bulk
 *   listing). A user whose factors could not be read keeps `factors: null` with the reason,
 *   and the snapshot is `partial` naming them: never dropped. When the schedule's runs a day
 *   cannot keep every user within 8 days (capacity.ts), the snapshot is `partial` and says so.
 * - Policies: `GET /api/v1/policies?type=...` for OKTA_SIGN_ON, ACCESS_POLICY, MFA_ENROLL and
 *   PASSWORD, each policy's rules, the names of the groups the rules refer to, and which
 *   authentication policy the Okta Dashboard (okta_enduser) and the Admin Console (saasure)
 *   use (`GET /api/v1/apps?filter=name eq "..."`, `_links.accessPolicy`).
 *
 * Rate limits: the shared client (vendors/okta-client.ts) with half of every endpoint's
 * per-minute budget kept unused (`reserveFraction` 0.5): other integrations keep working.
 * Auth as the okta collector; OAuth scopes okta.users.read okta.groups.read
 * okta.policies.read okta.apps.read.
 */

import { mapLimit } from '../../concurrency.js';
import type { Config } from '../../config.js';
import { SourceUnavailableError } from '../../errors.js';
import { dayOf } from '../../evidence/days.js';
import {
  OktaApiError,
  type OktaAuth,
  OktaClient,
  OktaRateLimitError,
  parseOrgUrl,
  systemTimer,
  type Timer,
} from '../../vendors/okta-client.js';
import { freshnessBound } from '../freshness.js';
import { oktaAuthFromEnv } from '../okta/auth.js';
import type { OktaScope } from '../okta/collector.js';
import { oktaIdentity } from '../okta/connect.js';
import type { CollectorContext, PreviousSnapshot, RunnableCollector } from '../types.js';
import { capacityWarning, factorReadCapacity, ROLLING_DAYS } from './capacity.js';
import {
  ADMIN_APPS,
  type FactorEvents,
  OKTA_USERS_DATA_SCHEMA,
  type OktaAppPolicy,
  type OktaFactor,
  type OktaPolicy,
  type OktaPolicyRule,
  type OktaUserRecord,
  type OktaUsersData,
  OktaUsersDataError,
  POLICY_TYPES,
  type PolicyType,
  type PolicyTypeStatus,
  type ProfileValue,
  readOktaUsersData,
  ruleGroupIds,
  SIGN_IN_STATUSES,
  type UserListing,
} from './data.js';
import { oktaUsers as declaration } from './declaration.js';
import { factorStaleness } from './judge.js';
import { type UsersSettings, usersSettingsOf } from './settings.js';

export type { OktaUsersData } from './data.js';

/** Okta's page size for listUsers and the policy lists. */
const PAGE_SIZE = 200;

/** The OAuth scopes this collector needs (the okta collector needs fewer). */
export const OKTA_USERS_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.policies.read',
  'okta.apps.read',
  'okta.logs.read',
] as const;

/** Of each endpoint's per-minute budget, this fraction is left for other integrations. */
export const OKTA_USERS_RESERVE = 0.5;

interface UserPayload {
  id: string;
  status: string;
  created?: string | null;
  activated?: string | null;
  statusChanged?: string | null;
  lastLogin?: string | null;
  passwordChanged?: string | null;
  profile?: Record<string, unknown> & { login?: string };
}

interface FactorPayload {
  id: string;
  factorType?: string;
  provider?: string;
  status?: string;
  created?: string | null;
}

interface PolicyPayload {
  id: string;
  name?: string;
  type?: string;
  status?: string;
  priority?: number | null;
  system?: boolean;
}

interface RulePayload extends PolicyPayload {
  conditions?: unknown;
  actions?: unknown;
}

interface AppPayload {
  id: string;
  name?: string;
  label?: string;
  _links?: { accessPolicy?: { href?: string } };
}

export interface OktaUsersCollectorDeps {
  timer?: Timer;
  fetch?: typeof fetch;
  auth?: (config: NonNullable<Config['okta']>) => OktaAuth;
}

export function createOktaUsersCollector(
  deps: OktaUsersCollectorDeps = {},
): RunnableCollector<OktaScope, OktaUsersData, UsersSettings> {
  return {
    ...declaration,
    identify: oktaIdentity(deps),
    async collect(scope, ctx) {
      const okta = ctx.config.okta;
      if (!okta) throw new SourceUnavailableError('the configuration has no "okta" section');
      parseOrgUrl(scope.orgUrl);
      const base = (deps.auth ?? oktaAuthFromEnv)(okta);
      const auth: OktaAuth = base.kind === 'oauth' ? { ...base, scopes: OKTA_USERS_SCOPES } : base;
      const client = new OktaClient({
        orgUrl: scope.orgUrl,
        auth,
        concurrency: okta.concurrency,
        reserveFraction: OKTA_USERS_RESERVE,
        timer: deps.timer ?? systemTimer,
        logger: ctx.logger,
        onRequest: () => ctx.stats.requests++,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      return collectUsers(client, ctx, usersSettingsOf(ctx.settings), okta.concurrency, auth.kind, scope);
    },
  };
}

async function collectUsers(
  client: OktaClient,
  ctx: CollectorContext<UsersSettings | undefined>,
  settings: UsersSettings,
  concurrency: number,
  authKind: OktaAuth['kind'],
  scope: OktaScope,
) {
  const errors: string[] = [];
  const onPage = () => ctx.stats.pages++;

  // The newest earlier snapshot: its factor state is carried over (rolling reads, later runs of a
  // day), and a later run of the same day builds on its user list instead of listing again.
  const readAt = ctx.clock.now();
  const previous = await ctx.previous?.();
  let before: OktaUsersData | undefined;
  let unreadable: string | undefined;
  if (previous) {
    try {
      before = readOktaUsersData(previous.data);
    } catch (err) {
      if (!(err instanceof OktaUsersDataError)) throw err;
      unreadable = `the previous snapshot ${previous.key} cannot be read (${err.message}): no factor state carried over`;
    }
  }

  // 1. Every user: the default list, then the DEPROVISIONED ones it leaves out; or, in a later
  // run of the day, the changes since the previous run merged onto its users.
  // The GitHub login attribute (access-revoked-on-termination) is recorded with the others.
  const attributes = [
    ...new Set([
      ...settings.profileAttributes,
      ...(settings.githubLoginAttribute ? [settings.githubLoginAttribute] : []),
    ]),
  ];
  const base = sameDayList(previous, before, readAt, attributes, client.origin);
  let listed: { users: Map<string, OktaUserRecord>; listing: UserListing } | undefined;
  let why = base.why;
  if (base.list) {
    try {
      listed = await listChanges(client, base.list, previous!.key, readAt, attributes, onPage);
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      why = `its changes could not be read (${(err as Error).message}), so every user was listed again`;
    }
  }
  let usersComplete = true;
  if (!listed) {
    const users = new Map<string, OktaUserRecord>();
    const lists = [
      { path: `/api/v1/users?limit=${PAGE_SIZE}`, what: 'the user list' },
      {
        path: `/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}&limit=${PAGE_SIZE}`,
        what: 'the list of DEPROVISIONED users',
      },
    ];
    for (const list of lists) {
      let read = 0;
      try {
        for await (const page of client.paginate<UserPayload>(list.path, onPage)) {
          for (const u of page) users.set(u.id, userRecord(u, attributes));
          read += page.length;
        }
      } catch (err) {
        if (!isIncomplete(err)) throw err;
        usersComplete = false;
        errors.push(
          `${list.what} stopped after ${read} users: ${(err as Error).message}; users after that point are missing from this snapshot`,
        );
      }
    }
    const at = readAt.toISOString();
    listed = { users, listing: { mode: 'full', listedAt: at, readAt: at, ...(why && { why }) } };
  }
  const { users, listing } = listed;

  // 2. Each user's factors: one request per user, never more than the client's pacing allows.
  // Up to fullFactorReadMaxUsers (and factorReadsPerRun) every user's, once a day; beyond, a
  // rolling share (planReads), at most factorReadsPerRun of them in this run, the rest deferred.
  const all = [...users.values()];
  const budget = settings.factorReadsPerRun;
  const rolling = all.length > settings.fullFactorReadMaxUsers || all.length > budget;
  const capacity = factorReadCapacity(all.length, settings, ctx.config);
  const warning = capacityWarning(capacity, all.length, settings, ctx.config);
  if (warning) errors.push(warning);
  // Only rolling reads lose by it (a full run reads every user's factors anyway).
  if (unreadable && rolling) errors.push(unreadable);
  // A later run of the day in full mode carries the day's state and reads what changed since.
  const plan =
    rolling || (listing.mode === 'changes' && before)
      ? await planReads(
          all,
          rolling ? 'rolling' : 'full',
          previous,
          before,
          client,
          ctx,
          onPage,
          errors,
          budget,
        )
      : { toRead: all, carried: 0, deferred: 0 };
  const failedFactors: string[] = [];
  await mapLimit(plan.toRead, concurrency, async (user) => {
    try {
      const factors = await client.listAll<FactorPayload>(
        `/api/v1/users/${encodeURIComponent(user.id)}/factors`,
        onPage,
      );
      user.factors = factors.map(factorRecord);
      user.factorsReadAt = ctx.clock.now().toISOString();
      delete user.factorsError;
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      user.factors = null;
      user.factorsReadAt = null;
      user.factorsError = (err as Error).message;
      failedFactors.push(`${user.login} (${user.id})`);
    }
  });
  if (failedFactors.length)
    errors.push(
      `the factors of ${failedFactors.length} user(s) could not be read: ${failedFactors.join(', ')}; they are recorded with factors null and judged unknown`,
    );
  // State the checks will judge unknown: read longer ago than checks.freshnessHours.oktaFactors
  // (the schedule fell behind): recorded with its time, never as today's state.
  const stale = all.filter(
    (u) =>
      SIGN_IN_STATUSES.has(u.status) &&
      u.factorsReadAt !== null &&
      factorStaleness(u.factorsReadAt, readAt, ctx.config) !== undefined,
  );
  if (stale.length) {
    const oldest = stale.reduce((a, b) => (a.factorsReadAt! <= b.factorsReadAt! ? a : b));
    errors.push(
      `the factor state of ${stale.length} user(s) who can sign in was read more than ${freshnessBound(ctx.config, 'oktaFactors')} h before this collection (checks.freshnessHours.oktaFactors; oldest ${oldest.factorsReadAt}): they are judged unknown: ${namesOf(stale)}; oldest: ${oldest.login}, ${factorStaleness(oldest.factorsReadAt!, readAt, ctx.config)}; the runs of the last week did not reach them (see factorReads.capacity)`,
    );
  }

  // 3. Policies of each type, each with its rules.
  const policies: OktaPolicy[] = [];
  const policyTypes = {} as Record<PolicyType, PolicyTypeStatus>;
  for (const type of POLICY_TYPES) {
    const status: PolicyTypeStatus = { complete: true };
    policyTypes[type] = status;
    try {
      for await (const page of client.paginate<PolicyPayload>(
        `/api/v1/policies?type=${type}&limit=${PAGE_SIZE}`,
        onPage,
      ))
        for (const p of page) policies.push(policyRecord(p, type));
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      status.complete = false;
      status.error = (err as Error).message;
      errors.push(`the ${type} policies could not be listed to the end: ${status.error}`);
    }
  }
  await mapLimit(policies, concurrency, async (policy) => {
    try {
      const rules = await client.listAll<RulePayload>(
        `/api/v1/policies/${encodeURIComponent(policy.id)}/rules?limit=${PAGE_SIZE}`,
        onPage,
      );
      policy.rules = rules.map(ruleRecord);
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      errors.push(
        `the rules of ${policy.type} policy "${policy.name}" (${policy.id}) could not be read: ${(err as Error).message}`,
      );
    }
  });

  // 4. Which authentication policy the Okta Dashboard and the Admin Console use.
  const apps: OktaAppPolicy[] = [];
  for (const name of ADMIN_APPS) {
    try {
      const found = await client.listAll<AppPayload>(
        `/api/v1/apps?filter=${encodeURIComponent(`name eq "${name}"`)}`,
        onPage,
      );
      for (const app of found)
        apps.push({
          app: app.name ?? name,
          label: app.label ?? name,
          accessPolicyId: policyIdOf(app._links?.accessPolicy?.href),
        });
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      errors.push(`the app ${name} could not be read: ${(err as Error).message}`);
    }
  }

  // 5. The names of the groups the rules apply to (a failing rule names them).
  const groupIds = new Set<string>();
  for (const p of policies) for (const r of p.rules ?? []) for (const id of ruleGroupIds(r)) groupIds.add(id);
  const groupNames: Record<string, string> = {};
  await mapLimit([...groupIds], concurrency, async (id) => {
    try {
      const response = await client.get(
        new URL(`/api/v1/groups/${encodeURIComponent(id)}`, client.origin).toString(),
      );
      const group = (await response.json().catch(() => undefined)) as
        | { profile?: { name?: unknown } }
        | undefined;
      if (typeof group?.profile?.name === 'string') groupNames[id] = group.profile.name;
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      errors.push(
        `the name of group ${id} (named in a policy rule) could not be read: ${(err as Error).message}`,
      );
    }
  });

  const byStatus: Record<string, number> = {};
  for (const u of all) byStatus[u.status] = (byStatus[u.status] ?? 0) + 1;
  const rules = policies.reduce((n, p) => n + (p.rules?.length ?? 0), 0);
  ctx.logger.info('okta users collected', {
    scope: scope.id,
    users: all.length,
    listing: listing.mode,
    factorReads: plan.toRead.length,
    policies: policies.length,
    rules,
    factorErrors: failedFactors.length,
    rateLimited: client.stats.rateLimited,
    slowDowns: client.stats.slowDowns,
  });
  const data: OktaUsersData = {
    schema: OKTA_USERS_DATA_SCHEMA,
    orgUrl: client.origin,
    auth: authKind,
    profileAttributes: attributes,
    usersComplete,
    users: all,
    policyTypes,
    policies,
    apps,
    groupNames,
    factorReads: {
      mode: rolling ? 'rolling' : 'full',
      read: plan.toRead.length - failedFactors.length,
      carried: plan.carried,
      deferred: plan.deferred,
      budget,
      capacity,
    },
    ...('events' in plan && plan.events && { factorEvents: plan.events }),
    userListing: listing,
    totals: { users: all.length, byStatus, policies: policies.length, rules },
  };
  return {
    data,
    items: all.length,
    status: errors.length ? ('partial' as const) : ('ok' as const),
    errors,
  };
}

/** System Log events after which a user's factors are read again (rolling mode, later runs of a day). */
export const FACTOR_EVENT_TYPES = [
  'user.mfa.factor.activate',
  'user.mfa.factor.deactivate',
  'user.mfa.factor.reset_all',
  'user.mfa.factor.suspend',
  'user.mfa.factor.unsuspend',
  'user.mfa.factor.update',
  'user.lifecycle.activate',
  'user.lifecycle.reactivate',
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
] as const;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** System Log events of a user deleted (a DEPROVISIONED user removed from Okta for good). */
export const USER_DELETED_EVENT_TYPES = ['user.lifecycle.delete.completed'] as const;

/**
 * A later run asks for the users updated since the previous run began reading, less this much:
 * clock differences between Lambda and Okta and writes in flight fall inside the overlap, and a
 * user read twice is merged twice to the same record.
 */
const CHANGES_OVERLAP_MS = 5 * 60_000;

interface LogEventPayload {
  eventType?: string;
  target?: { id?: string; type?: string }[] | null;
}

/**
 * The previous snapshot's user list, when this run may build on it: taken the same UTC day (its
 * full listing, `userListing.listedAt`, began today), read to the end, of this org and with the
 * same profile attributes. Otherwise nothing, with `why` when a same-day list was refused.
 */
function sameDayList(
  previous: PreviousSnapshot | undefined,
  before: OktaUsersData | undefined,
  now: Date,
  attributes: readonly string[],
  origin: string,
): { list?: OktaUsersData; why?: string } {
  const listing = before?.userListing;
  if (!previous || !before || !listing) return {};
  const listedAt = Date.parse(listing.listedAt);
  // Another day's (or an unreadable) listing: the day's first run lists every user.
  if (Number.isNaN(listedAt) || dayOf(new Date(listedAt)) !== dayOf(now)) return {};
  const refused = (reason: string) => ({
    why: `the same day's snapshot ${previous.key} ${reason}, so every user was listed again`,
  });
  if (!before.usersComplete) return refused('did not read every user');
  if (before.orgUrl !== origin) return refused(`is of ${before.orgUrl}`);
  const same =
    before.profileAttributes.length === attributes.length &&
    attributes.every((a) => before.profileAttributes.includes(a));
  if (!same) return refused('recorded other profile attributes (okta.users.profileAttributes changed)');
  if (Number.isNaN(Date.parse(listing.readAt))) return refused('has no usable userListing.readAt');
  return { list: before };
}

/**
 * A later run of the day: the previous snapshot's users, with every user Okta updated since the
 * previous run began reading read again (`filter=lastUpdated gt "…"`, which, unlike the default
 * list, returns users of every status, DEPROVISIONED included: a user deactivated in between is
 * recorded as such) and every user the System Log says was deleted since removed. Factor state is
 * left to the planner (carried over from the previous snapshot). Throws what the client throws:
 * the caller then lists every user.
 */
async function listChanges(
  client: OktaClient,
  base: OktaUsersData,
  key: string,
  now: Date,
  attributes: readonly string[],
  onPage: () => void,
): Promise<{ users: Map<string, OktaUserRecord>; listing: UserListing }> {
  const listing = base.userListing!;
  const since = new Date(Date.parse(listing.readAt) - CHANGES_OVERLAP_MS).toISOString();
  const until = now.toISOString();
  const deletedIds = new Set<string>();
  const filter = USER_DELETED_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
  for await (const page of client.paginate<LogEventPayload>(
    `/api/v1/logs?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&filter=${encodeURIComponent(filter)}&limit=1000`,
    onPage,
  ))
    for (const e of page) for (const t of e.target ?? []) if (t.type === 'User' && t.id) deletedIds.add(t.id);
  const users = new Map<string, OktaUserRecord>();
  for (const u of base.users) {
    const { factorsError: _, ...rest } = u;
    users.set(u.id, { ...rest, profile: { ...u.profile }, factors: null, factorsReadAt: null });
  }
  const relisted = new Set<string>();
  for await (const page of client.paginate<UserPayload>(
    `/api/v1/users?filter=${encodeURIComponent(`lastUpdated gt "${since}"`)}&limit=${PAGE_SIZE}`,
    onPage,
  ))
    for (const u of page) {
      users.set(u.id, userRecord(u, attributes));
      relisted.add(u.id);
    }
  let deleted = 0;
  for (const id of deletedIds) if (!relisted.has(id) && users.delete(id)) deleted++;
  return {
    users,
    listing: {
      mode: 'changes',
      listedAt: listing.listedAt,
      readAt: until,
      previous: key,
      since,
      changed: relisted.size,
      deleted,
    },
  };
}

/**
 * Which users' factors this run reads, when not simply every user's (a first run of the day in
 * full mode). The factor state of the previous snapshot is carried over, except for users the
 * System Log names in a factor or lifecycle event since then, users it does not hold, and the
 * share due, which are read, most urgent first (System Log, never read, due, oldest), at most
 * `budget` of them in this run:
 * - rolling mode (more users than okta.users.fullFactorReadMaxUsers, or than one run's
 *   factorReadsPerRun): anyone read 6 or more days ago, and the oldest until a sixth of the org
 *   (the org over the days until a user is due) has been read today, counting the reads of the
 *   day's earlier runs;
 * - full mode, a later run of the day: anyone not read today (the day's first run read everyone,
 *   so usually only those the System Log names); if the System Log cannot be read, everyone.
 * The rest are deferred to the next run, which resumes from this snapshot: a deferred user keeps
 * its carried state (and its `factorsReadAt`, which the checks judge) unless the System Log named
 * it or it has none, then its factors are unknown and the snapshot is partial, naming how many.
 * Every user carries `factorsReadAt`, and none goes more than a week unread as long as the runs of
 * a day read the day's share (capacity.ts warns when they cannot). If the System Log cannot be
 * read, carried state cannot be vouched for: those users are recorded with unknown factors.
 */
async function planReads(
  all: OktaUserRecord[],
  mode: 'full' | 'rolling',
  previous: PreviousSnapshot | undefined,
  previousData: OktaUsersData | undefined,
  client: OktaClient,
  ctx: CollectorContext<UsersSettings | undefined>,
  onPage: () => void,
  errors: string[],
  budget: number,
): Promise<{ toRead: OktaUserRecord[]; carried: number; deferred: number; events?: FactorEvents }> {
  const now = ctx.clock.now();
  const before = new Map<string, { factors: OktaFactor[]; factorsReadAt: string }>();
  for (const u of previousData?.users ?? [])
    if (u.factors !== null && u.factorsReadAt !== null)
      before.set(u.id, { factors: u.factors, factorsReadAt: u.factorsReadAt });
  const changed = new Set<string>();
  let events: FactorEvents | undefined;
  let trusted = before.size > 0;
  if (previous && before.size) {
    const since = previous.collectedAt;
    const filter = FACTOR_EVENT_TYPES.map((t) => `eventType eq "${t}"`).join(' or ');
    let count = 0;
    try {
      for await (const page of client.paginate<LogEventPayload>(
        `/api/v1/logs?since=${encodeURIComponent(since)}&until=${encodeURIComponent(now.toISOString())}&filter=${encodeURIComponent(filter)}&limit=1000`,
        onPage,
      ))
        for (const e of page) {
          count++;
          for (const t of e.target ?? []) if (t.type === 'User' && t.id) changed.add(t.id);
        }
      events = {
        previous: previous.key,
        since,
        until: now.toISOString(),
        events: count,
        users: changed.size,
      };
    } catch (err) {
      if (!isIncomplete(err)) throw err;
      trusted = false;
      errors.push(
        mode === 'full'
          ? `the System Log's factor events since ${since} could not be read (${(err as Error).message}): the factor state carried over from ${previous.key} cannot be vouched for, so every user's factors are read again`
          : `the System Log's factor events since ${since} could not be read (${(err as Error).message}): the factor state carried over from ${previous.key} cannot be vouched for, so the users not read today are recorded with unknown factors`,
      );
    }
  }
  // Most urgent first: named by the System Log, then never read, then due or in today's share.
  const byId = (a: OktaUserRecord, b: OktaUserRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const urgent = all.filter((u) => changed.has(u.id)).sort(byId);
  const unseen = all.filter((u) => !changed.has(u.id) && !before.has(u.id)).sort(byId);
  const oldestFirst = all
    .filter((u) => !changed.has(u.id) && before.has(u.id))
    .sort((a, b) => {
      const x = before.get(a.id)!.factorsReadAt;
      const y = before.get(b.id)!.factorsReadAt;
      return x < y ? -1 : x > y ? 1 : byId(a, b);
    });
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const readAt = (u: OktaUserRecord) => Date.parse(before.get(u.id)!.factorsReadAt);
  let due: OktaUserRecord[];
  if (mode === 'full')
    // Every user once a day: whoever the day's runs have not read yet (everyone, untrusted).
    due = trusted ? oldestFirst.filter((u) => readAt(u) < dayStart) : oldestFirst;
  else {
    // Due: read 6 days ago or more, or sooner when checks.freshnessHours.oktaFactors is shorter
    // than a week (a day before the state would go stale).
    const dueAfter = Math.min(
      (ROLLING_DAYS - 1) * DAY_MS,
      (freshnessBound(ctx.config, 'oktaFactors') - 24) * HOUR_MS,
    );
    // The day's share: the org over the whole days until a user is due (a sixth by default), less
    // what the day's earlier runs already read. Read oldest first at that pace, every user comes
    // round just as it falls due, so users read together (the second day's, when the first day
    // could not read everyone) are spread over the days instead of falling due together again.
    // A seventh a day is what keeps the org within 8 days (capacity.ts); with users due at 6 days
    // the runs read a sixth a day anyway, this only reads it evenly.
    let readToday = 0;
    for (const state of before.values()) if (Date.parse(state.factorsReadAt) >= dayStart) readToday++;
    const dueDays = Math.max(1, Math.floor(dueAfter / DAY_MS));
    const share = Math.max(0, Math.ceil(all.length / dueDays) - readToday);
    due = oldestFirst.filter((u, i) => i < share || !(now.getTime() - readAt(u) < dueAfter));
  }
  const ordered = [...urgent, ...unseen, ...due];
  const toRead = ordered.slice(0, budget);
  const reading = new Set(toRead.map((u) => u.id));
  const dueNow = new Set(ordered.map((u) => u.id));
  const deferred = ordered.length - toRead.length;
  let carried = 0;
  let unknownDeferred = 0;
  for (const u of all) {
    if (reading.has(u.id)) continue;
    const state = before.get(u.id);
    const isDeferred = dueNow.has(u.id);
    if (state && trusted && !changed.has(u.id)) {
      u.factors = state.factors;
      u.factorsReadAt = state.factorsReadAt;
      carried++;
    } else if (isDeferred) {
      unknownDeferred++;
      u.factorsError = `deferred to the next run: this run's ${budget} factor reads (okta.users.factorReadsPerRun) went to more urgent users${changed.has(u.id) ? '; the System Log names a factor change since its last read' : ''}`;
    } else {
      u.factorsError = `not read today (rolling schedule) and the carried state of ${state?.factorsReadAt ?? 'an earlier day'} cannot be vouched for`;
    }
  }
  if (unknownDeferred)
    errors.push(
      `${unknownDeferred} user(s) had no usable factor state and did not fit this run's ${budget} factor reads (okta.users.factorReadsPerRun): recorded with factors null and judged unknown; the next run reads them first`,
    );
  return { toRead, carried, deferred, ...(events && { events }) };
}

/** The first 20 logins, and how many more. */
function namesOf(users: readonly OktaUserRecord[]): string {
  const shown = users.slice(0, 20).map((u) => u.login);
  return users.length > shown.length
    ? `${shown.join(', ')} and ${users.length - shown.length} more`
    : shown.join(', ');
}

function userRecord(u: UserPayload, attributes: readonly string[]): OktaUserRecord {
  const profile: Record<string, ProfileValue> = {};
  for (const name of attributes) {
    if (!u.profile || !Object.hasOwn(u.profile, name)) continue;
    profile[name] = profileValue(u.profile[name]);
  }
  return {
    id: u.id,
    login: u.profile?.login ?? u.id,
    status: u.status,
    created: u.created ?? null,
    activated: u.activated ?? null,
    statusChanged: u.statusChanged ?? null,
    lastLogin: u.lastLogin ?? null,
    passwordChanged: u.passwordChanged ?? null,
    profile,
    factors: null,
    factorsReadAt: null,
  };
}

/** A profile value kept as it is when it is JSON scalar (or a list of them), else as its JSON text. */
function profileValue(v: unknown): ProfileValue {
  const scalar = (x: unknown) => x === null || ['string', 'number', 'boolean'].includes(typeof x);
  if (v === undefined) return null;
  if (scalar(v)) return v as ProfileValue;
  if (Array.isArray(v) && v.every(scalar)) return v as ProfileValue;
  return JSON.stringify(v);
}

function factorRecord(f: FactorPayload): OktaFactor {
  return {
    id: f.id,
    type: f.factorType ?? 'unknown',
    provider: f.provider ?? 'unknown',
    status: f.status ?? 'unknown',
    created: f.created ?? null,
  };
}

function policyRecord(p: PolicyPayload, type: PolicyType): OktaPolicy {
  return {
    id: p.id,
    name: p.name ?? p.id,
    type: p.type ?? type,
    status: p.status ?? 'unknown',
    priority: p.priority ?? null,
    system: p.system ?? false,
    rules: null,
  };
}

function ruleRecord(r: RulePayload): OktaPolicyRule {
  return {
    id: r.id,
    name: r.name ?? r.id,
    status: r.status ?? 'unknown',
    priority: r.priority ?? null,
    system: r.system ?? false,
    type: r.type ?? null,
    conditions: r.conditions ?? null,
    actions: r.actions ?? null,
  };
}

/** The policy id at the end of an accessPolicy link (…/api/v1/policies/{id}). */
function policyIdOf(href: string | undefined): string | null {
  if (!href) return null;
  const m = /\/api\/v1\/policies\/([^/?#]+)$/.exec(href);
  return m ? decodeURIComponent(m[1]!) : null;
}

function isIncomplete(err: unknown): boolean {
  return err instanceof OktaRateLimitError || err instanceof OktaApiError;
}

export const oktaUsersCollector = createOktaUsersCollector();
export default oktaUsersCollector;
