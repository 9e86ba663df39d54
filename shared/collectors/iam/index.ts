/** IAM: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { iam } from './declaration.js';
import { iamConsoleMfaCheck } from './iam-console-mfa.js';
import { iamKeyRotationCheck } from './iam-key-rotation.js';
import { iamReviewAccounts } from './review-accounts.js';

export default {
  collector: iam,
  checks: [iamConsoleMfaCheck, iamKeyRotationCheck],
  reviewAccounts: iamReviewAccounts,
} satisfies CollectorModule;
