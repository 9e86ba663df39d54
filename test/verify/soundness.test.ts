/**
 * Sound proof (issue 11): verify never says OK over a gap, a forgery or a cut chain. One test
 * per case, tried as an attacker and as a new user would; each failed on the verifier before
 * this issue (it answered OK, or at most not-sealed). docs/threat-model.md says who can do
 * each of these and what detects it.
 */

import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { fixedClock, systemClock } from '../../shared/clock.js';
import { parseConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import { addDays, addDaysToInstant, dayOf } from '../../shared/evidence/days.js';
import { type Digest, linkKey, readDigest, seal, verifyChain } from '../../shared/evidence/digest.js';
import {
  fileSigner,
  kmsSigner,
  loadSigner,
  publicKeyKey,
  signatureKey,
} from '../../shared/evidence/signing.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { Locker } from '../../shared/locker/types.js';
import { retire } from '../../shared/verify/retirements.js';
import { type VerifyResult, verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';
import { listed } from '../helpers/digests.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, fakeCollector, fill, testConfig, VERIFY_MODES, verifyAs } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');
const anySeries = async () => undefined;

const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

function stateOn(result: VerifyResult, series: string, day: string) {
  const s = result.series.find((x) => `${x.collector}/${x.scope}` === series);
  return s?.days.find((r) => r.from <= day && r.to >= day)?.state;
}

const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);

async function overwrite(target: string, bytes: Uint8Array | string) {
  await chmod(target, 0o644);
  await writeFile(target, bytes);
}

