/**
 * The check contract: a pure function over one snapshot that says pass, fail or
 * not-applicable, naming the failing items by stable finding ids. Checks never call a
 * source; they only read what a collector stored. A check lives in its collector's folder
 * and is defined with `defineCheck(collector, ...)`, so its data and settings types are the
 * collector's; it carries what an auditor needs: a title, the procedure they re-perform
 * and the remediation.
 *
 * Cross-collector checks (e.g. access-revoked-on-termination: a leaver in Okta must have no
 * access in GitHub or AWS) declare the other collectors they read in `reads`. The sampler
 * then hands `run` the same day's sealed snapshot of every series of those collectors
 * (`related`, by collector id); a configured one without a usable snapshot that day makes
 * the sample `missing` without calling the check, so the check never judges half the facts.
 * Still pure: the same snapshots and config give the same outcome.
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

/**
 * The same day's snapshots of the collectors a check `reads`, by collector id: one per series
 * (scope), each sealed and usable (ok or partial). A collector the configuration does not turn
 * on, and that left nothing in the locker that day, has no entry.
 */
export type RelatedSnapshots = ReadonlyMap<string, readonly Snapshot[]>;

/**
 * What an auditor needs to rely on a check (docs/reliance.md is generated from it): what it does
 * not test, and its known limitations. The population and its completeness argument come from
 * the collector (source, scopes); what it tests from `description` and `procedure`.
 */
export interface Reliance {
  /** What the check does not test, in a sentence or two (e.g. "event selectors"). */
  readonly doesNotTest: string;
  /** Known limitations of the evidence or the check. */
  readonly limitations: string;
  /**
   * Which "as of" time of its source the check relies on and the bound it is held to
   * (`checks.freshnessHours`), or why the source has none (it answers its current state).
   */
  readonly freshness: string;
}

export interface Check<D = unknown> {
  /** e.g. "guardduty-enabled" */
  readonly id: string;
  /** SOC 2 criteria, e.g. ["CC7.2"] */
  readonly controls: readonly string[];
  /** The id of the collector whose snapshots this check reads. */
  readonly collector: string;
  /** Other collectors whose same-day snapshots it reads too (cross-collector checks); see `RelatedSnapshots`. */
  readonly reads?: readonly string[];
  /** Short name, e.g. "GuardDuty enabled". */
  readonly title: string;
  /** When it passes, one sentence (the docs tables show it). */
  readonly description: string;
  /** What an auditor re-performs to reach the same verdict from the snapshot. */
  readonly procedure: string;
  /** What to do when it fails. */
  readonly remediation: string;
  /** What it does not test and its limitations (every registered check has it: docs/reliance.md). */
  readonly reliance?: Reliance;
  /**
   * Judge one snapshot (status ok or partial), with the same day's snapshots of `reads`.
   * Pure: same snapshots and config, same outcome.
   */
  run(snapshot: Snapshot<D>, config: Config, related?: RelatedSnapshots): CheckOutcome;
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
  readonly reliance?: Reliance;
  /** Other collectors whose same-day snapshots the check reads (see `Check.reads`). */
  readonly reads?: readonly string[];
  /**
   * `settings` is the collector's configuration section (undefined when it has none or it is
   * absent); `related` the same day's snapshots of `reads` (empty without `reads`).
   */
  run(
    snapshot: Snapshot<D>,
    config: Config,
    settings: T | undefined,
    related: RelatedSnapshots,
  ): CheckOutcome;
}

/** A check over `collector`'s snapshots: its data type and settings come from the collector. */
export function defineCheck<D, T>(collector: Collector<Scope, D, T>, spec: CheckSpec<D, T>): Check<D> {
  const { run, controls, ...rest } = spec;
  return {
    ...rest,
    controls: controls ?? collector.controls,
    collector: collector.id,
    run: (snapshot, config, related) =>
      run(snapshot, config, settingsOf(collector, config), related ?? new Map()),
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

/**
 * A check over signed records instead of snapshots (access-review-completed judges each closed
 * access review campaign). Same metadata as a snapshot check; `reads` names the record prefix.
 */
export interface RecordCheck<T = unknown> {
  readonly id: string;
  readonly controls: readonly string[];
  /** The locker prefix of the records it judges, e.g. "reviews/". */
  readonly reads: string;
  readonly title: string;
  readonly description: string;
  readonly procedure: string;
  readonly remediation: string;
  run(input: T): CheckOutcome;
}
