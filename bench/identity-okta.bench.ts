/**
 * `npm run bench -- identity` (Okta part, issue 21): the okta and okta-users collectors of one day
 * against the local Okta server, at 1,000 users and at 50,000 users × 2,000 groups.
 *
 * How the figures are made: both collectors run for real (HTTP client, pagination, the pacing
 * that keeps half of each endpoint's budget free) against the local server, whose rate limit is
 * Okta's shape at 600 requests per minute per endpoint. Time is simulated: one virtual clock
 * drives the server's windows and the client's waits (a wait for a window's reset advances it at
 * once), so "wall time" is the time the request plan needs under those limits, HTTP latency
 * left out; "at 600/min flat" is requests ÷ 600. Requests and the peak per endpoint and window
 * are the server's own counts. Peak RSS is the whole bench process (collectors and the server
 * in one process), sampled every 20 ms.
 *
 * Beyond okta.users.fullFactorReadMaxUsers (5,000) okta-users reads factors on a rolling
 * schedule, at most okta.users.factorReadsPerRun (3,600) a run: shown here is the day's first run
 * (no previous snapshot); the runs of a day and the steady state are `npm run bench -- okta-runs`.
 */
import { performance } from 'node:perf_hooks';
import { fixedClock } from '../shared/clock.js';
import { createOktaCollector } from '../shared/collectors/okta/collector.js';
import { createOktaUsersCollector } from '../shared/collectors/okta-users/collector.js';
import type { OktaUsersData } from '../shared/collectors/okta-users/data.js';
import { UsersSettingsSchema } from '../shared/collectors/okta-users/settings.js';
import type { CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { silentLogger } from '../shared/log.js';
import type { Timer } from '../shared/vendors/okta-client.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
import type { Bench } from './run.js';

const LIMIT = 600;
const START = Date.parse('2026-04-20T00:05:00.000Z');

function virtualTimer(): Timer & { elapsed(): number } {
  let t = START;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
    elapsed: () => t - START,
  };
}

async function day(label: string, org: { users: number; groups: number; membersPerGroup: number }) {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const timer = virtualTimer();
  const server = await startOktaServer(makeOktaOrg(org), {
    clock: timer,
    rateLimit: { limit: LIMIT, windowSeconds: 60 },
  });
  try {
    const config = parseConfig({
      locker: { retentionDays: 730 },
      auditPeriod: { start: '2026-01-01' },
      okta: { orgUrl: server.url, concurrency: 3 },
    });
    const auth = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });
    const ctx = (settings: unknown): CollectorContext<never> => ({
      config,
      settings: settings as never,
      clock: fixedClock(new Date(START)),
      logger: silentLogger,
      stats: { requests: 0, pages: 0 },
    });
    const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
    const t0 = performance.now();
    const groups = createOktaCollector({ timer, auth });
    const groupsOut = await groups.collect(groups.scopes(config, {})[0]!, ctx(undefined));
    const groupsRequests = server.stats.requests;
    const groupsTime = timer.elapsed();
    const groupsPeak = { ...server.stats.peakPerWindow };
    const groupsPeakTop = Object.entries(groupsPeak).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
    const users = createOktaUsersCollector({ timer, auth });
    let previous: { key: string; collectedAt: string; data: unknown } | undefined;
    const days = 1;
    for (let d = 0; d < days; d++) {
      const before = { ...server.stats.byEndpoint };
      const requestsBefore = server.stats.requests;
      server.stats.peakPerWindow = {};
      const start = timer.elapsed();
      const prev = previous;
      const collectedAt = new Date(START + start);
      const usersOut = await users.collect(users.scopes(config, {})[0]!, {
        ...ctx(UsersSettingsSchema.parse({})),
        clock: fixedClock(collectedAt),
        previous: async () => prev,
      });
      const data = usersOut.data as OktaUsersData;
      const by = Object.entries(server.stats.byEndpoint).map(([k, v]) => [k, v - (before[k] ?? 0)] as const);
      const peak = Object.entries({ ...groupsPeak, ...server.stats.peakPerWindow }).sort(
        (a, b) => b[1] - a[1],
      )[0]!;
      const usersRequests = server.stats.requests - requestsBefore;
      const requests = usersRequests + groupsRequests;
      console.log(
        `okta    ${label}${org.users > 5000 ? ", day 1, the day's first run (no previous snapshot)" : ''}: ` +
          `${org.users.toLocaleString('en')} users, ${org.groups.toLocaleString('en')} groups × ${org.membersPerGroup} members ` +
          `(okta ${groupsOut.status}, okta-users ${usersOut.status}; factors ${data.factorReads.mode}: ${data.factorReads.read.toLocaleString('en')} read, ${data.factorReads.carried.toLocaleString('en')} carried)\n` +
          `        requests per day ${requests.toLocaleString('en')} (okta ${groupsRequests.toLocaleString('en')}, okta-users ${usersRequests.toLocaleString('en')}: ${by
            .filter(([k, v]) => v > 0 && !['listGroups', 'listGroupUsers'].includes(k))
            .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
            .join(', ')})\n` +
          `        peak per endpoint and minute ${peak[1]} (${peak[0]}) against the limit ${LIMIT} (${((peak[1] / LIMIT) * 100).toFixed(0)} %); okta collector alone ${groupsPeakTop[1]} (${groupsPeakTop[0]}, ${((groupsPeakTop[1] / LIMIT) * 100).toFixed(0)} %); 429s ${server.stats.rateLimited}\n` +
          `        wall time under the limits, simulated: okta ${minutes(groupsTime)}, okta-users ${minutes(timer.elapsed() - start)}; ` +
          `at 600/min flat: ${minutes((requests / 600) * 60_000)}`,
      );
      previous = { key: `day-${d + 1}`, collectedAt: collectedAt.toISOString(), data: usersOut.data };
      // The next day's run starts a day later.
      await timer.sleep(Math.max(0, START + (d + 1) * 86_400_000 - timer.now()));
    }
    console.log(
      `        measured here (local server, no latency): ${((performance.now() - t0) / 1000).toFixed(1)} s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (collectors and server in one process)`,
    );
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

export const identityOktaBench: Bench = {
  name: 'identity',
  async run() {
    await day('1,000 users', { users: 1000, groups: 50, membersPerGroup: 40 });
    await day('50,000 users × 2,000 groups', { users: 50_000, groups: 2000, membersPerGroup: 50 });
  },
};
