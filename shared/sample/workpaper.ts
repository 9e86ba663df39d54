/**
 * The auditor's workpaper: workpaper.md following the tests.md test-of-effectiveness template
 * (Test design; Sampling strategy; Expected outcome; results; Exceptions), samples.json in the
 * shape docs/sampling.md describes, and the exact commands to re-check each sampled snapshot with standard tools.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnyCheck } from '../checks/types.js';
import { hexToBase64 } from '../evidence/canonical.js';
import { seriesId } from '../evidence/snapshot.js';
import { parseS3Url } from '../locker/s3.js';
import {
  fencedBlock,
  markdownCell,
  markdownCode,
  markdownText,
  shellArg,
  shellComment,
} from '../text/escape.js';
import { TOOL } from '../version.js';
import { samplesCsv } from './csv.js';
import type { SampleReport, SampleResult } from './run.js';
import { ALGORITHM_TEXT, describePlan, pythonSnippet } from './select.js';
import { SAMPLE_SIZE_SOURCE, SAMPLE_SIZES } from './sizes.js';

export interface WorkpaperInput {
  report: SampleReport;
  checks: readonly AnyCheck[];
  /** What is tested: "CC7.2", or the check ids. */
  subject: string;
  generatedAt: Date;
  seedGenerated: boolean;
  /** The command that reproduces this sample. */
  rerun: string;
}

/** samples.json / `sample --json`: the shape docs/sampling.md describes, plus fields an auditor needs. */
export function samplesJson(report: SampleReport) {
  return {
    seed: report.seed,
    checks: report.checks,
    from: report.from,
    to: report.to,
    plan: report.plan,
    locker: report.locker,
    samples: report.samples.map((s) => ({
      check: s.check,
      collector: s.collector,
      scope: s.scope,
      day: s.day,
      key: s.key,
      sha256: s.sha256,
      result: s.result,
      detail: s.detail,
      failing: s.failing,
      versionId: s.versionId,
      snapshotStatus: s.snapshotStatus,
      integrity: s.integrity,
      digestKey: s.digestKey,
      lockMode: s.lockMode,
      retainUntil: s.retainUntil,
      snapshotsThatDay: s.snapshotsThatDay,
      stratum: s.stratum,
      rank: s.rank,
    })),
    summary: summarize(report.samples),
    series: report.series,
    chain: report.chain,
    notes: report.notes,
  };
}

export function summarize(samples: readonly SampleResult[]) {
  return {
    total: samples.length,
    pass: samples.filter((s) => s.result === 'pass').length,
    fail: samples.filter((s) => s.result === 'fail').length,
    notApplicable: samples.filter((s) => s.result === 'not-applicable').length,
    missing: samples.filter((s) => s.result === 'missing').length,
  };
}

/** A table cell from data: inert text (see shared/text/escape.ts); empty shows as "—". */
function cell(text: string | number | null): string {
  return markdownCell(text);
}

/** Text from checks, sources and the locker, made inert in Markdown: no link, image, HTML, heading; one line. */
function prose(text: string): string {
  return markdownText(text);
}

function code(text: string): string {
  return markdownCode(text);
}

/** Single-quote for a POSIX shell. */
export function shellQuote(text: string): string {
  return shellArg(text);
}

