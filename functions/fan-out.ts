/**
 * What the fan-out's two functions share (functions/plan.ts, functions/shard.ts; the state
 * machine that runs them is infra/constructs/fan-out.ts): the configuration, the locker, the
 * logger, the clock, the deadline timer and the collector metrics, resolved once per container
 * on first use, so a test can hand in its own (`createHandler(deps)`) without resetting
 * modules; the deadline a run gets from the Lambda's remaining time; the limit a state's
 * payload must stay under.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Clock, systemClock } from '../shared/clock.js';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import { type DeadlineTimer, type RunSummary, realDeadlineTimer } from '../shared/collectors/runner.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import { type Config, loadConfig } from '../shared/config.js';
import { requiredEnv } from '../shared/env.js';
import { openLocker } from '../shared/locker/index.js';
import type { Locker } from '../shared/locker/types.js';
import { type Logger, redactingLogger } from '../shared/log.js';

/** Time kept back from the Lambda timeout to write the error snapshots of unfinished scopes. */
const DEADLINE_MARGIN_MS = 30_000;

/**
 * Step Functions' limit on a state's input or output: 256 KiB of UTF-8. The plan's output
 * (the map's items) must stay under it; a shard's output is a few counts.
 */
export const STATE_PAYLOAD_LIMIT = 256 * 1024;

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Everything a handler takes from its surroundings; each defaults to the Lambda's own. */
export interface FanOutDeps {
  config?: Config;
  locker?: Locker;
  /** The collectors that may run, with their code (default: the ones the handler's bundle holds). */
  collectors?: readonly AnyRunnableCollector[];
  logger?: Logger;
  clock?: Clock;
  /** What tells a run its deadline has come (default: a real timer on `clock`). */
  deadlineTimer?: DeadlineTimer;
}

export interface FanOutRuntime {
  config: Config;
  locker: Locker;
  collectors: readonly AnyRunnableCollector[];
  logger: Logger;
  clock: Clock;
  deadlineTimer: DeadlineTimer;
  metrics: Metrics;
}

/**
 * The runtime, resolved on first call: the config file (EVIDENCE_CONFIG, validated against every
 * registered collector's declaration), the locker (EVIDENCE_STORE), and the collectors the
 * handler bundles (`bundled`: their code, imported by the handler file itself).
 */
export function lazyRuntime(deps: FanOutDeps, bundled: readonly AnyRunnableCollector[]): () => FanOutRuntime {
  let resolved: FanOutRuntime | undefined;
  return () => {
    if (resolved) return resolved;
    const clock = deps.clock ?? systemClock;
    resolved = {
      config: deps.config ?? loadConfig(undefined, COLLECTORS),
      locker: deps.locker ?? openLocker(requiredEnv('EVIDENCE_STORE'), { create: true }),
      collectors: deps.collectors ?? bundled,
      logger: deps.logger ?? redactingLogger(new PowertoolsLogger() as unknown as Logger),
      clock,
      deadlineTimer: deps.deadlineTimer ?? realDeadlineTimer(clock),
      metrics: new Metrics(),
    };
    return resolved;
  };
}

/** When the run must end: the Lambda's remaining time less a margin (none outside Lambda). */
export function deadlineOf(context: LambdaContext | undefined, clock: Clock): Date | undefined {
  const remaining = context?.getRemainingTimeInMillis();
  if (remaining === undefined) return undefined;
  return new Date(clock.now().getTime() + Math.max(0, remaining - DEADLINE_MARGIN_MS));
}

/**
 * The collector metrics (the stack's CollectionsFailed alarm), as functions/collect.ts puts
 * them: snapshots written, and those not `ok` plus collectors that wrote nothing.
 */
export function countSnapshots(metrics: Metrics, summary: RunSummary): { written: number; failed: number } {
  const written = summary.results.length;
  const failed =
    summary.results.filter((r) => r.status !== 'ok').length +
    summary.skipped.reduce((n, s) => n + s.collectors.length, 0);
  metrics.addMetric('SnapshotsWritten', MetricUnit.Count, written);
  metrics.addMetric('SnapshotsFailed', MetricUnit.Count, failed);
  return { written, failed };
}

/** A run the state machine must see fail (then it retries, then the execution fails and alarms). */
export class FanOutError extends Error {
  override name = 'FanOutError';
}
