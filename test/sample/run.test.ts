import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { Locker } from '../../shared/locker/types.js';
import { runSample, type SampleOptions } from '../../shared/sample/run.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { fakeCheck, fakeCollector, fakeConfig, shuffledLocker, writeFake } from './fakes.js';

async function sealDays(locker: Locker, from: string, to: string) {
  for (const day of daysBetween(from, to)) {
    await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
  }
}

function options(locker: Locker, over: Partial<SampleOptions> = {}): SampleOptions {
  return {
    locker,
    config: fakeConfig,
    checks: [fakeCheck],
    collectors: [fakeCollector],
    seed: 'seed-1',
    from: '2026-01-01',
    to: '2026-03-31',
    plan: { kind: 'per-month', n: 3 },
    ...over,
  };
}

describe('runSample over a directory locker', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sample-'));
    locker = new DirectoryLocker(dir);
  });

  /** Three months, four scopes a day (github-acme from the config; three others only in the locker). */
  async function seedQuarter() {
    for (const day of daysBetween('2026-01-01', '2026-03-31')) {
      for (const scope of ['github-acme', 'github-beta', 'github-gamma', 'github-delta']) {
        await writeFake(locker, scope, `${day}T00:05:00.000Z`);
      }
    }
    // Another collector's evidence shares the month listings; it must not become a series.
    await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-02-10T00:05:00.000Z' }), 730);
    await sealDays(locker, '2026-01-01', '2026-03-31');
  }

  it('same seed: identical samples, whatever order the locker lists in; another seed: other days', async () => {
    await seedQuarter();
    const a = await runSample(options(locker));
    const b = await runSample(options(shuffledLocker(locker)));
    const c = await runSample(options(shuffledLocker(locker)));
    expect(a.samples).toHaveLength(4 * 3 * 3);
    expect(b.samples).toEqual(a.samples);
    expect(c.samples).toEqual(a.samples);
    expect(a.samples.every((s) => s.result === 'pass' && s.integrity === 'sealed')).toBe(true);
    expect(a.series.map((s) => `${s.scope}:${s.origin}`)).toEqual([
      'github-acme:config+locker',
      'github-beta:locker',
      'github-delta:locker',
      'github-gamma:locker',
    ]);

    const other = await runSample(options(locker, { seed: 'seed-2' }));
    expect(other.samples.map((s) => s.day)).not.toEqual(a.samples.map((s) => s.day));
  });

  it('days without a snapshot, and a configured series with none at all, come out missing', async () => {
    await writeFake(locker, 'github-old', '2026-02-02T00:05:00.000Z');
    await sealDays(locker, '2026-02-01', '2026-02-03');
    const report = await runSample(
      options(locker, { from: '2026-02-01', to: '2026-02-03', plan: { kind: 'size', n: 3 } }),
    );
    const byKey = Object.fromEntries(report.samples.map((s) => [`${s.scope} ${s.day}`, s]));
    expect(Object.keys(byKey)).toHaveLength(6);
    expect(byKey['github-old 2026-02-02']).toMatchObject({ result: 'pass' });
    for (const day of ['2026-02-01', '2026-02-03'])
      expect(byKey[`github-old ${day}`]).toMatchObject({ result: 'missing', key: null, sha256: null });
    for (const day of ['2026-02-01', '2026-02-02', '2026-02-03'])
      expect(byKey[`github-acme ${day}`]).toMatchObject({
        result: 'missing',
        detail: `no snapshot of fakerepos/github-acme on ${day}`,
      });
  });

  it('a failing snapshot fails with the failing item named', async () => {
    const w = await writeFake(locker, 'github-acme', '2026-02-02T00:05:00.000Z', [
      { name: 'api', protected: true },
      { name: 'web', protected: false },
    ]);
    await sealDays(locker, '2026-02-02', '2026-02-02');
    const report = await runSample(options(locker, { from: '2026-02-02', to: '2026-02-02' }));
    expect(report.samples).toEqual([
      expect.objectContaining({
        result: 'fail',
        key: w.key,
        sha256: w.sha256,
        failing: ['web'],
        detail: expect.stringContaining('web'),
      }),
    ]);
  });

  it('a tampered sampled snapshot is reported, not passed; an unsealed one neither', async () => {
    const w = await writeFake(locker, 'github-acme', '2026-02-02T00:05:00.000Z', [
      { name: 'web', protected: false },
    ]);
    await writeFake(locker, 'github-acme', '2026-02-03T00:05:00.000Z');
    await sealDays(locker, '2026-02-02', '2026-02-02');
    // Make day 2 look compliant after sealing: same key, altered bytes.
    const file = path.join(dir, ...w.key.split('/'));
    await chmod(file, 0o644);
    await writeFile(file, (await readFile(file, 'utf8')).replace('false', 'true'));
    const report = await runSample(
      options(locker, { from: '2026-02-02', to: '2026-02-03', plan: { kind: 'size', n: 2 } }),
    );
    const [tampered, unsealed] = report.samples;
    expect(tampered).toMatchObject({ day: '2026-02-02', result: 'fail', integrity: 'hash-mismatch' });
    expect(tampered!.detail).toMatch(/^tampered: .*: SHA-256 is .*, digests\/2026-02-02\/.* sealed /);
    expect(unsealed).toMatchObject({ day: '2026-02-03', result: 'fail', integrity: 'not-sealed' });
    expect(unsealed!.detail).toMatch(/evidence seal --day 2026-02-03/);
  });

  it('judges the latest ok snapshot of the day; a partial only when no ok one; errors only: missing', async () => {
    const ok = await writeFake(locker, 'github-acme', '2026-02-02T00:05:00.000Z', [
      { name: 'a', protected: true },
    ]);
    await writeFake(locker, 'github-acme', '2026-02-02T06:00:00.000Z', undefined, {
      status: 'error',
      errors: ['HttpError: 502'],
      runId: 'run000000002',
    });
    const partial = await writeFake(
      locker,
      'github-acme',
      '2026-02-03T00:05:00.000Z',
      [{ name: 'b', protected: false }],
      {
        status: 'partial',
        errors: ['repo c: 403'],
      },
    );
    await writeFake(locker, 'github-acme', '2026-02-04T00:05:00.000Z', undefined, {
      status: 'error',
      errors: ['SourceUnavailableError: 401'],
    });
    await sealDays(locker, '2026-02-02', '2026-02-04');
    const report = await runSample(
      options(locker, { from: '2026-02-02', to: '2026-02-04', plan: { kind: 'size', n: 3 } }),
    );
    const [d2, d3, d4] = report.samples;
    expect(d2).toMatchObject({ result: 'pass', key: ok.key, snapshotStatus: 'ok', snapshotsThatDay: 2 });
    expect(d3).toMatchObject({ result: 'fail', key: partial.key, snapshotStatus: 'partial', failing: ['b'] });
    expect(d3!.detail).toMatch(/partial snapshot: repo c: 403/);
    expect(d4).toMatchObject({ result: 'missing', snapshotStatus: 'error' });
    expect(d4!.detail).toMatch(/SourceUnavailableError: 401/);
  });
});

describe('runSample over S3 with Object Lock (emulator)', () => {
  it('records version id, lock mode and retain-until of each sampled snapshot', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}/evidence`);
    const w = await writeFake(locker, 'github-acme', '2026-02-02T00:05:00.000Z');
    await sealDays(locker, '2026-02-02', '2026-02-02');
    const report = await runSample(options(locker, { from: '2026-02-02', to: '2026-02-02' }));
    expect(report.samples).toEqual([
      expect.objectContaining({
        result: 'pass',
        key: w.key,
        sha256: w.sha256,
        versionId: w.versionId,
        lockMode: 'COMPLIANCE',
        integrity: 'sealed',
        digestKey: expect.stringMatching(/^digests\/2026-02-02\//),
      }),
    ]);
    expect(w.versionId).toBeTruthy();
    expect(report.samples[0]!.retainUntil).toMatch(/^2028-02-02/);
  });
});
