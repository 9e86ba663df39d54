/**
 * Listing the snapshots of a window of days. Keys are day-first, so a window is covered by
 * a few prefixes: a whole month at once (`snapshots/2026-04-`) where the window covers
 * much of it, else one prefix per day (or per day and collector). Used by `ls`, `verify`
 * and `sample`, so that none of them lists every snapshot ever written, nor one prefix per
 * snapshot.
 */
import { mapLimit } from '../concurrency.js';
import type { ListedObject, Locker } from '../locker/types.js';
import { daysBetween } from './days.js';
import { type MisfiledKey, parseSnapshotLockerKey } from './ids.js';
import { SNAPSHOT_PREFIX, type SnapshotKeyParts } from './snapshot.js';

/** More prefixes than this in one month: list the month at once instead. */
const MONTH_THRESHOLD = 8;

/**
 * Prefixes covering every snapshot key from `from` to `to` (of `collectors` only, when
 * given): a month at once, or (day[, collector]) where the window only touches a few days.
 */
export function windowPrefixes(from: string, to: string, collectors?: readonly string[]): string[] {
  const byMonth = new Map<string, string[]>();
  for (const day of daysBetween(from, to)) {
    const days = byMonth.get(day.slice(0, 7)) ?? [];
    days.push(day);
    byMonth.set(day.slice(0, 7), days);
  }
  const perDay = (day: string) =>
    collectors ? collectors.map((c) => `${SNAPSHOT_PREFIX}${day}/${c}/`) : [`${SNAPSHOT_PREFIX}${day}/`];
  return [...byMonth].flatMap(([month, days]) =>
    days.length * (collectors?.length ?? 1) > MONTH_THRESHOLD
      ? [`${SNAPSHOT_PREFIX}${month}-`]
      : days.flatMap(perDay),
  );
}

export type ListedSnapshot = ListedObject & SnapshotKeyParts;

/**
 * Every snapshot key from `from` to `to` (of `collectors` only, when given), with its parsed
 * parts, in key order. A key that does not follow the grammar (ids.ts) is misfiled: it is
 * never returned (so never sampled nor carried into a workpaper) and goes to `onMisfiled`,
 * for the caller to report.
 */
export async function listSnapshots(
  locker: Locker,
  from: string,
  to: string,
  options: {
    collectors?: readonly string[];
    concurrency?: number;
    onMisfiled?: (misfiled: MisfiledKey) => void;
    /** Sees each listed snapshot; those it returns false for are not returned (a caller that spills them). */
    keep?: (item: ListedSnapshot) => boolean;
  } = {},
): Promise<ListedSnapshot[]> {
  const { collectors } = options;
  const listed = await mapLimit(
    windowPrefixes(from, to, collectors),
    options.concurrency ?? 16,
    async (prefix) => {
      const out: ListedSnapshot[] = [];
      for await (const item of locker.list(prefix)) {
        const parsed = parseSnapshotLockerKey(item.key);
        if (parsed.kind === 'misfiled') {
          options.onMisfiled?.(parsed);
          continue;
        }
        const parts = {
          day: parsed.day,
          collector: parsed.collector,
          scope: parsed.scope,
          file: parsed.file,
        };
        if (parts.day < from || parts.day > to) continue;
        if (collectors && !collectors.includes(parts.collector)) continue;
        const listed = { ...item, ...parts };
        if (options.keep && !options.keep(listed)) continue;
        out.push(listed);
      }
      return out;
    },
  );
  return listed.flat();
}
