/** The AWS organization (CC2.1, CC6.1), one scope: what the collector declares (its code: collector.ts). */
import { ORGANIZATION_READ_ACTIONS, type OrganizationInventory } from '../../aws/organization.js';
import type { Collector, Scope } from '../types.js';

const ORGANIZATION_SCOPE = 'aws-organization';

export interface OrganizationScope extends Scope {
  readonly inventory?: OrganizationInventory;
  readonly failure?: Error;
}

export type OrganizationData = Omit<OrganizationInventory, 'requests'>;

export const organization: Collector<OrganizationScope, OrganizationData> = {
  id: 'organization',
  source: 'aws',
  controls: ['CC2.1', 'CC6.1'],
  scopePattern: 'aws-organization',
  permissions: ORGANIZATION_READ_ACTIONS,
  collectingAccountOnly: true,
  enabledWhen: 'aws.organization',
  description: 'AWS Organizations accounts, OU paths and which of them are collected',
  enabled: (config) => config.aws?.organization !== undefined,
  scopes(config, env) {
    if (!config.aws?.organization) return [];
    return [
      {
        id: ORGANIZATION_SCOPE,
        ...(env.organization && { inventory: env.organization }),
        ...(env.organizationError && { failure: env.organizationError }),
      },
    ];
  },
};

export default organization;
