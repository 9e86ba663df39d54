/**
 * Every collector, in one list. Adding a collector is one file and one line here;
 * test/collectors/registry.test.ts pins the registered ids.
 */
import type { AnyCollector } from './types.js';

export const COLLECTORS: readonly AnyCollector[] = [];

export function findCollector(id: string): AnyCollector | undefined {
  return COLLECTORS.find((c) => c.id === id);
}