/** The commands that re-check one sampled snapshot with standard tools. */
export function recheckCommands(report: SampleReport, s: SampleResult): string[] {
  if (!s.key || !s.sha256) return [];
  if (report.locker.kind === 's3') {
    const { bucket, prefix } = parseS3Url(report.locker.url);
    const key = shellQuote(`${prefix}${s.key}`);
    const version = s.versionId ? ` --version-id ${shellQuote(s.versionId)}` : '';
    const lines = [
      `# ${shellComment(`${s.check} ${seriesId(s.collector, s.scope)} ${s.day}`)}: expect ObjectLockMode COMPLIANCE, a retain-until date in the future, ChecksumSHA256 ${hexToBase64(s.sha256)}`,
      `aws s3api head-object --bucket ${shellQuote(bucket)} --key ${key}${version} --checksum-mode ENABLED --query '{ObjectLockMode:ObjectLockMode,ObjectLockRetainUntilDate:ObjectLockRetainUntilDate,ChecksumSHA256:ChecksumSHA256,VersionId:VersionId}'`,
      `aws s3api get-object --bucket ${shellQuote(bucket)} --key ${key}${version} sample.json > /dev/null && sha256sum sample.json   # expect ${s.sha256}`,
    ];
    if (s.digestKey) {
      lines.push(
        `aws s3api get-object --bucket ${shellQuote(bucket)} --key ${shellQuote(`${prefix}${s.digestKey}`)} digest.json > /dev/null && grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} digest.json   # the entry shows "sha256":"${s.sha256}"`,
      );
    }
    return lines;
  }
  const file = path.join(report.locker.url, ...s.key.split('/'));
  const lines = [
    `# ${shellComment(`${s.check} ${seriesId(s.collector, s.scope)} ${s.day}`)}`,
    `sha256sum ${shellQuote(file)}   # expect ${s.sha256}`,
  ];
  if (s.digestKey) {
    const digest = path.join(report.locker.url, ...s.digestKey.split('/'));
    lines.push(
      `grep -o ${shellQuote(`"key":"${s.key}"[^}]*`)} ${shellQuote(digest)}   # the entry shows "sha256":"${s.sha256}"`,
    );
  }
  return lines;
}

