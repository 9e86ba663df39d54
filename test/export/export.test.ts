/**
 * The signed export: the seed's own Python chain check and openssl accept it unchanged, and
 * verify-export names each kind of tampering (a changed byte, a removed line, a swapped
 * signature).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { seal } from '../../shared/evidence/digest.js';
import { fileSigner, type Signer } from '../../shared/evidence/signing.js';
import { chainRecords, checkChain, pythonJson } from '../../shared/export/chain.js';
import { exportEvidence } from '../../shared/export/export.js';
import { verifyExport } from '../../shared/export/verify-export.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { listAll } from '../../shared/locker/types.js';
import { writeSampleRun } from '../../shared/sample/record.js';
import { emptyPopulationRun, writeFake } from '../sample/fakes.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'seeds');
const SEED_NAME = 'flag-audit-soc2_2026-01-01_2026-06-30.jsonl';

async function testSigner(): Promise<Signer> {
  return fileSigner(path.join(await mkdtemp(path.join(tmpdir(), 'key-')), 'signing-key.pem'), {
    create: true,
  });
}

/** Run the seed's chain check, unchanged, on a copy of evidence.jsonl under the name it opens. */
async function seedChainCheck(exportDir: string) {
  const work = await mkdtemp(path.join(tmpdir(), 'seed-check-'));
  await copyFile(path.join(exportDir, 'evidence.jsonl'), path.join(work, SEED_NAME));
  return spawnSync('python3', [path.join(FIXTURES, 'chain_check.py')], { cwd: work, encoding: 'utf8' });
}

/** Run the seed's openssl command, unchanged, on copies under the names it uses. */
async function seedSignatureCheck(exportDir: string) {
  const work = await mkdtemp(path.join(tmpdir(), 'seed-sig-'));
  await copyFile(path.join(exportDir, 'evidence.jsonl'), path.join(work, SEED_NAME));
  await copyFile(path.join(exportDir, 'evidence.jsonl.sig'), path.join(work, `${SEED_NAME}.sig`));
  await copyFile(path.join(exportDir, 'evidence-public.pem'), path.join(work, 'audit-public.pem'));
  return execFileSync('sh', [path.join(FIXTURES, 'verify_signature.sh')], { cwd: work, encoding: 'utf8' });
}

