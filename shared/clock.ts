/** Time is injected, never read directly, so tests can fix it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(instant: Date | string): Clock {
  const t = typeof instant === 'string' ? new Date(instant) : instant;
  return { now: () => new Date(t.getTime()) };
}
