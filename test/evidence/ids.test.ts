import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import {
  dayProblem,
  idProblem,
  parseSeriesId,
  parseSnapshotLockerKey,
  requireId,
} from '../../shared/evidence/ids.js';

describe('identifier grammar', () => {
  it.each([
    ['collector', 'guardduty'],
    ['collector', 'aws-config'],
    ['scope', 'aws-123456789012-us-east-1'],
    ['scope', 'okta-example.okta.com'],
    ['scope', 'github-acme_corp'],
    ['series', 'guardduty/aws-123456789012-us-east-1'],
    ['day', '2024-02-29'],
    ['runId', '3f9a0c1b2d4e'],
  ] as const)('accepts %s %s', (kind, text) => {
    expect(idProblem(kind, text)).toBeUndefined();
  });

  it.each([
    ['collector', 'GuardDuty'],
    ['collector', 'a_b'],
    ['collector', ''],
    ['scope', 'x\necho INJECTED > f\n#'],
    ['scope', '..'],
    ['scope', '.hidden'],
    ['scope', 'a/b'],
    ['scope', '[x](http://e)'],
    ['scope', 'x\u001b[31m'],
    ['series', 'guardduty'],
    ['series', 'guardduty/a/b'],
    ['day', '2026-4-1'],
    ['day', '2026-13-01'],
    ['runId', 'run.1'],
    ['runId', ''],
  ] as const)('refuses %s %j', (kind, text) => {
    expect(idProblem(kind, text)).toBeDefined();
  });

  it('tells a date that does not exist from one that is not YYYY-MM-DD', () => {
    expect(dayProblem('2026-13-01')).toMatch(/does not exist/);
    expect(dayProblem('2025-02-29')).toMatch(/does not exist/);
    expect(dayProblem('01/02/2026')).toMatch(/YYYY-MM-DD/);
    expect(dayProblem('01/02/2026')).not.toMatch(/does not exist/);
  });

  it('throws a usage error naming the option and the value', () => {
    expect(() => requireId('collector', 'Bad Name', '--collector')).toThrow(UsageError);
    expect(() => requireId('collector', 'Bad Name', '--collector')).toThrow(
      /--collector "Bad Name": expected/,
    );
    expect(parseSeriesId('iam/aws-123456789012')).toEqual({ collector: 'iam', scope: 'aws-123456789012' });
    expect(() => parseSeriesId('iam')).toThrow(/--series "iam"/);
  });
});

describe('parseSnapshotLockerKey', () => {
  it('parses a key that follows the layout', () => {
    expect(
      parseSnapshotLockerKey(
        'snapshots/2026-04-20/guardduty/aws-123456789012-us-east-1/20260420T000512345Z-run000000001.json',
      ),
    ).toEqual({
      kind: 'snapshot',
      day: '2026-04-20',
      collector: 'guardduty',
      scope: 'aws-123456789012-us-east-1',
      file: '20260420T000512345Z-run000000001.json',
      collectedAt: '2026-04-20T00:05:12.345Z',
      runId: 'run000000001',
    });
  });

  it.each([
    ['snapshots/2026-04-20/iam/x\necho INJECTED > f\n#/20260420T000512345Z-r.json', /scope segment/],
    ['snapshots/2026-04-20/IAM/aws-1/20260420T000512345Z-r.json', /collector segment/],
    ['snapshots/2026-13-20/iam/aws-1/20260420T000512345Z-r.json', /day segment/],
    ['snapshots/2026-04-20/iam/aws-1/extra/20260420T000512345Z-r.json', /4 segments/],
    ['snapshots/2026-04-20/iam/aws-1/notes.json', /file name/],
    ['snapshots/2026-04-20/iam/aws-1/20260420T000512345Z-r.txt', /file name/],
    ['snapshots/2026-04-20/iam/aws-1/20260421T000512345Z-r.json', /filed under 2026-04-20/],
    ['snapshots/2026-04-20/iam/aws-1/20260420T250512345Z-r.json', /not a real instant/],
    ['snapshots/2026-04-20/iam/aws-1/20260420T000512345Z-R_1.json', /run id/],
    ['digests/2026-04-20/x.json', /not under snapshots/],
  ])('classifies %j as misfiled', (key, reason) => {
    const parsed = parseSnapshotLockerKey(key);
    expect(parsed.kind).toBe('misfiled');
    expect(parsed.kind === 'misfiled' && parsed.reason).toMatch(reason);
  });
});
