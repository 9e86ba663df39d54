/** GuardDuty: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { guardDuty } from './declaration.js';
import { guardDutyEnabledCheck } from './guardduty-enabled.js';

export default { collector: guardDuty, checks: [guardDutyEnabledCheck] } satisfies CollectorModule;
