/**
 * Verify in bounded memory: the chain is walked end to end from genesis to head whatever the
 * window, but only the window's digest entries are kept (a compact record per digest, not
 * every entry ever sealed). Memory itself is measured in bench/verify.bench.ts, not here.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { listDigests } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { gatherInputs } from '../../shared/verify/inputs.js';
import { verify } from '../../shared/verify/verify.js';
import { alterDigest } from '../helpers/digests.js';
import { FAKES, fill, SERIES, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');

describe('verify streams the chain', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-stream-'));
    locker = new DirectoryLocker(dir);
    await fill(locker, FROM, TO);
  });

  it("keeps every digest of the chain, compact, and only the window's entries", async () => {
    const inputs = await gatherInputs({
      locker,
      config: testConfig(),
      from: '2026-04-09',
      to: TO,
      concurrency: 4,
      now: new Date('2026-05-01T00:00:00.000Z'),
    });
    expect(inputs.chain.digests.map((d) => d.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(inputs.chain.digests[0]).not.toHaveProperty('body');
    expect(inputs.chain.digests[0]).not.toHaveProperty('digest');
    expect(inputs.chain.digests.every((d) => d.entries === SERIES.length)).toBe(true);
    const kept = [...inputs.chain.sealed.keys()].map((k) => k.slice(10, 20));
    expect(kept).toHaveLength(2 * SERIES.length);
    expect(new Set(kept)).toEqual(new Set(['2026-04-09', '2026-04-10']));
    expect(inputs.chain.head).toMatchObject({ digests: 10 });
    // Every scope the chain seals, with its last day, for inferring the default AWS account.
    expect(Object.fromEntries(inputs.scopesSeen)).toEqual({ 'org-acme': TO, 'x-1': TO, 'x-2': TO });
  });

  it('a digest altered long before the window is still found: the chain is checked from its start', async () => {
    const { digests } = await listDigests(locker);
    const third = digests.find((d) => d.key.startsWith('digests/2026-04-03/'))!.key;
    const second = await alterDigest(dir, '2026-04-02');
    const result = await verify({
      locker,
      config: testConfig(),
      from: '2026-04-09',
      to: TO,
      clock: NOW,
      collectors: FAKES,
    });
    expect(result.ok).toBe(false);
    expect(result.integrity.map((p) => `${p.problem} ${p.key}`).sort()).toEqual(
      [`bad-signature ${second}`, `chain-broken ${third}`].sort(),
    );
    expect(result.stats.digests).toBe(10);
    // The window itself is complete.
    expect(result.series.every((s) => s.presentDays === 2 && s.missing.length === 0)).toBe(true);
  });
});
