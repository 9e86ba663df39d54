/**
 * The module-level tables of shared/verify/ that decide a verdict: which problems stop a
 * snapshot from counting for its day, the day state each gives, and which state wins when a
 * day's snapshots have several. Written for the static mutants of mutation testing
 * (docs/threat-model.md, "Mutation testing", "Static mutants of the verifier and the checks").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import { alertMessage, DEFAULT_METRICS_NAMESPACE } from '../../shared/verify/alerts.js';
import type { SnapshotFacts } from '../../shared/verify/facts.js';
import { buildFindings, PROBLEM_MEANING } from '../../shared/verify/findings.js';
import { parseFindings, remediationMarkdown } from '../../shared/verify/remediation.js';
import { disqualifying, type JudgedSeries, judgeSeries } from '../../shared/verify/series.js';
import {
  type IntegrityProblem,
  PROBLEMS,
  type ProblemKind,
  type VerifyResult,
} from '../../shared/verify/types.js';
import { DISQUALIFYING_STATES } from './fixtures.js';

const DAY = '2026-04-02';
const series: JudgedSeries = {
  collector: 'fake-a',
  scope: 'org-acme',
  series: 'fake-a/org-acme',
  controls: ['CC6.1'],
  since: '2026-04-01',
  sinceReason: 'auditPeriod.start',
  origin: 'config',
};
const fact = (n: number, status: 'ok' | 'partial' | 'error' = 'ok'): SnapshotFacts =>
  ({
    key: `snapshots/2026-04/02/fake-a/org-acme/20260402T0${n}0000000Z-run.json`,
    parts: { collector: 'fake-a', scope: 'org-acme', day: DAY },
    series: 'fake-a/org-acme',
    status,
    items: 1,
  }) as unknown as SnapshotFacts;
const problem = (f: SnapshotFacts, kind: ProblemKind): IntegrityProblem => ({
  key: f.key,
  problem: kind,
  detail: 'test',
});
const judge = (facts: SnapshotFacts[], problems: IntegrityProblem[]) => {
  const byKey = new Map<string, IntegrityProblem[]>();
  for (const p of problems) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  const report = judgeSeries(
    series,
    { from: DAY, to: DAY },
    new Map([[`fake-a/org-acme@${DAY}`, facts]]),
    byKey,
    byKey,
    [],
    '2026-04-01',
  );
  return { state: report.days.map((d) => d.state), present: report.presentDays, missing: report.missing };
};

const DISQUALIFYING = DISQUALIFYING_STATES;

describe('the problems that stop a snapshot from counting, and the day state each gives', () => {
  it.each(DISQUALIFYING)('a day whose one snapshot is %s is %s, not present', (kind, state) => {
    const f = fact(1);
    expect(judge([f], [problem(f, kind)])).toEqual({ state: [state], present: 0, missing: [DAY] });
    expect(disqualifying(f, new Map([[f.key, [problem(f, kind)]]]))).toHaveLength(1);
  });

  it.each(PROBLEMS.filter((k) => !DISQUALIFYING.some(([d]) => d === k)))(
    'a snapshot with only %s still counts (the problem is reported on its own)',
    (kind) => {
      const f = fact(1);
      expect(judge([f], [problem(f, kind)])).toEqual({ state: ['present'], present: 1, missing: [] });
    },
  );

  it('a problem of the digest that sealed a snapshot stops it too', () => {
    const f = { ...fact(1), sealedBy: { key: 'digests/d.json' } } as unknown as SnapshotFacts;
    const byDigest = new Map([
      ['digests/d.json', [{ key: 'digests/d.json', problem: 'bad-signature', detail: 'x' }]],
    ]);
    expect(
      disqualifying(f, new Map(), byDigest as Map<string, IntegrityProblem[]>).map((p) => p.problem),
    ).toEqual(['bad-signature']);
  });

  it('misfiled wins over late, late over unusable, whatever the order of the snapshots', () => {
    const [a, b, c] = [fact(1), fact(2), fact(3)];
    const all = [problem(a, 'corrupt'), problem(b, 'late'), problem(c, 'misfiled')];
    expect(judge([a, b, c], all).state).toEqual(['misfiled']);
    expect(judge([c, b, a], all).state).toEqual(['misfiled']);
    expect(judge([a, b], all).state).toEqual(['late']);
    expect(judge([b, a], all).state).toEqual(['late']);
    expect(judge([a], all).state).toEqual(['unusable']);
    // One usable snapshot makes the day present whatever the others are.
    expect(judge([a, b, c, fact(4)], all).state).toEqual(['present']);
    // Only error snapshots: failed; nothing: missing.
    expect(judge([fact(5, 'error')], []).state).toEqual(['failed']);
    expect(judge([], []).state).toEqual(['missing']);
  });
});

describe('the severity of each problem in the findings document', () => {
  // MEDIUM only where nothing was altered: a snapshot not sealed yet, a missing day digest, an
  // overlap of windows. Every other problem is HIGH: a finding must never be rated lower.
  const MEDIUM: ProblemKind[] = ['not-sealed', 'digest-missing', 'window-overlap'];
  it.each(PROBLEMS.map((k) => [k, MEDIUM.includes(k) ? 'MEDIUM' : 'HIGH'] as const))(
    '%s is %s',
    (kind, severity) => {
      const result = {
        from: DAY,
        to: DAY,
        series: [],
        integrity: [{ key: 'digests/2026/04/02/x.json', problem: kind, detail: 'd' }],
      } as unknown as VerifyResult;
      const [finding] = buildFindings(result).findings;
      expect(finding).toMatchObject({ severity, problem: kind, gap_type: 'evidence' });
      expect(finding!.description).toBe(`digests/2026/04/02/x.json: ${kind}: ${PROBLEM_MEANING[kind]} (d).`);
    },
  );

  it('the problem classes are the 25 the findings, alerts and docs know, each once', () => {
    expect(PROBLEMS).toHaveLength(25);
    expect([...PROBLEMS].sort()).toEqual(Object.keys(PROBLEM_MEANING).sort());
  });

  it('every problem has a meaning of its own', () => {
    const meanings = PROBLEMS.map((k) => PROBLEM_MEANING[k]);
    for (const m of meanings) expect(m.length).toBeGreaterThan(20);
    expect(new Set(meanings).size).toBe(PROBLEMS.length);
  });
});

describe('the alert: a next step for every problem class', () => {
  it('each class in the alert has its own next step, never an empty one', () => {
    const result = {
      ok: false,
      store: 'file:///locker',
      from: DAY,
      to: DAY,
      series: [],
      integrity: PROBLEMS.map((kind) => ({ key: `k/${kind}`, problem: kind, detail: 'd' })),
    } as unknown as VerifyResult;
    const next = alertMessage(result)!
      .message.split('\n')
      .filter((l) => l.startsWith('  Next: '))
      .map((l) => l.slice('  Next: '.length));
    expect(next).toHaveLength(PROBLEMS.length);
    for (const n of next) expect(n.length).toBeGreaterThan(20);
    expect(new Set(next).size).toBe(PROBLEMS.length);
  });

  it("the metrics namespace by default is the one the stack's alarms watch", () => {
    const stack = readFileSync(new URL('../../infra/evidence-stack.ts', import.meta.url), 'utf8');
    expect(stack).toContain(`const METRICS_NAMESPACE = '${DEFAULT_METRICS_NAMESPACE}';`);
    expect(DEFAULT_METRICS_NAMESPACE).toBe('EvidenceLocker');
  });
});

describe('the findings document: every field checked, every finding an action', () => {
  const item = { control: 'SOC2:CC6.1', gap_type: 'design', description: 'd', severity: 'HIGH' };
  const doc = (f: Record<string, unknown>) => JSON.stringify({ findings: [{ ...item, ...f }] });

  it.each([
    ['no control', { control: undefined }],
    ['an empty control', { control: '' }],
    ['no gap type', { gap_type: undefined }],
    ['an unknown gap type', { gap_type: 'process' }],
    ['no description', { description: undefined }],
    ['an unknown severity', { severity: 'CRITICAL' }],
    ['no severity', { severity: undefined }],
  ])('refuses a finding with %s (exit 2, naming the field)', (_, change) => {
    expect(() => parseFindings(doc(change), 'f.json')).toThrow(UsageError);
    expect(() => parseFindings(doc(change), 'f.json')).toThrow(/^f\.json: findings\.0\./);
  });

  it.each([
    ['design', undefined, 'Draft the policy'],
    ['operating', undefined, 'Configure and enforce the technical control'],
    ['evidence', undefined, 'Set up automatic collection into the locker'],
    ['evidence', 'missing', 'Find why the collector did not run'],
    ['evidence', 'failed', "Read the error snapshots' `errors`"],
    ['evidence', 'acknowledged', 'Documented exception'],
  ])('a %s finding (problem %s) gets its own action', (gapType, problem, action) => {
    for (const severity of ['HIGH', 'MEDIUM', 'LOW']) {
      const findings = parseFindings(
        doc({ gap_type: gapType, severity, ...(problem && { problem }) }),
        'f.json',
      );
      const md = remediationMarkdown({ findings, date: '2026-04-20', source: 'f.json' });
      expect(md).toContain(`- Remediation action: ${action}`);
    }
  });
});
