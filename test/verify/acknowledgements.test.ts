import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { AlreadyExistsError, CorruptEvidenceError, UsageError } from '../../shared/errors.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { writeRecord } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import {
  ACK_SCHEMA,
  acknowledge,
  listAcknowledgements,
  parseAcknowledgement,
  parseAcknowledgementKey,
  parseSeries,
  readAcknowledgement,
} from '../../shared/verify/acknowledgements.js';
import { verify } from '../../shared/verify/verify.js';
import { FAKES, fill, testConfig } from './fixtures.js';

/** Every object under acknowledgements/ (records and signatures). */
async function listed(locker: DirectoryLocker) {
  const out: { key: string }[] = [];
  for await (const o of locker.list('acknowledgements/')) out.push(o);
  return out;
}

const clock = fixedClock('2026-04-22T10:11:12.345Z');
const input = {
  series: 'fake-b/x-1',
  day: '2026-04-21',
  reason: '  GitHub API outage, see INC-42  ',
  by: 'Jane Doe',
};

/** These tests are not about which series may be acknowledged (see verify-soundness.test.ts). */
const anySeries = async () => undefined;

describe('acknowledge', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ack-'));
    locker = new DirectoryLocker(dir);
  });

  it('writes one immutable record under acknowledgements/<day>/<collector>/<scope>/<now>.json', async () => {
    const written = await acknowledge(locker, input, {
      clock,
      retentionDays: 730,
      knownSeries: anySeries,
      signer: await loadSigner(),
    });
    expect(written.key).toBe('acknowledgements/2026-04-21/fake-b/x-1/20260422T101112345Z.json');
    expect(parseAcknowledgementKey(written.key)).toEqual({
      day: '2026-04-21',
      collector: 'fake-b',
      scope: 'x-1',
    });
    const stored = JSON.parse(await readFile(path.join(dir, ...written.key.split('/')), 'utf8'));
    expect(stored).toEqual({
      schema: ACK_SCHEMA,
      collector: 'fake-b',
      scope: 'x-1',
      day: '2026-04-21',
      reason: 'GitHub API outage, see INC-42',
      by: 'Jane Doe',
      acknowledgedAt: '2026-04-22T10:11:12.345Z',
      tool: expect.objectContaining({ name: 'evidence-locker' }),
    });
    await expect(
      acknowledge(locker, input, {
        clock,
        retentionDays: 730,
        knownSeries: anySeries,
        signer: await loadSigner(),
      }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it.each([
    ['guardduty', /expected <collector>\/<scope>/],
    ['a/b/c', /expected <collector>\/<scope>/],
    ['GuardDuty/aws-1', /lower-case/],
    ['/aws-1', /expected <collector>\/<scope>/],
  ])('refuses the series %j', (series, message) => {
    expect(() => parseSeries(series)).toThrow(UsageError);
    expect(() => parseSeries(series)).toThrow(message);
  });

  it('refuses a bad day, an empty reason and an empty name, writing nothing', async () => {
    const opts = { clock, retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() };
    await expect(acknowledge(locker, { ...input, day: '2026-02-30' }, opts)).rejects.toThrow(
      /--from "2026-02-30": expected a date/,
    );
    await expect(acknowledge(locker, { ...input, reason: '   ' }, opts)).rejects.toThrow(/--reason is empty/);
    await expect(acknowledge(locker, { ...input, by: '' }, opts)).rejects.toThrow(/--by is empty/);
    const result = await verify({
      locker,
      config: testConfig(),
      from: '2026-04-21',
      to: '2026-04-21',
      clock,
      collectors: FAKES,
    });
    expect(result.stats.acknowledgements).toBe(0);
  });

  it('an acknowledgement of a failed day makes it acknowledged; of a present day changes nothing', async () => {
    await fill(locker, '2026-04-20', '2026-04-21', {
      snapshot: (collector, scope, day) =>
        collector === 'fake-b' && scope === 'x-1' && day === '2026-04-21'
          ? { status: 'error', errors: ['boom'], data: null }
          : {},
    });
    await acknowledge(locker, input, {
      clock,
      retentionDays: 730,
      knownSeries: anySeries,
      signer: await loadSigner(),
    });
    await acknowledge(
      locker,
      { series: 'fake-a/org-acme', day: '2026-04-20', reason: 'precaution', by: 'Bob' },
      { clock, retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() },
    );
    // Signed records count once sealed in the digest of the day they were written.
    await seal(locker, {
      day: '2026-04-22',
      clock: fixedClock('2026-04-22T11:00:00.000Z'),
      retentionDays: 730,
    });
    const result = await verify({
      locker,
      config: testConfig(),
      from: '2026-04-20',
      to: '2026-04-21',
      clock,
      collectors: FAKES,
    });
    expect(result.ok).toBe(true);
    const bySeries = Object.fromEntries(result.series.map((s) => [`${s.collector}/${s.scope}`, s]));
    expect(bySeries['fake-b/x-1']).toMatchObject({
      failed: [],
      acknowledged: ['2026-04-21'],
      presentDays: 1,
    });
    expect(bySeries['fake-a/org-acme']).toMatchObject({ acknowledged: [], presentDays: 2 });
  });

  it('a record whose content disagrees with its key is corrupt, and acknowledges nothing', async () => {
    await fill(locker, '2026-04-21', '2026-04-21', {
      snapshot: (collector) => (collector === 'fake-a' ? undefined : {}),
    });
    const key = 'acknowledgements/2026-04-21/fake-a/org-acme/20260422T000000000Z.json';
    await writeRecord(
      locker,
      key,
      {
        schema: ACK_SCHEMA,
        collector: 'fake-b',
        scope: 'x-1',
        day: '2026-04-21',
        reason: 'x',
        by: 'y',
        acknowledgedAt: '2026-04-22T00:00:00.000Z',
        tool: { name: 'evidence-locker', version: 'test' },
      },
      new Date('2026-04-22T00:00:00.000Z'),
      730,
    );
    const result = await verify({
      locker,
      config: testConfig(),
      from: '2026-04-21',
      to: '2026-04-21',
      clock,
      collectors: FAKES,
    });
    expect(result.integrity.map((p) => [p.problem, p.key])).toEqual([['corrupt', key]]);
    expect(result.series[0]).toMatchObject({
      collector: 'fake-a',
      missing: ['2026-04-21'],
      acknowledged: [],
    });
  });
});

/**
 * Each input refused writes nothing and names the flag, the value and the fix; each disagreement
 * between an acknowledgement's key and its body, alone, makes it corrupt (mutation testing found
 * each of these guards held by no test of its own).
 */
describe('acknowledge: each input refused, alone', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let opts: Parameters<typeof acknowledge>[2];
  const base = { series: 'fake-b/x-1', reason: 'outage', by: 'Jane Doe' };
  const later = fixedClock('2026-05-10T12:00:00.000Z');
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ack-refused-'));
    locker = new DirectoryLocker(dir);
    opts = { clock: later, retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() };
  });
  const nothingWritten = async () => expect(await listed(locker)).toEqual([]);

  it('a range --from/--to is recorded with its last day; one day has no `to`', async () => {
    const range = await acknowledge(locker, { ...base, from: '2026-04-02', to: '2026-04-04' }, opts);
    expect(range.record).toMatchObject({ day: '2026-04-02', to: '2026-04-04' });
    expect(range.key).toMatch(/^acknowledgements\/2026-04-02\/fake-b\/x-1\//);
    const stored = await readAcknowledgement(locker, range.key);
    expect([stored.day, stored.to]).toEqual(['2026-04-02', '2026-04-04']);
    const one = await acknowledge(
      locker,
      { ...base, series: 'fake-b/x-2', from: '2026-04-03', to: '2026-04-03' },
      opts,
    );
    expect(one.record).not.toHaveProperty('to');
  });

  it.each([
    ['no first day', { from: undefined }, '--from "": expected a date as YYYY-MM-DD'],
    [
      'an impossible first day',
      { from: '2026-02-30', to: '2026-03-02' },
      '--from "2026-02-30": expected a date',
    ],
    [
      'an impossible last day',
      { from: '2026-04-01', to: '2026-04-31' },
      '--to "2026-04-31": expected a date',
    ],
    [
      'a last day before the first',
      { from: '2026-04-10', to: '2026-04-05' },
      '--to 2026-04-05 is before --from 2026-04-10',
    ],
    [
      'today',
      { from: '2026-05-09', to: '2026-05-10' },
      '--to 2026-05-10: that day has not ended (today is 2026-05-10, UTC)',
    ],
    ['today alone', { day: '2026-05-10' }, '--to 2026-05-10: that day has not ended'],
  ])('refuses %s, writing nothing', async (_, days, message) => {
    const input = { ...base, ...days };
    const error = await acknowledge(locker, input, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    await nothingWritten();
  });

  it('the day before today is acknowledged', async () => {
    await expect(acknowledge(locker, { ...base, day: '2026-05-09' }, opts)).resolves.toMatchObject({
      record: { day: '2026-05-09' },
    });
  });

  it('trims the name; a name of spaces is refused', async () => {
    const written = await acknowledge(locker, { ...base, day: '2026-04-02', by: '  Jane Doe \n' }, opts);
    expect(written.record.by).toBe('Jane Doe');
    await expect(acknowledge(locker, { ...base, day: '2026-04-03', by: ' \t ' }, opts)).rejects.toThrow(
      /--by is empty/,
    );
  });

  it('a series the locker and the configuration do not know is refused with the reason, writing nothing', async () => {
    const error = await acknowledge(
      locker,
      { ...base, day: '2026-04-02' },
      { ...opts, knownSeries: async (s) => (s === 'fake-b/x-1' ? 'no such series' : undefined) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('--series fake-b/x-1: no such series');
    await nothingWritten();
  });

  it('the series is named as --series when refused', () => {
    expect(() => parseSeries('GuardDuty/aws-1')).toThrow(/--series/);
  });
});

describe('parseAcknowledgement: key and body', () => {
  const at = '2026-04-22T00:00:00.000Z';
  const key = 'acknowledgements/2026-04-21/fake-b/x-1/20260422T000000000Z.json';
  const body = {
    schema: ACK_SCHEMA,
    collector: 'fake-b',
    scope: 'x-1',
    day: '2026-04-21',
    reason: 'outage',
    by: 'Jane Doe',
    acknowledgedAt: at,
    tool: { name: 'evidence-locker', version: 'test' },
  };
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('reads one whose key names its series, first day and instant', () => {
    expect(parseAcknowledgement(key, bytes(body))).toEqual({ key, ...body });
    expect(parseAcknowledgement(key, bytes({ ...body, to: '2026-04-21' }))).toMatchObject({
      to: '2026-04-21',
    });
    expect(parseAcknowledgement(key, bytes({ ...body, to: '2026-04-25' }))).toMatchObject({
      to: '2026-04-25',
    });
  });

  it.each([
    ['another first day', { day: '2026-04-20' }, key],
    ['another collector', { collector: 'fake-a' }, key],
    ['another scope', { scope: 'x-2' }, key],
    ['a last day before the first', { to: '2026-04-20' }, key],
    ['another instant', { acknowledgedAt: '2026-04-22T00:00:00.001Z' }, key],
    [
      'a key that is no acknowledgement key',
      {},
      'acknowledgements/2026-04-21/fake-b/20260422T000000000Z.json',
    ],
  ])('%s is corrupt, named', (_, change, k) => {
    expect(() => parseAcknowledgement(k, bytes({ ...body, ...change }))).toThrow(CorruptEvidenceError);
    expect(() => parseAcknowledgement(k, bytes({ ...body, ...change }))).toThrow(
      /which its key does not name/,
    );
  });

  it('a body that is no acknowledgement is corrupt, naming the field', () => {
    const parse = () => parseAcknowledgement(key, bytes({ ...body, reason: '' }));
    expect(parse).toThrow(CorruptEvidenceError);
    expect(parse).toThrow(/not an acknowledgement \(reason: /);
    expect(() => parseAcknowledgement(key, bytes({ ...body, tool: { version: 'test' } }))).toThrow(
      /not an acknowledgement \(tool\.name: /,
    );
  });
});

describe('listAcknowledgements (the workpapers read it)', () => {
  it('reads every acknowledgement, skipping signatures and corrupt ones; other errors are thrown', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ack-list-'));
    const locker = new DirectoryLocker(dir);
    const opts = { clock, retentionDays: 730, knownSeries: anySeries, signer: await loadSigner() };
    const a = await acknowledge(locker, { ...input, day: '2026-04-20' }, opts);
    const b = await acknowledge(
      locker,
      { ...input, series: 'fake-b/x-2', from: '2026-04-18', to: '2026-04-19' },
      opts,
    );
    const junk = 'acknowledgements/2026-04-19/fake-a/org-acme/20260422T000000000Z.json';
    await writeRecord(locker, junk, { schema: 'something else' }, new Date('2026-04-22T00:00:00.000Z'), 730);
    expect((await listed(locker)).filter((o) => o.key.endsWith('.sig'))).toHaveLength(2);
    const read = await listAcknowledgements(locker);
    expect(read.map((x) => x.key).sort()).toEqual([a.key, b.key].sort());
    expect(read.find((x) => x.key === b.key)).toMatchObject({
      day: '2026-04-18',
      to: '2026-04-19',
      by: 'Jane Doe',
    });

    const failing = new Proxy(locker, {
      get(target, prop, receiver) {
        if (prop === 'get') return async () => Promise.reject(new Error('EIO: the disk failed'));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(listAcknowledgements(failing)).rejects.toThrow(/EIO/);
  });
});
