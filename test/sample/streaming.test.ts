/**
 * sample (days and --population) in bounded memory: the chain is walked end to end from
 * genesis to head whatever the window, but only the window's digest entries are kept.
 * Memory itself is measured in bench/, not here.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { Population } from '../../shared/collectors/types.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { type ChainWalk, listDigests, seal, walkChain } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { samplePopulation } from '../../shared/sample/population.js';
import { runSample } from '../../shared/sample/run.js';
import { alterDigest } from '../helpers/digests.js';
import { fakeCheck, fakeCollector, fakeConfig, writeFake } from './fakes.js';

vi.mock('../../shared/evidence/digest.js', async (original) => {
  const actual = await original<typeof import('../../shared/evidence/digest.js')>();
  return { ...actual, walkChain: vi.fn(actual.walkChain) };
});

const FROM = '2026-04-01';
const TO = '2026-04-10';
const SCOPES = ['github-acme', 'github-beta'];

/** The chains the last call to walkChain returned. */
async function lastWalk(): Promise<ChainWalk> {
  const results = vi.mocked(walkChain).mock.results;
  return (await results.at(-1)!.value) as ChainWalk;
}

describe('sample streams the chain', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    vi.mocked(walkChain).mockClear();
    dir = await mkdtemp(path.join(tmpdir(), 'sample-stream-'));
    locker = new DirectoryLocker(dir);
    for (const day of daysBetween(FROM, TO)) {
      for (const scope of SCOPES) await writeFake(locker, scope, `${day}T00:05:00.000Z`);
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
    }
  });

  const sample = () =>
    runSample({
      locker,
      config: fakeConfig,
      checks: [fakeCheck],
      collectors: [fakeCollector],
      seed: 'seed-1',
      from: '2026-04-09',
      to: TO,
      plan: { kind: 'per-month', n: 2 },
    });

  it("keeps every digest of the chain, compact, and only the window's entries", async () => {
    const report = await sample();
    expect(report.samples).toHaveLength(SCOPES.length * 2);
    expect(report.samples.every((s) => s.result === 'pass' && s.integrity === 'sealed')).toBe(true);
    expect(report.samples.every((s) => s.digestKey?.startsWith(`digests/${s.day}/`))).toBe(true);
    expect(report.chain).toEqual({ digests: 10, problems: [] });
    expect(walkChain).toHaveBeenCalledTimes(1);
    const walk = await lastWalk();
    expect(walk.digests.map((d) => d.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(walk.digests[0]).not.toHaveProperty('body');
    expect(walk.digests[0]).not.toHaveProperty('digest');
    expect(walk.digests.every((d) => d.entries === SCOPES.length)).toBe(true);
    const kept = [...walk.sealed.keys()].map((k) => k.slice(10, 20));
    expect(kept).toHaveLength(2 * SCOPES.length);
    expect(new Set(kept)).toEqual(new Set(['2026-04-09', '2026-04-10']));
  });

  it('a digest altered long before the window is still found: the chain is checked from its start', async () => {
    const { digests } = await listDigests(locker);
    const third = digests.find((d) => d.key.startsWith('digests/2026-04-03/'))!.key;
    const second = await alterDigest(dir, '2026-04-02');
    const report = await sample();
    expect(report.chain.problems.map((p) => `${p.problem} ${p.key}`).sort()).toEqual(
      [`bad-signature ${second}`, `chain-broken ${third}`].sort(),
    );
    expect(report.notes.filter((n) => n.startsWith('digest chain:'))).toHaveLength(2);
    expect(report.chain.digests).toBe(10);
  });

  it('--population: the chain is walked whole, only the window (and the day after) kept, and a break before it said', async () => {
    const population: Population = {
      name: 'things',
      collector: fakeCollector.id,
      description: 'none: the chain is what is looked at',
      columns: [],
      items: () => [],
    };
    const run = () =>
      samplePopulation({
        locker,
        config: fakeConfig,
        population,
        from: '2026-04-08',
        to: '2026-04-08',
        seed: 's',
      });
    const clean = await run();
    expect(clean.notes.some((n) => n.includes('digest chain'))).toBe(false);
    expect(clean.chainProblems).toBe(0);
    const walk = await lastWalk();
    expect(walk.digests).toHaveLength(10);
    expect(new Set([...walk.sealed.keys()].map((k) => k.slice(10, 20)))).toEqual(
      new Set(['2026-04-08', '2026-04-09']),
    );
    expect(walk.sealed.size).toBe(2 * SCOPES.length);

    await alterDigest(dir, '2026-04-01');
    const broken = await run();
    expect(broken.notes).toContain('the digest chain has 2 problem(s): run evidence verify');
    expect(broken.chainProblems).toBe(2); // the CLI exits 1 on it (sample-population.ts)
  });
});
