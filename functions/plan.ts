/**
 * The fan-out's first step (the state machine's `Plan` state, infra/constructs/fan-out.ts),
 * on schedule: find the AWS accounts of the day (STS; with `aws.organization` the AWS
 * Organizations walk and the `organization` snapshot; without it the listed `aws.accounts`),
 * and cut the accounts to collect into shards: the items of the Distributed Map, each run by
 * functions/shard.ts.
 *
 * Input: the Scheduler's input (scheduledTime, ...), passed on by the state machine.
 * Output: the run id and the credentials' own account every shard shares, and the shards,
 * which carry account ids only (a state's payload is limited to 256 KiB; the inventory is in
 * the organization snapshot). A discovery that failed is recorded in the organization
 * snapshot and fails the invocation: no shard runs on an account list that cannot be trusted.
 *
 * Environment: EVIDENCE_STORE, EVIDENCE_CONFIG (the layer's file; `aws.fanOut.shardAccounts`
 * accounts a shard, default 5), POWERTOOLS_* (service evidence-collect: the collector metrics).
 * IAM: the Organizations read actions the organization collector declares, the locker's
 * snapshots/ prefix (write-once), sts:GetCallerIdentity (needs no grant).
 */
import { awsScopeEnvironment } from '../shared/aws/identity.js';
import organization from '../shared/collectors/organization/collector.js';
import { newRunId, type RunOptions } from '../shared/collectors/runner.js';
import { type AwsShard, DEFAULT_SHARD_ACCOUNTS, planAwsRun } from '../shared/collectors/shards.js';
import {
  countSnapshots,
  deadlineOf,
  type FanOutDeps,
  FanOutError,
  type LambdaContext,
  lazyRuntime,
  STATE_PAYLOAD_LIMIT,
} from './fan-out.js';
import { parseScheduledEvent } from './scheduled-event.js';

export interface PlanOutput {
  /** Every snapshot of the run (the organization's and every shard's) carries it. */
  runId: string;
  /** The slot the schedule fired for (ISO). */
  scheduledFor: string;
  /** The account of the credentials in use: collected without a role. */
  defaultAccountId: string;
  /** The organization snapshot; null without `aws.organization` (listed accounts only). */
  organization: { key: string; status: string; accounts: number; inScope: number } | null;
  /** Accounts to collect, across all shards. */
  accounts: number;
  shards: AwsShard[];
}

export interface PlanDeps extends FanOutDeps {
  /** How the environment is resolved (default: STS and the organization walk). */
  scopeEnvironment?: NonNullable<RunOptions['scopeEnvironment']>;
}

export function createHandler(
  deps: PlanDeps = {},
): (event: unknown, context?: LambdaContext) => Promise<PlanOutput> {
  // The bundle holds the organization collector's code and no other collector's.
  const runtime = lazyRuntime(deps, [organization]);
  return async (event, context) => {
    const { config, locker, collectors, logger, clock, deadlineTimer, metrics } = runtime();
    const run = parseScheduledEvent(event, clock.now());
    const runId = newRunId();
    const deadline = deadlineOf(context, clock);
    logger.info('plan start', { runId, scheduledFor: run.scheduledFor.toISOString() });
    try {
      const plan = await planAwsRun({
        config,
        locker,
        collectors,
        clock,
        logger,
        runId,
        scopeEnvironment: deps.scopeEnvironment ?? awsScopeEnvironment,
        shardAccounts: config.aws?.fanOut?.shardAccounts ?? DEFAULT_SHARD_ACCOUNTS,
        ...(deadline && { deadline, deadlineTimer }),
      });
      countSnapshots(metrics, plan.organization);
      const defaultAccountId = plan.environment.defaultAccountId;
      let organization: PlanOutput['organization'] = null;
      if (config.aws?.organization) {
        const snapshot = plan.organization.results.find((r) => r.collector === 'organization');
        const inventory = plan.environment.organization;
        if (snapshot?.status !== 'ok' || !inventory || !defaultAccountId) {
          const why =
            snapshot?.error ??
            (plan.organization.skipped.map((s) => s.reason).join('; ') ||
              'no organization snapshot was written');
          throw new FanOutError(
            `the organization could not be discovered, so no account is collected: ${why}`,
          );
        }
        organization = {
          key: snapshot.key,
          status: snapshot.status,
          accounts: inventory.accounts.length,
          inScope: inventory.accounts.filter((a) => a.inScope).length,
        };
      }
      if (!defaultAccountId)
        throw new FanOutError(
          'the AWS account of the credentials in use is unknown: no account is collected',
        );
      const output: PlanOutput = {
        runId,
        scheduledFor: run.scheduledFor.toISOString(),
        defaultAccountId,
        organization,
        accounts: plan.shards.reduce((n, s) => n + s.accounts.length, 0),
        shards: plan.shards,
      };
      const bytes = Buffer.byteLength(JSON.stringify(output));
      if (bytes > STATE_PAYLOAD_LIMIT) {
        throw new FanOutError(
          `the plan lists ${output.accounts} accounts in ${output.shards.length} shards: ${bytes} bytes, past Step Functions' ${STATE_PAYLOAD_LIMIT}-byte state payload (about 12,000 accounts); narrow aws.organization.ous or split the organization across stacks (docs/scale.md)`,
        );
      }
      logger.info('plan done', {
        runId,
        organization: output.organization,
        accounts: output.accounts,
        shards: output.shards.length,
        bytes,
      });
      return output;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler = createHandler();
