/**
 * `evidence sample` end to end through the CLI, in-process. The check and collector
 * registries are replaced by the small fakes of test/sample/fakes.ts (vi.mock), so this
 * pins the command's behaviour, not that of the real checks.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';
import { alterDigest } from '../helpers/digests.js';
import { newKeyFile } from '../helpers/keys.js';
import { writeFake } from '../sample/fakes.js';

vi.mock('../../shared/checks/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCheckRegistry(),
);
vi.mock('../../shared/collectors/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCollectorRegistry(),
);

describe('evidence sample', () => {
  let dir: string;
  let store: string;
  let config: string;
  let base: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sample-cli-'));
    store = path.join(dir, 'locker');
    config = path.join(dir, 'evidence.config.json');
    await writeAcmeConfig(config);
    base = ['--store', store, '--config', config];
    const locker = new DirectoryLocker(store);
    for (const day of ['2026-02-01', '2026-02-02', '2026-02-03']) {
      const repos = day === '2026-02-02' ? [{ name: 'web, "legacy"', protected: false }] : undefined;
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, repos);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
  });

  /**
   * `sample --check fake-protected` over the three sealed days, then `options`, on this test's
   * locker and configuration.
   */
  const sample = (...options: string[]) => [
    'sample',
    '--check',
    'fake-protected',
    '--from',
    '2026-02-01',
    '--to',
    '2026-02-03',
    ...options,
    ...base,
  ];
  /** `sample --control CC8.1` over the last sealed day, three days a month, seed s1. */
  const sampleLastDayByControl = () => [
    'sample',
    '--control',
    'CC8.1',
    '--from',
    '2026-02-03',
    '--to',
    '2026-02-03',
    '--per-month',
    '3',
    '--seed',
    's1',
    ...base,
  ];
  const MARCH_1 = { clock: '2026-03-01T00:00:00.000Z' };

  it('--json: the SPEC shape; exit 1 when a sample fails; same seed, same document', async () => {
    const argv = sample('--seed', 's1', '--size', '3', '--json');
    const run = await runCli(argv, MARCH_1);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      seed: 's1',
      checks: ['fake-protected'],
      from: '2026-02-01',
      to: '2026-02-03',
    });
    expect(doc.samples.map((s: { day: string; result: string }) => `${s.day} ${s.result}`)).toEqual([
      '2026-02-01 pass',
      '2026-02-02 fail',
      '2026-02-03 pass',
    ]);
    expect(doc.samples[1]).toMatchObject({
      check: 'fake-protected',
      collector: 'fakerepos',
      scope: 'github-acme',
      key: expect.stringMatching(/^snapshots\/2026-02-02\/fakerepos\/github-acme\//),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      failing: ['web, "legacy"'],
    });
    // Same seed, same samples (the second run also lists the first, recorded in the locker).
    const again = JSON.parse((await runCli(argv, MARCH_1)).stdout);
    expect(again.samples).toEqual(doc.samples);
    expect(again.earlier.map((e: { key: string }) => e.key)).toEqual([doc.record]);
  });

  it('exit 0 when every sample passes; --control runs the checks mapped to it', async () => {
    const run = await runCli(sampleLastDayByControl(), MARCH_1);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /1 sample\(s\) over 1 series, 2026-02-03 to 2026-02-03, seed s1: 1 pass, 0 fail, 0 missing/,
    );
  });

  it('fails closed: every sample passes, but a digest altered before the window makes the run exit 1', async () => {
    await alterDigest(store, '2026-02-01');
    const run = await runCli(sampleLastDayByControl(), MARCH_1);
    expect(run.stdout).toMatch(
      /1 sample\(s\) over 1 series, 2026-02-03 to 2026-02-03, seed s1: 1 pass, 0 fail/,
    );
    expect(run.stderr).toMatch(/digest chain: digests\/2026-02-01\/\S+ bad-signature/);
    expect(run.code).toBe(1);
  });

  it('no seed: generates one and prints it (on stderr with --json); --to defaults to yesterday', async () => {
    const run = await runCli(
      ['sample', '--check', 'fake-protected', '--frequency', 'annual', '--json', ...base],
      {
        clock: '2026-02-04T12:00:00.000Z',
      },
    );
    const doc = JSON.parse(run.stdout);
    expect(doc.seed).toMatch(/^[0-9a-f]{16}$/);
    expect(run.stderr).toContain(`seed ${doc.seed} (generated: pass --seed ${doc.seed}`);
    expect(doc).toMatchObject({ from: '2026-02-01', to: '2026-02-03' });
    expect(doc.samples).toHaveLength(1);
    const text = await runCli(['sample', '--check', 'fake-protected', '--size', '1', ...base], {
      clock: '2026-02-04T12:00:00.000Z',
    });
    expect(text.stdout).toMatch(/^seed [0-9a-f]{16} \(generated/);
  });

  it('--out writes the workpaper, the CSV and the JSON', async () => {
    const out = path.join(dir, 'wp');
    const run = await runCli(sample('--per-month', '3', '--seed', 'wp1', '--out', out), MARCH_1);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`workpaper: ${path.join(out, 'workpaper.md')}`);
    for (const f of ['workpaper.md', 'samples.csv', 'samples.json'])
      expect(existsSync(path.join(out, f))).toBe(true);
    const md = await readFile(path.join(out, 'workpaper.md'), 'utf8');
    const doc = JSON.parse(await readFile(path.join(out, 'samples.json'), 'utf8'));
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(doc.samples.length);
    // Re-run and re-check commands name the locker and the configuration by placeholder, never
    // this machine's paths; the configuration is named by the SHA-256 of the file's bytes.
    expect(md).toContain(
      'npx evidence sample --check fake-protected --from 2026-02-01 --to 2026-02-03 --seed wp1 --per-month 3 --store "$LOCKER" --config "$CONFIG"',
    );
    for (const block of md.split('```').filter((_, i) => i % 2 === 1)) {
      expect(block).not.toContain(dir);
      expect(block).not.toContain(process.cwd());
    }
    const sha256sum = execSync(`sha256sum ${config}`, { encoding: 'utf8' }).split(' ')[0]!;
    expect(md).toContain(`| Configuration file SHA-256 | \`${sha256sum}\``);
    const effective = /\| Effective configuration \| `(configs\/[0-9a-f]{64}\.json)`/.exec(md)![1]!;
    expect(existsSync(path.join(store, effective))).toBe(true);
    // One population per check, counted in snapshots: 3 days × the one series of the check.
    expect(md).toContain('| fake-protected | fakerepos | 3 | 3 day(s) × 1 series of fakerepos |');
    // The auditor's re-check commands run as printed and show the sealed SHA-256.
    const block = md.split('```sh\n')[1]!.split('```')[0]!;
    const [cd, ...commands] = block.split('\n').filter((l) => l && !l.startsWith('#'));
    // Keys are relative to the locker: the block starts by going there.
    expect(cd).toBe('cd "$LOCKER"');
    expect(commands).toHaveLength(2 * 3);
    for (const line of commands) {
      const [command, comment] = line.split('   # ');
      expect(command).not.toContain(store);
      const expected = /[0-9a-f]{64}/.exec(comment!)![0];
      const out = execSync(command!, {
        encoding: 'utf8',
        shell: '/bin/sh',
        cwd: store,
        env: { ...process.env, LOCKER: store },
      });
      expect(out).toContain(expected);
    }
  });

  it('the printed re-run command, run from the repository root, draws the same samples', async () => {
    const out = path.join(dir, 'first');
    const first = await runCli(sample('--size', '2', '--seed', 'r1', '--out', out), MARCH_1);
    expect(first.code).toBe(1);
    const md = await readFile(path.join(out, 'workpaper.md'), 'utf8');
    const command = /^```shell\n(npx evidence sample .*)\n```$/m.exec(md)![1]!;
    // The repository root has its own evidence.config.json: the command must not depend on it.
    expect(existsSync(path.join(process.cwd(), 'evidence.config.json'))).toBe(true);
    expect(command).toContain('--store "$LOCKER" --config "$CONFIG"');
    // As the auditor runs it: LOCKER and CONFIG set to their copies.
    const args = command
      .replace(/^npx evidence /, '')
      .replace('"$LOCKER"', store)
      .replace('"$CONFIG"', config)
      .split(' ');
    const rerun = await runCli([...args, '--json'], {
      clock: '2026-03-02T00:00:00.000Z',
    });
    const firstDoc = JSON.parse(await readFile(path.join(out, 'samples.json'), 'utf8'));
    const again = JSON.parse(rerun.stdout);
    expect(again.samples.map((x: { day: string }) => x.day)).toEqual(
      firstDoc.samples.map((x: { day: string }) => x.day),
    );
    expect(again.samples).toEqual(firstDoc.samples);
    expect(again.configSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('every run is recorded in the locker, signed; a second run over the window lists the first; --out never overwrites', async () => {
    const argv = (seed: string, out: string) => sample('--all', '--seed', seed, '--out', path.join(dir, out));
    const first = await runCli(argv('a1', 'wp1'), MARCH_1);
    expect(first.stderr).toMatch(
      /recorded in the locker: reports\/sample\/20260301T000000000Z_2026-02-01_2026-02-03\.json \(signed\)/,
    );
    expect(first.stdout).toMatch(/3 sample\(s\) over 1 series/);
    const second = await runCli(argv('a2', 'wp2'), { clock: '2026-03-01T01:00:00.000Z' });
    expect(second.stderr).toContain('1 earlier sample run(s) over this window');
    expect(second.stderr).toMatch(
      /2026-03-01T00:00:00.000Z 2026-02-01..2026-02-03 seed a1 fake-protected: 2\/3 pass/,
    );
    const md = await readFile(path.join(dir, 'wp2', 'workpaper.md'), 'utf8');
    const earlier = md.split('## Earlier sample runs over this period')[1]!.split('\n## ')[0]!;
    expect(earlier).toContain('| 2026-03-01T00:00:00.000Z | 2026-02-01 to 2026-02-03 | a1 |');
    expect(earlier).toContain('2/3 pass');
    // The record and its signature, checked with openssl alone.
    const key = 'reports/sample/20260301T000000000Z_2026-02-01_2026-02-03.json';
    const record = JSON.parse(await readFile(path.join(store, key), 'utf8'));
    expect(record).toMatchObject({
      seed: 'a1',
      seedChosenBy: 'given',
      plan: { kind: 'all', n: 3 },
      summary: { total: 3, pass: 2 },
    });
    const keys = (await import('node:fs')).readdirSync(path.join(store, 'keys'));
    expect(keys).toHaveLength(1);
    expect(
      execSync(`openssl dgst -sha256 -verify keys/${keys[0]} -signature ${key}.sig ${key}`, {
        cwd: store,
        encoding: 'utf8',
      }),
    ).toBe('Verified OK\n');
    // --out names an existing workpaper: refused before anything runs.
    const again = await runCli(argv('a3', 'wp1'), { clock: '2026-03-01T02:00:00.000Z' });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds workpaper.md');
  });

  it('a re-run of a recorded seed under a changed configuration is refused (exit 2, both hashes), unless accepted; an altered record is flagged', async () => {
    const argv = (seed: string, extra: string[] = []) => sample('--all', '--seed', seed, ...extra);
    const first = await runCli([...argv('r1'), '--json'], MARCH_1);
    const recorded = JSON.parse(first.stdout).configSha256 as string;
    // Another organization: another series, another population.
    await writeAcmeConfig(config, { github: { org: 'acme-two' } });
    const refused = await runCli(argv('r1'), { clock: '2026-03-01T01:00:00.000Z' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `reports/sample/20260301T000000000Z_2026-02-01_2026-02-03.json (ran 2026-03-01T00:00:00.000Z): configuration SHA-256 ${recorded}`,
    );
    expect(refused.stderr).toMatch(/this run: configuration SHA-256 [0-9a-f]{64}/);
    expect(refused.stderr).toMatch(/would not reproduce the recorded one/);
    expect(refused.stdout).toBe('');
    const accepted = await runCli(argv('r1', ['--accept-config-change', '--out', path.join(dir, 'wpa')]), {
      clock: '2026-03-01T02:00:00.000Z',
    });
    expect([0, 1]).toContain(accepted.code);
    const record = JSON.parse(
      await readFile(
        path.join(store, 'reports/sample/20260301T020000000Z_2026-02-01_2026-02-03.json'),
        'utf8',
      ),
    );
    expect(record.configChangeAccepted).toEqual([
      { key: 'reports/sample/20260301T000000000Z_2026-02-01_2026-02-03.json', configSha256: recorded },
    ]);
    expect(record.configSha256).not.toBe(recorded);
    const md = await readFile(path.join(dir, 'wpa', 'workpaper.md'), 'utf8');
    expect(md).toContain(`recorded configuration SHA-256 ${recorded}`);

    // Altering the first record (its signature kept) is flagged in the listing of later runs.
    const { chmod } = await import('node:fs/promises');
    const file = path.join(store, 'reports/sample/20260301T000000000Z_2026-02-01_2026-02-03.json');
    await chmod(file, 0o644);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"seed":"r1"', '"seed":"r0"'));
    const later = await runCli(argv('r2'), { clock: '2026-03-01T03:00:00.000Z' });
    expect(later.stderr).toMatch(/seed r0 fake-protected: .*BAD SIGNATURE/);
  });

  it('an earlier run signed by a key this machine does not trust is listed as UNTRUSTED, never as signed', async () => {
    const argv = (seed: string) => sample('--all', '--seed', seed);
    const saved = process.env.EVIDENCE_SIGNING_KEY_FILE;
    try {
      // The first run is signed by another key (whose public half lands in the locker's keys/).
      process.env.EVIDENCE_SIGNING_KEY_FILE = await newKeyFile(path.join(dir, 'other-signing-key.pem'));
      const first = await runCli(argv('u1'), MARCH_1);
      expect(first.stderr).toContain('(signed)');
    } finally {
      if (saved === undefined) delete process.env.EVIDENCE_SIGNING_KEY_FILE;
      else process.env.EVIDENCE_SIGNING_KEY_FILE = saved;
    }
    const later = await runCli(argv('u2'), { clock: '2026-03-01T01:00:00.000Z' });
    expect(later.stderr).toContain('1 earlier sample run(s) over this window');
    expect(later.stderr).toMatch(/seed u1 fake-protected: .*signed by an UNTRUSTED key/);
  });

  it('an earlier run deleted after sealing is still listed, as DELETED, and the run exits 1 (no seed shopping by deletion)', async () => {
    const argv = (seed: string) => sample('--all', '--seed', seed);
    const first = await runCli(argv('d1'), MARCH_1);
    expect(first.stderr).toContain('(signed)');
    // The record is sealed in the digest of the day it was written, then deleted.
    const sealed = await runCli(['seal', '--day', '2026-03-01', ...base], {
      clock: '2026-03-01T00:30:00.000Z',
    });
    expect(sealed.code, sealed.stderr).toBe(0);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(store, 'reports/sample/20260301T000000000Z_2026-02-01_2026-02-03.json'));
    const later = await runCli(argv('d2'), { clock: '2026-03-01T01:00:00.000Z' });
    expect(later.stderr).toContain('1 earlier sample run(s) over this window');
    expect(later.stderr).toMatch(
      /DELETED \(reports\/sample\/20260301T000000000Z_2026-02-01_2026-02-03\.json is sealed/,
    );
    expect(later.code).toBe(1);
  });

  it("without a size, sampling.perMonth days a month (default 3, the source documents' policy)", async () => {
    const byDefault = await runCli(sample('--seed', 'pm', '--json'), MARCH_1);
    expect(JSON.parse(byDefault.stdout).plan).toEqual({ kind: 'per-month', n: 3 });
    await writeAcmeConfig(config, { sampling: { perMonth: 1 } });
    // Another seed: a recorded draw under another configuration would be refused.
    const configured = await runCli(sample('--seed', 'pm2', '--json'), MARCH_1);
    const doc = JSON.parse(configured.stdout);
    expect(doc.plan).toEqual({ kind: 'per-month', n: 1 });
    expect(doc.samples).toHaveLength(1);
  });

  it('bad usage: exit 2 naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['sample', '--size', '3'], /exactly one of --check ID\[,ID\.\.\.\] or --control/],
      [
        ['sample', '--check', 'fake-protected', '--control', 'CC8.1', '--size', '3'],
        /exactly one of --check/,
      ],
      [
        ['sample', '--check', 'nope', '--size', '3'],
        /--check nope: no such check; known checks: fake-protected/,
      ],
      [
        ['sample', '--control', 'CC9.9', '--size', '3'],
        /--control CC9.9: no check is mapped to it; controls with checks: CC8.1/,
      ],
      [
        ['sample', '--check', 'fake-protected', '--size', '2', '--per-month', '1'],
        /at most one of --per-month N, --size N, --frequency .* or --all/,
      ],
      [
        ['sample', '--check', 'fake-protected', '--size', '0'],
        /--size "0": expected a whole number from 1 to 366/,
      ],
      [['sample', '--check', 'fake-protected', '--frequency', 'hourly'], /Allowed choices are daily, weekly/],
      [['sample', '--check', 'fake-protected', '--size', '1', '--seed', 'a b'], /--seed "a b"/],
      [
        ['sample', '--check', 'fake-protected', '--size', '1', '--from', '2026-03-01', '--to', '2026-02-01'],
        /the window is empty/,
      ],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli([...argv, ...base]);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const help = await runCli(['sample', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--per-month <n>/);
  });
});
