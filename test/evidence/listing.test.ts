import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSnapshots, windowPrefixes } from '../../shared/evidence/listing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { makeSnapshot } from '../helpers/snapshots.js';

describe('windowPrefixes', () => {
  it('lists a month at once, or (day, collector) where the window only touches a few days', () => {
    expect(windowPrefixes('2026-01-30', '2026-03-02', ['iam'])).toEqual([
      'snapshots/2026-01-30/iam/',
      'snapshots/2026-01-31/iam/',
      'snapshots/2026-02-',
      'snapshots/2026-03-01/iam/',
      'snapshots/2026-03-02/iam/',
    ]);
    expect(windowPrefixes('2026-01-01', '2026-01-03', ['a', 'b', 'c'])).toEqual(['snapshots/2026-01-']);
  });

  it('without a collector filter: whole days, or the month', () => {
    expect(windowPrefixes('2026-01-30', '2026-02-28')).toEqual([
      'snapshots/2026-01-30/',
      'snapshots/2026-01-31/',
      'snapshots/2026-02-',
    ]);
  });
});

describe('listSnapshots', () => {
  it('returns exactly the window (and collectors) asked for, whatever prefixes covered it', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'listing-')));
    for (const day of ['2026-01-31', '2026-02-01', '2026-02-15', '2026-02-28', '2026-03-01']) {
      for (const collector of ['iam', 'okta']) {
        await writeSnapshot(locker, makeSnapshot({ collectedAt: `${day}T00:05:00.000Z`, collector }), 730);
      }
    }
    const all = await listSnapshots(locker, '2026-02-01', '2026-02-28');
    expect(all.map((o) => `${o.day} ${o.collector}`)).toEqual([
      '2026-02-01 iam',
      '2026-02-01 okta',
      '2026-02-15 iam',
      '2026-02-15 okta',
      '2026-02-28 iam',
      '2026-02-28 okta',
    ]);
    const iam = await listSnapshots(locker, '2026-01-31', '2026-02-01', { collectors: ['iam'] });
    expect(iam.map((o) => `${o.day} ${o.collector} ${o.scope}`)).toEqual([
      '2026-01-31 iam aws-123456789012-us-east-1',
      '2026-02-01 iam aws-123456789012-us-east-1',
    ]);
  });
});

// What a mutant of listing.ts changed without a test failing (docs/threat-model.md, "Mutation
// testing": the evidence primitives): a prefix lists more than the window, and the filters
// after it are what keep a day, a collector or a misfiled key out.
describe('listSnapshots: what a prefix lists beyond the window', () => {
  const retain = { retainUntil: new Date('2030-01-01T00:00:00.000Z') };

  async function lockerWith(days: string[], collectors: string[]) {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'listing-')));
    for (const day of days)
      for (const collector of collectors)
        await writeSnapshot(locker, makeSnapshot({ collectedAt: `${day}T00:05:00.000Z`, collector }), 730);
    return locker;
  }

  it('the month prefix at 9 (day, collector) pairs, one prefix per pair up to 8', () => {
    expect(windowPrefixes('2026-02-01', '2026-02-08')).toHaveLength(8);
    expect(windowPrefixes('2026-02-01', '2026-02-09')).toEqual(['snapshots/2026-02-']);
    expect(windowPrefixes('2026-02-01', '2026-02-04', ['a', 'b'])).toHaveLength(8);
    expect(windowPrefixes('2026-02-01', '2026-02-03', ['a', 'b', 'c'])).toEqual(['snapshots/2026-02-']);
  });

  it('a window inside a listed month: the days before and after it are not returned', async () => {
    const locker = await lockerWith(['2026-02-01', '2026-02-02', '2026-02-27', '2026-02-28'], ['iam']);
    expect(windowPrefixes('2026-02-02', '2026-02-27')).toEqual(['snapshots/2026-02-']);
    const listed = await listSnapshots(locker, '2026-02-02', '2026-02-27');
    expect(listed.map((o) => o.day)).toEqual(['2026-02-02', '2026-02-27']);
  });

  it('the collectors asked for only, also when the month is listed at once', async () => {
    const locker = await lockerWith(['2026-02-01', '2026-02-15'], ['iam', 'okta', 'guardduty']);
    const listed = await listSnapshots(locker, '2026-02-01', '2026-02-28', { collectors: ['iam', 'okta'] });
    expect(listed.map((o) => `${o.day} ${o.collector}`)).toEqual([
      '2026-02-01 iam',
      '2026-02-01 okta',
      '2026-02-15 iam',
      '2026-02-15 okta',
    ]);
  });

  it('a misfiled key under a listed prefix goes to onMisfiled and is never returned', async () => {
    const locker = await lockerWith(['2026-02-01'], ['iam']);
    const bad = 'snapshots/2026-02-01/iam/aws-1/20260202T000500000Z-run1.json';
    await locker.put(bad, Buffer.from('{}'), retain);
    const misfiled: string[] = [];
    const listed = await listSnapshots(locker, '2026-02-01', '2026-02-01', {
      onMisfiled: (m) => misfiled.push(`${m.key}: ${m.reason}`),
    });
    expect(listed.map((o) => o.key)).toEqual([
      expect.stringMatching(/^snapshots\/2026-02-01\/iam\/aws-123456789012/),
    ]);
    expect(misfiled).toEqual([
      `${bad}: file name "20260202T000500000Z-run1.json": collected on 2026-02-02, filed under 2026-02-01`,
    ]);
    // Without onMisfiled the key is still left out.
    expect((await listSnapshots(locker, '2026-02-01', '2026-02-01')).map((o) => o.key)).toEqual(
      listed.map((o) => o.key),
    );
  });

  it('keep sees every listed snapshot and drops those it returns false for', async () => {
    const locker = await lockerWith(['2026-02-01', '2026-02-02'], ['iam', 'okta']);
    const seen: string[] = [];
    const listed = await listSnapshots(locker, '2026-02-01', '2026-02-02', {
      keep: (item) => {
        seen.push(`${item.day} ${item.collector}`);
        return item.collector === 'okta';
      },
    });
    expect(seen.sort()).toEqual(['2026-02-01 iam', '2026-02-01 okta', '2026-02-02 iam', '2026-02-02 okta']);
    expect(listed.map((o) => `${o.day} ${o.collector}`)).toEqual(['2026-02-01 okta', '2026-02-02 okta']);
  });
});
