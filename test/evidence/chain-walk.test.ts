/**
 * What the chain walk (shared/evidence/digest/chain.ts, walkChain) takes from each digest it
 * reads, against a directory locker: the snapshots a root's leaves seal (all of them, only the
 * days `leavesFor` asks, only the leaves `leafFilter` keeps, only the entries `keep` keeps),
 * the records and configuration a digest lists, the digest's form, and the signer a bad
 * signature names when the locker publishes its key (a digest's or a leaf's). The mutants
 * StrykerJS left alive in the walk (issue 27, item 5): with any of them the walk still ran, and
 * verify then judged from the wrong entries or named the wrong problem.
 */
import { createPublicKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { type DigestEntry, linkKey, readDigest, seal, walkChain } from '../../shared/evidence/digest.js';
import { recordConfiguration, writeSignedRecord } from '../../shared/evidence/records.js';
import { fileSigner, type Signer, signatureKey, type TrustedKeys } from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { SIGNATURE_METADATA } from '../../shared/locker/types.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const DAYS = ['2026-04-05', '2026-04-06'];
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));
const trust = (...signers: Signer[]): TrustedKeys =>
  new Map(
    signers.map((s) => [
      s.fingerprint,
      { fingerprint: s.fingerprint, key: createPublicKey(s.publicKeyPem()), source: 'test' },
    ]),
  );

