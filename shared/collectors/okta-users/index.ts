/** Okta users: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { accessRevokedOnTerminationCheck } from './access-revoked-on-termination.js';
import { oktaUsers } from './declaration.js';
import { oktaDormantUsersCheck } from './okta-dormant-users.js';
import { oktaMfaEnrolledCheck } from './okta-mfa-enrolled.js';
import { oktaMfaRequiredCheck } from './okta-mfa-required.js';
import { usersPopulation } from './population.js';
import { oktaReviewAccounts } from './review-accounts.js';

export default {
  collector: oktaUsers,
  checks: [
    oktaMfaEnrolledCheck,
    oktaMfaRequiredCheck,
    oktaDormantUsersCheck,
    accessRevokedOnTerminationCheck,
  ],
  populations: [usersPopulation],
  reviewAccounts: oktaReviewAccounts,
} satisfies CollectorModule;
