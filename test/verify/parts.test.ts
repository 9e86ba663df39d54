/**
 * Verify in parts (shared/verify/parts.ts): the same judgement as one verification, series by
 * series and problem by problem, while each part holds only its account shards; every problem
 * planted in one part is still found.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { listDigests, readDigest, seal, shardOf } from '../../shared/evidence/digest.js';
import { verifyInParts } from '../../shared/verify/parts.js';
import type { VerifyResult } from '../../shared/verify/types.js';
import { verify } from '../../shared/verify/verify.js';
import { awsSeries, SyntheticLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(300_000_000_000 + i));
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-03';
const collectors = COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id));

async function lockerOf(accounts: readonly string[], form: 2 | 3) {
  const dir = await mkdtemp(path.join(tmpdir(), 'verify-parts-'));
  const locker = new SyntheticLocker({
    dir,
    from: FROM,
    to: TO,
    retentionDays: 730,
    series: awsSeries(accounts, REGIONS, {
      regional: ['guardduty', 'aws-config'],
      account: ['iam', 'cloudtrail'],
    }),
  });
  for (const day of daysBetween(FROM, TO))
    await seal(locker, {
      day,
      clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
      retentionDays: 730,
      form,
    });
  return { dir, locker };
}

/** The configuration names `named` accounts (the first the credentials' own). */
const options = (locker: SyntheticLocker, named: readonly string[]) => ({
  locker,
  config: parseConfig({
    locker: { retentionDays: 730 },
    aws: { regions: REGIONS, accounts: named.slice(1).map((id) => ({ id })) },
    auditPeriod: { start: FROM },
  }),
  from: FROM,
  to: TO,
  clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
  collectors,
  callerAccount: async () => named[0]!,
});

/** What a verification judged, in one order (parts list the configuration's series, then the locker's, each sorted). */
const judged = (r: VerifyResult) => ({
  ok: r.ok,
  series: [...r.series].sort((a, b) =>
    `${a.origin}${a.collector}/${a.scope}` < `${b.origin}${b.collector}/${b.scope}` ? -1 : 1,
  ),
  integrity: r.integrity,
  unexpected: [...r.unexpected].sort(),
  chain: r.chain,
  exceptions: r.exceptions,
});

describe('verify in parts', () => {
  it.each([3, 2] as const)(
    'form %i: the same judgement as one verification, in several parts',
    async (form) => {
      // The locker holds 12 accounts; the configuration names 11 of them and one it lacks.
      const { dir, locker } = await lockerOf(ACCOUNTS, form);
      const named = [...ACCOUNTS.slice(0, 11), '399999999999'];
      const whole = await verify(options(locker, named));
      expect(whole.ok).toBe(false);
      expect(whole.series.filter((s) => s.missing.length === 3)).toHaveLength(6); // the account the locker lacks
      expect(whole.unexpected).toHaveLength(6); // the account the configuration does not name
      const parts: number[] = [];
      let asked = 0;
      const split = await verifyInParts({
        ...options(locker, named),
        // STS is asked once for all the parts.
        callerAccount: async () => {
          asked++;
          return named[0]!;
        },
        snapshotsPerPart: 40,
        onPart: (e) => {
          if (e.done) parts.push(e.snapshots);
        },
      });
      expect(parts.length).toBeGreaterThan(3);
      expect(asked).toBe(1);
      for (const n of parts) expect(n).toBeLessThanOrEqual(40);
      expect(judged(split)).toEqual(judged(whole));
      expect(split.stats.snapshots).toBe(whole.stats.snapshots);
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it('one part when the window is small: exactly verify', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS.slice(0, 2), 3);
    const split = await verifyInParts({ ...options(locker, ACCOUNTS.slice(0, 2)) });
    expect(split.ok).toBe(true);
    expect(judged(split)).toEqual(judged(await verify(options(locker, ACCOUNTS.slice(0, 2)))));
    rmSync(dir, { recursive: true, force: true });
  });

  it("a leaf deleted is found by its part: reported once, its snapshots not sealed; other parts' leaves are never read twice", async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const roots = (await listDigests(locker)).digests;
    const root = await readDigest(locker, roots[0]!.key);
    if (root.digest.schema !== 'evidence.digest/3') throw new Error('expected a root');
    const ref = root.digest.leaves.find((l) => l.collector === 'guardduty')!;
    rmSync(path.join(dir, ...ref.key.split('/')));
    const whole = await verify(options(locker, ACCOUNTS));
    const before = locker.stats.requests;
    const split = await verifyInParts({ ...options(locker, ACCOUNTS), snapshotsPerPart: 40 });
    const requests = locker.stats.requests - before;
    expect(split.integrity.filter((p) => p.key === ref.key).map((p) => p.problem)).toEqual(['deleted']);
    expect(judged(split)).toEqual(judged(whole));
    const hit = split.series.filter((s) => s.collector === 'guardduty' && shardOf(s.scope) === ref.shard);
    expect(hit.length).toBeGreaterThan(0);
    // Past the seal grace of its day, each of its snapshots is not sealed: the day has no usable evidence.
    for (const s of hit) expect(s.missing).toEqual([root.digest.day]);
    // Each leaf is read by one part only: the parts' requests stay near one verification's.
    expect(requests).toBeLessThan(whole.stats.requests * 2);
    rmSync(dir, { recursive: true, force: true });
  });
});
