/**
 * Findings in the compliance.json shape of the remediation skill (seeds 002/003):
 * `{ "findings": [ { "control": "SOC2:CC7.2", "gap_type": "evidence", "description", "severity" } ] }`,
 * one per gap or problem and per control it touches, with the series, days and key as extra
 * fields so a tool can link each finding back to the evidence.
 */
import { findCollector } from '../collectors/declarations.generated.js';
import { addDays } from '../evidence/days.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import type { IntegrityProblem, ProblemKind, VerifyResult } from './verify.js';

export type Severity = 'HIGH' | 'MEDIUM' | 'LOW';

export interface Finding {
  control: string;
  gap_type: 'evidence';
  description: string;
  severity: Severity;
  series?: string;
  days?: string[];
  key?: string;
  problem?: ProblemKind | 'missing' | 'failed' | 'acknowledged';
}

const PROBLEM_SEVERITY: Record<ProblemKind, Severity> = {
  'hash-mismatch': 'HIGH',
  deleted: 'HIGH',
  'chain-broken': 'HIGH',
  corrupt: 'HIGH',
  backdated: 'HIGH',
  'retention-missing': 'HIGH',
  'not-compliance-mode': 'HIGH',
  'retention-too-short': 'HIGH',
  'not-sealed': 'MEDIUM',
  misfiled: 'HIGH',
  late: 'HIGH',
  'digest-missing': 'MEDIUM',
  'chain-truncated': 'HIGH',
  unsigned: 'HIGH',
  'bad-signature': 'HIGH',
  'untrusted-key': 'HIGH',
  'acknowledged-in-advance': 'HIGH',
  'retirement-contradicted': 'HIGH',
  'since-contradicts-evidence': 'HIGH',
  'population-gap': 'HIGH',
  'window-overlap': 'MEDIUM',
  'window-in-future': 'HIGH',
  'review-missing': 'HIGH',
  'review-incomplete': 'HIGH',
  'part-not-verified': 'HIGH',
};

/** What each problem means, in one sentence, for findings and alerts. */
export const PROBLEM_MEANING: Record<ProblemKind, string> = {
  'hash-mismatch': 'the bytes in the locker are not the bytes the digest sealed',
  deleted: 'a sealed object is no longer in the locker',
  'chain-broken': 'the digest chain does not link up: a digest is missing, altered or forked',
  corrupt: 'a locker object does not parse as what its key says it is',
  backdated: "the time the record claims disagrees with the store's own write time",
  'retention-missing': 'the object has no Object Lock retention and can be deleted',
  'not-compliance-mode': 'the object is locked in GOVERNANCE mode, which privileged users can bypass',
  'retention-too-short': 'the object is retained for less than the configured retention',
  'not-sealed': 'no digest covers the snapshot after the grace period',
  misfiled: "the snapshot's key and its content disagree (another day's or another series' evidence)",
  late: 'the snapshot was written or first sealed after the end of its day plus the seal grace',
  'digest-missing': 'a day of the audit period has no digest after the grace period',
  'chain-truncated': 'a chain head recorded by an earlier verification is no longer in the chain',
  unsigned: 'a digest or a signed record (acknowledgement, retirement, report, sample run) has no signature',
  'bad-signature': 'a digest or record signature does not verify under any trusted key',
  'untrusted-key': 'a digest or record is signed by a key that verify does not trust',
  'acknowledged-in-advance': 'an acknowledgement names days that had not ended when it was written',
  'retirement-contradicted': 'a retired series has sealed evidence on or after the day its retirement names',
  'since-contradicts-evidence':
    'the locker holds sealed evidence of a series before its configured `since`: it is judged from that evidence on',
  'population-gap':
    'evidence days that no window of a windowed series (changes) covers: the population misses them',
  'window-overlap': 'a window covers days an earlier window of the series already covered',
  'window-in-future': 'a window ends after its snapshot was collected: it claims days that were not over',
  'review-missing':
    'a period of the review cadence has no access review campaign of a system after its due day',
  'review-incomplete':
    'no access review campaign of a system for a period was closed complete by its due day',
  'part-not-verified':
    'a part of a verification run in parts has no trustworthy result (failed, missing or altered): its series were not judged',
};

