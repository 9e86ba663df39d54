/**
 * The AWS organization, one scope (`aws-organization`) when `aws.organization` is configured
 * (CC6.1, CC2.1: the in-scope system inventory): every account with its name, state, joined
 * date and OU path, and whether it is collected and if not why. It is the very inventory
 * the run derived its AWS scopes from (discovered once, carried in the scope), so the
 * snapshot says exactly which accounts that day's AWS evidence was expected from; `verify`
 * reads it back per day. A failed discovery is an `error` snapshot here and an error in
 * every other AWS collector, never a run that quietly covers fewer accounts.
 */

import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { type OrganizationData, type OrganizationScope, organization } from './declaration.js';

export type { OrganizationData, OrganizationScope } from './declaration.js';

export const organizationCollector: RunnableCollector<OrganizationScope, OrganizationData> = {
  ...organization,
  identify: () => awsIdentity({}),
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

export default organizationCollector;
