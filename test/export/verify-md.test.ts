/**
 * VERIFY.md's steps run as written: every ```bash block of a fresh export's VERIFY.md is
 * executed with bash (openssl, sha256sum, coreutils, grep, python3) in the export directory and
 * passes; each changed byte (a snapshot, a leaf, a digest, a sample run's record, a line of
 * evidence.jsonl), a missing expected day, and a wrong fingerprint make the block that covers it
 * fail. The locker holds both digest forms (the old, then the form that scales).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { describeConfiguration } from '../../shared/evidence/records.js';
import { fileSigner, type Signer, toPublicKey } from '../../shared/evidence/signing.js';
import { exportEvidence } from '../../shared/export/export.js';
import { verifyExport } from '../../shared/export/verify-export.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { writeSampleRun } from '../../shared/sample/record.js';
import { verify } from '../../shared/verify/verify.js';
import {
  acknowledgeMissedDay,
  emptyPopulationRun,
  fakeCollector,
  fakeConfig,
  writeFake,
} from '../sample/fakes.js';

const DAYS = ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04'];
const FROM = DAYS[0]!;
const TO = DAYS.at(-1)!;

/** The ```bash blocks of a Markdown document, in order, with the heading above each. */
function bashBlocks(markdown: string): { step: string; code: string }[] {
  const out: { step: string; code: string }[] = [];
  let step = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) step = line.slice(3);
    if (line !== '```bash') continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ step, code: body.join('\n') });
  }
  return out;
}