describe('pythonJson', () => {
  it('writes what json.dumps(sort_keys=True, separators=(",", ":")) writes, non-ASCII escaped', () => {
    const value = { b: 'Zoë "x" \\ \n\t\u0001\u007f😀', a: [1, null, true], c: { z: 0, y: 'é' } };
    const python = execFileSync(
      'python3',
      [
        '-c',
        'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True, separators=(",",":")), end="")',
      ],
      { input: JSON.stringify(value), encoding: 'utf8' },
    );
    expect(pythonJson(value)).toBe(python);
  });

  it('checkChain finds an edited line and a removed line', () => {
    const { lines } = chainRecords([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(checkChain(lines.join('')).breaks).toEqual([]);
    const edited = [lines[0], lines[1]!.replace('"n":2', '"n":5'), lines[2]].join('');
    expect(checkChain(edited).breaks.map((b) => [b.line, b.problem])).toEqual([[2, 'hash-mismatch']]);
    const removed = [lines[0], lines[2]].join('');
    expect(checkChain(removed).breaks.map((b) => [b.line, b.problem])).toEqual([[2, 'prev-hash-mismatch']]);
  });
});

describe('evidence export', () => {
  let root: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let out: string;
  let trusted: Map<string, string>;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'export-'));
    locker = new DirectoryLocker(path.join(root, 'locker'));
    // One key signs the digests (seal) and the export, as on one operator's machine.
    signer = await testSigner();
    for (const day of ['2026-02-01', '2026-02-02', '2026-02-03']) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      await writeFake(locker, 'github-beta', `${day}T00:04:00.000Z`, [{ name: 'wëb', protected: false }]);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730, signer });
    }
    trusted = new Map([[signer.fingerprint, '--fingerprint']]);
    out = path.join(root, 'export');
    await exportEvidence({
      locker,
      from: '2026-02-01',
      to: '2026-02-03',
      out,
      signer,
      clock: fixedClock('2026-02-10T00:00:00Z'),
    });
  });

  it("passes the seed's Python chain check and its openssl command unchanged, and verify-export", async () => {
    const py = await seedChainCheck(out);
    expect(py.stderr).toBe('');
    expect(py.stdout).toBe('Chain intact: 6 records, no tampering detected.\n');
    expect(await seedSignatureCheck(out)).toBe('Verified OK\nSignature valid\n');
    expect(
      execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }),
    ).toBe('');
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({
      ok: true,
      records: 6,
      window: { from: '2026-02-01', to: '2026-02-03' },
      digests: 3,
    });
    const lines = (await readFile(path.join(out, 'evidence.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.collectedAt)).toEqual([...lines.map((l) => l.collectedAt)].sort());
    expect(lines[0]).toMatchObject({
      seq: 1,
      key: 'snapshots/2026-02-01/fakerepos/github-beta/20260201T000400000Z-run000000001.json',
      series: 'fakerepos/github-beta',
      day: '2026-02-01',
      collectedAt: '2026-02-01T00:04:00.000Z',
      status: 'ok',
      versionId: null,
      prev_hash: '0'.repeat(64),
    });
    expect(lines[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[0].digest).toMatch(/^digests\/2026-02-01\//);
  });

  it('refuses to write into a directory that is not empty', async () => {
    await expect(
      exportEvidence({
        locker,
        from: '2026-02-01',
        to: '2026-02-03',
        out,
        signer,
        clock: fixedClock('2026-02-10T00:00:00Z'),
      }),
    ).rejects.toThrow(/not empty/);
  });

  it('without a pinned fingerprint the export is not accepted', async () => {
    const result = await verifyExport({ dir: out, trusted: new Map() });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.problem)).toEqual(['key-not-pinned']);
  });

  it('a changed byte in a snapshot is named', async () => {
    const file = path.join(
      out,
      'locker',
      'snapshots',
      '2026-02-02',
      'fakerepos',
      'github-acme',
      '20260202T000500000Z-run000000001.json',
    );
    const body = await readFile(file, 'utf8');
    await chmod(file, 0o644);
    await writeFile(file, body.replace('"protected":true', '"protected":fals'));
    const result = await verifyExport({ dir: out, trusted });
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        problem: 'altered-file',
        file: 'locker/snapshots/2026-02-02/fakerepos/github-acme/20260202T000500000Z-run000000001.json',
      }),
    );
  });

  it('a changed byte in evidence.jsonl is named by line, and the seed check catches it', async () => {
    const file = path.join(out, 'evidence.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"status":"ok"', '"status":"OK"');
    await writeFile(file, lines.join('\n'));
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'chain-break', file: 'evidence.jsonl', line: 3 }),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'bad-signature', file: 'evidence.jsonl' }),
    );
    const py = await seedChainCheck(out);
    expect(py.status).toBe(1);
    expect(py.stderr).toContain('Tamper detected at record 3');
  });

  it('a removed line is named: the chain, the digest that sealed it, the snapshot without a line', async () => {
    const file = path.join(out, 'evidence.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const removed = JSON.parse(lines[3]!);
    lines.splice(3, 1);
    await writeFile(file, lines.join('\n'));
    const result = await verifyExport({ dir: out, trusted });
    const kinds = result.problems.map((p) => p.problem);
    expect(kinds).toContain('bad-signature');
    expect(result.problems).toContainEqual(expect.objectContaining({ problem: 'chain-break', line: 4 }));
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'removed-record', detail: expect.stringContaining(removed.key) }),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'extra-snapshot', file: `locker/${removed.key}` }),
    );
    const py = await seedChainCheck(out);
    expect(py.stderr).toContain('Chain break at record 4');
  });

  it('removing the last line keeps the seed chain intact, but verify-export names it', async () => {
    const file = path.join(out, 'evidence.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const last = JSON.parse(lines.pop()!);
    await writeFile(file, `${lines.join('\n')}\n`);
    expect((await seedChainCheck(out)).status).toBe(0);
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'bad-signature', file: 'evidence.jsonl' }),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'removed-record', detail: expect.stringContaining(last.key) }),
    );
  });

  it('a swapped signature is named, and openssl refuses it', async () => {
    await rename(path.join(out, 'evidence.jsonl.sig'), path.join(out, 'tmp.sig'));
    await rename(path.join(out, 'SHA256SUMS.sig'), path.join(out, 'evidence.jsonl.sig'));
    await rename(path.join(out, 'tmp.sig'), path.join(out, 'SHA256SUMS.sig'));
    const result = await verifyExport({ dir: out, trusted });
    expect(
      result.problems
        .filter((p) => p.problem === 'bad-signature')
        .map((p) => p.file)
        .sort(),
    ).toEqual(['SHA256SUMS', 'evidence.jsonl']);
    expect(await seedSignatureCheck(out)).toContain('FAIL: signature mismatch');
  });

  it("a digest without its signature, or with another digest's, is named", async () => {
    const { readdirSync } = await import('node:fs');
    const sigOf = (day: string) => {
      const name = readdirSync(path.join(out, 'locker', 'digests', day)).find((f) =>
        f.endsWith('.json.sig'),
      )!;
      return path.join(out, 'locker', 'digests', day, name);
    };
    await unlink(sigOf('2026-02-01'));
    await copyFile(sigOf('2026-02-03'), sigOf('2026-02-02').replace('.sig', '.tmp'));
    await unlink(sigOf('2026-02-02'));
    const target = readdirSync(path.join(out, 'locker', 'digests', '2026-02-02')).find((f) =>
      f.endsWith('.tmp'),
    )!;
    await rename(
      path.join(out, 'locker', 'digests', '2026-02-02', target),
      path.join(out, 'locker', 'digests', '2026-02-02', target.replace('.tmp', '.sig')),
    );
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        problem: 'unsigned',
        file: expect.stringMatching(/^locker\/digests\/2026-02-01\/.*\.json$/),
      }),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        problem: 'bad-signature',
        file: expect.stringMatching(/^locker\/digests\/2026-02-02\/.*\.json$/),
      }),
    );
  });

  it('a signature by another key is named as untrusted', async () => {
    const other = await testSigner();
    const result = await verifyExport({ dir: out, trusted: new Map([[other.fingerprint, '--fingerprint']]) });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'untrusted-key', file: 'evidence-public.pem' }),
    );
  });

  it('a file added to the export, or removed from it, is named', async () => {
    await writeFile(path.join(out, 'locker', 'extra.json'), '{}');
    await unlink(
      path.join(
        out,
        'locker',
        'digests',
        '2026-02-03',
        (await import('node:fs')).readdirSync(path.join(out, 'locker', 'digests', '2026-02-03'))[0]!,
      ),
    );
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'unlisted-file', file: 'locker/extra.json' }),
    );
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        problem: 'missing-file',
        file: expect.stringMatching(/^locker\/digests\/2026-02-03\//),
      }),
    );
  });

  it('a snapshot altered in the locker after sealing is exported as found and named', async () => {
    const key = 'snapshots/2026-02-02/fakerepos/github-acme/20260202T000500000Z-run000000001.json';
    const file = path.join(locker.url, ...key.split('/'));
    await chmod(file, 0o644);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"protected":true', '"protected":fals'));
    const again = path.join(root, 'export2');
    await exportEvidence({
      locker,
      from: '2026-02-01',
      to: '2026-02-03',
      out: again,
      signer,
      clock: fixedClock('2026-02-10T00:00:00Z'),
    });
    const result = await verifyExport({ dir: again, trusted });
    expect(result.problems).toEqual([
      expect.objectContaining({ problem: 'record-mismatch', file: `locker/${key}` }),
    ]);
  });

  it('sample-run records (population and day) travel signed; one altered or unsigned in the locker is named', async () => {
    const record = (seed: string) => emptyPopulationRun(locker.url, seed);
    const a = await writeSampleRun(locker, record('s1'), 730, signer);
    const b = await writeSampleRun(locker, record('s2'), 730, signer);
    const exportTo = async (name: string) => {
      const dir = path.join(root, name);
      await exportEvidence({
        locker,
        from: '2026-02-01',
        to: '2026-02-03',
        out: dir,
        signer,
        clock: fixedClock('2026-02-10T00:00:00Z'),
      });
      return verifyExport({ dir, trusted });
    };
    const clean = await exportTo('export-clean');
    expect(clean.problems).toEqual([]);
    // The forger edits one record (keeping its signature) and drops the other's signature.
    const fileA = path.join(locker.url, ...a.key.split('/'));
    await chmod(fileA, 0o644);
    await writeFile(fileA, (await readFile(fileA, 'utf8')).replace(/"seed": ?"s1"/, '"seed":"s9"'));
    const sigB = path.join(locker.url, ...`${b.key}.sig`.split('/'));
    await chmod(sigB, 0o644);
    await unlink(sigB);
    const result = await verifyExport({ dir: path.join(root, 'export-clean'), trusted });
    expect(result.problems).toEqual([]); // the export already made is unaffected
    const tampered = await exportTo('export-tampered');
    expect(tampered.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ problem: 'bad-signature', file: `locker/${a.key}` }),
        expect.objectContaining({ problem: 'unsigned', file: `locker/${b.key}` }),
      ]),
    );
    expect(tampered.problems).toHaveLength(2);
  });
});

