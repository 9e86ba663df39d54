/** Amazon Inspector: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { inspector } from './declaration.js';
import { inspectorEnabledCheck } from './inspector-enabled.js';
import { inspectorVulnerabilitiesCheck } from './vulnerabilities-within-sla.js';

export default {
  collector: inspector,
  checks: [inspectorEnabledCheck, inspectorVulnerabilitiesCheck],
} satisfies CollectorModule;
