/**
 * Exceptions as an actor's tool (issue 20): every way to explain a gap away without the
 * signing key, tried as an attacker would. Each ended in "OK" before acknowledgements,
 * retirements and reports became signed, sealed records judged by the store's write time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { summaryLine } from '../../shared/cli/commands/verify.js';
import { fixedClock, systemClock } from '../../shared/clock.js';
import { addDays, dayOf } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { recordConfiguration, writeSignedRecord } from '../../shared/evidence/records.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { writeRecord, writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { Locker } from '../../shared/locker/types.js';
import { type SampleRunRecord, writeSampleRun } from '../../shared/sample/record.js';
import { ACK_SCHEMA, acknowledge, acknowledgementKey } from '../../shared/verify/acknowledgements.js';
import { retire, retirementKey } from '../../shared/verify/retirements.js';
import { type VerifyResult, verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, fill, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');
const anySeries = async () => undefined;
const TOOL = { name: 'evidence-locker', version: 'test' };

const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`).sort();
function stateOn(result: VerifyResult, series: string, day: string) {
  const s = result.series.find((x) => `${x.collector}/${x.scope}` === series);
  return s?.days.find((r) => r.from <= day && r.to >= day)?.state;
}

/** An acknowledgement record as the tool writes it, for one series and days, claiming `at`. */
function ackRecord(series: string, day: string, to: string | undefined, at: Date) {
  const [collector, scope] = series.split('/') as [string, string];
  return {
    key: acknowledgementKey(day, collector, scope, at),
    value: {
      schema: ACK_SCHEMA,
      collector,
      scope,
      day,
      ...(to && to !== day && { to }),
      reason: 'outage',
      by: 'Mallory',
      acknowledgedAt: at.toISOString(),
      tool: TOOL,
    },
  };
}

