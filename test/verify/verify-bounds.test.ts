/**
 * The problems verify.ts itself raises (not problems.ts's), at their bounds: a configuration
 * with nothing to expect, a retirement contradicted by evidence on its very first day, and a
 * `since` that the first evidence only meets. Found by mutation testing (docs/threat-model.md,
 * "Mutation testing"): each test fails if the comparison it pins is moved by one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { parseConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { linkKey, seal } from '../../shared/evidence/digest.js';
import { loadSigner, signatureKey } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { retire } from '../../shared/verify/retirements.js';
import { type VerifyResult, verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { FAKES, fill, testConfig } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');
const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`).sort();

describe('verify: the problems it raises itself, at their bounds (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  const run = (extra: Partial<Parameters<typeof verify>[0]> = {}) =>
    verify({ locker, config: testConfig(), from: FROM, to: TO, clock: NOW, collectors: FAKES, ...extra });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-bounds-'));
    locker = new DirectoryLocker(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a configuration with no source is refused, however complete the locker looks', async () => {
    await fill(locker, FROM, TO);
    const none = parseConfig({ locker: { retentionDays: 730 }, auditPeriod: { start: FROM } });
    await expect(run({ config: none })).rejects.toThrow(ConfigError);
    await expect(run({ config: none })).rejects.toThrow(/names no source \(aws, okta, github\)/);
  });

  it('a retirement is contradicted by evidence on its own first day', async () => {
    // x-2 has evidence up to 2026-04-07 and none after; the retirement claims it stopped on 2026-04-07.
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-2' && d > '2026-04-07' ? undefined : {}),
    });
    const written = await retire(
      locker,
      { series: 'fake-b/x-2', from: '2026-04-07', reason: 'region closed', by: 'Mallory' },
      {
        clock: fixedClock('2026-04-11T09:00:00.000Z'),
        retentionDays: 730,
        knownSeries: async () => undefined,
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
    expect(problems(result)).toEqual([`retirement-contradicted ${written.key}`]);
    expect(result.integrity[0]).toMatchObject({ series: 'fake-b/x-2' });
    expect(result.integrity[0]!.detail).toMatch(/up to 2026-04-07$/);
  });

  it('a retirement from the day after the last evidence is not contradicted', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-2' && d > '2026-04-07' ? undefined : {}),
    });
    await retire(
      locker,
      { series: 'fake-b/x-2', from: '2026-04-08', reason: 'region closed', by: 'Mallory' },
      {
        clock: fixedClock('2026-04-11T09:00:00.000Z'),
        retentionDays: 730,
        knownSeries: async () => undefined,
        signer: await loadSigner(),
      },
    );
    await seal(locker, {
      day: '2026-04-11',
      clock: fixedClock('2026-04-11T10:00:00.000Z'),
      retentionDays: 730,
    });
    const result = await run();
    expect(problems(result)).toEqual([]);
    // Retired late (written 2026-04-11): the days before that stay judged, and are missing.
    expect(result.series.find((s) => s.scope === 'x-2')!.missing).toEqual([
      '2026-04-08',
      '2026-04-09',
      '2026-04-10',
    ]);
  });

  it('a `since` the first evidence only meets is no contradiction; one day earlier is', async () => {
    await fill(locker, FROM, TO, { snapshot: (_c, _s, d) => (d < '2026-04-05' ? undefined : {}) });
    const met = await run({ config: testConfig({ github: { org: 'acme', since: '2026-04-05' } }) });
    expect(problems(met)).toEqual([]);
    expect(met.ok).toBe(true);
    const later = await run({ config: testConfig({ github: { org: 'acme', since: '2026-04-06' } }) });
    expect(later.ok).toBe(false);
    expect(later.integrity.map((p) => `${p.problem} ${p.series}`).sort()).toEqual([
      'since-contradicts-evidence fake-a/org-acme',
      'since-contradicts-evidence fake-b/x-1',
      'since-contradicts-evidence fake-b/x-2',
    ]);
    for (const s of later.series) expect(s.expectedFrom).toBe('2026-04-05');
    expect(later.integrity[0]!.detail).toMatch(
      /says fake-a\/org-acme starts 2026-04-06, but the locker holds sealed evidence of it from 2026-04-05: it is judged from 2026-04-05$/,
    );
    expect(later.integrity[0]!.key).toMatch(/2026-04-05/);
    expect(later.series.find((s) => s.collector === 'fake-a')!.expectedFromReason).toMatch(
      /^first sealed evidence \(2026-04-05\); .* says 2026-04-06$/,
    );
  });
  it('a gap alone, with no integrity problem, is not OK; nor is a failed day alone', async () => {
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-1' && d === '2026-04-03' ? undefined : {}),
    });
    const gap = await run();
    expect(gap.integrity).toEqual([]);
    expect(gap.series.find((s) => s.scope === 'x-1')!.missing).toEqual(['2026-04-03']);
    expect(gap.ok).toBe(false);
    await rm(dir, { recursive: true, force: true });
    locker = new DirectoryLocker(dir);
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) =>
        s === 'x-1' && d === '2026-04-03' ? { status: 'error', errors: ['denied'] } : {},
    });
    const failed = await run();
    expect(failed.integrity).toEqual([]);
    const x1 = failed.series.find((s) => s.scope === 'x-1')!;
    expect(x1.missing).toEqual([]);
    expect(x1.failed).toEqual(['2026-04-03']);
    expect(failed.ok).toBe(false);
  });

  it('auditPeriod.end cuts the judged days short of --to, never past it', async () => {
    // x-1 stops after 2026-04-05, the end of the audit period.
    await fill(locker, FROM, TO, {
      snapshot: (_c, s, d) => (s === 'x-1' && d > '2026-04-05' ? undefined : {}),
    });
    const ended = await run({ config: testConfig({ auditPeriod: { start: FROM, end: '2026-04-05' } }) });
    expect(ended.ok).toBe(true);
    for (const s of ended.series) expect(s.missing).toEqual([]);
    // An end after --to: the window still stops at --to (2026-04-05 here).
    const later = await run({
      to: '2026-04-05',
      config: testConfig({ auditPeriod: { start: FROM, end: '2026-04-20' } }),
    });
    expect(later.ok).toBe(true);
    for (const s of later.series) expect(s.missing).toEqual([]);
  });

  it("a chain cut at its end keeps the last report's head as the anchor; an intact one anchors at its head", async () => {
    await fill(locker, FROM, TO);
    const first = await run();
    expect(first.ok).toBe(true);
    expect(first.chain.anchor).toEqual(first.chain.head);
    await writeVerifyReport(locker, first, 730, await loadSigner());
    const head = first.chain.head!;
    for (const key of [head.key, signatureKey(head.key), linkKey(head.digests)])
      await rm(path.join(dir, ...key.split('/')), { force: true });
    const cut = await run({ clock: fixedClock('2026-04-13T02:00:00.000Z') });
    expect(cut.ok).toBe(false);
    expect(problems(cut)).toContain(`chain-truncated ${head.key}`);
    expect(cut.chain.anchor).toEqual(head);
    expect(cut.chain.head).not.toEqual(head);
  });
  it("a problem that is no cut keeps the anchor at the head, past the last report's head", async () => {
    const keys = await fill(locker, FROM, TO);
    const first = await run();
    await writeVerifyReport(locker, first, 730, await loadSigner());
    await seal(locker, {
      day: '2026-04-13',
      clock: fixedClock('2026-04-13T00:30:00.000Z'),
      retentionDays: 730,
    });
    const gone = keys.get('fake-b/x-1@2026-04-03')!;
    await rm(path.join(dir, ...gone.split('/')), { force: true });
    const later = await run({ clock: fixedClock('2026-04-13T02:00:00.000Z') });
    expect(problems(later)).toEqual([`deleted ${gone}`]);
    expect(later.chain.head).not.toEqual(first.chain.head);
    expect(later.chain.anchor).toEqual(later.chain.head);
  });
});
