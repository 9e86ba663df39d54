import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runCli } from '../helpers/cli.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const exec = promisify(execFile);

describe('evidence CLI', () => {
  let dir: string;
  let store: string;
  let config: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    store = path.join(dir, 'locker');
    config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({ locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' } }),
    );
  });

  it('bad config: exit 2 and the key path in the message', async () => {
    await writeFile(
      config,
      JSON.stringify({ locker: { retentionDays: -5 }, auditPeriod: { start: '2026-01-01' } }),
    );
    const run = await runCli(['seal', '--store', store, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/locker\.retentionDays: got -5, expected at least 1 day/);
  });

  it('bad usage: exit 2 with help pointer', async () => {
    expect((await runCli(['seal', '--day', '2026-13-01', '--config', config, '--store', store])).code).toBe(
      2,
    );
    const unknown = await runCli(['seal', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);
    expect((await runCli(['nonsense'])).code).toBe(2);
  });

  it('--help on every command exits 0', async () => {
    for (const cmd of [[], ['seal'], ['ls'], ['collect']]) {
      const run = await runCli([...cmd, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Usage: evidence/);
      expect(run.stdout).toMatch(/--store|Commands:/);
    }
  });

  it('seal then ls, as tables and as JSON', async () => {
    const locker = new DirectoryLocker(store);
    const w = await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-04-20T00:05:00.000Z' }), 730);
    const sealed = await runCli([
      'seal',
      '--day',
      '2026-04-20',
      '--store',
      store,
      '--config',
      config,
      '--json',
    ]);
    expect(sealed.code).toBe(0);
    const doc = JSON.parse(sealed.stdout);
    expect(doc.sealed).toEqual([expect.objectContaining({ key: w.key, sha256: w.sha256 })]);
    expect(doc.previous).toBeNull();

    const again = await runCli(['seal', '--day', '2026-04-20', '--store', store, '--config', config]);
    expect(again.stdout).toMatch(/nothing new to seal for 2026-04-20/);

    const ls = await runCli(['ls', '--store', store, '--json', '--collector', 'guardduty']);
    expect(JSON.parse(ls.stdout).snapshots).toEqual([
      expect.objectContaining({
        key: w.key,
        day: '2026-04-20',
        collector: 'guardduty',
        scope: 'aws-123456789012-us-east-1',
      }),
    ]);
    const window = await runCli(['ls', '--store', store, '--from', '2026-04-21', '--to', '2026-04-22']);
    expect(window.stdout).toMatch(/no snapshots/);
    const table = await runCli(['ls', '--store', store]);
    expect(table.stdout).toMatch(/2026-04-20\s+guardduty\s+aws-123456789012-us-east-1/);
  });

  it('--json on an error prints one JSON document on stdout', async () => {
    const run = await runCli([
      'seal',
      '--store',
      store,
      '--config',
      path.join(dir, 'missing.json'),
      '--json',
    ]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.name).toBe('ConfigError');
  });

  it('an S3 store that cannot be reached: exit 3', async () => {
    const run = await runCli(['seal', '--store', 's3://no-such-bucket-for-cli-test', '--config', config]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/does not exist/);
  });

  it('npx evidence works through the bin entry', async () => {
    const { stdout } = await exec(process.execPath, [path.resolve('bin/evidence.mjs'), '--help']);
    expect(stdout).toMatch(/Usage: evidence/);
  });

  it('a reader that closes stdout early (`evidence seal --help | head -0`) ends no run with EPIPE', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/evidence.mjs'), 'seal', '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away before the CLI writes a byte.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
