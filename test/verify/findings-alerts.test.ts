import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/evidence/days.js';
import {
  alertMessage,
  type EarlierReport,
  failureMessage,
  freshSince,
  idleMetricData,
  metricData,
  trailMissingMessage,
} from '../../shared/verify/alerts.js';
import { buildFindings, formatDays, PROBLEM_MEANING } from '../../shared/verify/findings.js';
import { PROBLEMS } from '../../shared/verify/types.js';
import type { SeriesReport, VerifyResult } from '../../shared/verify/verify.js';

function series(
  collector: string,
  scope: string,
  controls: string[],
  over: Partial<SeriesReport> = {},
): SeriesReport {
  return {
    collector,
    scope,
    expectedFrom: '2026-04-01',
    expectedFromReason: 'auditPeriod.start',
    origin: 'config',
    days: [],
    expectedDays: 10,
    presentDays: 10,
    missing: [],
    failed: [],
    acknowledged: [],
    acknowledgements: [],
    partial: [],
    beforeSince: 0,
    controls,
    ...over,
  };
}

function result(over: Partial<VerifyResult> = {}): VerifyResult {
  return {
    schema: 'evidence.verify/2',
    chain: { head: null, anchor: null, checkedAgainst: null, trustedKeys: [] },
    retired: [],
    refused: [],
    configuration: null,
    exceptions: { acknowledgedDays: 1, retiredSeries: 0, daysBeforeSince: 0 },
    from: '2026-04-01',
    to: '2026-04-10',
    ok: false,
    store: 's3://locker',
    verifiedAt: '2026-04-11T06:00:00.000Z',
    series: [
      series('guardduty', 'aws-123456789012-us-east-1', ['CC7.2'], {
        missing: ['2026-04-03', '2026-04-04'],
        presentDays: 8,
      }),
      series('okta', 'okta-example.okta.com', ['CC6.2', 'CC6.3'], {
        failed: ['2026-04-05'],
        acknowledged: ['2026-04-06'],
        acknowledgements: [
          {
            day: '2026-04-06',
            reason: 'Okta outage',
            by: 'Jane',
            key: 'acknowledgements/x',
            at: '2026-04-07T10:00:00.000Z',
          },
        ],
        presentDays: 8,
      }),
    ],
    integrity: [
      {
        key: 'snapshots/2026-04-07/okta/okta-example.okta.com/20260407T000500000Z-r.json',
        problem: 'hash-mismatch',
        detail: 'SHA-256 is a, the digest sealed b',
        series: 'okta/okta-example.okta.com',
      },
      {
        key: 'digests/2026-04-09/20260410T030000000Z.json',
        problem: 'chain-broken',
        detail: 'previous missing',
      },
    ],
    retention: 'checked',
    deep: false,
    unexpected: [],
    notes: [],
    stats: { requests: 1, days: 10, snapshots: 20, digests: 10, acknowledgements: 1, objectsRead: 0 },
    tool: { name: 'evidence-locker', version: 'test' },
    ...over,
  };
}

