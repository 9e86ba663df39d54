/**
 * `npm run bench -- okta-runs` (issue 21 item 6): okta-users at 50,000 users with
 * `okta.users.factorReadsPerRun` at its default (3,600), run as the stack runs it by default:
 * `schedule.collect` at 00:05 and `schedule.collectAgain` (default `cron(35 0-6 * * ? *)`) at
 * 00:35 … 06:35 UTC, 8 runs a day, for 8 days. Per run: factor reads, requests, simulated minutes
 * (Okta's 600/min, half kept free; one 15-minute invocation at most), users whose factors are
 * unknown, how the user list was read (the day's first run lists every user; later runs read only
 * the users updated since and the System Log's deletions). Also the peak per endpoint and minute
 * against the limit, the oldest factor state on day 8, the factor reads of each day (even once every
 * user has been read: a sixth of the org) and the bytes each run's snapshot holds (an idle later run
 * too: every snapshot is complete evidence on its own). Time is simulated as in
 * identity-okta.bench.ts (one virtual clock for server and client). The one-run-a-day case is
 * the capacity planner's (capacity.ts): the warning every snapshot would carry.
 */
import { performance } from 'node:perf_hooks';
import { fixedClock } from '../shared/clock.js';
import { capacityWarning, factorReadCapacity } from '../shared/collectors/okta-users/capacity.js';
import { createOktaUsersCollector } from '../shared/collectors/okta-users/collector.js';
import { type OktaUsersData, readOktaUsersData } from '../shared/collectors/okta-users/data.js';
import { UsersSettingsSchema } from '../shared/collectors/okta-users/settings.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { canonicalBytes } from '../shared/evidence/canonical.js';
import { silentLogger } from '../shared/log.js';
import type { Timer } from '../shared/vendors/okta-client.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
import type { Bench } from './run.js';

const USERS = 50_000;
const START = Date.parse('2026-04-20T00:05:00.000Z');
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
        server.stats.peakPerWindow = {};
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
          // What the run writes: the snapshot's data in canonical form (the envelope adds < 1 KB).
          bytes: canonicalBytes(out.data).length,
          listing: data.userListing?.mode === 'changes' ? `changes (${data.userListing.changed})` : 'full',
          peak: Object.entries(server.stats.peakPerWindow).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0],
        };
      };
      const describe = (label: string, runs: Awaited<ReturnType<typeof run>>[]) =>
        console.log(
          `okta-users 50,000 users, factorReadsPerRun ${settings.factorReadsPerRun}, ${label}: ${runs.length} run(s) (00:05, then hourly from 00:35); ` +
            `user list per run ${runs.map((r) => r.listing).join(', ')}; ` +
            `factor reads per run ${runs.map((r) => r.reads).join(', ')}; requests per run ${runs.map((r) => r.requests).join(', ')}; ` +
            `simulated minutes per run ${runs.map((r) => r.minutes.toFixed(1)).join(', ')} (longest ${Math.max(...runs.map((r) => r.minutes)).toFixed(1)}, limit 15); ` +
            `users with unknown factors after each run ${runs.map((r) => r.unknown).join(', ')}; oldest factor state at the last run ${runs.at(-1)!.oldestDays.toFixed(1)} days; ` +
            `statuses ${runs.map((r) => r.status).join(', ')}; snapshot bytes per run ${runs.map((r) => r.bytes.toLocaleString('en')).join(', ')}; peak per endpoint and minute ${Math.max(...runs.map((r) => r.peak[1]))} (${runs.find((r) => r.peak[1] === Math.max(...runs.map((x) => x.peak[1])))!.peak[0]}) against the limit 600`,
        );
      // The default schedule: 00:05, then 00:35 … 06:35 (schedule.collectAgain).
      const slots = [0, 30, 90, 150, 210, 270, 330, 390].map((m) => m * 60_000);
      const perDay: { reads: number; requests: number }[] = [];
      for (let d = 0; d < 8; d++) {
        const runs: Awaited<ReturnType<typeof run>>[] = [];
        for (const slot of slots) runs.push(await run(START + d * DAY + slot));
        perDay.push({
          reads: runs.reduce((n, r) => n + r.reads, 0),
          requests: runs.reduce((n, r) => n + r.requests, 0),
        });
        if (d === 0 || d === 1 || d === 7)
          describe(`day ${d + 1}${d === 0 ? ' (no previous snapshot)' : ' (steady state)'}`, runs);
      }
      console.log(
        `        factor reads per day (days 1-8): ${perDay.map((p) => p.reads.toLocaleString('en')).join(', ')}; okta-users requests per day: ${perDay.map((p) => p.requests.toLocaleString('en')).join(', ')}`,
      );
      const one = parseConfig({
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-01-01' },
        okta: { orgUrl: server.url },
        schedule: { collectAgain: false },
      }).schedule;
      const capacity = factorReadCapacity(USERS, settings, { schedule: one });
      console.log(
        `        one run a day (schedule.collectAgain false): ${capacity.readsPerDay.toLocaleString('en')} reads a day against ${capacity.neededPerDay.toLocaleString('en')} needed: every snapshot partial with "${capacityWarning(capacity, USERS, settings, { schedule: one })!.slice(0, 120)}…"`,
      );
      console.log(
        `        measured here: ${((performance.now() - t0) / 1000).toFixed(0)} s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (collector and server in one process)`,
      );
    } finally {
      clearInterval(sampler);
      await server.stop();
    }
  },
};
