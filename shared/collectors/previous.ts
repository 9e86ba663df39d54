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

export async function previousSnapshot(
  locker: Locker,
  series: { collector: string; scope: string },
  fromDay: string,
  untilDay: string,
): Promise<PreviousSnapshot | undefined> {
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
      return { key, collectedAt: snapshot.collectedAt, data: snapshot.data };
    }
  }
  return undefined;
}
