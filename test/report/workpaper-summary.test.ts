/**
 * A report's workpapers at organization scale (sample/workpaper.ts `summarize`): above the
 * report's threshold each workpaper shows its exceptions by check, collector and account, worst
 * first, capped with a count of the rest, and the Results table and re-check commands cut to the
 * first exceptions; every exception group is in exceptions.csv beside it (hashed into the signed
 * run record), every sample in samples.csv. Below the threshold nothing changes. Each test tries
 * to lose an exception: a bad series not among the worst must still be a row of the CSV, and a
 * hostile repository name must stay text in both files.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { parseConfig } from '../../shared/config.js';
import { daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner, trustedKeys } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type ReportResult, report } from '../../shared/report/report.js';
import { verifyOutput } from '../../shared/report/verify-output.js';
import { parseCsv } from '../../shared/review/sheets.js';
import type { SampleRunRecord } from '../../shared/sample/record.js';
import { EXCEPTIONS_FILE } from '../../shared/sample/workpaper.js';
import { fakeCheck, fakeCollector, writeFake } from '../sample/fakes.js';

const FROM = '2026-03-01';
const TO = '2026-03-08';
const DAYS = daysBetween(FROM, TO);
const ORGS = Array.from({ length: 12 }, (_, i) => `github-o${String(i + 1).padStart(2, '0')}`);
/** A repository name that tries to close a table cell, open HTML and start a spreadsheet formula. */
const HOSTILE = '=HYPERLINK("http://x")|<img src=x onerror=alert(1)>';
/** Days each org fails (the rest pass): o01 worst (every day), o05 least; o06..o12 clean. */
const FAILING: Record<string, number> = {
  'github-o01': 8,
  'github-o02': 6,
  'github-o03': 4,
  'github-o04': 2,
  'github-o05': 1,
};
const config = parseConfig({
  locker: { retentionDays: 730 },
  github: { org: 'o01' },
  auditPeriod: { start: FROM },
});

