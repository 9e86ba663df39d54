import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { AlreadyExistsError, UsageError } from '../../shared/errors.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { writeRecord } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import {
  ACK_SCHEMA,
  acknowledge,
  parseAcknowledgementKey,
  parseSeries,
} from '../../shared/verify/acknowledgements.js';
import { verify } from '../../shared/verify/verify.js';
import { FAKES, fill, testConfig } from './fixtures.js';

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
