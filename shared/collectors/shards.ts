/**
 * The fan-out's two steps, as plain functions so that a test, the bench and the Step
 * Functions Distributed Map (functions/plan.ts, functions/shard.ts, infra/constructs/fan-out.ts)
 * run the very same code:
 *
 * - plan: resolve the environment once (with `aws.organization`: discover the organization
 *   and write the `organization` snapshot), and cut the accounts to collect into shards of
 *   `size` accounts: the organization's in-scope accounts and any `aws.accounts` entry outside
 *   it, or without an organization the credentials' own account and every `aws.accounts`
 *   entry; the credentials' own account first (the same list and order an unsharded run
 *   collects);
 * - shard: collect every AWS collector over the shard's accounts only, under the shard's own
 *   deadline. A scope not finished by then is an `error` snapshot that says so (the runner's
 *   deadline), never a silent absence; the other shards are not affected.
 *
 * A shard carries account ids only (a Step Functions state's payload is limited to 256 KB:
 * the inventory of 1,000 accounts would not fit, their ids do), and needs nothing from the
 * plan but those ids and the credentials' own account: the role, external id and name of an
 * account come from the configuration, as in an unsharded run.
 */
import { awsAccounts } from '../aws/accounts.js';
import { ConfigError } from '../errors.js';
import { newRunId, type RunOptions, type RunSummary, runCollectors } from './runner.js';
import { type AnyCollector, isEnabled, type ScopeEnvironment } from './types.js';

export interface AwsShard {
  /** shard-0001, ...: for logs and the state machine's item ids. */
  id: string;
  /** 12-digit account ids. */
  accounts: string[];
}

export interface AwsPlan {
  environment: ScopeEnvironment;
  /** Empty when the organization could not be discovered (its snapshot says why). */
  shards: AwsShard[];
  /** The run that wrote the organization snapshot (no result without `aws.organization`). */
  organization: RunSummary;
}

/** Accounts per shard by default: 17 regions × 4 collectors ≈ 90 requests an account. */
export const DEFAULT_SHARD_ACCOUNTS = 5;

export function cutShards(accountIds: readonly string[], size = DEFAULT_SHARD_ACCOUNTS): AwsShard[] {
  if (!Number.isInteger(size) || size < 1) {
    throw new ConfigError(`shard size ${size}: expected a whole number of accounts, at least 1`);
  }
  const shards: AwsShard[] = [];
  for (let i = 0; i < accountIds.length; i += size) {
    shards.push({
      id: `shard-${String(shards.length + 1).padStart(4, '0')}`,
      accounts: accountIds.slice(i, i + size),
    });
  }
  return shards;
}

/** Plan: resolve the environment once (discover, write the organization snapshot), cut the shards. */
export async function planAwsRun(
  options: Omit<RunOptions, 'only'> & {
    scopeEnvironment: NonNullable<RunOptions['scopeEnvironment']>;
    shardAccounts?: number;
  },
): Promise<AwsPlan> {
  if (!options.config.aws) {
    throw new ConfigError('sharded AWS collection needs an "aws" section in the configuration');
  }
  const { collectors } = options;
  const environment = await options.scopeEnvironment(
    collectors.filter((c) => c.source === 'aws'),
    options.config,
  );
  const discovered = options.config.aws.organization !== undefined;
  const organization = discovered
    ? await runCollectors({
        ...options,
        collectors,
        only: ['organization'],
        scopeEnvironment: async () => environment,
      })
    : { runId: options.runId ?? newRunId(), results: [], skipped: [] };
  // Without the organization no account list can be trusted: no shard (the snapshot says why).
  const shards =
    !discovered || environment.organization
      ? cutShards(
          awsAccounts(options.config, environment).map((a) => a.accountId),
          options.shardAccounts,
        )
      : [];
  return { environment, shards, organization };
}

/** The collectors a shard runs: every enabled AWS collector but `organization` (the plan's). */
export function shardCollectors(config: RunOptions['config'], collectors: readonly AnyCollector[]): string[] {
  return collectors
    .filter((c) => c.source === 'aws' && c.id !== 'organization')
    .filter((c) => isEnabled(c, config))
    .map((c) => c.id);
}

/** Shard: every AWS collector (but `organization`) over the shard's accounts, by its deadline. */
export async function runAwsShard(
  options: Omit<RunOptions, 'only' | 'scopeEnvironment'> & {
    shard: AwsShard;
    /** The account of the credentials in use (the plan's), collected without a role. */
    defaultAccountId: string;
  },
): Promise<RunSummary> {
  const { shard, defaultAccountId } = options;
  const environment: ScopeEnvironment = { defaultAccountId, shardAccounts: shard.accounts };
  const { collectors } = options;
  const only = shardCollectors(options.config, collectors);
  // An empty --only means "every collector": a shard with no AWS collector to run runs none.
  if (only.length === 0) return { runId: options.runId ?? newRunId(), results: [], skipped: [] };
  return runCollectors({
    ...options,
    collectors,
    only,
    scopeEnvironment: async () => environment,
  });
}
