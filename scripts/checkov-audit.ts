/**
 * `tsx scripts/checkov-audit.ts <checkov> <template.json>...`: run Checkov on the templates with
 * their inline skips removed and compare what it finds with the skips they declare
 * (infra/checkov.ts): a skip that excuses nothing, a finding without a skip, or a skip without a
 * reason fails (exit 1), naming each. scripts/checkov.sh runs it after the plain Checkov run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditCheckovSkips, checkovSkips, withoutCheckovSkips } from '../infra/checkov.js';

const [checkov, ...templates] = process.argv.slice(2);
if (!checkov || templates.length === 0) {
  process.stderr.write('usage: tsx scripts/checkov-audit.ts <checkov> <template.json>...\n');
  process.exit(2);
}
const dir = mkdtempSync(path.join(tmpdir(), 'checkov-audit-'));
try {
  const declared = new Map<string, string>();
  for (const file of templates) {
    const name = path.basename(file);
    const template = JSON.parse(readFileSync(file, 'utf8'));
    for (const [k, comment] of checkovSkips(template)) declared.set(`${name} ${k}`, comment);
    writeFileSync(path.join(dir, name), JSON.stringify(withoutCheckovSkips(template)));
  }
  let out: string;
  try {
    out = execFileSync(
      checkov,
      [
        '--quiet',
        '--compact',
        '--skip-download',
        '--framework',
        'cloudformation',
        '-o',
        'json',
        '--soft-fail',
        ...templates.flatMap((t) => ['--file', path.join(dir, path.basename(t))]),
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
  } catch (err) {
    process.stderr.write(`checkov-audit: checkov failed: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const parsed = JSON.parse(out) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
    results?: { failed_checks?: { check_id: string; resource: string; file_path: string }[] };
  }[];
  const findings = reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map(
      (f) =>
        `${path.basename(f.file_path)} ${f.resource.slice(f.resource.lastIndexOf('.') + 1)} ${f.check_id}`,
    ),
  );
  const audit = auditCheckovSkips(declared, findings);
  const lines = [
    ...audit.unused.map((k) => `a skip that excuses nothing (remove it): ${k}`),
    ...audit.unexcused.map(
      (k) => `a finding without a skip (fix it, or skip it on the resource with its reason): ${k}`,
    ),
    ...audit.unexplained.map((k) => `a skip without a reason: ${k}`),
  ];
  if (lines.length) {
    process.stderr.write(`${lines.map((l) => `checkov-audit: ${l}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `checkov-audit: ${declared.size} skip(s), each on its resource with its reason, each excusing a finding\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
