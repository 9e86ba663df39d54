/** The AWS organization (CC2.1, CC6.1): the in-scope account inventory. */
import type { CollectorModule } from '../types.js';
import { organizationCollector } from './collector.js';

export default { collector: organizationCollector, checks: [] } satisfies CollectorModule;
