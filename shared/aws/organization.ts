/**
 * AWS Organizations discovery: which accounts the AWS collectors cover when the config says
 * `"aws": { "organization": { "ous"?, "excludeAccounts"? } }`.
 *
 * The organization's tree is walked from its root with the SDK's paginators
 * (ListRoots, then per parent ListOrganizationalUnitsForParent and ListAccountsForParent),
 * so every account comes with its OU path. Every account of the organization is recorded,
 * and each says whether it is in scope and, if not, why: not ACTIVE, under none of the
 * selected OUs, or excluded by id. That inventory is itself evidence (the `organization`
 * snapshot) and the list `verify` derives each day's expected AWS series from.
 *
 * Bounded: every request has a timeout, the whole walk has a deadline, paginators stop on a
 * repeated token, and the tree may not exceed AWS's own limits (5 OU levels below the root)
 * nor MAX_OUS / MAX_ACCOUNTS: past them discovery fails with a message instead of looping.
 * Run from the management account or an Organizations delegated administrator.
 */
import {
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { ConfigError, SourceUnavailableError } from '../errors.js';
import { describeAwsError, isAccessDenied } from './accounts.js';
import { countRequests, type RequestCounter, refuseWebPages } from './clients.js';

/** The IAM actions discovery calls (docs/aws-collectors.md). */
export const ORGANIZATION_READ_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListRoots',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListAccountsForParent',
] as const;

/** AWS allows five levels of OUs below the root. */
const MAX_DEPTH = 5;
/** Far above AWS's default quotas (1,000 OUs); past this the walk stops with an error. */
const MAX_OUS = 5_000;
const MAX_ACCOUNTS = 20_000;
/** Pages per listing before a listing is taken to be looping. */
const MAX_PAGES = 1_000;
/** One request's timeout, and the whole walk's deadline. */
const REQUEST_TIMEOUT_MS = 10_000;
const DISCOVERY_DEADLINE_MS = 180_000;
/** Parents listed at once: Organizations throttles at a few requests per second per account. */
const CONCURRENCY = 4;
/** The Organizations endpoint of the commercial partition lives in us-east-1. */
const ORGANIZATIONS_REGION = 'us-east-1';

export type OrganizationSelection = NonNullable<NonNullable<Config['aws']>['organization']>;

export interface OrganizationUnit {
  id: string;
  name: string;
  parentId: string;
  /** OU ids from the root down to this OU, the root first. */
  path: string[];
}

export interface OrganizationAccount {
  id: string;
  name: string | null;
  /** Account state (ACTIVE, SUSPENDED, PENDING_CLOSURE, ...): `State`, else the older `Status`. */
  status: string | null;
  joinedMethod: string | null;
  joinedAt: string | null;
  parentId: string;
  /** OU ids from the root down to the account's parent. */
  ouPath: string[];
  /** The same path by name, e.g. "Root/Workloads/Prod". */
  ouNames: string;
  inScope: boolean;
  /** Why an account is not collected. */
  excludedBy?: 'status' | 'ous' | 'excludeOus' | 'excludeAccounts';
}

export interface OrganizationInventory {
  organization: {
    id: string;
    arn: string | null;
    managementAccountId: string | null;
    featureSet: string | null;
  };
  /** The account whose credentials walked the tree (management or delegated administrator). */
  discoveredFrom: string;
  selection: { ous: string[] | null; excludeOus: string[]; excludeAccounts: string[] };
  roots: { id: string; name: string }[];
  ous: OrganizationUnit[];
  /** Every account of the organization, by id. */
  accounts: OrganizationAccount[];
  /** Entries of `excludeAccounts` that are not in the organization (harmless, but likely a typo). */
  unknownExclusions: string[];
  requests: number;
}

export interface DiscoverOptions {
  /** The account of the credentials in use (recorded as `discoveredFrom`). */
  callerAccountId: string;
  /** A client to use instead of a fresh one (tests, the bench's latency proxy). */
  client?: OrganizationsClient;
  deadlineMs?: number;
  /** Stops the walk when aborted (the shard's own deadline), besides `deadlineMs`. */
  signal?: AbortSignal;
}

export function organizationsClient(): OrganizationsClient {
  const client = new OrganizationsClient({
    region: ORGANIZATIONS_REGION,
    maxAttempts: 8,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 5_000 },
  });
  refuseWebPages(client);
  return client;
}

