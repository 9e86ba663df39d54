import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/evidence/days.js';
import { alertMessage, metricData } from '../../shared/verify/alerts.js';
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
