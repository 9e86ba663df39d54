/**
 * The fan-out's two steps, as plain functions so that a test, the bench and (later) a
 * Step Functions Distributed Map run the very same code:
 *
 * - plan: resolve the environment once (discover the organization), write the
 *   `organization` snapshot, and cut the in-scope accounts into shards of `size` accounts;
 * - shard: collect every AWS collector over the shard's accounts only, under the shard's own
 *   deadline. A scope not finished by then is an `error` snapshot that says so (the runner's
 *   deadline), never a silent absence; the other shards are not affected.
 *
 * Shards need `aws.organization`: the inventory the plan discovered travels with each shard,
 * so every shard collects from the same list the `organization` snapshot recorded.
 */
import type { OrganizationInventory } from '../aws/organization.js';
import { ConfigError } from '../errors.js';
import { type RunOptions, type RunSummary, runCollectors } from './runner.js';
import { type AnyRunnableCollector, isEnabled, type ScopeEnvironment } from './types.js';

export interface AwsShard {
  /** shard-0001, ...: for logs and the state machine's item ids. */
  id: string;
  accounts: string[];
}

export interface AwsPlan {
  environment: ScopeEnvironment;
  shards: AwsShard[];
  /** The run that wrote the organization snapshot. */
  organization: RunSummary;
}

/** Accounts per shard by default: 17 regions × 4 collectors ≈ 90 requests an account. */
const DEFAULT_SHARD_ACCOUNTS = 5;

export function cutShards(inventory: OrganizationInventory, size = DEFAULT_SHARD_ACCOUNTS): AwsShard[] {
  const ids = inventory.accounts.filter((a) => a.inScope).map((a) => a.id);
  const shards: AwsShard[] = [];
  for (let i = 0; i < ids.length; i += size) {
    shards.push({
      id: `shard-${String(shards.length + 1).padStart(4, '0')}`,
      accounts: ids.slice(i, i + size),
    });
  }
  return shards;
}

/** Plan: discover once, write the organization snapshot, cut the shards. */
export async function planAwsRun(
  options: Omit<RunOptions, 'only'> & {
    scopeEnvironment: NonNullable<RunOptions['scopeEnvironment']>;
    shardAccounts?: number;
  },
): Promise<AwsPlan> {
  if (!options.config.aws?.organization) {
    throw new ConfigError(
      'sharded AWS collection needs "aws": { "organization": {...} } in the configuration',
    );
  }
  const { collectors } = options;
  const environment = await options.scopeEnvironment(
    collectors.filter((c) => c.source === 'aws'),
    options.config,
  );
  const organization = await runCollectors({
    ...options,
    collectors,
    only: ['organization'],
    scopeEnvironment: async () => environment,
  });
  const shards = environment.organization ? cutShards(environment.organization, options.shardAccounts) : [];
  return { environment, shards, organization };
}

/** Shard: every AWS collector (but `organization`) over the shard's accounts, by its deadline. */
export async function runAwsShard(
  options: Omit<RunOptions, 'only' | 'scopeEnvironment'> & { shard: AwsShard; environment: ScopeEnvironment },
): Promise<RunSummary> {
  const { shard, environment } = options;
  const inventory = environment.organization;
  if (!inventory) {
    throw new ConfigError('a shard needs the organization its plan discovered (environment.organization)');
  }
  const mine = new Set(shard.accounts);
  const restricted: ScopeEnvironment = {
    ...environment,
    organization: {
      ...inventory,
      accounts: inventory.accounts.map((a) => ({ ...a, inScope: a.inScope && mine.has(a.id) })),
    },
  };
  const { collectors } = options;
  const only = collectors
    .filter((c: AnyRunnableCollector) => c.source === 'aws' && c.id !== 'organization')
    .filter((c) => isEnabled(c, options.config))
    .map((c) => c.id);
  // aws.accounts entries refine organization accounts (name, role, external id) and stay;
  // entries outside the organization are not sharded (the plan's inventory does not list them).
  const inOrg = new Set(inventory.accounts.map((a) => a.id));
  const aws = options.config.aws;
  const config = aws
    ? { ...options.config, aws: { ...aws, accounts: aws.accounts.filter((a) => inOrg.has(a.id)) } }
    : options.config;
  return runCollectors({ ...options, config, collectors, only, scopeEnvironment: async () => restricted });
}
