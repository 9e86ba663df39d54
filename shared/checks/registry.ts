/**
 * Every check, in one list, derived from the collector registry (each collector folder
 * exports its checks); test/checks/registry.test.ts pins the registered ids.
 */
import { MODULES } from '../collectors/registry.js';
import { accessReviewCompletedCheck } from '../review/check.js';
import type { AnyCheck, RecordCheck } from './types.js';

export const CHECKS: readonly AnyCheck[] = MODULES.flatMap((m) => m.checks);

/** Checks over signed records rather than snapshots (docs/checks.md lists them with the rest). */
// biome-ignore lint/suspicious/noExplicitAny: each judges its own record type
export const RECORD_CHECKS: readonly RecordCheck<any>[] = [accessReviewCompletedCheck];

export function findCheck(id: string): AnyCheck | undefined {
  return CHECKS.find((c) => c.id === id);
}

/**
 * Every check registered under `id`: one id may judge the snapshots of several collectors
 * (`vulnerabilities-within-sla` reads Inspector and Dependabot), one Check each.
 */
export function findChecks(id: string): AnyCheck[] {
  return CHECKS.filter((c) => c.id === id);
}

/** Every check mapped to a control, e.g. "CC7.2". */
export function checksForControl(control: string): AnyCheck[] {
  return CHECKS.filter((c) => c.controls.includes(control));
}
