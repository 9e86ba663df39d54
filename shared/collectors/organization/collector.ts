/**
 * The AWS organization, one scope (`aws-organization`) when `aws.organization` is configured
 * (CC6.1, CC2.1: the in-scope system inventory): every account with its name, state, joined
 * date and OU path, and whether it is collected and if not why. It is the very inventory
 * the run derived its AWS scopes from (discovered once, carried in the scope), so the
 * snapshot says exactly which accounts that day's AWS evidence was expected from; `verify`
 * reads it back per day. A failed discovery is an `error` snapshot here and an error in
 * every other AWS collector, never a run that quietly covers fewer accounts.
 */
import { ORGANIZATION_READ_ACTIONS, type OrganizationInventory } from '../../aws/organization.js';
import type { Collector, Scope } from '../types.js';

export { ORGANIZATION_READ_ACTIONS };

const ORGANIZATION_SCOPE = 'aws-organization';

export interface OrganizationScope extends Scope {
  readonly inventory?: OrganizationInventory;
  readonly failure?: Error;
}

export type OrganizationData = Omit<OrganizationInventory, 'requests'>;

export const organizationCollector: Collector<OrganizationScope, OrganizationData> = {
  id: 'organization',
  source: 'aws',
  controls: ['CC2.1', 'CC6.1'],
  scopePattern: 'aws-organization',
  permissions: ORGANIZATION_READ_ACTIONS,
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
  async collect(scope, ctx) {
    if (scope.failure) throw scope.failure;
    if (!scope.inventory)
      throw new Error('the organization was not discovered (no AWS credentials were tried)');
    const { requests, ...data } = scope.inventory;
    ctx.stats.requests += requests;
    ctx.stats.pages += requests;
    if (data.unknownExclusions.length > 0) {
      // Harmless for collection (nothing to exclude), but likely a typo: recorded and said.
      ctx.logger.warn('excluded accounts not in the organization', {
        organization: data.organization.id,
        accounts: data.unknownExclusions,
      });
    }
    return { data, items: data.accounts.filter((a) => a.inScope).length };
  },
};
