/**
 * Alerting pieces for the scheduled verifier: a verify result as CloudWatch metrics
 * (MissingDays and IntegrityProblems per collector, and in total) and as an SNS message a
 * person can act on (which series, which days, what to do next).
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import { formatDays, PROBLEM_MEANING } from './findings.js';
import { gapDays, type IntegrityProblem, type ProblemKind, type VerifyResult } from './verify.js';

/**
 * What a verification found that the previous one had not: days without evidence (per series)
 * and integrity problems (per key and kind). The alarms fire on these (NewMissingDays,
 * NewIntegrityProblems), so a new gap or problem notifies even while older ones stay open.
 */
export interface Fresh {
  /** The report compared with; null when there was none (then everything is new). */
  since: string | null;
  gaps: { series: string; day: string }[];
  integrity: IntegrityProblem[];
}

/** The part of an earlier report this comparison reads. */
export type EarlierReport = Partial<Pick<VerifyResult, 'series' | 'integrity'>>;

export function freshSince(
  result: VerifyResult,
  previous: EarlierReport | undefined,
  since: string | null,
): Fresh {
  const seenGaps = new Set<string>();
  for (const s of previous?.series ?? [])
    for (const day of [...(s.missing ?? []), ...(s.failed ?? [])])
      seenGaps.add(`${s.collector}/${s.scope}@${day}`);
  const seenProblems = new Set((previous?.integrity ?? []).map((p) => `${p.problem}@${p.key}`));
  const gaps: Fresh['gaps'] = [];
  for (const s of result.series) {
    const series = `${s.collector}/${s.scope}`;
    for (const day of [...s.missing, ...s.failed])
      if (!seenGaps.has(`${series}@${day}`)) gaps.push({ series, day });
  }
  const integrity = result.integrity.filter((p) => !seenProblems.has(`${p.problem}@${p.key}`));
  return { since: previous ? since : null, gaps, integrity };
}

export const DEFAULT_METRICS_NAMESPACE = 'EvidenceLocker';

/** Dimension value for problems that belong to no collector (digests, acknowledgements). */
const LOCKER_DIMENSION = 'locker';

/** The `service` dimension of the totals (the Powertools service name the stack's alarms use). */
export const DEFAULT_SERVICE = 'evidence-verify';

/**
 * One datum per collector and metric (dimensions `service` and `Collector`), zeros included
 * so that an alarm sees data every day, plus the totals (dimension `service` only: one alarm
 * for everything). MissingDays counts days without usable evidence: missing or only failed
 * snapshots, not acknowledged, summed over the collector's series, over the verified window.
 */
export function metricData(
  result: VerifyResult,
  timestamp: Date,
  service = DEFAULT_SERVICE,
  fresh?: Fresh,
): MetricDatum[] {
  const missing = new Map<string, number>();
  const problems = new Map<string, number>();
  for (const s of result.series) {
    missing.set(s.collector, (missing.get(s.collector) ?? 0) + s.missing.length + s.failed.length);
    problems.set(s.collector, problems.get(s.collector) ?? 0);
  }
  for (const p of result.integrity) {
    const collector = parseSnapshotKey(p.key)?.collector ?? LOCKER_DIMENSION;
    problems.set(collector, (problems.get(collector) ?? 0) + 1);
    if (!missing.has(collector) && collector !== LOCKER_DIMENSION) missing.set(collector, 0);
  }
  const datum = (name: string, value: number, collector?: string): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: 'Count',
    Timestamp: timestamp,
    Dimensions: [
      { Name: 'service', Value: service },
      ...(collector !== undefined ? [{ Name: 'Collector', Value: collector }] : []),
    ],
  });
  const out: MetricDatum[] = [];
  for (const [collector, n] of [...missing].sort()) out.push(datum('MissingDays', n, collector));
  for (const [collector, n] of [...problems].sort()) out.push(datum('IntegrityProblems', n, collector));
  out.push(datum('MissingDays', gapDays(result)));
  out.push(datum('IntegrityProblems', result.integrity.length));
  if (fresh) {
    out.push(datum('NewMissingDays', fresh.gaps.length));
    out.push(datum('NewIntegrityProblems', fresh.integrity.length));
  }
  return out;
}

