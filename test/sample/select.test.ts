import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { parseSeed, pythonSnippet, rankOf, selectDays, strata } from '../../shared/sample/select.js';
import { sampleSizeFor } from '../../shared/sample/sizes.js';

const base = {
  seed: 'audit-2026',
  check: 'guardduty-enabled',
  series: 'guardduty/aws-123456789012-us-east-1',
  from: '2026-01-01',
  to: '2026-12-31',
};

describe('selectDays', () => {
  it('ranks a day by SHA-256 of "<seed>|<check>|<series>|<day>"', () => {
    expect(rankOf('s', 'c', 'x/y', '2026-01-02')).toBe(sha256Hex('s|c|x/y|2026-01-02'));
  });

  it('takes N days per calendar month, in day order', () => {
    const days = selectDays({ ...base, plan: { kind: 'per-month', n: 3 } });
    expect(days).toHaveLength(36);
    const months = new Map<string, number>();
    for (const d of days) months.set(d.day.slice(0, 7), (months.get(d.day.slice(0, 7)) ?? 0) + 1);
    expect([...months.values()]).toEqual(Array(12).fill(3));
    expect(days.map((d) => d.day)).toEqual([...days.map((d) => d.day)].sort());
    // Within each month, the picked days have the smallest ranks.
    const jan = strata(base.from, base.to, { kind: 'per-month', n: 3 })[0]!;
    const ranks = jan.days.map((d) => rankOf(base.seed, base.check, base.series, d)).sort();
    expect(days.filter((d) => d.stratum === '2026-01').map((d) => d.rank)).toEqual(
      expect.arrayContaining(ranks.slice(0, 3)),
    );
  });

  it('same seed, same days; another seed, other days', () => {
    const plan = { kind: 'per-month', n: 3 } as const;
    expect(selectDays({ ...base, plan })).toEqual(selectDays({ ...base, plan }));
    const other = selectDays({ ...base, seed: 'audit-2026b', plan });
    expect(other.map((d) => d.day)).not.toEqual(selectDays({ ...base, plan }).map((d) => d.day));
  });

  it('each series and each check draws its own days', () => {
    const plan = { kind: 'size', n: 10 } as const;
    const a = selectDays({ ...base, plan }).map((d) => d.day);
    expect(
      selectDays({ ...base, series: 'guardduty/aws-123456789012-eu-west-1', plan }).map((d) => d.day),
    ).not.toEqual(a);
    expect(selectDays({ ...base, check: 'other', plan }).map((d) => d.day)).not.toEqual(a);
  });

  it('clips months to the window and takes every day of a short stratum', () => {
    const days = selectDays({
      ...base,
      from: '2026-01-30',
      to: '2026-02-02',
      plan: { kind: 'per-month', n: 3 },
    });
    expect(days.map((d) => d.day)).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(
      selectDays({ ...base, from: '2026-03-01', to: '2026-03-05', plan: { kind: 'size', n: 60 } }),
    ).toHaveLength(5);
  });

  it('--frequency sizes come from the table', () => {
    expect(sampleSizeFor('daily')).toBe(60);
    expect(sampleSizeFor('weekly')).toBe(15);
    expect(sampleSizeFor('monthly')).toBe(5);
    expect(sampleSizeFor('quarterly')).toBe(2);
    expect(sampleSizeFor('annual')).toBe(1);
    const days = selectDays({
      ...base,
      plan: { kind: 'frequency', frequency: 'daily', n: sampleSizeFor('daily') },
    });
    expect(new Set(days.map((d) => d.day)).size).toBe(60);
  });

  it('refuses a seed that could not be printed into a shell command', () => {
    expect(parseSeed('2026-audit_1.b')).toBe('2026-audit_1.b');
    expect(() => parseSeed('a b')).toThrow(UsageError);
    expect(() => parseSeed("x';rm")).toThrow(/expected 1 to 64 letters/);
  });

  const python = ['.venv/bin/python', '/usr/bin/python3'].find((p) => existsSync(p));
  it('the documented Python snippet draws exactly the same days', () => {
    expect(python, 'python3 is needed to re-run the auditor snippet').toBeDefined();
    const targets = [
      ['guardduty-enabled', 'guardduty/aws-123456789012-us-east-1'],
      ['iam-console-mfa', 'iam/aws-123456789012'],
    ] as const;
    for (const plan of [{ kind: 'per-month', n: 3 } as const, { kind: 'size', n: 25 } as const]) {
      const script = pythonSnippet({ seed: 'x1', targets, from: '2025-12-15', to: '2026-03-10', plan });
      const printed = execFileSync(python!, ['-c', script], { encoding: 'utf8' }).trim().split('\n');
      const expected = targets.map(
        ([check, series]) =>
          `${check} ${series} ${selectDays({
            seed: 'x1',
            check,
            series,
            from: '2025-12-15',
            to: '2026-03-10',
            plan,
          })
            .map((d) => d.day)
            .join(' ')}`,
      );
      expect(printed).toEqual(expected);
    }
  });
});
