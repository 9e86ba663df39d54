/** The identity of a test double collector: no call, a fixed principal (`collectedBy`). */
import type { Identity } from '../../shared/collectors/types.js';

export const TEST_PRINCIPAL = 'test-principal';

export function testIdentity(): Identity {
  return { key: 'test', method: 'test double', resolve: async () => TEST_PRINCIPAL };
}
