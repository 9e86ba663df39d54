/**
 * `evidence report` summarized (summary.ts): above the series-days it draws a row each, the
 * calendars are one row per collector and check plus the worst groups, and the complete lists
 * go to coverage-days.csv and check-days.csv. Each test tries to hide a bad series among clean
 * ones at small size, with the threshold and the detail rows lowered: every bad day must still
 * be counted, named worst first when it is among the worst, and a row of the complete list.
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyCheck } from '../../shared/checks/types.js';
import { fixedClock } from '../../shared/clock.js';
import { parseConfig } from '../../shared/config.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type ReportOptions, type ReportResult, report } from '../../shared/report/report.js';
import { accountOf } from '../../shared/report/summary.js';
import type { SampleRunRecord } from '../../shared/sample/record.js';
import { pdfText } from '../helpers/pdf-text.js';
import { fakeCheck, fakeCollector, writeFake } from '../sample/fakes.js';

const CHROMIUM = '/usr/bin/chromium';

const FROM = '2026-03-01';
const TO = '2026-03-08';
const ORGS = Array.from({ length: 12 }, (_, i) => `github-o${String(i + 1).padStart(2, '0')}`);
/** One check bearing on two criteria: each exception must be counted once, naming both. */
const twoCriteria: AnyCheck = { ...fakeCheck, controls: ['CC7.2', 'CC8.1'] };
const config = parseConfig({
  locker: { retentionDays: 730 },
  github: { org: 'o01' },
  auditPeriod: { start: FROM },
  report: { entity: 'Acme <Corp>', system: 'Platform' },
});

/** A locker of the 12 orgs over the window, every day sealed; `bad` decides what goes wrong where. */
async function locker(
  dir: string,
  bad: (scope: string, day: string) => 'missing' | 'failing' | 'partial' | 'error' | undefined,
) {
  const l = new DirectoryLocker(path.join(dir, 'locker'));
  for (const day of daysBetween(FROM, TO)) {
    for (const scope of ORGS) {
      const what = bad(scope, day);
      if (what === 'missing') continue;
      if (what === 'error') {
        await writeFake(l, scope, `${day}T00:05:00.000Z`, undefined, {
          status: 'error',
          errors: ['HTTP 502'],
        });
        continue;
      }
      await writeFake(
        l,
        scope,
        `${day}T00:05:00.000Z`,
        [{ name: 'api', protected: what !== 'failing' }],
        what === 'partial' ? { status: 'partial', errors: ['repository web: HTTP 403'] } : {},
      );
    }
    await seal(l, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
  }
  return l;
}

/** The report of `l` over FROM..TO into `dir`/out, as of 2026-03-10, with the fake check: `extra` changes any of it. */
const reportOf = async (l: DirectoryLocker, dir: string, extra: Partial<ReportOptions>) =>
  report({
    locker: l,
    signer: await loadSigner(),
    config,
    from: FROM,
    to: TO,
    out: path.join(dir, 'out'),
    clock: fixedClock('2026-03-10T00:00:00.000Z'),
    checks: [fakeCheck],
    collectors: [fakeCollector],
    ...extra,
  });

const csvRows = (text: string) =>
  text
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean)
    .map((line) => line.split(','));

