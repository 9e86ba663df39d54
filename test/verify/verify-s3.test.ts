/**
 * The verifier on S3 with Object Lock, on the emulator. The store's own write time
 * (LastModified) is the emulator's real clock, so these snapshots are collected "now": the
 * window is today (and the day 3 h ago, when that was yesterday).
 */
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { systemClock } from '../../shared/clock.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { addDaysToInstant, dayOf } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { verify } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, SERIES, testConfig } from './fixtures.js';

describe('verify (S3 locker on the emulator)', () => {
  let s3: S3Client;
  beforeAll(() => {
    s3 = new S3Client(s3ClientOptions());
  });
  afterAll(() => s3.destroy());

  async function today(locker: S3Locker) {
    const keys = new Map<string, string>();
    for (const [collector, scope] of SERIES) {
      const w = await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, collectedAt: new Date().toISOString(), runId: 'run-today' }),
        730,
      );
      keys.set(`${collector}/${scope}`, w.key);
    }
    return keys;
  }

  it('a clean locker is ok, with retention checked from the digests without reading snapshots', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    await today(locker);
    const now = new Date();
    const sealed = await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730 });
    // The sealer read each snapshot once and recorded what verification needs.
    expect(sealed.sealed).toHaveLength(3);
    for (const entry of sealed.sealed) {
      expect(entry).toMatchObject({ status: 'ok', lockMode: 'COMPLIANCE', versionId: expect.any(String) });
      const collected = Date.parse(entry.collectedAt!);
      expect(Date.parse(entry.retainUntil!) - collected).toBeGreaterThanOrEqual(730 * 86_400_000 - 1000);
      expect(Math.abs(Date.parse(entry.lastModified!) - collected)).toBeLessThan(60_000);
    }
    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: '2026-01-01' } }),
      from: dayOf(now),
      to: dayOf(now),
      collectors: FAKES,
    });
    expect(result.integrity).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.retention).toBe('checked');
    expect(result.stats.objectsRead).toBe(0);
  });

  it('reports retention-missing, backdated, an overwritten and a hidden object exactly, and nothing else', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const keys = await today(locker);

    // Backdated: an envelope claiming 3 h ago, written now.
    const backdated = makeSnapshot({
      collector: 'fake-b',
      scope: 'x-1',
      collectedAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      runId: 'run-backdated',
    });
    const backdatedKey = (await writeSnapshot(locker, backdated, 730)).key;

    // Written without retention: a plain PutObject into the locker bucket.
    const plain = makeSnapshot({
      collector: 'fake-b',
      scope: 'x-2',
      collectedAt: new Date().toISOString(),
      runId: 'run-plain',
    });
    const plainKey = snapshotKey(plain);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: plainKey, Body: canonicalBytes(plain) }));

    const now = new Date();
    const days = [...new Set([dayOf(new Date(backdated.collectedAt)), dayOf(now)])];
    for (const day of days) await seal(locker, { day, clock: systemClock, retentionDays: 730 });

    // After sealing: a new (locked) version of a sealed snapshot with other bytes ...
    const overwritten = keys.get('fake-a/org-acme')!;
    const original = makeSnapshot({ collector: 'fake-a', scope: 'org-acme', collectedAt: now.toISOString() });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: overwritten,
        Body: canonicalBytes({ ...original, data: { detectors: [] } }),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: addDaysToInstant(now, 730),
      }),
    );
    // ... and a delete marker hiding a sealed, locked snapshot.
    const hidden = keys.get('fake-b/x-2')!;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: hidden }));

    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: '2026-01-01' } }),
      from: days[0]!,
      to: dayOf(now),
      collectors: FAKES,
    });

    const got = result.integrity.map(({ key, problem }) => `${problem} ${key}`).sort();
    expect(got).toEqual(
      [
        `backdated ${backdatedKey}`,
        `retention-missing ${plainKey}`,
        `hash-mismatch ${overwritten}`,
        `deleted ${hidden}`,
      ].sort(),
    );
    expect(result.integrity.find((p) => p.problem === 'backdated')!.detail).toMatch(
      /before the store wrote it .*tolerance 15 min/,
    );
    // Today: an altered snapshot does not count (fake-a has no other); x-2 keeps the plain
    // snapshot (a lock problem, reported, does not make the bytes other evidence).
    const stateOn = (id: string, day: string) =>
      result.series
        .find((s) => `${s.collector}/${s.scope}` === id)!
        .days.find((r) => r.from <= day && r.to >= day)?.state;
    expect(stateOn('fake-a/org-acme', dayOf(now))).toBe('unusable');
    expect(stateOn('fake-b/x-1', dayOf(now))).toBe('present');
    expect(stateOn('fake-b/x-2', dayOf(now))).toBe('present');
    expect(result.ok).toBe(false);
  });

  it('backdating is measured from the end of the collection: a slow one written at its end is not flagged, a backdated one is', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    await today(locker);
    // Started 40 min ago (one long rate-limit wait), written now, when it ended.
    const slow = makeSnapshot({
      collector: 'fake-b',
      scope: 'x-1',
      collectedAt: new Date(Date.now() - 40 * 60_000).toISOString(),
      runId: 'run-slow',
      stats: { requests: 2, items: 1, pages: 1, durationMs: 40 * 60_000 },
    });
    await writeSnapshot(locker, slow, 730);
    // Claims 3 h ago and a 1 h collection, written now: 2 h after its end.
    const backdated = makeSnapshot({
      collector: 'fake-b',
      scope: 'x-2',
      collectedAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      runId: 'run-backdated',
      stats: { requests: 2, items: 1, pages: 1, durationMs: 3_600_000 },
    });
    const backdatedKey = (await writeSnapshot(locker, backdated, 730)).key;
    const now = new Date();
    const days = [
      ...new Set([slow, backdated].map((s) => dayOf(new Date(s.collectedAt))).concat(dayOf(now))),
    ].sort();
    for (const day of days) await seal(locker, { day, clock: systemClock, retentionDays: 730 });

    const result = await verify({
      locker,
      config: testConfig({ auditPeriod: { start: '2026-01-01' } }),
      from: days[0]!,
      to: dayOf(now),
      collectors: FAKES,
    });
    expect(result.integrity.map(({ key, problem }) => `${problem} ${key}`)).toEqual([
      `backdated ${backdatedKey}`,
    ]);
    expect(result.integrity[0]!.detail).toMatch(
      /and a 60 min collection, (120 min|2\.0 h) before the store wrote it/,
    );
  });

  it('a trial locker (bucket default GOVERNANCE): writes follow it; verify flags GOVERNANCE unless locker.trial', async () => {
    const bucket = await createBucket({ objectLock: true });
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
        },
      }),
    );
    const locker = new S3Locker(`s3://${bucket}`);
    const keys = await today(locker);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: [...keys.values()][0]! }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const now = new Date();
    await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730 });
    const judged = (trial: boolean) =>
      verify({
        locker,
        config: testConfig({ auditPeriod: { start: '2026-01-01' }, locker: { retentionDays: 730, trial } }),
        from: dayOf(now),
        to: dayOf(now),
        collectors: FAKES,
      });
    const evidence = await judged(false);
    expect(evidence.ok).toBe(false);
    expect(new Set(evidence.integrity.map((p) => p.problem))).toEqual(new Set(['not-compliance-mode']));
    const rehearsal = await judged(true);
    expect(rehearsal.integrity).toEqual([]);
    expect(rehearsal.notes.join(' ')).toMatch(/rehearsal locker .* not evidence/);
  });
});
