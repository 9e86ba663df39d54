import { execSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import {
  type ChangeRecordsData,
  createChangeRecordsCollector,
} from '../../shared/collectors/change-records/collector.js';
import { emergencyChangeGateCheck } from '../../shared/collectors/change-records/emergency-change-gate.js';
import { createGitHubChangesCollector } from '../../shared/collectors/github-changes/collector.js';
import { changesPopulation } from '../../shared/collectors/github-changes/population.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { seal } from '../../shared/evidence/digest.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { fileSha256 } from '../../shared/sample/files.js';
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

  it('a window with days no snapshot covers is an incomplete population: no pass (population-gap)', async () => {
    const config = changesConfig(changes);
    // The run of NEXT_DAY covers up to DAY; NEXT_DAY's changes come with a run not yet made.
    const report = await samplePopulation({
      locker: new DirectoryLocker(store),
      config,
      population: changesPopulation,
      from: DAY,
      to: NEXT_DAY,
      seed: 'audit-1',
    });
    expect(report.populationGaps).toEqual([NEXT_DAY]);
    expect(report.notes.join(' ')).toMatch(/population-gap: no snapshot read .* covers 2026-05-23/);
    const run = await runCli(
      [
        'sample',
        '--population',
        'changes',
        '--from',
        DAY,
        '--to',
        NEXT_DAY,
        '--seed',
        'audit-1',
        '--store',
        store,
        '--config',
        configFile,
      ],
      { clock: `${NEXT_DAY}T23:00:00.000Z` },
    );
    expect(run.code).toBe(1);
    // The window the snapshots cover has no gap.
    expect(
      (
        await samplePopulation({
          locker: new DirectoryLocker(store),
          config,
          population: changesPopulation,
          from: DAY,
          to: DAY,
          seed: 'audit-1',
        })
      ).populationGaps,
    ).toEqual([]);
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
      '| appsec-oncall | engineering-manager | platform-release-engineer | 2026-05-22T10\\:30\\:00Z | CHG-2026-0522 | yes | change-peer-reviewed pass; emergency-change-gate pass | **pass** |',
    );
    expect(md).toMatch(
      /acme\/api\\#6\].*\*\*fail\*\* \| change-peer-reviewed\\: pass .*emergency-change-gate\\: fail .*emergency change without a linked change record or ticket/,
    );
    expect(md).toContain(
      'npx evidence sample --population changes --from 2026-05-22 --to 2026-05-22 --seed audit-1 --size 6',
    );
    const csv = await readFile(path.join(out, 'samples.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'id,url,author,approvers,merged by,merged at,linked record,emergency,checks,verdict,detail,snapshot,sha256,digest',
    );
  });

  const draw = (seed: string, out: string | undefined, clock: string, extra: string[] = []) =>
    runCli(
      [
        'sample',
        '--population',
        'changes',
        '--from',
        DAY,
        '--to',
        DAY,
        '--seed',
        seed,
        '--store',
        store,
        '--config',
        configFile,
        ...(out ? ['--out', path.join(dir, out)] : []),
        ...extra,
      ],
      { clock },
    );

  it('--out: the signed record lists the workpaper files; verify-report passes them and fails a changed byte', async () => {
    const run = await draw('audit-1', 'wp-files', `${NEXT_DAY}T12:00:00.000Z`);
    expect(run.code, run.stderr).toBe(1); // some changes fail
    const key = `reports/sample/20260523T120000000Z_${DAY}_${DAY}.json`;
    const out = path.join(dir, 'wp-files');
    const record = JSON.parse(await readFile(path.join(store, key), 'utf8'));
    expect(record.files.map((f: { path: string }) => f.path)).toEqual([
      'samples.csv',
      'samples.json',
      'workpaper.md',
    ]);
    for (const f of record.files) expect(f.sha256).toBe(await fileSha256(path.join(out, f.path)));
    // Nothing is left staged beside --out.
    expect((await readdir(dir)).filter((n) => n.startsWith('wp-files.writing-'))).toEqual([]);
    const md = await readFile(path.join(out, 'workpaper.md'), 'utf8');
    expect(md).toContain(`| Run recorded in the locker | \`${key}\` (write-once, signed) |`);

    const verify = (target: string) =>
      runCli(['verify-report', target, '--json', '--store', store, '--config', configFile]);
    const clean = await verify(out);
    expect(clean.code, clean.stdout).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      ok: true,
      record: key,
      namedBy: 'workpaper.md',
      signature: 'valid',
      listed: 3,
      matched: 3,
      problems: [],
    });

    // One byte changed in samples.csv (a verdict flipped): the copy is no longer the recorded one.
    const copy = path.join(dir, 'wp-files-copy');
    await cp(out, copy, { recursive: true });
    const csvFile = path.join(copy, 'samples.csv');
    const csv = await readFile(csvFile, 'utf8');
    expect(csv).toContain(',fail,');
    await writeFile(csvFile, csv.replace(',fail,', ',pass,'));
    const altered = await verify(copy);
    expect(altered.code).toBe(1);
    const doc = JSON.parse(altered.stdout);
    expect(doc.problems.map((p: { problem: string; file: string }) => `${p.problem} ${p.file}`)).toEqual([
      'altered samples.csv',
    ]);
    expect(doc.matched).toBe(2);
  });

  it('every run is recorded in the locker, signed and write-once; a second draw lists the first in its workpaper', async () => {
    const first = await draw('audit-1', 'wp1', `${NEXT_DAY}T12:00:00.000Z`);
    expect(first.code).toBe(1);
    const key = `reports/sample/20260523T120000000Z_${DAY}_${DAY}.json`;
    expect(first.stderr).toContain(`recorded in the locker: ${key} (signed)`);
    const record = JSON.parse(await readFile(path.join(store, key), 'utf8'));
    expect(record).toMatchObject({
      schema: 'evidence.population-sample-run/1',
      population: 'changes',
      seed: 'audit-1',
      seedChosenBy: 'given',
      populationSize: 6,
      size: 5,
      earlier: [],
    });
    expect(record.samples).toHaveLength(5);
    expect(record.configSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.command).toContain('--seed audit-1');
    const keys = await readdir(path.join(store, 'keys'));
    expect(
      execSync(`openssl dgst -sha256 -verify keys/${keys[0]} -signature ${key}.sig ${key}`, {
        cwd: store,
        encoding: 'utf8',
      }),
    ).toBe('Verified OK\n');
    const firstMd = await readFile(path.join(dir, 'wp1', 'workpaper.md'), 'utf8');
    expect(firstMd).toContain('None recorded in the locker before this run.');
    expect(firstMd).toContain(key);

    // Seed shopping: a second draw with another seed, the same millisecond (write-once: a new key).
    const second = await draw('audit-2', 'wp2', `${NEXT_DAY}T12:00:00.000Z`);
    expect(second.stderr).toContain('1 earlier sample run(s) over this window');
    expect(second.stderr).toMatch(/seed audit-1 population changes: \d\/5 pass/);
    const secondKey = /recorded in the locker: (\S+)/.exec(second.stderr)![1]!;
    expect(secondKey).not.toBe(key);
    expect(secondKey).toMatch(
      /^reports\/sample\/20260523T120000000Z-[0-9a-f]{8}_2026-05-22_2026-05-22\.json$/,
    );
    expect(JSON.parse(await readFile(path.join(store, key), 'utf8')).seed).toBe('audit-1'); // not overwritten
    expect(JSON.parse(await readFile(path.join(store, secondKey), 'utf8')).earlier).toEqual([key]);
    const md = await readFile(path.join(dir, 'wp2', 'workpaper.md'), 'utf8');
    const earlier = md.split('## Earlier sample runs over this period')[1]!.split('\n## ')[0]!;
    expect(earlier).toMatch(
      /\| 2026-05-23T12:00:00\.000Z \| 2026-05-22 to 2026-05-22 \| audit-1 \| population changes \| \d\/5 pass \|/,
    );
    expect(earlier).not.toMatch(/SIGNATURE|UNSIGNED|UNTRUSTED/);
  });

  it('an altered population record is flagged wherever records are listed (CLI and workpaper)', async () => {
    await draw('audit-1', undefined, `${NEXT_DAY}T12:00:00.000Z`);
    const key = `reports/sample/20260523T120000000Z_${DAY}_${DAY}.json`;
    const file = path.join(store, key);
    const body = await readFile(file, 'utf8');
    await chmod(file, 0o644);
    // The forger makes the earlier draw look clean.
    await writeFile(file, body.replace(/"pass": ?\d+/, '"pass": 5').replace(/"fail": ?\d+/, '"fail": 0'));
    const next = await draw('audit-2', 'wp', `${NEXT_DAY}T13:00:00.000Z`);
    expect(next.stderr).toMatch(
      /seed audit-1 population changes: 5\/5 pass \(.*BAD SIGNATURE: the record or its signature was altered\)/,
    );
    const md = await readFile(path.join(dir, 'wp', 'workpaper.md'), 'utf8');
    expect(md).toMatch(/audit-1 .*\*\*BAD SIGNATURE\\?: the record or its signature was altered\*\*/);
    // A record with its signature removed reads as unsigned.
    await chmod(`${file}.sig`, 0o644);
    const { unlink } = await import('node:fs/promises');
    await unlink(`${file}.sig`);
    const again = await draw('audit-3', undefined, `${NEXT_DAY}T14:00:00.000Z`);
    expect(again.stderr).toMatch(/seed audit-1 population changes: .*UNSIGNED/);
  });

  it('a re-run with a recorded seed under a changed configuration is refused naming both hashes, unless accepted', async () => {
    const first = await draw('audit-1', undefined, `${NEXT_DAY}T12:00:00.000Z`, ['--json']);
    const recorded = JSON.parse(first.stdout).configSha256 as string;
    expect(recorded).toMatch(/^[0-9a-f]{64}$/);
    // Same configuration, same seed: the re-run draws (and is recorded) without complaint.
    const same = await draw('audit-1', undefined, `${NEXT_DAY}T12:30:00.000Z`);
    expect(same.code).toBe(1);
    expect(same.stderr).not.toMatch(/another configuration/);
    // The ticket pattern changes what counts as a linked record: another configuration.
    await writeFile(configFile, JSON.stringify(changesConfig({ ticketPattern: 'CHG-\\d{4}-\\d{4}' })));
    const refused = await draw('audit-1', 'wp-refused', `${NEXT_DAY}T13:00:00.000Z`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`configuration SHA-256 ${recorded}`);
    const now = /this run: configuration SHA-256 ([0-9a-f]{64})/.exec(refused.stderr)?.[1];
    expect(now).toMatch(/^[0-9a-f]{64}$/);
    expect(now).not.toBe(recorded);
    expect(refused.stderr).toMatch(/--accept-config-change/);
    expect(refused.stderr).toMatch(/series|population|verdicts/);
    const listed = await readdir(path.join(store, 'reports', 'sample'));
    expect(listed.filter((f) => f.endsWith('.json'))).toHaveLength(2); // nothing recorded for the refused run
    // Another seed is a new draw, not a re-run: no refusal.
    const other = await draw('audit-9', undefined, `${NEXT_DAY}T13:30:00.000Z`);
    expect(other.code).toBe(1);
    // Accepted: drawn, and the record and workpaper name the change.
    const accepted = await draw('audit-1', 'wp-accepted', `${NEXT_DAY}T14:00:00.000Z`, [
      '--accept-config-change',
    ]);
    expect(accepted.code).toBe(1);
    const key = /recorded in the locker: (\S+)/.exec(accepted.stderr)![1]!;
    const record = JSON.parse(await readFile(path.join(store, key), 'utf8'));
    expect(record.configSha256).toBe(now);
    expect(record.configChangeAccepted).toEqual([
      { key: `reports/sample/20260523T120000000Z_${DAY}_${DAY}.json`, configSha256: recorded },
      { key: `reports/sample/20260523T123000000Z_${DAY}_${DAY}.json`, configSha256: recorded },
    ]);
    const md = await readFile(path.join(dir, 'wp-accepted', 'workpaper.md'), 'utf8');
    expect(md).toContain(`recorded configuration SHA-256 ${recorded}`);
  });

  it('an unknown population is a usage error naming the known ones', async () => {
    const run = await runCli(['sample', '--population', 'deploys', '--store', store, '--config', configFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such population; known: users, changes/);
  });
});

