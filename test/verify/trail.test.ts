/** Can key-tampering alerts work? The verifier judges the evidence account's own cloudtrail snapshot. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { checkTrail, judgeTrails, type TrailsSeen } from '../../shared/verify/trail.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const trail = (over: Partial<TrailsSeen['trails'][number]> = {}): TrailsSeen['trails'][number] => ({
  name: 'org-trail',
  homeRegion: 'us-east-1',
  isMultiRegionTrail: true,
  hasCustomEventSelectors: false,
  seenInRegions: ['us-east-1'],
  status: { isLogging: true },
  ...over,
});

describe('trail judgement (key-tampering alerts need management events in the region)', () => {
  it('a logging multi-Region trail with the default selectors: ok', () => {
    expect(judgeTrails({ trails: [trail()] }, 'eu-west-1').state).toBe('ok');
  });

  it('no trail, a stopped trail, or a single-Region trail elsewhere: missing, saying which', () => {
    expect(judgeTrails({ trails: [] }, 'eu-west-1')).toEqual({
      state: 'missing',
      reason: 'no CloudTrail trail covers eu-west-1',
    });
    expect(judgeTrails({ trails: [trail({ status: { isLogging: false } })] }, 'eu-west-1').reason).toMatch(
      /no trail covering eu-west-1 is logging \(org-trail stopped\)/,
    );
    const elsewhere = trail({
      isMultiRegionTrail: false,
      homeRegion: 'us-east-1',
      seenInRegions: ['us-east-1'],
    });
    expect(judgeTrails({ trails: [elsewhere] }, 'eu-west-1').state).toBe('missing');
    expect(judgeTrails({ trails: [elsewhere] }, 'us-east-1').state).toBe('ok');
  });

  it('custom event selectors: unknown (the snapshot does not record them), never ok', () => {
    const judged = judgeTrails({ trails: [trail({ hasCustomEventSelectors: true })] }, 'eu-west-1');
    expect(judged.state).toBe('unknown');
    expect(judged.reason).toMatch(/custom event selectors/);
  });

  it('a single-Region trail counts in its home Region and in a Region it is seen in, nowhere else', () => {
    const single = (homeRegion: string, seenInRegions: string[]) =>
      trail({ isMultiRegionTrail: false, homeRegion, seenInRegions });
    expect(judgeTrails({ trails: [single('eu-west-1', [])] }, 'eu-west-1').state).toBe('ok');
    expect(judgeTrails({ trails: [single('us-east-1', ['eu-west-1'])] }, 'eu-west-1').state).toBe('ok');
    expect(judgeTrails({ trails: [single('us-east-1', ['us-west-2'])] }, 'eu-west-1').state).toBe('missing');
  });

  it('a trail without a status (GetTrailStatus refused) is not logging: missing, not a crash', () => {
    expect(judgeTrails({ trails: [trail({ status: null })] }, 'eu-west-1')).toEqual({
      state: 'missing',
      reason: 'no trail covering eu-west-1 is logging (org-trail stopped)',
    });
  });

  it('the reasons name the trails: the one logging, every one with custom selectors, every one stopped', () => {
    const custom = [
      trail({ name: 'a', hasCustomEventSelectors: true }),
      trail({ name: 'b', hasCustomEventSelectors: true }),
    ];
    expect(judgeTrails({ trails: [...custom, trail({ name: 'c' })] }, 'eu-west-1')).toEqual({
      state: 'ok',
      reason: 'c logs management events',
    });
    expect(judgeTrails({ trails: custom }, 'eu-west-1').reason).toBe(
      'the trails logging in eu-west-1 (a, b) use custom event selectors, which the snapshot does not record: check that they include management events',
    );
    const stopped = [trail({ name: 'a', status: { isLogging: false } }), trail({ name: 'b', status: null })];
    expect(judgeTrails({ trails: stopped }, 'eu-west-1').reason).toBe(
      'no trail covering eu-west-1 is logging (a, b stopped)',
    );
  });
});

describe("checkTrail: the evidence account's own cloudtrail snapshot in the locker", () => {
  const account = '123456789012';
  const locker = () => new DirectoryLocker(mkdtempSync(path.join(tmpdir(), 'trail-')));
  const put = (l: DirectoryLocker, collectedAt: string, over: Partial<Snapshot> = {}) =>
    writeSnapshot(
      l,
      makeSnapshot({
        collector: 'cloudtrail',
        scope: `aws-${account}`,
        controls: ['CC7.2'],
        collectedAt,
        ...over,
      }),
      730,
    );

  it('judges the newest snapshot of the day: a trail stopped later that day is what counts', async () => {
    const l = locker();
    await put(l, '2026-06-02T00:05:00.000Z', { data: { trails: [trail()] } });
    await put(l, '2026-06-02T12:00:00.000Z', { data: { trails: [trail({ status: { isLogging: false } })] } });
    const judged = await checkTrail(l, account, 'eu-west-1', '2026-06-02');
    expect(judged.state).toBe('missing');
    expect(judged.key).toMatch(/^snapshots\/2026-06-02\/cloudtrail\/aws-123456789012\/.*T120000/);
  });

  it("falls back to the day before; another account's snapshot does not count", async () => {
    const l = locker();
    await put(l, '2026-06-01T00:05:00.000Z', { data: { trails: [trail()] } });
    await put(l, '2026-06-02T00:05:00.000Z', { scope: 'aws-210987654321', data: { trails: [trail()] } });
    expect((await checkTrail(l, account, 'eu-west-1', '2026-06-02')).state).toBe('ok');
    expect((await checkTrail(l, account, 'eu-west-1', '2026-06-03')).state).toBe('unknown');
  });

  it('no snapshot, or an error snapshot: unknown (never ok), saying why', async () => {
    const l = locker();
    expect(await checkTrail(l, account, 'eu-west-1', '2026-06-02')).toEqual({
      state: 'unknown',
      reason: `no cloudtrail snapshot of account ${account} on 2026-06-01 or 2026-06-02`,
    });
    await put(l, '2026-06-02T00:05:00.000Z', {
      status: 'error',
      errors: ['AccessDenied: DescribeTrails'],
      data: null,
    });
    const judged = await checkTrail(l, account, 'eu-west-1', '2026-06-02');
    expect(judged.state).toBe('unknown');
    expect(judged.reason).toMatch(/error \(AccessDenied: DescribeTrails\)/);
  });

  it('an error snapshot that still carries data is not judged from it: unknown, naming every error', async () => {
    const l = locker();
    await put(l, '2026-06-02T00:05:00.000Z', {
      status: 'error',
      errors: ['AccessDenied: GetTrailStatus', 'Throttling'],
      data: { trails: [trail()] },
    });
    expect(await checkTrail(l, account, 'eu-west-1', '2026-06-02')).toEqual({
      state: 'unknown',
      reason: 'the cloudtrail snapshot is an error (AccessDenied: GetTrailStatus; Throttling)',
      key: expect.stringMatching(/^snapshots\/2026-06-02\/cloudtrail\/aws-123456789012\//),
    });
  });

  it('an ok snapshot without data: unknown, not a crash', async () => {
    const l = locker();
    await put(l, '2026-06-02T00:05:00.000Z', { data: null });
    expect((await checkTrail(l, account, 'eu-west-1', '2026-06-02')).state).toBe('unknown');
  });
});
