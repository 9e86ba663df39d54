import { describe, expect, it } from 'vitest';
import {
  addDays,
  compactInstant,
  daysBetween,
  lastCompleteDay,
  parseCompactInstant,
} from '../../shared/evidence/days.js';

describe('evidence days', () => {
  it('count across month and year ends', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('compact instants round-trip through compactInstant and parseCompactInstant', () => {
    const at = '2026-04-20T00:05:12.345Z';
    expect(compactInstant(new Date(at))).toBe('20260420T000512345Z');
    expect(parseCompactInstant(`${compactInstant(new Date(at))}-run.json`)).toBe(at);
    expect(parseCompactInstant('not-an-instant')).toBeUndefined();
  });
});

describe('lastCompleteDay', () => {
  it('is yesterday (UTC), or the audit period end when that is earlier', () => {
    const now = new Date('2026-06-15T00:30:00.000Z');
    expect(lastCompleteDay(now)).toBe('2026-06-14');
    expect(lastCompleteDay(now, '2026-03-31')).toBe('2026-03-31');
    expect(lastCompleteDay(now, '2026-12-31')).toBe('2026-06-14');
  });
});
