/**
 * What an EventBridge Scheduler cron expression (`cron(minutes hours day-of-month month
 * day-of-week year)`, UTC) means for one day: the minutes of the day it fires at. Only what the
 * configuration's schedules need to be reasoned about (okta-users' factor-read capacity).
 */

/**
 * The minutes of the day (0..1439, ascending) at which `expression` fires, when it fires every
 * day; undefined when it does not fire every day (a day-of-month, month, day-of-week or year
 * restriction) or cannot be read. Minutes and hours take `*`, numbers, ranges `a-b`, steps
 * `* /n`, `a/n`, `a-b/n` and lists of those, as EventBridge documents them.
 */
export function dailyFirings(expression: string): number[] | undefined {
  const m = /^cron\(\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*\)$/.exec(expression.trim());
  if (!m) return undefined;
  const [, minutes, hours, dayOfMonth, month, dayOfWeek, year] = m as unknown as string[];
  const every = (field: string) => field === '*' || field === '?';
  if (!every(dayOfMonth!) || !every(month!) || !every(dayOfWeek!) || !every(year!)) return undefined;
  const mins = values(minutes!, 0, 59);
  const hrs = values(hours!, 0, 23);
  if (!mins || !hrs) return undefined;
  return hrs.flatMap((h) => mins.map((x) => h * 60 + x)).sort((a, b) => a - b);
}

/** The values a minutes or hours field selects, ascending; undefined when it cannot be read. */
function values(field: string, min: number, max: number): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    let from = min;
    let to = max;
    if (m[1] !== '*') {
      from = Number(m[2]);
      // `a/n` runs from a to the end; `a` alone is a single value.
      to = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    }
    if (step < 1 || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}
