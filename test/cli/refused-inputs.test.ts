/**
 * Input the CLI refuses before touching anything (issue 12): exit 2, a message naming the
 * value and what is expected, and nothing created.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';

describe('--store refused', () => {
  let dir: string;
  let config: string;
  const cwd = process.cwd();
  const savedStore = process.env.EVIDENCE_STORE;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'refused-'));
    config = path.join(dir, 'evidence.config.json');
    await writeAcmeConfig(config, { auditPeriod: { start: '2026-01-01' } });
    process.chdir(dir);
  });
  afterEach(() => {
    process.chdir(cwd);
    if (savedStore === undefined) delete process.env.EVIDENCE_STORE;
    else process.env.EVIDENCE_STORE = savedStore;
  });

  it.each([
    ['verify', ['verify', '--from', '2026-01-01', '--to', '2026-01-02']],
    ['ls', ['ls']],
    ['sample', ['sample', '--check', 'github-branch-protection', '--size', '1', '--seed', 's']],
  ])('%s on a directory that does not exist: exit 2, nothing created', async (_name, argv) => {
    const store = path.join(dir, 'no-such-locker');
    const run = await runCli([...argv, '--store', store, '--config', config], {
      clock: '2026-02-01T00:00:00.000Z',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /there is no locker at .*no-such-locker.*only collect, seal and acknowledge create/,
    );
    expect(existsSync(store)).toBe(false);
  });

  it.each([
    ['s3:/my-locker', /looks like a URL \(s3:\)/],
    ['S3://My_Locker', /is not an S3 bucket name/],
    ['s3://', /is not an S3 bucket name/],
    ['https://example.com/locker', /looks like a URL \(https:\)/],
    ['', /--store \(or EVIDENCE_STORE\) is empty/],
  ])('--store %j: exit 2, nothing created', async (store, message) => {
    const before = readdirSync(dir).sort();
    const run = await runCli(['collect', '--store', store, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('EVIDENCE_STORE set but empty does not make the current directory the locker', async () => {
    process.env.EVIDENCE_STORE = '';
    const run = await runCli(['seal', '--day', '2026-01-01', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--store \(or EVIDENCE_STORE\) is empty/);
    expect(readdirSync(dir)).toEqual(['evidence.config.json']);
  });

  it('collect may create a directory locker, and says so', async () => {
    const store = path.join(dir, 'new-locker');
    const run = await runCli(['collect', '--only', 'github', '--store', store, '--config', config]);
    expect(run.stderr).toContain(`creating a new directory locker at ${store}`);
    expect(existsSync(store)).toBe(true);
  });
});

describe('sample --out refused', () => {
  it('--out under a file: exit 2 naming the file, not a bare ENOTDIR', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'out-'));
    const config = path.join(dir, 'evidence.config.json');
    await writeAcmeConfig(config, { auditPeriod: { start: '2026-01-01' } });
    await mkdir(path.join(dir, 'locker'));
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = await runCli(
      [
        'sample',
        '--check',
        'github-branch-protection',
        '--size',
        '1',
        '--seed',
        's',
        '--out',
        path.join(file, 'wp'),
        '--store',
        path.join(dir, 'locker'),
        '--config',
        config,
      ],
      { clock: '2026-02-01T00:00:00.000Z' },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file} is a file, not a directory`);
    expect(run.stderr).not.toMatch(/ENOTDIR/);
  });
});