describe('findings', () => {
  it('one finding per gap or problem and control, in the compliance.json shape', () => {
    const { findings } = buildFindings(result());
    expect(findings.map((f) => [f.control, f.gap_type, f.severity, f.problem, f.series ?? f.key])).toEqual([
      ['SOC2:CC7.2', 'evidence', 'MEDIUM', 'missing', 'guardduty/aws-123456789012-us-east-1'],
      ['SOC2:CC6.2', 'evidence', 'MEDIUM', 'failed', 'okta/okta-example.okta.com'],
      ['SOC2:CC6.2', 'evidence', 'LOW', 'acknowledged', 'okta/okta-example.okta.com'],
      ['SOC2:CC6.3', 'evidence', 'MEDIUM', 'failed', 'okta/okta-example.okta.com'],
      ['SOC2:CC6.3', 'evidence', 'LOW', 'acknowledged', 'okta/okta-example.okta.com'],
      ['SOC2:CC6.2', 'evidence', 'HIGH', 'hash-mismatch', 'okta/okta-example.okta.com'],
      ['SOC2:CC6.3', 'evidence', 'HIGH', 'hash-mismatch', 'okta/okta-example.okta.com'],
      // A digest belongs to every series: one finding per control verified.
      ['SOC2:CC6.2', 'evidence', 'HIGH', 'chain-broken', 'digests/2026-04-09/20260410T030000000Z.json'],
      ['SOC2:CC6.3', 'evidence', 'HIGH', 'chain-broken', 'digests/2026-04-09/20260410T030000000Z.json'],
      ['SOC2:CC7.2', 'evidence', 'HIGH', 'chain-broken', 'digests/2026-04-09/20260410T030000000Z.json'],
    ]);
    expect(findings[0]!.description).toMatch(
      /guardduty\/aws-123456789012-us-east-1: no evidence on 2 day\(s\) of 2026-04-01..2026-04-10: 2026-04-03..2026-04-04/,
    );
    expect(findings[2]!.description).toMatch(/"Okta outage" \(Jane\)/);
  });

  it('no findings for a clean result', () => {
    expect(
      buildFindings(result({ ok: true, series: [series('iam', 'aws-1', ['CC6.1'])], integrity: [] })),
    ).toEqual({
      findings: [],
    });
  });

  it('formats consecutive days as ranges', () => {
    expect(
      formatDays(['2026-04-05', '2026-04-01', '2026-04-02', '2026-04-03', '2026-02-28', '2026-03-01']),
    ).toBe('2026-02-28..2026-03-01, 2026-04-01..2026-04-03, 2026-04-05');
  });
});