/** "2026-04-21..2026-04-23, 2026-05-01": consecutive days as ranges. */
export function formatDays(days: readonly string[], limit = 20): string {
  const sorted = [...days].sort();
  const ranges: string[] = [];
  let start: string | undefined;
  let prev: string | undefined;
  const flush = () => {
    if (start) ranges.push(start === prev ? start : `${start}..${prev}`);
  };
  for (const day of sorted) {
    if (prev && addDays(prev, 1) === day) {
      prev = day;
      continue;
    }
    flush();
    start = day;
    prev = day;
  }
  flush();
  return ranges.length > limit
    ? `${ranges.slice(0, limit).join(', ')} and ${ranges.length - limit} more range(s)`
    : ranges.join(', ');
}

/** The controls a problem touches: its collector's, or every verified collector's for digests. */
function controlsOf(problem: IntegrityProblem, result: VerifyResult): string[] {
  // Access reviews (review-missing, review-incomplete, a review record's problem): CC6.2, CC6.3.
  if (problem.key.startsWith('reviews/')) return ['CC6.2', 'CC6.3'];
  const parts = parseSnapshotKey(problem.key);
  if (parts) {
    const fromSeries = result.series.find((s) => s.collector === parts.collector)?.controls;
    const known = fromSeries ?? findCollector(parts.collector)?.controls;
    if (known?.length) return [...known];
  }
  const all = [...new Set(result.series.flatMap((s) => s.controls))].sort();
  return all.length ? all : ['CC7.2'];
}

export function buildFindings(result: VerifyResult): { findings: Finding[] } {
  const findings: Finding[] = [];
  const window = `${result.from}..${result.to}`;
  for (const s of result.series) {
    const series = `${s.collector}/${s.scope}`;
    for (const control of s.controls) {
      if (s.missing.length) {
        findings.push({
          control: `SOC2:${control}`,
          gap_type: 'evidence',
          description: `${series}: no evidence on ${s.missing.length} day(s) of ${window}: ${formatDays(s.missing)}. Collect going forward and acknowledge each missing day with its cause (evidence acknowledge).`,
          severity: 'MEDIUM',
          series,
          days: s.missing,
          problem: 'missing',
        });
      }
      if (s.failed.length) {
        findings.push({
          control: `SOC2:${control}`,
          gap_type: 'evidence',
          description: `${series}: collection failed (only error snapshots) on ${s.failed.length} day(s) of ${window}: ${formatDays(s.failed)}. Read the errors in those snapshots, fix the cause, and acknowledge the days.`,
          severity: 'MEDIUM',
          series,
          days: s.failed,
          problem: 'failed',
        });
      }
      if (s.acknowledged.length) {
        const reasons = [...new Set(s.acknowledgements.map((a) => `"${a.reason}" (${a.by})`))].join('; ');
        findings.push({
          control: `SOC2:${control}`,
          gap_type: 'evidence',
          description: `${series}: no evidence on ${s.acknowledged.length} acknowledged day(s) of ${window}: ${formatDays(s.acknowledged)}; documented as ${reasons}.`,
          severity: 'LOW',
          series,
          days: s.acknowledged,
          problem: 'acknowledged',
        });
      }
    }
  }
  for (const p of result.integrity) {
    for (const control of controlsOf(p, result)) {
      const finding: Finding = {
        control: `SOC2:${control}`,
        gap_type: 'evidence',
        description: `${p.key}: ${p.problem}: ${PROBLEM_MEANING[p.problem]} (${p.detail}).`,
        severity: PROBLEM_SEVERITY[p.problem],
        key: p.key,
        problem: p.problem,
      };
      if (p.series) finding.series = p.series;
      findings.push(finding);
    }
  }
  return { findings };
}
