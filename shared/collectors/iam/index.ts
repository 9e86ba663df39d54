/** IAM: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { iamCollector } from './collector.js';
import { iamConsoleMfaCheck } from './iam-console-mfa.js';
import { iamKeyRotationCheck } from './iam-key-rotation.js';

export default {
  collector: iamCollector,
  checks: [iamConsoleMfaCheck, iamKeyRotationCheck],
} satisfies CollectorModule;