describe('findings: the controls, severity and words of each', () => {
  const problem = (key: string, over: Partial<VerifyResult['integrity'][number]> = {}) => ({
    key,
    problem: 'deleted' as const,
    detail: 'gone',
    ...over,
  });
  const controls = (r: VerifyResult) => buildFindings(r).findings.map((f) => f.control);

  it('an access-review problem touches CC6.2 and CC6.3, whatever the series verified', () => {
    const r = result({
      series: [series('iam', 'aws-1', ['CC6.1'])],
      integrity: [problem('reviews/2026-Q2/okta/campaign.json', { problem: 'review-missing' })],
    });
    expect(controls(r)).toEqual(['SOC2:CC6.2', 'SOC2:CC6.3']);
  });

  it("a snapshot's problem: its series' controls, else the registry's, else every verified control", () => {
    const verified = [
      series('guardduty', 'aws-1-us-east-1', ['CC7.2']),
      series('okta', 'okta-x', ['CC6.2', 'CC6.3']),
    ];
    // iam is not among the series verified (retired, say): the registry names its controls.
    const iam = problem('snapshots/2026-04-02/iam/aws-123456789012/20260402T000500000Z-r.json');
    expect(controls(result({ series: verified, integrity: [iam] }))).toEqual([
      'SOC2:CC6.1',
      'SOC2:CC6.2',
      'SOC2:CC6.3',
    ]);
    // A collector nobody knows: every control verified, once each, sorted.
    const unknown = problem('snapshots/2026-04-02/nobody/x-1/20260402T000500000Z-r.json');
    expect(controls(result({ series: verified, integrity: [unknown] }))).toEqual([
      'SOC2:CC6.2',
      'SOC2:CC6.3',
      'SOC2:CC7.2',
    ]);
    // A series verified with no control (and nothing else verified): CC7.2, never no finding.
    const bare = [series('iam', 'aws-123456789012', [])];
    expect(controls(result({ series: bare, integrity: [iam] }))).toEqual(['SOC2:CC7.2']);
    // Nothing verified at all: still one finding, under CC7.2, never none.
    expect(
      controls(result({ series: [], integrity: [problem('digests/2026-04-09/20260410T030000000Z.json')] })),
    ).toEqual(['SOC2:CC7.2']);
    expect(controls(result({ series: [], integrity: [unknown] }))).toEqual(['SOC2:CC7.2']);
  });

  it('every problem class has a severity: MEDIUM for the three that can be late work, HIGH for the rest', () => {
    const medium = ['not-sealed', 'digest-missing', 'window-overlap'];
    for (const kind of PROBLEMS) {
      const [finding] = buildFindings(
        result({ series: [], integrity: [problem('digests/2026-04-09/x.json', { problem: kind })] }),
      ).findings;
      expect(finding?.severity, kind).toBe(medium.includes(kind) ? 'MEDIUM' : 'HIGH');
      expect(PROBLEM_MEANING[kind], kind).toMatch(/^[a-z]/);
    }
  });

  it('the descriptions, word for word; the series only on a snapshot problem', () => {
    const r = result({
      series: [
        series('okta', 'okta-x', ['CC6.2'], {
          failed: ['2026-04-05', '2026-04-06'],
          acknowledged: ['2026-04-07', '2026-04-08'],
          acknowledgements: [
            {
              day: '2026-04-07',
              reason: 'Okta outage',
              by: 'Jane',
              key: 'acknowledgements/a',
              at: '2026-04-09T00:00:00.000Z',
            },
            {
              day: '2026-04-08',
              reason: 'Okta outage',
              by: 'Jane',
              key: 'acknowledgements/b',
              at: '2026-04-09T00:00:00.000Z',
            },
            {
              day: '2026-04-08',
              reason: 'Token expired',
              by: 'Sam',
              key: 'acknowledgements/c',
              at: '2026-04-09T00:00:00.000Z',
            },
          ],
        }),
      ],
      integrity: [
        problem('snapshots/2026-04-02/okta/okta-x/20260402T000500000Z-r.json', { series: 'okta/okta-x' }),
        problem('digests/2026-04-09/20260410T030000000Z.json', {
          problem: 'chain-broken',
          detail: 'previous missing',
        }),
      ],
    });
    const { findings } = buildFindings(r);
    expect(findings.map((f) => f.description)).toEqual([
      'okta/okta-x: collection failed (only error snapshots) on 2 day(s) of 2026-04-01..2026-04-10: 2026-04-05..2026-04-06. Read the errors in those snapshots, fix the cause, and acknowledge the days.',
      'okta/okta-x: no evidence on 2 acknowledged day(s) of 2026-04-01..2026-04-10: 2026-04-07..2026-04-08; documented as "Okta outage" (Jane); "Token expired" (Sam).',
      'snapshots/2026-04-02/okta/okta-x/20260402T000500000Z-r.json: deleted: a sealed object is no longer in the locker (gone).',
      'digests/2026-04-09/20260410T030000000Z.json: chain-broken: the digest chain does not link up: a digest is missing, altered or forked (previous missing).',
    ]);
    expect(findings.map((f) => f.days)).toEqual([
      ['2026-04-05', '2026-04-06'],
      ['2026-04-07', '2026-04-08'],
      undefined,
      undefined,
    ]);
    expect(findings.map((f) => 'series' in f)).toEqual([true, true, true, false]);
  });

  it('more ranges than the limit: the first ones and how many more', () => {
    const days = ['2026-04-01', '2026-04-03', '2026-04-05', '2026-04-07'];
    expect(formatDays(days, 4)).toBe('2026-04-01, 2026-04-03, 2026-04-05, 2026-04-07');
    expect(formatDays(days, 3)).toBe('2026-04-01, 2026-04-03, 2026-04-05 and 1 more range(s)');
    expect(formatDays(days, 1)).toBe('2026-04-01 and 3 more range(s)');
    // The default limit is 20 ranges: every other day of April and May gives 31.
    const many = Array.from({ length: 31 }, (_, i) => addDays('2026-04-01', 2 * i));
    expect(formatDays(many)).toBe(`${many.slice(0, 20).join(', ')} and 11 more range(s)`);
    expect(formatDays(many.slice(0, 20))).toBe(many.slice(0, 20).join(', '));
  });
});

