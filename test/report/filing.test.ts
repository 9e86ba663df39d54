/**
 * A report fit to file (issue 27, item 3): it names the entity and system, the audit period and
 * the window, who ran it and the tool's commit; says in its summary that a directory locker is
 * not write-once; says what each day is (one snapshot at HH:MM UTC), marks partial days, lists
 * what is out of scope, counts an exception shared by two criteria once naming both; its printed
 * PDF (Debian's Chromium) shows the day numbers and the reasons; and the signed run record holds
 * the SHA-256 of report.html and of every workpaper file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitCommit } from '../../shared/build.js';
import type { AnyCheck } from '../../shared/checks/types.js';
import { fixedClock } from '../../shared/clock.js';
import { parseConfig } from '../../shared/config.js';
import { seal } from '../../shared/evidence/digest.js';
import { loadSigner, signatureKey, verifySignature } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { type ReportResult, report } from '../../shared/report/report.js';
import type { SampleRunRecord } from '../../shared/sample/record.js';
import { pdfText } from '../helpers/pdf-text.js';
import { acknowledgeMissedDay, fakeCheck, fakeCollector, writeFake } from '../sample/fakes.js';

const CHROMIUM = '/usr/bin/chromium';
const FROM = '2026-03-01';
const TO = '2026-03-10';

/** The fake check, as a company maps it to two criteria: one failure is one exception, named under both. */
const twoCriteria: AnyCheck = { ...fakeCheck, controls: ['CC7.2', 'CC8.1'] };