describe('report summarized at organization scale', () => {
  let dir: string;
  let result: ReportResult;
  let html: string;
  const tampered = { scope: 'github-o10', day: '2026-03-05' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'report-summary-'));
    const l = await locker(dir, (scope, day) => {
      if (scope === 'github-o07' && day === '2026-03-04') return 'missing';
      if (scope === 'github-o07' && day === '2026-03-06') return 'failing';
      if (scope === 'github-o03' && day === '2026-03-07') return 'error';
      if (scope === 'github-o11' && day === '2026-03-02') return 'partial';
      return undefined;
    });
    // A sealed snapshot altered afterwards.
    const file = path.join(
      l.url,
      `snapshots/${tampered.day}/fakerepos/${tampered.scope}/${tampered.day.replaceAll('-', '')}T000500000Z-run000000001.json`,
    );
    await chmod(file, 0o644);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"api"', '"apj"'));
    result = await reportOf(l, dir, {
      checks: [twoCriteria],
      principal: 'arn:aws:iam::123456789012:user/auditor',
      cellsInFull: 40,
      detailRows: 3,
    });
    html = await readFile(result.html, 'utf8');
  });

  it('summarizes above the threshold: a bounded number of calendar rows, whatever the series', async () => {
    expect(result.summarized).toBeDefined();
    expect(result.verify.series).toHaveLength(12);
    expect(result.ok).toBe(false);
    const rows = (id: string) =>
      html
        .slice(html.indexOf(`id="${id}"`))
        .split('</table>')[0]!
        .match(/<tr>/g)!.length;
    // The month and day-number header rows, one row for the collector (check), at most 3 groups.
    expect(rows('coverage-calendar')).toBeLessThanOrEqual(2 + 1 + 3);
    expect(rows('check-calendar')).toBeLessThanOrEqual(2 + 1 + 3);
    expect(html).toContain('id="coverage-summarized"');
  });

  it('counts every bad day in the collector row, with the worst state shown and the counts in the title', () => {
    const cell = (calendar: string, label: string, day: string) => {
      const table = html.slice(html.indexOf(`id="${calendar}"`)).split('</table>')[0]!;
      const row = table.split('<tr>').find((r) => r.includes(`title="${label}"`))!;
      return /<td class="([a-z-]+)[^"]*" data-day="DAY" title="([^"]*)"/.exec(
        row.replace(/data-day="[^"]*"/g, (m) => (m === `data-day="${day}"` ? 'data-day="DAY"' : m)),
      )!;
    };
    expect(cell('coverage-calendar', 'fakerepos (all 12 series)', '2026-03-05').slice(1)).toEqual([
      'c-integrity',
      'fakerepos (all 12 series) · 2026-03-05 · 12 series: 1 integrity, 11 present',
    ]);
    expect(cell('coverage-calendar', 'fakerepos (all 12 series)', '2026-03-04')[1]).toBe('c-missing');
    expect(cell('coverage-calendar', 'fakerepos (all 12 series)', '2026-03-07')[1]).toBe('c-failed');
    expect(cell('coverage-calendar', 'fakerepos (all 12 series)', '2026-03-02')[1]).toBe('c-partial');
    expect(cell('coverage-calendar', 'fakerepos (all 12 series)', '2026-03-01')[1]).toBe('c-present');
    expect(cell('check-calendar', 'CC7.2, CC8.1 fake-protected (all 12 series)', '2026-03-06')[1]).toBe(
      'k-fail',
    );
    expect(cell('check-calendar', 'CC7.2, CC8.1 fake-protected (all 12 series)', '2026-03-07')[1]).toBe(
      'k-missing',
    );
    // The verification's counts in the summary, the same as in full.
    expect(html).toMatch(
      /12 series, 96 series-days expected: 93 present \(1 of them partial\), 2 missing, 1 failed, 0 acknowledged; 1 integrity problem/,
    );
  });

  it('names the worst series first, says how many more, and the complete list holds every one', async () => {
    const worst = html.slice(html.indexOf('id="coverage-worst-series"')).split('</table>')[0]!;
    const named = [...worst.matchAll(/<code>fakerepos\/(github-o\d+)<\/code>/g)].map((m) => m[1]);
    // Integrity first, then missing, then failed; the partial day of o11 is the one not shown.
    expect(named).toEqual(['github-o10', 'github-o07', 'github-o03']);
    expect(html).toContain('1 more series with findings, none worse than the last shown');
    const coverage = csvRows(await readFile(result.summarized!.coverage, 'utf8'));
    expect(coverage[0]).toEqual(['series', 'collector', 'scope', 'day', 'state', 'reason']);
    const found = coverage.slice(1).map((r) => `${r[0]} ${r[3]} ${r[4]}`);
    expect(found.sort()).toEqual(
      [
        'fakerepos/github-o03 2026-03-07 failed',
        'fakerepos/github-o07 2026-03-04 missing',
        'fakerepos/github-o10 2026-03-05 integrity',
        'fakerepos/github-o11 2026-03-02 partial',
      ].sort(),
    );
    const checks = csvRows(await readFile(result.summarized!.checks, 'utf8'));
    expect(
      checks
        .slice(1)
        .map((r) => `${r[2]} ${r[3]} ${r[4]}`)
        .sort(),
    ).toEqual(
      [
        'fakerepos/github-o03 2026-03-07 missing',
        'fakerepos/github-o07 2026-03-04 missing',
        'fakerepos/github-o07 2026-03-06 fail',
        'fakerepos/github-o10 2026-03-05 fail',
      ].sort(),
    );
    expect(checks[1]![0]).toBe('CC7.2 CC8.1');
  });

  it('counts an exception shared by two criteria once, naming both, and each control its days', () => {
    expect(html).toMatch(/<tr><th>Exceptions<\/th><td>4 exception\(s\), each counted once/);
    const exceptions = html.slice(html.indexOf('id="exceptions"')).split('</table>')[0]!;
    expect(exceptions.match(/<tr><td>CC7\.2, CC8\.1<\/td>/g)).toHaveLength(3);
    expect(html).toContain('1 more: every check-day that did not pass is a row of');
    for (const c of result.controls) expect(c).toMatchObject({ total: 96, pass: 92, fail: 2, missing: 2 });
  });

  it('keeps what the report states about itself', () => {
    expect(html).toContain('Acme &lt;Corp&gt; — Platform');
    expect(html).toContain('arn:aws:iam::123456789012:user/auditor');
    expect(html).toMatch(
      /This report's window<\/th><td>2026-03-01 to 2026-03-08 \(the audit period so far\)/,
    );
    expect(html).toMatch(/commit <code>[^<]+<\/code>/);
    expect(html).toContain('not write-once: tamper-evident only');
    expect(html).toContain('id="out-of-scope"');
    expect(html).toContain('<strong>one snapshot</strong> per series, taken once a day (at 00:05 UTC)');
    // The printed reasons of the summarized cells, and the partial day marked.
    const gaps = html.slice(html.indexOf('id="gaps"')).split('</table>')[0]!;
    expect(gaps).toContain('2026-03-02');
    expect(gaps).toContain('12 series: 1 partial, 11 present');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  });

  it('renders in headless Chromium with no request, and prints the summarized reasons and the worst series', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-browser.sh`);
    const browser = await chromium.launchPersistentContext(
      await mkdtemp(path.join(tmpdir(), 'chromium-profile-')),
      {
        executablePath: CHROMIUM,
        headless: true,
        offline: true,
        viewport: { width: 1400, height: 900 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      },
    );
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(result.html).href;
      await page.goto(url, { waitUntil: 'load' });
      const cells = await page.$$eval('#coverage-calendar tbody tr:first-child td', (tds) =>
        tds.map((td) => ({
          cls: td.className.split(' ')[0],
          colour: (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(td).backgroundColor,
          width: td.getBoundingClientRect().width,
        })),
      );
      expect(cells).toHaveLength(8);
      expect(cells[4]).toMatchObject({ cls: 'c-integrity', colour: 'rgb(106, 27, 154)' });
      for (const c of cells) expect(c.width).toBeGreaterThan(5);
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ printBackground: true, landscape: true });
      expect(requests).toEqual([url]);
      const text = pdfText(pdf).replace(/\s+/g, '');
      const has = (phrase: string) => expect(text).toContain(phrase.replace(/\s+/g, ''));
      has(
        '2026-03-05 integrity problem (altered, deleted, unsealed, misfiled) 12 series: 1 integrity, 11 present',
      );
      has('fakerepos/github-o10');
      has('1 more series with findings');
    } finally {
      await browser.close();
    }
  });

  it('records the SHA-256 of report.html, the workpapers and both complete lists, and where the samples are listed', async () => {
    const recordFile = path.join(dir, 'locker', result.record);
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as SampleRunRecord;
    expect(record.samples).toEqual([]);
    expect(record.summary).toMatchObject({ total: 96 });
    expect(record.samplesListedIn).toEqual([
      'workpapers/CC7.2/samples.json',
      'workpapers/CC8.1/samples.json',
    ]);
    const paths = record.files!.map((f) => f.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'report.html',
        'coverage-days.csv',
        'check-days.csv',
        'workpapers/CC7.2/samples.json',
        'workpapers/CC8.1/workpaper.md',
      ]),
    );
    for (const f of record.files!) {
      const bytes = await readFile(path.join(dir, 'out', ...f.path.split('/')));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
    const samples = JSON.parse(
      await readFile(path.join(dir, 'out', 'workpapers/CC8.1/samples.json'), 'utf8'),
    );
    expect(samples.samples).toHaveLength(96);
  });
});

describe('report summarized: one bad day hidden among clean series', () => {
  it('is counted, named and listed, and the report is no pass', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-summary-one-'));
    const last = ORGS.at(-1)!;
    const l = await locker(dir, (scope, day) => (scope === last && day === TO ? 'missing' : undefined));
    const result = await reportOf(l, dir, {
      cellsInFull: 10,
      detailRows: 1,
    });
    expect(result.ok).toBe(false);
    const html = await readFile(result.html, 'utf8');
    expect(html).toContain(`<code>fakerepos/${last}</code>`);
    expect(html).toContain(`title="fakerepos (all 12 series) · ${TO} · 12 series: 1 missing, 11 present"`);
    // Its group (collector × account) is the one worst group drawn.
    expect(html).toContain(`<th class="label" scope="row" title="fakerepos · ${last} (1 series)">`);
    const coverage = csvRows(await readFile(result.summarized!.coverage, 'utf8'));
    expect(coverage.slice(1).map((r) => `${r[0]} ${r[3]} ${r[4]}`)).toEqual([
      `fakerepos/${last} ${TO} missing`,
    ]);
  });

  it('at the threshold, not above it, draws a row per series as always', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-summary-full-'));
    const l = await locker(dir, () => undefined);
    const result = await reportOf(l, dir, {
      cellsInFull: ORGS.length * daysBetween(FROM, TO).length,
    });
    expect(result.summarized).toBeUndefined();
    const html = await readFile(result.html, 'utf8');
    expect(html).not.toContain('id="coverage-summarized"');
    for (const org of ORGS) expect(html).toContain(`<th class="label" scope="row" title="fakerepos/${org}">`);
    expect(existsSync(path.join(dir, 'out', 'coverage-days.csv'))).toBe(false);
  });

  it('a clean organization is one pass, summarized, with empty complete lists', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-summary-clean-'));
    const l = await locker(dir, () => undefined);
    const result = await reportOf(l, dir, {
      to: addDays(TO, -1),
      cellsInFull: 10,
    });
    expect(result.ok).toBe(true);
    const html = await readFile(result.html, 'utf8');
    expect(html).toContain('Every expected day of every series has sealed evidence.');
    expect(csvRows(await readFile(result.summarized!.coverage, 'utf8'))).toHaveLength(1);
    expect(csvRows(await readFile(result.summarized!.checks, 'utf8'))).toHaveLength(1);
  });
});

describe('accountOf', () => {
  it('groups an AWS scope by its account, anything else by itself', () => {
    expect(accountOf('aws-123456789012-eu-west-1')).toBe('aws-123456789012');
    expect(accountOf('aws-123456789012')).toBe('aws-123456789012');
    expect(accountOf('github-acme')).toBe('github-acme');
  });
});
