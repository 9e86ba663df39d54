/** GitHub members (CC6.1, CC6.2): the collector's declaration and its checks, no collector code. */
import type { CollectorModule } from '../types.js';
import { githubMembers } from './declaration.js';
import { githubMembers2faCheck } from './github-members-2fa.js';
import { githubReviewAccounts } from './review-accounts.js';

export default {
  collector: githubMembers,
  checks: [githubMembers2faCheck],
  reviewAccounts: githubReviewAccounts,
} satisfies CollectorModule;
