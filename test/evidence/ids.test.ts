import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import {
  CollectorIdSchema,
  DaySchema,
  dayProblem,
  InvalidIdentifierError,
  idProblem,
  parseSeriesId,
  parseSnapshotLockerKey,
  RunIdSchema,
  requireId,
  ScopeIdSchema,
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

// Every accept/reject boundary of the grammar, for mutation testing (docs/threat-model.md,
// "Mutation testing": the evidence primitives). Each case below is one a mutant of ids.ts
// turned the other way: an anchor dropped, a length bound changed, a class negated, a check
// of the date round trip removed.
describe('identifier grammar: the boundaries', () => {
  const letters = (n: number, c = 'a') => c.repeat(n);

  it.each([
    ['collector', 'a'],
    ['collector', `a${letters(31, '9')}`],
    ['collector', 'z-9'],
    ['scope', '0'],
    ['scope', `9${letters(127, '_')}`],
    ['scope', 'a.b-c_d'],
    ['runId', '0'],
    ['runId', `z${letters(63, '-')}`],
    ['series', `${letters(32)}/${letters(128)}`],
    ['day', '2026-01-01'],
    ['day', '2026-12-31'],
    ['day', '2026-01-31'],
    ['day', '2026-04-30'],
    ['day', '9999-12-31'],
    ['campaign', 'okta-2026-03-31-3f9a0c1b'],
    ['campaign', 'github-2024-02-29-00000000'],
    ['campaign', 'aws-2026-12-01-ffffffff'],
  ] as const)('accepts %s %j', (kind, text) => {
    expect(idProblem(kind, text)).toBeUndefined();
    expect(requireId(kind, text)).toBe(text);
  });

  it.each([
    // The first character, the class after it, the length bound, the anchors.
    ['collector', '9lives'],
    ['collector', '-iam'],
    ['collector', 'iam.x'],
    ['collector', `a${letters(32)}`],
    ['collector', 'iam\n'],
    ['collector', ' iam'],
    ['collector', 'iam '],
    ['collector', 'iam/'],
    ['scope', ''],
    ['scope', '-aws'],
    ['scope', '_aws'],
    ['scope', 'Aws'],
    ['scope', 'aws A'],
    ['scope', `a${letters(128)}`],
    ['scope', 'aws-1\n'],
    ['scope', '\naws-1'],
    ['runId', '-run'],
    ['runId', 'Run'],
    ['runId', 'run_1'],
    ['runId', `r${letters(64)}`],
    ['runId', 'run\n'],
    ['runId', ' run'],
    // A series: each half judged, exactly one "/".
    ['series', 'GuardDuty/aws-1'],
    ['series', 'guardduty/..'],
    ['series', 'guardduty/'],
    ['series', '/aws-1'],
    ['series', ''],
    // Days: shape (each field's width, digits only, anchors) and existence.
    ['day', '026-04-01'],
    ['day', '20260-04-01'],
    ['day', '2026-04-1'],
    ['day', '2026-004-01'],
    ['day', '2026-04-001'],
    ['day', 'abcd-04-01'],
    ['day', '2026-ab-01'],
    ['day', '2026-04-ab'],
    ['day', ' 2026-04-01'],
    ['day', '2026-04-01 '],
    ['day', '2026-04-01T00:00:00Z'],
    ['day', 'x2026-04-01'],
    ['day', '2026-00-10'],
    ['day', '2026-04-00'],
    ['day', '2026-04-31'],
    ['day', '2026-02-29'],
    ['day', '2100-02-29'],
    // Date.UTC maps the years 0-99 to 1900-1999: such a day never round-trips.
    ['day', '0050-01-01'],
    // Campaign ids: the source, each field, the hex, the anchors, a date that does not exist.
    ['campaign', 'azure-2026-03-31-3f9a0c1b'],
    ['campaign', 'okta-26-03-31-3f9a0c1b'],
    ['campaign', 'okta-2026-3-31-3f9a0c1b'],
    ['campaign', 'okta-2026-03-1-3f9a0c1b'],
    ['campaign', 'okta-2026-03-31-3f9a0c1'],
    ['campaign', 'okta-2026-03-31-3f9a0c1b0'],
    ['campaign', 'okta-2026-03-31-3F9A0C1B'],
    ['campaign', 'okta-2026-03-31-3f9a0c1g'],
    ['campaign', 'okta-abcd-03-31-3f9a0c1b'],
    ['campaign', 'okta-2026-ab-31-3f9a0c1b'],
    ['campaign', 'okta-2026-03-ab-3f9a0c1b'],
    ['campaign', 'xokta-2026-03-31-3f9a0c1b'],
    ['campaign', 'okta-2026-03-31-3f9a0c1b\n'],
    // Anchored at the end: a valid id followed by a path whose tail looks like another.
    ['campaign', 'okta-2026-03-31-3f9a0c1b/../2026-03-31-3f9a0c1b'],
    ['campaign', 'okta-2026-02-30-3f9a0c1b'],
    ['campaign', 'okta-2026-13-01-3f9a0c1b'],
  ] as const)('refuses %s %j', (kind, text) => {
    expect(idProblem(kind, text)).toBeDefined();
    expect(() => requireId(kind, text)).toThrow(InvalidIdentifierError);
  });

  it('says what is expected, naming the kind, the value and the part at fault', () => {
    expect(idProblem('day', '2026-4-1')).toBe('expected a date as YYYY-MM-DD');
    expect(idProblem('day', '2026-04-31')).toBe(
      'the date 2026-04-31 does not exist (YYYY-MM-DD, month 01-12, day within the month)',
    );
    expect(idProblem('series', 'iam')).toBe(
      'expected <collector>/<scope>, e.g. guardduty/aws-123456789012-us-east-1',
    );
    expect(idProblem('series', 'IAM/aws-1')).toBe(
      'expected <collector>/<scope>, e.g. guardduty/aws-123456789012-us-east-1 (expected a collector id: a lower-case letter, then up to 31 lower-case letters, digits or "-")',
    );
    expect(idProblem('series', 'iam/-aws')).toMatch(/\(expected a scope: /);
    expect(idProblem('campaign', 'okta-2026-02-30-3f9a0c1b')).toMatch(
      /^expected an access review campaign id: <okta\|github\|aws>-<YYYY-MM-DD>-<8 hex>/,
    );
    expect(idProblem('runId', 'R')).toMatch(/^expected a run id: /);
    expect(idProblem('scope', 'A')).toMatch(/^expected a scope: /);
    expect(idProblem('collector', 'A')).toMatch(/^expected a collector id: /);
    const err = (() => {
      try {
        requireId('scope', 'a b', 'aws.accounts[0]');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidIdentifierError);
    expect(err).toMatchObject({ name: 'InvalidIdentifierError', kind: 'scope', value: 'a b' });
    expect((err as Error).message).toBe(
      'aws.accounts[0] "a b": expected a scope: a lower-case letter or digit, then up to 127 lower-case letters, digits, ".", "-" or "_"',
    );
    expect(() => requireId('day', '2026-02-30')).toThrow(
      /^day "2026-02-30": the date 2026-02-30 does not exist/,
    );
  });

  it('the zod schemas apply the same grammar, with the same message', () => {
    for (const [schema, good, bad, message] of [
      [CollectorIdSchema, 'aws-config', 'AWS', /^expected a collector id/],
      [ScopeIdSchema, 'aws-1.x_y', '.x', /^expected a scope/],
      [RunIdSchema, '3f9a', 'run_1', /^expected a run id/],
      [DaySchema, '2024-02-29', '2025-02-29', /^the date 2025-02-29 does not exist/],
    ] as const) {
      expect(schema.safeParse(good)).toEqual({ success: true, data: good });
      const result = schema.safeParse(bad);
      expect(result.success).toBe(false);
      expect(result.error?.issues).toHaveLength(1);
      expect(result.error?.issues[0]).toMatchObject({ code: 'custom' });
      expect(result.error?.issues[0]?.message).toMatch(message);
    }
  });
});

describe('parseSnapshotLockerKey: the boundaries', () => {
  const under = (day: string, file: string) => `snapshots/${day}/iam/aws-1/${file}`;

  it.each([
    // 24:00 is a real Date (the next midnight) but not the instant the key writes.
    [under('2026-04-20', '20260420T240000000Z-r.json'), /20260420T240000000Z is not a real instant/],
    // 31 February rolls over to 3 March: not the instant the key writes either.
    [under('2026-03-03', '20260231T000000000Z-r.json'), /20260231T000000000Z is not a real instant/],
    // No run id: the instant alone, or a dash with nothing after it.
    [
      under('2026-04-20', '20260420T000512345Z.json'),
      /^run id "" in "20260420T000512345Z\.json": expected a run id/,
    ],
    [under('2026-04-20', '20260420T000512345Z-.json'), /^run id "" in/],
    [
      under('2026-04-20', '-20260420T000512345Z-r.json'),
      /^file name "-20260420T000512345Z-r\.json": expected <collectedAt as/,
    ],
    // The compact instant's every field: its width, digits only, the T and the Z, anchored.
    [under('2026-04-20', '2026042T000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T00051234Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T0005123456Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420 000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T000512345-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', 'x20260420T000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T000512345Zx-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '2026042aT000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T0a0512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T00051234aZ-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '202a0420T000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '2026a420T000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260a20T000512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420Ta00512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T00a512345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T000a12345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T0005a2345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T00051a345Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T000512a45Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T0005123a5Z-r.json'), /expected <collectedAt as/],
    [under('2026-04-20', '20260420T000512345Z-r.json.json'), /run id "r\.json"/],
    [
      under('2026-04-20', '20260421T000512345Z-r.json'),
      /^file name "20260421T000512345Z-r\.json": collected on 2026-04-21, filed under 2026-04-20$/,
    ],
    ['snapshots/2026-04-20/iam/aws-1', /found 3\)$/],
    ['snapshots/', /found 1\)$/],
    ['Snapshots/2026-04-20/iam/aws-1/20260420T000512345Z-r.json', /^not under snapshots\/$/],
    ['snapshots/2026-04-20/iam/-aws/20260420T000512345Z-r.json', /^scope segment "-aws": expected a scope/],
    [
      'snapshots/2026-04-20/Iam/aws-1/20260420T000512345Z-r.json',
      /^collector segment "Iam": expected a collector id/,
    ],
    [
      'snapshots/2026-4-20/iam/aws-1/20260420T000512345Z-r.json',
      /^day segment "2026-4-20": expected a date as YYYY-MM-DD$/,
    ],
  ])('classifies %j as misfiled, saying why', (key, reason) => {
    const parsed = parseSnapshotLockerKey(key);
    expect(parsed).toMatchObject({ kind: 'misfiled', key });
    expect(parsed.kind === 'misfiled' && parsed.reason).toMatch(reason);
  });

  it('parses the last millisecond of a day and a run id of one character', () => {
    expect(parseSnapshotLockerKey(under('2026-12-31', '20261231T235959999Z-0.json'))).toEqual({
      kind: 'snapshot',
      day: '2026-12-31',
      collector: 'iam',
      scope: 'aws-1',
      file: '20261231T235959999Z-0.json',
      collectedAt: '2026-12-31T23:59:59.999Z',
      runId: '0',
    });
    // A run id may hold dashes: only the first dash ends the instant.
    expect(parseSnapshotLockerKey(under('2026-01-01', '20260101T000000000Z-a-b.json'))).toMatchObject({
      kind: 'snapshot',
      collectedAt: '2026-01-01T00:00:00.000Z',
      runId: 'a-b',
    });
  });
});
