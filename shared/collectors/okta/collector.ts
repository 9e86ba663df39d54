/**
 * Okta (CC6.1, CC6.2, CC6.3): every group of the org and every group's members, all
 * pages (`Link: rel="next"`, 200 per page), within the org's rate limits (see
 * vendors/okta-client.ts). A group whose member list could not be read to the end is
 * marked `membersComplete: false` and the snapshot is `partial` with the reason: a
 * membership list is never silently truncated.
 *
 * Auth: OKTA_API_TOKEN (SSWS), or an OAuth 2.0 service app when `okta.clientId` is set
 * (private key in OKTA_PRIVATE_KEY, PEM or JWK; scopes okta.groups.read okta.users.read).
 */
import type { Config } from '../../config.js';
import { secretEnv } from '../../env.js';
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
import { okta as declaration } from './declaration.js';

export interface OktaScope extends Scope {
  orgUrl: string;
}

export interface OktaMember {
  id: string;
  login: string;
  status: string;
  lastLogin: string | null;
}

export interface OktaGroupEvidence {
  id: string;
  /** profile.name: the group's name as admins see it. */
  name: string;
  /** OKTA_GROUP, APP_GROUP or BUILT_IN. */
  type: string;
  description: string | null;
  members: OktaMember[];
  /** False when the member list could not be read to the end (the snapshot is then partial). */
  membersComplete: boolean;
}

export interface OktaData {
  orgUrl: string;
  auth: 'ssws' | 'oauth';
  /** False when the group list itself could not be read to the end. */
  groupsComplete: boolean;
  groups: OktaGroupEvidence[];
  totals: { groups: number; memberships: number; distinctUsers: number };
}

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

export function oktaAuthFromEnv(okta: NonNullable<Config['okta']>): OktaAuth {
  if (okta.clientId) {
    const privateKey = secretEnv('OKTA_PRIVATE_KEY');
    if (!privateKey)
      throw new SourceUnavailableError(
        `okta.clientId is set (${okta.clientId}) but OKTA_PRIVATE_KEY is not: set it to the service app's private key (PKCS#8 PEM or JWK JSON), or remove okta.clientId to use OKTA_API_TOKEN`,
      );
    return { kind: 'oauth', clientId: okta.clientId, privateKey };
  }
  const token = secretEnv('OKTA_API_TOKEN');
  if (!token)
    throw new SourceUnavailableError(
      'OKTA_API_TOKEN is not set: create an API token as a read-only administrator (Admin Console > Security > API > Tokens) and export it, or configure an OAuth service app with okta.clientId and OKTA_PRIVATE_KEY',
    );
  return { kind: 'ssws', token };
}

export function createOktaCollector(deps: OktaCollectorDeps = {}): RunnableCollector<OktaScope, OktaData> {
  return {
    ...declaration,
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
  const groupPayloads: OktaGroupPayload[] = [];
  let groupsComplete = true;
  try {
    for await (const page of client.paginate<OktaGroupPayload>(
      `/api/v1/groups?limit=${OKTA_PAGE_SIZE}`,
      onPage,
    ))
      groupPayloads.push(...page);
  } catch (err) {
    if (!isIncomplete(err)) throw err;
    groupsComplete = false;
    errors.push(
      `the group list stopped after ${groupPayloads.length} groups: ${(err as Error).message}; groups after that point are missing from this snapshot`,
    );
  }

  const groups: OktaGroupEvidence[] = groupPayloads.map((g) => ({
    id: g.id,
    name: g.profile?.name ?? g.id,
    type: g.type,
    description: g.profile?.description ?? null,
    members: [],
    membersComplete: false,
  }));

  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      try {
        const users = await client.listAll<OktaUserPayload>(
          `/api/v1/groups/${encodeURIComponent(group.id)}/users?limit=${OKTA_PAGE_SIZE}`,
          onPage,
        );
        group.members = users.map((u) => ({
          id: u.id,
          login: u.profile?.login ?? u.id,
          status: u.status,
          lastLogin: u.lastLogin ?? null,
        }));
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

  const memberships = groups.reduce((n, g) => n + g.members.length, 0);
  const distinctUsers = new Set(groups.flatMap((g) => g.members.map((m) => m.id))).size;
  ctx.logger.info('okta collected', {
    scope: scope.id,
    groups: groups.length,
    memberships,
    rateLimited: client.stats.rateLimited,
    slowDowns: client.stats.slowDowns,
  });
  const data: OktaData = {
    orgUrl: client.origin,
    auth: authKind,
    groupsComplete,
    groups,
    totals: { groups: groups.length, memberships, distinctUsers },
  };
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