describe('exceptions cannot launder a gap (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  const run = (extra: Partial<Parameters<typeof verify>[0]> = {}) =>
    verify({ locker, config: testConfig(), from: FROM, to: TO, clock: NOW, collectors: FAKES, ...extra });
  const gapAt = (day: string) => (_c: string, s: string, d: string) =>
    s === 'x-1' && d === day ? undefined : {};
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'exceptions-'));
    locker = new DirectoryLocker(dir);
  });

  it('a hand-written acknowledgement (no signature), sealed by the regular seal, excuses nothing and is listed', async () => {
    const at = new Date('2026-04-06T09:00:00.000Z');
    const forged = ackRecord('fake-b/x-1', '2026-04-05', undefined, at);
    // Written before the seal of 2026-04-06 runs: the chain even seals it.
    await writeRecord(locker, forged.key, forged.value, at, 730);
    await fill(locker, FROM, TO, { snapshot: gapAt('2026-04-05') });
    const result = await run();
    expect(result.ok).toBe(false);
    expect(stateOn(result, 'fake-b/x-1', '2026-04-05')).toBe('missing');
    expect(problems(result)).toEqual([`unsigned ${forged.key}`]);
    expect(result.refused).toEqual([
      expect.objectContaining({ kind: 'acknowledgement', key: forged.key, by: 'Mallory', why: 'unsigned' }),
    ]);
  });

  it('a signed acknowledgement written on a day cannot excuse that day or later ones (in advance)', async () => {
    const at = new Date('2026-04-05T10:00:00.000Z');
    const early = ackRecord('fake-b/x-1', '2026-04-04', '2026-04-07', at);
    await writeSignedRecord(locker, { ...early, at, retentionDays: 730, signer: await loadSigner() });
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-1' && d >= '2026-04-04' && d <= '2026-04-07' ? undefined : {}),
    });
    const result = await run();
    expect(result.ok).toBe(false);
    // 2026-04-04 had ended when it was written; 2026-04-05..07 had not.
    expect(stateOn(result, 'fake-b/x-1', '2026-04-04')).toBe('acknowledged');
    for (const day of ['2026-04-05', '2026-04-06', '2026-04-07'])
      expect(stateOn(result, 'fake-b/x-1', day)).toBe('missing');
    expect(problems(result)).toEqual([`acknowledged-in-advance ${early.key}`]);
  });

  it('an acknowledgement sealed after its day and grace (written late, claiming an earlier time) is backdated and excuses nothing', async () => {
    await fill(locker, FROM, TO, { snapshot: gapAt('2026-04-03') });
    // Claims 2026-04-04 10:00; sealed when the attacker runs seal on 2026-04-12.
    const written = await acknowledge(
      locker,
      { series: 'fake-b/x-1', day: '2026-04-03', reason: 'outage', by: 'Mallory' },
      {
        clock: fixedClock('2026-04-04T10:00:00.000Z'),
        retentionDays: 730,
        knownSeries: anySeries,
        signer: await loadSigner(),
      },
    );
    await seal(locker, {
      day: '2026-04-04',
      clock: fixedClock('2026-04-12T10:00:00.000Z'),
      retentionDays: 730,
    });
    const result = await run();
    expect(stateOn(result, 'fake-b/x-1', '2026-04-03')).toBe('missing');
    expect(problems(result)).toEqual([`backdated ${written.key}`]);
    expect(result.refused.map((r) => r.key)).toEqual([written.key]);
  });

  it('an acknowledgement deleted after sealing, or altered, is reported; an unsealed one past its grace is not-sealed', async () => {
    const signer = await loadSigner();
    const a1 = ackRecord('fake-b/x-1', '2026-04-02', undefined, new Date('2026-04-03T08:00:00.000Z'));
    const a2 = ackRecord('fake-b/x-1', '2026-04-05', undefined, new Date('2026-04-06T08:00:00.000Z'));
    for (const a of [a1, a2])
      await writeSignedRecord(locker, {
        ...a,
        at: new Date(a.value.acknowledgedAt),
        retentionDays: 730,
        signer,
      });
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-1' && (d === '2026-04-02' || d === '2026-04-05') ? undefined : {}),
    });
    // Written after the seal of its day, never sealed.
    const late = ackRecord('fake-b/x-1', '2026-04-08', undefined, new Date('2026-04-09T08:00:00.000Z'));
    await writeSignedRecord(locker, {
      ...late,
      at: new Date(late.value.acknowledgedAt),
      retentionDays: 730,
      signer,
    });
    await rm(path.join(dir, ...a1.key.split('/')), { force: true });
    const before = await run();
    expect(problems(before)).toEqual([`deleted ${a1.key}`, `not-sealed ${late.key}`].sort());
    expect(stateOn(before, 'fake-b/x-1', '2026-04-02')).toBe('missing');
    expect(stateOn(before, 'fake-b/x-1', '2026-04-05')).toBe('acknowledged');
  });

  it('a retirement written today for a past day keeps the earlier days judged; later evidence contradicts it', async () => {
    await fill(locker, FROM, TO, {
      // x-2 stops on 2026-04-04, but has one more snapshot on 2026-04-07.
      snapshot: (_c, s, d) => (s === 'x-2' && d >= '2026-04-04' && d !== '2026-04-07' ? undefined : {}),
    });
    const written = await retire(
      locker,
      { series: 'fake-b/x-2', from: '2026-04-04', reason: 'region closed', by: 'Mallory' },
      {
        clock: fixedClock('2026-04-11T09:00:00.000Z'),
        retentionDays: 730,
        knownSeries: anySeries,
        signer: await loadSigner(),
      },
    );
    await seal(locker, {
      day: '2026-04-11',
      clock: fixedClock('2026-04-11T10:00:00.000Z'),
      retentionDays: 730,
    });
    const result = await run();
    expect(result.ok).toBe(false);
    const x2 = result.series.find((s) => s.scope === 'x-2')!;
    expect(x2.missing).toEqual([
      '2026-04-04',
      '2026-04-05',
      '2026-04-06',
      '2026-04-08',
      '2026-04-09',
      '2026-04-10',
    ]);
    expect(problems(result)).toEqual([`retirement-contradicted ${written.key}`]);
    expect(result.retired).toEqual([
      expect.objectContaining({ from: '2026-04-04', effectiveFrom: '2026-04-11', by: 'Mallory' }),
    ]);
  });

  it('a partial snapshot with no item read is failed; one with items counts as present, naming what it lacks', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) =>
        s === 'x-1' && d === '2026-04-03'
          ? {
              status: 'partial',
              errors: ['the group list stopped after 0 groups'],
              stats: { requests: 1, items: 0, pages: 0, durationMs: 5 },
            }
          : s === 'x-1' && d === '2026-04-04'
            ? {
                status: 'partial',
                errors: ['members of group "Admins" could not be read to the end'],
                stats: { requests: 3, items: 5, pages: 1, durationMs: 5 },
              }
            : {},
    });
    const result = await run();
    const x1 = result.series.find((s) => s.scope === 'x-1')!;
    expect(x1.failed).toEqual(['2026-04-03']);
    expect(x1.presentDays).toBe(9);
    expect(x1.partial).toEqual([
      {
        day: '2026-04-04',
        key: expect.any(String),
        missing: ['members of group "Admins" could not be read to the end'],
      },
    ]);
  });

  it('a hand-written retirement retires nothing and is listed', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-2' && d >= '2026-04-08' ? undefined : {}),
    });
    const at = new Date('2026-04-07T12:00:00.000Z');
    const key = retirementKey('fake-b', 'x-2', at);
    await writeRecord(
      locker,
      key,
      {
        schema: 'evidence.retirement/1',
        collector: 'fake-b',
        scope: 'x-2',
        from: '2026-04-08',
        reason: 'gone',
        by: 'Mallory',
        retiredAt: at.toISOString(),
        tool: TOOL,
      },
      at,
      730,
    );
    const result = await run();
    expect(result.ok).toBe(false);
    expect(result.series.find((s) => s.scope === 'x-2')!.missing).toEqual([
      '2026-04-08',
      '2026-04-09',
      '2026-04-10',
    ]);
    expect(problems(result)).toEqual([`not-sealed ${key}`, `unsigned ${key}`]);
    expect(result.retired).toEqual([]);
    expect(result.refused).toEqual([expect.objectContaining({ kind: 'retirement', key, by: 'Mallory' })]);
  });

  it('`since` past a gap cannot hide the evidence before it: judged from the first evidence, since-contradicts-evidence', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (c, _s, d) => (c === 'fake-a' && (d === '2026-04-03' || d === '2026-04-04') ? undefined : {}),
    });
    const config = testConfig({ github: { org: 'acme', since: '2026-04-05' } });
    const result = await run({ config });
    expect(result.ok).toBe(false);
    const a = result.series.find((s) => s.collector === 'fake-a')!;
    expect(a.expectedFrom).toBe('2026-04-01');
    expect(a.missing).toEqual(['2026-04-03', '2026-04-04']);
    expect(
      result.integrity
        .filter((p) => p.problem === 'since-contradicts-evidence')
        .map((p) => p.series)
        .sort(),
    ).toEqual(['fake-a/org-acme', 'fake-b/x-1', 'fake-b/x-2']);
  });

  it('the configuration a verification ran under is recorded; a changed one shows in the next verification', async () => {
    await fill(locker, FROM, TO);
    const signer = await loadSigner();
    const config = testConfig();
    const first = await run({
      config,
      configuration: await recordConfiguration(locker, config, { at: NOW.now(), retentionDays: 730 }),
    });
    expect(first.ok).toBe(true);
    expect(summaryLine(first)).toBe('OK, every expected day has evidence and nothing was altered');
    const report = await writeVerifyReport(locker, first, 730, signer);
    await seal(locker, {
      day: '2026-04-13',
      clock: fixedClock('2026-04-13T00:30:00.000Z'),
      retentionDays: 730,
    });

    const edited = testConfig({
      github: { org: 'acme', since: '2026-04-01' },
      locker: { retentionDays: 730, sealGraceHours: 48 },
    });
    const later = fixedClock('2026-04-13T01:00:00.000Z');
    const second = await run({
      config: edited,
      clock: later,
      configuration: await recordConfiguration(locker, edited, { at: later.now(), retentionDays: 730 }),
    });
    expect(second.configuration?.changed).toEqual({
      report: report.key,
      sha256: first.configuration!.sha256,
      keys: ['github.since', 'locker.sealGraceHours'],
    });
    expect(summaryLine(second)).toMatch(
      /^OK, with the configuration changed since reports\/verify\/.* \(github\.since, locker\.sealGraceHours\)$/,
    );
  });

  it('a junk newest report does not switch the anchor off: it is a problem, and a cut chain is still found', async () => {
    await fill(locker, FROM, TO);
    const signer = await loadSigner();
    const first = await run();
    await writeVerifyReport(locker, first, 730, signer);
    // The attacker: a junk report that sorts last, then the chain cut off at its end.
    const junk = 'reports/verify/99991231T000000000Z.json';
    await writeRecord(locker, junk, { chain: { anchor: null } }, new Date('2026-04-13T00:00:00.000Z'), 730);
    const [lastLink] = [`digests/chain/${String(10).padStart(10, '0')}.json`];
    await rm(path.join(dir, ...lastLink.split('/')));
    const result = await run({ clock: fixedClock('2026-04-13T02:00:00.000Z') });
    expect(result.ok).toBe(false);
    expect(result.integrity.map((p) => p.problem)).toContain('chain-truncated');
    expect(problems(result)).toContain(`unsigned ${junk}`);
  });

  it('a sealed sample run deleted from the directory is reported deleted', async () => {
    await fill(locker, FROM, TO);
    const signer = await loadSigner();
    const record = sampleRecord('2026-04-11T09:00:00.000Z');
    const written = await writeSampleRun(locker, record, 730, signer);
    await seal(locker, {
      day: '2026-04-11',
      clock: fixedClock('2026-04-12T03:00:00.000Z'),
      retentionDays: 730,
    });
    await rm(path.join(dir, ...written.key.split('/')));
    const result = await run();
    expect(problems(result)).toEqual([`deleted ${written.key}`]);
    expect(result.ok).toBe(false);
  });
});

