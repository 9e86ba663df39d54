/**
 * okta-users beyond okta.users.fullFactorReadMaxUsers: the previous snapshot's factor state is
 * carried over, the System Log's factor and lifecycle events since then make those users read
 * again, and a rolling share keeps every user read at least weekly; each user carries
 * `factorsReadAt`. A System Log that cannot be read leaves carried state unknown (failing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createOktaUsersCollector } from '../../shared/collectors/okta-users/collector.js';
import { type OktaUsersData, readOktaUsersData } from '../../shared/collectors/okta-users/data.js';
import { oktaMfaEnrolledCheck } from '../../shared/collectors/okta-users/okta-mfa-enrolled.js';
import { type UsersSettings, UsersSettingsSchema } from '../../shared/collectors/okta-users/settings.js';
import type { PreviousSnapshot } from '../../shared/collectors/types.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import {
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  type OktaServer,
  startOktaServer,
} from '../servers/okta-server.js';

const ssws = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });
const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-04-20T00:05:00.000Z');

describe('okta-users rolling factor reads (more users than fullFactorReadMaxUsers)', () => {
  let server: OktaServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  it('reads every user on the first day, then the System Log events and a sixth a day (due at six days), evenly; everyone within a week', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 70 });
    org.logs = [];
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const settings = UsersSettingsSchema.parse({ fullFactorReadMaxUsers: 20 }) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const scope = collector.scopes(config, {})[0]!;
    const lastRead = new Map<string, number>();
    let previous: PreviousSnapshot | undefined;
    const changer = org.users[40]!;
    for (let d = 0; d < 9; d++) {
      const at = T0 + d * DAY_MS;
      // The server's clock is the collector's: keep it at the day's collection time.
      while (timer.now() < at) await timer.sleep(at - timer.now());
      if (d === 3) {
        // Day 3: a user enrols a new factor just before the run.
        changer.factors = [...(changer.factors ?? []), factor('webauthn')];
        org.logs.push({
          uuid: 'evt-0000000000000001',
          published: new Date(at - 60_000).toISOString(),
          eventType: 'user.mfa.factor.activate',
          target: { id: changer.id, login: changer.login },
        });
      }
      const before = server.stats.byEndpoint.listFactors ?? 0;
      const prev = previous;
      const out = await collector.collect(scope, {
        ...collectorContext(config),
        clock: fixedClock(new Date(at)),
        settings,
        previous: async () => prev,
      });
      expect(out.status, out.errors?.join('; ')).toBe('ok');
      const data = readOktaUsersData(out.data);
      const reads = (server.stats.byEndpoint.listFactors ?? 0) - before;
      expect(data.factorReads.mode).toBe('rolling');
      if (d === 0)
        expect(reads).toBe(70); // nothing to carry over yet
      else {
        // A sixth (12: users fall due at six days), plus the one the System Log named; never
        // the 70 read on day 0 falling due together on day 6.
        expect(reads).toBeLessThanOrEqual(12 + (d === 3 ? 1 : 0));
        expect(data.factorReads.carried).toBe(70 - reads);
        expect(data.factorEvents).toMatchObject({ since: previous!.collectedAt, events: d === 3 ? 1 : 0 });
      }
      for (const u of data.users) {
        expect(u.factors, u.login).not.toBeNull();
        expect(u.factorsReadAt, u.login).not.toBeNull();
        if (u.factorsReadAt === new Date(at).toISOString()) lastRead.set(u.id, at);
        // Never more than a week since a user's factors were read.
        expect(at - Date.parse(u.factorsReadAt!), u.login).toBeLessThanOrEqual(7 * DAY_MS);
      }
      if (d === 3) {
        const u = data.users.find((x) => x.id === changer.id)!;
        expect(u.factorsReadAt).toBe(new Date(at).toISOString());
        expect(u.factors!.map((f) => f.type)).toEqual(['push', 'webauthn']);
      }
      previous = { key: `snapshots/day${d}`, collectedAt: new Date(at).toISOString(), data: out.data };
    }
    expect(lastRead.size).toBe(70);
  });

  it('a System Log that cannot be read: carried state is unknown (the snapshot is partial and the check fails), the budget is kept', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    const timer = manualTimer(T0 + DAY_MS);
    server = await startOktaServer(org, {
      clock: timer,
      inject: { rawAnswer: { atRequest: [3], status: 200, contentType: 'text/html', body: '<html>' } },
    });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const settings = UsersSettingsSchema.parse({ fullFactorReadMaxUsers: 10 }) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const yesterday: OktaUsersData = {
      ...(await (async () => {
        const t = manualTimer(T0);
        const s = await startOktaServer(org, { clock: t });
        try {
          const c = createOktaUsersCollector({ timer: t, auth: ssws });
          const cfg = testConfig({ okta: { orgUrl: s.url, privilegedGroups: [] } });
          return (await c.collect(c.scopes(cfg, {})[0]!, { ...collectorContext(cfg), settings })).data;
        } finally {
          await s.stop();
        }
      })()),
    };
    const out = await collector.collect(collector.scopes(config, {})[0]!, {
      ...collectorContext(config),
      clock: fixedClock(new Date(T0 + DAY_MS)),
      settings,
      previous: async () => ({
        key: 'snapshots/yesterday',
        collectedAt: new Date(T0).toISOString(),
        data: yesterday,
      }),
    });
    expect(out.status).toBe('partial');
    expect(out.errors!.join(' ')).toMatch(/System Log's factor events since .* could not be read/);
    const data = readOktaUsersData(out.data);
    expect(server.stats.byEndpoint.listFactors).toBe(Math.ceil(30 / 6));
    const unknown = data.users.filter((u) => u.factors === null);
    expect(unknown).toHaveLength(30 - Math.ceil(30 / 6));
    const verdict = oktaMfaEnrolledCheck.run(
      makeSnapshot({
        collector: 'okta-users',
        scope: 'okta-127.0.0.1',
        collectedAt: new Date(T0 + DAY_MS).toISOString(),
        data,
        status: 'partial',
      }) as Snapshot<OktaUsersData>,
      config,
    );
    expect(verdict.result).toBe('fail');
    expect(verdict.failing).toHaveLength(unknown.length);
  });

  it('carried factor state older than checks.freshnessHours.oktaFactors: partial, naming the users and the age; the check fails them as unknown', async () => {
    // Day 0 reads all 12; nine days later a run may read 3: the other 9 keep 9-day-old state.
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 12 });
    org.logs = [];
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer });
    const settings = UsersSettingsSchema.parse({
      fullFactorReadMaxUsers: 1,
      factorReadsPerRun: 12,
    }) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const run = async (
      config: ReturnType<typeof testConfig>,
      at: number,
      budget: number,
      prev?: PreviousSnapshot,
    ) => {
      while (timer.now() < at) await timer.sleep(at - timer.now());
      return collector.collect(collector.scopes(config, {})[0]!, {
        ...collectorContext(config),
        clock: fixedClock(new Date(at)),
        settings: { ...settings, factorReadsPerRun: budget },
        previous: async () => prev,
      });
    };
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const day0 = await run(config, T0, 12);
    expect(day0.status ?? 'ok').toBe('ok');
    const previous = { key: 'snapshots/day0', collectedAt: new Date(T0).toISOString(), data: day0.data };
    const at = T0 + 9 * DAY_MS;
    const out = await run(config, at, 3, previous);
    expect(out.status).toBe('partial');
    const data = readOktaUsersData(out.data);
    const stale = data.users.filter((u) => u.factorsReadAt === new Date(T0).toISOString());
    expect(stale).toHaveLength(9);
    expect(out.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the factor state of 9 user\\(s\\) who can sign in was read more than 192 h before this collection \\(checks\\.freshnessHours\\.oktaFactors; oldest 2026-04-20T00:05:00\\.000Z\\): they are judged unknown: ${stale[0]!.login.replace(/[.]/g, '\\.')}.*; oldest: .*its factors were last read at 2026-04-20T00:05:00\\.000Z, 216 h \\(9 days\\) before the collection`,
        ),
      ),
    ]);
    const verdict = oktaMfaEnrolledCheck.run(
      makeSnapshot({
        collector: 'okta-users',
        scope: 'okta-127.0.0.1',
        collectedAt: new Date(at).toISOString(),
        data,
        status: 'partial',
      }) as Snapshot<OktaUsersData>,
      config,
    );
    expect(verdict.result).toBe('fail');
    expect([...verdict.failing].sort()).toEqual(stale.map((u) => u.login).sort());
    expect(verdict.detail).toMatch(
      /factors unknown: its factors were last read at 2026-04-20T00:05:00\.000Z, 216 h \(9 days\)/,
    );

    // The same state within a configured bound of 10 days (240 h) is fresh: ok, and judged.
    const lenient = testConfig({
      okta: { orgUrl: server.url, privilegedGroups: [] },
      checks: { freshnessHours: { oktaFactors: 240 } },
    });
    const again = await run(lenient, at + 3_600_000, 3, previous);
    expect(again.status ?? 'ok', again.errors?.join('; ')).toBe('ok');
  });

  it('a shorter factor-state bound: the share is the org over the whole days until a user is due (72 h: half a day)', async () => {
    // checks.freshnessHours.oktaFactors 72 h: users are due at 48 h, so half the org a day,
    // read evenly (before: a seventh, then everyone else at once on the second day).
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 20 });
    org.logs = [];
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer });
    const config = testConfig({
      okta: { orgUrl: server.url, privilegedGroups: [] },
      checks: { freshnessHours: { oktaFactors: 72 } },
    });
    const settings = UsersSettingsSchema.parse({ fullFactorReadMaxUsers: 1 }) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    let previous: PreviousSnapshot | undefined;
    const reads: number[] = [];
    for (let d = 0; d < 6; d++) {
      const at = T0 + d * DAY_MS;
      while (timer.now() < at) await timer.sleep(at - timer.now());
      const before = server.stats.byEndpoint.listFactors ?? 0;
      const prev = previous;
      const out = await collector.collect(collector.scopes(config, {})[0]!, {
        ...collectorContext(config),
        clock: fixedClock(new Date(at)),
        settings,
        previous: async () => prev,
      });
      expect(out.status, out.errors?.join('; ')).toBe('ok');
      reads.push((server.stats.byEndpoint.listFactors ?? 0) - before);
      for (const u of readOktaUsersData(out.data).users)
        expect(at - Date.parse(u.factorsReadAt!), u.login).toBeLessThanOrEqual(2 * DAY_MS);
      previous = { key: `snapshots/day${d}`, collectedAt: new Date(at).toISOString(), data: out.data };
    }
    expect(reads).toEqual([20, 10, 10, 10, 10, 10]);
  });

  it('more reads due than one run may make (okta.users.factorReadsPerRun): the next runs resume, most urgent first, and the runs of a day share its sixth', async () => {
    // 30 users, 8 factor reads a run: the first day needs 4 runs; later days a sixth (5).
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    org.logs = [];
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const settings = UsersSettingsSchema.parse({
      fullFactorReadMaxUsers: 100,
      factorReadsPerRun: 8,
    }) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const scope = collector.scopes(config, {})[0]!;
    let previous: PreviousSnapshot | undefined;
    const runAt = async (at: number) => {
      while (timer.now() < at) await timer.sleep(at - timer.now());
      const before = server!.stats.byEndpoint.listFactors ?? 0;
      const prev = previous;
      const out = await collector.collect(scope, {
        ...collectorContext(config),
        clock: fixedClock(new Date(at)),
        settings,
        previous: async () => prev,
      });
      const data = readOktaUsersData(out.data);
      previous = { key: `snapshots/${at}`, collectedAt: new Date(at).toISOString(), data: out.data };
      return { out, data, reads: (server!.stats.byEndpoint.listFactors ?? 0) - before };
    };

    // Day 0: four runs an hour apart; each reads at most 8, those never read first.
    const first = await runAt(T0);
    expect(first.reads).toBe(8);
    // Fewer users than fullFactorReadMaxUsers, but more than one run may read: rolling.
    expect(first.data.factorReads).toEqual({
      mode: 'rolling',
      read: 8,
      carried: 0,
      deferred: 22,
      budget: 8,
      capacity: { runsPerDay: 8, readsPerDay: 64, neededPerDay: 5, enough: true },
    });
    expect(first.out.status).toBe('partial');
    expect(first.out.errors!.join(' ')).toMatch(
      /22 user\(s\) had no usable factor state .* the next run reads them first/,
    );
    const deferred = first.data.users.filter((u) => u.factors === null);
    expect(deferred).toHaveLength(22);
    expect(deferred[0]!.factorsError).toMatch(/deferred to the next run: this run's 8 factor reads/);
    // Judged unknown, never passed.
    const verdict = oktaMfaEnrolledCheck.run(
      makeSnapshot({
        collector: 'okta-users',
        scope: 'okta-127.0.0.1',
        collectedAt: new Date(T0).toISOString(),
        data: first.data,
        status: 'partial',
      }) as Snapshot<OktaUsersData>,
      config,
    );
    expect(verdict.result).toBe('fail');
    for (const u of deferred) expect(verdict.failing).toContain(u.login);

    const counts = [first.reads];
    let last = first;
    for (let run = 1; run < 4; run++) {
      last = await runAt(T0 + run * 3_600_000);
      counts.push(last.reads);
    }
    // 8 + 8 + 8 + 6: every user read on the first day; nothing read twice.
    expect(counts).toEqual([8, 8, 8, 6]);
    expect(last.out.status).toBe('ok');
    expect(last.data.users.every((u) => u.factors !== null)).toBe(true);
    // A fifth run that day reads nobody: the day's sixth is already read.
    expect((await runAt(T0 + 4 * 3_600_000)).reads).toBe(0);

    // The next days: a sixth (5) in the first run, nothing in the second; after a week, all.
    const readAt = new Map<string, string>();
    for (let d = 1; d <= 7; d++) {
      const a = await runAt(T0 + d * DAY_MS);
      const b = await runAt(T0 + d * DAY_MS + 3_600_000);
      expect(a.reads, `day ${d}`).toBeLessThanOrEqual(8);
      expect(b.reads, `day ${d}, second run`).toBe(0);
      for (const u of b.data.users) {
        readAt.set(u.id, u.factorsReadAt!);
        expect(T0 + d * DAY_MS - Date.parse(u.factorsReadAt!), u.login).toBeLessThanOrEqual(7 * DAY_MS);
      }
    }
    expect([...readAt.values()].every((t) => Date.parse(t) > T0 + 3 * 3_600_000)).toBe(true);
  });
});
