/**
 * `evidence verify` and `evidence acknowledge` through the CLI, on a directory locker,
 * with whatever collectors the registry holds: the expected series are derived here the
 * same way (configuration × scopes), so the test does not depend on which are registered.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { selectCollectors } from '../../shared/collectors/runner.js';
import { parseConfig } from '../../shared/config.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runCli } from '../helpers/cli.js';
import { fill } from '../verify/fixtures.js';

const ACCOUNT = '123456789012';
const NOW = '2026-04-13T00:00:00.000Z';
const CONFIG = {
  locker: { retentionDays: 730 },
  aws: { regions: ['us-east-1'], accounts: [] },
  auditPeriod: { start: '2026-04-01' },
};
const WINDOW = ['--from', '2026-04-01', '--to', '2026-04-10'];

function expected(): [string, string][] {
  const config = parseConfig(CONFIG);
  return selectCollectors(config, undefined, COLLECTORS).flatMap((c) =>
    c
      .scopes(config, { defaultAccountId: ACCOUNT })
      .map((s: { id: string }) => [c.id, s.id] as [string, string]),
  );
}

describe('evidence verify / acknowledge', () => {
  let dir: string;
  let store: string;
  let config: string;
  let common: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cli-verify-'));
    store = path.join(dir, 'locker');
    config = path.join(dir, 'evidence.config.json');
    await writeFile(config, JSON.stringify(CONFIG));
    common = ['--store', store, '--config', config, '--aws-account', ACCOUNT];
  });

  it('--help explains both commands', async () => {
    const verifyHelp = await runCli(['verify', '--help']);
    expect(verifyHelp.code).toBe(0);
    expect(verifyHelp.stdout).toMatch(/--from <YYYY-MM-DD>[\s\S]*--findings <file>[\s\S]*--no-report/);
    const ackHelp = await runCli(['acknowledge', '--help']);
    expect(ackHelp.code).toBe(0);
    expect(ackHelp.stdout).toMatch(/--series <collector\/scope>[\s\S]*--reason <text>[\s\S]*--by <name>/);
  });

  it('bad usage exits 2 with the problem named', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['verify', ...common, '--from', '2026-04-10', '--to', '2026-04-01'],
        /--from 2026-04-10 is after --to/,
      ],
      [['verify', ...common, '--from', '2026-4-1'], /--from "2026-4-1": expected a date/],
      [['verify', ...common, '--to', '2026-04-14'], /after today/],
      [['verify', ...common.slice(0, 4), '--aws-account', '42'], /12-digit/],
      [
        [
          'acknowledge',
          ...common.slice(0, 4),
          '--series',
          'iam',
          '--day',
          '2026-04-02',
          '--reason',
          'r',
          '--by',
          'b',
        ],
        /<collector>\/<scope>/,
      ],
      [
        ['acknowledge', ...common.slice(0, 4), '--series', 'iam/aws-1', '--day', '2026-04-02', '--by', 'b'],
        /--reason/,
      ],
      [
        [
          'acknowledge',
          ...common.slice(0, 4),
          '--series',
          'iam/aws-1',
          '--day',
          'x',
          '--reason',
          'r',
          '--by',
          'b',
        ],
        /--day "x"/,
      ],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv, { clock: NOW });
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });

  it('a complete locker: exit 0, SPEC JSON, a report in the locker, empty findings', async () => {
    const locker = new DirectoryLocker(store);
    await fill(locker, '2026-04-01', '2026-04-10', { series: expected() });
    const findings = path.join(dir, 'compliance.json');
    const run = await runCli(['verify', ...common, ...WINDOW, '--json', '--findings', findings], {
      clock: NOW,
    });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ from: '2026-04-01', to: '2026-04-10', ok: true, integrity: [] });
    expect(doc.series).toEqual(
      expected().map(([collector, scope]) =>
        expect.objectContaining({ collector, scope, missing: [], failed: [], acknowledged: [] }),
      ),
    );
    expect(doc.report).toBe('reports/verify/20260413T000000000Z.json');
    const report = JSON.parse(
      await readFile(path.join(store, 'reports', 'verify', '20260413T000000000Z.json'), 'utf8'),
    );
    expect(report).toMatchObject({ schema: 'evidence.verify/2', ok: true, from: '2026-04-01' });
    expect(JSON.parse(await readFile(findings, 'utf8'))).toEqual({ findings: [] });

    // The same second again: a second report, never an overwrite; --no-report writes none.
    expect((await runCli(['verify', ...common, ...WINDOW], { clock: NOW })).code).toBe(0);
    expect((await runCli(['verify', ...common, ...WINDOW, '--no-report'], { clock: NOW })).code).toBe(0);
    // Two reports, each signed (<report>.sig next to it).
    const reports = await readdir(path.join(store, 'reports', 'verify'));
    expect(reports.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    expect(reports.filter((f) => f.endsWith('.json.sig'))).toHaveLength(2);
  });

  it('gaps: exit 1, a table naming series and days, findings per control; acknowledged days then pass', async () => {
    const series = expected();
    if (series.length === 0) return; // no AWS collector registered: nothing to miss
    const [collector, scope] = series[0]!;
    const locker = new DirectoryLocker(store);
    await fill(locker, '2026-04-01', '2026-04-10', {
      series,
      snapshot: (c, s, day) =>
        c === collector && s === scope && (day === '2026-04-04' || day === '2026-04-05') ? undefined : {},
    });
    const findings = path.join(dir, 'compliance.json');
    const run = await runCli(['verify', ...common, ...WINDOW, '--findings', findings], { clock: NOW });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/PROBLEMS: 2 day\(s\) without evidence, 0 integrity problem\(s\)/);
    expect(run.stdout).toContain(`${collector}/${scope} missing: 2026-04-04..2026-04-05`);
    expect(run.stdout).toMatch(/retention: not applicable/);
    const doc = JSON.parse(await readFile(findings, 'utf8'));
    const controls = COLLECTORS.find((c) => c.id === collector)!.controls;
    expect(doc.findings.map((f: { control: string }) => f.control)).toEqual(controls.map((c) => `SOC2:${c}`));
    expect(doc.findings[0]).toMatchObject({
      gap_type: 'evidence',
      severity: 'MEDIUM',
      days: ['2026-04-04', '2026-04-05'],
    });

    for (const day of ['2026-04-04', '2026-04-05']) {
      const ack = await runCli(
        [
          'acknowledge',
          '--store',
          store,
          '--config',
          config,
          '--series',
          `${collector}/${scope}`,
          '--day',
          day,
          '--reason',
          'role deleted (INC-9)',
          '--by',
          'Jane Doe',
          '--json',
        ],
        { clock: NOW },
      );
      expect(ack.code).toBe(0);
      expect(JSON.parse(ack.stdout)).toMatchObject({
        key: expect.stringMatching(new RegExp(`^acknowledgements/${day}/`)),
        snapshotsThatDay: 0,
      });
    }
    // Signed records count once sealed in the digest of the day they were written.
    const sealed = await runCli(['seal', '--store', store, '--config', config, '--day', NOW.slice(0, 10)], {
      clock: NOW,
    });
    expect(sealed.code, sealed.stderr).toBe(0);
    const after = await runCli(['verify', ...common, ...WINDOW, '--json', '--no-report'], { clock: NOW });
    expect(after.code, after.stdout).toBe(0);
    const s = JSON.parse(after.stdout).series.find(
      (x: { collector: string; scope: string }) => x.collector === collector && x.scope === scope,
    );
    expect(s).toMatchObject({ missing: [], acknowledged: ['2026-04-04', '2026-04-05'] });
  });

  it('integrity problems alone make exit 1 (a sealed snapshot removed)', async () => {
    const locker = new DirectoryLocker(store);
    const keys = await fill(locker, '2026-04-01', '2026-04-02', { series: [['stray', 'x']] });
    const gone = keys.get('stray/x@2026-04-02')!;
    await rm(path.join(store, ...gone.split('/')));
    // The one source configured starts after the window: no series is expected by the
    // configuration, but the one the locker holds is judged all the same (until retired), and
    // integrity is checked.
    const bare = path.join(dir, 'bare.config.json');
    await writeFile(
      bare,
      JSON.stringify({
        locker: { retentionDays: 730 },
        github: { org: 'acme', since: '2026-04-03' },
        auditPeriod: { start: '2026-04-01' },
      }),
    );
    const argv = ['verify', '--store', store, '--config', bare, '--from', '2026-04-01', '--to', '2026-04-02'];
    const run = await runCli([...argv, '--json'], { clock: NOW });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.series).toEqual([
      expect.objectContaining({ collector: 'github', origin: 'config', expectedDays: 0, missing: [] }),
      expect.objectContaining({
        collector: 'github-members',
        origin: 'config',
        expectedDays: 0,
        missing: [],
      }),
      expect.objectContaining({ collector: 'stray', scope: 'x', origin: 'locker', missing: ['2026-04-02'] }),
    ]);
    expect(doc.unexpected).toEqual(['stray/x']);
    expect(doc.integrity).toEqual([expect.objectContaining({ key: gone, problem: 'deleted' })]);
    const table = await runCli(argv, { clock: NOW });
    expect(table.stdout).toMatch(new RegExp(`deleted\\s+${gone.replace(/\./g, '\\.')}`));
  });

  it('a configuration with no source has nothing to expect: exit 2 saying so, whatever the locker holds', async () => {
    const locker = new DirectoryLocker(store);
    await fill(locker, '2026-04-01', '2026-04-02', { series: [['stray', 'x']] });
    const none = path.join(dir, 'none.config.json');
    await writeFile(
      none,
      JSON.stringify({ locker: { retentionDays: 730 }, auditPeriod: { start: '2026-04-01' } }),
    );
    for (const json of [[], ['--json']]) {
      const run = await runCli(
        ['verify', '--store', store, '--config', none, '--from', '2026-04-01', '--to', '2026-04-02', ...json],
        { clock: NOW },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /the configuration names no source \(aws, okta, github\): verify has nothing to expect/,
      );
      expect(run.stdout).not.toMatch(/OK/);
    }
    // Nothing was written: no verify report.
    expect(await readdir(path.join(store, 'reports')).catch(() => [])).toEqual([]);
  });

  it('an unreachable store exits 3', async () => {
    const run = await runCli(
      [
        'verify',
        '--store',
        's3://no-such-bucket-for-verify-test',
        '--config',
        config,
        '--aws-account',
        ACCOUNT,
      ],
      { clock: NOW },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/does not exist/);
  });
});
