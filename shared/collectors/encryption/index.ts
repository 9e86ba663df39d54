/** Encryption at rest: the collector's declaration and its checks, no collector code (the registry's entry for this folder). */
import type { CollectorModule } from '../types.js';
import { encryption } from './declaration.js';
import { encryptionAtRestCheck } from './encryption-at-rest.js';
import { s3PublicAccessBlockedCheck } from './s3-public-access-blocked.js';

export default {
  collector: encryption,
  checks: [encryptionAtRestCheck, s3PublicAccessBlockedCheck],
} satisfies CollectorModule;