describe('one verdict per change: the gate and the population sample agree', () => {
  let server: GitHubServer;
  afterEach(async () => {
    await server.stop();
  });

  it('the emergency PR linking CHG-2026-0522 by its body passes in both; the one without a record fails in both', async () => {
    server = await startGitHubServer(acmeChangesOrg());
    const dir = await mkdtemp(path.join(tmpdir(), 'population-gate-'));
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    // The ticket pattern does not match record ids: the record is linked by the records' own ids.
    const config = changesConfig({
      ticketPattern: 'OPS-\\d+',
      records: { repository: 'records', path: 'changes' },
    });
    const deps = {
      pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
      auth: () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN }),
      apiUrl: server.url,
    };
    const run = await runCollectors({
      config,
      locker,
      collectors: [createGitHubChangesCollector(deps), createChangeRecordsCollector(deps)],
      clock: fixedClock(COLLECTED_AT),
    });
    expect(run.results.map((r) => [r.collector, r.status]).sort()).toEqual([
      ['change-records', 'ok'],
      ['github-changes', 'ok'],
    ]);
    await seal(locker, { day: NEXT_DAY, clock: fixedClock(`${NEXT_DAY}T03:00:00.000Z`), retentionDays: 730 });

    // The gate, on the change-records snapshot.
    const recordsKey = run.results.find((r) => r.collector === 'change-records')!.key;
    const { snapshot } = await readSnapshot(locker, recordsKey);
    const gate = emergencyChangeGateCheck.run(snapshot as Snapshot<ChangeRecordsData>, config);
    expect(gate.failing).toContain('acme/api#6');
    expect(gate.failing).not.toContain('acme/api#5');
    expect(gate.failing).not.toContain('CHG-2026-0522');
    expect(gate.detail).toContain('acme/api#6: labelled "emergency" but links no change record');

    // The population sample, every change drawn.
    const report = await samplePopulation({
      locker,
      config,
      population: changesPopulation,
      from: DAY,
      to: DAY,
      seed: 'audit-1',
      size: 6,
    });
    const byId = Object.fromEntries(report.samples.map((s) => [s.id, s]));
    expect(byId['acme/api#5']).toMatchObject({
      verdict: 'pass',
      fields: {
        'linked record': 'CHG-2026-0522',
        emergency: 'yes',
        checks: 'change-peer-reviewed pass; emergency-change-gate pass',
      },
    });
    expect(byId['acme/api#5']!.detail).toContain(`record CHG-2026-0522 complete (${recordsKey})`);
    expect(byId['acme/api#6']).toMatchObject({
      verdict: 'fail',
      fields: { 'linked record': '(none)', checks: 'change-peer-reviewed pass; emergency-change-gate fail' },
    });
    expect(byId['acme/api#6']!.detail).toContain(
      'emergency-change-gate: fail (acme/api#6: labelled "emergency" but links no change record)',
    );
    // A change the gate does not apply to is judged by review alone, named as such.
    expect(byId['acme/api#1']).toMatchObject({
      verdict: 'pass',
      fields: { 'linked record': 'OPS-101', checks: 'change-peer-reviewed pass' },
    });
  });

  it('an emergency change whose change-records snapshot is missing is not judged, and fails', async () => {
    server = await startGitHubServer(acmeChangesOrg());
    const dir = await mkdtemp(path.join(tmpdir(), 'population-gate-'));
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    const config = changesConfig({ records: { repository: 'records', path: 'changes' } });
    const deps = {
      pacing: { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 },
      auth: () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN }),
      apiUrl: server.url,
    };
    // Only github-changes ran: the gate's evidence is absent.
    await runCollectors({
      config,
      locker,
      collectors: [createGitHubChangesCollector(deps)],
      clock: fixedClock(COLLECTED_AT),
    });
    await seal(locker, { day: NEXT_DAY, clock: fixedClock(`${NEXT_DAY}T03:00:00.000Z`), retentionDays: 730 });
    const report = await samplePopulation({
      locker,
      config,
      population: changesPopulation,
      from: DAY,
      to: DAY,
      seed: 'audit-1',
      size: 6,
    });
    const five = report.samples.find((s) => s.id === 'acme/api#5')!;
    expect(five.verdict).toBe('fail');
    expect(five.detail).toMatch(/emergency-change-gate: fail \(not judged: no change-records snapshot/);
  });
});
