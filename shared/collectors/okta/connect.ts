/**
 * How the Okta collectors (okta, okta-users) show who they collect as (`collectedBy`), shared by okta and okta-users: the OAuth
 * service app's client id when `okta.clientId` is set (known without a call), otherwise the
 * API token's owner (GET /api/v1/users/me: an SSWS token acts as the administrator who made it).
 */
import type { Config } from '../../config.js';
import { SourceUnavailableError } from '../../errors.js';
import { type OktaAuth, OktaClient, systemTimer, type Timer } from '../../vendors/okta-client.js';
import type { CollectorContext, Identity, Scope } from '../types.js';
import { oktaAuthFromEnv } from './auth.js';

export interface OktaIdentityDeps {
  timer?: Timer;
  fetch?: typeof fetch;
  auth?: (config: NonNullable<Config['okta']>) => OktaAuth;
}

export function oktaIdentity(deps: OktaIdentityDeps) {
  return (scope: Scope & { orgUrl: string }, ctx: CollectorContext<unknown>): Identity => {
    const okta = ctx.config.okta;
    if (!okta) throw new SourceUnavailableError('the configuration has no "okta" section');
    const auth = (deps.auth ?? oktaAuthFromEnv)(okta);
    if (auth.kind === 'oauth') {
      return {
        key: `${scope.orgUrl}|client ${auth.clientId}`,
        method: 'okta.clientId (the OAuth service app of the configuration)',
        resolve: async () => `okta client ${auth.clientId}`,
      };
    }
    return {
      key: `${scope.orgUrl}|api token`,
      method: 'GET /api/v1/users/me (the API token owner)',
      async resolve() {
        const client = new OktaClient({
          orgUrl: scope.orgUrl,
          auth,
          concurrency: 1,
          timer: deps.timer ?? systemTimer,
          logger: ctx.logger,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        });
        const response = await client.get(new URL('/api/v1/users/me', client.origin).toString());
        const me = (await response.json().catch(() => ({}))) as {
          id?: unknown;
          profile?: { login?: unknown };
        };
        if (typeof me.id !== 'string' || typeof me.profile?.login !== 'string')
          throw new Error(`Okta answered /api/v1/users/me with HTTP ${response.status} and no user`);
        return `${me.profile.login} (${me.id})`;
      },
    };
  };
}
