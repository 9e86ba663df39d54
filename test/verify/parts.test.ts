/**
 * Verify in parts (shared/verify/parts.ts): the same judgement as one verification, series by
 * series and problem by problem, while each part holds only its account shards; every problem
 * planted in one part is still found.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { addDays } from '../../shared/evidence/days.js';
import {
  chainRoots,
  linkKey,
  listDigests,
  readDigest,
  shardOf,
  walkChain,
} from '../../shared/evidence/digest.js';
import { loadSigner, signatureKey } from '../../shared/evidence/signing.js';
import { verifyInParts } from '../../shared/verify/parts.js';
import type { VerifyResult } from '../../shared/verify/types.js';
import { verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { countRequests, type SyntheticLocker, sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(300_000_000_000 + i));
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-03';
const collectors = COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id));

async function lockerOf(accounts: readonly string[], form: 2 | 3) {
  const dir = await mkdtemp(path.join(tmpdir(), 'verify-parts-'));
  const locker = await sealedAwsLocker({
    dir,
    from: FROM,
    to: TO,
    accounts: accounts,
    regions: REGIONS,
    form: form,
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

  it('the chain of roots is read once for all the parts: 1 request per series shard and day (the leaf, its signature in its metadata), plus the listing, the chain once and a few per part', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const roots = await Promise.all(
      (await listDigests(locker)).digests.map((d) => readDigest(locker, d.key)),
    );
    // A series shard of a day is a leaf: one collector × account shard.
    const leaves = roots.reduce(
      (n, r) => n + (r.digest.schema === 'evidence.digest/3' ? r.digest.leaves.length : 0),
      0,
    );
    const tally = countRequests(locker);
    const before = locker.stats.requests;
    let parts = 0;
    const split = await verifyInParts({
      ...options(locker, ACCOUNTS),
      snapshotsPerPart: 40,
      onPart: (e) => {
        if (e.done) parts++;
      },
    });
    const requests = locker.stats.requests - before;
    expect(split.ok).toBe(true);
    expect(parts).toBeGreaterThan(3);
    // Each leaf once, its signature with it, whatever the number of parts: no `.sig` is read.
    expect(tally.get('GET leaves/')).toBe(leaves);
    expect(tally.get('GET leaves/ signature') ?? 0).toBe(0);
    // Each root and its signature once (not once per part), the head's chain link once.
    expect(tally.get('GET digests/ signature')).toBe(roots.length);
    expect(tally.get('GET digests/')).toBe(roots.length + 1);
    const listing = tally.get('LIST snapshots/') ?? 0;
    expect(listing).toBe(3); // a page a day here
    const chain = (tally.get('LIST digests/') ?? 0) + 2 * roots.length + 1;
    // The signed records are listed once for all the parts (a listing per record prefix).
    const records = (tally.get('LIST acknowledgements/') ?? 0) + (tally.get('LIST retirements/') ?? 0);
    expect(records).toBe(2);
    expect(tally.get('LIST reviews/')).toBe(1);
    const recordListings = 5;
    // The rest is each part's own: the locker check (no records to read here).
    const perPart = requests - leaves - chain - listing - recordListings;
    expect(perPart).toBe(parts);
    // Per series shard and day: 1, plus the listing, the chain (2 a day), the records' listings and a request a part.
    expect((requests - listing) / leaves).toBe(1 + (chain + recordListings + parts) / leaves);
    expect(requests / leaves).toBeLessThanOrEqual(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a locker with leaves sealed before signatures travelled with them (`.sig` only) and after: both verify clean, 2 requests a leaf before, 1 after', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const roots = await Promise.all(
      (await listDigests(locker)).digests.map((d) => readDigest(locker, d.key)),
    );
    const leavesOf = (r: (typeof roots)[number]) =>
      r.digest.schema === 'evidence.digest/3' ? r.digest.leaves.length : 0;
    // The first day as sealed before: its leaves have no metadata, only their `.sig`.
    await rm(path.join(dir, '.meta', 'leaves', FROM), { recursive: true });
    const before = roots.filter((r) => r.digest.day === FROM).reduce((n, r) => n + leavesOf(r), 0);
    const after = roots.filter((r) => r.digest.day !== FROM).reduce((n, r) => n + leavesOf(r), 0);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);
    const tally = countRequests(locker);
    const split = await verifyInParts({ ...options(locker, ACCOUNTS), snapshotsPerPart: 40 });
    expect(split.integrity).toEqual([]);
    expect(split.ok).toBe(true);
    expect(tally.get('GET leaves/')).toBe(before + after);
    expect(tally.get('GET leaves/ signature')).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a root altered is caught in parts: its signature fails, the chain breaks, its leaves seal nothing', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const listing = await listDigests(locker);
    const root = await readDigest(locker, listing.digests[0]!.key);
    if (root.digest.schema !== 'evidence.digest/3') throw new Error('expected a root');
    const cut = root.digest.leaves.find((l) => l.collector === 'iam')!;
    const edited = { ...root.digest, leaves: root.digest.leaves.filter((l) => l.key !== cut.key) };
    await overwrite(path.join(dir, ...root.key.split('/')), canonicalBytes(edited));
    const split = await verifyInParts({ ...options(locker, ACCOUNTS), snapshotsPerPart: 40 });
    expect(split.ok).toBe(false);
    const problems = split.integrity.map((p) => `${p.problem} ${p.key}`);
    expect(problems).toContain(`bad-signature ${root.key}`);
    expect(split.integrity.some((p) => p.problem === 'chain-broken')).toBe(true);
    // The chain's problems once, though every part shares them.
    expect(problems.filter((p) => p === `bad-signature ${root.key}`)).toHaveLength(1);
    const hit = split.series.filter((s) => s.collector === 'iam' && shardOf(s.scope) === cut.shard);
    expect(hit.length).toBeGreaterThan(0);
    for (const s of hit) expect(s.missing).toEqual([root.digest.day]);
    expect(judged(split)).toEqual(judged(await verify(options(locker, ACCOUNTS))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a root cut from the end of the chain is caught in parts: chain-truncated against the last report', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const before = await verifyInParts({ ...options(locker, ACCOUNTS), snapshotsPerPart: 40 });
    expect(before.ok).toBe(true);
    await writeVerifyReport(locker, before, 730, await loadSigner());
    const head = before.chain.head!;
    for (const key of [head.key, signatureKey(head.key), linkKey(head.digests)])
      await rm(path.join(dir, ...key.split('/')), { force: true });
    const after = await verifyInParts({ ...options(locker, ACCOUNTS), snapshotsPerPart: 40 });
    expect(after.ok).toBe(false);
    expect(after.integrity.map((p) => `${p.problem} ${p.key}`)).toContain(`chain-truncated ${head.key}`);
    expect(after.chain.anchor).toEqual(head);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a window inside the locker's days, in parts: only the window's roots' leaves are read", async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS, 3);
    const day = addDays(FROM, 1);
    const roots = await Promise.all(
      (await listDigests(locker)).digests.map((d) => readDigest(locker, d.key)),
    );
    const inWindow = roots.filter((r) => r.digest.day === day);
    expect(inWindow).toHaveLength(1);
    const leaves = inWindow[0]!.digest.schema === 'evidence.digest/3' ? inWindow[0]!.digest.leaves.length : 0;
    expect(leaves).toBeGreaterThan(0);
    const tally = countRequests(locker);
    let parts = 0;
    const split = await verifyInParts({
      ...options(locker, ACCOUNTS),
      from: day,
      to: day,
      snapshotsPerPart: 20,
      onPart: (e) => {
        if (e.done) parts++;
      },
    });
    expect(parts).toBeGreaterThan(1);
    expect(split.ok).toBe(true);
    // The days before and after the window are sealed too; their leaves are none of its business.
    expect(tally.get('GET leaves/')).toBe(leaves);
    expect(tally.get('GET leaves/ signature') ?? 0).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an account in shard 00 is verified in parts like any other (the first shard is a shard)', async () => {
    let zero = '';
    for (let i = 0; !zero; i++) {
      const account = String(310_000_000_000 + i);
      if (shardOf(`aws-${account}`) === '00') zero = account;
    }
    const accounts = [...ACCOUNTS.slice(0, 6), zero];
    const { dir, locker } = await lockerOf(accounts, 3);
    const whole = await verify(options(locker, accounts));
    expect(whole.ok).toBe(true);
    expect(whole.series.some((s) => s.scope.includes(zero))).toBe(true);
    const split = await verifyInParts({ ...options(locker, accounts), snapshotsPerPart: 20 });
    expect(judged(split)).toEqual(judged(whole));
    expect(split.ok).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an old-form digest replaced after the chain was walked seals nothing in the walk that reuses it', async () => {
    const { dir, locker } = await lockerOf(ACCOUNTS.slice(0, 2), 2);
    const first = await walkChain(locker, { keep: () => false });
    const d = first.digests[1]!;
    const read = await readDigest(locker, d.key);
    if (read.digest.schema !== 'evidence.digest/2') throw new Error('expected the old form');
    await overwrite(
      path.join(dir, ...d.key.split('/')),
      canonicalBytes({ ...read.digest, snapshots: read.digest.snapshots.slice(1) }),
    );
    const again = await walkChain(locker, { roots: { chain: chainRoots(first), leaves: () => [] } });
    expect(again.problems.map((p) => `${p.problem} ${p.key}`)).toContain(`hash-mismatch ${d.key}`);
    expect([...again.sealedBy.values()].some((by) => by.key === d.key)).toBe(false);
    expect(again.sealed.size).toBe(first.digests.reduce((n, x) => n + x.entries, 0) - d.entries);
    rmSync(dir, { recursive: true, force: true });
  });
});

async function overwrite(target: string, bytes: Uint8Array) {
  await chmod(target, 0o644);
  await writeFile(target, bytes);
}
