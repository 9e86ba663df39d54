/** CloudTrail: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { cloudTrailLoggingCheck } from './cloudtrail-logging.js';
import { cloudTrailCollector } from './collector.js';

export default { collector: cloudTrailCollector, checks: [cloudTrailLoggingCheck] } satisfies CollectorModule;
