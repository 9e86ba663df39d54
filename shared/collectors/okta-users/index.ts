/** Okta users: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { accessRevokedOnTerminationCheck } from './access-revoked-on-termination.js';
import { oktaUsers } from './declaration.js';

export default {
  collector: oktaUsers,
  checks: [accessRevokedOnTerminationCheck],
} satisfies CollectorModule;
