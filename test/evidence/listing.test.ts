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
