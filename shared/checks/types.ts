/**
 * The check contract: a pure function over one snapshot that says pass or fail, naming
 * the failing items. Checks never call a source; they only read what a collector stored.
 */
import type { Config } from '../config.js';
import type { Snapshot } from '../evidence/snapshot.js';

export interface CheckOutcome {
  result: 'pass' | 'fail';
  /** One human sentence: what passed, or which items failed and why. */
  detail: string;
  /** The failing items, named (region, user, repository, login, ...). Empty on pass. */
  failing: string[];
}

export interface Check<D = unknown> {
  /** e.g. "guardduty-enabled" */
  readonly id: string;
  /** SOC 2 criteria, e.g. ["CC7.2"] */
  readonly controls: readonly string[];
  /** The collector whose snapshots this check reads. */
  readonly collector: string;
  readonly description: string;
  /** Judge one snapshot (status ok or partial). Pure: same snapshot and config, same outcome. */
  run(snapshot: Snapshot<D>, config: Config): CheckOutcome;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds checks over different data types
export type AnyCheck = Check<any>;

export function pass(detail: string): CheckOutcome {
  return { result: 'pass', detail, failing: [] };
}

export function fail(detail: string, failing: string[]): CheckOutcome {
  return { result: 'fail', detail, failing };
}
