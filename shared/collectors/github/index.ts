/** GitHub branch protection: the collector and its checks (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { githubCollector } from './collector.js';
import { githubBranchProtectionCheck } from './github-branch-protection.js';

export default {
  collector: githubCollector,
  checks: [githubBranchProtectionCheck],
} satisfies CollectorModule;