describe('alerts', () => {
  it('metrics per collector (zeros included) and in total, with the service dimension', () => {
    const at = new Date('2026-04-11T06:00:00.000Z');
    const data = metricData(result(), at);
    const view = data.map((d) => [
      d.MetricName,
      d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(','),
      d.Value,
    ]);
    expect(view).toEqual([
      ['MissingDays', 'service=evidence-verify,Collector=guardduty', 2],
      ['MissingDays', 'service=evidence-verify,Collector=okta', 1],
      ['IntegrityProblems', 'service=evidence-verify,Collector=guardduty', 0],
      ['IntegrityProblems', 'service=evidence-verify,Collector=locker', 1],
      ['IntegrityProblems', 'service=evidence-verify,Collector=okta', 1],
      ['MissingDays', 'service=evidence-verify', 3],
      ['IntegrityProblems', 'service=evidence-verify', 2],
    ]);
    expect(data.every((d) => d.Unit === 'Count' && d.Timestamp === at)).toBe(true);
  });

  it('an SNS message that names series, days, keys and the next step; none when ok', () => {
    const alert = alertMessage(result(), 'reports/verify/20260411T060000000Z.json')!;
    expect(alert.subject).toBe('Evidence Locker: 3 day(s) without evidence, 2 integrity problem(s)');
    expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(alert.message).toContain('- guardduty/aws-123456789012-us-east-1: missing 2026-04-03..2026-04-04');
    expect(alert.message).toContain('- okta/okta-example.okta.com: only failed collections 2026-04-05');
    expect(alert.message).toContain('npx evidence acknowledge --series');
    expect(alert.message).toContain(
      'snapshots/2026-04-07/okta/okta-example.okta.com/20260407T000500000Z-r.json',
    );
    expect(alert.message).toMatch(/hash-mismatch \(1\).*\n.*\n {2}Next: .*list-object-versions/);
    expect(alert.message).toContain('reports/verify/20260411T060000000Z.json');
    expect(alertMessage(result({ ok: true, series: [], integrity: [] }))).toBeUndefined();
  });
});

