import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvField, samplesCsv } from '../../shared/sample/csv.js';
import type { SampleReport, SampleResult } from '../../shared/sample/run.js';
import { recheckCommands, workpaperMarkdown, writeWorkpaper } from '../../shared/sample/workpaper.js';
import { fakeCheck } from './fakes.js';

function sample(over: Partial<SampleResult>): SampleResult {
  return {
    check: 'fake-protected',
    collector: 'fakerepos',
    scope: 'github-acme',
    day: '2026-02-02',
    key: 'snapshots/2026-02-02/fakerepos/github-acme/20260202T000500000Z-run000000001.json',
    sha256: 'a'.repeat(64),
    versionId: null,
    snapshotStatus: 'ok',
    snapshotsThatDay: 1,
    integrity: 'sealed',
    digestKey: 'digests/2026-02-02/20260203T030000000Z.json',
    lockMode: null,
    retainUntil: null,
    result: 'pass',
    detail: 'all 1 repositories protect their default branch',
    failing: [],
    rank: 'b'.repeat(64),
    stratum: '2026-02',
    ...over,
  };
}

function report(
  samples: SampleResult[],
  locker: SampleReport['locker'] = { url: '/srv/locker', kind: 'directory', worm: false },
): SampleReport {
  return {
    seed: 'seed-1',
    checks: ['fake-protected'],
    from: '2026-02-01',
    to: '2026-02-28',
    plan: { kind: 'per-month', n: 3 },
    series: [
      { check: 'fake-protected', collector: 'fakerepos', scope: 'github-acme', origin: 'config+locker' },
    ],
    samples,
    chain: { digests: 3, problems: [] },
    notes: [],
    locker,
    requests: 10,
  };
}