describe.each(VERIFY_MODES)('sound verify (directory locker), %s', (_mode, perPart) => {
  let dir: string;
  let locker: DirectoryLocker;
  const run = (extra: Partial<Parameters<typeof verify>[0]> = {}) =>
    verifyAs(perPart, {
      locker,
      config: testConfig(),
      from: FROM,
      to: TO,
      clock: NOW,
      collectors: FAKES,
      ...extra,
    });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sound-'));
    locker = new DirectoryLocker(dir);
  });

  it('a copy of another day of the same series, or of another series the same day, is misfiled and fills no gap', async () => {
    const missing = (c: string, s: string, day: string) =>
      day === '2026-04-05' && (c === 'fake-a' || s === 'x-2') ? undefined : {};
    const keys = await fill(locker, FROM, '2026-04-04', { snapshot: missing });
    // 2026-04-05 collected (all but fake-a and fake-b/x-2), then copies filed before the seal.
    await fill(locker, '2026-04-05', '2026-04-05', { snapshot: missing, seal: false });
    const sameSeries = snapshotKey({
      collector: 'fake-a',
      scope: 'org-acme',
      collectedAt: '2026-04-05T00:05:00.000Z',
      runId: 'run-2026-04-05',
    });
    const otherSeries = snapshotKey({
      collector: 'fake-b',
      scope: 'x-2',
      collectedAt: '2026-04-05T00:05:00.000Z',
      runId: 'run-2026-04-05',
    });
    const { body: dayBefore } = await locker.get(keys.get('fake-a/org-acme@2026-04-04')!);
    await locker.put(sameSeries, dayBefore, { retainUntil: new Date() });
    const x1 = snapshotKey(
      makeSnapshot({
        collector: 'fake-b',
        scope: 'x-1',
        collectedAt: '2026-04-05T00:05:00.000Z',
        runId: 'run-2026-04-05',
      }),
    );
    await locker.put(otherSeries, (await locker.get(x1)).body, { retainUntil: new Date() });
    await seal(locker, {
      day: '2026-04-05',
      clock: fixedClock('2026-04-06T03:00:00.000Z'),
      retentionDays: 730,
    });
    await fill(locker, '2026-04-06', TO);

    const result = await run();
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([`misfiled ${sameSeries}`, `misfiled ${otherSeries}`]);
    expect(result.integrity[0]!.detail).toMatch(
      /the body is of 2026-04-04, the key files it under 2026-04-05/,
    );
    expect(result.integrity[1]!.detail).toMatch(/the body is of scope x-1, the key says x-2/);
    expect(stateOn(result, 'fake-a/org-acme', '2026-04-05')).toBe('misfiled');
    expect(stateOn(result, 'fake-b/x-2', '2026-04-05')).toBe('misfiled');
    expect(result.series.find((s) => s.scope === 'x-2')!.missing).toEqual(['2026-04-05']);
  });

  it('a forged snapshot of a missing day, its file time set back, sealed later: late, the day stays missing', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (c, _s, day) => (c === 'fake-a' && day === '2026-04-05' ? undefined : {}),
    });
    const forged = makeSnapshot({
      collector: 'fake-a',
      scope: 'org-acme',
      collectedAt: '2026-04-05T00:05:00.000Z',
      runId: 'run-2026-04-05',
    });
    const key = (await writeSnapshot(locker, forged, 730)).key;
    const at = new Date('2026-04-05T00:05:00.000Z');
    await utimes(file(dir, key), at, at);
    // The next seal of that day (the daily seal, or anyone's) takes it in.
    const sealed = await seal(locker, {
      day: '2026-04-05',
      clock: fixedClock('2026-04-12T03:00:00.000Z'),
      retentionDays: 730,
    });
    expect(sealed.sealed.map((e) => e.key)).toEqual([key]);

    const result = await run();
    expect(problems(result)).toEqual([`late ${key}`]);
    expect(result.integrity[0]!.detail).toMatch(/first sealed 2026-04-12T03:00:00.000Z/);
    expect(stateOn(result, 'fake-a/org-acme', '2026-04-05')).toBe('late');
    expect(result.ok).toBe(false);
  });

  it('the newest digest deleted (with its chain link): chain-truncated against the last report', async () => {
    await fill(locker, FROM, TO);
    const before = await run();
    expect(before.ok).toBe(true);
    await writeVerifyReport(locker, before, 730, await loadSigner());
    const head = before.chain.head!;
    await rm(file(dir, head.key));
    await rm(file(dir, signatureKey(head.key)));
    await rm(file(dir, linkKey(head.digests)));

    const after = await run();
    expect(after.ok).toBe(false);
    expect(problems(after)).toContain(`chain-truncated ${head.key}`);
    expect(problems(after)).toContain('digest-missing digests/2026-04-10/');
    // The next report keeps the lost head as its anchor: the cut is reported again next time.
    expect(after.chain.anchor).toEqual(head);
  });

  it('all digests deleted: chain-truncated, and every day without a digest', async () => {
    await fill(locker, FROM, TO);
    await writeVerifyReport(locker, await run(), 730, await loadSigner());
    await rm(path.join(dir, 'digests'), { recursive: true, force: true });

    const after = await run();
    const kinds = after.integrity.map((p) => p.problem);
    expect(kinds).toContain('chain-truncated');
    expect(kinds.filter((k) => k === 'digest-missing')).toHaveLength(10);
    expect(after.ok).toBe(false);
    expect(after.series.every((s) => s.presentDays === 0)).toBe(true);
  });

  it('the newest snapshot edited and the newest digest (and its link) patched to match: bad signature, even --deep', async () => {
    const keys = await fill(locker, FROM, TO);
    const target = keys.get('fake-a/org-acme@2026-04-10')!;
    const edited = Buffer.from(
      (await readFile(file(dir, target), 'utf8')).replace('"ENABLED"', '"DISABLED"'),
    );
    await overwrite(file(dir, target), edited);
    const chain = await verifyChain(locker);
    const newest = chain.digests.at(-1)!;
    const patched: Digest = {
      ...listed(newest.digest),
      snapshots: listed(newest.digest).snapshots.map((e) =>
        e.key === target ? { ...e, sha256: sha256Hex(edited), size: edited.byteLength } : e,
      ),
    };
    const bytes = canonicalBytes(patched);
    await overwrite(file(dir, newest.key), bytes);
    const link = linkKey(newest.digest.sequence);
    const linked = JSON.parse(await readFile(file(dir, link), 'utf8'));
    await overwrite(file(dir, link), canonicalBytes({ ...linked, sha256: sha256Hex(bytes) }));

    const result = await run({ deep: true });
    expect(problems(result)).toEqual([`bad-signature ${newest.key}`]);
    expect(stateOn(result, 'fake-a/org-acme', '2026-04-10')).toBe('unusable');
    expect(result.ok).toBe(false);
  });

  it('the whole chain rewritten with another key: every digest signed by an untrusted key', async () => {
    await fill(locker, FROM, TO);
    await rm(path.join(dir, 'digests'), { recursive: true, force: true });
    const attacker = await fileSigner(path.join(dir, '..', `attacker-${path.basename(dir)}.pem`), {
      create: true,
    });
    for (const day of [
      '2026-04-01',
      '2026-04-02',
      '2026-04-03',
      '2026-04-04',
      '2026-04-05',
      '2026-04-06',
      '2026-04-07',
      '2026-04-08',
      '2026-04-09',
      TO,
    ])
      await seal(locker, {
        day,
        clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
        retentionDays: 730,
        signer: attacker,
      });

    const result = await run();
    const kinds = new Set(result.integrity.map((p) => p.problem));
    expect([...kinds]).toEqual(['untrusted-key']);
    expect(result.integrity).toHaveLength(10);
    expect(result.integrity[0]!.detail).toContain(attacker.fingerprint);
    expect(result.series.every((s) => s.presentDays === 0)).toBe(true);
    expect(result.ok).toBe(false);
  });

  it('a series removed from the configuration is still judged, until retired by a record', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, day) => (s === 'x-2' && day >= '2026-04-08' ? undefined : {}),
    });
    const withoutX2 = [FAKES[0]!, fakeCollector('fake-b', () => ['x-1'], { controls: ['CC7.2'] })];
    const removed = await run({ collectors: withoutX2 });
    expect(removed.ok).toBe(false);
    expect(removed.unexpected).toEqual(['fake-b/x-2']);
    expect(removed.series.find((s) => s.scope === 'x-2')).toMatchObject({
      origin: 'locker',
      missing: ['2026-04-08', '2026-04-09', '2026-04-10'],
    });

    await retire(
      locker,
      { series: 'fake-b/x-2', from: '2026-04-08', reason: 'x-2 decommissioned (CHG-1)', by: 'Jane Doe' },
      { clock: NOW, retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() },
    );
    // Sealed in the digest of the day it was written, like every signed record.
    await seal(locker, {
      day: '2026-04-13',
      clock: fixedClock('2026-04-13T01:00:00.000Z'),
      retentionDays: 730,
    });
    const retired = await run({ collectors: withoutX2 });
    // Written 2026-04-13, it takes effect that day: the days it says the series stopped stay judged.
    expect(retired.ok).toBe(false);
    expect(retired.series.find((s) => s.scope === 'x-2')).toMatchObject({
      expectedTo: '2026-04-12',
      missing: ['2026-04-08', '2026-04-09', '2026-04-10'],
    });
    expect(retired.retired).toEqual([
      expect.objectContaining({ series: 'fake-b/x-2', from: '2026-04-08', effectiveFrom: '2026-04-13' }),
    ]);
    // A retirement from a day still ahead ends the series there.
    const ahead = await run({
      collectors: withoutX2,
      to: '2026-04-12',
      clock: fixedClock('2026-04-13T02:00:00.000Z'),
    });
    expect(ahead.series.find((s) => s.scope === 'x-2')!.expectedDays).toBe(12);
  });

  it('a series whose first snapshot comes after auditPeriod.start is missing every day before it', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (c, _s, day) => (c === 'fake-a' && day < '2026-04-05' ? undefined : {}),
    });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(result.series[0]).toMatchObject({
      collector: 'fake-a',
      expectedFrom: '2026-04-01',
      missing: ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04'],
    });
  });

  it('a day without a digest after the grace period is a problem, even when it had no snapshot', async () => {
    await fill(locker, FROM, TO, {
      seal: false,
      snapshot: (_c, _s, day) => (day === '2026-04-04' ? undefined : {}),
    });
    for (const day of [
      '2026-04-01',
      '2026-04-02',
      '2026-04-03',
      '2026-04-05',
      '2026-04-06',
      '2026-04-07',
      '2026-04-08',
      '2026-04-09',
      TO,
    ])
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
    const result = await run();
    expect(problems(result)).toEqual(['digest-missing digests/2026-04-04/']);
  });
});

