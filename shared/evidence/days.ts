/** Evidence days are UTC calendar dates, written YYYY-MM-DD. */

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export function isDay(text: string): boolean {
  if (!DAY_RE.test(text)) return false;
  const d = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** The evidence day (UTC date) of an instant. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, n: number): string {
  return dayOf(new Date(dayStart(day).getTime() + n * DAY_MS));
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export function addDaysToInstant(instant: Date, n: number): Date {
  return new Date(instant.getTime() + n * DAY_MS);
}

/** A compact, file-name-safe form of an instant: 20260420T000512345Z. */
export function compactInstant(instant: Date): string {
  return instant.toISOString().replace(/[-:.]/g, '');
}

/** The ISO instant of a compactInstant() text at the start of `text`; undefined when there is none. */
export function parseCompactInstant(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : undefined;
}

/**
 * The last complete evidence day at `now`: yesterday (UTC), or the audit period's end when
 * that is earlier. Today is never complete, and a day after the period is not asked for.
 */
export function lastCompleteDay(now: Date, periodEnd?: string): string {
  const yesterday = addDays(dayOf(now), -1);
  return periodEnd !== undefined && periodEnd < yesterday ? periodEnd : yesterday;
}

/** The later of two days (YYYY-MM-DD order as strings). */
export function laterDay(a: string, b: string): string {
  return [a, b].sort()[1]!;
}