/** Walk the organization and decide, per account, whether it is in scope. */
export async function discoverOrganization(
  selection: OrganizationSelection,
  options: DiscoverOptions,
): Promise<OrganizationInventory> {
  const client = options.client ?? organizationsClient();
  const counter: RequestCounter = { requests: 0 };
  countRequests(client, counter);
  const deadline = AbortSignal.timeout(options.deadlineMs ?? DISCOVERY_DEADLINE_MS);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const send = { abortSignal: signal };
  const paging = { client, stopOnSameToken: true } as const;
  try {
    const described = await call('organizations:DescribeOrganization', options, () =>
      client.send(new DescribeOrganizationCommand({}), send),
    );
    const org = described.Organization;
    if (!org?.Id) throw new SourceUnavailableError('DescribeOrganization returned no organization id');

    const roots: OrganizationInventory['roots'] = [];
    await call('organizations:ListRoots', options, async () => {
      for await (const page of bounded(paginateListRoots(paging, {}, send), 'ListRoots')) {
        for (const r of page.Roots ?? []) if (r.Id) roots.push({ id: r.Id, name: r.Name ?? 'Root' });
      }
    });
    if (roots.length === 0) throw new SourceUnavailableError(`organization ${org.Id} has no root`);

    // Breadth-first from the roots, one level at a time, a few parents at once.
    const ous: OrganizationUnit[] = [];
    const names = new Map<string, string>(roots.map((r) => [r.id, r.name]));
    const accounts: Omit<OrganizationAccount, 'inScope' | 'excludedBy'>[] = [];
    const seenAccounts = new Set<string>();
    let level: { id: string; path: string[] }[] = roots.map((r) => ({ id: r.id, path: [r.id] }));
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > MAX_DEPTH) {
        throw new SourceUnavailableError(
          `organization ${org.Id} has OUs nested deeper than ${MAX_DEPTH} levels below the root, which AWS does not allow; refusing to walk further`,
        );
      }
      const next: { id: string; path: string[] }[] = [];
      await mapLimit(level, CONCURRENCY, async (parent) => {
        await call('organizations:ListOrganizationalUnitsForParent', options, async () => {
          const pages = paginateListOrganizationalUnitsForParent(paging, { ParentId: parent.id }, send);
          for await (const page of bounded(pages, `ListOrganizationalUnitsForParent ${parent.id}`)) {
            for (const ou of page.OrganizationalUnits ?? []) {
              if (!ou.Id) continue;
              if (ous.length >= MAX_OUS) {
                throw new SourceUnavailableError(
                  `organization ${org.Id} has more than ${MAX_OUS} OUs; refusing to walk further`,
                );
              }
              const path = [...parent.path, ou.Id];
              ous.push({ id: ou.Id, name: ou.Name ?? ou.Id, parentId: parent.id, path });
              names.set(ou.Id, ou.Name ?? ou.Id);
              next.push({ id: ou.Id, path });
            }
          }
        });
        await call('organizations:ListAccountsForParent', options, async () => {
          const pages = paginateListAccountsForParent(paging, { ParentId: parent.id }, send);
          for await (const page of bounded(pages, `ListAccountsForParent ${parent.id}`)) {
            for (const a of page.Accounts ?? []) {
              if (!a.Id || seenAccounts.has(a.Id)) continue;
              if (seenAccounts.size >= MAX_ACCOUNTS) {
                throw new SourceUnavailableError(
                  `organization ${org.Id} has more than ${MAX_ACCOUNTS} accounts; refusing to walk further`,
                );
              }
              seenAccounts.add(a.Id);
              accounts.push({
                id: a.Id,
                name: a.Name ?? null,
                status: a.State ?? a.Status ?? null,
                joinedMethod: a.JoinedMethod ?? null,
                joinedAt: a.JoinedTimestamp?.toISOString() ?? null,
                parentId: parent.id,
                ouPath: parent.path,
                ouNames: '',
              });
            }
          }
        });
      });
      level = next;
    }
    for (const a of accounts) a.ouNames = a.ouPath.map((id) => names.get(id) ?? id).join('/');

    return {
      organization: {
        id: org.Id,
        arn: org.Arn ?? null,
        managementAccountId: org.MasterAccountId ?? null,
        featureSet: org.FeatureSet ?? null,
      },
      discoveredFrom: options.callerAccountId,
      selection: {
        ous: selection.ous ?? null,
        excludeOus: [...selection.excludeOus],
        excludeAccounts: [...selection.excludeAccounts],
      },
      roots,
      ous: ous.sort((x, y) => (x.id < y.id ? -1 : 1)),
      ...select(accounts, selection, new Set([...roots.map((r) => r.id), ...ous.map((o) => o.id)]), org.Id),
      requests: counter.requests,
    };
  } catch (err) {
    if (signal.aborted && !(err instanceof SourceUnavailableError)) {
      const why = deadline.aborted
        ? `did not finish within ${Math.round((options.deadlineMs ?? DISCOVERY_DEADLINE_MS) / 1000)} s`
        : 'was stopped (deadline)';
      throw new SourceUnavailableError(
        `AWS Organizations discovery ${why} (${counter.requests} requests made)`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    if (!options.client) client.destroy();
  }
}

/** Decide each account's scope: ACTIVE, under a selected OU (if any are given), not excluded. */
function select(
  found: Omit<OrganizationAccount, 'inScope' | 'excludedBy'>[],
  selection: OrganizationSelection,
  knownParents: ReadonlySet<string>,
  orgId: string,
): Pick<OrganizationInventory, 'accounts' | 'unknownExclusions'> {
  const missing = [...(selection.ous ?? []), ...selection.excludeOus].filter((id) => !knownParents.has(id));
  if (missing.length) {
    // Fail closed: a mistyped OU would otherwise quietly collect nothing from it (or everything).
    throw new ConfigError(
      `aws.organization: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not an OU or root of organization ${orgId}; use the ids shown by "aws organizations list-organizational-units-for-parent"`,
    );
  }
  const wanted = selection.ous ? new Set(selection.ous) : undefined;
  const unwanted = new Set(selection.excludeOus);
  const excluded = new Set(selection.excludeAccounts);
  const accounts = found
    .map((a): OrganizationAccount => {
      if (a.status !== 'ACTIVE') return { ...a, inScope: false, excludedBy: 'status' };
      if (wanted && !a.ouPath.some((id) => wanted.has(id)))
        return { ...a, inScope: false, excludedBy: 'ous' };
      if (a.ouPath.some((id) => unwanted.has(id))) return { ...a, inScope: false, excludedBy: 'excludeOus' };
      if (excluded.has(a.id)) return { ...a, inScope: false, excludedBy: 'excludeAccounts' };
      return { ...a, inScope: true };
    })
    .sort((x, y) => (x.id < y.id ? -1 : 1));
  const ids = new Set(found.map((a) => a.id));
  return { accounts, unknownExclusions: selection.excludeAccounts.filter((id) => !ids.has(id)) };
}

/** The in-scope account ids of an inventory, sorted. */
export function inScopeAccounts(inventory: Pick<OrganizationInventory, 'accounts'>): OrganizationAccount[] {
  return inventory.accounts.filter((a) => a.inScope);
}

/** A paginator that may not run past MAX_PAGES. */
async function* bounded<T>(pages: AsyncIterable<T>, what: string): AsyncGenerator<T> {
  let n = 0;
  for await (const page of pages) {
    if (++n > MAX_PAGES)
      throw new SourceUnavailableError(
        `${what} returned more than ${MAX_PAGES} pages; refusing to page further`,
      );
    yield page;
  }
}

/** Refusals become a SourceUnavailableError that says where discovery must run from. */
async function call<T>(action: string, options: DiscoverOptions, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AWSOrganizationsNotInUseException) {
      throw new SourceUnavailableError(
        `aws.organization is set but account ${options.callerAccountId} is not in an AWS organization (${describeAwsError(err)}); remove aws.organization and list the accounts in aws.accounts, or run from the organization's management account`,
        { cause: err },
      );
    }
    if (isAccessDenied(err)) {
      throw new SourceUnavailableError(
        `${action} was refused in account ${options.callerAccountId} (${describeAwsError(err)}); aws.organization needs the management account or an Organizations delegated administrator, with ${ORGANIZATION_READ_ACTIONS.join(', ')} (see docs/aws-collectors.md)`,
        { cause: err },
      );
    }
    throw err;
  }
}
