/**
 * Claims docs/threat-model.md makes that had no test (issue 27, item 5): each case here was
 * checked to fail with its protection removed (the check in shared/evidence/digest/chain.ts or
 * shared/verify/problems.ts taken out: verify then said OK on the tampered locker).
 *
 *   unsigned             a digest whose .sig is deleted
 *   chain-broken         a chain link missing in the middle; a digest that starts the chain again
 *   not-compliance-mode  a snapshot locked in GOVERNANCE mode (S3)
 *   retention-too-short  a snapshot retained for less than locker.retentionDays (S3)
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { fixedClock, systemClock } from '../../shared/clock.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import { addDaysToInstant, dayOf } from '../../shared/evidence/days.js';
import { linkKey, seal } from '../../shared/evidence/digest.js';
import { loadSigner, signatureKey, writeSignature } from '../../shared/evidence/signing.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { type VerifyResult, verify } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, fill, SERIES, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));
const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);

function stateOn(result: VerifyResult, series: string, day: string) {
  const s = result.series.find((x) => `${x.collector}/${x.scope}` === series);
  return s?.days.find((r) => r.from <= day && r.to >= day)?.state;
}

describe('digest signatures and the chain (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  const run = () =>
    verify({ locker, config: testConfig(), from: FROM, to: TO, clock: NOW, collectors: FAKES });
  /** The one digest of `day`. */
  const digestOf = async (day: string) => {
    const names = (await readdir(path.join(dir, 'digests', day))).filter((n) => n.endsWith('.json'));
    expect(names).toHaveLength(1);
    return { key: `digests/${day}/${names[0]}` };
  };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'claims-'));
    locker = new DirectoryLocker(dir);
    await fill(locker, FROM, TO);
    expect((await run()).ok).toBe(true);
  });

  it("a digest's signature deleted: unsigned, and the snapshots it sealed do not count", async () => {
    const target = await digestOf('2026-04-05');
    await rm(file(dir, signatureKey(target.key)));

    const after = await run();
    expect(problems(after)).toEqual([`unsigned ${target.key}`]);
    expect(after.integrity[0]!.detail).toBe(`no signature ${signatureKey(target.key)}`);
    expect(after.ok).toBe(false);
    for (const [collector, scope] of SERIES)
      expect(stateOn(after, `${collector}/${scope}`, '2026-04-05')).not.toBe('present');
  });

  it('a chain link deleted in the middle: chain-broken, naming the link', async () => {
    await rm(file(dir, linkKey(4)));

    const after = await run();
    expect(problems(after)).toEqual([`chain-broken ${linkKey(4)}`]);
    expect(after.integrity[0]!.detail).toBe(
      'the chain link 4 of 10 is missing: the chain was cut or a link deleted',
    );
    expect(after.ok).toBe(false);
  });

  it('the head digest replaced by one that starts the chain again (re-signed, its link rewritten): chain-broken', async () => {
    // What someone with the key and file rights does to cut the history off behind a digest.
    const head = await digestOf(TO);
    expect((await run()).chain.head).toMatchObject({ key: head.key, digests: 10 });
    const body = JSON.parse(await readFile(file(dir, head.key), 'utf8'));
    body.previous = null;
    const bytes = Buffer.from(JSON.stringify(body));
    await chmod(file(dir, head.key), 0o644);
    await writeFile(file(dir, head.key), bytes);
    await rm(file(dir, signatureKey(head.key)));
    await writeSignature(
      locker,
      await loadSigner(),
      head.key,
      bytes,
      new Date('2026-04-11T03:00:00.000Z'),
      730,
    );
    const link = JSON.parse(await readFile(file(dir, linkKey(10)), 'utf8'));
    link.sha256 = sha256Hex(bytes);
    await chmod(file(dir, linkKey(10)), 0o644);
    await writeFile(file(dir, linkKey(10)), JSON.stringify(link));

    const after = await run();
    expect(problems(after)).toEqual([`chain-broken ${head.key}`]);
    expect(after.integrity[0]!.detail).toBe('starts a new chain at place 10: earlier digests were replaced');
    expect(after.ok).toBe(false);
  });
});

describe('Object Lock mode and retention (S3 on the emulator)', () => {
  const s3 = new S3Client(s3ClientOptions());
  afterAll(() => s3.destroy());

  it('a snapshot in GOVERNANCE mode: not-compliance-mode; one retained too briefly: retention-too-short', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const now = new Date();
    const collectedAt = new Date(now.getTime() - 60_000).toISOString();
    const day = dayOf(new Date(collectedAt));
    await writeSnapshot(locker, makeSnapshot({ collector: 'fake-b', scope: 'x-2', collectedAt }), 730);
    // Written as a role with s3:PutObject may write them, bypassing the locker's own writer.
    const put = async (collector: string, scope: string, lock: 'GOVERNANCE' | 'COMPLIANCE', days: number) => {
      const snapshot = makeSnapshot({ collector, scope, collectedAt });
      const key = snapshotKey(snapshot);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: canonicalBytes(snapshot),
          ObjectLockMode: lock,
          ObjectLockRetainUntilDate: addDaysToInstant(now, days),
        }),
      );
      return key;
    };
    const governance = await put('fake-a', 'org-acme', 'GOVERNANCE', 730);
    const brief = await put('fake-b', 'x-1', 'COMPLIANCE', 10);
    await seal(locker, { day, clock: systemClock, retentionDays: 730 });

    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: day } }),
      from: day,
      to: day,
      collectors: FAKES,
    });
    expect(problems(result).sort()).toEqual(
      [`not-compliance-mode ${governance}`, `retention-too-short ${brief}`].sort(),
    );
    expect(result.integrity.find((p) => p.key === governance)!.detail).toMatch(
      /Object Lock mode is GOVERNANCE, not COMPLIANCE/,
    );
    expect(result.integrity.find((p) => p.key === brief)!.detail).toMatch(/retained until .*earlier than/);
    expect(result.ok).toBe(false);
  });
});
