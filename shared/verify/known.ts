/**
 * Which series a record (an acknowledgement, a retirement) may name: one the configuration
 * expects, or one the locker holds (sealed by a digest, or filed on one of `days`). A record
 * for a series nobody expects and nothing holds would excuse a gap that cannot exist.
 */

import { COLLECTORS } from '../collectors/declarations.generated.js';
import { selectCollectors } from '../collectors/runner.js';
import type { AnyCollector } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { CorruptEvidenceError } from '../errors.js';
import { digestEntries, listDigests, readDigest } from '../evidence/digest.js';
import { parseSnapshotKey, SNAPSHOT_PREFIX, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { expectedSeries, resolveScopeEnvironment } from './expected.js';

export function knownSeries(
  locker: Locker,
  config: Config,
  options: {
    collectors?: readonly AnyCollector[];
    callerAccount?: () => Promise<string>;
    days?: readonly string[];
  } = {},
): (series: string) => Promise<string | undefined> {
  return async (series) => {
    const [collector, scope] = series.split('/') as [string, string];
    // Filed on one of the days named: cheapest, one listing per day.
    for (const day of options.days ?? []) {
      for await (const _ of locker.list(`${SNAPSHOT_PREFIX}${day}/${collector}/${scope}/`)) return undefined;
    }
    const seen = new Map<string, string>();
    const inLocker = new Set<string>();
    const listing = await listDigests(locker);
    // Each digest's entries are taken in as it is read; no digest is held after that.
    await mapLimit(listing.digests, 16, async (d) => {
      let read: Awaited<ReturnType<typeof readDigest>>;
      try {
        read = await readDigest(locker, d.key);
      } catch (err) {
        if (err instanceof CorruptEvidenceError) return;
        throw err;
      }
      for (const e of (await digestEntries(locker, read, { trusted: new Map() })).entries) {
        const p = parseSnapshotKey(e.key);
        if (!p) continue;
        inLocker.add(seriesId(p.collector, p.scope));
        if (!seen.has(p.scope) || p.day > seen.get(p.scope)!) seen.set(p.scope, p.day);
      }
    });
    if (inLocker.has(series)) return undefined;
    const collectors = selectCollectors(config, undefined, options.collectors ?? COLLECTORS);
    const env = await resolveScopeEnvironment(config, collectors, async () => seen, options.callerAccount);
    if (expectedSeries(config, collectors, env.env).series.some((s) => s.series === series)) return undefined;
    return 'no such series: the configuration does not expect it and the locker holds no snapshot of it (evidence verify lists the series)';
  };
}