describe('no forks', () => {
  const lockers: [string, () => Promise<Locker>][] = [
    ['directory', async () => new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'fork-')))],
    ['S3', async () => new S3Locker(`s3://${await createBucket({ objectLock: true })}`)],
  ];

  it.each(lockers)(
    '%s: two (five) concurrent seals extend one chain; the losers re-read and retry',
    async (_kind, open) => {
      const locker = await open();
      const now = new Date();
      const days = [0, 1, 2, 3, 4].map((n) => addDays(dayOf(now), -n));
      for (const day of days)
        await writeSnapshot(
          locker,
          makeSnapshot({ collectedAt: now.toISOString().replace(dayOf(now), day) }),
          730,
        );
      const results = await Promise.all(
        [...days, days[0]!].map((day) => seal(locker, { day, clock: systemClock, retentionDays: 730 })),
      );
      expect(results.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
      const chain = await verifyChain(locker);
      expect(chain.problems).toEqual([]);
      expect(chain.digests.map((d) => d.digest.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(chain.digests.map((d) => d.digest.day))).toEqual(new Set(days));
      expect(chain.sealed.size).toBe(5);
    },
  );

  it('a seal with a clock a few minutes slow chains to the real head; the next seal too', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'slow-')));
    await fill(locker, '2026-04-01', '2026-04-03', { seal: false });
    await seal(locker, {
      day: '2026-04-01',
      clock: fixedClock('2026-04-04T03:00:00.000Z'),
      retentionDays: 730,
    });
    const slow = await seal(locker, {
      day: '2026-04-02',
      clock: fixedClock('2026-04-04T02:55:00.000Z'),
      retentionDays: 730,
    });
    const next = await seal(locker, {
      day: '2026-04-03',
      clock: fixedClock('2026-04-04T03:10:00.000Z'),
      retentionDays: 730,
    });
    expect(next.previous?.key).toBe(slow.key);
    const chain = await verifyChain(locker);
    expect(chain.problems).toEqual([]);
    expect(chain.digests.map((d) => d.digest.day)).toEqual(['2026-04-01', '2026-04-02', '2026-04-03']);
    // Never before its predecessor, whatever the clock said.
    expect(chain.digests[1]!.digest.sealedAt > chain.digests[0]!.digest.sealedAt).toBe(true);
  });

  it('seal refuses a day that has not begun', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'future-')));
    await expect(seal(locker, { day: '2026-04-14', clock: NOW, retentionDays: 730 })).rejects.toThrow(
      /has not begun/,
    );
  });
});

