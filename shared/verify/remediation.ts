/**
 * The remediation report of the source documents (compliance-remediation, step 7):
 * `compliance-soc2-<date>.md` from a compliance.json findings file (`verify --findings`, or any
 * file of that shape): a summary table (control · gap type · status · evidence links), the
 * detail of each gap, the residual risk register (gaps not closed, with a target date), and the
 * next collection schedule. Evidence links are locker keys (relative to the locker).
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { addDays } from '../evidence/days.js';
import { markdownCell, markdownCode, markdownText } from '../text/escape.js';
import { TOOL } from '../version.js';
import { formatDays, PROBLEM_MEANING } from './findings.js';
import type { ProblemKind } from './types.js';

const FindingsFile = z.object({
  findings: z.array(
    z
      .object({
        control: z.string().min(1),
        gap_type: z.enum(['design', 'operating', 'evidence']),
        description: z.string(),
        severity: z.enum(['HIGH', 'MEDIUM', 'LOW']),
        series: z.string().optional(),
        days: z.array(z.string()).optional(),
        key: z.string().optional(),
        problem: z.string().optional(),
      })
      .passthrough(),
  ),
});
export type FindingsFile = z.infer<typeof FindingsFile>;
type Finding = FindingsFile['findings'][number];

/** Parse a findings document; UsageError naming the first problem. */
export function parseFindings(text: string, file: string): FindingsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = FindingsFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}; expected { "findings": [ { "control", "gap_type": "design" | "operating" | "evidence", "description", "severity": "HIGH" | "MEDIUM" | "LOW" } ] }`,
    );
  }
  return parsed.data;
}

export type GapStatus = 'closed' | 'in-progress' | 'exception';

/** An acknowledged gap is a documented exception; every other finding is still being worked on. */
export function statusOf(f: Finding): GapStatus {
  return f.problem === 'acknowledged' ? 'exception' : 'in-progress';
}

/** Days to close a gap, by severity: the target date of the residual risk register. */
const TARGET_DAYS: Record<Finding['severity'], number> = { HIGH: 7, MEDIUM: 30, LOW: 90 };

const ACTIONS: Record<string, string> = {
  missing:
    'Find why the collector did not run (alarm Collect<Id>ErrorsAlarm, the function log), fix it, and record each day that cannot be recovered with `evidence acknowledge` naming the cause.',
  failed:
    "Read the error snapshots' `errors` (credentials, a revoked role, an API limit), fix the cause, collect again, and acknowledge the days that cannot be recovered.",
  acknowledged:
    'Documented exception: keep the acknowledgement with the audit file; no further action unless the auditor asks.',
  design:
    'Draft the policy (Purpose, Scope, Policy, Procedure, RACI, Exceptions, Review, References), have it approved, publish it.',
  operating:
    'Configure and enforce the technical control; keep the command or infrastructure code in the report.',
  evidence:
    'Set up automatic collection into the locker so every day of the audit period has a dated artifact.',
};

function actionOf(f: Finding): string {
  if (f.problem && ACTIONS[f.problem]) return ACTIONS[f.problem]!;
  if (f.problem && f.problem in PROBLEM_MEANING)
    return `Integrity: ${PROBLEM_MEANING[f.problem as ProblemKind]}. Treat as a potential tampering incident unless explained: compare with the access logs, keep the object as found, and document the cause; then re-seal or re-collect as docs/verify.md describes.`;
  return ACTIONS[f.gap_type]!;
}

/** Where the evidence of a finding is, relative to the locker. */
export function evidenceLinks(f: Finding): string[] {
  if (f.key) return [f.key];
  if (f.series && f.days?.length) {
    const [collector, scope] = f.series.split('/');
    const days = [...f.days].sort();
    const prefixes = [days[0]!, ...(days.length > 1 ? [days.at(-1)!] : [])].map(
      (d) => `snapshots/${d}/${collector}/${scope}/`,
    );
    return f.problem === 'acknowledged'
      ? days.slice(0, 2).map((d) => `acknowledgements/${d}/${collector}/${scope}/`)
      : prefixes;
  }
  return [];
}

export interface RemediationInput {
  findings: FindingsFile;
  /** The report's date (YYYY-MM-DD). */
  date: string;
  /** Where the findings came from, for the header. */
  source: string;
  store?: string;
  schedule?: { collect: string; seal: string; verify: string; collectAgain?: string | false };
  /** Configured collectors (id and controls), for the schedule. */
  collectors?: readonly { id: string; controls: readonly string[] }[];
}

export function remediationFileName(date: string, framework = 'soc2'): string {
  return `compliance-${framework}-${date}.md`;
}

export function remediationMarkdown(input: RemediationInput): string {
  const findings = input.findings.findings;
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  const id = (i: number) => `G${String(i + 1).padStart(2, '0')}`;
  const open = findings.map((f, i) => ({ f, i })).filter(({ f }) => statusOf(f) !== 'closed');
  const controls = [...new Set(findings.map((f) => f.control))].sort();
  push(
    `# Compliance remediation — SOC 2 — ${input.date}`,
    '',
    `From ${markdownCode(input.source)}${input.store ? ` (locker ${markdownCode(input.store)})` : ''}, written by ${TOOL.name} ${TOOL.version}. ` +
      `${findings.length} gap(s) over ${controls.length} control(s); ${open.length} not closed. Evidence links are locker keys, relative to the locker.`,
    '',
    '## Summary',
    '',
    '| # | control | gap type | severity | status | evidence |',
    '|---|---|---|---|---|---|',
    ...findings.map(
      (f, i) =>
        `| [${id(i)}](#${id(i).toLowerCase()}) | ${markdownCell(f.control)} | ${f.gap_type} | ${f.severity} | ${statusOf(f)} | ${
          evidenceLinks(f)
            .map((k) => markdownCode(k, { inTable: true }))
            .join('<br>') || '—'
        } |`,
    ),
    '',
    '## Gaps',
    '',
  );
  if (findings.length === 0) push('No gap: verification found nothing to remediate.', '');
  findings.forEach((f, i) => {
    push(
      `### ${id(i)}`,
      '',
      `- Control: ${markdownText(f.control)} (${f.gap_type} gap, severity ${f.severity})`,
      `- Status: ${statusOf(f)}`,
      `- Description: ${markdownText(f.description)}`,
      ...(f.series ? [`- Series: ${markdownCode(f.series)}`] : []),
      ...(f.days?.length ? [`- Days: ${markdownText(formatDays(f.days))}`] : []),
      `- Remediation action: ${actionOf(f)}`,
      `- Evidence: ${
        evidenceLinks(f)
          .map((k) => markdownCode(k))
          .join(', ') || '—'
      }`,
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
    );
  });
  push('## Residual risk register', '');
  if (open.length === 0) push('Every gap is closed.', '');
  else
    push(
      `Gaps not closed, with a target close date by severity (HIGH ${TARGET_DAYS.HIGH} days, MEDIUM ${TARGET_DAYS.MEDIUM}, LOW ${TARGET_DAYS.LOW}, counted from ${input.date}).`,
      '',
      '| # | control | severity | status | risk while open | target close date | owner |',
      '|---|---|---|---|---|---|---|',
      ...open.map(
        ({ f, i }) =>
          `| ${id(i)} | ${markdownCell(f.control)} | ${f.severity} | ${statusOf(f)} | ${markdownCell(f.description)} | ${addDays(input.date, TARGET_DAYS[f.severity])} | |`,
      ),
      '',
    );
  push('## Next audit-period actions: evidence collection schedule', '');
  if (input.schedule) {
    push(
      '| job | schedule (EventBridge Scheduler, UTC) | what it leaves in the locker |',
      '|---|---|---|',
      `| collect | ${markdownCode(input.schedule.collect, { inTable: true })} | one snapshot per series per day |`,
      ...(input.schedule.collectAgain
        ? [
            `| collect again | ${markdownCode(input.schedule.collectAgain, { inTable: true })} | further snapshots of the collectors that carry work over (okta-users: factor reads deferred, and what changed since the day's first run) |`,
          ]
        : []),
      `| seal | ${markdownCode(input.schedule.seal, { inTable: true })} | a signed digest chaining the day's snapshots |`,
      `| verify | ${markdownCode(input.schedule.verify, { inTable: true })} | a verification report; alarms on gaps and integrity problems |`,
      '',
    );
  }
  if (input.collectors?.length)
    push(
      'Collected every day:',
      '',
      ...input.collectors.map((c) => `- ${markdownCode(c.id)} (${c.controls.join(', ')})`),
      '',
    );
  push(
    'At audit time: `evidence verify --findings compliance.json` for the period, `evidence report` (coverage calendar and a workpaper per control), `evidence export` (the signed, hash-chained evidence the auditor checks with openssl), then this report again: every gap above should be closed or a documented exception.',
    '',
  );
  return out.join('\n');
}
