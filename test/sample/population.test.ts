import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createGitHubChangesCollector } from '../../shared/collectors/github-changes/collector.js';
import { changesPopulation } from '../../shared/collectors/github-changes/population.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { seal } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { occurrenceSampleSize, rankItem, samplePopulation } from '../../shared/sample/population.js';
import { acmeChangesOrg, COLLECTED_AT, changesConfig, DAY, NEXT_DAY } from '../fixtures/github/changes.js';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_GITHUB_TOKEN, type GitHubServer, startGitHubServer } from '../servers/github-server.js';

const changes = { ticketPattern: 'CHG-\\d{4}-\\d{4}|OPS-\\d+' };

describe('sample --population changes', () => {
  let server: GitHubServer;
  let dir: string;
  let store: string;
  let configFile: string;
  beforeEach(async () => {
    server = await startGitHubServer(acmeChangesOrg());
    dir = await mkdtemp(path.join(tmpdir(), 'population-'));
    store = path.join(dir, 'locker');
    configFile = path.join(dir, 'evidence.config.json');
    const config = changesConfig(changes);
    await writeFile(configFile, JSON.stringify(config));
    const locker = new DirectoryLocker(store);
    const collector = createGitHubChangesCollector({
      pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
      auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
      apiUrl: server.url,
    });
    await runCollectors({ config, locker, collectors: [collector], clock: fixedClock(COLLECTED_AT) });
    await seal(locker, { day: NEXT_DAY, clock: fixedClock(`${NEXT_DAY}T03:00:00.000Z`), retentionDays: 730 });
  });
  afterEach(async () => {
    await server.stop();
  });

  it('draws merged changes (not days) whose merge time is in the window, from the next day’s snapshot', async () => {
    const config = changesConfig(changes);
    const report = await samplePopulation({
      locker: new DirectoryLocker(store),
      config,
      population: changesPopulation,
      from: DAY,
      to: DAY,
      seed: 'audit-1',
    });
    // #1..#6 merged on DAY into main; #7 (the day before), #8 (release) and #9 (open) are not changes of the window.
    expect(report.populationSize).toBe(6);
    expect(report.size).toBe(occurrenceSampleSize(6));
    expect(report.size).toBe(5);
    const expected = ['acme/api#1', 'acme/api#2', 'acme/api#3', 'acme/api#4', 'acme/api#5', 'acme/api#6']
      .sort((a, b) => (rankItem('audit-1', 'changes', a) < rankItem('audit-1', 'changes', b) ? -1 : 1))
      .slice(0, 5);
    expect(report.samples.map((s) => s.id).sort()).toEqual(expected.sort());
    const verdicts = Object.fromEntries(report.samples.map((s) => [s.id, s.verdict]));
    const want: Record<string, string> = {
      'acme/api#1': 'pass',
      'acme/api#2': 'fail',
      'acme/api#3': 'fail',
      'acme/api#4': 'fail',
      'acme/api#5': 'pass',
      'acme/api#6': 'fail',
    };
    for (const [id, verdict] of Object.entries(verdicts)) expect(verdict, id).toBe(want[id]);
    for (const s of report.samples) {
      expect(s.key).toMatch(new RegExp(`^snapshots/${NEXT_DAY}/github-changes/github-acme/`));
      expect(s.digestKey).not.toBeNull();
    }
    // The same seed draws the same changes; the window that excludes the day draws none.
    const again = await samplePopulation({
      locker: new DirectoryLocker(store),
      config,
      population: changesPopulation,
      from: DAY,
      to: DAY,
      seed: 'audit-1',
    });
    expect(again.samples.map((s) => s.id)).toEqual(report.samples.map((s) => s.id));
    const before = await samplePopulation({
      locker: new DirectoryLocker(store),
      config,
      population: changesPopulation,
      from: '2026-05-01',
      to: '2026-05-20',
      seed: 'audit-1',
    });
    expect(before.populationSize).toBe(0);
  });

  it('writes a workpaper listing each sampled change with URL, author, approvers, merge time, record and verdict', async () => {
    const out = path.join(dir, 'wp');
    const run = await runCli(
      [
        'sample',
        '--population',
        'changes',
        '--from',
        DAY,
        '--to',
        DAY,
        '--seed',
        'audit-1',
        '--size',
        '6',
        '--store',
        store,
        '--config',
        configFile,
        '--out',
        out,
      ],
      { clock: `${NEXT_DAY}T12:00:00.000Z` },
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(1); // some changes fail
    expect(run.stdout).toMatch(/6 of 6 changes \(--size 6\), .*: 2 pass, 4 fail/);
    const md = await readFile(path.join(out, 'workpaper.md'), 'utf8');
    expect(md).toContain('[acme/api\\#5](https://github.com/acme/api/pull/5)');
    expect(md).toContain(
      '| appsec-oncall | engineering-manager | platform-release-engineer | 2026-05-22T10\\:30\\:00Z | CHG-2026-0522 | yes | **pass** |',
    );
    expect(md).toMatch(/acme\/api\\#6\].*\*\*fail\*\* \| emergency change without a linked change record/);
    expect(md).toContain(
      'npx evidence sample --population changes --from 2026-05-22 --to 2026-05-22 --seed audit-1 --size 6',
    );
    const csv = await readFile(path.join(out, 'samples.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'id,url,author,approvers,merged by,merged at,linked record,emergency,verdict,detail,snapshot,sha256,digest',
    );
  });

  it('an unknown population is a usage error naming the known ones', async () => {
    const run = await runCli(['sample', '--population', 'deploys', '--store', store, '--config', configFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such population; known: changes/);
  });
});
