/** Change records (CC8.1): the emergency-change records kept in a repository, and their gate. */
import type { CollectorModule } from '../types.js';
import { changeRecordsCollector } from './collector.js';
import { emergencyChangeGateCheck } from './emergency-change-gate.js';

export default {
  collector: changeRecordsCollector,
  checks: [emergencyChangeGateCheck],
} satisfies CollectorModule;
