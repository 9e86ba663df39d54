/**
 * okta-users over the runs of a day (issue 21, item 6):
 * - the schedule's capacity: the runs a day the configuration schedules (schedule.collect and
 *   schedule.collectAgain, on by default) against the factor reads the org needs; when they cannot
 *   keep every user within the checks' 8 days, every snapshot says so (partial: the verify report
 *   lists it, the CollectionsFailed alarm fires), and users whose state drifted are named;
 * - a later run of the same day lists no user again: it reads the users Okta updated since the
 *   previous run (`filter=lastUpdated gt "…"`, every status) and the System Log's deletions, and
 *   merges them onto the previous snapshot's users; the result holds what a full listing holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import {
  capacityWarning,
  factorReadCapacity,
  scheduledRunsPerDay,
} from '../../shared/collectors/okta-users/capacity.js';
import { createOktaUsersCollector } from '../../shared/collectors/okta-users/collector.js';
import { type OktaUsersData, readOktaUsersData } from '../../shared/collectors/okta-users/data.js';
import { oktaDormantUsersCheck } from '../../shared/collectors/okta-users/okta-dormant-users.js';
import { oktaMfaEnrolledCheck } from '../../shared/collectors/okta-users/okta-mfa-enrolled.js';
import { type UsersSettings, UsersSettingsSchema } from '../../shared/collectors/okta-users/settings.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import type { PreviousSnapshot } from '../../shared/collectors/types.js';
import { type Config, DEFAULT_COLLECT_AGAIN, parseConfig } from '../../shared/config.js';
import { dailyFirings } from '../../shared/cron.js';
import { seal } from '../../shared/evidence/digest.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { verify } from '../../shared/verify/verify.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import {
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  type OktaServer,
  type OktaServerOptions,
  startOktaServer,
} from '../servers/okta-server.js';

const ssws = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-04-20T00:05:00.000Z');
const defaults = UsersSettingsSchema.parse({});
const schedule = (s: Partial<Config['schedule']>): Config['schedule'] => ({
  collect: 'cron(5 0 * * ? *)',
  seal: 'cron(0 3 * * ? *)',
  verify: 'cron(0 6 * * ? *)',
  collectAgain: DEFAULT_COLLECT_AGAIN,
  ...s,
});

describe('EventBridge cron: the minutes of a day an expression fires at', () => {
  it('reads minutes and hours as EventBridge documents them; a schedule that skips days is not daily', () => {
    expect(dailyFirings('cron(5 0 * * ? *)')).toEqual([5]);
    expect(dailyFirings('cron(35 0-6 * * ? *)')).toEqual([35, 95, 155, 215, 275, 335, 395]);
    expect(dailyFirings('cron(0/20 1 * * ? *)')).toEqual([60, 80, 100]);
    expect(dailyFirings('cron(*/30 22,23 ? * * *)')).toEqual([1320, 1350, 1380, 1410]);
    expect(dailyFirings('cron(0 0-12/6 * * ? *)')).toEqual([0, 360, 720]);
    // Not every day: weekdays only, the first of the month, one year.
    expect(dailyFirings('cron(5 0 ? * MON-FRI *)')).toBeUndefined();
    expect(dailyFirings('cron(5 0 1 * ? *)')).toBeUndefined();
    expect(dailyFirings('cron(5 0 * * ? 2026)')).toBeUndefined();
    // Unreadable or out of range.
    expect(dailyFirings('cron(60 0 * * ? *)')).toBeUndefined();
    expect(dailyFirings('cron(5 24 * * ? *)')).toBeUndefined();
    expect(dailyFirings('rate(1 hour)')).toBeUndefined();
  });
});

