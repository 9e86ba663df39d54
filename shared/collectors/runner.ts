/**
 * Runs collectors: every selected collector over every one of its scopes, under a
 * concurrency bound, each (collector, scope) in its own failure boundary. A throw becomes
 * a recorded `status: "error"` snapshot, so one bad source never stops the others and a
 * failed collection is never silent. Only a locker that cannot be written stops the run.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../clock.js';
import { createLimiter } from '../concurrency.js';
import type { Config } from '../config.js';
import { registerEnvironmentSecrets } from '../env.js';
import { errorMessage, LockerUnavailableError, SourceUnavailableError, UsageError } from '../errors.js';
import { addDays, dayOf } from '../evidence/days.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../evidence/snapshot.js';
import { writeSnapshot } from '../evidence/write.js';
import type { Locker } from '../locker/types.js';
import { type Logger, silentLogger } from '../log.js';
import { redact } from '../secrets.js';
import { TOOL } from '../version.js';
import { COLLECTORS } from './declarations.generated.js';
import { previousSnapshot } from './previous.js';
import {
  type AnyCollector,
  type AnyRunnableCollector,
  type CollectedBy,
  type CollectorContext,
  isEnabled,
  requiredSection,
  type Scope,
  type ScopeEnvironment,
  settingsOf,
} from './types.js';
import { planWindow } from './window.js';

export interface RunResult {
  collector: string;
  scope: string;
  status: 'ok' | 'partial' | 'error';
  key: string;
  sha256: string;
  requests: number;
  items: number;
  durationMs: number;
  error?: string;
  /** True when the error was the source refusing us or being unreachable (exit 3). */
  sourceUnavailable?: boolean;
}

export interface RunOptions {
  config: Config;
  locker: Locker;
  /**
   * The collectors that may run, with their code: the CLI loads the registered ones it runs
   * (implementations.ts), a collect function bundles its one collector (functions/collect.ts).
   */
  collectors: readonly AnyRunnableCollector[];
  /** Collector ids to run (--only); default every collector whose source is configured. */
  only?: readonly string[];
  clock?: Clock;
  /**
   * The slot the run was scheduled for (a scheduled event's time, or `collect --day`): windowed
   * collectors cover up to the last complete day before it. Default: the clock's now.
   */
  scheduledFor?: Date;
  logger?: Logger;
  runId?: string;
  /** Facts scopes are derived from (e.g. the default AWS account); resolved once, lazily. */
  scopeEnvironment?: (collectors: readonly AnyCollector[], config: Config) => Promise<ScopeEnvironment>;
  concurrency?: number;
  /** Called as each scope finishes (progress); `total` is the number of scopes known so far. */
  onResult?: (result: RunResult, done: number, total: number) => void;
  /**
   * When the run must be over (Lambda: its remaining time less a margin; CLI: --deadline).
   * A scope not finished by then is written as an error snapshot that says so, so a slow or
   * hanging source is a recorded failure, never a missing day.
   */
  deadline?: Date;
  /**
   * What tells the run its deadline has come (default: a real timer read on `clock`). A test
   * hands in its own to fire the deadline when it chooses instead of after real time.
   */
  deadlineTimer?: DeadlineTimer;
}

/**
 * Calls `fire` once `deadline` has come; returns what cancels it (called when the raced work
 * finished first). A deadline that has already passed never reaches the timer: see raceDeadline.
 */
export type DeadlineTimer = (deadline: Date, fire: () => void) => () => void;

/** The production DeadlineTimer: a timer (that keeps no process alive) for the time left on `clock`. */
export function realDeadlineTimer(clock: Clock): DeadlineTimer {
  return (deadline, fire) => {
    const timer = setTimeout(fire, Math.max(0, deadline.getTime() - clock.now().getTime()));
    timer.unref?.();
    return () => clearTimeout(timer);
  };
}

