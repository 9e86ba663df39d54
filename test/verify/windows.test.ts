/**
 * Windows that tile the audit period (issue 24): github-changes snapshots state the window
 * they cover; a failed day is filled by the next run; a re-run covers nothing twice; verify
 * judges the series by the windows' coverage and reports holes, overlaps and future windows.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createGitHubChangesCollector } from '../../shared/collectors/github-changes/collector.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { parseConfig } from '../../shared/config.js';
import { addDays } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { verify } from '../../shared/verify/verify.js';
import { acmeChangesOrg } from '../fixtures/github/changes.js';
import { runCli } from '../helpers/cli.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { DEFAULT_GITHUB_TOKEN, type GitHubServer, startGitHubServer } from '../servers/github-server.js';

const D1 = '2026-05-21';
const D2 = '2026-05-22';
const D3 = '2026-05-23';
const D4 = '2026-05-24';
const D5 = '2026-05-25';
const CHANGES = COLLECTORS.filter((c) => c.id === 'github-changes');
const config = parseConfig(
  { locker: { retentionDays: 730 }, auditPeriod: { start: D1 }, github: { org: 'acme', changes: {} } },
  'test',
  COLLECTORS,
);
const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };

interface Window {
  from: string;
  to: string;
  days: number;
  after: string | null;
  note: string;
}

describe('github-changes windows tile the audit period', () => {
  let server: GitHubServer;
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    server = await startGitHubServer(acmeChangesOrg());
    dir = await mkdtemp(path.join(tmpdir(), 'windows-'));
    locker = new DirectoryLocker(dir);
  });
  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (at: string, fail = false) => {
    const collector = createGitHubChangesCollector({
      pacing,
      apiUrl: server.url,
      auth: () => {
        if (fail) throw new Error('GitHub answered 502 all night');
        return { kind: 'token', token: DEFAULT_GITHUB_TOKEN };
      },
    });
    const summary = await runCollectors({ config, locker, collectors: [collector], clock: fixedClock(at) });
    const [result] = summary.results;
    const { snapshot } = await readSnapshot<{ window: Window; mergedPullRequests: { id: string }[] }>(
      locker,
      result!.key,
    );
    return { key: result!.key, status: result!.status, snapshot };
  };
  const sealDay = (day: string) =>
    seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });

  /** Day 1 collected, day 2's run failed, day 3's run covers days 2 and 3; a re-run on day 3 covers nothing. */
  const failedDayTwo = async () => {
    const one = await run(`${D2}T00:05:00.000Z`);
    const two = await run(`${D3}T00:05:00.000Z`, true);
    const three = await run(`${D4}T00:05:00.000Z`);
    const rerun = await run(`${D4}T09:00:00.000Z`);
    for (const day of [D1, D2, D3, D4]) await sealDay(day);
    return { one, two, three, rerun };
  };

  it('a run that failed on day 2 and succeeded on day 3 yields windows day 1 and days 2–3, both sealed; verify OK', async () => {
    const { one, two, three } = await failedDayTwo();
    expect(one.snapshot.data.window).toMatchObject({
      from: `${D1}T00:00:00.000Z`,
      to: `${D2}T00:00:00.000Z`,
      days: 1,
      after: null,
    });
    expect(two.status).toBe('error');
    expect(three.snapshot.data.window).toMatchObject({
      from: `${D2}T00:00:00.000Z`,
      to: `${D4}T00:00:00.000Z`,
      days: 2,
      after: one.key,
    });
    expect(three.snapshot.data.window.note).toMatch(
      /covers 2 days, 2026-05-22 to 2026-05-23.*failed or did not run/,
    );
    // Day 2's changes are in the window of day 3's run, not lost.
    expect(three.snapshot.data.mergedPullRequests.map((p) => p.id)).toContain('acme/api#1');

    const result = await verify({
      locker,
      config,
      from: D1,
      to: D4,
      clock: fixedClock(`${D5}T06:00:00.000Z`),
      collectors: CHANGES,
    });
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    const [series] = result.series;
    // Evidence days 1-3 covered; day 4's window comes with day 5's run (not yet due).
    expect(series).toMatchObject({ presentDays: 3, expectedDays: 3, missing: [], failed: [] });
    expect(series!.days).toEqual([{ from: D1, to: D3, state: 'present' }]);
    expect(result.notes.join(' ')).toMatch(/github-changes\/github-acme: 1 last day\(s\) .* not yet covered/);
  });

  it('a re-run on day 3 adds no overlap: its window is empty', async () => {
    const { three, rerun } = await failedDayTwo();
    expect(rerun.status).toBe('ok');
    expect(rerun.snapshot.data.window).toMatchObject({
      from: `${D4}T00:00:00.000Z`,
      to: `${D4}T00:00:00.000Z`,
      days: 0,
      after: three.key,
    });
    expect(rerun.snapshot.data.window.note).toMatch(
      /^nothing to cover: the days through 2026-05-23 are covered by/,
    );
    expect(rerun.snapshot.data.mergedPullRequests).toEqual([]);
    const result = await verify({
      locker,
      config,
      from: D1,
      to: D4,
      clock: fixedClock(`${D5}T06:00:00.000Z`),
      collectors: CHANGES,
    });
    expect(result.integrity.filter((p) => p.problem === 'window-overlap')).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('a deleted window snapshot gives population-gap for its days', async () => {
    const { one } = await failedDayTwo();
    const file = path.join(dir, one.key);
    await chmod(file, 0o644);
    await rm(file);
    const result = await verify({
      locker,
      config,
      from: D1,
      to: D4,
      clock: fixedClock(`${D5}T06:00:00.000Z`),
      collectors: CHANGES,
    });
    expect(result.ok).toBe(false);
    expect(result.integrity.map((p) => [p.problem, p.key])).toEqual(
      expect.arrayContaining([
        ['deleted', one.key],
        ['population-gap', 'github-changes/github-acme'],
      ]),
    );
    expect(result.integrity.find((p) => p.problem === 'population-gap')!.detail).toMatch(
      /^evidence day\(s\) 2026-05-21 are in no window/,
    );
    expect(result.series[0]).toMatchObject({ missing: [D1], presentDays: 2 });
  });

  it('an overlapping window and a window that ends in the future are reported, never OK', async () => {
    await failedDayTwo();
    // A forged run on day 3 at 12:00 that claims days 2–4 (day 4 not over, days 2–3 already covered).
    const forged = makeSnapshot({
      collector: 'github-changes',
      scope: 'github-acme',
      collectedAt: `${D4}T12:00:00.000Z`,
      runId: 'forged000001',
      data: {
        window: {
          day: D4,
          from: `${D2}T00:00:00.000Z`,
          to: `${D5}T00:00:00.000Z`,
          days: 3,
          after: null,
          note: '',
        },
        mergedPullRequests: [],
      },
    });
    const written = await writeSnapshot(locker, forged, 730);
    await seal(locker, { day: D4, clock: fixedClock(`${D5}T04:00:00.000Z`), retentionDays: 730 });
    const result = await verify({
      locker,
      config,
      from: D1,
      to: D4,
      clock: fixedClock(`${D5}T06:00:00.000Z`),
      collectors: CHANGES,
    });
    expect(result.ok).toBe(false);
    const mine = result.integrity.filter((p) => p.key === written.key).map((p) => p.problem);
    expect(mine.sort()).toEqual(['window-in-future', 'window-overlap']);
  });

  it('collect --day refuses a day that has not ended (a window may not end in the future)', async () => {
    const configFile = path.join(dir, 'evidence.config.json');
    await writeFile(configFile, JSON.stringify(config));
    const refused = await runCli(
      ['collect', '--day', D4, '--store', path.join(dir, 'cli'), '--config', configFile],
      { clock: `${D4}T12:00:00.000Z` },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--day 2026-05-24: the day has not ended yet \(the last complete UTC day is 2026-05-23\)/,
    );
  });

  it('a late run for a scheduled slot covers up to the day before the slot, not the clock’s yesterday', async () => {
    await run(`${D2}T00:05:00.000Z`);
    const collector = createGitHubChangesCollector({
      pacing,
      apiUrl: server.url,
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
    });
    // The slot of day 3 (covering day 2), run a day late: it covers day 2 only.
    const summary = await runCollectors({
      config,
      locker,
      collectors: [collector],
      clock: fixedClock(`${D4}T08:00:00.000Z`),
      scheduledFor: new Date(`${D3}T00:05:00.000Z`),
    });
    const { snapshot } = await readSnapshot<{ window: Window }>(locker, summary.results[0]!.key);
    expect(snapshot.data.window).toMatchObject({
      from: `${D2}T00:00:00.000Z`,
      to: `${D3}T00:00:00.000Z`,
      days: 1,
    });
  });
});
