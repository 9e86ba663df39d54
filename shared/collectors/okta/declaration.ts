/** Okta (CC6.1, CC6.2, CC6.3), one org per scope: what the collector declares (its code: collector.ts). */
import type { Collector } from '../types.js';
import type { OktaData, OktaScope } from './collector.js';

export const okta: Collector<OktaScope, OktaData> = {
  id: 'okta',
  source: 'okta',
  controls: ['CC6.1', 'CC6.2', 'CC6.3'],
  scopePattern: 'okta-<host>',
  secrets: ['OKTA_API_TOKEN', 'OKTA_PRIVATE_KEY'],
  description: 'Okta groups and every member of each group (login, status, last login)',
  scopes(config) {
    if (!config.okta) return [];
    const url = new URL(config.okta.orgUrl);
    return [{ id: `okta-${url.hostname.toLowerCase()}`, orgUrl: config.okta.orgUrl }];
  },
};

export default okta;