/** The run's deadline came before a scope (or the scope resolution) finished. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** Collectors that wrote nothing because their scopes (which series?) could not be known. */
export interface SkippedSource {
  source: string;
  collectors: string[];
  reason: string;
  /** The source refused us or could not be reached (exit 3), rather than a configuration mistake. */
  sourceUnavailable: boolean;
}

export interface RunSummary {
  runId: string;
  results: RunResult[];
  /** Nothing is written that cannot be attributed to a series: these sources said why instead. */
  skipped: SkippedSource[];
}

export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** The collectors that would run under this config and --only selection (default: the registry's). */
export function selectCollectors<C extends AnyCollector = AnyCollector>(
  config: Config,
  only: readonly string[] | undefined,
  collectors: readonly C[] = COLLECTORS as readonly C[],
): C[] {
  const configured = collectors.filter((c) => isEnabled(c, config));
  if (!only || only.length === 0) return configured;
  const unknown = only.filter((id) => !collectors.some((c) => c.id === id));
  if (unknown.length) {
    throw new UsageError(
      `unknown collector ${unknown.join(', ')} in --only; known collectors: ${collectors.map((c) => c.id).join(', ')}`,
    );
  }
  const unconfigured = only.filter((id) => !configured.some((c) => c.id === id));
  const disabled = unconfigured.filter(
    (id) => config[collectors.find((c) => c.id === id)!.source] !== undefined,
  );
  if (disabled.length) {
    throw new UsageError(
      `--only ${disabled.join(', ')}: the configuration does not enable ${disabled.length === 1 ? 'this collector' : 'these collectors'} (${disabled.map((id) => `${id} needs ${requiredSection(collectors.find((c) => c.id === id)!)}`).join(', ')}), so there is nothing to collect`,
    );
  }
  if (unconfigured.length) {
    const sections = unconfigured.map((id) => requiredSection(collectors.find((c) => c.id === id)!));
    throw new UsageError(
      `--only ${unconfigured.join(', ')}: the configuration has no "${[...new Set(sections)].join('", "')}" section, so there is nothing to collect`,
    );
  }
  return configured.filter((c) => only.includes(c.id));
}

export async function runCollectors(options: RunOptions): Promise<RunSummary> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const runId = options.runId ?? newRunId();
  const selected = selectCollectors(options.config, options.only, options.collectors);
  registerEnvironmentSecrets(selected.flatMap((c) => c.secrets ?? []));
  await options.locker.check();

  // The environment (the caller's AWS account) is resolved once, in the background: only the
  // AWS collectors wait for it, so a failing or hanging STS never delays Okta or GitHub.
  const deadline = options.deadline;
  const timer = options.deadlineTimer ?? realDeadlineTimer(clock);
  const withDeadline = <T>(promise: Promise<T>, what: string): Promise<T> =>
    deadline ? raceDeadline(promise, deadline, clock, what, timer) : promise;
  const envPromise: Promise<ScopeEnvironment> = options.scopeEnvironment
    ? withDeadline(
        options.scopeEnvironment(selected, options.config),
        'resolving the AWS account of the credentials',
      )
    : Promise.resolve({});
  envPromise.catch(() => undefined); // handled where each AWS collector awaits it

  // A collector whose scopes cannot be resolved writes nothing: a snapshot must belong to a
  // series, and without its scopes there is no series to attribute it to. The source is
  // reported instead (the CLI prints the reason and exits non-zero; verify shows the gap).
  const skipped: SkippedSource[] = [];
  const skip = (collector: AnyRunnableCollector, err: unknown) => {
    const reason = redact(errorMessage(err));
    const entry = skipped.find((s) => s.source === collector.source && s.reason === reason);
    if (entry) entry.collectors.push(collector.id);
    else
      skipped.push({
        source: collector.source,
        collectors: [collector.id],
        reason,
        sourceUnavailable: err instanceof SourceUnavailableError,
      });
    logger.error('scopes unknown, nothing collected', { collector: collector.id, error: reason });
  };

  const limit = createLimiter(options.concurrency ?? options.config.aws?.concurrency ?? 8);
  // Who collects: asked once per set of credentials and run (Identity.key), not per scope or call.
  const identities = new Map<string, Promise<CollectedBy>>();
  const context = { ...options, clock, logger, runId, withDeadline, identities };
  let done = 0;
  let total = 0;
  const runJob = (collector: AnyRunnableCollector, scope: Scope) =>
    limit(async () => {
      const result = await runOne(collector, scope, context);
      done++;
      options.onResult?.(result, done, total);
      return result;
    });

  const perCollector = selected.map(async (collector): Promise<RunResult[]> => {
    let env: ScopeEnvironment = {};
    if (collector.source === 'aws') {
      try {
        env = await envPromise;
      } catch (err) {
        // The environment is about AWS (the caller's account): without it no AWS scope is known.
        skip(collector, err);
        return [];
      }
    }
    let scopes: Scope[];
    try {
      scopes = collector.scopes(options.config, env);
    } catch (err) {
      skip(collector, err);
      return [];
    }
    total += scopes.length;
    return Promise.all(scopes.map((scope) => runJob(collector, scope)));
  });
  const results = (await Promise.all(perCollector)).flat();
  return { runId, results, skipped };
}

