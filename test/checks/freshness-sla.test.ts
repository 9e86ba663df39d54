/**
 * The two bounds the checks share, at their edges: a source's "as of" time against
 * `checks.freshnessHours` (shared/collectors/freshness.ts: the stale part is never judged as
 * the day's state) and an open vulnerability's age against `checks.vulnerabilitySlaDays`
 * (shared/checks/vulnerability-sla.ts). Exactly at the bound is within it; a millisecond past
 * is not; an unknown time is never fresh or within. The mutants StrykerJS found surviving
 * there (issue 27, item 5).
 */
import { describe, expect, it } from 'vitest';
import { describeAge, slaSeverity, slaVerdict } from '../../shared/checks/vulnerability-sla.js';
import { formatAge, freshnessBound, staleness } from '../../shared/collectors/freshness.js';
import { parseConfig } from '../../shared/config.js';

const config = parseConfig({
  locker: { retentionDays: 730 },
  github: { org: 'acme' },
  auditPeriod: { start: '2026-01-01' },
});
const H = 3_600_000;
const AT = '2026-04-05T12:00:00.000Z';
const ago = (ms: number) => new Date(Date.parse(AT) - ms).toISOString();
const question = (asOf: string | null, at: string | Date = AT) => ({
  part: 'the credential report',
  event: 'was generated at',
  asOf,
  missing: 'has no generation time',
  at,
  source: 'credentialReport' as const,
  maxHours: 24,
});

describe('freshness', () => {
  it('exactly the bound is fresh, a millisecond more is stale; a time after the collection is fresh', () => {
    expect(staleness(question(ago(24 * H)))).toBeUndefined();
    expect(staleness(question(ago(24 * H), new Date(AT)))).toBeUndefined();
    expect(staleness(question('2026-04-05T12:00:05.000Z'))).toBeUndefined();
    expect(staleness(question(ago(24 * H + 1)))).toBe(
      `the credential report was generated at ${ago(24 * H + 1)}, 24 h before the collection (at most 24 h, checks.freshnessHours.credentialReport): it is not that day's state`,
    );
    expect(staleness(question(ago(24 * H + 1), new Date(AT)))).toBeDefined();
  });

  it('a collection time given as a Date counts to the millisecond', () => {
    const at = new Date('2026-04-05T12:00:00.999Z');
    expect(staleness(question('2026-04-04T12:00:00.500Z', at))).toBeDefined();
    expect(staleness(question('2026-04-04T12:00:00.999Z', at))).toBeUndefined();
  });

  it('no time, or one that is no date: stale (its age is unknown)', () => {
    expect(staleness(question(null))).toBe(
      'the credential report has no generation time, so its age is unknown (checks.freshnessHours.credentialReport, 24 h)',
    );
    expect(staleness(question('yesterday'))).toBe(
      `the credential report's "as of" time "yesterday" is no date (checks.freshnessHours.credentialReport, 24 h)`,
    );
  });

  it('ages in hours, with days from 48 h; the bound as configured or its default', () => {
    expect(formatAge(47 * H + H - 1)).toBe('47 h');
    expect(formatAge(48 * H)).toBe('48 h (2 days)');
    expect(formatAge(77 * H)).toBe('77 h (3 days)');
    expect(freshnessBound(undefined, 'configRecorder')).toBe(48);
    expect(freshnessBound(config, 'credentialReport')).toBe(24);
    const tight = parseConfig({
      locker: { retentionDays: 730 },
      github: { org: 'acme' },
      auditPeriod: { start: '2026-01-01' },
      checks: { freshnessHours: { credentialReport: 6 } },
    });
    expect(freshnessBound(tight, 'credentialReport')).toBe(6);
    expect(freshnessBound(tight, 'cloudTrailDelivery')).toBe(24);
  });
});

describe('vulnerability SLA', () => {
  it('severities: the four bands in any case, moderate as medium, informational none, anything else critical', () => {
    expect(['CRITICAL', 'High', 'medium', 'low'].map(slaSeverity)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
    ]);
    expect(slaSeverity('MODERATE')).toBe('medium');
    expect(slaSeverity('Informational')).toBeNull();
    expect(slaSeverity('UNTRIAGED')).toBe('critical');
    expect(slaSeverity('')).toBe('critical');
  });

  it('exactly the limit is within it, a millisecond more is overdue; an unknown opening is overdue', () => {
    const day = 24 * H;
    expect(slaVerdict(config, 'critical', ago(7 * day), AT)).toEqual({
      band: 'critical',
      limitDays: 7,
      ageDays: 7,
      overdue: false,
    });
    expect(slaVerdict(config, 'critical', ago(7 * day + 1), AT).overdue).toBe(true);
    expect(slaVerdict(config, 'low', ago(180 * day), AT)).toMatchObject({
      limitDays: 180,
      overdue: false,
    });
    expect(slaVerdict(config, 'low', ago(180 * day + 1), AT).overdue).toBe(true);
    expect(slaVerdict(config, 'high', null, AT)).toEqual({
      band: 'high',
      limitDays: 30,
      ageDays: Number.POSITIVE_INFINITY,
      overdue: true,
    });
  });

  it('says the age and the limit', () => {
    expect(describeAge(slaVerdict(config, 'critical', ago(12.5 * 24 * H), AT))).toBe(
      '12.5 days open, critical SLA 7 days',
    );
    expect(describeAge(slaVerdict(config, 'medium', null, AT))).toBe(
      'open since an unknown time, medium SLA 90 days',
    );
  });
});
