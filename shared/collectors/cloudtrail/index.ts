/** CloudTrail: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { cloudTrailLoggingCheck } from './cloudtrail-logging.js';
import { cloudTrail } from './declaration.js';

export default { collector: cloudTrail, checks: [cloudTrailLoggingCheck] } satisfies CollectorModule;
