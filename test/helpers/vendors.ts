/** Helpers for the Okta and GitHub collector tests: a manual timer and a collector context. */
import { fixedClock } from '../../shared/clock.js';
import type { CollectorContext } from '../../shared/collectors/types.js';
import { type ConfigInput, parseConfig } from '../../shared/config.js';
import { type Logger, silentLogger } from '../../shared/log.js';
import type { Timer } from '../../shared/vendors/okta-client.js';

/** A timer whose sleep advances its own clock at once: tests never wait on the wall clock. */
export function manualTimer(start = Date.parse('2026-04-20T00:05:00.000Z')): Timer & { sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += Math.max(0, ms);
    },
    sleeps,
  };
}

export function testConfig(extra: Partial<ConfigInput>) {
  return parseConfig({ locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, ...extra });
}

export function collectorContext(
  config: ReturnType<typeof testConfig>,
  logger: Logger = silentLogger,
): CollectorContext {
  return {
    config,
    settings: undefined,
    clock: fixedClock('2026-04-20T00:05:00.000Z'),
    logger,
    stats: { requests: 0, pages: 0 },
  };
}
