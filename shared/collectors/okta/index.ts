/** Okta: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { oktaCollector } from './collector.js';
import { oktaPrivilegedGroupsCheck } from './okta-privileged-groups.js';

export default { collector: oktaCollector, checks: [oktaPrivilegedGroupsCheck] } satisfies CollectorModule;