async function run(dir: string, cellsInFull: number): Promise<ReportResult> {
  const l = new DirectoryLocker(path.join(dir, 'locker'));
  for (const [i, day] of DAYS.entries()) {
    for (const scope of ORGS) {
      const failing = i < (FAILING[scope] ?? 0);
      const name = scope === 'github-o01' ? HOSTILE : 'api';
      await writeFake(l, scope, `${day}T00:05:00.000Z`, [{ name, protected: !failing }]);
    }
    await seal(l, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
  }
  return report({
    locker: l,
    signer: await loadSigner(),
    config,
    from: FROM,
    to: TO,
    out: path.join(dir, 'out'),
    clock: fixedClock('2026-03-10T00:00:00.000Z'),
    checks: [fakeCheck],
    collectors: [fakeCollector],
    cellsInFull,
    detailRows: 2,
  });
}

const section = (md: string, title: string) => md.split(`\n## ${title}\n`)[1]!.split('\n## ')[0]!;

describe('report workpapers summarized at organization scale', () => {
  let dir: string;
  let result: ReportResult;
  let md: string;
  let exceptions: string[][];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'workpaper-summary-'));
    result = await run(dir, 10);
    expect(result.summarized).toBeDefined();
    md = await readFile(path.join(dir, 'out', 'workpapers', 'CC8.1', 'workpaper.md'), 'utf8');
    exceptions = parseCsv(
      await readFile(path.join(dir, 'out', 'workpapers', 'CC8.1', EXCEPTIONS_FILE), 'utf8'),
    ).filter((r) => r.length > 1);
  });

  it('names the worst accounts first, capped, and counts the rest', () => {
    const text = section(md, 'Exceptions');
    expect(text).toContain(
      '5 exception group(s) (check, series and cause) in 5 check × collector × account row(s)',
    );
    const rows = text.split('\n').filter((l) => l.startsWith('| fake-protected | fakerepos |'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\| fake-protected \| fakerepos \| github-o01 \| 1 \| 1 \| 8 \| 0 \| /);
    expect(rows[1]).toMatch(
      /^\| fake-protected \| fakerepos \| github-o02 \| 1 \| 1 \| 6 \| 0 \| failing\\: api \\\(6\\\) \|$/,
    );
    expect(text).toContain(
      `3 more check × collector × account row(s): every exception group is in ${EXCEPTIONS_FILE}.`,
    );
    // The evaluation: the two worst groups, then how many more.
    expect(text).toMatch(/\| E1 \| fake-protected \| fakerepos\/github-o01 \| 8\/8 \|/);
    expect(text).toMatch(/\| E2 \| fake-protected \| fakerepos\/github-o02 \| 6\/8 \|/);
    expect(text).not.toContain('| E3 |');
    expect(text).toContain(`3 more exception group(s): every exception group is in ${EXCEPTIONS_FILE}.`);
  });

  it('cuts the Results table and the re-check commands to the first exceptions; samples.csv holds every sample', async () => {
    const results = section(md, 'Results');
    expect(results.split('\n').filter((l) => /^\| \d+ \| 2026-/.test(l))).toHaveLength(2);
    expect(results).toContain('all 96 samples');
    const recheck = section(md, 'How to re-check a sampled snapshot');
    expect(recheck.match(/^sha256sum /gm) ?? []).toHaveLength(2);
    const samples = parseCsv(
      await readFile(path.join(dir, 'out', 'workpapers', 'CC8.1', 'samples.csv'), 'utf8'),
    ).filter((r) => r.length > 1);
    expect(samples).toHaveLength(1 + ORGS.length * DAYS.length);
  });

  it('drops nothing from exceptions.csv: every group, its days and its evaluation', () => {
    const [header, ...rows] = exceptions;
    expect(header!.slice(0, 8)).toEqual([
      'check',
      'series',
      'account',
      'result',
      'cause',
      'exception days',
      'of samples',
      'days',
    ]);
    const bySeries = Object.fromEntries(rows.map((r) => [r[1], r]));
    expect(Object.keys(bySeries).sort()).toEqual(Object.keys(FAILING).map((s) => `fakerepos/${s}`));
    for (const [scope, n] of Object.entries(FAILING)) {
      const row = bySeries[`fakerepos/${scope}`]!;
      expect(row[5]).toBe(String(n));
      expect(row[6]).toBe('8');
      expect(row[7]!.split(' ')).toEqual(DAYS.slice(0, n));
    }
    // The least among them, not shown in the workpaper, is still here with its evaluation.
    expect(bySeries['fakerepos/github-o05']![12]).toMatch(/no acknowledgement of these days is recorded/);
  });

  it('keeps a hostile repository name as text in the workpaper and in the CSV', () => {
    const row = section(md, 'Exceptions')
      .split('\n')
      .find((l) => l.includes('| github-o01 |'))!;
    // Markdown's own escapes: no raw HTML, no bar that ends the cell.
    expect(row).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(row).not.toMatch(/(?<!\\)<img/);
    // Eight cells and the two outer bars: the name's "|" is escaped, not a new cell.
    expect(row.split(/(?<!\\)\|/)).toHaveLength(10);
    const csvRow = exceptions.find((r) => r[1] === 'fakerepos/github-o01')!;
    expect(csvRow[4]).toBe(`failing: ${HOSTILE}`);
  });

  it('hashes exceptions.csv into the signed run record', async () => {
    const record = JSON.parse(
      await readFile(path.join(dir, 'locker', result.record), 'utf8'),
    ) as SampleRunRecord;
    const file = record.files!.find((f) => f.path === `workpapers/CC8.1/${EXCEPTIONS_FILE}`)!;
    const bytes = await readFile(path.join(dir, 'out', 'workpapers', 'CC8.1', EXCEPTIONS_FILE));
    expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('verify-report passes the summarized report and names an exceptions.csv with a group dropped', async () => {
    const l = new DirectoryLocker(path.join(dir, 'locker'));
    const trusted = (await trustedKeys(l, {})).keys;
    const clean = await verifyOutput({ dir: path.join(dir, 'out'), locker: l, trusted });
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(true);
    const copy = path.join(dir, 'copy');
    await cp(path.join(dir, 'out'), copy, { recursive: true });
    const file = path.join(copy, 'workpapers', 'CC8.1', EXCEPTIONS_FILE);
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text
        .split('\r\n')
        .filter((l) => !l.includes('github-o05'))
        .join('\r\n'),
    );
    const tampered = await verifyOutput({ dir: copy, locker: l, trusted });
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.map((p) => `${p.problem} ${p.file}`)).toEqual([
      `altered workpapers/CC8.1/${EXCEPTIONS_FILE}`,
    ]);
  });

  it('below the threshold: every sample and every group in the workpaper, no exceptions.csv', async () => {
    const full = await mkdtemp(path.join(tmpdir(), 'workpaper-full-'));
    const r = await run(full, ORGS.length * DAYS.length);
    expect(r.summarized).toBeUndefined();
    const text = await readFile(path.join(full, 'out', 'workpapers', 'CC8.1', 'workpaper.md'), 'utf8');
    expect(existsSync(path.join(full, 'out', 'workpapers', 'CC8.1', EXCEPTIONS_FILE))).toBe(false);
    expect(text).not.toContain('Summarized at organization scale');
    expect(
      section(text, 'Results')
        .split('\n')
        .filter((l) => /^\| \d+ \| 2026-/.test(l)),
    ).toHaveLength(96);
    expect(section(text, 'Exceptions')).toContain('Aggregated by check, series and cause');
    expect(section(text, 'Exceptions').match(/^\| E\d+ \|/gm) ?? []).toHaveLength(5);
  });
});
