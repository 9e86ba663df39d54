/**
 * The fan-out's second step (one item of the state machine's Distributed Map,
 * infra/constructs/fan-out.ts): every AWS collector but `organization` over the shard's
 * accounts only, each account reached through its member role, under the shard's own
 * deadline (the Lambda's remaining time less a margin). A scope not finished by then is an
 * `error` snapshot that says so, never a silent absence; a scope that failed is an `error`
 * snapshot too (counted in SnapshotsFailed: the CollectionsFailed alarm). The invocation
 * itself fails (the map retries the item, then fails the run) only when the locker cannot be
 * written or nothing could be collected.
 *
 * Input (the map's ItemSelector): { shard: { id, accounts }, runId, defaultAccountId, scheduledFor }.
 * Output: a few counts (the map discards them; the execution history keeps them).
 *
 * Failure mode: when the shard failed after its retries, the state machine calls the function
 * again with the same item and `failure: { Error, Cause }` (its Catch). Nothing is collected:
 * every scope of the shard gets an `error` snapshot naming the failure, so the day of each of
 * its series says why it has no evidence instead of being silently absent.
 *
 * Environment: EVIDENCE_STORE, EVIDENCE_CONFIG, POWERTOOLS_* (service evidence-collect).
 * IAM: the AWS collectors' read actions (for the evidence account itself), sts:AssumeRole on
 * the member role in the organization's accounts and the listed ones, the locker's
 * snapshots/ prefix (write-once).
 */
import * as z from 'zod';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import { runAwsShard, shardCollectors } from '../shared/collectors/shards.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import type { Config } from '../shared/config.js';
import {
  countSnapshots,
  deadlineOf,
  type FanOutDeps,
  FanOutError,
  type LambdaContext,
  lazyRuntime,
} from './fan-out.js';
import { SHARD_COLLECTORS } from './shard-collectors.generated.js';

/**
 * The code this function's bundle holds: the registered AWS collectors but `organization` (the
 * plan's), imported by name in a module that `npm run docs` writes from the registry
 * (test/collectors/contract.test.ts fails when it is stale; test/infra/bundles.test.ts pins the
 * bundle against the registry). A registered AWS collector this bundle lacks anyway (a build
 * from a stale module) is refused before anything runs (`missingImplementations`).
 */
export { SHARD_COLLECTORS };

/** The AWS collectors this configuration enables that the shard has no code for. */
export function missingImplementations(config: Config, bundled: readonly AnyRunnableCollector[]): string[] {
  return shardCollectors(config, COLLECTORS).filter((id) => !bundled.some((c) => c.id === id));
}

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');

const ShardEvent = z.object({
  shard: z.object({ id: z.string().min(1), accounts: z.array(accountId) }),
  runId: z.string().regex(/^[0-9a-f]{12}$/, "expected the plan's run id (12 hex digits)"),
  defaultAccountId: accountId,
  scheduledFor: z.iso.datetime({ offset: true }).optional(),
  /** The shard's failure, from the state machine's Catch: record it, collect nothing. */
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export type ShardEvent = z.infer<typeof ShardEvent>;

export interface ShardOutput {
  shard: string;
  accounts: number;
  snapshots: number;
  failed: number;
  requests: number;
}

export function createHandler(
  deps: FanOutDeps = {},
): (event: unknown, context?: LambdaContext) => Promise<ShardOutput> {
  const runtime = lazyRuntime(deps, SHARD_COLLECTORS);
  return async (event, context) => {
    const parsed = ShardEvent.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FanOutError(
        `not a shard item: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}; expected {"shard": {"id", "accounts": [...]}, "runId", "defaultAccountId"} (the state machine's ItemSelector)`,
      );
    }
    const { shard, runId, defaultAccountId, failure } = parsed.data;
    const { config, locker, logger, clock, deadlineTimer, metrics, collectors: bundled } = runtime();
    const collectors = failure ? bundled.map((c) => failing(c, failure)) : bundled;
    const missing = missingImplementations(config, collectors);
    if (missing.length > 0) {
      // Fail closed: an enabled AWS collector would otherwise be silently not collected.
      throw new FanOutError(
        `the shard function has no code for the AWS collector${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; run \`npm run docs\` (it writes functions/shard-collectors.generated.ts from the registry) and deploy again`,
      );
    }
    const deadline = deadlineOf(context, clock);
    logger.info(failure ? 'shard failure recorded' : 'shard start', {
      runId,
      shard: shard.id,
      accounts: shard.accounts.length,
    });
    try {
      const summary = await runAwsShard({
        config,
        locker,
        collectors,
        clock,
        logger,
        runId,
        shard,
        defaultAccountId,
        ...(deadline && { deadline, deadlineTimer }),
      });
      const { written, failed } = countSnapshots(metrics, summary);
      const output: ShardOutput = {
        shard: shard.id,
        accounts: shard.accounts.length,
        snapshots: written,
        failed,
        requests: summary.results.reduce((n, r) => n + r.requests, 0),
      };
      logger.info('shard done', { runId, ...output });
      if (summary.skipped.length > 0) {
        throw new FanOutError(
          `shard ${shard.id}: nothing collected for ${summary.skipped.map((s) => `${s.collectors.join(', ')} (${s.reason})`).join('; ')}`,
        );
      }
      return output;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler = createHandler();

/** Longest failure cause an error snapshot repeats (Step Functions' Cause can be a whole stack). */
const MAX_CAUSE = 500;

/** The shard's failure as one line: its error and the start of its cause. */
export function failureLine(failure: NonNullable<ShardEvent['failure']>): string {
  const cause = (failure.Cause ?? '').replace(/\s+/g, ' ').trim();
  return `the shard failed after its retries (${failure.Error ?? 'unknown error'}${
    cause ? `: ${cause.length > MAX_CAUSE ? `${cause.slice(0, MAX_CAUSE)}...` : cause}` : ''
  }); nothing was collected for this scope in this run`;
}

/** `collector` with the same scopes, whose every collection fails with the shard's failure. */
function failing(
  collector: AnyRunnableCollector,
  failure: NonNullable<ShardEvent['failure']>,
): AnyRunnableCollector {
  const message = failureLine(failure);
  return {
    ...collector,
    collect: async () => {
      throw new ShardFailedError(message);
    },
  };
}

export class ShardFailedError extends Error {
  override name = 'ShardFailedError';
}