/** The heartbeat before the audit period: zeros, so that nothing alarms (not even VerifierSilent). */
export function idleMetricData(timestamp: Date, service = DEFAULT_SERVICE): MetricDatum[] {
  return ['MissingDays', 'IntegrityProblems', 'NewMissingDays', 'NewIntegrityProblems'].map((name) => ({
    MetricName: name,
    Value: 0,
    Unit: 'Count',
    Timestamp: timestamp,
    Dimensions: [{ Name: 'service', Value: service }],
  }));
}

/** SNS limits: subject ≤ 100 characters; message ≤ 256 KB (kept far below). */
const MAX_MESSAGE = 60_000;

const NEXT_STEP: Record<ProblemKind, string> = {
  'hash-mismatch':
    'Compare the current object with the sealed version (S3 keeps both: list-object-versions); find who wrote the new version (CloudTrail data events); treat it as a security incident.',
  deleted:
    'On S3 a delete marker hides a locked version: list-object-versions shows it; delete the marker to restore. Find who deleted it (CloudTrail).',
  'chain-broken':
    'A digest is missing, altered or duplicated: compare with the previous verification report under reports/verify/ and treat it as a security incident.',
  corrupt: 'Read the object: it is not a valid record. Find who wrote it (CloudTrail data events).',
  backdated:
    'Find who wrote the object and when (CloudTrail data events); a record written after the fact is not evidence of that day.',
  'retention-missing':
    "Apply retention now (s3api put-object-retention --retention Mode=COMPLIANCE,...) and check the writer: evidence must be written by the collector's own locker code.",
  'not-compliance-mode':
    'Switch the object to COMPLIANCE retention (put-object-retention) and find what wrote it in GOVERNANCE mode.',
  'retention-too-short':
    'Extend its retention with s3api put-object-retention (COMPLIANCE retention can be extended, never shortened).',
  'not-sealed': 'Run evidence seal --day <day> (is the sealing schedule running?).',
  misfiled:
    "A snapshot sits under another day's or series' key: find who wrote it (CloudTrail data events); treat it as a security incident.",
  late: 'Evidence written or sealed after its day is not evidence of that day: find why (CloudTrail); acknowledge the day if the reason is benign.',
  'digest-missing':
    'Run evidence seal --day <day>; if the digest existed before, treat it as a security incident.',
  'chain-truncated':
    'Digests were removed from the end of the chain or the chain was rewritten: compare with the report named in the detail; treat it as a security incident.',
  unsigned: 'A digest without signature: check the seal function (KMS grant) and who wrote the digest.',
  'bad-signature':
    'The digest was altered after signing, or signed by someone else: treat it as a security incident.',
  'untrusted-key':
    'The digest was signed with a key verify does not trust: if the key is yours, pin its fingerprint in locker.trustedKeys; else treat it as a security incident.',
  'acknowledged-in-advance':
    'An acknowledgement written before the days it excuses had ended: find who wrote it (CloudTrail); it excuses only the days that had ended.',
  'retirement-contradicted':
    'The series still has evidence after its retirement: the retirement is wrong, or the collector still runs; find out which and document it.',
  'since-contradicts-evidence':
    'A `since` in the configuration starts the series after evidence the locker holds: it is judged from that evidence; correct the `since` or explain the gap.',
  'population-gap':
    'Run evidence collect (the next run covers from the end of the last window); if a window snapshot is gone or unusable, treat it as an incident (see its own problem).',
  'window-overlap':
    'Find the run that covered the days again (evidence ls); the changes are counted once by sample, but the windows must tile: report it.',
  'window-in-future':
    'Find who wrote a window that was not over (a wrong clock or --day); that snapshot is not evidence of the days after its collection.',
  'review-missing':
    "Run the period's access review: evidence review start --system S --as-of D, record the decisions, close it (docs/access-reviews.md).",
  'review-incomplete':
    'Finish the campaign: record the missing decisions, carry out the removals, then evidence review close again; an altered or unsigned record is an incident.',
  'part-not-verified':
    'Open the verify run (Step Functions, EvidenceLocker-verify) to see why the part failed; re-run it, or verify the window with npx evidence verify. A part result that fails its signature is an incident.',
};

export interface AlertMessage {
  subject: string;
  message: string;
}