export function workpaperMarkdown(input: WorkpaperInput): string {
  const { report, checks } = input;
  const summary = summarize(report.samples);
  const exceptions = report.samples.filter((s) => s.result === 'fail' || s.result === 'missing');
  const collectors = [...new Set(checks.map((c) => c.collector))];
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);

  push(
    `# Test of effectiveness — ${input.subject}`,
    '',
    `Generated ${input.generatedAt.toISOString()} by ${TOOL.name} ${TOOL.version} from the locker ${code(report.locker.url)} ` +
      `(${report.locker.worm ? 'S3 with Object Lock' : 'a directory; integrity rests on the digests'}). ` +
      `Window ${report.from} to ${report.to}. Result: **${summary.pass} of ${summary.total} samples pass**` +
      (summary.total === summary.pass && summary.total > 0
        ? '.'
        : `; ${summary.fail} fail, ${summary.missing} missing.`),
    '',
    '## Test design',
    '',
    `Population: the daily snapshots of ${collectors.map(code).join(', ')} from ${report.from} to ${report.to}, ` +
      `one series per collector and scope (${report.series.length} series for ${checks.length} check(s), listed under Sampling strategy). ` +
      'For each sampled day of each series:',
    '',
    "1. Take the series' snapshot of that day: the latest with status `ok`, else the latest `partial` (column *status*). A day with no usable snapshot is `missing`, never a pass.",
    '2. Prove it is the evidence that was sealed: the SHA-256 of its bytes (and its S3 version id) equals what a digest recorded, and that digest holds its place in the digest chain. A snapshot that is altered, deleted, or not sealed fails.',
    '3. Re-perform the check on it (pure code over the stored snapshot; no call to the source):',
    ...checks.map(
      (c) =>
        `   - ${code(c.id)} (${c.controls.join(', ')}, collector ${code(c.collector)}): ${c.description}`,
    ),
    '4. Record `pass`, `fail` (the failing items named) or `missing`.',
    '',
    '## Sampling strategy',
    '',
    `- Seed: ${code(report.seed)} (${input.seedGenerated ? 'generated for this run' : 'given'}). Re-run: ${code(input.rerun)}`,
    `- Plan: ${describePlan(report.plan)}.`,
  );
  if (report.plan.kind === 'frequency') {
    push(
      `- Sample size: ${report.plan.n} for a ${report.plan.frequency} control, from ${SAMPLE_SIZE_SOURCE}.`,
      `  Table used: ${SAMPLE_SIZES.map((r) => `${r.frequency} ${r.size} (guidance ${r.range[0] === r.range[1] ? r.range[0] : `${r.range[0]}–${r.range[1]}`})`).join('; ')}.`,
    );
  }
  push(
    '- Algorithm (seeded, reproducible by hand):',
    ...ALGORITHM_TEXT.map((t, i) => `  ${i + 1}. ${t}`),
    '- The same selection recomputed with Python 3 and its standard library only:',
    '',
    ...fencedBlock(
      'python',
      pythonSnippet({
        seed: report.seed,
        targets: report.series.map((s) => [s.check, seriesId(s.collector, s.scope)] as const),
        from: report.from,
        to: report.to,
        plan: report.plan,
      }).split('\n'),
    ),
    '',
    'Series sampled (from the configuration, from the locker, or both):',
    '',
    '| check | series | from | samples |',
    '|---|---|---|---|',
    ...report.series.map(
      (s) =>
        `| ${cell(s.check)} | ${cell(seriesId(s.collector, s.scope))} | ${s.origin} | ${
          report.samples.filter(
            (x) => x.check === s.check && x.collector === s.collector && x.scope === s.scope,
          ).length
        } |`,
    ),
    '',
    '## Expected outcome',
    '',
    '100% of sampled days pass: each sampled snapshot is present, sealed and unaltered, and the check passes on it. ' +
      'Any `fail` or `missing` sample is an exception to explain below.',
    '',
    '## Results',
    '',
    `${summary.total} samples: ${summary.pass} pass, ${summary.fail} fail, ${summary.missing} missing. ` +
      `Digest chain: ${report.chain.digests} digest(s), ${report.chain.problems.length} problem(s).`,
    '',
    '| # | day | check | scope | snapshot key | version id | SHA-256 | status | result |',
    '|---|---|---|---|---|---|---|---|---|',
    ...report.samples.map(
      (s, i) =>
        `| ${i + 1} | ${s.day} | ${cell(s.check)} | ${cell(s.scope)} | ${cell(s.key)} | ${cell(s.versionId)} | ${cell(s.sha256)} | ${cell(s.snapshotStatus)} | **${s.result}** |`,
    ),
    '',
    '## Exceptions',
    '',
  );
  if (exceptions.length === 0) push('None: every sampled day passed.', '');
  else {
    for (const s of exceptions) {
      push(
        `- **${s.result}** ${s.day} ${code(s.check)} ${code(seriesId(s.collector, s.scope))}: ${prose(s.detail).replace(/[.;:,]?\s*$/, '.')}` +
          (s.failing.length ? ` Failing: ${s.failing.map(code).join(', ')}.` : ''),
      );
    }
    push('');
  }
  if (report.notes.length) {
    push('## Notes', '', ...report.notes.map((n) => `- ${prose(n)}`), '');
  }
  push(
    '## How to re-check a sampled snapshot',
    '',
    report.locker.kind === 's3'
      ? 'With the AWS CLI and coreutils: `head-object` shows the Object Lock mode, the retain-until date and the checksum S3 computed on upload ' +
          '(base64 of the SHA-256); `get-object` then `sha256sum` recomputes the SHA-256 from the bytes; the digest shows what was sealed.'
      : 'With coreutils and grep: `sha256sum` recomputes the SHA-256 of the stored file; the digest shows what was sealed. ' +
          'A directory locker is not write-once: its integrity rests on the digest chain (`npx evidence verify`).',
    '',
    ...fencedBlock(
      'sh',
      report.samples.flatMap((s) => recheckCommands(report, s)),
    ),
    '',
  );
  return out.join('\n');
}

export interface WrittenWorkpaper {
  dir: string;
  markdown: string;
  csv: string;
  json: string;
}

/** Write workpaper.md, samples.csv and samples.json into `dir` (created if needed). */
export async function writeWorkpaper(dir: string, input: WorkpaperInput): Promise<WrittenWorkpaper> {
  const abs = path.resolve(dir);
  await mkdir(abs, { recursive: true });
  const files = {
    markdown: path.join(abs, 'workpaper.md'),
    csv: path.join(abs, 'samples.csv'),
    json: path.join(abs, 'samples.json'),
  };
  await writeFile(files.markdown, workpaperMarkdown(input), 'utf8');
  await writeFile(files.csv, samplesCsv(input.report.samples), 'utf8');
  await writeFile(files.json, `${JSON.stringify(samplesJson(input.report), null, 2)}\n`, 'utf8');
  return { dir: abs, ...files };
}
