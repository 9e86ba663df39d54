/** AWS regions: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { awsRegions } from './declaration.js';
import { regionsCoveredCheck } from './regions-covered.js';

export default { collector: awsRegions, checks: [regionsCoveredCheck] } satisfies CollectorModule;
