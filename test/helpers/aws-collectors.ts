/** Helpers for the AWS collector tests: config, one collection, a snapshot to judge, a denied region. */
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../shared/clock.js';
import { fixedClock } from '../../shared/clock.js';
import type {
  CollectorContext,
  CollectResult,
  RunnableCollector,
  Scope,
} from '../../shared/collectors/types.js';
import { type Config, type ConfigInput, parseConfig } from '../../shared/config.js';
import { dayOf } from '../../shared/evidence/days.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../shared/evidence/snapshot.js';
import { type Logger, silentLogger } from '../../shared/log.js';

export function awsTestConfig(
  aws: NonNullable<ConfigInput['aws']>,
  extra: Partial<ConfigInput> = {},
): Config {
  return parseConfig({
    locker: { retentionDays: 730 },
    aws,
    auditPeriod: { start: '2026-01-01' },
    ...extra,
  });
}

export interface Collected<D> {
  result: CollectResult<D>;
  stats: { requests: number; pages: number };
  snapshot: Snapshot<D>;
}

/** Run one collector over one scope directly (no locker) and wrap the result as a snapshot. */
export async function collectOnce<S extends Scope, D>(
  collector: RunnableCollector<S, D>,
  scope: S,
  options: { config: Config; clock?: Clock; logger?: Logger },
): Promise<Collected<D>> {
  const clock = options.clock ?? fixedClock(new Date());
  const stats = { requests: 0, pages: 0 };
  const ctx: CollectorContext = {
    config: options.config,
    settings: undefined,
    clock,
    logger: options.logger ?? silentLogger,
    stats,
  };
  const collectedAt = clock.now();
  const result = await collector.collect(scope, ctx);
  const snapshot: Snapshot<D> = {
    schema: SNAPSHOT_SCHEMA,
    collector: collector.id,
    scope: scope.id,
    day: dayOf(collectedAt),
    collectedAt: collectedAt.toISOString(),
    controls: [...collector.controls],
    status: result.status ?? 'ok',
    errors: result.errors ?? [],
    stats: { requests: stats.requests, items: result.items, pages: stats.pages, durationMs: 1 },
    tool: { name: 'evidence-locker', version: 'test' },
    runId: 'test00000001',
    data: result.data,
  };
  return { result, stats, snapshot };
}

// biome-ignore lint/suspicious/noExplicitAny: any SDK client class and command class
type AnyClass = new (...args: any[]) => any;

/**
 * The emulator has no IAM enforcement (moto only enforces when switched on for the whole
 * server, which would break the other test files sharing it), so a region whose calls are
 * denied is made with aws-sdk-client-mock: calls in `region` are refused with
 * AccessDeniedException, every other call goes through to the emulator unchanged.
 */
export function denyRegion(
  Client: AnyClass,
  commands: readonly AnyClass[],
  region: string,
  exception: (message: string) => Error,
): { restore(): void } {
  const realSend = Client.prototype.send as (this: unknown, command: unknown) => Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: the stub is typed per client class
  const stub = mockClient(Client as any);
  for (const Command of commands) {
    // biome-ignore lint/suspicious/noExplicitAny: command classes of any client
    (stub as any).on(Command).callsFake(async (input: unknown, getClient: () => any) => {
      const client = getClient();
      const where = await client.config.region();
      if (where === region) {
        throw exception(
          `User: arn:aws:sts::000000000000:assumed-role/collector/evidence-locker is not authorized to perform: ${Command.name.replace(/Command$/, '')} in ${region}`,
        );
      }
      return realSend.call(client, new Command(input));
    });
  }
  return stub;
}
