/** GuardDuty: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { guardDutyCollector } from './collector.js';
import { guardDutyEnabledCheck } from './guardduty-enabled.js';

export default { collector: guardDutyCollector, checks: [guardDutyEnabledCheck] } satisfies CollectorModule;
