/**
 * `evidence report`: the HTML report opened in a real headless Chromium (Debian's package,
 * driven by playwright-core): the coverage calendar renders (screenshot, pixels counted), the
 * page makes no request beyond its own file, and it prints to PDF. Install the browser with
 * scripts/setup-browser.sh.
 */

import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type ReportResult, report } from '../../shared/report/report.js';
import { alterDigest } from '../helpers/digests.js';
import { countColour, readPng } from '../helpers/png.js';
import { acknowledgeMissedDay, fakeCheck, fakeCollector, fakeConfig, writeFake } from '../sample/fakes.js';

const CHROMIUM = '/usr/bin/chromium';
const FROM = '2026-01-01';
const TO = '2026-02-15';

/** A fresh profile each time; offline, so nothing could leave even if the page asked. */
async function launch(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-browser.sh`);
  const profile = await mkdtemp(path.join(tmpdir(), 'chromium-profile-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    offline: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('evidence report', () => {
  let dir: string;
  let result: ReportResult;
  let browser: BrowserContext;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'report-'));
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    const config = { ...fakeConfig, auditPeriod: { start: FROM } };
    for (
      let d = new Date(`${FROM}T00:00:00Z`);
      d <= new Date(`${TO}T00:00:00Z`);
      d = new Date(d.getTime() + 86_400_000)
    ) {
      const day = d.toISOString().slice(0, 10);
      // A three-day outage, one failed collection, an acknowledged day, a failing week.
      if (!['2026-01-10', '2026-01-11', '2026-01-12', '2026-01-20'].includes(day)) {
        const failing = day >= '2026-02-01' && day <= '2026-02-07';
        await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [
          { name: 'api', protected: !failing },
        ]);
      }
      if (day === '2026-01-25')
        await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, undefined, {
          status: 'error',
          errors: ['HTTP 502'],
          runId: 'run000000002',
        });
      // Written 2026-01-21 09:00: sealed that evening with the day, like every signed record.
      if (day === '2026-01-21')
        await acknowledgeMissedDay(locker, '2026-01-20', 'GitHub outage <INC-7>', await loadSigner());
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
    // A sealed snapshot altered afterwards.
    const tampered = path.join(
      locker.url,
      'snapshots/2026-01-30/fakerepos/github-acme/20260130T000500000Z-run000000001.json',
    );
    await chmod(tampered, 0o644);
    await writeFile(tampered, (await readFile(tampered, 'utf8')).replace('"api"', '"apj"'));

    result = await report({
      locker,
      signer: await loadSigner(),
      config,
      from: FROM,
      to: TO,
      out: path.join(dir, 'out'),
      clock: fixedClock('2026-02-20T00:00:00.000Z'),
      checks: [fakeCheck],
      collectors: [fakeCollector],
    });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('writes report.html and a workpaper per control; exit status says problems', async () => {
    expect(result.ok).toBe(false);
    expect(result.workpapers.map((w) => w.control)).toEqual(['CC8.1']);
    expect(existsSync(path.join(dir, 'out', 'workpapers', 'CC8.1', 'workpaper.md'))).toBe(true);
    expect(result.controls[0]).toMatchObject({ id: 'CC8.1', total: 46 });
    const html = await readFile(result.html, 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('href="workpapers/CC8.1/workpaper.md"');
    // Data is text, never markup.
    expect(html).toContain('GitHub outage &lt;INC-7&gt;');
    await expect(
      report({
        locker: new DirectoryLocker(path.join(dir, 'locker')),
        signer: await loadSigner(),
        config: fakeConfig,
        from: FROM,
        to: TO,
        out: path.join(dir, 'out'),
      }),
    ).rejects.toThrow(/already holds a report/);
  });

  it('renders the calendar in headless Chromium, with no request leaving the page', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(result.html).href;
    await page.goto(url, { waitUntil: 'load' });
    expect(requests).toEqual([url]);

    const cells = await page.$$eval('#coverage-calendar tbody td', (tds) =>
      tds.map((td) => ({
        day: td.getAttribute('data-day'),
        cls: td.className.split(' ')[0],
        colour: (
          globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
        ).getComputedStyle(td).backgroundColor,
        width: td.getBoundingClientRect().width,
        title: td.getAttribute('title'),
      })),
    );
    expect(cells).toHaveLength(46);
    const at = (day: string) => cells.find((c) => c.day === day)!;
    expect(at('2026-01-05')).toMatchObject({ cls: 'c-present', colour: 'rgb(46, 125, 50)' });
    expect(at('2026-01-11')).toMatchObject({ cls: 'c-missing', colour: 'rgb(211, 47, 47)' });
    expect(at('2026-01-20')).toMatchObject({ cls: 'c-acknowledged', colour: 'rgb(120, 144, 156)' });
    expect(at('2026-01-20').title).toContain(
      'acknowledged by Jane Doe (written 2026-01-21T09:00:00.000Z): GitHub outage <INC-7>',
    );
    expect(at('2026-01-30')).toMatchObject({ cls: 'c-integrity', colour: 'rgb(106, 27, 154)' });
    for (const c of cells) expect(c.width).toBeGreaterThan(5);
    const checks = await page.$$eval('#check-calendar tbody td', (tds) =>
      tds.map((td) => td.className.split(' ')[0]),
    );
    expect(checks.filter((c) => c === 'k-fail').length).toBe(7 + 1); // the failing week and the tampered day
    expect(checks.filter((c) => c === 'k-missing').length).toBe(4);
    expect(await page.textContent('#coverage-calendar thead')).toContain('Jan 2026');

    // The screenshot shows the colours where the cells are.
    const png = await page.locator('#coverage-calendar').screenshot();
    if (process.env.EVIDENCE_REPORT_SCREENSHOT) {
      await writeFile(process.env.EVIDENCE_REPORT_SCREENSHOT, await page.screenshot({ fullPage: true }));
    }
    const shot = readPng(png);
    expect(shot.width).toBeGreaterThan(1000);
    const px = (n: number) => n * 18; // a day cell is at least 5 × 18 px
    expect(countColour(shot, [46, 125, 50])).toBeGreaterThan(px(5 * 30));
    expect(countColour(shot, [211, 47, 47])).toBeGreaterThan(px(5 * 3));
    expect(countColour(shot, [106, 27, 154])).toBeGreaterThan(px(5));
    expect(countColour(shot, [120, 144, 156])).toBeGreaterThan(px(5));

    // Print-friendly: it prints to PDF (landscape), still with no request.
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(requests).toEqual([url]);
    await page.close();
  });
});

describe('evidence report fails closed on the chain', () => {
  it('every day of the window passes, but a digest altered before the window makes it no pass, and the page says so', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-chain-'));
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    const config = { ...fakeConfig, auditPeriod: { start: '2026-03-01' } };
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [{ name: 'api', protected: true }]);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
    const signer = await loadSigner();
    const run = (out: string) =>
      report({
        locker,
        signer,
        config,
        from: '2026-03-03',
        to: '2026-03-04',
        out: path.join(dir, out),
        clock: fixedClock('2026-03-10T00:00:00.000Z'),
        checks: [fakeCheck],
        collectors: [fakeCollector],
      });
    const clean = await run('clean');
    expect(clean.ok).toBe(true);
    expect(clean.summary).toMatchObject({ total: 2, pass: 2 });

    const altered = await alterDigest(locker.url, '2026-03-01');

    const broken = await run('broken');
    expect(broken.summary).toMatchObject({ total: 2, pass: 2 });
    expect(broken.ok).toBe(false);
    const html = await readFile(broken.html, 'utf8');
    expect(html).toContain(altered);
  });
});
