/**
 * verifyOutput (`evidence verify-report`) called directly, over run records written by hand into a
 * directory locker: the cases the CLI test does not stage, each written for a mutant that
 * survived `npm run mutation -- --mutate shared/report/verify-output.ts` (docs/threat-model.md,
 * "The signature with the leaf and verify-report"). Every test tries to make it pass, or name
 * the wrong thing, for files that are not what the signed record lists.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { fileSigner, type Signer, type TrustedKeys } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import type { Locker } from '../../shared/locker/types.js';
import { unsafePath, verifyOutput } from '../../shared/report/verify-output.js';

const RETAIN = new Date('2030-01-01T00:00:00.000Z');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const keyAt = (n: number) =>
  `reports/sample/20260301T1000000${String(n).padStart(2, '0')}Z_2026-02-01_2026-02-03.json`;
const atOf = (n: number) => new Date(`2026-03-01T10:00:00.0${String(n).padStart(2, '0')}Z`);
const workpaper = (key: string) =>
  `# Workpaper\n\n| | |\n|---|---|\n| Run recorded in the locker | \`${key}\` |\n`;

describe('verifyOutput: the record, its signature and every file', () => {
  let base: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let trusted: TrustedKeys;
  let n = 0;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'verify-output-'));
    locker = new DirectoryLocker(path.join(base, 'locker'));
    signer = await fileSigner(path.join(base, 'key.pem'), { create: true });
    trusted = new Map([
      [
        signer.fingerprint,
        { fingerprint: signer.fingerprint, key: createPublicKey(signer.publicKeyPem()), source: 'test' },
      ],
    ]);
  });

  /** A directory holding `files`, and a signed run record listing `listed` (default: every file, as written). */
  async function run(
    files: Record<string, string>,
    options: { listed?: { path: string; sha256: string }[]; value?: Record<string, unknown> } = {},
  ): Promise<{ dir: string; key: string }> {
    n++;
    const key = keyAt(n);
    const dir = await mkdtemp(path.join(base, 'out-'));
    for (const [rel, text] of Object.entries(files)) {
      const file = path.join(dir, ...rel.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text.replaceAll('$KEY', key));
    }
    const listed =
      options.listed ??
      Object.entries(files).map(([rel, text]) => ({ path: rel, sha256: sha(text.replaceAll('$KEY', key)) }));
    await writeSignedRecord(locker, {
      key,
      value: {
        schema: 'evidence.sample-run/1',
        ranAt: '2026-03-01T10:00:00.000Z',
        from: '2026-02-01',
        to: '2026-02-03',
        subject: 'report',
        files: listed,
        ...options.value,
      },
      at: atOf(n),
      retentionDays: 730,
      signer,
    });
    return { dir, key };
  }

  it('a clean run: ok, with the run the record describes; a run field that is not text is empty', async () => {
    const clean = await run({ 'workpaper.md': workpaper('$KEY') });
    const result = await verifyOutput({ dir: clean.dir, locker, trusted });
    expect(result).toMatchObject({
      ok: true,
      record: clean.key,
      namedBy: 'workpaper.md',
      listed: 1,
      matched: 1,
    });
    expect(result.run).toEqual({
      ranAt: '2026-03-01T10:00:00.000Z',
      from: '2026-02-01',
      to: '2026-02-03',
      subject: 'report',
    });
    // A population sample's record is read the same way.
    const population = await run(
      { 'workpaper.md': workpaper('$KEY') },
      { value: { schema: 'evidence.population-sample-run/1' } },
    );
    expect(await verifyOutput({ dir: population.dir, locker, trusted })).toMatchObject({
      ok: true,
      matched: 1,
    });
    const odd = await run({ 'workpaper.md': workpaper('$KEY') }, { value: { ranAt: 5, subject: null } });
    expect((await verifyOutput({ dir: odd.dir, locker, trusted })).run).toEqual({
      ranAt: '',
      from: '2026-02-01',
      to: '2026-02-03',
      subject: '',
    });
  });

  it('a record that cannot be read: record-unreadable, saying why, and no file judged', async () => {
    const dir = await mkdtemp(path.join(base, 'out-'));
    await writeFile(path.join(dir, 'workpaper.md'), 'x');
    const hex = 'a'.repeat(64);
    const cases: [string, string][] = [
      ['not json', 'the run record is not JSON'],
      ['null', 'the run record is not a JSON object'],
      ['"text"', 'the run record is not a JSON object'],
      [
        '{"schema":"evidence.sample/1"}',
        'the record\'s schema is "evidence.sample/1", not evidence.sample-run/1 (a day sample or a report) or evidence.population-sample-run/1 (a population sample)',
      ],
      ['{"schema":"evidence.sample-run/1","files":{}}', 'the record’s `files` is not a list'],
    ];
    for (const entry of [
      null,
      'workpaper.md',
      { path: 1, sha256: hex },
      { path: 'workpaper.md' },
      { path: 'workpaper.md', sha256: hex.toUpperCase() },
      { path: 'workpaper.md', sha256: `x${hex}` },
      { path: 'workpaper.md', sha256: `${hex}x` },
    ])
      cases.push([
        JSON.stringify({ schema: 'evidence.sample-run/1', files: [entry] }),
        `the record’s \`files\` holds ${JSON.stringify(entry)}: expected { "path", "sha256" (64 hex digits) }`,
      ]);
    for (const [text, detail] of cases) {
      n++;
      await locker.put(keyAt(n), Buffer.from(text), { retainUntil: RETAIN });
      const result = await verifyOutput({ dir, locker, trusted, record: keyAt(n) });
      expect(result.problems, text).toEqual([
        {
          problem: 'unsigned',
          file: keyAt(n),
          detail: `the run record has no signature (${keyAt(n)}.sig): anyone could have written it`,
        },
        { problem: 'record-unreadable', file: keyAt(n), detail },
      ]);
      expect(result.listed).toBe(0);
    }
  });

  it('a signature by another key: bad-signature; the same key published in the locker: untrusted-key, named', async () => {
    n++;
    const key = keyAt(n);
    const dir = await mkdtemp(path.join(base, 'out-'));
    const body = canonicalBytes({ schema: 'evidence.sample-run/1', files: [] });
    await locker.put(key, body, { retainUntil: RETAIN });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await locker.put(`${key}.sig`, sign('sha256', body, other.privateKey), { retainUntil: RETAIN });
    const bad = await verifyOutput({ dir, locker, trusted, record: key });
    expect(bad.signature).toBe('bad-signature');
    expect(bad.problems[0]).toEqual({
      problem: 'bad-signature',
      file: key,
      detail: 'the run record or its signature was altered: no trusted key verifies it',
    });
    const pem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const fingerprint = createHash('sha256')
      .update(other.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    await locker.put(`keys/${fingerprint}.pem`, Buffer.from(pem), { retainUntil: RETAIN });
    const untrusted = await verifyOutput({ dir, locker, trusted, record: key });
    expect(untrusted).toMatchObject({ signature: 'untrusted-key', fingerprint });
    expect(untrusted.problems[0]).toEqual({
      problem: 'untrusted-key',
      file: key,
      detail: `the run record is signed by key ${fingerprint}, which is not trusted (not the configured key, the key file or a pinned fingerprint)`,
    });
  });

  it('an I/O error reading the record or its signature is thrown, never taken as missing or unsigned', async () => {
    const clean = await run({ 'workpaper.md': workpaper('$KEY') });
    const failing = (suffix: string): Locker =>
      Object.assign(Object.create(locker) as DirectoryLocker, {
        get: async (key: string) => {
          if (key.endsWith(suffix)) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
          return locker.get(key);
        },
      });
    await expect(verifyOutput({ dir: clean.dir, locker: failing('.json'), trusted })).rejects.toThrow('EIO');
    await expect(verifyOutput({ dir: clean.dir, locker: failing('.sig'), trusted })).rejects.toThrow('EIO');
  });

  it('a record not in the locker, a namer naming no run record key, or naming it past the header: named, never read', async () => {
    const dir = await mkdtemp(path.join(base, 'out-'));
    await writeFile(path.join(dir, 'workpaper.md'), workpaper(keyAt(99)));
    expect((await verifyOutput({ dir, locker, trusted })).problems).toEqual([
      {
        problem: 'record-missing',
        file: keyAt(99),
        detail: `the run record is not in the locker ${locker.url}: nothing vouches for these files`,
      },
    ]);
    const clean = await run({ 'workpaper.md': workpaper('$KEY') });
    await writeFile(path.join(clean.dir, 'workpaper.md'), workpaper('snapshots/2026-02-01/x.json'));
    expect((await verifyOutput({ dir: clean.dir, locker, trusted })).problems).toEqual([
      {
        problem: 'record-not-named',
        file: 'workpaper.md',
        detail: 'workpaper.md names "snapshots/2026-02-01/x.json", which is not a run record key',
      },
    ]);
    // report.html names its run in its header: a row after the first 64 KiB names nothing.
    const late = await run({
      'report.html': `<html>${' '.repeat(70 * 1024)}<th>This run, recorded</th><td><code>$KEY</code></td></html>`,
    });
    const result = await verifyOutput({ dir: late.dir, locker, trusted });
    expect(result.problems).toEqual([
      {
        problem: 'record-not-named',
        file: 'report.html',
        detail:
          'report.html names no run record where a report or day sample names it: altered, or not tied to files by its run (one written before runs recorded their files)',
      },
    ]);
    expect(result.ok).toBe(false);
  });

  it('a path listed twice, a path under a file, a directory on the way that is a link: problems, nothing read outside', async () => {
    const twice = await run(
      { 'workpaper.md': workpaper('$KEY') },
      {
        listed: [
          { path: 'workpaper.md', sha256: sha(workpaper(keyAt(n + 1))) },
          { path: 'workpaper.md', sha256: sha(workpaper(keyAt(n + 1))) },
          { path: 'workpaper.md/inside.txt', sha256: sha('x') },
        ],
      },
    );
    const result = await verifyOutput({ dir: twice.dir, locker, trusted });
    expect(result.problems).toEqual([
      { problem: 'unsafe-path', file: 'workpaper.md', detail: 'listed twice in the run record' },
      {
        problem: 'missing',
        file: 'workpaper.md/inside.txt',
        detail: 'listed in the run record, not in the directory',
      },
    ]);
    expect(result).toMatchObject({ listed: 2, matched: 1 });

    // sub/ replaced by a link to a directory elsewhere holding the very same bytes.
    const linked = await run({ 'workpaper.md': workpaper('$KEY'), 'sub/a.txt': 'a' });
    const elsewhere = await mkdtemp(path.join(base, 'elsewhere-'));
    await writeFile(path.join(elsewhere, 'a.txt'), 'a');
    await rm(path.join(linked.dir, 'sub'), { recursive: true });
    await symlink(elsewhere, path.join(linked.dir, 'sub'));
    expect((await verifyOutput({ dir: linked.dir, locker, trusted })).problems).toEqual([
      {
        problem: 'not-a-file',
        file: 'sub/a.txt',
        detail: 'not a regular file inside the directory (a link or a directory); not read',
      },
      {
        problem: 'extra',
        file: 'sub',
        detail: 'not in the run record: the run did not write it (check a copy holding only the run’s files)',
      },
    ]);
  });

  it('every listed workpaper.md (the top one too) must name this run; other files, and a workpaper naming none, are not asked', async () => {
    const other = keyAt(98);
    const r = await run({
      'samples.csv': workpaper(other),
      'workpapers/CC6.1/workpaper.md': '# no run named here\n',
      'workpaper.md': workpaper(other),
    });
    const result = await verifyOutput({ dir: r.dir, locker, trusted, record: r.key });
    expect(result.problems).toEqual([
      { problem: 'other-run', file: 'workpaper.md', detail: `names the run ${other}, not ${r.key}` },
    ]);
    expect(result.matched).toBe(3);
  });

  it("a workpaper's run is its header row's, at the start of a line: the same words quoted before it name nothing", async () => {
    const other = keyAt(97);
    const r = await run({
      'workpaper.md': `> | Run recorded in the locker | \`$KEY\` |\n\n${workpaper(other)}`,
    });
    expect((await verifyOutput({ dir: r.dir, locker, trusted, record: r.key })).problems).toEqual([
      { problem: 'other-run', file: 'workpaper.md', detail: `names the run ${other}, not ${r.key}` },
    ]);
  });

  it('a record listing no file vouches for nothing; a directory that is not one is a usage error', async () => {
    const empty = await run({ 'workpaper.md': workpaper('$KEY') }, { listed: [] });
    expect((await verifyOutput({ dir: empty.dir, locker, trusted })).problems[0]).toEqual({
      problem: 'no-files-listed',
      file: empty.key,
      detail:
        'the run record lists no file (a sample run without --out, or a run recorded before runs listed their files): these files cannot be tied to it',
    });
    const file = path.join(empty.dir, 'workpaper.md');
    await expect(verifyOutput({ dir: file, locker, trusted, record: empty.key })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(verifyOutput({ dir: file, locker, trusted, record: empty.key })).rejects.toThrow(
      `${file}: not a directory; name a report's --out directory`,
    );
  });

  it('unsafePath says why; a colon inside a name is no drive letter', () => {
    expect(unsafePath('')).toBe('an empty path');
    expect(unsafePath('/etc/passwd')).toBe('an absolute path');
    expect(unsafePath('C:x')).toBe('an absolute path');
    expect(unsafePath('a\\b')).toBe('a control character or backslash in the path');
    expect(unsafePath('a/')).toBe('a path that leaves the directory or has an empty, "." or ".." segment');
    expect(unsafePath('a/b:c.md')).toBeUndefined();
  });
});
