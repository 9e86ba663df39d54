/**
 * The workpaper's re-check block with the digest form that scales (locker.digestForm 3): run
 * as written in the locker directory, it shows the snapshot's SHA-256 in its leaf, the leaf's
 * SHA-256 in its root, and the root's signature verified by openssl: two signed files at most.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner, publicKeyKey } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runSample } from '../../shared/sample/run.js';
import { workpaperMarkdown } from '../../shared/sample/workpaper.js';
import { fakeCheck, fakeCollector, fakeConfig, writeFake } from './fakes.js';

function shBlock(markdown: string): string {
  const m = /^(`{3,})sh\n([\s\S]*?)\n\1$/m.exec(markdown);
  expect(m, 'the workpaper has a re-check sh block').not.toBeNull();
  return m![2]!;
}

describe('workpaper re-check block, digest form 3', () => {
  it('names the leaf and the root; run as written it proves the snapshot through both', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'recheck-leaves-'));
    const locker = new DirectoryLocker(dir);
    const signer = await loadSigner();
    for (const day of ['2026-02-01', '2026-02-02']) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      await seal(locker, {
        day,
        clock: fixedClock(`${day}T23:00:00.000Z`),
        retentionDays: 730,
        signer,
        form: 3,
      });
    }
    const report = await runSample({
      locker,
      config: { ...fakeConfig, auditPeriod: { start: '2026-02-01' } },
      checks: [fakeCheck],
      collectors: [fakeCollector],
      seed: 's1',
      from: '2026-02-01',
      to: '2026-02-02',
      plan: { kind: 'all', n: 2 },
    });
    expect(report.samples.map((s) => s.leafKey)).toEqual([
      expect.stringMatching(/^leaves\/2026-02-0\d\/\d{8}T\d{9}Z\/fakerepos\/[0-9a-f]{2}\.json$/),
      expect.stringMatching(/^leaves\/2026-02-0\d\//),
    ]);
    const md = workpaperMarkdown({
      report,
      checks: [fakeCheck],
      subject: 'fake-protected',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample',
    });
    const block = shBlock(md);
    const out = execFileSync('sh', ['-c', block], {
      cwd: tmpdir(),
      encoding: 'utf8',
      // As the workpaper says: LOCKER is the locker directory (the block starts with cd "$LOCKER").
      env: { ...process.env, LOCKER: dir, PUBLIC_KEY: path.join(dir, publicKeyKey(signer.fingerprint)) },
    });
    for (const s of report.samples) {
      // Snapshot → leaf: the entry carries the snapshot's SHA-256.
      expect(out).toContain(`"key":"${s.key}"`);
      expect(out).toMatch(new RegExp(`"key":"${s.key}"[^\\n]*"sha256":"${s.sha256}"`));
      // Leaf → root: the leaf's SHA-256, computed, is the one its root lists.
      const computed = execFileSync('sha256sum', [s.leafKey!], { cwd: dir, encoding: 'utf8' }).slice(0, 64);
      expect(out).toContain(`${computed}  ${s.leafKey}`);
      expect(out).toContain(`"key":"${s.leafKey}","sha256":"${computed}"`);
    }
    expect(out.match(/Verified OK/g)).toHaveLength(2);
  });
});