describe('walkChain: what each digest yields (directory locker, form 3)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let trusted: TrustedKeys;
  /** Snapshot keys by day, collector fake-a then fake-b. */
  let snapshots: Record<string, string[]>;
  let roots: string[];
  let ack: string;

  const overwrite = async (key: string, bytes: Uint8Array | string) => {
    await chmod(file(dir, key), 0o644);
    await writeFile(file(dir, key), bytes);
  };
  const sealedKeys = (walked: { sealed: Map<string, DigestEntry> }) => [...walked.sealed.keys()].sort();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chain-walk-'));
    locker = new DirectoryLocker(dir);
    signer = await fileSigner(`${dir}-key.pem`, { create: true });
    trusted = trust(signer);
    snapshots = {};
    roots = [];
    const configuration = await recordConfiguration(
      locker,
      { a: 1 },
      { at: new Date('2026-04-05T00:00:00.000Z'), retentionDays: 730 },
    );
    ack = (
      await writeSignedRecord(locker, {
        key: 'acknowledgements/20260405T100000000Z-a.json',
        value: { a: 1 },
        at: new Date('2026-04-05T10:00:00.000Z'),
        retentionDays: 730,
        signer,
      })
    ).key;
    for (const [i, day] of DAYS.entries()) {
      snapshots[day] = [];
      for (const collector of ['fake-a', 'fake-b']) {
        const w = await writeSnapshot(
          locker,
          makeSnapshot({
            collector,
            scope: 'x-1',
            runId: 'run000000001',
            collectedAt: `${day}T00:05:00.000Z`,
          }),
          730,
        );
        snapshots[day]!.push(w.key);
      }
      const sealed = await seal(locker, {
        day,
        clock: fixedClock(`2026-04-0${6 + i}T03:00:00.000Z`),
        retentionDays: 730,
        signer,
        form: 3,
        ...(i === 0 && { configuration }),
      });
      roots.push(sealed.key!);
    }
  });

  it('every snapshot of every root is sealed by its root; the form, records and configuration are kept', async () => {
    const walked = await walkChain(locker, { trusted });
    expect(walked.problems).toEqual([]);
    expect(sealedKeys(walked)).toEqual([...snapshots[DAYS[0]!]!, ...snapshots[DAYS[1]!]!].sort());
    for (const [i, day] of DAYS.entries())
      for (const key of snapshots[day]!) expect(walked.sealedBy.get(key)?.key).toBe(roots[i]);
    expect(walked.digests.map((d) => [d.key, d.form, d.listsRecords, d.entries])).toEqual([
      [roots[0], 3, true, 2],
      [roots[1], 3, true, 2],
    ]);
    const first = await readDigest(locker, roots[0]!);
    expect(walked.digests[0]!.configuration).toEqual(first.digest.configuration);
    expect(walked.digests[0]!.configuration).toBeDefined();
    expect(walked.digests[1]!.configuration).toBeUndefined();
    expect([...walked.records.keys()]).toEqual([ack]);
    expect(walked.records.get(ack)?.digest.key).toBe(roots[0]);
    expect(walked.recordsFrom).toBe(DAYS[0]);
  });

  it('leavesFor: only the leaves of the days asked are read; the other roots stay in the chain', async () => {
    const read: string[] = [];
    const get = locker.get.bind(locker);
    locker.get = async (key) => {
      read.push(key);
      return get(key);
    };
    const one = await walkChain(locker, { trusted, leavesFor: (day) => day === DAYS[1] });
    expect(one.problems).toEqual([]);
    expect(sealedKeys(one)).toEqual([...snapshots[DAYS[1]!]!].sort());
    expect(one.digests.map((d) => d.key)).toEqual(roots);
    expect(read.filter((k) => k.startsWith('leaves/') && k.includes(`/${DAYS[0]}/`))).toEqual([]);
    const none = await walkChain(locker, { trusted, leavesFor: () => false });
    expect(none.sealed.size).toBe(0);
    expect(none.digests).toHaveLength(2);
  });

  it('leafFilter reads only the leaves it keeps; keep keeps only the entries it keeps, every entry still offered', async () => {
    const filtered = await walkChain(locker, { trusted, leafFilter: (l) => l.collector === 'fake-b' });
    expect(sealedKeys(filtered)).toEqual([snapshots[DAYS[0]!]![1]!, snapshots[DAYS[1]!]![1]!].sort());
    const offered: string[] = [];
    const kept = await walkChain(locker, {
      trusted,
      keep: (e) => e.key.includes('/fake-a/'),
      onEntry: (e) => offered.push(e.key),
    });
    expect(sealedKeys(kept)).toEqual([snapshots[DAYS[0]!]![0]!, snapshots[DAYS[1]!]![0]!].sort());
    expect(offered.sort()).toEqual([...snapshots[DAYS[0]!]!, ...snapshots[DAYS[1]!]!].sort());
  });

  it('a digest that lists no records (written before they were sealed): records are sealed from the next', async () => {
    const body = JSON.parse(await readFile(file(dir, roots[0]!), 'utf8'));
    delete body.records;
    const bytes = Buffer.from(JSON.stringify(body));
    await overwrite(roots[0]!, bytes);
    await overwrite(signatureKey(roots[0]!), Buffer.from(await signer.sign(bytes)));
    const link = JSON.parse(await readFile(file(dir, linkKey(1)), 'utf8'));
    link.sha256 = sha256Hex(bytes);
    await overwrite(linkKey(1), JSON.stringify(link));
    // Digest 2 names digest 1 by its old hash: only that is reported.
    const walked = await walkChain(locker, { trusted });
    expect(walked.problems.map((p) => `${p.problem} ${p.key}`)).toEqual([`chain-broken ${roots[1]}`]);
    expect(walked.digests.map((d) => d.listsRecords)).toEqual([false, true]);
    expect(walked.recordsFrom).toBe(DAYS[1]);
    expect(walked.records.size).toBe(0);
  });

  it('a chain signed by a key the locker publishes but nobody trusts: untrusted-key, naming it, for the root and each leaf', async () => {
    const other = await fileSigner(`${dir}-other-key.pem`, { create: true });
    const walked = await walkChain(locker, { trusted: trust(other), leavesFor: (day) => day === DAYS[0] });
    const untrusted = `signed by key ${signer.fingerprint}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`;
    const root = await readDigest(locker, roots[0]!);
    const leaves = root.digest.schema === 'evidence.digest/3' ? root.digest.leaves.map((l) => l.key) : [];
    expect(leaves).toHaveLength(2);
    expect(walked.problems).toEqual(
      expect.arrayContaining(
        [roots[0], roots[1], ...leaves].map((key) => ({ problem: 'untrusted-key', key, detail: untrusted })),
      ),
    );
    expect(walked.problems).toHaveLength(4);
  });

  it('one leaf re-signed by another key the locker publishes, its root intact: untrusted-key for that leaf alone', async () => {
    const other = await fileSigner(`${dir}-other-key.pem`, { create: true });
    await locker.put(`keys/${other.fingerprint}.pem`, Buffer.from(other.publicKeyPem()), {
      retainUntil: new Date('2028-01-01T00:00:00.000Z'),
    });
    const root = await readDigest(locker, roots[1]!);
    const leaf = root.digest.schema === 'evidence.digest/3' ? root.digest.leaves[0]!.key : '';
    const forged = Buffer.from(await other.sign(await readFile(file(dir, leaf))));
    // Both copies of the leaf's signature: the object `.sig` and the one stored with the leaf
    // (the directory locker's side file for S3's user metadata).
    await overwrite(signatureKey(leaf), forged);
    await overwrite(`.meta/${leaf}`, JSON.stringify({ [SIGNATURE_METADATA]: forged.toString('base64') }));
    const walked = await walkChain(locker, { trusted });
    expect(walked.problems).toEqual([
      {
        problem: 'untrusted-key',
        key: leaf,
        detail: `signed by key ${other.fingerprint}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`,
      },
    ]);
  });

  it("one leaf whose .sig alone is replaced by another key's signature: bad-signature, the two copies differ", async () => {
    const other = await fileSigner(`${dir}-other-key.pem`, { create: true });
    const root = await readDigest(locker, roots[1]!);
    const leaf = root.digest.schema === 'evidence.digest/3' ? root.digest.leaves[0]!.key : '';
    await overwrite(signatureKey(leaf), Buffer.from(await other.sign(await readFile(file(dir, leaf)))));
    const walked = await walkChain(locker, { trusted });
    expect(walked.problems).toHaveLength(1);
    expect(walked.problems[0]).toMatchObject({ problem: 'bad-signature', key: leaf });
    expect(walked.problems[0]!.detail).toContain('differs from the signature in the leaf');
  });
});

describe('walkChain over the old form (form 2 lists its snapshots itself)', () => {
  it('leavesFor does not apply: every snapshot is sealed whatever it answers, and the digest has no form 3', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chain-walk-2-'));
    const locker = new DirectoryLocker(dir);
    const signer = await fileSigner(`${dir}-key.pem`, { create: true });
    const w = await writeSnapshot(
      locker,
      makeSnapshot({
        collector: 'fake-a',
        scope: 'x-1',
        runId: 'run000000001',
        collectedAt: `${DAYS[0]}T00:05:00.000Z`,
      }),
      730,
    );
    const sealed = await seal(locker, {
      day: DAYS[0]!,
      clock: fixedClock('2026-04-06T03:00:00.000Z'),
      retentionDays: 730,
      signer,
    });
    const walked = await walkChain(locker, { trusted: trust(signer), leavesFor: () => false });
    expect(walked.problems).toEqual([]);
    expect([...walked.sealed.keys()]).toEqual([w.key]);
    expect(walked.digests.map((d) => [d.key, d.form])).toEqual([[sealed.key, undefined]]);
    expect(walked.digests[0]).not.toHaveProperty('form');
  });
});