describe('S3 locker: key and body, write time', () => {
  const s3 = new S3Client(s3ClientOptions());

  it('a copy filed by a collector role under a missing day or series is misfiled, not evidence', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const now = new Date();
    const today = dayOf(now);
    const yesterday = addDays(today, -1);
    const at = new Date(now.getTime() - 60_000).toISOString();
    const a = await writeSnapshot(
      locker,
      makeSnapshot({ collector: 'fake-a', scope: 'org-acme', collectedAt: at }),
      730,
    );
    const x1 = await writeSnapshot(
      locker,
      makeSnapshot({ collector: 'fake-b', scope: 'x-1', collectedAt: at }),
      730,
    );
    // What any collector role may do: PutObject under snapshots/, locked, with a plausible key.
    const put = async (key: string, from: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: (await locker.get(from)).body,
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: addDaysToInstant(now, 730),
        }),
      );
    const sameSeries = snapshotKey({
      collector: 'fake-a',
      scope: 'org-acme',
      collectedAt: `${yesterday}T00:05:00.000Z`,
      runId: 'run000000001',
    });
    const otherSeries = snapshotKey({
      collector: 'fake-b',
      scope: 'x-2',
      collectedAt: at,
      runId: 'run000000001',
    });
    await put(sameSeries, a.key);
    await put(otherSeries, x1.key);
    for (const day of [yesterday, today]) await seal(locker, { day, clock: systemClock, retentionDays: 730 });

    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: yesterday } }),
      from: yesterday,
      to: today,
      collectors: FAKES,
    });
    const misfiled = result.integrity.filter((p) => p.problem === 'misfiled').map((p) => p.key);
    expect(misfiled.sort()).toEqual([sameSeries, otherSeries].sort());
    expect(stateOn(result, 'fake-a/org-acme', yesterday)).toBe('misfiled');
    expect(stateOn(result, 'fake-b/x-2', today)).toBe('misfiled');
    expect(stateOn(result, 'fake-a/org-acme', today)).toBe('present');
  });

  it('a forged snapshot written now for an earlier time, sealed by the regular seal: backdated, the day not present', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    // Claims a collection an hour before now (whatever the time of day: at 00:30 UTC that is
    // yesterday, which is then the day sealed and verified); S3 records the real write time,
    // 60 minutes after the claimed end, well past the 15-minute tolerance.
    const claimed = new Date(Date.now() - 60 * 60_000);
    const day = dayOf(claimed);
    const forged = makeSnapshot({
      collector: 'fake-a',
      scope: 'org-acme',
      collectedAt: claimed.toISOString(),
    });
    const key = (await writeSnapshot(locker, forged, 730)).key;
    await seal(locker, { day, clock: systemClock, retentionDays: 730 });
    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: day } }),
      from: day,
      to: day,
      collectors: [FAKES[0]!],
    });
    expect(problems(result)).toEqual([`backdated ${key}`]);
    expect(stateOn(result, 'fake-a/org-acme', day)).toBe('late');
    expect(result.ok).toBe(false);
  });
});

