/**
 * Okta (CC6.1, CC6.2, CC6.3): every group of the org and every group's members, all
 * pages (`Link: rel="next"`, 200 per page), within the org's rate limits (see
 * vendors/okta-client.ts). A group whose member list could not be read to the end is
 * marked `membersComplete: false` and the snapshot is `partial` with the reason: a
 * membership list is never silently truncated (the ids read before it stopped are kept).
 *
 * Stored compactly (data.ts, v2): each user once, member ids per group, built page by page so
 * that neither a whole member list of raw payloads nor a second copy is ever held.
 *
 * Auth: OKTA_API_TOKEN (SSWS), or an OAuth 2.0 service app when `okta.clientId` is set
 * (private key in OKTA_PRIVATE_KEY, PEM or JWK; scopes okta.groups.read okta.users.read).
 */
import type { Config } from '../../config.js';
import { SourceUnavailableError } from '../../errors.js';
import {
  OktaApiError,
  type OktaAuth,
  OktaClient,
  OktaRateLimitError,
  parseOrgUrl,
  systemTimer,
  type Timer,
} from '../../vendors/okta-client.js';
import type { CollectorContext, RunnableCollector, Scope } from '../types.js';
import { oktaAuthFromEnv } from './auth.js';
import { oktaIdentity } from './connect.js';
import { OKTA_DATA_SCHEMA, type OktaData, type OktaGroupEvidence, type OktaUser } from './data.js';
import { okta as declaration } from './declaration.js';

export interface OktaScope extends Scope {
  orgUrl: string;
}

export { oktaAuthFromEnv } from './auth.js';
export type { OktaData, OktaGroupEvidence, OktaMember, OktaUser } from './data.js';

/** Page size for both lists: Okta's recommended limit (listGroups allows up to 10,000). */
const OKTA_PAGE_SIZE = 200;

interface OktaGroupPayload {
  id: string;
  type: string;
  profile?: { name?: string; description?: string | null };
}

interface OktaUserPayload {
  id: string;
  status: string;
  lastLogin?: string | null;
  profile?: { login?: string };
}

export interface OktaCollectorDeps {
  timer?: Timer;
  fetch?: typeof fetch;
  /** Credentials; default: from the environment (OKTA_API_TOKEN, or OKTA_PRIVATE_KEY with okta.clientId). */
  auth?: (config: NonNullable<Config['okta']>) => OktaAuth;
}

export function createOktaCollector(deps: OktaCollectorDeps = {}): RunnableCollector<OktaScope, OktaData> {
  return {
    ...declaration,
    identify: oktaIdentity(deps),
    async collect(scope, ctx) {
      const okta = ctx.config.okta;
      if (!okta) throw new SourceUnavailableError('the configuration has no "okta" section');
      parseOrgUrl(scope.orgUrl);
      const auth = (deps.auth ?? oktaAuthFromEnv)(okta);
      const client = new OktaClient({
        orgUrl: scope.orgUrl,
        auth,
        concurrency: okta.concurrency,
        timer: deps.timer ?? systemTimer,
        logger: ctx.logger,
        onRequest: () => ctx.stats.requests++,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
      return collectOrg(client, scope, ctx, okta.concurrency, auth.kind);
    },
  };
}

async function collectOrg(
  client: OktaClient,
  scope: OktaScope,
  ctx: CollectorContext,
  concurrency: number,
  authKind: OktaAuth['kind'],
) {
  const errors: string[] = [];
  const onPage = () => ctx.stats.pages++;
  const groups: OktaGroupEvidence[] = [];
  let groupsComplete = true;
  try {
    for await (const page of client.paginate<OktaGroupPayload>(
      `/api/v1/groups?limit=${OKTA_PAGE_SIZE}`,
      onPage,
    ))
      for (const g of page)
        groups.push({
          id: g.id,
          name: g.profile?.name ?? g.id,
          type: g.type,
          description: g.profile?.description ?? null,
          memberIds: [],
          membersComplete: false,
        });
  } catch (err) {
    // Nothing read (the first request failed: an HTML page from a captive portal or a proxy, a
    // non-array body): no evidence at all, so the collection fails (an error snapshot), never a
    // partial with 0 groups that would count as a present day.
    if (!isIncomplete(err) || groups.length === 0) throw err;
    groupsComplete = false;
    errors.push(
      `the group list stopped after ${groups.length} groups: ${(err as Error).message}; groups after that point are missing from this snapshot`,
    );
  }

  // Each user once, whichever group it is read in (the last read wins: it is the most recent);
  // groups keep ids only. Pages are consumed as they arrive, so at most one raw page per
  // request in flight is held besides the compact form.
  const users = new Map<string, OktaUser & { id: string }>();
  let memberships = 0;
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      try {
        for await (const page of client.paginate<OktaUserPayload>(
          `/api/v1/groups/${encodeURIComponent(group.id)}/users?limit=${OKTA_PAGE_SIZE}`,
          onPage,
        )) {
          for (const u of page) {
            const known = users.get(u.id);
            // One string per user id, shared by every group that lists it.
            const id = known?.id ?? u.id;
            users.set(id, {
              id,
              login: u.profile?.login ?? id,
              status: u.status,
              lastLogin: u.lastLogin ?? null,
            });
            group.memberIds.push(id);
          }
          memberships += page.length;
        }
        group.membersComplete = true;
      } catch (err) {
        if (!isIncomplete(err)) throw err;
        errors.push(
          `members of group "${group.name}" (${group.id}) could not be read to the end: ${(err as Error).message}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, groups.length)) }, worker));

  ctx.logger.info('okta collected', {
    scope: scope.id,
    groups: groups.length,
    memberships,
    users: users.size,
    rateLimited: client.stats.rateLimited,
    slowDowns: client.stats.slowDowns,
  });
  const data: OktaData = {
    schema: OKTA_DATA_SCHEMA,
    orgUrl: client.origin,
    auth: authKind,
    groupsComplete,
    // fromEntries defines own properties, whatever the id (no prototype setter).
    users: Object.fromEntries(Array.from(users.values(), ({ id, ...user }) => [id, user])),
    groups,
    totals: { groups: groups.length, memberships, distinctUsers: users.size },
  };
  users.clear();
  return {
    data,
    items: groups.length,
    status: errors.length ? ('partial' as const) : ('ok' as const),
    errors,
  };
}

/** Errors that leave a list incomplete but the rest of the org readable. */
function isIncomplete(err: unknown): boolean {
  return err instanceof OktaRateLimitError || err instanceof OktaApiError;
}

export const oktaCollector = createOktaCollector();
export default oktaCollector;
