/** Okta users (CC6.1, CC6.2, CC6.3), one org per scope: what the collector declares (its code: collector.ts). */
import type { OktaScope } from '../okta/collector.js';
import { okta } from '../okta/declaration.js';
import type { Collector } from '../types.js';
import type { OktaUsersData } from './data.js';
import { type UsersSettings, usersSettings } from './settings.js';

export const oktaUsers: Collector<OktaScope, OktaUsersData, UsersSettings> = {
  id: 'okta-users',
  source: 'okta',
  controls: ['CC6.1', 'CC6.2', 'CC6.3'],
  scopePattern: 'okta-<host>',
  secrets: okta.secrets ?? [],
  settings: usersSettings,
  // On with `okta`: the `okta.users` section only tunes it.
  enabled: () => true,
  enabledWhen: 'okta',
  // Factor reads past okta.users.factorReadsPerRun are deferred to the next run.
  continues: true,
  description:
    "every Okta user of every status (including DEPROVISIONED) with sign-in dates, the configured profile attributes and each user's enrolled factors; the sign-on, access, MFA enrollment and password policies with their rules",
  scopes: (config, env) => okta.scopes(config, env),
};

export default oktaUsers;
