/**
 * knownSeries: which series an acknowledgement or a retirement may name. A record for a series
 * the configuration does not expect and the locker does not hold would excuse a gap that cannot
 * exist, so everything else is refused. Real directory lockers, real seals.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { LockerUnavailableError } from '../../shared/errors.js';
import { listDigests } from '../../shared/evidence/digest/format.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import type { Locker } from '../../shared/locker/types.js';
import { acknowledge } from '../../shared/verify/acknowledgements.js';
import { knownSeries } from '../../shared/verify/known.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, fakeCollector, fill, testConfig } from './fixtures.js';

const REFUSED =
  'no such series: the configuration does not expect it and the locker holds no snapshot of it (evidence verify lists the series)';

/** A collector of the default AWS account: its one scope is `aws-<account>`, unknown without one. */
const FAKE_AWS = fakeCollector(
  'fake-aws',
  (_config, env) => {
    if (!env.defaultAccountId) throw new Error('the default AWS account is unknown');
    return [`aws-${env.defaultAccountId}`];
  },
  { source: 'aws', controls: ['CC7.2'] },
);

describe('knownSeries', () => {
  let dir: string;
  let locker: DirectoryLocker;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'known-'));
    locker = new DirectoryLocker(dir);
  });

  it('a series the configuration expects: known in an empty locker; any other: refused, saying why', async () => {
    const known = knownSeries(locker, testConfig(), { collectors: FAKES });
    expect(await known('fake-a/org-acme')).toBeUndefined();
    expect(await known('fake-b/x-2')).toBeUndefined();
    expect(await known('fake-a/org-other')).toBe(REFUSED);
    expect(await known('fake-c/x-1')).toBe(REFUSED);
  });

  it('without collectors named, the registry: a configured real series is known, a fake one is not', async () => {
    const known = knownSeries(locker, testConfig());
    expect(await known('github-members/github-acme')).toBeUndefined();
    expect(await known('fake-a/org-acme')).toBe(REFUSED);
  });

  it('a series no longer configured but sealed in the locker (form 2 and form 3): known', async () => {
    await fill(locker, '2026-04-01', '2026-04-01', { series: [['fake-c', 'old-1']] });
    const signer = await loadSigner();
    await writeSnapshot(
      locker,
      makeSnapshot({ collector: 'fake-d', scope: 'old-2', collectedAt: '2026-04-02T00:05:00.000Z' }),
      730,
    );
    // Form 3 with signed leaves: the leaves are read (and their signatures judged) to find the series.
    await seal(locker, {
      day: '2026-04-02',
      clock: fixedClock('2026-04-03T03:00:00.000Z'),
      retentionDays: 730,
      form: 3,
      signer,
    });
    const known = knownSeries(locker, testConfig(), { collectors: FAKES });
    expect(await known('fake-c/old-1')).toBeUndefined();
    expect(await known('fake-d/old-2')).toBeUndefined();
    expect(await known('fake-c/old-2')).toBe(REFUSED);
    expect(await known('fake-d/old-1')).toBe(REFUSED);
  });

  it('a snapshot not sealed yet: known only when filed on one of the days named, in its own series', async () => {
    await fill(locker, '2026-04-05', '2026-04-05', { series: [['fake-c', 'new-1']], seal: false });
    const config = testConfig();
    expect(await knownSeries(locker, config, { collectors: FAKES })('fake-c/new-1')).toBe(REFUSED);
    const onDays = knownSeries(locker, config, { collectors: FAKES, days: ['2026-04-04', '2026-04-05'] });
    expect(await onDays('fake-c/new-1')).toBeUndefined();
    expect(await onDays('fake-c/new-2')).toBe(REFUSED);
    expect(await onDays('fake-d/new-1')).toBe(REFUSED);
    expect(
      await knownSeries(locker, config, { collectors: FAKES, days: ['2026-04-04'] })('fake-c/new-1'),
    ).toBe(REFUSED);
  });

  it('an acknowledgement sealed beside the snapshots does not make its own series held', async () => {
    const signer = await loadSigner();
    await writeSnapshot(
      locker,
      makeSnapshot({ collector: 'fake-c', scope: 'old-1', collectedAt: '2026-04-02T00:05:00.000Z' }),
      730,
    );
    await acknowledge(
      locker,
      { series: 'fake-e/gone-1', day: '2026-04-01', reason: 'outage', by: 'Jane' },
      {
        clock: fixedClock('2026-04-02T10:00:00.000Z'),
        retentionDays: 730,
        knownSeries: async () => undefined,
        signer,
      },
    );
    await seal(locker, {
      day: '2026-04-02',
      clock: fixedClock('2026-04-03T03:00:00.000Z'),
      retentionDays: 730,
      signer,
    });
    const known = knownSeries(locker, testConfig(), { collectors: FAKES });
    expect(await known('fake-c/old-1')).toBeUndefined();
    expect(await known('fake-e/gone-1')).toBe(REFUSED);
  });

  it('a corrupt digest is skipped (verify reports it); an I/O error reading a digest is thrown, never a refusal or a pass', async () => {
    await fill(locker, '2026-04-01', '2026-04-01', { series: [['fake-c', 'old-1']] });
    await mkdir(path.join(dir, 'digests', '2026-04-02'), { recursive: true });
    await writeFile(path.join(dir, 'digests', '2026-04-02', '20260403T030000000Z.json'), 'not a digest');
    expect((await listDigests(locker)).digests).toHaveLength(2);
    const known = knownSeries(locker, testConfig(), { collectors: FAKES });
    expect(await known('fake-c/old-1')).toBeUndefined();
    expect(await known('fake-c/old-2')).toBe(REFUSED);

    const failing: Locker = Object.create(locker);
    failing.get = async (key) => {
      if (key.startsWith('digests/2026-04-02/')) throw new LockerUnavailableError(`read ${key}: EIO`);
      return locker.get(key);
    };
    await expect(knownSeries(failing, testConfig(), { collectors: FAKES })('fake-c/old-2')).rejects.toThrow(
      LockerUnavailableError,
    );
  });

  describe('the default AWS account, when STS does not answer: the one the locker saw last', () => {
    const config = () => testConfig({ aws: { regions: ['us-east-1'] } });
    // aws-111111111111 on the 1st and the 3rd, aws-222222222222 on the 2nd: 111111111111 was seen last.
    const plant = () =>
      fill(locker, '2026-04-01', '2026-04-03', {
        series: [
          ['other', 'aws-111111111111'],
          ['other', 'aws-222222222222'],
        ],
        snapshot: (_c, scope, day) =>
          (scope === 'aws-222222222222') === (day === '2026-04-02') ? {} : undefined,
      });

    it('is inferred from the newest day of each scope sealed', async () => {
      await plant();
      const known = knownSeries(locker, config(), { collectors: [FAKE_AWS] });
      expect(await known('fake-aws/aws-111111111111')).toBeUndefined();
      expect(await known('fake-aws/aws-222222222222')).toBe(REFUSED);
      expect(await known('fake-aws/aws-unresolved')).toBe(REFUSED);
    });

    it('whatever order the digests are read in (the 1st read last)', async () => {
      await plant();
      const { digests } = await listDigests(locker);
      const [first, , last] = digests.map((d) => d.key);
      let release!: () => void;
      const lastDone = new Promise<void>((resolve) => {
        release = resolve;
      });
      const reordered: Locker = Object.create(locker);
      reordered.get = async (key) => {
        const read = await locker.get(key);
        // Every read and judgement of the 3rd's digest is over before the 1st's returns.
        if (key === last) setTimeout(release, 0);
        if (key === first) await lastDone;
        return read;
      };
      const known = knownSeries(reordered, config(), { collectors: [FAKE_AWS] });
      expect(await known('fake-aws/aws-111111111111')).toBeUndefined();
      expect(await known('fake-aws/aws-222222222222')).toBe(REFUSED);
    });

    it('STS answering wins over the locker', async () => {
      await plant();
      const known = knownSeries(locker, config(), {
        collectors: [FAKE_AWS],
        callerAccount: async () => '222222222222',
      });
      expect(await known('fake-aws/aws-222222222222')).toBeUndefined();
      expect(await known('fake-aws/aws-111111111111')).toBe(REFUSED);
    });

    it('nothing seen and no STS: the unresolved series is what is expected', async () => {
      const known = knownSeries(locker, config(), { collectors: [FAKE_AWS] });
      expect(await known('fake-aws/aws-unresolved')).toBeUndefined();
      expect(await known('fake-aws/aws-111111111111')).toBe(REFUSED);
    });
  });
});
