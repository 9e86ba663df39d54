import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { acknowledge } from '../../shared/verify/acknowledgements.js';
import { verify } from '../../shared/verify/verify.js';
import { FAKES, fakeCollector, fill, SERIES, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');

function file(dir: string, key: string) {
  return path.join(dir, ...key.split('/'));
}

async function flipByte(target: string) {
  const bytes = await readFile(target);
  bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
  await chmod(target, 0o644);
  await writeFile(target, bytes);
}

describe('verify (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-'));
    locker = new DirectoryLocker(dir);
  });

  it('a clean locker is ok: every day present, no problem, retention not applicable', async () => {
    await fill(locker, FROM, TO);
    const result = await verify({
      locker,
      config: testConfig(),
      from: FROM,
      to: TO,
      clock: NOW,
      collectors: FAKES,
    });
    expect(result.ok).toBe(true);
    expect(result.integrity).toEqual([]);
    expect(result.series.map((s) => [s.collector, s.scope, s.missing, s.failed, s.acknowledged])).toEqual(
      SERIES.map(([c, s]) => [c, s, [], [], []]),
    );
    expect(result.series.every((s) => s.presentDays === 10 && s.expectedDays === 10)).toBe(true);
    expect(result.retention).toBe('not-applicable');
    expect(result.unexpected).toEqual([]);
  });

  it('reports each gap and problem exactly, and nothing else', async () => {
    // Written 2026-04-07 09:00, so sealed by the seal of 2026-04-07 (the next morning) as the fill runs.
    await acknowledge(
      locker,
      { series: 'fake-a/org-acme', day: '2026-04-06', reason: 'GitHub outage (INC-7)', by: 'Jane Doe' },
      {
        clock: fixedClock('2026-04-07T09:00:00.000Z'),
        retentionDays: 730,
        knownSeries: async () => undefined,
        signer: await loadSigner(),
      },
    );
    const keys = await fill(locker, FROM, TO, {
      snapshot: (collector, scope, day) => {
        if (collector === 'fake-b' && scope === 'x-1' && (day === '2026-04-03' || day === '2026-04-04'))
          return undefined; // two missing days in one series
        if (collector === 'fake-a' && day === '2026-04-06') return undefined; // acknowledged below
        if (collector === 'fake-b' && scope === 'x-2' && day === '2026-04-05')
          return { status: 'error', errors: ['AccessDenied: boom'], data: null }; // only an error snapshot
        return {};
      },
    });
    // A byte-altered sealed snapshot.
    const altered = keys.get('fake-a/org-acme@2026-04-07')!;
    await flipByte(file(dir, altered));
    // A removed digest: the one of 2026-04-08.
    const [removedName] = await readdir(path.join(dir, 'digests', '2026-04-08'));
    const removed = `digests/2026-04-08/${removedName}`;
    await rm(file(dir, removed));

    const result = await verify({
      locker,
      config: testConfig(),
      from: FROM,
      to: TO,
      clock: NOW,
      collectors: FAKES,
    });

    expect(result.ok).toBe(false);
    // An altered snapshot, or one no digest covers any more, does not count for its day.
    expect(
      result.series.map((s) => ({
        series: `${s.collector}/${s.scope}`,
        m: s.missing,
        f: s.failed,
        a: s.acknowledged,
      })),
    ).toEqual([
      { series: 'fake-a/org-acme', m: ['2026-04-07', '2026-04-08'], f: [], a: ['2026-04-06'] },
      { series: 'fake-b/x-1', m: ['2026-04-03', '2026-04-04', '2026-04-08'], f: [], a: [] },
      { series: 'fake-b/x-2', m: ['2026-04-08'], f: ['2026-04-05'], a: [] },
    ]);
    const acked = result.series[0]!;
    expect(acked.presentDays).toBe(7); // an acknowledged day is never present
    expect(acked.acknowledgements).toEqual([
      expect.objectContaining({ day: '2026-04-06', reason: 'GitHub outage (INC-7)', by: 'Jane Doe' }),
    ]);
    expect(acked.days).toEqual([
      { from: '2026-04-01', to: '2026-04-05', state: 'present' },
      { from: '2026-04-06', to: '2026-04-06', state: 'acknowledged' },
      { from: '2026-04-07', to: '2026-04-08', state: 'unusable' },
      { from: '2026-04-09', to: '2026-04-10', state: 'present' },
    ]);
    expect(result.integrity.map(({ key, problem }) => ({ key, problem }))).toEqual([
      { key: 'digests/2026-04-08/', problem: 'digest-missing' },
      { key: removed, problem: 'deleted' },
      { key: altered, problem: 'hash-mismatch' },
      // The removed digest sealed these: no digest covers them any more.
      { key: keys.get('fake-a/org-acme@2026-04-08'), problem: 'not-sealed' },
      { key: keys.get('fake-b/x-1@2026-04-08'), problem: 'not-sealed' },
      { key: keys.get('fake-b/x-2@2026-04-08'), problem: 'not-sealed' },
    ]);
    expect(result.integrity[1]!.detail).toContain('digests/chain/0000000008.json');
    expect(result.integrity[2]!.series).toBe('fake-a/org-acme');
  });

  it('a sealed snapshot that is gone is deleted; an unsealed one within the grace period is fine', async () => {
    const keys = await fill(locker, FROM, TO);
    // 2026-04-11: collected, not sealed yet, still within sealGraceHours (36 h after the end of its day).
    const late = await fill(locker, '2026-04-11', '2026-04-11', { seal: false });
    const gone = keys.get('fake-b/x-2@2026-04-09')!;
    await rm(file(dir, gone));
    const result = await verify({
      locker,
      config: testConfig(),
      from: FROM,
      to: '2026-04-11',
      clock: fixedClock('2026-04-12T10:00:00.000Z'),
      collectors: FAKES,
    });
    expect(result.integrity.map(({ key, problem }) => ({ key, problem }))).toEqual([
      { key: gone, problem: 'deleted' },
    ]);
    expect(result.series.find((s) => s.scope === 'x-2')!.missing).toEqual(['2026-04-09']);
    expect(late.size).toBe(3);
    // After the grace period the same snapshots are not-sealed.
    const later = await verify({
      locker,
      config: testConfig(),
      from: FROM,
      to: '2026-04-11',
      clock: fixedClock('2026-04-13T12:00:00.000Z'),
      collectors: FAKES,
    });
    expect(later.integrity.filter((p) => p.problem === 'not-sealed').map((p) => p.key)).toEqual(
      [...late.values()].sort(),
    );
  });

  it('expects every series from the audit start, or from the since the configuration names; a series only in the locker is judged too', async () => {
    const added = fakeCollector('fake-c', () => ['late', 'never'], { controls: ['CC6.1'], source: 'okta' });
    await fill(locker, FROM, TO, {
      series: [
        ['fake-a', 'org-acme'],
        ['fake-c', 'late'],
      ],
      snapshot: (collector, _scope, day) => (collector === 'fake-c' && day < '2026-04-05' ? undefined : {}),
    });
    await fill(locker, '2026-04-02', '2026-04-02', { series: [['other', 'stray']], seal: false });
    const result = await verify({
      locker,
      config: testConfig({ okta: { orgUrl: 'https://acme.okta.com', since: '2026-04-05' } }),
      from: '2026-03-25', // before the audit period: those days are not expected
      to: TO,
      clock: NOW,
      collectors: [FAKES[0]!, added],
    });
    expect(
      result.series.map((s) => [
        `${s.collector}/${s.scope}`,
        s.expectedFrom,
        s.expectedFromReason,
        s.expectedDays,
        s.missing.length,
      ]),
    ).toEqual([
      ['fake-a/org-acme', '2026-04-01', 'auditPeriod.start', 10, 0],
      ['fake-c/late', '2026-04-05', 'okta.since', 6, 0],
      ['fake-c/never', '2026-04-05', 'okta.since', 6, 6], // a configured collector that never ran is a gap
      // Not in the configuration, but in the locker: judged from the audit start all the same.
      ['other/stray', '2026-04-01', 'auditPeriod.start', 10, 10],
    ]);
    expect(result.unexpected).toEqual(['other/stray']);
    expect(result.integrity.map((p) => [p.series, p.problem])).toEqual([['other/stray', 'not-sealed']]);
  });

  it('takes the default AWS account from STS, else from the locker, else expects aws-unresolved', async () => {
    const fakeAws = fakeCollector(
      'fake-aws',
      (config, env) => {
        if (!env.defaultAccountId) throw new SourceUnavailableError('default account unknown');
        return (config.aws?.regions ?? []).map((r) => `aws-${env.defaultAccountId}-${r}`);
      },
      { source: 'aws', controls: ['CC7.2'] },
    );
    const config = testConfig({ aws: { regions: ['us-east-1'], accounts: [] } });
    const base = { locker, config, from: FROM, to: TO, clock: NOW, collectors: [fakeAws] };
    const refused = async (): Promise<string> => {
      throw new SourceUnavailableError('no credentials');
    };

    const empty = await verify({ ...base, callerAccount: refused });
    expect(empty.series.map((s) => [`${s.collector}/${s.scope}`, s.missing.length])).toEqual([
      ['fake-aws/aws-unresolved', 10],
    ]);
    expect(empty.notes.join('\n')).toMatch(
      /default AWS account is unknown: STS did not answer \(no credentials\)/,
    );

    await fill(locker, FROM, TO, { series: [['fake-aws', 'aws-123456789012-us-east-1']] });
    const inferred = await verify({ ...base, callerAccount: refused });
    expect(inferred.ok).toBe(true);
    expect(inferred.series.map((s) => s.scope)).toEqual(['aws-123456789012-us-east-1']);
    expect(inferred.notes.join('\n')).toMatch(/default AWS account 123456789012 inferred from the locker/);

    const sts = await verify({ ...base, callerAccount: async () => '210987654321' });
    // The account no longer configured (STS now names another) is still judged: it had evidence.
    expect(sts.series.map((s) => [s.scope, s.missing.length])).toEqual([
      ['aws-210987654321-us-east-1', 10],
      ['aws-123456789012-us-east-1', 0],
    ]);
    expect(sts.unexpected).toEqual(['fake-aws/aws-123456789012-us-east-1']);
  });

  it('--deep catches an edit that kept size and modification time; the default trusts the listing', async () => {
    const keys = await fill(locker, FROM, TO);
    const target = file(dir, keys.get('fake-b/x-1@2026-04-04')!);
    const before = await stat(target);
    await flipByte(target);
    await utimes(target, before.atime, before.mtime);
    const config = testConfig();
    const shallow = await verify({ locker, config, from: FROM, to: TO, clock: NOW, collectors: FAKES });
    expect(shallow.integrity).toEqual([]);
    expect(shallow.stats.objectsRead).toBe(0);
    const deep = await verify({
      locker,
      config,
      from: FROM,
      to: TO,
      clock: NOW,
      collectors: FAKES,
      deep: true,
    });
    expect(deep.integrity.map((p) => [p.key, p.problem])).toEqual([
      [keys.get('fake-b/x-1@2026-04-04'), 'hash-mismatch'],
    ]);
    expect(deep.stats.objectsRead).toBe(30);
  });

  it('costs the same requests with two snapshots per series and day as with one', async () => {
    const config = testConfig();
    await fill(locker, FROM, TO);
    const one = await verify({ locker, config, from: FROM, to: TO, clock: NOW, collectors: FAKES });
    const dir2 = await mkdtemp(path.join(tmpdir(), 'verify-'));
    const twice = new DirectoryLocker(dir2);
    // A second run each day (written first, sealed with the first in the day's one digest).
    await fill(twice, FROM, TO, {
      snapshot: (_c, _s, day) => ({ collectedAt: `${day}T12:00:00.000Z`, runId: 'run-noon' }),
      seal: false,
    });
    await fill(twice, FROM, TO, { snapshot: () => ({}) });
    const two = await verify({ locker: twice, config, from: FROM, to: TO, clock: NOW, collectors: FAKES });
    expect(one.ok && two.ok).toBe(true);
    expect(two.stats.snapshots).toBe(2 * one.stats.snapshots);
    // Directory requests are directory reads: one per directory, whatever the number of files.
    expect(two.stats.requests - one.stats.requests).toBe(two.stats.digests - one.stats.digests);
  });
});
