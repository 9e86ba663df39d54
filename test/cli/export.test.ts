/** `evidence export` and `evidence verify-export` through the CLI, in-process. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';
import { alterDigest } from '../helpers/digests.js';
import { newKeyFile } from '../helpers/keys.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { writeFake } from '../sample/fakes.js';

describe('evidence export / verify-export', () => {
  let dir: string;
  let base: string[];
  const saved = process.env.EVIDENCE_SIGNING_KEY_FILE;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'export-cli-'));
    process.env.EVIDENCE_SIGNING_KEY_FILE = await newKeyFile(path.join(dir, 'keys', 'signing-key.pem'));
    const config = path.join(dir, 'evidence.config.json');
    await writeAcmeConfig(config);
    base = ['--store', path.join(dir, 'locker'), '--config', config];
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    for (const day of ['2026-02-01', '2026-02-02']) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      // The series the configuration expects (github: acme), so the export is complete.
      for (const collector of ['github', 'github-members'])
        await writeSnapshot(
          locker,
          makeSnapshot({ collector, scope: 'github-acme', collectedAt: `${day}T00:06:00.000Z`, data: {} }),
          730,
        );
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.EVIDENCE_SIGNING_KEY_FILE;
    else process.env.EVIDENCE_SIGNING_KEY_FILE = saved;
  });

  it('fails closed: a digest altered before the window is said on stderr and in VERIFY.md, and the export exits 1', async () => {
    await alterDigest(path.join(dir, 'locker'), '2026-02-01');
    const out = path.join(dir, 'export');
    const run = await runCli(
      ['export', '--from', '2026-02-02', '--to', '2026-02-02', '--out', out, ...base],
      {
        clock: '2026-02-10T00:00:00.000Z',
      },
    );
    expect(run.stdout).toMatch(/exported 3 snapshot record/);
    expect(run.stderr).toMatch(/note: digest chain: digests\/2026-02-01\/\S+ bad-signature/);
    expect(run.stderr).toMatch(/the export is written, but the locker has 2 problem\(s\)/);
    expect(run.code).toBe(1);
    expect(await readFile(path.join(out, 'VERIFY.md'), 'utf8')).toMatch(
      /## Problems found when exporting \(2\)[\s\S]*digests\/2026-02-01\/\S+ bad-signature/,
    );
  });

  it('exports with the signing key; verify-export accepts it with the fingerprint, refuses it without', async () => {
    const out = path.join(dir, 'export');
    const run = await runCli(
      ['export', '--from', '2026-02-01', '--to', '2026-02-02', '--out', out, '--json', ...base],
      {
        clock: '2026-02-10T00:00:00.000Z',
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ records: 6, from: '2026-02-01', to: '2026-02-02' });

    const ok = await runCli(['verify-export', out, '--fingerprint', doc.fingerprint]);
    expect(ok.stdout).toContain('export verified: no problem');
    expect(ok.code).toBe(0);

    // Away from the key file (an auditor's machine), without --fingerprint: not accepted.
    process.env.EVIDENCE_SIGNING_KEY_FILE = path.join(dir, 'nowhere.pem');
    const unpinned = await runCli(['verify-export', out, '--json']);
    expect(unpinned.code).toBe(1);
    expect(JSON.parse(unpinned.stdout).problems).toEqual([
      expect.objectContaining({ problem: 'key-not-pinned' }),
    ]);

    // Back with the key: a second export into the same directory is refused.
    process.env.EVIDENCE_SIGNING_KEY_FILE = path.join(dir, 'keys', 'signing-key.pem');
    const again = await runCli([
      'export',
      '--from',
      '2026-02-01',
      '--to',
      '2026-02-02',
      '--out',
      out,
      ...base,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');
  });

  it('bad --fingerprint is a usage error', async () => {
    const run = await runCli(['verify-export', dir, '--fingerprint', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected 64 hex digits');
  });
});
