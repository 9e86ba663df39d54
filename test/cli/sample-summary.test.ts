/**
 * `sample --out` at organization scale: above the report's threshold (REPORT_CELLS_IN_FULL
 * series-days of the sampled population: series × days of the window) the workpaper is
 * summarized as a report's is (sample/workpaper.ts `summarize`): exceptions by check, collector
 * and account, worst first, the worst REPORT_DETAIL_ROWS shown, every exception group in
 * exceptions.csv beside it, staged with the other files so its SHA-256 is in the signed run record
 * and `evidence verify-report` checks it. At or below the threshold nothing changes (the same bytes
 * as with the default threshold). The threshold and the rows shown are lowered here by mocking
 * report/summary.js (a getter, so each test sets its own); the registries are the small fakes of
 * test/sample/fakes.ts, as in test/cli/sample.test.ts. Each test tries to lose an exception or
 * slip a changed file past verify-report.
 */

import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { parseCsv } from '../../shared/review/sheets.js';
import { fileSha256 } from '../../shared/sample/files.js';
import { EXCEPTIONS_FILE } from '../../shared/sample/workpaper.js';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';
import { writeFake } from '../sample/fakes.js';

const limits = vi.hoisted(() => ({ cellsInFull: undefined as number | undefined }));

vi.mock('../../shared/checks/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCheckRegistry(),
);
vi.mock('../../shared/collectors/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCollectorRegistry(),
);
vi.mock('../../shared/report/summary.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../shared/report/summary.js')>();
  return {
    ...actual,
    get REPORT_CELLS_IN_FULL() {
      return limits.cellsInFull ?? actual.REPORT_CELLS_IN_FULL;
    },
    REPORT_DETAIL_ROWS: 2,
  };
});

const FROM = '2026-02-01';
const TO = '2026-02-04';
const DAYS = daysBetween(FROM, TO);
/** The one sample every test runs: the fake check over the window, every day, one seed. */
const SAMPLE_ARGV = [
  'sample',
  '--check',
  'fake-protected',
  '--from',
  FROM,
  '--to',
  TO,
  '--seed',
  's1',
  '--all',
];
/** github-acme is the configured org; the others are found in the locker. 6 series × 4 days = 24. */
const ORGS = ['acme', 'o02', 'o03', 'o04', 'o05', 'o06'].map((o) => `github-${o}`);
const CELLS = ORGS.length * DAYS.length;
/** A repository name that tries to close a table cell, open HTML and start a spreadsheet formula. */
const HOSTILE = '=HYPERLINK("http://x")|<img src=x onerror=alert(1)>';
/** Days each org fails: acme every day, o02 two, o03 one (not among the 2 worst: only in the CSV). */
const FAILING: Record<string, number> = { 'github-acme': 4, 'github-o02': 2, 'github-o03': 1 };

interface Run {
  code: number;
  out: string;
  record: string;
  store: string;
  base: string[];
  stderr: string;
}

