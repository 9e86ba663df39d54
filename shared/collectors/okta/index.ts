/** Okta: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { okta } from './declaration.js';
import { oktaPrivilegedGroupsCheck } from './okta-privileged-groups.js';

export default { collector: okta, checks: [oktaPrivilegedGroupsCheck] } satisfies CollectorModule;