describe('okta-users: can the schedule keep every user within 8 days?', () => {
  it('counts the runs a day: the daily run and schedule.collectAgain (on by default), 15 minutes apart', () => {
    expect(scheduledRunsPerDay(schedule({}))).toBe(8);
    expect(scheduledRunsPerDay(schedule({ collectAgain: false }))).toBe(1);
    // Runs closer than 15 minutes would overlap (each spends half the budget): not counted.
    expect(scheduledRunsPerDay(schedule({ collectAgain: 'cron(*/5 1 * * ? *)' }))).toBe(1 + 4);
    expect(scheduledRunsPerDay(schedule({ collectAgain: 'cron(10 0 * * ? *)' }))).toBe(1);
    // The same minute as the daily run is the same run.
    expect(scheduledRunsPerDay(schedule({ collectAgain: 'cron(5 0,12 * * ? *)' }))).toBe(2);
    // A daily run on weekdays only cannot be counted on for a week.
    expect(scheduledRunsPerDay(schedule({ collect: 'cron(5 0 ? * MON-FRI *)', collectAgain: false }))).toBe(
      0,
    );
  });

  it('50,000 users with one run a day: not enough, and the warning names the numbers and the fix', () => {
    const one = schedule({ collectAgain: false });
    const capacity = factorReadCapacity(50_000, defaults, { schedule: one });
    expect(capacity).toEqual({ runsPerDay: 1, readsPerDay: 3600, neededPerDay: 7143, enough: false });
    const warning = capacityWarning(capacity, 50_000, defaults, { schedule: one });
    expect(warning).toMatch(/cannot keep every user's factors within 8 days/);
    expect(warning).toMatch(/50,000 users need 7,143 factor reads a day/);
    expect(warning).toMatch(/1 run\(s\) a day × okta\.users\.factorReadsPerRun 3,600 allow 3,600/);
    // The numbers and the fix come first: the digest and the verify report keep 300 characters.
    expect(warning!.slice(0, 300)).toMatch(
      /fix: at least 2 runs a day \(schedule\.collectAgain, now false\)/,
    );
    // The default schedule reads 28,800 a day: enough up to 201,600 users.
    const byDefault = factorReadCapacity(50_000, defaults, { schedule: schedule({}) });
    expect(byDefault).toEqual({ runsPerDay: 8, readsPerDay: 28_800, neededPerDay: 7143, enough: true });
    expect(capacityWarning(byDefault, 50_000, defaults, { schedule: schedule({}) })).toBeUndefined();
    expect(factorReadCapacity(201_600, defaults, { schedule: schedule({}) }).enough).toBe(true);
    expect(factorReadCapacity(201_607, defaults, { schedule: schedule({}) }).enough).toBe(false);
    // Up to fullFactorReadMaxUsers every user is read each day: one run suffices.
    expect(factorReadCapacity(3000, defaults, { schedule: one })).toEqual({
      runsPerDay: 1,
      readsPerDay: 3600,
      neededPerDay: 3000,
      enough: true,
    });
    // No run counted at all: never enough.
    expect(
      factorReadCapacity(10, defaults, {
        schedule: schedule({ collect: 'cron(5 0 1 * ? *)', collectAgain: false }),
      }).enough,
    ).toBe(false);
  });

  it('a shorter factor-state bound (checks.freshnessHours.oktaFactors) needs a larger share a day', () => {
    const checks = (oktaFactors: number) =>
      parseConfig({
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-01-01' },
        checks: { freshnessHours: { oktaFactors } },
      }).checks;
    // 72 h: every user within 2 days (the bound less a day), 25,000 reads a day.
    const short = { schedule: schedule({}), checks: checks(72) };
    expect(factorReadCapacity(50_000, defaults, short)).toEqual({
      runsPerDay: 8,
      readsPerDay: 28_800,
      neededPerDay: 25_000,
      enough: true,
    });
    const one = { schedule: schedule({ collectAgain: false }), checks: checks(72) };
    const warning = capacityWarning(factorReadCapacity(50_000, defaults, one), 50_000, defaults, one)!;
    expect(warning).toMatch(
      /within 3 days: 50,000 users need 25,000 factor reads a day.* fix: at least 7 runs a day/,
    );
    expect(warning).toMatch(
      /each user is read at least every 2 day\(s\) \(checks\.freshnessHours\.oktaFactors 72 h/,
    );
    // 100 h: 3 days (rounded down, less a day); the default 192 h: a week.
    expect(
      factorReadCapacity(30_000, defaults, { schedule: schedule({}), checks: checks(100) }).neededPerDay,
    ).toBe(10_000);
    expect(
      factorReadCapacity(70_000, defaults, { schedule: schedule({}), checks: checks(192) }).neededPerDay,
    ).toBe(10_000);
  });
});

describe('okta-users over the runs of a day (local Okta server)', () => {
  let server: OktaServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const setup = async (
    org: ReturnType<typeof makeOktaOrg>,
    settingsInput: Record<string, unknown> = {},
    configExtra: Record<string, unknown> = {},
    options: OktaServerOptions = {},
  ) => {
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer, ...options });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] }, ...configExtra });
    const settings = UsersSettingsSchema.parse(settingsInput) as UsersSettings;
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const scope = collector.scopes(config, {})[0]!;
    let previous: PreviousSnapshot | undefined;
    const s = server;
    const runAt = async (at: number, prev: PreviousSnapshot | undefined | null = previous) => {
      while (timer.now() < at) await timer.sleep(at - timer.now());
      const before = { ...s.stats.byEndpoint };
      const p = prev ?? undefined;
      const ctx = {
        ...collectorContext(config),
        clock: fixedClock(new Date(at)),
        settings,
        previous: async () => p,
      };
      const out = await collector.collect(scope, ctx);
      const data = readOktaUsersData(out.data);
      if (prev !== null)
        previous = {
          key: `snapshots/${new Date(at).toISOString()}`,
          collectedAt: new Date(at).toISOString(),
          data: out.data,
        };
      const requests = Object.fromEntries(
        Object.entries(s.stats.byEndpoint)
          .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
          .filter(([, v]) => v > 0),
      );
      return { out, data, requests, total: ctx.stats.requests };
    };
    return { timer, config, settings, runAt, org };
  };

  it('one run a day for more users than it can read: every snapshot warns (partial), and users past 8 days are named', async () => {
    // 30 users, 3 reads a run, one run a day: a seventh (5) does not fit; the cycle is 10 days.
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    org.logs = [];
    const { runAt, config } = await setup(
      org,
      { fullFactorReadMaxUsers: 10, factorReadsPerRun: 3 },
      { schedule: { collectAgain: false } },
    );
    let last: Awaited<ReturnType<typeof runAt>> | undefined;
    for (let d = 0; d <= 9; d++) {
      last = await runAt(T0 + d * DAY_MS);
      expect(last.out.status, `day ${d}`).toBe('partial');
      expect(last.data.factorReads.capacity).toEqual({
        runsPerDay: 1,
        readsPerDay: 3,
        neededPerDay: 5,
        enough: false,
      });
      expect(last.out.errors!.join('\n'), `day ${d}`).toMatch(
        /the schedule cannot keep every user's factors within 8 days: 30 users need 5 factor reads a day/,
      );
    }
    // Day 9: the users read on day 0 are 9 days old; named, and the check judges them unknown.
    const stale = last!.data.users.filter((u) => u.factorsReadAt === new Date(T0).toISOString());
    expect(stale).toHaveLength(3);
    expect(last!.out.errors!.join('\n')).toMatch(
      /the factor state of 3 user\(s\) who can sign in was read more than 192 h before this collection \(checks\.freshnessHours\.oktaFactors; oldest 2026-04-20T00:05:00.000Z\): they are judged unknown/,
    );
    const verdict = oktaMfaEnrolledCheck.run(
      makeSnapshot({
        collector: 'okta-users',
        scope: 'okta-127.0.0.1',
        collectedAt: new Date(T0 + 9 * DAY_MS).toISOString(),
        data: last!.data,
        status: 'partial',
      }) as Snapshot<OktaUsersData>,
      config,
    );
    expect(verdict.result).toBe('fail');
    for (const u of stale) expect(verdict.failing).toContain(u.login);
  });

  it('the warning reaches the verify report: the day is present but partial, and says why and what to do', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    org.logs = [];
    const timer = manualTimer(T0);
    server = await startOktaServer(org, { clock: timer });
    const config = parseConfig(
      {
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-01-01' },
        okta: {
          orgUrl: server.url,
          privilegedGroups: [],
          users: { fullFactorReadMaxUsers: 10, factorReadsPerRun: 3 },
        },
        schedule: { collectAgain: false },
      },
      'test',
      COLLECTORS,
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'okta-users-capacity-'));
    try {
      const locker = new DirectoryLocker(dir);
      const collector = createOktaUsersCollector({ timer, auth: ssws });
      const run = await runCollectors({
        config,
        locker,
        collectors: [collector],
        clock: fixedClock(new Date(T0)),
      });
      expect(run.results.map((r) => r.status)).toEqual(['partial']);
      await seal(locker, {
        day: '2026-04-20',
        clock: fixedClock('2026-04-21T03:00:00.000Z'),
        retentionDays: 730,
      });
      const result = await verify({
        locker,
        config,
        from: '2026-04-20',
        to: '2026-04-20',
        clock: fixedClock('2026-04-21T06:00:00.000Z'),
        collectors: [collector],
      });
      const series = result.series.find((x) => x.collector === 'okta-users')!;
      expect(series.presentDays).toBe(1);
      expect(series.partial).toHaveLength(1);
      expect(series.partial[0]!.missing.join('\n')).toMatch(
        /the schedule cannot keep every user's factors within 8 days: 30 users need 5 factor reads a day, 1 run\(s\) a day × okta\.users\.factorReadsPerRun 3 allow 3; fix: at least 2 runs a day/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with the default schedule the same org is not warned about', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    org.logs = [];
    const { runAt } = await setup(org, { fullFactorReadMaxUsers: 10, factorReadsPerRun: 3 });
    const first = await runAt(T0);
    expect(first.data.factorReads.capacity).toEqual({
      runsPerDay: 8,
      readsPerDay: 24,
      neededPerDay: 5,
      enough: true,
    });
    expect(first.out.errors!.join('\n')).not.toMatch(/cannot keep every user/);
  });

  it('the reads spread evenly once every user has been read: no day reads a bunch that fell due together', async () => {
    // 60 users, 5 reads a run, the default 8 runs a day: the first day reads 40, the second the
    // other 20. Users are due again at 6 days, so a steady day reads a sixth (10): before, the
    // days after read a seventh (9) and the 15 users of the second day not yet reread all fell
    // due on the same day (15, a quarter).
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 60 });
    org.logs = [];
    const { runAt, settings } = await setup(org, { fullFactorReadMaxUsers: 10, factorReadsPerRun: 5 });
    const slots = [0, 30, 90, 150, 210, 270, 330, 390].map((m) => m * 60_000);
    const perDay: number[] = [];
    let oldest = 0;
    for (let d = 0; d < 16; d++) {
      let reads = 0;
      for (const slot of slots) {
        const at = T0 + d * DAY_MS + slot;
        const run = await runAt(at);
        reads += run.requests.listFactors ?? 0;
        if (d < 2) continue;
        // From the third day on every user has factor state: every run ok, nobody stale.
        expect(run.out.status, `day ${d} ${run.out.errors?.join('; ')}`).toBe('ok');
        expect(run.data.factorReads.capacity?.enough).toBe(true);
        for (const u of run.data.users) oldest = Math.max(oldest, at - Date.parse(u.factorsReadAt!));
      }
      perDay.push(reads);
    }
    expect(settings.factorReadsPerRun).toBe(5);
    expect(perDay.slice(0, 2)).toEqual([40, 20]);
    // Every later day: the share, a sixth of the org, never a bunch.
    expect(perDay.slice(2)).toEqual(Array(14).fill(Math.ceil(60 / 6)));
    // Each user is read again at 6 days, within the runs' 6.5 hours: inside the checks' 8 days.
    expect(oldest).toBeLessThanOrEqual(6 * DAY_MS + 390 * 60_000);
    expect(oldest).toBeLessThan(192 * HOUR_MS);
  });

  it('a later run of the day lists nobody again, yet holds what a full listing holds: deactivated, changed, new and deleted users', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 30 });
    org.logs = [];
    // A leaver of last month, DEPROVISIONED (the first run reads it from the second list).
    const gone = org.users[5]!;
    Object.assign(gone, { status: 'DEPROVISIONED', statusChanged: '2026-03-20T10:00:00.000Z' });
    const { runAt } = await setup(org);
    const first = await runAt(T0);
    expect(first.data.users.find((u) => u.id === gone.id)!.status).toBe('DEPROVISIONED');
    expect(first.out.status, first.out.errors?.join('; ')).toBe('ok');
    expect(first.data.userListing).toMatchObject({ mode: 'full' });
    expect(first.requests.listFactors).toBe(30);
    expect(first.requests.listUsers).toBe(2);

    // Between the runs (00:05 and 00:35): a leaver is deactivated, a profile changes, a person
    // joins, a DEPROVISIONED user is deleted for good, a user enrols a factor, another signs in.
    const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
    const leaver = org.users[3]!;
    Object.assign(leaver, { status: 'DEPROVISIONED', statusChanged: at(10), lastUpdated: at(10) });
    const mover = org.users[4]!;
    mover.profile = { ...mover.profile, department: 'Finance' };
    mover.lastUpdated = at(11);
    const joiner = {
      ...org.users[0]!,
      id: '00u0000000000joiner1',
      login: 'joiner@example.com',
      created: at(12),
      activated: at(12),
      lastUpdated: at(12),
      lastLogin: null,
      factors: [factor('webauthn')],
    };
    org.users.push(joiner);
    const enrolled = org.users[6]!;
    enrolled.factors = [...(enrolled.factors ?? []), factor('webauthn')];
    org.logs.push({
      uuid: 'evt-0000000000000010',
      published: at(14),
      eventType: 'user.mfa.factor.activate',
      target: { id: enrolled.id, login: enrolled.login },
    });
    org.users.splice(org.users.indexOf(gone), 1);
    org.logs.push({
      uuid: 'evt-0000000000000011',
      published: at(15),
      eventType: 'user.lifecycle.delete.completed',
      target: { id: gone.id, login: gone.login },
    });
    const signedIn = org.users[7]!;
    signedIn.lastLogin = at(16); // a sign-in is no update: lastUpdated stays

    const second = await runAt(T0 + 30 * 60_000);
    expect(second.out.status, second.out.errors?.join('; ')).toBe('ok');
    // No full listing: one request for the updated users, the System Log twice (deletions, factor
    // events); factors of the new user and of the one the System Log names; policies as always.
    expect(second.requests.listUsers).toBe(1);
    expect(second.requests.listLogEvents).toBe(2);
    expect(second.requests.listFactors).toBe(2);
    expect(second.data.userListing).toEqual({
      mode: 'changes',
      listedAt: new Date(T0).toISOString(),
      readAt: at(30),
      previous: `snapshots/${new Date(T0).toISOString()}`,
      since: at(-5),
      changed: 3,
      deleted: 1,
    });
    expect(second.data.factorReads).toMatchObject({ mode: 'full', read: 2, carried: 28 });
    const byId = new Map(second.data.users.map((u) => [u.id, u]));
    expect(byId.get(leaver.id)).toMatchObject({ status: 'DEPROVISIONED', statusChanged: at(10) });
    expect(byId.get(mover.id)!.profile.department).toBe('Finance');
    expect(byId.get(joiner.id)).toMatchObject({ login: 'joiner@example.com', factorsReadAt: at(30) });
    expect(byId.has(gone.id)).toBe(false);
    expect(byId.get(enrolled.id)!.factors!.map((f) => f.type)).toContain('webauthn');
    expect(byId.get(enrolled.id)!.factorsReadAt).toBe(at(30));
    // The rest keep the factor state the first run read.
    expect(byId.get(org.users[8]!.id)!.factorsReadAt).toBe(new Date(T0).toISOString());
    // The sign-in is not in the changes: lastLogin is as of the day's first listing.
    expect(byId.get(signedIn.id)!.lastLogin).not.toBe(at(16));

    // What a full listing at the same moment holds: the same users, statuses and profiles.
    const full = await runAt(T0 + 30 * 60_000, null);
    expect(full.data.userListing!.mode).toBe('full');
    const view = (d: OktaUsersData) =>
      d.users
        .map((u) => ({
          id: u.id,
          login: u.login,
          status: u.status,
          profile: u.profile,
          changed: u.statusChanged,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(view(second.data)).toEqual(view(full.data));
    expect(second.data.totals).toEqual(full.data.totals);

    // A third run with nothing new: no user listed again, no factor read.
    const idle = await runAt(T0 + 90 * 60_000);
    expect(idle.out.status).toBe('ok');
    expect(idle.requests.listUsers).toBe(1);
    expect(idle.requests.listFactors).toBeUndefined();
    expect(idle.data.userListing).toMatchObject({ mode: 'changes', changed: 0, deleted: 0 });
    expect(idle.data.users).toHaveLength(30);
    expect(idle.total).toBeLessThan(20);

    // The next day's first run lists every user again.
    const nextDay = await runAt(T0 + DAY_MS);
    expect(nextDay.data.userListing).toMatchObject({ mode: 'full' });
    expect(nextDay.requests.listUsers).toBe(2);
    expect(nextDay.requests.listFactors).toBe(30);
  });

  it('lists every user again when the changes cannot be read, or the same-day snapshot cannot be built on', async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 12 });
    org.logs = [];
    const options: OktaServerOptions = {
      inject: { rawAnswer: { atRequest: [], status: 200, contentType: 'text/html', body: '<html>' } },
    };
    const { runAt } = await setup(org, {}, {}, options);
    const first = await runAt(T0);
    // The next request (the System Log's deletions of the later run) answers an HTML page.
    const sent = Object.values(server!.stats.byEndpoint).reduce((a, b) => a + b, 0);
    options.inject!.rawAnswer!.atRequest = [sent + 1];
    const second = await runAt(T0 + HOUR_MS);
    expect(second.data.userListing).toMatchObject({ mode: 'full' });
    expect(second.data.userListing!.why).toMatch(
      /its changes could not be read .* so every user was listed again/,
    );
    expect(second.requests.listUsers).toBe(2);
    expect(second.data.users).toHaveLength(first.data.users.length);

    // A same-day snapshot that did not read every user is not built on.
    const broken = { ...first.data, usersComplete: false };
    const third = await runAt(T0 + 2 * HOUR_MS, {
      key: 'snapshots/broken',
      collectedAt: new Date(T0 + HOUR_MS).toISOString(),
      data: broken,
    });
    expect(third.data.userListing).toMatchObject({ mode: 'full' });
    expect(third.data.userListing!.why).toMatch(/snapshots\/broken did not read every user/);
    // Nor one that recorded other profile attributes.
    const other = { ...first.data, profileAttributes: ['department'] };
    const fourth = await runAt(T0 + 3 * HOUR_MS, {
      key: 'snapshots/other',
      collectedAt: new Date(T0 + HOUR_MS).toISOString(),
      data: other,
    });
    expect(fourth.data.userListing!.why).toMatch(/okta\.users\.profileAttributes changed/);
    // An unreadable previous snapshot (a newer version): the whole list, every user's factors,
    // nothing lost, so nothing partial (in rolling mode it would be: no state to carry).
    const newer = await runAt(T0 + 4 * HOUR_MS, {
      key: 'snapshots/newer',
      collectedAt: new Date(T0 + HOUR_MS).toISOString(),
      data: { schema: 'evidence.okta-users/9' },
    });
    expect(newer.out.status).toBe('ok');
    expect(newer.requests.listFactors).toBe(12);
    // Nor one whose listing times are no instants (never a crash: the whole list is read).
    for (const userListing of [
      { ...first.data.userListing!, listedAt: 'yesterday' },
      { ...first.data.userListing!, readAt: 'soon' },
    ]) {
      const odd = await runAt(T0 + 4 * HOUR_MS, {
        key: 'snapshots/odd',
        collectedAt: new Date(T0 + HOUR_MS).toISOString(),
        data: { ...first.data, userListing },
      });
      expect(odd.out.status).toBe('ok');
      expect(odd.data.userListing).toMatchObject({ mode: 'full' });
      expect(odd.requests.listUsers).toBe(2);
    }
  });

  it('okta-dormant-users judges a later run from the day’s first listing, and no forged listedAt helps', () => {
    const config = testConfig({ okta: { orgUrl: 'https://acme.okta.com', privilegedGroups: [] } });
    const collectedAt = '2026-04-20T06:35:00.000Z';
    // Last sign-in 89 days and 23 hours before 06:35: not dormant at the 00:05 listing, nor at 06:35.
    const user = {
      id: '00u1',
      login: 'ann@example.com',
      status: 'ACTIVE',
      created: '2025-01-01T00:00:00.000Z',
      activated: '2025-01-01T00:00:00.000Z',
      statusChanged: null,
      lastLogin: '2026-01-20T07:35:00.000Z',
      passwordChanged: null,
      profile: {},
      factors: [],
      factorsReadAt: '2026-04-20T00:05:00.000Z',
    };
    const data = (listing: OktaUsersData['userListing']) =>
      ({
        schema: 'evidence.okta-users/1',
        orgUrl: 'https://acme.okta.com',
        auth: 'ssws',
        profileAttributes: [],
        usersComplete: true,
        users: [user],
        policyTypes: {
          OKTA_SIGN_ON: { complete: true },
          ACCESS_POLICY: { complete: true },
          MFA_ENROLL: { complete: true },
          PASSWORD: { complete: true },
        },
        policies: [],
        apps: [],
        groupNames: {},
        factorReads: { mode: 'full', read: 1, carried: 0 },
        ...(listing && { userListing: listing }),
        totals: { users: 1, byStatus: { ACTIVE: 1 }, policies: 0, rules: 0 },
      }) as OktaUsersData;
    const judge = (d: OktaUsersData, at = collectedAt) =>
      oktaDormantUsersCheck.run(
        makeSnapshot({
          collector: 'okta-users',
          scope: 'okta-acme.okta.com',
          collectedAt: at,
          data: d,
        }) as Snapshot<OktaUsersData>,
        config,
      ).result;
    const changes = {
      mode: 'changes' as const,
      listedAt: '2026-04-20T00:05:00.000Z',
      readAt: '2026-04-20T06:35:00.000Z',
    };
    expect(judge(data(changes))).toBe('pass');
    // At 08:00 it is 90 days: a full listing then fails it; a later run resting on 00:05 does not.
    expect(judge(data(undefined), '2026-04-20T08:00:00.000Z')).toBe('fail');
    expect(judge(data(changes), '2026-04-20T08:00:00.000Z')).toBe('pass');
    // A listedAt of another day, or after the snapshot, cannot be vouched for: collectedAt is used.
    expect(
      judge(data({ ...changes, listedAt: '2026-04-19T00:05:00.000Z' }), '2026-04-20T08:00:00.000Z'),
    ).toBe('fail');
    expect(
      judge(data({ ...changes, listedAt: '2026-04-20T09:00:00.000Z' }), '2026-04-20T08:00:00.000Z'),
    ).toBe('fail');
    // The first run of the day (full) is judged at collectedAt as always.
    expect(judge(data({ ...changes, mode: 'full' }), '2026-04-20T08:00:00.000Z')).toBe('fail');
  });
});
