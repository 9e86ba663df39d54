/**
 * Windows that tile the audit period, for windowed collectors (github-changes,
 * change-records): a run covers from the end of the last window its series holds to the end
 * of the last complete UTC day at the run's scheduled time (the schedule's slot, or
 * `collect --day`), never the clock's. A day whose run failed is covered by the next run (a
 * window of several days, said so); a re-run covers nothing twice (an empty window).
 *
 * The last window: the newest snapshot of the series (key days walked back from the run's day
 * to the series' first day, one listing per day, usually one or two) with status ok or partial
 * and a window. Every snapshot written on a day is sealed by that day's seal, so the newest
 * written window is the last sealed one or one awaiting its seal; verify reports any that is
 * not sealed in time (and the hole it then leaves: `population-gap`).
 */
import type { Config } from '../config.js';
import { addDays, dayOf, dayStart, lastCompleteDay } from '../evidence/days.js';
import type { Locker } from '../locker/types.js';
import { findNewestSnapshot } from './previous.js';
import type { AnyCollector, CoverageWindow } from './types.js';

const DAY_MS = 86_400_000;

/** First day a series of `source` is expected: auditPeriod.start, or a later `<source>.since`. */
export function seriesStart(config: Config, source: string): string {
  const since = (config as unknown as Record<string, { since?: string } | undefined>)[source]?.since;
  return since !== undefined && since > config.auditPeriod.start ? since : config.auditPeriod.start;
}

/** A window's days, from its ISO bounds. */
export function windowDays(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS));
}

/** "2026-05-22" or "2026-05-21 to 2026-05-22" (or "no day" for an empty window). */
export function describeWindow(window: { from: string; to: string }): string {
  const days = windowDays(window.from, window.to);
  if (days === 0) return `no day (an empty window at ${window.from})`;
  const first = dayOf(new Date(window.from));
  const last = addDays(first, days - 1);
  return days === 1 ? first : `${first} to ${last} (${days} days)`;
}

/** A one-day window (tests, and the shape every window has). */
export function dayWindow(day: string, after: string | null = null): CoverageWindow {
  return {
    day,
    from: dayStart(day).toISOString(),
    to: dayStart(addDays(day, 1)).toISOString(),
    days: 1,
    after,
    note: `covers ${day}`,
  };
}

export interface PreviousWindow {
  key: string;
  from: string;
  to: string;
}

/**
 * The newest window the series holds: key days walked back from `fromDay` to `untilDay`, each
 * day's snapshots newest first; the first ok or partial one with a window wins.
 */
export async function lastWindow(
  locker: Locker,
  series: { collector: string; scope: string },
  fromDay: string,
  untilDay: string,
): Promise<PreviousWindow | undefined> {
  // A corrupt snapshot holds no window: the one before it does (verify reports it).
  return findNewestSnapshot(locker, series, fromDay, untilDay, (key, snapshot) => {
    const window = (snapshot.data as { window?: { from?: unknown; to?: unknown } } | null)?.window;
    if (typeof window?.from !== 'string' || typeof window.to !== 'string') return undefined;
    if (Number.isNaN(Date.parse(window.from)) || Number.isNaN(Date.parse(window.to))) return undefined;
    return { key, from: window.from, to: window.to };
  });
}

/**
 * The window a run of `collector` for `scope` covers. `scheduledFor` is the run's slot (the
 * last complete day is the day before it); `now` only caps it (no window ends after the run).
 */
export async function planWindow(input: {
  locker: Locker;
  config: Config;
  collector: AnyCollector;
  scope: string;
  scheduledFor: Date;
  now: Date;
}): Promise<CoverageWindow> {
  const { locker, config, collector, scope, scheduledFor, now } = input;
  const since = seriesStart(config, collector.source);
  let through = lastCompleteDay(scheduledFor, config.auditPeriod.end);
  const yesterday = addDays(dayOf(now), -1);
  if (through > yesterday) through = yesterday;
  const end = dayStart(addDays(through, 1)).toISOString();
  const start = dayStart(since).toISOString();
  const previous = await lastWindow(locker, { collector: collector.id, scope }, dayOf(now), since);
  const from = previous && previous.to > start ? previous.to : start;
  const after = previous?.key ?? null;
  if (from >= end) {
    const lastDay = addDays(dayOf(new Date(from)), -1);
    return {
      day: lastDay,
      from,
      to: from,
      days: 0,
      after,
      note: previous
        ? `nothing to cover: the days through ${lastDay} are covered by ${previous.key}`
        : `nothing to cover: the series starts on ${since} (${since === config.auditPeriod.start ? 'auditPeriod.start' : `${collector.source}.since`}) and the last complete day is ${through}`,
    };
  }
  const days = windowDays(from, end);
  const first = dayOf(new Date(from));
  return {
    day: through,
    from,
    to: end,
    days,
    after,
    note:
      (days === 1 ? `covers ${through}` : `covers ${days} days, ${first} to ${through}`) +
      (previous
        ? `, from the end of the last window (${previous.key})`
        : `, from the series' first day (${since})`) +
      (days > 1 && previous ? ': the runs in between covered nothing (failed or did not run)' : ''),
  };
}

/** The window the runner planned; a windowed collector cannot run without one. */
export function windowOf(ctx: { window?: CoverageWindow }): CoverageWindow {
  if (!ctx.window)
    throw new Error('no coverage window: a windowed collector runs through the runner, which plans it');
  return ctx.window;
}
