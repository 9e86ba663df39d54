import { describe, expect, it } from 'vitest';
import { alertMessage, metricData } from '../../shared/verify/alerts.js';
import { buildFindings, formatDays } from '../../shared/verify/findings.js';
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