describe('signatures an auditor checks with openssl', () => {
  const opensslVerify = (pem: string, signature: string, data: string) =>
    execFileSync('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', signature, data], {
      encoding: 'utf8',
    });

  it('a real digest of a directory locker: openssl dgst -sha256 -verify keys/<fp>.pem -signature D.sig D', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'openssl-'));
    const locker = new DirectoryLocker(dir);
    const signer = await fileSigner(path.join(dir, '..', `${path.basename(dir)}.pem`), { create: true });
    await writeSnapshot(locker, makeSnapshot({ collectedAt: '2026-04-01T00:05:00.000Z' }), 730);
    const sealed = await seal(locker, { day: '2026-04-01', clock: NOW, retentionDays: 730, signer });
    const out = opensslVerify(
      file(dir, publicKeyKey(signer.fingerprint)),
      file(dir, signatureKey(sealed.key!)),
      file(dir, sealed.key!),
    );
    expect(out).toContain('Verified OK');
    // One changed byte and openssl refuses it.
    await overwrite(
      file(dir, sealed.key!),
      (await readFile(file(dir, sealed.key!), 'utf8')).replace('2026-04-01', '2026-04-02'),
    );
    expect(() =>
      opensslVerify(
        file(dir, publicKeyKey(signer.fingerprint)),
        file(dir, signatureKey(sealed.key!)),
        file(dir, sealed.key!),
      ),
    ).toThrow();
  });

  it('emulator: a KMS-signed digest verifies with openssl against the public key KMS returns', async () => {
    const kms = new KMSClient({});
    const keyId = (
      await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))
    ).KeyMetadata!.KeyId!;
    // Work-around, emulator only: moto 5.2.5 signs MessageType DIGEST as if it were RAW (it
    // hashes the digest again), so its DIGEST signatures do not verify. The signer sends RAW
    // here (this digest is under KMS's 4,096-byte RAW limit); production sends DIGEST, which
    // real KMS needs for larger digests (signing.test.ts pins what moto does with DIGEST).
    const signer = await kmsSigner(keyId, { client: kms, messageType: 'RAW' });
    const locker = new S3Locker(`s3://${await createBucket({ objectLock: true })}`);
    const now = new Date();
    await writeSnapshot(locker, makeSnapshot({ collectedAt: now.toISOString() }), 730);
    const sealed = await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730, signer });
    const work = await mkdtemp(path.join(tmpdir(), 'kms-openssl-'));
    const { digest } = await readDigest(locker, sealed.key!);
    expect(listed(digest).snapshots).toHaveLength(1);
    await writeFile(path.join(work, 'digest.json'), (await locker.get(sealed.key!)).body);
    await writeFile(path.join(work, 'digest.json.sig'), (await locker.get(signatureKey(sealed.key!))).body);
    // The PEM in the locker is the one KMS GetPublicKey returned (signer.publicKeyPem()).
    const pem = (await locker.get(publicKeyKey(signer.fingerprint))).body.toString('utf8');
    expect(pem).toBe(signer.publicKeyPem());
    await writeFile(path.join(work, 'public.pem'), pem);
    expect(
      opensslVerify(
        path.join(work, 'public.pem'),
        path.join(work, 'digest.json.sig'),
        path.join(work, 'digest.json'),
      ),
    ).toContain('Verified OK');
  });
});