/** The alert for a result with gaps or problems; undefined when everything is in order. */
export function alertMessage(
  result: VerifyResult,
  reportKey?: string,
  fresh?: Fresh,
): AlertMessage | undefined {
  if (result.ok) return undefined;
  const gaps = gapDays(result);
  const subject = (
    fresh
      ? `Evidence Locker: ${fresh.gaps.length} new of ${gaps} day(s) without evidence, ${fresh.integrity.length} new of ${result.integrity.length} integrity problem(s)`
      : `Evidence Locker: ${gaps} day(s) without evidence, ${result.integrity.length} integrity problem(s)`
  ).slice(0, 100);
  const newGap = new Set(fresh?.gaps.map((g) => `${g.series}@${g.day}`));
  const newProblem = new Set(fresh?.integrity.map((p) => `${p.problem}@${p.key}`));
  const lines: string[] = [
    `Verification of ${result.store} over ${result.from}..${result.to} found problems.`,
    reportKey ? `Full report: ${reportKey} in the locker.` : '',
    fresh
      ? `NEW since ${fresh.since ?? 'the first verification'}: ${fresh.gaps.length} day(s) without evidence, ${fresh.integrity.length} integrity problem(s) (marked NEW below).`
      : '',
    '',
  ];
  const gapSeries = result.series.filter((s) => s.missing.length || s.failed.length);
  if (gapSeries.length) {
    lines.push('DAYS WITHOUT EVIDENCE');
    for (const s of gapSeries) {
      const series = `${s.collector}/${s.scope}`;
      const mark = (days: string[]) => (days.some((d) => newGap.has(`${series}@${d}`)) ? ' NEW' : '');
      if (s.missing.length) lines.push(`- ${series}: missing ${formatDays(s.missing)}${mark(s.missing)}`);
      if (s.failed.length)
        lines.push(`- ${series}: only failed collections ${formatDays(s.failed)}${mark(s.failed)}`);
    }
    lines.push(
      '',
      'What to do: check the collector Lambda logs and the error snapshots of those days, fix the cause',
      '(credentials, permissions, a source outage), then record each day that cannot be recovered:',
      '  npx evidence acknowledge --series <collector>/<scope> --day <YYYY-MM-DD> --reason "<cause>" --by "<you>"',
      '',
    );
  }
  if (result.integrity.length) {
    lines.push('INTEGRITY PROBLEMS');
    const kinds = [...new Set(result.integrity.map((p) => p.problem))];
    for (const kind of kinds) {
      const items = result.integrity.filter((p) => p.problem === kind);
      lines.push(`- ${kind} (${items.length}): ${PROBLEM_MEANING[kind]}.`);
      for (const p of items.slice(0, 20))
        lines.push(`    ${p.key}: ${p.detail}${newProblem.has(`${p.problem}@${p.key}`) ? ' NEW' : ''}`);
      if (items.length > 20) lines.push(`    ... and ${items.length - 20} more (see the report)`);
      lines.push(`  Next: ${NEXT_STEP[kind]}`);
    }
    lines.push('');
  }
  lines.push(
    'Re-run locally: npx evidence verify --from <day> --to <day> (docs/verify.md explains each problem).',
  );
  let message = lines.join('\n');
  if (message.length > MAX_MESSAGE)
    message = `${message.slice(0, MAX_MESSAGE)}\n... (truncated; see the report)`;
  return { subject, message };
}

/**
 * The warning that key-tampering alerts cannot work: the day's `cloudtrail` snapshot of the
 * evidence account shows no trail recording management events in the locker's region.
 */
export function trailMissingMessage(region: string, reason: string, snapshotKey?: string): AlertMessage {
  return {
    subject: 'Evidence Locker: key-tampering alerts cannot work (no CloudTrail management events)',
    message: [
      `Key-tampering alerts cannot work in ${region}: ${reason}.`,
      snapshotKey ? `Seen in the cloudtrail snapshot ${snapshotKey}.` : '',
      'The alerts on DisableKey, ScheduleKeyDeletion and PutKeyPolicy come from CloudTrail management events through EventBridge:',
      `create or fix a trail that logs management events in ${region} (a multi-Region trail does), then check with:`,
      '  aws cloudtrail describe-trails --include-shadow-trails; aws cloudtrail get-trail-status --name <trail>',
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/** The alert sent when verification itself could not run (the locker is unreachable). */
export function failureMessage(store: string, error: string): AlertMessage {
  return {
    subject: 'Evidence Locker: verification could not run',
    message: `Verification of ${store} could not run: ${error}\n\nCheck the verifier's permissions on the bucket (s3:ListBucket, s3:GetObject, s3:GetBucketObjectLockConfiguration) and that the bucket exists. Until it runs, gaps and tampering go unnoticed.`,
  };
}
