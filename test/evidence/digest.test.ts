import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { readDigest, seal, verifyChain, verifySealed } from '../../shared/evidence/digest.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { createBucket } from '../helpers/aws.js';
import { listed } from '../helpers/digests.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const DAYS = ['2026-04-20', '2026-04-21', '2026-04-22'];

async function fill(locker: DirectoryLocker | S3Locker) {
  const keys: string[] = [];
  for (const day of DAYS) {
    for (const scope of ['aws-123456789012-us-east-1', 'aws-123456789012-eu-west-1']) {
      const w = await writeSnapshot(
        locker,
        makeSnapshot({ collectedAt: `${day}T00:05:00.000Z`, scope }),
        730,
      );
      keys.push(w.key);
    }
    await seal(locker, { day, clock: fixedClock(`${day}T03:00:00.000Z`), retentionDays: 730 });
  }
  return keys;
}

function file(dir: string, key: string) {
  return path.join(dir, ...key.split('/'));
}

describe('digests (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'digest-'));
    locker = new DirectoryLocker(dir);
  });

  it('chain across three days, each sealing its own day', async () => {
    const keys = await fill(locker);
    const report = await verifySealed(locker);
    expect(report.problems).toEqual([]);
    expect(report.digests.map((d) => d.digest.day)).toEqual(DAYS);
    expect(report.digests[0]!.digest.previous).toBeNull();
    expect(report.digests[1]!.digest.previous).toEqual({
      key: report.digests[0]!.key,
      sha256: report.digests[0]!.sha256,
    });
    expect(report.digests[2]!.digest.previous).toEqual({
      key: report.digests[1]!.key,
      sha256: report.digests[1]!.sha256,
    });
    expect([...report.sealed.keys()].sort()).toEqual([...keys].sort());
  });

  it('seals late snapshots in a later digest of the same day, and says when nothing is new', async () => {
    await fill(locker);
    const nothing = await seal(locker, {
      day: DAYS[1],
      clock: fixedClock('2026-04-23T03:00:00.000Z'),
      retentionDays: 730,
    });
    expect(nothing.key).toBeUndefined();
    expect(nothing.alreadySealed).toBe(2);
    const late = await writeSnapshot(
      locker,
      makeSnapshot({ collectedAt: `${DAYS[1]}T23:59:00.000Z`, scope: 'late' }),
      730,
    );
    const again = await seal(locker, {
      day: DAYS[1],
      clock: fixedClock('2026-04-23T04:00:00.000Z'),
      retentionDays: 730,
    });
    expect(again.sealed.map((e) => e.key)).toEqual([late.key]);
    const chain = await verifyChain(locker);
    expect(chain.problems).toEqual([]);
    expect(chain.digests.at(-1)!.digest.previous?.key).toBe(chain.digests.at(-2)!.key);
  });

  it('defaults to sealing yesterday (UTC) and writes an empty first digest for an empty day', async () => {
    const result = await seal(locker, { clock: fixedClock('2026-05-02T00:30:00.000Z'), retentionDays: 730 });
    expect(result.day).toBe('2026-05-01');
    expect(result.key).toMatch(/^digests\/2026-05-01\//);
    expect(listed((await readDigest(locker, result.key!)).digest).snapshots).toEqual([]);
  });

  it('detects one changed byte in a sealed snapshot, naming the key', async () => {
    const keys = await fill(locker);
    const target = file(dir, keys[2]!);
    const bytes = await readFile(target);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
    await chmod(target, 0o644);
    await writeFile(target, bytes);
    const { problems } = await verifySealed(locker);
    expect(problems).toEqual([expect.objectContaining({ problem: 'hash-mismatch', key: keys[2] })]);
  });

  it('detects a deleted sealed snapshot, naming the key', async () => {
    const keys = await fill(locker);
    await rm(file(dir, keys[4]!));
    const { problems } = await verifySealed(locker);
    expect(problems).toEqual([expect.objectContaining({ problem: 'deleted', key: keys[4] })]);
  });

  it('detects a deleted digest: its chain link names the missing one', async () => {
    await fill(locker);
    const before = await verifyChain(locker);
    const removed = before.digests[1]!.key;
    await rm(file(dir, removed));
    const { problems } = await verifyChain(locker);
    expect(problems).toEqual([
      expect.objectContaining({
        problem: 'deleted',
        key: removed,
        detail: expect.stringContaining('digests/chain/0000000002.json'),
      }),
    ]);
  });

  it('detects an altered digest through its successor', async () => {
    await fill(locker);
    const before = await verifyChain(locker);
    const target = file(dir, before.digests[0]!.key);
    const text = (await readFile(target, 'utf8')).replace('"snapshots":[', '"snapshots":[ ');
    await chmod(target, 0o644);
    await writeFile(target, text);
    const { problems } = await verifyChain(locker);
    // Its signature no longer matches, and its successor names other bytes.
    expect(problems).toEqual([
      expect.objectContaining({ problem: 'chain-broken', key: before.digests[1]!.key }),
      expect.objectContaining({ problem: 'bad-signature', key: before.digests[0]!.key }),
    ]);
  });
});

describe('digests (S3 locker on the emulator)', () => {
  it('seal records version ids and the stored checksum; the chain verifies', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const keys = await fill(locker);
    const report = await verifySealed(locker);
    expect(report.problems).toEqual([]);
    for (const key of keys) expect(report.sealed.get(key)?.versionId).toBeTruthy();
    const info = await locker.head(report.digests[0]!.key);
    expect(info.lockMode).toBe('COMPLIANCE');
  });
});
