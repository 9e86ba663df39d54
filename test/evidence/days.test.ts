import { describe, expect, it } from 'vitest';
import {
  addDays,
  addDaysToInstant,
  compactInstant,
  dayOf,
  dayStart,
  daysBetween,
  isDay,
  lastCompleteDay,
  laterDay,
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

// Each boundary a mutant of days.ts turned (docs/threat-model.md, "Mutation testing": the
// evidence primitives).
describe('evidence days: the boundaries', () => {
  it('isDay: YYYY-MM-DD, digits only, anchored, a date that exists', () => {
    for (const day of ['2026-01-01', '2024-02-29', '2026-12-31', '0001-01-01', '9999-12-31'])
      expect(isDay(day), day).toBe(true);
    for (const text of [
      '2025-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-01',
      '2026-01-00',
      '26-04-01',
      '02026-04-01',
      '2026-4-01',
      '2026-004-01',
      '2026-04-1',
      '2026-04-001',
      'abcd-04-01',
      '2026-ab-01',
      '2026-04-ab',
      ' 2026-04-01',
      '2026-04-01 ',
      '2026-04-01T00:00:00.000Z',
      'x2026-04-01',
      '',
      // Ten characters an ISO instant of an extended year starts with: only the pattern refuses them.
      '+010000-01',
      '-000001-01',
    ])
      expect(isDay(text), JSON.stringify(text)).toBe(false);
  });

  it('dayOf, dayStart and addDays across the UTC midnight', () => {
    expect(dayOf(new Date('2026-04-20T23:59:59.999Z'))).toBe('2026-04-20');
    expect(dayOf(new Date('2026-04-21T00:00:00.000Z'))).toBe('2026-04-21');
    expect(dayStart('2026-04-20').toISOString()).toBe('2026-04-20T00:00:00.000Z');
    expect(addDays('2026-04-20', 0)).toBe('2026-04-20');
    expect(addDays('2026-04-20', 10)).toBe('2026-04-30');
    expect(addDays('2026-04-20', -20)).toBe('2026-03-31');
  });

  it('daysBetween: both ends included, one day when they are equal, none when from is later', () => {
    expect(daysBetween('2026-04-20', '2026-04-20')).toEqual(['2026-04-20']);
    expect(daysBetween('2026-04-20', '2026-04-22')).toEqual(['2026-04-20', '2026-04-21', '2026-04-22']);
    expect(daysBetween('2026-04-21', '2026-04-20')).toEqual([]);
  });

  it('addDaysToInstant keeps the time of day', () => {
    const at = new Date('2026-04-20T10:11:12.013Z');
    expect(addDaysToInstant(at, 14).toISOString()).toBe('2026-05-04T10:11:12.013Z');
    expect(addDaysToInstant(at, -1).toISOString()).toBe('2026-04-19T10:11:12.013Z');
    expect(addDaysToInstant(at, 0).toISOString()).toBe(at.toISOString());
  });

  it('compactInstant drops every "-", ":" and "." and nothing else', () => {
    expect(compactInstant(new Date('2026-12-31T23:59:59.999Z'))).toBe('20261231T235959999Z');
  });

  it('parseCompactInstant reads only an instant at the start of the text', () => {
    expect(parseCompactInstant('20261231T235959999Z')).toBe('2026-12-31T23:59:59.999Z');
    expect(parseCompactInstant('20261231T235959999Z_c0ffee00.json')).toBe('2026-12-31T23:59:59.999Z');
    expect(parseCompactInstant('x20261231T235959999Z-run.json')).toBeUndefined();
    expect(parseCompactInstant('run-20261231T235959999Z.json')).toBeUndefined();
    expect(parseCompactInstant('20261231T23595999Z-run.json')).toBeUndefined();
    expect(parseCompactInstant('20261231T235959999-run.json')).toBeUndefined();
  });

  it('lastCompleteDay: the period end only when it is before yesterday', () => {
    const now = new Date('2026-06-15T23:59:59.999Z');
    expect(lastCompleteDay(now, '2026-06-14')).toBe('2026-06-14');
    expect(lastCompleteDay(now, '2026-06-13')).toBe('2026-06-13');
    expect(lastCompleteDay(now, '2026-06-15')).toBe('2026-06-14');
    expect(lastCompleteDay(new Date('2026-06-15T00:00:00.000Z'))).toBe('2026-06-14');
  });

  it('laterDay: the later of two days, in either order', () => {
    expect(laterDay('2026-04-20', '2026-04-21')).toBe('2026-04-21');
    expect(laterDay('2026-04-21', '2026-04-20')).toBe('2026-04-21');
    expect(laterDay('2026-12-31', '2027-01-01')).toBe('2027-01-01');
    expect(laterDay('2026-04-20', '2026-04-20')).toBe('2026-04-20');
  });
});