describe('alerts: what is new since the last verification', () => {
  const earlier = (over: EarlierReport = {}): EarlierReport => ({
    series: [
      series('guardduty', 'aws-123456789012-us-east-1', ['CC7.2'], { missing: ['2026-04-03'] }),
      series('okta', 'okta-example.okta.com', ['CC6.2'], { failed: ['2026-04-05'] }),
    ],
    integrity: [{ key: 'digests/2026-04-09/20260410T030000000Z.json', problem: 'chain-broken', detail: 'x' }],
    ...over,
  });

  it('no earlier report: every gap and problem is new, compared with nothing', () => {
    const fresh = freshSince(result(), undefined, 'reports/verify/a.json');
    expect(fresh.since).toBeNull();
    expect(fresh.gaps).toEqual([
      { series: 'guardduty/aws-123456789012-us-east-1', day: '2026-04-03' },
      { series: 'guardduty/aws-123456789012-us-east-1', day: '2026-04-04' },
      { series: 'okta/okta-example.okta.com', day: '2026-04-05' },
    ]);
    expect(fresh.integrity.map((p) => p.problem)).toEqual(['hash-mismatch', 'chain-broken']);
  });

  it('a gap or problem the earlier report had is not new; one of another series, day or kind is', () => {
    const fresh = freshSince(result(), earlier(), 'reports/verify/a.json');
    expect(fresh.since).toBe('reports/verify/a.json');
    expect(fresh.gaps).toEqual([{ series: 'guardduty/aws-123456789012-us-east-1', day: '2026-04-04' }]);
    expect(fresh.integrity.map((p) => `${p.problem}@${p.key}`)).toEqual([
      'hash-mismatch@snapshots/2026-04-07/okta/okta-example.okta.com/20260407T000500000Z-r.json',
    ]);
    // A day missing before and failed now (or the reverse) is the same gap; the same day of another series is not.
    const swapped = earlier({
      series: [
        series('guardduty', 'aws-123456789012-us-east-1', ['CC7.2'], {
          failed: ['2026-04-03', '2026-04-04'],
        }),
        series('okta', 'okta-example.okta.com', ['CC6.2'], { missing: ['2026-04-03'] }),
      ],
    });
    expect(freshSince(result(), swapped, 'r').gaps).toEqual([
      { series: 'okta/okta-example.okta.com', day: '2026-04-05' },
    ]);
    // The same key with another problem is new.
    const other = earlier({
      integrity: [{ key: 'digests/2026-04-09/20260410T030000000Z.json', problem: 'unsigned', detail: 'x' }],
    });
    expect(freshSince(result(), other, 'r').integrity.map((p) => p.problem)).toEqual([
      'hash-mismatch',
      'chain-broken',
    ]);
  });

  it('an earlier report without series or integrity (or series without days lists): everything is new, no crash', () => {
    const bare = freshSince(result(), {}, 'r');
    expect(bare.since).toBe('r');
    expect(bare.gaps).toHaveLength(3);
    expect(bare.integrity).toHaveLength(2);
    const partial = {
      series: [{ collector: 'guardduty', scope: 'aws-123456789012-us-east-1' }],
    } as EarlierReport;
    expect(freshSince(result(), partial, 'r').gaps).toHaveLength(3);
  });
});

describe('alerts: the metrics the alarms read', () => {
  const at = new Date('2026-04-11T06:00:00.000Z');
  const view = (data: ReturnType<typeof metricData>) =>
    data.map(
      (d) => `${d.MetricName} ${d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(',')} ${d.Value}`,
    );

  it('per collector: missing and failed days summed over its series; a problem of a collector without series counts it', () => {
    const r = result({
      series: [
        series('okta', 'okta-a', ['CC6.2'], {
          missing: ['2026-04-01'],
          failed: ['2026-04-02', '2026-04-03'],
        }),
        series('okta', 'okta-b', ['CC6.2'], { missing: ['2026-04-04'] }),
      ],
      integrity: [
        {
          key: 'snapshots/2026-04-07/iam/aws-123456789012/20260407T000500000Z-r.json',
          problem: 'deleted',
          detail: 'x',
        },
        {
          key: 'snapshots/2026-04-08/iam/aws-123456789012/20260408T000500000Z-r.json',
          problem: 'late',
          detail: 'x',
        },
        { key: 'acknowledgements/2026-04-01/okta/okta-a/x.json', problem: 'unsigned', detail: 'x' },
      ],
    });
    expect(view(metricData(r, at, 'svc'))).toEqual([
      'MissingDays service=svc,Collector=iam 0',
      'MissingDays service=svc,Collector=okta 4',
      'IntegrityProblems service=svc,Collector=iam 2',
      'IntegrityProblems service=svc,Collector=locker 1',
      'IntegrityProblems service=svc,Collector=okta 0',
      'MissingDays service=svc 4',
      'IntegrityProblems service=svc 3',
    ]);
  });

  it('with what is new: NewMissingDays and NewIntegrityProblems, zero when nothing is new', () => {
    const r = result();
    const data = view(metricData(r, at, undefined, freshSince(r, undefined, null)));
    expect(data.slice(-2)).toEqual([
      'NewMissingDays service=evidence-verify 3',
      'NewIntegrityProblems service=evidence-verify 2',
    ]);
    const none = view(metricData(r, at, undefined, freshSince(r, r, 'r')));
    expect(none.slice(-2)).toEqual([
      'NewMissingDays service=evidence-verify 0',
      'NewIntegrityProblems service=evidence-verify 0',
    ]);
  });

  it('before the audit period: the four totals at zero', () => {
    const data = idleMetricData(at);
    expect(view(data)).toEqual([
      'MissingDays service=evidence-verify 0',
      'IntegrityProblems service=evidence-verify 0',
      'NewMissingDays service=evidence-verify 0',
      'NewIntegrityProblems service=evidence-verify 0',
    ]);
    expect(data.every((d) => d.Unit === 'Count' && d.Timestamp === at)).toBe(true);
    expect(view(idleMetricData(at, 'svc'))[0]).toBe('MissingDays service=svc 0');
  });
});