function sampleRecord(ranAt: string): SampleRunRecord {
  return {
    schema: 'evidence.sample-run/1',
    ranAt,
    from: FROM,
    to: TO,
    seed: '42',
    seedChosenBy: 'given',
    subject: 'check fake',
    checks: ['fake'],
    plan: { kind: 'per-month', n: 1 },
    command: 'npx evidence sample',
    configSha256: '0'.repeat(64),
    store: 'test',
    summary: { total: 1, pass: 0, fail: 1, missing: 0 },
    samples: [],
    earlier: [],
    tool: TOOL,
  };
}

describe('exceptions on S3 (the emulator keeps the real write time)', () => {
  let s3: S3Client;
  beforeAll(() => {
    s3 = new S3Client(s3ClientOptions());
  });
  afterAll(() => s3.destroy());

  async function freshLocker(): Promise<{ bucket: string; locker: Locker }> {
    const bucket = await createBucket({ objectLock: true });
    return { bucket, locker: new S3Locker(`s3://${bucket}`) };
  }
  const verifyDay = (locker: Locker, day: string, to = day) =>
    verify({
      locker,
      config: testConfig({ auditPeriod: { start: '2026-01-01' } }),
      from: day,
      to,
      collectors: [FAKES[0]!],
    });

  it('an acknowledgement written 56 h after the time it claims is backdated and excuses nothing', async () => {
    const { locker } = await freshLocker();
    const claimed = new Date(Date.now() - 56 * 3_600_000);
    const gap = addDays(dayOf(claimed), -1);
    const written = await acknowledge(
      locker,
      { series: 'fake-a/org-acme', day: gap, reason: 'outage', by: 'Mallory' },
      { clock: fixedClock(claimed), retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() },
    );
    await seal(locker, { day: dayOf(claimed), clock: systemClock, retentionDays: 730 });
    const result = await verifyDay(locker, gap);
    expect(stateOn(result, 'fake-a/org-acme', gap)).toBe('missing');
    expect(problems(result)).toContain(`backdated ${written.key}`);
    expect(result.integrity.find((p) => p.key === written.key)!.detail).toMatch(/before the store wrote it/);
  });

  it('a hand-written acknowledgement (no signature) and one in advance excuse nothing', async () => {
    const { locker } = await freshLocker();
    const now = new Date();
    const today = dayOf(now);
    const yesterday = addDays(today, -1);
    const forged = ackRecord('fake-a/org-acme', yesterday, undefined, now);
    await writeRecord(locker, forged.key, forged.value, now, 730);
    const ahead = ackRecord('fake-a/org-acme', today, addDays(today, 2), new Date(now.getTime() + 1));
    await writeSignedRecord(locker, {
      ...ahead,
      at: new Date(now.getTime() + 1),
      retentionDays: 730,
      signer: await loadSigner(),
    });
    await seal(locker, { day: today, clock: systemClock, retentionDays: 730 });
    const result = await verifyDay(locker, yesterday, today);
    expect(stateOn(result, 'fake-a/org-acme', yesterday)).toBe('missing');
    expect(stateOn(result, 'fake-a/org-acme', today)).toBe('missing');
    expect(problems(result)).toEqual(
      expect.arrayContaining([`unsigned ${forged.key}`, `acknowledged-in-advance ${ahead.key}`]),
    );
  });

  it('a sealed sample run hidden by a delete marker is reported deleted', async () => {
    const { bucket, locker } = await freshLocker();
    const now = new Date();
    const written = await writeSampleRun(locker, sampleRecord(now.toISOString()), 730, await loadSigner());
    await writeSnapshot(
      locker,
      makeSnapshot({ collector: 'fake-a', scope: 'org-acme', collectedAt: now.toISOString() }),
      730,
    );
    await seal(locker, { day: dayOf(now), clock: systemClock, retentionDays: 730 });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: written.key }));
    const result = await verifyDay(locker, dayOf(now));
    expect(problems(result)).toContain(`deleted ${written.key}`);
    expect(result.ok).toBe(false);
  });
});
