/**
 * The check contract: a pure function over one snapshot that says pass, fail or
 * not-applicable, naming the failing items by stable finding ids. Checks never call a
 * source; they only read what a collector stored. A check lives in its collector's folder
 * and is defined with `defineCheck(collector, ...)`, so its data and settings types are the
 * collector's; it carries what an auditor needs: a title, the procedure they re-perform
 * and the remediation.
 */

import type { Collector, Scope } from '../collectors/types.js';
import { settingsOf } from '../collectors/types.js';
import type { Config } from '../config.js';
import type { Snapshot } from '../evidence/snapshot.js';

/**
 * `not-applicable`: the snapshot holds nothing the check is about (an org with no
 * repositories, a day without merged changes). It is a judgement, not a pass; a snapshot
 * that could not be judged is a fail.
 */
export type CheckResult = 'pass' | 'fail' | 'not-applicable';

export interface CheckOutcome {
  result: CheckResult;
  /** One human sentence: what passed, or which items failed and why. */
  detail: string;
  /**
   * The failing items by stable finding id (region, user, repository, `owner/repo#123`,
   * `owner/repo@<sha>`, a change id, ...): the same item fails under the same id every day.
   * Empty unless the result is fail.
   */
  failing: string[];
}

export interface Check<D = unknown> {
  /** e.g. "guardduty-enabled" */
  readonly id: string;
  /** SOC 2 criteria, e.g. ["CC7.2"] */
  readonly controls: readonly string[];
  /** The id of the collector whose snapshots this check reads. */
  readonly collector: string;
  /** Short name, e.g. "GuardDuty enabled". */
  readonly title: string;
  /** When it passes, one sentence (the docs tables show it). */
  readonly description: string;
  /** What an auditor re-performs to reach the same verdict from the snapshot. */
  readonly procedure: string;
  /** What to do when it fails. */
  readonly remediation: string;
  /** Judge one snapshot (status ok or partial). Pure: same snapshot and config, same outcome. */
  run(snapshot: Snapshot<D>, config: Config): CheckOutcome;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds checks over different data types
export type AnyCheck = Check<any>;

export interface CheckSpec<D, T> {
  readonly id: string;
  /** Default: the collector's controls. */
  readonly controls?: readonly string[];
  readonly title: string;
  readonly description: string;
  readonly procedure: string;
  readonly remediation: string;
  /** `settings` is the collector's configuration section (undefined when it has none or it is absent). */
  run(snapshot: Snapshot<D>, config: Config, settings: T | undefined): CheckOutcome;
}

/** A check over `collector`'s snapshots: its data type and settings come from the collector. */
export function defineCheck<D, T>(collector: Collector<Scope, D, T>, spec: CheckSpec<D, T>): Check<D> {
  const { run, controls, ...rest } = spec;
  return {
    ...rest,
    controls: controls ?? collector.controls,
    collector: collector.id,
    run: (snapshot, config) => run(snapshot, config, settingsOf(collector, config)),
  };
}

export function pass(detail: string): CheckOutcome {
  return { result: 'pass', detail, failing: [] };
}

export function fail(detail: string, failing: string[]): CheckOutcome {
  return { result: 'fail', detail, failing };
}

export function notApplicable(detail: string): CheckOutcome {
  return { result: 'not-applicable', detail, failing: [] };
}
