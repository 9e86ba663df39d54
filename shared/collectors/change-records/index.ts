/** Change records (CC8.1): the emergency-change records kept in a repository, and their gate. */
import type { CollectorModule } from '../types.js';
import { changeRecords } from './declaration.js';
import { emergencyChangeGateCheck } from './emergency-change-gate.js';

export default {
  collector: changeRecords,
  checks: [emergencyChangeGateCheck],
} satisfies CollectorModule;
