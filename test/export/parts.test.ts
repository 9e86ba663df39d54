/**
 * export at organization size (shared/export/export.ts): a window of more than
 * `snapshotsPerPart` snapshots is exported in parts of account shards, each part's records
 * spilled in time order and merged into evidence.jsonl, hash-chained and signed as written.
 * The export is the same, byte for byte, in parts and in one piece, and verify-export passes it;
 * a leaf altered in one part is still named. Memory itself is measured in bench/ (org-verify,
 * ORG_COMMANDS=export), not here.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { addDays } from '../../shared/evidence/days.js';
import { listDigests, readDigest } from '../../shared/evidence/digest.js';
import { fileSigner, type Signer, signatureKey } from '../../shared/evidence/signing.js';
import { EXPORT_FILES, exportEvidence, walk } from '../../shared/export/export.js';
import { verifyExport } from '../../shared/export/verify-export.js';
import { countRequests, type SyntheticLocker, sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(320_000_000_000 + i));
const FROM = '2026-06-01';
const TO = '2026-06-03';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function lockerOf(): Promise<{ root: string; dir: string; locker: SyntheticLocker; signer: Signer }> {
  const root = await mkdtemp(path.join(tmpdir(), 'export-parts-'));
  dirs.push(root);
  const dir = path.join(root, 'locker');
  const signer = await fileSigner(path.join(root, 'key.pem'), { create: true });
  const locker = await sealedAwsLocker({
    dir,
    from: FROM,
    to: TO,
    accounts: ACCOUNTS,
    regions: ['eu-west-1', 'us-east-1'],
    form: 3,
    signer,
  });
  return { root, dir, locker, signer };
}

describe('export in parts', () => {
  it('the same export, byte for byte, in parts and in one piece; verify-export passes it', async () => {
    const { root, locker, signer } = await lockerOf();
    const run = (out: string, snapshotsPerPart?: number) =>
      exportEvidence({
        locker,
        from: FROM,
        to: TO,
        out: path.join(root, out),
        signer,
        clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
        ...(snapshotsPerPart && { snapshotsPerPart }),
      });
    const whole = await run('whole');
    const split = await run('split', 60);
    // 72 series × 3 days.
    expect(whole.records).toBe(216);
    expect(split.records).toBe(whole.records);
    expect(split.head).toBe(whole.head);
    expect(split.notes).toEqual([]);
    expect(split.files).toBe(whole.files);
    const files = await walk(path.join(root, 'whole'));
    expect(await walk(path.join(root, 'split'))).toEqual(files);
    expect(files.length).toBe(whole.files);
    // Every file the same but the signatures (ECDSA signs with a fresh nonce each time) and
    // the line of SHA256SUMS that hashes evidence.jsonl.sig.
    const text = (which: string, f: string) => readFileSync(path.join(root, which, f), 'utf8');
    for (const f of files.filter((f) => !f.endsWith('.sig') && f !== EXPORT_FILES.sums))
      expect(text('split', f), f).toBe(text('whole', f));
    const unsigned = (which: string) =>
      text(which, EXPORT_FILES.sums)
        .split('\n')
        .filter((l) => l && !l.endsWith(EXPORT_FILES.jsonlSig));
    expect(unsigned('split')).toEqual(unsigned('whole'));
    // Every file but SHA256SUMS, its signature and evidence.jsonl.sig.
    expect(unsigned('split').length).toBe(files.length - 3);
    // evidence.jsonl in time order, numbered 1..N.
    const lines = readFileSync(path.join(root, 'split', EXPORT_FILES.jsonl), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual(lines.map((_, i) => i + 1));
    const trusted = new Map([[signer.fingerprint, 'test']]);
    const checked = await verifyExport({ dir: path.join(root, 'split'), trusted });
    expect(checked.problems).toEqual([]);
    expect(checked.ok).toBe(true);
    expect(checked.records).toBe(216);
  });

  it('the chain of roots is read once for all the parts, and each leaf by its part only', async () => {
    const { root, locker, signer } = await lockerOf();
    const roots = await Promise.all(
      (await listDigests(locker)).digests.map((d) => readDigest(locker, d.key)),
    );
    const leaves = roots.reduce(
      (n, r) => n + (r.digest.schema === 'evidence.digest/3' ? r.digest.leaves.length : 0),
      0,
    );
    const tally = countRequests(locker);
    const split = await exportEvidence({
      locker,
      from: FROM,
      to: TO,
      out: path.join(root, 'split'),
      signer,
      clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
      snapshotsPerPart: 40,
    });
    expect(split.notes).toEqual([]);
    // 216 snapshots in parts of at most 40: 6 parts or more, yet each root and its signature is
    // read twice in all: once by the one walk of the chain, once copied into the export (and the
    // head's chain link once). Each leaf likewise, its signature with it (in its metadata): by its
    // part, and copied.
    expect(tally.get('GET digests/ signature')).toBe(2 * roots.length);
    expect(tally.get('GET digests/')).toBe(2 * roots.length + 1);
    expect(tally.get('GET leaves/')).toBe(2 * leaves);
    expect(tally.get('GET leaves/ signature') ?? 0).toBe(0);
    expect(tally.get('GET snapshots/')).toBe(216);
  });

  it('a leaf altered in one part: named in the notes, its snapshots exported unsealed, verify-export fails', async () => {
    const { root, dir, locker, signer } = await lockerOf();
    const rootDigest = await readDigest(locker, (await listDigests(locker)).digests[0]!.key);
    if (rootDigest.digest.schema !== 'evidence.digest/3') throw new Error('expected a root');
    const ref = rootDigest.digest.leaves.find((l) => l.collector === 'iam')!;
    writeFileSync(path.join(dir, ...ref.key.split('/')), '{"tampered":true}');
    const split = await exportEvidence({
      locker,
      from: FROM,
      to: TO,
      out: path.join(root, 'split'),
      signer,
      clock: fixedClock(`${addDays(TO, 1)}T06:00:00.000Z`),
      snapshotsPerPart: 60,
    });
    expect(split.notes.some((n) => n.startsWith(`digest chain: ${ref.key} corrupt`))).toBe(true);
    const unsealed = split.notes.filter((n) =>
      n.endsWith('not sealed by any digest (run evidence seal --day 2026-06-01)'),
    );
    expect(unsealed.length).toBe(ref.entries);
    // The altered leaf travels with its root, as found, with its signature.
    expect(readFileSync(path.join(root, 'split', 'locker', ...ref.key.split('/')), 'utf8')).toBe(
      '{"tampered":true}',
    );
    readFileSync(path.join(root, 'split', 'locker', ...signatureKey(ref.key).split('/')));
    const checked = await verifyExport({
      dir: path.join(root, 'split'),
      trusted: new Map([[signer.fingerprint, 'test']]),
    });
    expect(checked.ok).toBe(false);
  });
});
