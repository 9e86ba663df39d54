/**
 * `npm run bench -- okta-runs` (issue 21 item 6, the remaining limit): okta-users at 50,000 users
 * with `okta.users.factorReadsPerRun` at its default (3,600), run as the stack runs it with
 * `schedule.collectAgain` hourly: how many runs the first day needs until every user's factors
 * are read, and how many a steady-state day needs for its seventh; each run's simulated time
 * under Okta's 600/min (half kept free), which must stay within one 15-minute invocation.
 * Time is simulated as in identity-okta.bench.ts (one virtual clock for server and client).
 */
import { performance } from 'node:perf_hooks';
import { fixedClock } from '../shared/clock.js';
import { createOktaUsersCollector } from '../shared/collectors/okta-users/collector.js';
import { type OktaUsersData, readOktaUsersData } from '../shared/collectors/okta-users/data.js';
import { UsersSettingsSchema } from '../shared/collectors/okta-users/settings.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import type { Timer } from '../shared/vendors/okta-client.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
import type { Bench } from './run.js';

const USERS = 50_000;
const START = Date.parse('2026-04-20T00:05:00.000Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

export const oktaRunsBench: Bench = {
  name: 'okta-runs',
  async run() {
    let t = START;
    const timer: Timer = {
      now: () => t,
      sleep: async (ms) => {
        t += Math.max(0, ms);
      },
    };
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const server = await startOktaServer(makeOktaOrg({ users: USERS, groups: 2, membersPerGroup: 10 }), {
      clock: timer,
      rateLimit: { limit: 600, windowSeconds: 60 },
    });
    const t0 = performance.now();
    try {
      const config = parseConfig({
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-01-01' },
        okta: { orgUrl: server.url, concurrency: 3 },
      });
      const settings = UsersSettingsSchema.parse({});
      const collector = createOktaUsersCollector({
        timer,
        auth: () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN }),
      });
      const scope = collector.scopes(config, {})[0]!;
      let previous: { key: string; collectedAt: string; data: unknown } | undefined;
      const run = async (at: number) => {
        if (t < at) t = at;
        const start = t;
        const prev = previous;
        const before = server.stats.byEndpoint.listFactors ?? 0;
        const ctx: CollectorContext<never> = {
          config,
          settings: settings as never,
          clock: fixedClock(new Date(start)),
          logger: silentLogger,
          stats: { requests: 0, pages: 0 },
          previous: async () => prev,
        };
        const out = await collector.collect(scope, ctx);
        const data = readOktaUsersData(out.data) as OktaUsersData;
        previous = { key: `run-${start}`, collectedAt: new Date(start).toISOString(), data: out.data };
        return {
          minutes: (t - start) / 60_000,
          reads: (server.stats.byEndpoint.listFactors ?? 0) - before,
          requests: ctx.stats.requests,
          unknown: data.users.filter((u) => u.factors === null).length,
          oldestDays: Math.max(
            ...data.users.map((u) =>
              u.factorsReadAt ? (start - Date.parse(u.factorsReadAt)) / DAY : Infinity,
            ),
          ),
          status: out.status,
        };
      };
      const describe = (label: string, runs: Awaited<ReturnType<typeof run>>[]) =>
        console.log(
          `okta-users 50,000 users, factorReadsPerRun ${settings.factorReadsPerRun}, ${label}: ${runs.length} run(s) an hour apart; ` +
            `factor reads per run ${runs.map((r) => r.reads).join(', ')}; requests per run ${runs.map((r) => r.requests).join(', ')}; ` +
            `simulated minutes per run ${runs.map((r) => r.minutes.toFixed(1)).join(', ')} (longest ${Math.max(...runs.map((r) => r.minutes)).toFixed(1)}, limit 15); ` +
            `users with unknown factors after each run ${runs.map((r) => r.unknown).join(', ')}; oldest factor state at the last run ${runs.at(-1)!.oldestDays.toFixed(1)} days; ` +
            `last status ${runs.at(-1)!.status}`,
        );
      // Day 1: nothing carried over; hourly runs until every user has been read.
      const day1: Awaited<ReturnType<typeof run>>[] = [];
      do day1.push(await run(START + day1.length * HOUR));
      while (day1.at(-1)!.unknown > 0 && day1.length < 24);
      describe('day 1 (no previous snapshot)', day1);
      // Days 2-8: two runs a day (00:05, 01:05): the seventh fits.
      for (let d = 1; d <= 7; d++) {
        const runs = [await run(START + d * DAY), await run(START + d * DAY + HOUR)];
        if (d === 1 || d === 7) describe(`day ${d + 1} (steady state)`, runs);
      }
      console.log(
        `        measured here: ${((performance.now() - t0) / 1000).toFixed(0)} s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (collector and server in one process)`,
      );
    } finally {
      clearInterval(sampler);
      await server.stop();
    }
  },
};
