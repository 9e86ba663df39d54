/**
 * Hostile input in the auditor's workpaper (issue 12). Names an attacker controls (a
 * repository name in collected data; a key planted in the locker by a role that may write
 * snapshots) must come out of `evidence sample --out` inert: the Markdown, rendered by a real
 * renderer (marked, GFM), shows no link, image, raw HTML or heading that came from data; the
 * re-check `sh` block, run in a sandbox, runs nothing but its own commands; samples.csv holds
 * no control character and no formula.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { writeFake } from './fakes.js';

vi.mock('../../shared/checks/registry.js', async () => (await import('./fakes.js')).fakeCheckRegistry());
vi.mock('../../shared/collectors/registry.js', async () =>
  (await import('./fakes.js')).fakeCollectorRegistry(),
);

const HOSTILE_REPOS = [
  '[x](http://evil.example/)',
  '![i](http://evil.example/i.png)',
  '<img src=x onerror=alert(1)>',
  'lone\rcarriage',
  'code`\n# Heading from data\n`',
  '\u001b[2J\u001b[31mESC',
  '=HYPERLINK("http://evil.example","x")',
];

/** Elements of the rendered workpaper: those our own template makes, and anything else. */
function renderedTags(markdown: string): Set<string> {
  const html = marked.parse(markdown, { async: false, gfm: true });
  return new Set([...html.matchAll(/<\s*([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
}

function headings(markdown: string): string[] {
  const html = marked.parse(markdown, { async: false, gfm: true });
  return [...html.matchAll(/<h\d[^>]*>(.*?)<\/h\d>/g)].map((m) => m[1]!);
}

/** The body of the workpaper's fenced sh block (the fence may be longer than three backticks). */
function shBlock(markdown: string): string {
  const m = /^(`{3,})sh\n([\s\S]*?)\n\1$/m.exec(markdown);
  expect(m, 'the workpaper has a re-check sh block').not.toBeNull();
  return m![2]!;
}

describe('workpaper from hostile input', () => {
  let dir: string;
  let store: string;
  let base: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hostile-'));
    store = path.join(dir, 'locker');
    const config = path.join(dir, 'evidence.config.json');
    await writeAcmeConfig(config);
    base = ['--store', store, '--config', config];
  });

  /** Seal 2026-02-01, then `sample --check fake-protected` one day of it, seed s1, into `out`. */
  async function sampleTheDay(locker: DirectoryLocker) {
    await seal(locker, {
      day: '2026-02-01',
      clock: fixedClock('2026-02-01T23:00:00.000Z'),
      retentionDays: 730,
    });
    const out = path.join(dir, 'out');
    const run = await runCli(
      [
        'sample',
        '--check',
        'fake-protected',
        '--from',
        '2026-02-01',
        '--to',
        '2026-02-01',
        '--seed',
        's1',
        '--size',
        '1',
        '--out',
        out,
        ...base,
      ],
      { clock: '2026-03-01T00:00:00.000Z' },
    );
    const md = await readFile(path.join(out, 'workpaper.md'), 'utf8');
    const csv = await readFile(path.join(out, 'samples.csv'), 'utf8');
    return { run, out, md, csv };
  }

  it('a key planted with a newline in its scope is never sampled; the sh block runs nothing of it', async () => {
    const locker = new DirectoryLocker(store);
    await writeFake(locker, 'github-acme', '2026-02-01T00:05:00.000Z');
    const scope = 'x\necho INJECTED > f\n#';
    const planted = makeSnapshot({
      collector: 'fakerepos',
      scope: 'github-acme',
      collectedAt: '2026-02-01T00:06:00.000Z',
      controls: ['CC8.1'],
      data: { repos: [{ name: 'api', protected: true }] },
    });
    // An attacker with write access to snapshots/ writes the file directly, key and all.
    const key = `snapshots/2026-02-01/fakerepos/${scope}/20260201T000600000Z-run000000009.json`;
    await mkdir(path.join(store, 'snapshots/2026-02-01/fakerepos', scope), { recursive: true });
    await writeFile(path.join(store, key), JSON.stringify({ ...planted, scope }));

    const { run, out, md, csv } = await sampleTheDay(locker);
    const json = await readFile(path.join(out, 'samples.json'), 'utf8');
    for (const text of [md, csv, json, run.stdout]) expect(text).not.toContain('INJECTED');
    expect(md).toMatch(/key\\\(s\\\) under snapshots\/ .*misfiled/);

    const sandbox = await mkdtemp(path.join(tmpdir(), 'recheck-'));
    execFileSync('sh', ['-c', shBlock(md)], {
      cwd: sandbox,
      encoding: 'utf8',
      env: { ...process.env, LOCKER: store },
    });
    expect(readdirSync(sandbox)).toEqual([]);
    expect(existsSync(path.join(sandbox, 'f'))).toBe(false);
  });

  it('hostile repository names render as text: no link, image, raw HTML or heading from data; no ESC', async () => {
    const locker = new DirectoryLocker(store);
    await writeFake(
      locker,
      'github-acme',
      '2026-02-01T00:05:00.000Z',
      HOSTILE_REPOS.map((name) => ({ name, protected: false })),
    );

    const { run, md, csv } = await sampleTheDay(locker);
    expect(run.code).toBe(1);
    const tags = renderedTags(md);
    for (const tag of ['a', 'img', 'script', 'div'])
      expect(tags.has(tag), `<${tag}> in the workpaper`).toBe(false);
    expect(headings(md).filter((h) => /Heading from data/.test(h))).toEqual([]);
    expect(md).not.toContain('\u001b');
    expect(md).not.toContain('\r');
    // The names are still there, as text.
    expect(marked.parse(md, { async: false })).toContain('[x](http://evil.example/)');

    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f]/);
    // No field starts with a formula character (a field starts a line or follows a comma).
    expect(csv).toContain('HYPERLINK');
    expect(csv).not.toMatch(/(^|,)"?[=+@]/m);
  });
});
