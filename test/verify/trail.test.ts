/** Can key-tampering alerts work? The verifier judges the evidence account's own cloudtrail snapshot. */
import { describe, expect, it } from 'vitest';
import { judgeTrails, type TrailsSeen } from '../../shared/verify/trail.js';

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
});
