/** GitHub branch protection: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { github } from './declaration.js';
import { githubBranchProtectionCheck } from './github-branch-protection.js';

export default {
  collector: github,
  checks: [githubBranchProtectionCheck],
} satisfies CollectorModule;