describe('sample --out summarized at organization scale', () => {
  let dir: string;
  let locker0: string;
  let config: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sample-summary-'));
    config = await writeAcmeConfig(path.join(dir, 'evidence.config.json'));
    locker0 = path.join(dir, 'locker-0');
    const l = new DirectoryLocker(locker0);
    for (const [i, day] of DAYS.entries()) {
      for (const scope of ORGS) {
        const failing = i < (FAILING[scope] ?? 0);
        const name = scope === 'github-acme' ? HOSTILE : 'api';
        await writeFake(l, scope, `${day}T00:05:00.000Z`, [{ name, protected: !failing }]);
      }
      await seal(l, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
  });

  /** `sample --all --out` on a fresh copy of the seeded locker (so two runs see the same earlier runs: none). */
  async function sample(name: string, cellsInFull: number | undefined): Promise<Run> {
    const store = path.join(dir, `locker-${name}`);
    await cp(locker0, store, { recursive: true });
    const base = ['--store', store, '--config', config];
    const out = path.join(dir, name);
    limits.cellsInFull = cellsInFull;
    try {
      const run = await runCli([...SAMPLE_ARGV, '--out', out, '--json', ...base], {
        clock: '2026-03-01T10:00:00.000Z',
      });
      return { code: run.code, out, record: JSON.parse(run.stdout).record, store, base, stderr: run.stderr };
    } finally {
      limits.cellsInFull = undefined;
    }
  }
  async function verifyReport(run: Run, target = run.out) {
    const v = await runCli(['verify-report', target, '--json', ...run.base]);
    return { code: v.code, doc: JSON.parse(v.stdout) };
  }
  async function copyOf(source: string): Promise<string> {
    const copy = await mkdtemp(path.join(dir, 'copy-'));
    await cp(source, copy, { recursive: true });
    return copy;
  }

  it('above the threshold: the workpaper is summarized, exceptions.csv lists every group and is recorded', async () => {
    const run = await sample('above', CELLS - 1);
    expect(run.code, run.stderr).toBe(1); // some samples fail
    const md = await readFile(path.join(run.out, 'workpaper.md'), 'utf8');
    expect(md).toContain('Summarized at organization scale: 3 exception group(s)');
    expect(md).toContain(`every exception group is in ${EXCEPTIONS_FILE}`);
    // The 2 worst check × collector × account rows shown, then how many more (o03 is only in the CSV).
    const rows0 = md.split('\n').filter((l) => /^\| fake-protected \| fakerepos \| github-/.test(l));
    expect(rows0).toHaveLength(2);
    expect(rows0[0]).toMatch(/^\| fake-protected \| fakerepos \| github-acme \| 1 \| 1 \| 4 \| 0 \| /);
    expect(rows0[1]).toMatch(/^\| fake-protected \| fakerepos \| github-o02 \| 1 \| 1 \| 2 \| 0 \| /);
    expect(md).toContain(
      `1 more check × collector × account row(s): every exception group is in ${EXCEPTIONS_FILE}.`,
    );
    expect(md).toContain(`1 more exception group(s): every exception group is in ${EXCEPTIONS_FILE}.`);
    // The hostile name stays text in the Markdown (escaped: no HTML, no pipe closing a cell).
    expect(md).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(md).not.toMatch(/(?<!\\)<img/);

    const rows = parseCsv(await readFile(path.join(run.out, EXCEPTIONS_FILE), 'utf8'));
    const header = rows[0]!;
    const series = header.indexOf('series');
    const days = header.indexOf('days');
    const listed = rows.slice(1).map((r) => r[series]);
    // Every exception group, o03's included though it is not among the 2 worst shown.
    expect(listed.sort()).toEqual(['fakerepos/github-acme', 'fakerepos/github-o02', 'fakerepos/github-o03']);
    expect(rows.find((r) => r[series] === 'fakerepos/github-o03')![days]).toContain(FROM);
    // A formula cannot start a cell of the CSV.
    for (const r of rows) for (const c of r) expect(c.startsWith('=')).toBe(false);

    // Recorded: the signed run record lists exceptions.csv with its SHA-256.
    const record = JSON.parse(await readFile(path.join(run.store, ...run.record.split('/')), 'utf8'));
    expect(record.files.map((f: { path: string }) => f.path)).toEqual([
      EXCEPTIONS_FILE,
      'samples.csv',
      'samples.json',
      'workpaper.md',
    ]);
    expect(record.files[0].sha256).toBe(await fileSha256(path.join(run.out, EXCEPTIONS_FILE)));

    // verify-report passes on the files as written.
    const ok = await verifyReport(run);
    expect(ok.code).toBe(0);
    expect(ok.doc).toMatchObject({ ok: true, record: run.record, listed: 4, matched: 4 });

    // One byte changed in exceptions.csv: exit 1 naming it.
    const changed = await copyOf(run.out);
    const file = path.join(changed, EXCEPTIONS_FILE);
    const csv = await readFile(file, 'utf8');
    await writeFile(file, csv.replace('github-o03', 'github-o04'));
    const altered = await verifyReport(run, changed);
    expect(altered.code).toBe(1);
    expect(
      altered.doc.problems.map((p: { problem: string; file: string }) => `${p.problem} ${p.file}`),
    ).toEqual([`altered ${EXCEPTIONS_FILE}`]);

    // Deleted (the list of exceptions withheld): exit 1, missing.
    const deleted = await copyOf(run.out);
    await unlink(path.join(deleted, EXCEPTIONS_FILE));
    const gone = await verifyReport(run, deleted);
    expect(gone.code).toBe(1);
    expect(gone.doc.problems.map((p: { problem: string; file: string }) => `${p.problem} ${p.file}`)).toEqual(
      [`missing ${EXCEPTIONS_FILE}`],
    );
  });

  it('at the threshold nothing changes: the same workpaper as with the default threshold, no exceptions.csv', async () => {
    const at = await sample('at', CELLS);
    const usual = await sample('usual', undefined);
    expect(at.code, at.stderr).toBe(1);
    expect(existsSync(path.join(at.out, EXCEPTIONS_FILE))).toBe(false);
    const md = await readFile(path.join(at.out, 'workpaper.md'), 'utf8');
    expect(md).not.toContain('Summarized at organization scale');
    // Every exception group is listed in the workpaper itself, o03's included.
    expect(md).toContain('github-o03');
    // Byte for byte but the locker's path (each run has its own copy of the locker).
    const read = async (run: Run, name: string) =>
      (await readFile(path.join(run.out, name), 'utf8')).replaceAll(run.store, 'LOCKER');
    for (const name of ['workpaper.md', 'samples.csv', 'samples.json'])
      expect(await read(at, name), name).toBe(await read(usual, name));
    const ok = await verifyReport(at);
    expect(ok.code).toBe(0);
    expect(ok.doc).toMatchObject({ ok: true, listed: 3, matched: 3 });
  });

  it('the text output names exceptions.csv when the workpaper is summarized', async () => {
    const store = path.join(dir, 'locker-text');
    await cp(locker0, store, { recursive: true });
    const out = path.join(dir, 'text');
    limits.cellsInFull = CELLS - 1;
    try {
      const run = await runCli([...SAMPLE_ARGV, '--out', out, '--store', store, '--config', config], {
        clock: '2026-03-01T10:00:00.000Z',
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout + run.stderr).toContain(
        `summarized (exceptions by account, worst first); every exception group: ${path.join(out, EXCEPTIONS_FILE)}`,
      );
    } finally {
      limits.cellsInFull = undefined;
    }
  });

  it('an --out directory already holding exceptions.csv is refused before anything is drawn', async () => {
    const out = path.join(dir, 'taken');
    await cp(path.join(dir, 'above'), out, { recursive: true });
    for (const name of ['workpaper.md', 'samples.csv', 'samples.json']) await unlink(path.join(out, name));
    const store = path.join(dir, 'locker-above');
    const run = await runCli([...SAMPLE_ARGV, '--out', out, '--store', store, '--config', config], {
      clock: '2026-03-02T10:00:00.000Z',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`already holds ${EXCEPTIONS_FILE}`);
  });
});