function runBlock(dir: string, code: string, fingerprint: string) {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', code], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, FINGERPRINT: fingerprint, LC_ALL: 'C' },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("VERIFY.md's steps, run as written", () => {
  let root: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let fresh: string;
  let blocks: { step: string; code: string }[];
  const config = { ...fakeConfig, auditPeriod: { start: FROM } };

  async function exportTo(name: string): Promise<string> {
    const out = path.join(root, name);
    const trusted = new Map([
      [
        signer.fingerprint,
        { fingerprint: signer.fingerprint, key: toPublicKey(signer.publicKeyPem()), source: 'test' },
      ],
    ]);
    const { body, ...configuration } = describeConfiguration(config);
    const verification = await verify({
      locker,
      config,
      from: FROM,
      to: TO,
      clock: fixedClock('2026-02-10T00:00:00.000Z'),
      collectors: [fakeCollector],
      trusted,
      configuration,
    });
    await exportEvidence({
      locker,
      from: FROM,
      to: TO,
      out,
      signer,
      trusted,
      verification,
      configuration: { key: configuration.key, body },
      clock: fixedClock('2026-02-10T00:00:00.000Z'),
    });
    return out;
  }

  /** A copy of the fresh export to tamper with. */
  function copy(name: string): string {
    const to = path.join(root, name);
    cpSync(fresh, to, { recursive: true });
    return to;
  }

  async function changeByte(file: string, from: string, to: string) {
    await chmod(file, 0o644);
    const text = await readFile(file, 'utf8');
    expect(text).toContain(from);
    await writeFile(file, text.replace(from, to));
  }

  const find = (dir: string, sub: string, suffix = '.json') => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)],
      );
    return walk(path.join(dir, 'locker', sub))
      .filter((f) => f.endsWith(suffix))
      .sort();
  };

  const failing = (dir: string, fingerprint = signer.fingerprint) =>
    blocks.filter((b) => runBlock(dir, b.code, fingerprint).status !== 0).map((b) => b.step.split('.')[0]);

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'verify-md-'));
    locker = new DirectoryLocker(path.join(root, 'locker'));
    signer = await fileSigner(path.join(root, 'keys', 'signing-key.pem'), { create: true });
    for (const day of DAYS) {
      // 2026-02-03: the collection did not run; acknowledged the next day, sealed with that day.
      if (day !== '2026-02-03') await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`);
      if (day === '2026-02-04')
        await acknowledgeMissedDay(locker, '2026-02-03', 'GitHub outage <INC-7>', signer);
      await seal(locker, {
        day,
        clock: fixedClock(`${day}T23:00:00.000Z`),
        retentionDays: 730,
        signer,
        form: day < '2026-02-03' ? 2 : 3,
      });
    }
    await writeSampleRun(locker, emptyPopulationRun(locker.url, 's1', { from: FROM, to: TO }), 730, signer);
    fresh = await exportTo('fresh');
    blocks = bashBlocks(await readFile(path.join(fresh, 'VERIFY.md'), 'utf8'));
  });

  it('covers every step with a block, and each passes on a fresh export', async () => {
    expect(blocks.map((b) => b.step.split('.')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    for (const b of blocks) {
      const r = runBlock(fresh, b.code, signer.fingerprint);
      expect(r.status, `${b.step}\n${r.out}`).toBe(0);
    }
    const out = (n: number) => runBlock(fresh, blocks[n - 1]!.code, signer.fingerprint).out;
    expect(out(2)).toBe('Verified OK\nVerified OK\n');
    expect(out(5)).toContain('3 record(s) checked against their snapshots and digests');
    expect(out(6)).toMatch(/(\d+) signed file\(s\) checked/);
    // Four digests and two leaves (days 3 and 4 in the form that scales), the acknowledgement, the sample run.
    expect(Number(/(\d+) signed file/.exec(out(6))![1])).toBe(4 + 1 + 1 + 1);
    expect(out(8)).toContain('4 expected series-day(s), 0 without evidence or an acknowledgement');
    expect(
      (await verifyExport({ dir: fresh, trusted: new Map([[signer.fingerprint, 'test']]) })).problems,
    ).toEqual([]);
    const md = await readFile(path.join(fresh, 'VERIFY.md'), 'utf8');
    // The exception, with who, when and why, and the configuration in force.
    expect(md).toMatch(
      /\| 2026-02-03 \| `fakerepos\/github-acme` \| Jane Doe \| 2026-02-04T09:00:00.000Z \| GitHub outage <INC-7> \|/,
    );
    expect(md).toContain('## Registering the key');
    const expected = JSON.parse(await readFile(path.join(fresh, 'expected-series.json'), 'utf8'));
    expect(expected.series[0]).toMatchObject({
      series: 'fakerepos/github-acme',
      days: [{ from: FROM, to: TO, expected: true, why: 'configured (from 2026-02-01: auditPeriod.start)' }],
      acknowledged: [{ day: '2026-02-03', by: 'Jane Doe', reason: 'GitHub outage <INC-7>' }],
    });
  });

  it('a fingerprint other than the one registered stops step 1', () => {
    expect(failing(fresh, 'f'.repeat(64))).toEqual(['1']);
  });

  it('a changed byte in a snapshot: steps 3 and 5', async () => {
    const dir = copy('snapshot');
    await changeByte(find(dir, 'snapshots')[1]!, '"protected":true', '"protected":fals');
    expect(failing(dir)).toEqual(['3', '5']);
  });

  it('a changed byte in a leaf: steps 3, 5 (the leaf is not in its root) and 6 (its signature)', async () => {
    const dir = copy('leaf');
    await changeByte(find(dir, 'leaves')[0]!, '"day"', ' "day"');
    expect(failing(dir)).toEqual(['3', '5', '6']);
  });

  it("a changed byte in a digest: steps 3, 6 and 7 (the next digest's previous link)", async () => {
    const dir = copy('digest');
    await changeByte(find(dir, 'digests')[1]!, '"sequence"', ' "sequence"');
    expect(failing(dir)).toEqual(['3', '6', '7']);
  });

  it("a changed byte in a sample run's record: steps 3 and 6", async () => {
    const dir = copy('sample-run');
    await changeByte(find(dir, 'reports/sample')[0]!, '"seed":"s1"', '"seed":"s9"');
    expect(failing(dir)).toEqual(['3', '6']);
  });

  it('a changed byte in an acknowledgement: steps 3 and 6, and verify-export names its signature', async () => {
    const dir = copy('acknowledgement');
    const file = find(dir, 'acknowledgements')[0]!;
    await changeByte(file, 'Jane Doe', 'Jane Dog');
    expect(failing(dir)).toEqual(['3', '6']);
    const result = await verifyExport({ dir, trusted: new Map([[signer.fingerprint, 'test']]) });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'bad-signature', file: path.relative(dir, file) }),
    );
  });

  it('a changed byte in evidence.jsonl: steps 2, 3, 4 and 8 (the day has no ok record now)', async () => {
    const dir = copy('jsonl');
    await changeByte(path.join(dir, 'evidence.jsonl'), '"status":"ok"', '"status":"OK"');
    expect(failing(dir)).toEqual(['2', '3', '4', '8']);
  });

  it('a file added after signing: step 3', async () => {
    const dir = copy('added');
    await writeFile(path.join(dir, 'locker', 'extra.json'), '{}');
    expect(failing(dir)).toEqual(['3']);
  });

  it('an expected day without evidence or acknowledgement: step 8 names it (and verify-export)', async () => {
    // The acknowledgement taken out of a copy: step 3 catches the edit, step 8 the unexcused day.
    const dir = copy('gap');
    const file = path.join(dir, 'expected-series.json');
    const doc = JSON.parse(await readFile(file, 'utf8'));
    doc.series[0].acknowledged = [];
    await chmod(file, 0o644);
    await writeFile(file, JSON.stringify(doc));
    const r = runBlock(dir, blocks[7]!.code, signer.fingerprint);
    expect(r.status).toBe(1);
    expect(r.out).toContain('MISSING fakerepos/github-acme 2026-02-03: no record');
    expect(failing(dir)).toEqual(['3', '8']);
    const result = await verifyExport({ dir, trusted: new Map([[signer.fingerprint, 'test']]) });
    expect(result.problems).toContainEqual(
      expect.objectContaining({ problem: 'missing-day', detail: expect.stringContaining('2026-02-03') }),
    );
  });
});
