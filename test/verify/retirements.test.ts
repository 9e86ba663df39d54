/**
 * Retirements on their own (shared/verify/retirements.ts): every input `retire` refuses, the key
 * and body of a stored retirement each disagreeing alone, and the day it takes effect. Written
 * for the survivors of mutation testing (docs/threat-model.md, "Mutation testing"): before it, a
 * retirement whose key named another series than its body, or another instant, retired its
 * body's series; a refusal of the series was ignored; a name of spaces was written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { CorruptEvidenceError, UsageError } from '../../shared/errors.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { effectiveFrom, parseRetirement, retire, retirementKey } from '../../shared/verify/retirements.js';
import { verify } from '../../shared/verify/verify.js';
import { FAKES, fill, RETIREMENT_BODY, testConfig } from './fixtures.js';

const NOW = fixedClock('2026-04-11T09:00:00.000Z');
const input = { series: 'fake-b/x-2', from: '2026-04-08', reason: '  region closed ', by: ' Mallory ' };

describe('retire', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let opts: Parameters<typeof retire>[2];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'retire-'));
    locker = new DirectoryLocker(dir);
    opts = { clock: NOW, retentionDays: 730, knownSeries: async () => undefined, signer: await loadSigner() };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const nothingWritten = async () => {
    const keys: string[] = [];
    for await (const o of locker.list('retirements/')) keys.push(o.key);
    expect(keys).toEqual([]);
  };

  it('writes one record under retirements/<collector>/<scope>/<now>.json, reason and name trimmed', async () => {
    const written = await retire(locker, input, opts);
    expect(written.key).toBe('retirements/fake-b/x-2/20260411T090000000Z.json');
    expect(written.record).toEqual({
      ...RETIREMENT_BODY,
      tool: expect.objectContaining({ name: 'evidence-locker' }),
    });
    const { body } = await locker.get(written.key);
    expect(parseRetirement(written.key, body)).toEqual({ key: written.key, ...written.record });
  });

  it.each([
    ['an impossible day', { from: '2026-02-30' }, '--from "2026-02-30": expected a date as YYYY-MM-DD'],
    ['no day', { from: '' }, '--from "": expected a date as YYYY-MM-DD'],
    ['an empty reason', { reason: ' \n ' }, '--reason is empty: say why the series is no longer collected'],
    ['a name of spaces', { by: '   ' }, '--by is empty: name the person accountable for retiring the series'],
    ['a series that is no series', { series: 'fake-b' }, '--series'],
  ])('refuses %s, writing nothing', async (_, change, message) => {
    const error = await retire(locker, { ...input, ...change }, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    await nothingWritten();
  });

  it('refuses a series the configuration and the locker do not know, with the reason, writing nothing', async () => {
    const error = await retire(locker, input, {
      ...opts,
      knownSeries: async (s) => (s === 'fake-b/x-2' ? 'no such series' : undefined),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('--series fake-b/x-2: no such series');
    await nothingWritten();
  });
});

describe('parseRetirement: key and body', () => {
  const key = 'retirements/fake-b/x-2/20260411T090000000Z.json';
  const body = RETIREMENT_BODY;
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('reads one whose key names its series and instant', () => {
    expect(parseRetirement(key, bytes(body))).toEqual({ key, ...body });
  });

  it.each([
    ['another collector', { collector: 'fake-a' }, key],
    ['another scope', { scope: 'x-1' }, key],
    ['another instant', { retiredAt: '2026-04-11T09:00:00.001Z' }, key],
    ['no retirement body', { schema: 'evidence.acknowledgement/1' }, key],
    ['an impossible day', { from: '2026-02-30' }, key],
    ['a key that is no retirement key', {}, 'retirements/fake-b/20260411T090000000Z.json'],
    ['a key under another prefix', {}, 'acknowledgements/fake-b/x-2/20260411T090000000Z.json'],
  ])('%s is corrupt, named', (_, change, k) => {
    const parse = () => parseRetirement(k, bytes({ ...body, ...change }));
    expect(parse).toThrow(CorruptEvidenceError);
    expect(parse).toThrow(/not a retirement, or its key names another series or instant/);
  });

  it('a signed, sealed retirement filed under another series retires neither (directory locker, through verify)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'retire-misfiled-'));
    const locker = new DirectoryLocker(dir);
    try {
      const gap = (_c: string, s: string, d: string) => (s === 'x-1' && d >= '2026-04-08' ? undefined : {});
      await fill(locker, '2026-04-01', '2026-04-07', { snapshot: gap });
      // Written on 2026-04-08 and sealed with that day: it would take effect at once. The key
      // names x-2; the body (signed by the digests' key) retires x-1, whose days then are a gap.
      const at = new Date('2026-04-08T09:00:00.000Z');
      const misfiled = retirementKey('fake-b', 'x-2', at);
      await writeSignedRecord(locker, {
        key: misfiled,
        value: { ...body, scope: 'x-1', retiredAt: at.toISOString() },
        at,
        retentionDays: 730,
        signer: await loadSigner(),
      });
      await fill(locker, '2026-04-08', '2026-04-10', { snapshot: gap });
      const result = await verify({
        locker,
        config: testConfig(),
        from: '2026-04-01',
        to: '2026-04-10',
        clock: fixedClock('2026-04-13T00:00:00.000Z'),
        collectors: FAKES,
      });
      expect(result.ok).toBe(false);
      expect(result.integrity.map((p) => `${p.problem} ${p.key}`)).toEqual([`corrupt ${misfiled}`]);
      expect(result.retired).toEqual([]);
      expect(result.series.find((s) => s.scope === 'x-1')!.missing).toEqual([
        '2026-04-08',
        '2026-04-09',
        '2026-04-10',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('effectiveFrom: never before the day it was written', () => {
  it.each([
    ['a day before it was written', '2026-04-04', '2026-04-11T09:00:00.000Z', '2026-04-11'],
    ['the day it was written', '2026-04-11', '2026-04-11T23:59:59.999Z', '2026-04-11'],
    ['a day after it was written', '2026-04-12', '2026-04-11T00:00:00.000Z', '2026-04-12'],
    ['a day months later', '2026-12-01', '2026-04-11T09:00:00.000Z', '2026-12-01'],
  ])('%s', (_, from, retiredAt, expected) => {
    expect(effectiveFrom({ from, retiredAt })).toBe(expected);
  });
});