/** A minimal RFC 4180 reader, to prove the writer round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('samples.csv', () => {
  it('quotes commas and quotes (RFC 4180), puts each record on one line and starts with a UTF-8 BOM', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('two lines');
    expect(csvField('cr\r\nlf')).toBe('cr lf');
    expect(csvField(null)).toBe('');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);

    const detail = 'repos "web", "api"\nand ü, ✓';
    const csv = samplesCsv([sample({ result: 'fail', detail, failing: ['web', 'a,b'] })]);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    const rows = parseCsv(csv.slice(1));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveLength(rows[0]!.length);
    const record = Object.fromEntries(rows[0]!.map((h, i) => [h, rows[1]![i]]));
    expect(record).toMatchObject({
      detail: detail.replace('\n', ' '),
      failing: 'web; a,b',
      result: 'fail',
      day: '2026-02-02',
    });
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});

describe('workpaper.md', () => {
  it('follows the tests.md template and has one results row per sample', () => {
    const samples = [
      sample({}),
      sample({ day: '2026-02-10', result: 'fail', detail: 'web | unprotected', failing: ['web'] }),
      sample({
        day: '2026-02-20',
        result: 'missing',
        key: null,
        sha256: null,
        detail: 'no snapshot',
        digestKey: null,
      }),
    ];
    const md = workpaperMarkdown({
      report: report(samples),
      checks: [fakeCheck],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC8.1 --seed seed-1',
    });
    for (const heading of [
      '# Test of effectiveness — CC8.1',
      '## Test design',
      '## Sampling strategy',
      '## Expected outcome',
      '## Results',
      '## Exceptions',
    ])
      expect(md).toContain(heading);
    const results = md.split('## Results')[1]!.split('## Exceptions')[0]!;
    const rows = results.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(samples.length);
    expect(rows[1]).toContain('**fail**');
    expect(rows[2]).toContain('**missing**');
    // Every row has the same number of cells as the header (escaped pipes stay inside a cell).
    const header = results.split('\n').find((l) => l.startsWith('| # |'))!;
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const row of rows) expect(cells(row)).toBe(cells(header));
    const exceptions = md.split('## Exceptions')[1]!.split('## ')[0]!;
    expect(exceptions).toContain(
      '| fake-protected | fakerepos/github-acme | **fail** | failing\\: web | 2026-02-10 | 1/3 | web \\| unprotected |',
    );
    expect(exceptions).toMatch(/\| \*\*missing\*\* \| missing\\: [^|]+ \| 2026-02-20 \| 1\/3 \|/);
    expect(md).toContain('seed-1');
    expect(md).toContain('hashlib.sha256(f"{seed}|{check}|{s}|{d}"');
    // References relative to the locker: one cd, then keys.
    expect(md).toContain('cd "$LOCKER"\n');
    expect(md).toContain(
      `sha256sum snapshots/2026-02-02/fakerepos/github-acme/20260202T000500000Z-run000000001.json   # expect ${'a'.repeat(64)}`,
    );
    expect(md).not.toMatch(/sha256sum \/srv/);
  });

  it('renders as meant in a common renderer (marked): nested lists, literal algorithm text, tables', () => {
    const md = workpaperMarkdown({
      report: report([
        sample({}),
        sample({ day: '2026-02-10', result: 'fail', detail: 'web unprotected', failing: ['web'] }),
      ]),
      checks: [fakeCheck],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun:
        'npx evidence sample --control CC8.1 --seed seed-1 --per-month 3 --store /srv/locker --config /etc/evidence.config.json',
      configSha256: 'c'.repeat(64),
    });
    const html = marked.parse(md, { async: false, gfm: true });
    expect(html).toContain('<h1>Test of effectiveness — CC8.1 — Change management');
    // The checks are a list nested in step 3, not flattened into the ordered list.
    expect(html).toMatch(/Re-perform the check[^<]*<ul>\s*<li><code>fake-protected<\/code>/);
    // The algorithm's placeholders show as text.
    expect(html).toContain(
      'SHA-256(&quot;&lt;seed&gt;|&lt;check&gt;|&lt;collector&gt;/&lt;scope&gt;|&lt;D&gt;&quot;)',
    );
    expect(html).toContain('<strong>Exceptions noted</strong>');
    expect(html).toContain('deviation rate 50.0%');
    expect(html).toMatch(/<th>role<\/th>[\s\S]*<td>Preparer<\/td>[\s\S]*<td>Reviewer<\/td>/);
    expect(html).toContain('<td>28 day(s) × 1 series of fakerepos</td>');
    expect(html).toContain('--config /etc/evidence.config.json');
  });

  it('prints head-object and get-object commands for an S3 locker', () => {
    const s = sample({ versionId: 'v-123', lockMode: 'COMPLIANCE' });
    const lines = recheckCommands(report([s], { url: 's3://acme-evidence/prod', kind: 's3', worm: true }), s);
    expect(lines.join('\n')).toContain(
      `aws s3api head-object --bucket acme-evidence --key prod/${s.key} --version-id v-123 --checksum-mode ENABLED`,
    );
    expect(lines.join('\n')).toContain(
      `aws s3api get-object --bucket acme-evidence --key prod/${s.key} --version-id v-123 sample.json`,
    );
    expect(lines.join('\n')).toContain(`ChecksumSHA256 ${Buffer.from(s.sha256!, 'hex').toString('base64')}`);
  });

  it('writes workpaper.md, samples.csv and samples.json in the SPEC shape', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wp-'));
    const written = await writeWorkpaper(path.join(dir, 'out'), {
      report: report([sample({})]),
      checks: [fakeCheck],
      subject: 'fake-protected',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: true,
      rerun: 'npx evidence sample',
    });
    const doc = JSON.parse(await readFile(written.json, 'utf8'));
    expect(doc).toMatchObject({
      seed: 'seed-1',
      checks: ['fake-protected'],
      from: '2026-02-01',
      to: '2026-02-28',
    });
    expect(Object.keys(doc.samples[0])).toEqual(
      expect.arrayContaining(['check', 'collector', 'scope', 'day', 'key', 'sha256', 'result', 'detail']),
    );
    expect(await readFile(written.markdown, 'utf8')).toContain('generated by the tool for this run');
    await expect(
      writeWorkpaper(path.join(dir, 'out'), {
        report: report([sample({})]),
        checks: [fakeCheck],
        subject: 'x',
        generatedAt: new Date(),
        seedGenerated: true,
        rerun: 'x',
      }),
    ).rejects.toThrow(/already holds workpaper.md: a workpaper is never overwritten/);
    expect((await readFile(written.csv)).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});

/** Markdown text without its backslash escapes (what a reader sees). */
function plainText(md: string): string {
  return md.replace(/\\([\\`*_{}[\]()#+\-.!:|<>@])/g, '$1');
}

describe('workpaper.md evaluates', () => {
  const second = { ...fakeCheck, id: 'fake-second', description: 'a second check over the same snapshots' };
  const unseen = { ...fakeCheck, id: 'fake-unseen', collector: 'fakeother', description: 'never collected' };

  it('one population per check, counted in snapshots: two checks over one series over four days are 4 each, not 8', () => {
    const days = ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04'];
    const r: SampleReport = {
      ...report([
        ...days.map((day) => sample({ day })),
        ...days.map((day) => sample({ day, check: 'fake-second' })),
      ]),
      to: '2026-02-04',
      checks: ['fake-protected', 'fake-second'],
      series: [
        { check: 'fake-protected', collector: 'fakerepos', scope: 'github-acme', origin: 'config+locker' },
        { check: 'fake-second', collector: 'fakerepos', scope: 'github-acme', origin: 'config+locker' },
      ],
    };
    const md = workpaperMarkdown({
      report: r,
      checks: [fakeCheck, second],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC8.1',
    });
    expect(md).toContain('| fake-protected | fakerepos | 4 | 4 day(s) × 1 series of fakerepos |');
    expect(md).toContain('| fake-second | fakerepos | 4 | 4 day(s) × 1 series of fakerepos |');
    expect(md).not.toMatch(/\b8 daily snapshots\b/);
  });

  it('lists as re-performed only checks that had evidence; the rest are not tested, with why, and no conclusion of effectiveness', () => {
    const r: SampleReport = {
      ...report([
        sample({}),
        sample({
          check: 'fake-second',
          result: 'missing',
          key: null,
          sha256: null,
          digestKey: null,
          detail: 'no snapshot',
        }),
      ]),
      checks: ['fake-protected', 'fake-second', 'fake-unseen'],
      series: [
        { check: 'fake-protected', collector: 'fakerepos', scope: 'github-acme', origin: 'config+locker' },
        { check: 'fake-second', collector: 'fakerepos', scope: 'github-acme', origin: 'config' },
      ],
    };
    const md = workpaperMarkdown({
      report: r,
      checks: [fakeCheck, second, unseen],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC8.1',
    });
    const reperformed = /^\| Checks re-performed \| (.*) \|$/m.exec(md)![1]!;
    expect(reperformed).toContain('fake-protected');
    expect(reperformed).not.toContain('fake-second');
    expect(reperformed).not.toContain('fake-unseen');
    const notTested = plainText(/^\| Not tested \| (.*) \|$/m.exec(md)![1]!);
    expect(notTested).toMatch(
      /fake-second`: no usable snapshot of fakerepos on any of the 1 sampled day\(s\)/,
    );
    expect(notTested).toMatch(
      /fake-unseen`: no series of collector fakeother in the configuration or the locker/,
    );
    expect(md).not.toContain('**Operating effectively**');
  });

  it("names the company's control from the configuration, and says when the criterion's text stands in", () => {
    const input = {
      report: report([sample({})]),
      checks: [fakeCheck],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC8.1',
    };
    const fallback = plainText(workpaperMarkdown(input));
    expect(fallback).toMatch(
      /\| Control \(CC8\.1\) \| CC8\.1 — Change management.*The criterion's text: no company control is configured for CC8\.1/,
    );
    const own = plainText(
      workpaperMarkdown({
        ...input,
        controls: {
          'CC8.1': {
            id: 'CM-02',
            description: 'Changes to production are peer reviewed',
            owner: 'VP Engineering',
          },
        },
      }),
    );
    expect(own).toContain(
      '| Control (CC8.1) | CM-02: Changes to production are peer reviewed (criterion CC8.1 — Change management',
    );
    expect(own).toContain('| Control owner | VP Engineering |');
    expect(own).not.toContain("The criterion's text");
  });

  it('every exception row has duration, root cause, compensating control and response: from an acknowledgement, or marked for the preparer, never blank', () => {
    const failing = (day: string) =>
      sample({ day, result: 'fail', detail: 'web unprotected', failing: ['web'] });
    const missing = (day: string, scope: string) =>
      sample({
        day,
        scope,
        result: 'missing',
        key: null,
        sha256: null,
        digestKey: null,
        detail: 'no snapshot',
      });
    const r: SampleReport = {
      ...report([failing('2026-02-03'), failing('2026-02-10'), missing('2026-02-12', 'github-other')]),
      series: [
        { check: 'fake-protected', collector: 'fakerepos', scope: 'github-acme', origin: 'config+locker' },
        { check: 'fake-protected', collector: 'fakerepos', scope: 'github-other', origin: 'config' },
      ],
    };
    const md = plainText(
      workpaperMarkdown({
        report: r,
        checks: [fakeCheck],
        subject: 'CC8.1',
        generatedAt: new Date('2026-03-01T00:00:00Z'),
        seedGenerated: false,
        rerun: 'npx evidence sample --control CC8.1',
        acknowledgements: [
          {
            key: 'acknowledgements/2026-02-12/fakerepos/github-other/20260213T090000000Z.json',
            schema: 'evidence.acknowledgement/1',
            collector: 'fakerepos',
            scope: 'github-other',
            day: '2026-02-12',
            reason: 'GitHub outage: the collection could not reach the API',
            by: 'ops@example.com',
            acknowledgedAt: '2026-02-13T09:00:00.000Z',
            tool: { name: 'evidence-locker', version: '0.1.0' },
          },
        ],
      }),
    );
    const section = md.split('### Evaluation of each exception')[1]!.split('\n## ')[0]!;
    expect(section).toContain('tolerable deviation rate of an automated control, 0%');
    const rows = section.split('\n').filter((l) => /^\| E\d+ \|/.test(l));
    expect(rows).toHaveLength(2);
    const [acked, open] = [
      rows.find((l) => l.includes('github-other'))!,
      rows.find((l) => l.includes('github-acme'))!,
    ];
    expect(open).toContain('2026-02-03 to 2026-02-10: 2 sampled day(s) over 8 calendar day(s)');
    expect(open).toContain('To be completed by the preparer (observed: failing: web)');
    expect(open).toContain(
      'To be completed by the preparer: no acknowledgement of these days is recorded in the locker',
    );
    expect(acked).toContain('GitHub outage: the collection could not reach the API');
    expect(acked).toContain('acknowledged by ops@example.com at 2026-02-13T09:00:00.000Z');
    for (const row of rows)
      expect(
        row
          .split('|')
          .map((c) => c.trim())
          .slice(1, -1),
      ).not.toContain('');
  });

  it('has a reference, and a later run over the same control and period supersedes the earlier, listing it', () => {
    const input = {
      report: report([sample({})]),
      checks: [fakeCheck],
      subject: 'CC8.1',
      generatedAt: new Date('2026-03-01T00:00:00Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC8.1',
    };
    const first = plainText(workpaperMarkdown(input));
    expect(first).toMatch(/\| Workpaper reference \| WP CC8\.1 2026-02-01\.\.2026-02-28 #1 \(the first run/);
    const earlier = {
      key: 'reports/sample/20260301T000000000Z_2026-02-01_2026-02-28.json',
      ranAt: '2026-03-01T00:00:00.000Z',
      from: '2026-02-01',
      to: '2026-02-28',
      subject: 'report (every check, every day)',
      readable: true,
      signed: true,
      signature: 'valid' as const,
    };
    const other = {
      ...earlier,
      key: 'reports/sample/20260302T000000000Z_2026-02-01_2026-02-28.json',
      subject: 'CC6.1',
    };
    const second = plainText(workpaperMarkdown({ ...input, earlier: [earlier, other] }));
    expect(second).toMatch(
      /\| Workpaper reference \| WP CC8\.1 2026-02-01\.\.2026-02-28 #2 \(supersedes `reports\/sample\/20260301T000000000Z_2026-02-01_2026-02-28\.json`: this run is the workpaper of record/,
    );
    expect(second.split('| Workpaper reference |')[1]!.split('\n')[0]).not.toContain('20260302T');
  });
});
