/**
 * A check that `reads` another collector's snapshots (access-revoked-on-termination's shape):
 * the sampler hands it the same day's sealed snapshot of every series of that collector; a
 * day where one is missing is `missing` (the check is not run), one deleted after sealing is
 * `fail`, and a collector the configuration does not turn on is not required.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type AnyCheck, fail, pass } from '../../shared/checks/types.js';
import { fixedClock } from '../../shared/clock.js';
import type { AnyRunnableCollector } from '../../shared/collectors/types.js';
import { type Config, parseConfig } from '../../shared/config.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runSample } from '../../shared/sample/run.js';
import { testIdentity } from '../helpers/identity.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { fakeCollector, writeFake } from './fakes.js';

/** The other system: an Okta-sourced collector (on only when the config has okta). */
const otherCollector: AnyRunnableCollector = {
  id: 'fakeaccess',
  source: 'okta',
  identify: testIdentity,
  controls: ['CC6.2'],
  description: 'fake: who has access',
  scopePattern: 'okta-<host>',
  scopes: (config) => (config.okta ? [{ id: 'okta-acme.okta.com' }] : []),
  collect: async () => ({ data: { people: [] }, items: 0 }),
};

const seen: { day: string; related: string[] }[] = [];

/** Fails when a repository name is someone who still has access in the other system. */
const crossCheck: AnyCheck = {
  id: 'fake-cross',
  controls: ['CC6.2'],
  collector: 'fakerepos',
  reads: ['fakeaccess'],
  title: 'Fake cross',
  description: 'no repository is named after someone with access',
  procedure: 'Compare.',
  remediation: 'Remove.',
  run(snapshot, _config, related) {
    const others = related?.get('fakeaccess') ?? [];
    seen.push({ day: snapshot.day, related: others.map((s) => `${s.collector}/${s.scope}@${s.day}`) });
    const people = new Set(others.flatMap((s) => (s.data as { people: string[] }).people));
    const repos = (snapshot.data as { repos: { name: string }[] }).repos.map((r) => r.name);
    const bad = repos.filter((r) => people.has(r));
    return bad.length
      ? fail(`still has access: ${bad.join(', ')}`, bad)
      : pass(`${people.size} people compared`);
  },
};

const base = {
  locker: { retentionDays: 730 },
  github: { org: 'acme' },
  auditPeriod: { start: '2026-01-01' },
};
const withOkta = parseConfig({ ...base, okta: { orgUrl: 'https://acme.okta.com' } });
const withoutOkta = parseConfig(base);

describe('runSample: a check that reads another collector’s snapshots of the same day', () => {
  let locker: DirectoryLocker;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sample-cross-'));
    locker = new DirectoryLocker(dir);
    seen.length = 0;
  });

  const writeOther = (day: string, people: string[]) =>
    writeSnapshot(
      locker,
      makeSnapshot({
        collector: 'fakeaccess',
        scope: 'okta-acme.okta.com',
        collectedAt: `${day}T00:06:00.000Z`,
        controls: ['CC6.2'],
        data: { people },
      }),
      730,
    );

  /** Every day of `days` (consecutive) sampled with the cross check, under `config`. */
  const sampleAll = (config: Config, days: string[]) =>
    runSample({
      locker,
      config,
      checks: [crossCheck],
      collectors: [fakeCollector, otherCollector],
      seed: 's',
      from: days[0]!,
      to: days.at(-1)!,
      plan: { kind: 'all', n: days.length },
    });

  it('judges with the related snapshot; a day without it is missing; one deleted after sealing fails', async () => {
    const days = daysBetween('2026-02-01', '2026-02-04');
    for (const day of days)
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [{ name: 'olaf', protected: true }]);
    await writeOther('2026-02-01', ['ana']); // olaf has no access: pass
    await writeOther('2026-02-02', ['olaf']); // olaf still has access: fail
    // 2026-02-03: no snapshot of the other system at all
    const gone = await writeOther('2026-02-04', ['ana']);
    for (const day of days)
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
    await rm(path.join(dir, ...gone.key.split('/')));

    const report = await sampleAll(withOkta, days);
    const byDay = Object.fromEntries(report.samples.map((s) => [s.day, s]));
    expect(byDay['2026-02-01']).toMatchObject({ result: 'pass', integrity: 'sealed' });
    expect(byDay['2026-02-01']!.detail).toMatch(
      /read with snapshots\/2026-02-01\/fakeaccess\/okta-acme\.okta\.com\//,
    );
    expect(byDay['2026-02-02']).toMatchObject({ result: 'fail', failing: ['olaf'] });
    expect(byDay['2026-02-03']).toMatchObject({ result: 'missing' });
    expect(byDay['2026-02-03']!.detail).toMatch(
      /reads fakeaccess\/okta-acme\.okta\.com on 2026-02-03 too, and it cannot be used: no snapshot/,
    );
    expect(byDay['2026-02-04']).toMatchObject({ result: 'fail' });
    expect(byDay['2026-02-04']!.detail).toMatch(/evidence was deleted/);
    // The check ran only where every snapshot it reads was there and sealed.
    expect(seen.map((s) => s.day).sort()).toEqual(['2026-02-01', '2026-02-02']);
    expect(seen[0]!.related).toEqual([`fakeaccess/okta-acme.okta.com@${seen[0]!.day}`]);
  });

  /** One sealed day of fakerepos (no fakeaccess snapshot at all), sampled whole under `config`. */
  async function sampleOneDayWithoutOther(config: Config) {
    await writeFake(locker, 'github-acme', '2026-02-01T00:05:00.000Z');
    await seal(locker, {
      day: '2026-02-01',
      clock: fixedClock('2026-02-02T03:00:00.000Z'),
      retentionDays: 730,
    });
    return sampleAll(config, ['2026-02-01']);
  }

  it('a configured collector with no series anywhere is missing, never a pass', async () => {
    const report = await sampleOneDayWithoutOther(withOkta);
    expect(report.samples.map((s) => s.result)).toEqual(['missing']);
    expect(seen).toEqual([]);
  });

  it('a collector the configuration does not turn on is not required: judged without it', async () => {
    const report = await sampleOneDayWithoutOther(withoutOkta);
    expect(report.samples.map((s) => s.result)).toEqual(['pass']);
    expect(seen).toEqual([{ day: '2026-02-01', related: [] }]);
  });
});
