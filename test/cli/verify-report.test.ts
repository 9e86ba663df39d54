/**
 * `evidence verify-report DIR`: a report's (and a `sample --out` run's) files re-checked against
 * the signed run record that lists their SHA-256. Every test tries to fool it: a changed byte, a
 * deleted or swapped workpaper, an extra file, a record signed by an untrusted key or forged by
 * hand, a path that leaves the directory, a link, hostile file names. The registries are the
 * small fakes of test/sample/fakes.ts (vi.mock), as in test/cli/sample.test.ts.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { seal } from '../../shared/evidence/digest.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { fileSigner, loadSigner, type Signer } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { unsafePath } from '../../shared/report/verify-output.js';
import { fileSha256 } from '../../shared/sample/files.js';
import { runCli, writeAcmeConfig } from '../helpers/cli.js';
import { writeFake } from '../sample/fakes.js';

vi.mock('../../shared/checks/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCheckRegistry(),
);
vi.mock('../../shared/collectors/registry.js', async () =>
  (await import('../sample/fakes.js')).fakeCollectorRegistry(),
);

const FROM = '2026-02-01';
const TO = '2026-02-03';

interface Checked {
  ok: boolean;
  record: string | null;
  namedBy: string | null;
  signature: string | null;
  fingerprint?: string;
  listed: number;
  matched: number;
  problems: { problem: string; file: string; detail: string }[];
}

describe('evidence verify-report', () => {
  let dir: string;
  let store: string;
  let base: string[];
  let report1: string;
  let report2: string;
  let record1: string;
  let record2: string;
  let sampled: string;
  let sampleRecord: string;
  let bareSampleRecord: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-report-'));
    store = path.join(dir, 'locker');
    const config = await writeAcmeConfig(path.join(dir, 'evidence.config.json'));
    base = ['--store', store, '--config', config];
    const locker = new DirectoryLocker(store);
    for (const day of [FROM, '2026-02-02', TO]) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
    const window = ['--from', FROM, '--to', TO];
    report1 = path.join(dir, 'report-1');
    report2 = path.join(dir, 'report-2');
    const r1 = await runCli(['report', ...window, '--out', report1, '--json', ...base], {
      clock: '2026-03-01T10:00:00.000Z',
    });
    expect(r1.code, r1.stderr).toBe(0);
    record1 = JSON.parse(r1.stdout).record;
    const r2 = await runCli(['report', ...window, '--out', report2, '--json', ...base], {
      clock: '2026-03-02T10:00:00.000Z',
    });
    expect(r2.code, r2.stderr).toBe(0);
    record2 = JSON.parse(r2.stdout).record;
    sampled = path.join(dir, 'sample-1');
    const sample = ['sample', '--check', 'fake-protected', ...window, '--seed', 's1', '--size', '2'];
    const s = await runCli([...sample, '--out', sampled, '--json', ...base], {
      clock: '2026-03-03T10:00:00.000Z',
    });
    expect(s.code, s.stderr).toBe(0);
    sampleRecord = JSON.parse(s.stdout).record;
    const bare = await runCli([...sample, '--json', ...base], { clock: '2026-03-04T10:00:00.000Z' });
    bareSampleRecord = JSON.parse(bare.stdout).record;
  });

  /** A fresh copy of a run's directory to tamper with. */
  async function copyOf(source: string): Promise<string> {
    const copy = await mkdtemp(path.join(dir, 'copy-'));
    await cp(source, copy, { recursive: true });
    return copy;
  }
  async function check(target: string, ...options: string[]): Promise<{ code: number; doc: Checked }> {
    const run = await runCli(['verify-report', target, '--json', ...options, ...base]);
    return { code: run.code, doc: JSON.parse(run.stdout) as Checked };
  }
  const kinds = (doc: Checked) => doc.problems.map((p) => `${p.problem} ${p.file}`);

  it('a report as written: every file matches its record, signed by the trusted key; exit 0', async () => {
    const { code, doc } = await check(report1);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, record: record1, namedBy: 'report.html', signature: 'valid' });
    expect(doc.listed).toBe(4); // report.html, workpaper.md, samples.csv, samples.json
    expect(doc.matched).toBe(4);
    const text = await runCli(['verify-report', report1, ...base]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`run record ${record1} named by report.html`);
    expect(text.stdout).toMatch(/record signed by key [0-9a-f]{64}; 4 of 4 listed file\(s\) match/);
    expect(text.stdout).toContain('report verified');
  });

  it('the record lists exactly the files handed out, with their SHA-256', async () => {
    const record = JSON.parse(await readFile(path.join(store, ...record1.split('/')), 'utf8'));
    expect(record.files.map((f: { path: string }) => f.path)).toEqual([
      'report.html',
      'workpapers/CC8.1/samples.csv',
      'workpapers/CC8.1/samples.json',
      'workpapers/CC8.1/workpaper.md',
    ]);
    expect(record.files[0].sha256).toBe(await fileSha256(path.join(report1, 'report.html')));
  });

  it('one byte changed in report.html: exit 1 naming it', async () => {
    const copy = await copyOf(report1);
    const file = path.join(copy, 'report.html');
    const html = await readFile(file, 'utf8');
    await writeFile(file, html.replace('</html>', '</htmk>'));
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual(['altered report.html']);
    expect(doc.problems[0]!.detail).toMatch(/^SHA-256 [0-9a-f]{64}; the run record says [0-9a-f]{64}$/);
    expect(doc.matched).toBe(3);
  });

  it('a workpaper deleted: exit 1, missing', async () => {
    const copy = await copyOf(report1);
    await unlink(path.join(copy, 'workpapers', 'CC8.1', 'workpaper.md'));
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual(['missing workpapers/CC8.1/workpaper.md']);
  });

  it('a workpaper from another run swapped in: altered, and it names the other run', async () => {
    const copy = await copyOf(report1);
    const rel = path.join('workpapers', 'CC8.1', 'workpaper.md');
    await cp(path.join(report2, rel), path.join(copy, rel));
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual([
      'altered workpapers/CC8.1/workpaper.md',
      'other-run workpapers/CC8.1/workpaper.md',
    ]);
    expect(doc.problems[1]!.detail).toBe(`names the run ${record2}, not ${record1}`);
  });

  it('an extra file claiming to be part of the run, and a link in place of a listed file', async () => {
    const copy = await copyOf(report1);
    await mkdir(path.join(copy, 'workpapers', 'CC6.1'));
    await writeFile(path.join(copy, 'workpapers', 'CC6.1', 'workpaper.md'), '# Operating effectively\n');
    const samples = path.join(copy, 'workpapers', 'CC8.1', 'samples.csv');
    const elsewhere = path.join(dir, 'samples-elsewhere.csv');
    await cp(samples, elsewhere);
    await unlink(samples);
    await symlink(elsewhere, samples);
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual([
      'not-a-file workpapers/CC8.1/samples.csv',
      'extra workpapers/CC6.1/workpaper.md',
    ]);
  });

  it('the record re-signed by an untrusted key (published in the locker): untrusted-key, exit 1', async () => {
    const stranger = await fileSigner(path.join(await mkdtemp(path.join(dir, 'key-')), 'key.pem'), {
      create: true,
    });
    // The locker holds the record and a second one signed by the stranger (a copy of this store).
    const copyStore = await mkdtemp(path.join(dir, 'store-'));
    await cp(store, copyStore, { recursive: true });
    const sig = path.join(copyStore, ...`${record1}.sig`.split('/'));
    const body = await readFile(path.join(copyStore, ...record1.split('/')));
    await rm(sig, { force: true });
    await writeFile(sig, await stranger.sign(body));
    await new DirectoryLocker(copyStore).put(
      `keys/${stranger.fingerprint}.pem`,
      Buffer.from(stranger.publicKeyPem()),
      { retainUntil: new Date() },
    );
    const run = await runCli([
      'verify-report',
      report1,
      '--json',
      '--store',
      copyStore,
      '--config',
      base[3]!,
    ]);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as Checked;
    expect(doc).toMatchObject({ signature: 'untrusted-key', fingerprint: stranger.fingerprint });
    expect(kinds(doc)).toEqual([`untrusted-key ${record1}`]);
    // Every file still matches: the signature alone fails it.
    expect(doc.matched).toBe(4);
    // Trusted on purpose (--fingerprint): then it passes.
    const pinned = await runCli([
      'verify-report',
      report1,
      '--fingerprint',
      stranger.fingerprint,
      '--store',
      copyStore,
      '--config',
      base[3]!,
    ]);
    expect(pinned.code).toBe(0);
    // The key not published: the signature is just bad.
    await rm(path.join(copyStore, 'keys', `${stranger.fingerprint}.pem`), { force: true });
    const bad = await runCli([
      'verify-report',
      report1,
      '--json',
      '--store',
      copyStore,
      '--config',
      base[3]!,
    ]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).signature).toBe('bad-signature');
  });

  it('a forged run record written by hand (unsigned) for forged files: exit 1, unsigned', async () => {
    const copy = await copyOf(report1);
    const forgedKey = 'reports/sample/20260301T100000001Z_2026-02-01_2026-02-03.json';
    // Every file names the forged record; the page says what the forger wants.
    for (const rel of ['report.html', 'workpapers/CC8.1/workpaper.md']) {
      const file = path.join(copy, ...rel.split('/'));
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replaceAll(record1, forgedKey).replace('Operating effectively', 'Fine'));
    }
    const files = [];
    for (const rel of [
      'report.html',
      'workpapers/CC8.1/samples.csv',
      'workpapers/CC8.1/samples.json',
      'workpapers/CC8.1/workpaper.md',
    ])
      files.push({ path: rel, sha256: await fileSha256(path.join(copy, ...rel.split('/'))) });
    const record = JSON.parse(await readFile(path.join(store, ...record1.split('/')), 'utf8'));
    await new DirectoryLocker(store).put(forgedKey, canonicalBytes({ ...record, files }), {
      retainUntil: new Date(),
    });
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(doc).toMatchObject({ record: forgedKey, signature: 'unsigned', matched: 4 });
    expect(kinds(doc)).toEqual([`unsigned ${forgedKey}`]);
  });

  it('a path in the record that leaves the directory is never read, even from a trusted record', async () => {
    const copy = await copyOf(report1);
    // A file beside the directory whose SHA-256 the record gives: reading it would "match".
    const outside = path.join(path.dirname(copy), 'outside.txt');
    await writeFile(outside, 'outside\n');
    const record = JSON.parse(await readFile(path.join(store, ...record1.split('/')), 'utf8'));
    const sha = await fileSha256(outside);
    record.files.push(
      { path: `../${path.basename(outside)}`, sha256: sha },
      { path: outside, sha256: sha },
      { path: 'workpapers/./../../outside.txt', sha256: sha },
    );
    const signer: Signer = await loadSigner();
    const at = new Date('2026-03-01T11:00:00.000Z');
    const written = await writeSignedRecord(new DirectoryLocker(store), {
      key: 'reports/sample/20260301T110000000Z_2026-02-01_2026-02-03.json',
      value: record,
      at,
      retentionDays: 730,
      signer,
    });
    const { code, doc } = await check(copy, '--record', written.key);
    expect(code).toBe(1);
    expect(doc).toMatchObject({ signature: 'valid', namedBy: '--record', listed: 4, matched: 4 });
    expect(kinds(doc)).toEqual([
      `unsafe-path ../${path.basename(outside)}`,
      `unsafe-path ${outside}`,
      'unsafe-path workpapers/./../../outside.txt',
      // The record given is not the one the workpaper names.
      'other-run workpapers/CC8.1/workpaper.md',
    ]);
    expect(doc.problems.slice(0, 3).every((p) => p.detail.endsWith('; not read'))).toBe(true);
    expect(unsafePath('a/b.md')).toBeUndefined();
    for (const p of ['', '/etc/passwd', 'C:/x', '..', 'a/../b', 'a//b', './a', 'a\\b', 'a\nb'])
      expect(unsafePath(p), JSON.stringify(p)).toBeDefined();
  });

  it('hostile file names stay text: an extra file named with a newline and an escape sequence', async () => {
    const copy = await copyOf(report1);
    const hostile = 'x\n| altered | report.html\u001b[2J.md';
    await writeFile(path.join(copy, 'workpapers', hostile), 'x');
    const run = await runCli(['verify-report', copy, ...base]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('extra    "workpapers/x\\n| altered | report.html\\u001b[2J.md"');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('altered'))).toEqual([]);
    const { doc } = await check(copy);
    expect(kinds(doc)).toEqual([`extra workpapers/${hostile}`]);
  });

  it('a sample --out directory: its record lists its files; a changed samples.csv fails', async () => {
    const { code, doc } = await check(sampled);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ record: sampleRecord, namedBy: 'workpaper.md', listed: 3, matched: 3 });
    const copy = await copyOf(sampled);
    const csv = path.join(copy, 'samples.csv');
    await writeFile(csv, `${await readFile(csv, 'utf8')}\n`);
    const altered = await check(copy);
    expect(altered.code).toBe(1);
    expect(kinds(altered.doc)).toEqual(['altered samples.csv']);
  });

  it('a run record that lists no file (a sample without --out) vouches for nothing', async () => {
    const { code, doc } = await check(sampled, '--record', bareSampleRecord);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual([
      `no-files-listed ${bareSampleRecord}`,
      'extra samples.csv',
      'extra samples.json',
      'extra workpaper.md',
    ]);
  });

  it('report.html naming no record, or a record not in the locker: exit 1', async () => {
    const copy = await copyOf(report1);
    const html = path.join(copy, 'report.html');
    const text = await readFile(html, 'utf8');
    await writeFile(html, text.replace('This run, recorded', 'This run'));
    expect(kinds((await check(copy)).doc)).toEqual(['record-not-named report.html']);
    const missing = 'reports/sample/20300101T000000000Z_2026-02-01_2026-02-03.json';
    await writeFile(html, text.replace(record1, missing));
    const { code, doc } = await check(copy);
    expect(code).toBe(1);
    expect(kinds(doc)).toEqual([`record-missing ${missing}`]);
  });

  it('bad usage exits 2; an unreachable locker exits 3', async () => {
    const usage = async (...argv: string[]) => (await runCli(['verify-report', ...argv, ...base])).code;
    expect(await usage(path.join(dir, 'no-such-dir'))).toBe(2);
    expect(await usage(store)).toBe(2); // not a run output
    expect(await usage(report1, '--record', '../../etc/passwd')).toBe(2);
    expect(await usage(report1, '--fingerprint', 'abc')).toBe(2);
    expect(await usage()).toBe(2);
    const help = await runCli(['verify-report', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: evidence verify-report \[options\] <dir>/);
    expect(help.stdout).toContain('--record <key>');
    const unreachable = await runCli([
      'verify-report',
      report1,
      '--store',
      's3://no-such-bucket-for-verify-report-test',
      '--config',
      base[3]!,
    ]);
    expect(unreachable.code).toBe(3);
  });
});
