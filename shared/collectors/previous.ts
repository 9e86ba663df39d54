/**
 * The newest earlier snapshot of a series (ok or partial), for collectors that carry state over
 * from one day to the next (okta-users' rolling factor reads): key days walked back from
 * `fromDay` to `untilDay`, each day's snapshots newest first. A corrupt one is skipped (verify
 * reports it); nothing is found past `untilDay`.
 */
import { CorruptEvidenceError, NotFoundError } from '../errors.js';
import { addDays } from '../evidence/days.js';
import { readSnapshot } from '../evidence/read.js';
import { SNAPSHOT_PREFIX } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import type { PreviousSnapshot } from './types.js';

/**
 * The first usable snapshot of a series, newest first: key days walked back from `fromDay` to
 * `untilDay`, each day's snapshots newest first; corrupt, missing and `error` ones are skipped,
 * and `pick` returns what it wants of a snapshot or undefined to go on walking.
 */
export async function findNewestSnapshot<T>(
  locker: Locker,
  series: { collector: string; scope: string },
  fromDay: string,
  untilDay: string,
  pick: (key: string, snapshot: Awaited<ReturnType<typeof readSnapshot>>['snapshot']) => T | undefined,
): Promise<T | undefined> {
  for (let day = fromDay; day >= untilDay; day = addDays(day, -1)) {
    const keys: string[] = [];
    for await (const item of locker.list(`${SNAPSHOT_PREFIX}${day}/${series.collector}/${series.scope}/`))
      keys.push(item.key);
    for (const key of keys.sort().reverse()) {
      let snapshot: Awaited<ReturnType<typeof readSnapshot>>['snapshot'];
      try {
        ({ snapshot } = await readSnapshot(locker, key));
      } catch (err) {
        if (err instanceof CorruptEvidenceError || err instanceof NotFoundError) continue;
        throw err;
      }
      if (snapshot.status === 'error') continue;
      const found = pick(key, snapshot);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export function previousSnapshot(
  locker: Locker,
  series: { collector: string; scope: string },
  fromDay: string,
  untilDay: string,
): Promise<PreviousSnapshot | undefined> {
  return findNewestSnapshot(locker, series, fromDay, untilDay, (key, snapshot) => ({
    key,
    collectedAt: snapshot.collectedAt,
    data: snapshot.data,
  }));
}