describe('evidence export of the digest form that scales (locker.digestForm 3)', () => {
  let root: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let trusted: Map<string, string>;
  const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03'];
  const exportTo = async (name: string) => {
    const out = path.join(root, name);
    await exportEvidence({
      locker,
      from: DAYS[0]!,
      to: DAYS.at(-1)!,
      out,
      signer,
      clock: fixedClock('2026-02-10T00:00:00Z'),
    });
    return out;
  };
  const leafFiles = (out: string) =>
    execFileSync('find', ['locker/leaves', '-name', '*.json'], { cwd: out, encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'export-leaves-'));
    locker = new DirectoryLocker(path.join(root, 'locker'));
    signer = await testSigner();
    trusted = new Map([[signer.fingerprint, '--fingerprint']]);
    // The first day in the old form, the others in the new: one chain holding both.
    for (const day of DAYS) {
      await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      await writeFake(locker, 'github-beta', `${day}T00:04:00.000Z`);
      await seal(locker, {
        day,
        clock: fixedClock(`${day}T23:00:00.000Z`),
        retentionDays: 730,
        signer,
        form: day === DAYS[0] ? 2 : 3,
      });
    }
  });

  it('carries every leaf its roots name, with its signature; each record names its root and leaf; verify-export passes', async () => {
    const out = await exportTo('export');
    // Two scopes of one collector, not AWS: a shard each, so two leaves a day for two days.
    expect(leafFiles(out)).toHaveLength(4);
    for (const leaf of leafFiles(out))
      expect(
        execFileSync(
          'openssl',
          ['dgst', '-sha256', '-verify', 'evidence-public.pem', '-signature', `${leaf}.sig`, leaf],
          { cwd: out, encoding: 'utf8' },
        ),
      ).toBe('Verified OK\n');
    const lines = (await readFile(path.join(out, 'evidence.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.day === DAYS[0]).map((l) => l.leaf)).toEqual([null, null]);
    for (const l of lines.filter((x) => x.day !== DAYS[0])) {
      expect(l.leaf).toMatch(new RegExp(`^leaves/${l.day}/\\d{8}T\\d{9}Z/fakerepos/[0-9a-f]{2}\\.json$`));
      expect(l.digest).toMatch(new RegExp(`^digests/${l.day}/`));
      // The auditor's two steps: the snapshot's SHA-256 is in its leaf, the leaf's in its root.
      const leafText = await readFile(path.join(out, 'locker', l.leaf), 'utf8');
      expect(leafText).toContain(`"key":"${l.key}"`);
      expect(leafText).toMatch(new RegExp(`"key":"${l.key}"[^}]*"sha256":"${l.sha256}"`));
      const leafSha = sha256Hex(await readFile(path.join(out, 'locker', l.leaf)));
      expect(await readFile(path.join(out, 'locker', l.digest), 'utf8')).toContain(
        `"key":"${l.leaf}","sha256":"${leafSha}"`,
      );
    }
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, records: 6, digests: 3 });
  });

  it('a leaf altered, missing, unsigned or signed by another key in the locker is named, and its snapshots are not shown sealed', async () => {
    const leaves = (await listAll(locker, 'leaves/')).map((o) => o.key).filter((k) => k.endsWith('.json'));
    expect(leaves).toHaveLength(4);
    const [altered, deleted, unsigned, resigned] = leaves.sort() as [string, string, string, string];
    const onDisk = (key: string) => path.join(locker.url, ...key.split('/'));
    await chmod(onDisk(altered), 0o644);
    await writeFile(onDisk(altered), (await readFile(onDisk(altered), 'utf8')).replace('"day"', '"day" '));
    await chmod(onDisk(deleted), 0o644);
    await unlink(onDisk(deleted));
    await chmod(onDisk(`${unsigned}.sig`), 0o644);
    await unlink(onDisk(`${unsigned}.sig`));
    const other = await testSigner();
    await chmod(onDisk(`${resigned}.sig`), 0o644);
    await writeFile(onDisk(`${resigned}.sig`), await other.sign(await readFile(onDisk(resigned))));
    const out = await exportTo('export-tampered');
    const result = await verifyExport({ dir: out, trusted });
    const named = result.problems.map((p) => `${p.problem} ${p.file}`);
    expect(named).toEqual(
      expect.arrayContaining([
        `record-mismatch locker/${altered}`,
        `missing-file locker/${deleted}`,
        `unsigned locker/${unsigned}`,
        // Its `.sig` is not the signature its metadata holds: the export holds none.
        `unsigned locker/${resigned}`,
      ]),
    );
    // The snapshots of the altered and the deleted leaf have no sealing entry in the export.
    expect(result.problems.filter((p) => p.problem === 'not-sealed').length).toBe(2);
    expect(result.ok).toBe(false);
  });

  it('leaves carry their signature in their metadata: the export writes it as <leaf>.sig (one read a leaf); one altered there is named by verify-export, and leaves sealed before (`.sig` only) export as before', async () => {
    const leaves = (await listAll(locker, 'leaves/')).map((o) => o.key).filter((k) => k.endsWith('.json'));
    const [altered, before] = leaves.sort() as [string, string];
    const meta = (key: string) => path.join(locker.url, '.meta', ...key.split('/'));
    const other = await testSigner();
    await chmod(meta(altered), 0o644);
    await writeFile(
      meta(altered),
      JSON.stringify({
        'evidence-signature': Buffer.from(
          await other.sign(await readFile(path.join(locker.url, ...altered.split('/')))),
        ).toString('base64'),
      }),
    );
    await chmod(meta(before), 0o644);
    await unlink(meta(before));
    const out = await exportTo('export-meta');
    // The leaf sealed before: its `.sig`, copied. The altered one: its metadata and its `.sig`
    // disagree, so no signature is exported for it, and verify-export fails on it.
    expect(await readFile(path.join(out, 'locker', `${before}.sig`))).toEqual(
      await readFile(path.join(locker.url, ...`${before}.sig`.split('/'))),
    );
    let result = await verifyExport({ dir: out, trusted });
    expect(result.problems.map((p) => `${p.problem} ${p.file}`)).toEqual([`unsigned locker/${altered}`]);
    expect(result.ok).toBe(false);
    // Altered in both places alike (the directory cannot tell): exported, and a bad signature.
    await chmod(path.join(locker.url, ...`${altered}.sig`.split('/')), 0o644);
    await writeFile(
      path.join(locker.url, ...`${altered}.sig`.split('/')),
      Buffer.from(JSON.parse(await readFile(meta(altered), 'utf8'))['evidence-signature'], 'base64'),
    );
    result = await verifyExport({ dir: await exportTo('export-meta-2'), trusted });
    expect(result.problems.map((p) => `${p.problem} ${p.file}`)).toEqual([`bad-signature locker/${altered}`]);
  });

  it('a record that names another leaf than the one that lists it is named (re-signed export)', async () => {
    const out = await exportTo('export');
    const file = path.join(out, 'evidence.jsonl');
    const records = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const a = records.findIndex((r) => r.leaf);
    const b = records.findIndex((r, i) => i !== a && r.leaf && r.leaf !== records[a].leaf);
    records[a].leaf = records[b].leaf;
    const { lines } = chainRecords(records.map(({ hash: _h, prev_hash: _p, ...r }) => r));
    await writeFile(file, lines.join(''));
    const result = await verifyExport({ dir: out, trusted });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'record-mismatch', line: a + 1 }),
    );
  });
});