describe('alerts: the messages, word for word', () => {
  const earlier: EarlierReport = {
    series: [
      series('guardduty', 'aws-123456789012-us-east-1', ['CC7.2'], { missing: ['2026-04-03'] }),
      series('okta', 'okta-example.okta.com', ['CC6.2'], { failed: ['2026-04-05'] }),
    ],
    integrity: [{ key: 'digests/2026-04-09/20260410T030000000Z.json', problem: 'chain-broken', detail: 'x' }],
  };

  it('with what is new since the earlier report: the counts in the subject, NEW on each line that has something new', () => {
    const r = result();
    const alert = alertMessage(r, 'reports/verify/b.json', freshSince(r, earlier, 'reports/verify/a.json'))!;
    expect(alert.subject).toBe(
      'Evidence Locker: 1 new of 3 day(s) without evidence, 1 new of 2 integrity problem(s)',
    );
    expect(alert.message.split('\n')).toEqual([
      'Verification of s3://locker over 2026-04-01..2026-04-10 found problems.',
      'Full report: reports/verify/b.json in the locker.',
      'NEW since reports/verify/a.json: 1 day(s) without evidence, 1 integrity problem(s) (marked NEW below).',
      '',
      'DAYS WITHOUT EVIDENCE',
      '- guardduty/aws-123456789012-us-east-1: missing 2026-04-03..2026-04-04 NEW',
      '- okta/okta-example.okta.com: only failed collections 2026-04-05',
      '',
      'What to do: check the collector Lambda logs and the error snapshots of those days, fix the cause',
      '(credentials, permissions, a source outage), then record each day that cannot be recovered:',
      '  npx evidence acknowledge --series <collector>/<scope> --day <YYYY-MM-DD> --reason "<cause>" --by "<you>"',
      '',
      'INTEGRITY PROBLEMS',
      '- hash-mismatch (1): the bytes in the locker are not the bytes the digest sealed.',
      '    snapshots/2026-04-07/okta/okta-example.okta.com/20260407T000500000Z-r.json: SHA-256 is a, the digest sealed b NEW',
      '  Next: Compare the current object with the sealed version (S3 keeps both: list-object-versions); find who wrote the new version (CloudTrail data events); treat it as a security incident.',
      '- chain-broken (1): the digest chain does not link up: a digest is missing, altered or forked.',
      '    digests/2026-04-09/20260410T030000000Z.json: previous missing',
      '  Next: A digest is missing, altered or duplicated: compare with the previous verification report under reports/verify/ and treat it as a security incident.',
      '',
      'Re-run locally: npx evidence verify --from <day> --to <day> (docs/verify.md explains each problem).',
    ]);
  });

  it('the first verification, no report key: everything NEW, no report line', () => {
    const r = result();
    const alert = alertMessage(r, undefined, freshSince(r, undefined, null))!;
    expect(alert.subject).toBe(
      'Evidence Locker: 3 new of 3 day(s) without evidence, 2 new of 2 integrity problem(s)',
    );
    expect(alert.message.split('\n')).toEqual([
      'Verification of s3://locker over 2026-04-01..2026-04-10 found problems.',
      '',
      'NEW since the first verification: 3 day(s) without evidence, 2 integrity problem(s) (marked NEW below).',
      '',
      'DAYS WITHOUT EVIDENCE',
      '- guardduty/aws-123456789012-us-east-1: missing 2026-04-03..2026-04-04 NEW',
      '- okta/okta-example.okta.com: only failed collections 2026-04-05 NEW',
      '',
      'What to do: check the collector Lambda logs and the error snapshots of those days, fix the cause',
      '(credentials, permissions, a source outage), then record each day that cannot be recovered:',
      '  npx evidence acknowledge --series <collector>/<scope> --day <YYYY-MM-DD> --reason "<cause>" --by "<you>"',
      '',
      'INTEGRITY PROBLEMS',
      '- hash-mismatch (1): the bytes in the locker are not the bytes the digest sealed.',
      '    snapshots/2026-04-07/okta/okta-example.okta.com/20260407T000500000Z-r.json: SHA-256 is a, the digest sealed b NEW',
      '  Next: Compare the current object with the sealed version (S3 keeps both: list-object-versions); find who wrote the new version (CloudTrail data events); treat it as a security incident.',
      '- chain-broken (1): the digest chain does not link up: a digest is missing, altered or forked.',
      '    digests/2026-04-09/20260410T030000000Z.json: previous missing NEW',
      '  Next: A digest is missing, altered or duplicated: compare with the previous verification report under reports/verify/ and treat it as a security incident.',
      '',
      'Re-run locally: npx evidence verify --from <day> --to <day> (docs/verify.md explains each problem).',
    ]);
  });

  it('a subject past 100 characters is cut at 100', () => {
    const r = result({
      series: [series('guardduty', 'aws-1', ['CC7.2'], { missing: new Array(100_000).fill('2026-04-03') })],
      integrity: Array.from({ length: 10_000 }, (_, i) => ({
        key: `k${i}`,
        problem: 'unsigned' as const,
        detail: 'd',
      })),
    });
    const subject = alertMessage(r, undefined, freshSince(r, undefined, null))!.subject;
    const whole =
      'Evidence Locker: 100000 new of 100000 day(s) without evidence, 10000 new of 10000 integrity problem(s)';
    expect(whole.length).toBeGreaterThan(100);
    expect(subject).toBe(whole.slice(0, 100));
  });

  it('20 keys a kind, then how many more; a message past 60,000 characters cut, saying so', () => {
    const integrity = Array.from({ length: 23 }, (_, i) => ({
      key: `digests/2026-04-${String(i + 1).padStart(2, '0')}/x.json`,
      problem: 'unsigned' as const,
      detail: 'no signature',
    }));
    const message = alertMessage(result({ series: [], integrity }))!.message;
    expect(message).toContain('- unsigned (23): ');
    expect(message).toContain(
      '    digests/2026-04-20/x.json: no signature\n    ... and 3 more (see the report)\n  Next: ',
    );
    expect(message).not.toContain('2026-04-21');
    const long = Array.from({ length: 40 }, (_, i) => ({
      key: `digests/2026-04-${String((i % 28) + 1).padStart(2, '0')}/${i}.json`,
      problem: i < 20 ? ('unsigned' as const) : ('bad-signature' as const),
      detail: 'd'.repeat(2_000),
    }));
    const cut = alertMessage(result({ series: [], integrity: long }))!.message;
    expect(cut).toHaveLength(60_000 + '\n... (truncated; see the report)'.length);
    expect(cut.endsWith('\n... (truncated; see the report)')).toBe(true);
    const whole = alertMessage(result({ series: [], integrity: long.slice(0, 25) }))!.message;
    expect(whole.length).toBeLessThanOrEqual(60_000);
    expect(whole).toMatch(/Re-run locally: .*\.$/);
    // Exactly 60,000 characters: whole, not cut.
    const one = (detail: string) =>
      alertMessage(result({ series: [], integrity: [{ key: 'k', problem: 'unsigned', detail }] }))!.message;
    const exact = one('d'.repeat(60_000 - one('').length));
    expect(exact).toHaveLength(60_000);
    expect(exact).not.toContain('truncated');
  });

  it('only the sections that have something: no gap, no days section; no problem, no integrity section; no NEW line without a comparison', () => {
    const problemsOnly = alertMessage(result({ series: [series('iam', 'aws-1', ['CC6.1'])] }))!.message;
    expect(problemsOnly).not.toContain('DAYS WITHOUT EVIDENCE');
    expect(problemsOnly).not.toContain('What to do');
    // No report key and no comparison: their lines empty, then the blank line, then the problems.
    expect(problemsOnly.split('\n').slice(0, 5)).toEqual([
      'Verification of s3://locker over 2026-04-01..2026-04-10 found problems.',
      '',
      '',
      '',
      'INTEGRITY PROBLEMS',
    ]);
    const gapsOnly = alertMessage(result({ integrity: [] }))!.message;
    expect(gapsOnly).toContain('DAYS WITHOUT EVIDENCE');
    expect(gapsOnly).not.toContain('INTEGRITY PROBLEMS');
    expect(gapsOnly).not.toContain('NEW');
    // Exactly 20 keys of a kind: all listed, no "more" line.
    const twenty = Array.from({ length: 20 }, (_, i) => ({
      key: `k${i}`,
      problem: 'unsigned' as const,
      detail: 'd',
    }));
    const listed = alertMessage(result({ series: [], integrity: twenty }))!.message;
    expect(listed).toContain('    k19: d\n  Next: ');
    expect(listed).not.toContain('more (see the report)');
  });

  it('every problem class has its meaning and a next step', () => {
    for (const kind of PROBLEMS) {
      const message = alertMessage(
        result({ series: [], integrity: [{ key: 'k', problem: kind, detail: 'd' }] }),
      )!.message;
      expect(message, kind).toContain(`- ${kind} (1): ${PROBLEM_MEANING[kind]}.`);
      expect(message, kind).toMatch(/\n {2}Next: [A-Z][^\n]{20,}\n/);
    }
  });

  it('the trail warning, with and without the snapshot seen; the could-not-run alert', () => {
    const withKey = trailMissingMessage('eu-west-1', 'no trail is logging', 'snapshots/x.json');
    expect(withKey.subject).toBe(
      'Evidence Locker: key-tampering alerts cannot work (no CloudTrail management events)',
    );
    expect(withKey.message.split('\n')).toEqual([
      'Key-tampering alerts cannot work in eu-west-1: no trail is logging.',
      'Seen in the cloudtrail snapshot snapshots/x.json.',
      'The alerts on DisableKey, ScheduleKeyDeletion and PutKeyPolicy come from CloudTrail management events through EventBridge:',
      'create or fix a trail that logs management events in eu-west-1 (a multi-Region trail does), then check with:',
      '  aws cloudtrail describe-trails --include-shadow-trails; aws cloudtrail get-trail-status --name <trail>',
    ]);
    expect(trailMissingMessage('eu-west-1', 'no trail is logging').message.split('\n')).toEqual([
      'Key-tampering alerts cannot work in eu-west-1: no trail is logging.',
      'The alerts on DisableKey, ScheduleKeyDeletion and PutKeyPolicy come from CloudTrail management events through EventBridge:',
      'create or fix a trail that logs management events in eu-west-1 (a multi-Region trail does), then check with:',
      '  aws cloudtrail describe-trails --include-shadow-trails; aws cloudtrail get-trail-status --name <trail>',
    ]);
    expect(failureMessage('s3://locker', 'AccessDenied')).toEqual({
      subject: 'Evidence Locker: verification could not run',
      message:
        "Verification of s3://locker could not run: AccessDenied\n\nCheck the verifier's permissions on the bucket (s3:ListBucket, s3:GetObject, s3:GetBucketObjectLockConfiguration) and that the bucket exists. Until it runs, gaps and tampering go unnoticed.",
    });
  });
});