async function runOne(
  collector: AnyRunnableCollector,
  scope: Scope,
  options: RunOptions & {
    clock: Clock;
    logger: Logger;
    runId: string;
    withDeadline: <T>(promise: Promise<T>, what: string) => Promise<T>;
    identities: Map<string, Promise<CollectedBy>>;
  },
): Promise<RunResult> {
  const { config, locker, clock, logger, runId } = options;
  const collectedAt = clock.now();
  const started = performance.now();
  const stats = { requests: 0, pages: 0 };
  let status: Snapshot['status'] = 'ok';
  let errors: string[] = [];
  let data: unknown = null;
  let items = 0;
  let thrown: unknown;
  let identityContext: CollectorContext<unknown> | undefined;
  try {
    // A windowed collector covers from the end of its series' last window (collectors/window.ts).
    const window = collector.windowed
      ? await planWindow({
          locker,
          config,
          collector,
          scope: scope.id,
          scheduledFor: options.scheduledFor ?? collectedAt,
          now: collectedAt,
        })
      : undefined;
    const ctx: CollectorContext<unknown> = {
      config,
      settings: settingsOf(collector, config),
      clock,
      logger,
      stats,
      ...(window && { window }),
      previous: () => {
        const day = dayOf(collectedAt);
        return previousSnapshot(locker, { collector: collector.id, scope: scope.id }, day, addDays(day, -8));
      },
    };
    identityContext = ctx;
    const out = await options.withDeadline(
      collector.collect(scope, ctx),
      `collecting ${collector.id}/${scope.id}`,
    );
    data = out.data;
    items = out.items;
    status = out.status ?? 'ok';
    errors = (out.errors ?? []).map(redact);
    if (status === 'partial' && errors.length === 0) errors = ['partial collection (no reason given)'];
    // A partial that read nothing (its first request failed, every list broke off) holds none of
    // what the collector exists to record: a failed collection, never an empty present day.
    if (status === 'partial' && items === 0) {
      status = 'error';
      errors = [
        'the collection read no item (its first request failed, or every list broke off): recorded as failed, not as a partial day',
        ...errors,
      ];
    }
  } catch (err) {
    if (err instanceof LockerUnavailableError) throw err;
    thrown = err;
    status = 'error';
    errors = [redact(`${(err as Error).name ?? 'Error'}: ${errorMessage(err)}`)];
    // A warning, not an error: the failure is recorded (an error snapshot) and reported by the caller.
    logger.warn('collection failed', { collector: collector.id, scope: scope.id, error: errors[0] });
  }
  const durationMs = Math.round(performance.now() - started);
  // Asked after the collection (whose requests keep their order), and also when it failed.
  const by: CollectedBy = identityContext
    ? await collectedBy(collector, scope, identityContext, options)
    : {
        principal: null,
        method: 'not asked',
        error: 'the collection stopped before its credentials were known',
      };
  if (by.principal === null && status === 'ok') {
    // Evidence whose collector cannot be named is not complete evidence.
    status = 'partial';
    errors = [...errors, redact(`who collected this could not be established (${by.method}): ${by.error}`)];
  }
  const snapshot: Snapshot = {
    schema: SNAPSHOT_SCHEMA,
    collector: collector.id,
    scope: scope.id,
    day: dayOf(collectedAt),
    collectedAt: collectedAt.toISOString(),
    controls: [...collector.controls],
    status,
    errors,
    stats: { requests: stats.requests, items, pages: stats.pages, durationMs },
    tool: { name: TOOL.name, version: TOOL.version },
    runId,
    collectedBy: by,
    data,
  };
  let written: Awaited<ReturnType<typeof writeSnapshot>>;
  try {
    written = await writeSnapshot(locker, snapshot, config.locker.retentionDays);
  } catch (err) {
    if (err instanceof LockerUnavailableError) throw err;
    throw new LockerUnavailableError(
      `could not write the snapshot for ${collector.id}/${scope.id}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  logger.info('collected', {
    collector: collector.id,
    scope: scope.id,
    status,
    requests: stats.requests,
    items,
    durationMs,
  });
  const result: RunResult = {
    collector: collector.id,
    scope: scope.id,
    status,
    key: written.key,
    sha256: written.sha256,
    requests: stats.requests,
    items,
    durationMs,
  };
  if (status !== 'ok') result.error = errors.join('; ');
  if (thrown instanceof SourceUnavailableError) result.sourceUnavailable = true;
  return result;
}

/**
 * Who collects `scope`: the collector's identity, resolved once per key and run (the runner's
 * map), bounded by the run's deadline; a failure is recorded as the reason, never thrown.
 */
function collectedBy(
  collector: AnyRunnableCollector,
  scope: Scope,
  ctx: CollectorContext<unknown>,
  options: {
    identities: Map<string, Promise<CollectedBy>>;
    withDeadline: <T>(promise: Promise<T>, what: string) => Promise<T>;
  },
): Promise<CollectedBy> {
  let identity: ReturnType<AnyRunnableCollector['identify']>;
  try {
    identity = collector.identify(scope, ctx);
  } catch (err) {
    return Promise.resolve({ principal: null, method: 'credentials', error: redact(errorMessage(err)) });
  }
  const key = `${collector.source}\u0000${identity.key}`;
  let pending = options.identities.get(key);
  if (!pending) {
    pending = options.withDeadline(identity.resolve(), `establishing who collects ${scope.id}`).then(
      (principal): CollectedBy => ({ principal: redact(principal), method: identity.method }),
      (err): CollectedBy => ({ principal: null, method: identity.method, error: redact(errorMessage(err)) }),
    );
    options.identities.set(key, pending);
  }
  return pending;
}

/**
 * `promise`, or a DeadlineError when `deadline` (read on `clock`, then waited for on `timer`)
 * comes first. The work behind `promise` is not cancelled; its result is ignored.
 */
export function raceDeadline<T>(
  promise: Promise<T>,
  deadline: Date,
  clock: Clock,
  what: string,
  timer: DeadlineTimer = realDeadlineTimer(clock),
): Promise<T> {
  const error = () =>
    new DeadlineError(`the run's deadline (${deadline.toISOString()}) came before ${what} finished`);
  if (deadline.getTime() <= clock.now().getTime()) {
    promise.catch(() => undefined);
    return Promise.reject(error());
  }
  let cancel: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    cancel = timer(deadline, () => reject(error()));
  });
  return Promise.race([promise, expired]).finally(() => cancel?.());
}