describe('records that would excuse what cannot be excused', () => {
  let dir: string;
  let common: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'refuse-'));
    const config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        github: { org: 'acme' },
        auditPeriod: { start: '2026-04-01' },
      }),
    );
    common = ['--store', path.join(dir, 'locker'), '--config', config];
  });
  const ack = (series: string, days: string[]) =>
    runCli(['acknowledge', ...common, '--series', series, ...days, '--reason', 'outage', '--by', 'Jane'], {
      clock: NOW,
    });

  it('acknowledge refuses days that have not ended, and series nobody expects and the locker does not hold', async () => {
    const today = await ack('github/github-acme', ['--day', '2026-04-13']);
    expect(today.code).toBe(2);
    expect(today.stderr).toMatch(/2026-04-13: that day has not ended/);
    const future = await ack('github/github-acme', ['--from', '2026-04-10', '--to', '2026-05-01']);
    expect(future.code).toBe(2);
    const unknown = await ack('guardduty/aws-999999999999-eu-west-1', ['--day', '2026-04-10']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no such series/);
    expect(await readdir(path.join(dir, 'locker')).catch(() => [])).not.toContain('acknowledgements');

    // A configured series, a range of days that have ended: one record.
    const ok = await ack('github/github-acme', ['--from', '2026-04-02', '--to', '2026-04-04']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/acknowledged github\/github-acme on 2026-04-02\.\.2026-04-04/);
  });

  it('auditPeriod.end before auditPeriod.start is refused', async () => {
    expect(() =>
      parseConfig({
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-04-01', end: '2026-03-31' },
      }),
    ).toThrow(ConfigError);
    const config = path.join(dir, 'bad.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        auditPeriod: { start: '2026-04-01', end: '2026-03-31' },
      }),
    );
    const run = await runCli(['verify', '--store', path.join(dir, 'locker'), '--config', config], {
      clock: NOW,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/auditPeriod.end.*before auditPeriod.start/);
  });
});
