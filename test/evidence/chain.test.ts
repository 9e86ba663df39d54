/**
 * The chain walk (shared/evidence/digest/chain.ts) against a tampered directory locker: what a
 * person with file rights (and, where said, the signing key) does to the digests and links, and
 * the problem walkChain reports for it. The mutants StrykerJS found surviving in the walk
 * (issue 27, item 5): a corrupt digest or link, the head digest or its link rewritten, a first
 * digest that names a predecessor, a `previous` that names another digest, two digests in one
 * place, and which day records were first sealed.
 */
import { createPublicKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { linkKey, listDigests, seal, walkChain } from '../../shared/evidence/digest.js';
import { fileSigner, type Signer, signatureKey, type TrustedKeys } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';

const DAYS = ['2026-04-01', '2026-04-02', '2026-04-03'];
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

describe('walkChain on a tampered directory locker', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let trusted: TrustedKeys;
  let keys: string[];

  const walk = () => walkChain(locker, { trusted });
  const problems = async () => (await walk()).problems.map((p) => `${p.problem} ${p.key}: ${p.detail}`);
  /** Rewrite a file the locker wrote read-only. */
  const overwrite = async (key: string, bytes: Buffer | string) => {
    await chmod(file(dir, key), 0o644);
    await writeFile(file(dir, key), bytes);
  };
  /** Rewrite a digest with the signing key: new bytes, a valid signature, its link fixed. */
  const forge = async (sequence: number, change: (d: Record<string, unknown>) => void) => {
    const key = keys[sequence - 1]!;
    const body = JSON.parse(await readFile(file(dir, key), 'utf8'));
    change(body);
    const bytes = Buffer.from(JSON.stringify(body));
    await overwrite(key, bytes);
    await overwrite(signatureKey(key), Buffer.from(await signer.sign(bytes)));
    const link = JSON.parse(await readFile(file(dir, linkKey(sequence)), 'utf8'));
    link.sha256 = sha256Hex(bytes);
    await overwrite(linkKey(sequence), JSON.stringify(link));
    return { key, sha256: sha256Hex(bytes) };
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chain-'));
    locker = new DirectoryLocker(dir);
    signer = await fileSigner(path.join(dir, '..', `${path.basename(dir)}-key.pem`), { create: true });
    trusted = new Map([
      [
        signer.fingerprint,
        { fingerprint: signer.fingerprint, key: createPublicKey(signer.publicKeyPem()), source: 'test' },
      ],
    ]);
    keys = [];
    for (const [i, day] of DAYS.entries()) {
      const sealed = await seal(locker, {
        day,
        clock: fixedClock(`2026-04-0${i + 2}T03:00:00.000Z`),
        retentionDays: 730,
        signer,
      });
      keys.push(sealed.key!);
    }
    const clean = await walk();
    expect(clean.problems).toEqual([]);
    expect(clean.head).toMatchObject({ key: keys[2], digests: 3 });
    expect(clean.abandoned).toEqual([]);
    expect(clean.notes).toEqual([]);
  });

  it('a digest that is no digest any more: corrupt, and the chain is broken behind it', async () => {
    await overwrite(keys[1]!, 'not json');
    const found = await problems();
    expect(found.filter((p) => p.startsWith('corrupt'))).toEqual([
      expect.stringMatching(new RegExp(`^corrupt ${keys[1]}: `)),
    ]);
    expect(found.some((p) => p.startsWith('deleted ') || p.startsWith('chain-broken '))).toBe(true);
  });

  it('the head digest rewritten in place, its link left: chain-broken, naming both hashes', async () => {
    const before = (await walk()).head!;
    const body = JSON.parse(await readFile(file(dir, keys[2]!), 'utf8'));
    body.snapshots = [];
    body.day = '2026-04-03';
    const bytes = Buffer.from(`${JSON.stringify(body)} `);
    await overwrite(keys[2]!, bytes);
    expect(await problems()).toContain(
      `chain-broken ${keys[2]}: hashes to ${sha256Hex(bytes)}, its chain link ${linkKey(3)} recorded ${before.sha256}`,
    );
  });

  it('the head link rewritten to name another digest: the head is read from the link, the digest is deleted from the chain', async () => {
    const link = JSON.parse(await readFile(file(dir, linkKey(3)), 'utf8'));
    link.key = 'digests/2026-04-03/20260404T030000001Z.json';
    await overwrite(linkKey(3), JSON.stringify(link));
    expect(await problems()).toContain(
      `deleted digests/2026-04-03/20260404T030000001Z.json: digest 3 of the chain (linked by ${linkKey(3)}) is no longer in the locker`,
    );
  });

  it('the head link made unreadable: corrupt, naming the link', async () => {
    await overwrite(linkKey(3), '{"schema":"nonsense"}');
    expect((await walk()).problems.map((p) => `${p.problem} ${p.key}`)).toContain(`corrupt ${linkKey(3)}`);
  });

  it('the first digest re-signed to name a predecessor: chain-broken (earlier digests removed)', async () => {
    await forge(1, (d) => {
      d.previous = { key: 'digests/2026-03-31/20260401T030000000Z.json', sha256: 'c'.repeat(64) };
    });
    const found = await problems();
    expect(found).toContain(
      `chain-broken ${keys[0]}: is the first digest of the chain but names a previous one (digests/2026-03-31/20260401T030000000Z.json): earlier digests were removed`,
    );
  });

  it('a digest re-signed to name another predecessor: chain-broken, naming both', async () => {
    const first = (await walk()).digests[0]!;
    await forge(2, (d) => {
      d.previous = { key: first.key, sha256: 'd'.repeat(64) };
    });
    expect(await problems()).toContain(
      `chain-broken ${keys[1]}: names ${first.key} (${'d'.repeat(64)}) as previous, but the chain has ${first.key} (${first.sha256}) there`,
    );
  });

  it('a digest re-signed to name another key with the right hash: chain-broken too', async () => {
    const first = (await walk()).digests[0]!;
    const elsewhere = 'digests/2026-04-01/20260402T030000001Z.json';
    await forge(2, (d) => {
      d.previous = { key: elsewhere, sha256: first.sha256 };
    });
    expect(await problems()).toContain(
      `chain-broken ${keys[1]}: names ${elsewhere} (${first.sha256}) as previous, but the chain has ${first.key} (${first.sha256}) there`,
    );
  });

  it('an empty locker: an empty chain, no head, nothing to report', async () => {
    const empty = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'chain-empty-')));
    const walked = await walkChain(empty, { trusted });
    expect(walked).toMatchObject({ digests: [], problems: [], abandoned: [], notes: [] });
    expect(walked.head).toBeUndefined();
    expect(walked.recordsFrom).toBeUndefined();
  });

  it('a second digest in a place, never linked: abandoned and noted, the chain intact', async () => {
    const twin = keys[1]!.replace('T030000000Z', 'T030000500Z');
    const body = await readFile(file(dir, keys[1]!));
    await locker.put(twin, body, { retainUntil: new Date() });
    await locker.put(signatureKey(twin), Buffer.from(await signer.sign(body)), { retainUntil: new Date() });
    const walked = await walk();
    expect(walked.problems).toEqual([]);
    expect(walked.abandoned).toEqual([twin]);
    expect(walked.notes).toEqual([
      `1 digest(s) are not part of the chain (a seal lost the race to another, or stopped before linking; what they list was sealed again): ${twin}`,
    ]);
    expect(walked.digests.map((d) => d.key)).toEqual(keys);
  });

  it('a digest written after the head and never linked: abandoned, not a broken chain', async () => {
    const listing = await listDigests(locker);
    expect(listing.links.size).toBe(3);
    const extra = 'digests/2026-04-04/20260405T030000000Z.json';
    const body = JSON.parse(await readFile(file(dir, keys[2]!), 'utf8'));
    body.sequence = 4;
    body.day = '2026-04-04';
    body.sealedAt = '2026-04-05T03:00:00.000Z';
    const bytes = Buffer.from(JSON.stringify(body));
    await locker.put(extra, bytes, { retainUntil: new Date() });
    const walked = await walk();
    expect(walked.problems).toEqual([]);
    expect(walked.abandoned).toEqual([extra]);
    expect(walked.head).toMatchObject({ key: keys[2], digests: 3 });
  });

  it('records are sealed from the first digest that lists them; every chained digest is listed in order', async () => {
    const walked = await walk();
    expect(walked.recordsFrom).toBe(DAYS[0]);
    expect(walked.digests.map((d) => [d.key, d.sequence, d.listsRecords])).toEqual(
      keys.map((k, i) => [k, i + 1, true]),
    );
    // A digest deleted outright (with its signature): deleted, its place still linked.
    await rm(file(dir, keys[0]!), { force: true });
    const after = await walk();
    expect(after.problems.map((p) => `${p.problem} ${p.key}`)).toContain(`deleted ${keys[0]}`);
    expect(after.recordsFrom).toBe(DAYS[1]);
  });
});
