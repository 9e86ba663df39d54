/**
 * Digests, one import for their users: the format (digest/format.ts), sealing
 * (digest/seal.ts), the leaves of the form that scales (digest/leaves.ts), the chain walk (digest/chain.ts) and the comparison of an object with
 * its digest entry (digest/compare.ts).
 */

export * from './digest/chain.js';
export * from './digest/compare.js';
export * from './digest/format.js';
export * from './digest/leaves.js';
export * from './digest/seal.js';