describe('a report fit to file', () => {
  let dir: string;
  let result: ReportResult;
  let html: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'report-filing-'));
    const locker = new DirectoryLocker(path.join(dir, 'locker'));
    const signer = await loadSigner();
    const config = parseConfig({
      locker: { retentionDays: 730 },
      github: { org: 'acme' },
      auditPeriod: { start: '2026-01-01', end: '2026-12-31' },
      report: { entity: 'Example Corp, Inc. <&>', system: 'Example Cloud Platform' },
    });
    for (let i = 1; i <= 10; i++) {
      const day = `2026-03-${String(i).padStart(2, '0')}`;
      if (day === '2026-03-04') {
        // No collection that day; acknowledged the next morning, sealed with that day.
      } else if (day === '2026-03-06') {
        await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [{ name: 'api', protected: true }], {
          status: 'partial',
          errors: ['repository "web": HTTP 502 on branch protection'],
        });
      } else {
        await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [
          { name: 'api', protected: day !== '2026-03-08' },
        ]);
      }
      if (day === '2026-03-05')
        await acknowledgeMissedDay(locker, '2026-03-04', 'GitHub outage INC-7', signer);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730, signer });
    }
    result = await report({
      locker,
      signer,
      config,
      from: FROM,
      to: TO,
      out: path.join(dir, 'out'),
      clock: fixedClock('2026-03-12T00:00:00.000Z'),
      checks: [twoCriteria],
      collectors: [fakeCollector],
      principal: 'arn:aws:sts::123456789012:assumed-role/Auditor/jane',
    });
    html = await readFile(result.html, 'utf8');
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/setup-browser.sh`);
    browser = await chromium.launchPersistentContext(
      await mkdtemp(path.join(tmpdir(), 'chromium-profile-')),
      {
        executablePath: CHROMIUM,
        headless: true,
        offline: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      },
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('names the entity, system, period and window, who ran it and the commit', () => {
    expect(html).toContain('Example Corp, Inc. &lt;&amp;&gt;');
    expect(html).toContain('Example Cloud Platform');
    expect(html).toContain('<tr><th>Audit period</th><td>2026-01-01 to 2026-12-31</td></tr>');
    expect(html).toContain(
      "This report's window</th><td>2026-03-01 to 2026-03-10 (part of the audit period)",
    );
    expect(html).toContain('arn:aws:sts::123456789012:assumed-role/Auditor/jane');
    const commit = readGitCommit();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(html).toContain(`commit <code>${commit}</code>`);
  });

  it('says in its summary that a directory locker is not write-once, and never a plain green "complete and intact"', () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="out-of-scope"'));
    expect(summary).toContain('not write-once: tamper-evident only');
    expect(summary).toMatch(/class="verdict warn">not write-once/);
    expect(summary).not.toContain('class="verdict ok">complete and intact<');
  });

  it('says what a day is: one snapshot at HH:MM UTC, not continuous testing', () => {
    expect(html).toContain('<strong>one snapshot</strong> per series, taken once a day (at 00:05 UTC)');
    expect(html).not.toMatch(/tested on every day|100% of the population/);
  });

  it('marks the partial day, with what it lacks', () => {
    expect(html).toMatch(
      /class="c-partial[^"]*" data-day="2026-03-06" title="[^"]*partial: missing repository &quot;web&quot;: HTTP 502/,
    );
    expect(html).toMatch(/<td>2026-03-06<\/td><td>present but partial/);
  });

  it('lists what is out of scope: the subservice organisation and the criteria without collectors', () => {
    const section = html.slice(html.indexOf('id="out-of-scope"'), html.indexOf('id="coverage"'));
    expect(section).toContain('GitHub (source code hosting');
    expect(section).not.toContain('Okta');
    expect(section).toContain('CC1.1');
    expect(section).not.toMatch(/CC8\.1[,;]/);
  });

  it('lists the acknowledged day with who wrote it, when and why (never a bare OK over exceptions)', () => {
    const section = html.slice(html.indexOf('id="excused"'), html.indexOf('id="integrity"'));
    expect(section).toContain(
      '1 acknowledged day(s), 0 retired series, 0 day(s) before a later <code>since</code>',
    );
    expect(section).toMatch(
      /<tr><td>2026-03-04<\/td><td><code>fakerepos\/github-acme<\/code><\/td><td>Jane Doe<\/td><td>2026-03-05T09:00:00.000Z<\/td><td>GitHub outage INC-7<\/td><td class="small"><code>acknowledgements\//,
    );
  });

  it('counts an exception shared by two criteria once, naming both', () => {
    const table = html.slice(html.indexOf('id="exceptions"'), html.indexOf('id="gaps"'));
    // The acknowledged day (missing to the check) and the failing day: two exceptions, not four.
    expect(table).toContain('<p class="small">2 exception(s)');
    expect(table.match(/<tr><td>CC7\.2, CC8\.1<\/td><td><code>fake-protected<\/code>/g)).toHaveLength(2);
    expect(table).not.toMatch(/<tr><td>CC(7\.2|8\.1)<\/td>/);
    expect(result.controls.map((c) => c.id)).toEqual(['CC7.2', 'CC8.1']);
  });

  it('records the SHA-256 of report.html and every workpaper file in the signed run record', async () => {
    const locker = path.join(dir, 'locker');
    const body = await readFile(path.join(locker, ...result.record.split('/')));
    const sig = await readFile(path.join(locker, ...signatureKey(result.record).split('/')));
    expect(verifySignature(body, sig, (await loadSigner()).publicKeyPem())).toBe(true);
    const record = JSON.parse(body.toString('utf8')) as SampleRunRecord;
    expect(record.ranBy).toBe('arn:aws:sts::123456789012:assumed-role/Auditor/jane');
    expect(record.tool.commit).toBe(readGitCommit());
    const out = path.join(dir, 'out');
    const onDisk = [
      'report.html',
      ...readdirSync(path.join(out, 'workpapers'), { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.(md|csv|json)$/.test(f))
        .map((f) => `workpapers/${f.split(path.sep).join('/')}`),
    ].sort();
    expect(record.files!.map((f) => f.path).sort()).toEqual(onDisk);
    expect(onDisk).toHaveLength(1 + 2 * 3);
    for (const f of record.files!)
      expect(f.sha256).toBe(
        createHash('sha256')
          .update(await readFile(path.join(out, ...f.path.split('/'))))
          .digest('hex'),
      );
    // The report and its workpapers name the record that vouches for them.
    expect(html).toContain(result.record);
    expect(readdirSync(dir).filter((f) => f.includes('.writing-'))).toEqual([]);
  });

  it('prints to a PDF (Chromium) that shows the day numbers and the reasons, not only on hover', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(result.html).href, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ printBackground: true, landscape: true });
    await page.close();
    // Table cells wrap across printed lines (at spaces and hyphens): compare without white space.
    const text = pdfText(pdf).replace(/\s+/g, '');
    const has = (phrase: string) => expect(text).toContain(phrase.replace(/\s+/g, ''));
    has('Example Corp, Inc. <&>');
    has('not write-once: tamper-evident only');
    // Day numbers under the month, 1 to 10, in order, in both calendars.
    expect(text.match(/Mar2026day12345678910/g)).toHaveLength(2);
    // The reasons: the acknowledged day with who, when and why; the partial day; the failing day.
    has(
      '2026-03-04 acknowledged gap acknowledged by Jane Doe (written 2026-03-05T09:00:00.000Z): GitHub outage INC-7',
    );
    has(
      '2026-03-06 present but partial (what is missing is named) partial: missing repository "web": HTTP 502 on branch protection',
    );
    has(
      '2026-03-08 fail fail: 1 repository(ies) without branch protection: api (failing: api) [snapshot of 00:05 UTC]',
    );
  });
});
