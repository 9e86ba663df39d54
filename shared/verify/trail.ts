/**
 * Can key-tampering alerts work? They come from CloudTrail management events through
 * EventBridge, so a trail must record management events in the locker's region. The scheduled
 * verifier answers from the locker's own evidence: the newest `cloudtrail` snapshot of the
 * evidence account on the verified window's last day (or the day before).
 */
import { addDays } from '../evidence/days.js';
import { readSnapshot } from '../evidence/read.js';
import type { Locker } from '../locker/types.js';

/**
 * The fields of a `cloudtrail` snapshot's data this judgement reads (the collector's own type
 * stays in its folder: shared/ code outside it does not import from a collector).
 */
export interface TrailsSeen {
  trails: {
    name: string;
    homeRegion: string | null;
    isMultiRegionTrail: boolean;
    hasCustomEventSelectors: boolean;
    seenInRegions: string[];
    status: { isLogging: boolean } | null;
  }[];
}

export interface TrailJudgement {
  /** ok: a trail logs management events here; missing: none does; unknown: cannot tell. */
  state: 'ok' | 'missing' | 'unknown';
  reason: string;
  key?: string;
}

/** Judge one cloudtrail snapshot's data for `region`. */
export function judgeTrails(data: TrailsSeen, region: string): TrailJudgement {
  const here = data.trails.filter(
    (t) => t.isMultiRegionTrail || t.homeRegion === region || t.seenInRegions.includes(region),
  );
  const logging = here.filter((t) => t.status?.isLogging === true);
  if (logging.some((t) => !t.hasCustomEventSelectors))
    return {
      state: 'ok',
      reason: `${logging.find((t) => !t.hasCustomEventSelectors)!.name} logs management events`,
    };
  if (logging.length)
    return {
      state: 'unknown',
      reason: `the trails logging in ${region} (${logging.map((t) => t.name).join(', ')}) use custom event selectors, which the snapshot does not record: check that they include management events`,
    };
  if (here.length)
    return {
      state: 'missing',
      reason: `no trail covering ${region} is logging (${here.map((t) => t.name).join(', ')} stopped)`,
    };
  return { state: 'missing', reason: `no CloudTrail trail covers ${region}` };
}

/** The newest cloudtrail snapshot of `accountId` on `day` or the day before, judged for `region`. */
export async function checkTrail(
  locker: Locker,
  accountId: string,
  region: string,
  day: string,
): Promise<TrailJudgement> {
  for (const d of [day, addDays(day, -1)]) {
    let newest: string | undefined;
    for await (const item of locker.list(`snapshots/${d}/cloudtrail/aws-${accountId}/`)) {
      if (!newest || item.key > newest) newest = item.key;
    }
    if (!newest) continue;
    const { snapshot } = await readSnapshot<TrailsSeen>(locker, newest);
    if (snapshot.status === 'error' || !snapshot.data)
      return {
        state: 'unknown',
        reason: `the cloudtrail snapshot is an error (${snapshot.errors.join('; ')})`,
        key: newest,
      };
    return { ...judgeTrails(snapshot.data, region), key: newest };
  }
  return {
    state: 'unknown',
    reason: `no cloudtrail snapshot of account ${accountId} on ${addDays(day, -1)} or ${day}`,
  };
}
