/**
 * The leaves of the digest form that scales (shared/evidence/digest/leaves.ts), judged at their
 * boundaries against a directory locker sealed in form 3: a leaf gone, unreadable, altered,
 * named by a root for another day, instant, collector or shard, unsigned, signed by another
 * key or by a key the locker publishes but nobody trusts; what seals and what does not; the
 * shards and the leaves written. The mutants StrykerJS found surviving in leaves.ts (issue 27,
 * item 5).
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import {
  type DigestRoot,
  digestEntries,
  entryCount,
  type LeafRef,
  leafEntries,
  leafKeyOf,
  leafOf,
  listDigests,
  type ReadDigest,
  readDigest,
  readLeaf,
  seal,
  shardOf,
  signatureProblem,
  writeLeaves,
} from '../../shared/evidence/digest.js';
import {
  fileSigner,
  fingerprintOf,
  type Signer,
  signatureKey,
  type TrustedKeys,
} from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { listAll } from '../../shared/locker/types.js';
import { createBucket } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const DAY = '2026-04-05';
const SEALED = '2026-04-06T03:00:00.000Z';
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 2);

describe('shards and leaf keys', () => {
  it('an AWS account and its regions share the shard of the account; any other scope is its own', () => {
    expect(shardOf('aws-123456789012')).toBe(sha('123456789012'));
    expect(shardOf('aws-123456789012-eu-west-1')).toBe(sha('123456789012'));
    expect(shardOf('org-acme')).toBe(sha('org-acme'));
    expect(shardOf('aws-12345678901')).toBe(sha('aws-12345678901'));
    expect(shardOf('xaws-123456789012')).toBe(sha('xaws-123456789012'));
    expect(shardOf('aws-123456789012-EU')).toBe(sha('aws-123456789012-EU'));
  });

  it('a key that is no snapshot key belongs to collector other, shard 00', () => {
    expect(leafOf({ key: 'acknowledgements/20260405T000000000Z-a.json' })).toEqual({
      collector: 'other',
      shard: '00',
    });
    const key = 'snapshots/2026-04-05/iam/aws-123456789012/20260405T000500000Z-run000000001.json';
    expect(leafOf({ key })).toEqual({ collector: 'iam', shard: sha('123456789012') });
    expect(leafKeyOf({ form: 3, day: DAY, sealedAt: SEALED }, key)).toBe(
      `leaves/${DAY}/20260406T030000000Z/iam/${sha('123456789012')}.json`,
    );
    expect(leafKeyOf({ day: DAY, sealedAt: SEALED }, key)).toBeUndefined();
  });
});

describe('leaves against a directory locker', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  let trusted: TrustedKeys;
  let root: ReadDigest & { digest: DigestRoot };
  let snapshots: string[];

  const overwrite = async (key: string, bytes: Uint8Array | string) => {
    await chmod(file(dir, key), 0o644);
    await writeFile(file(dir, key), bytes);
  };
  const refOf = (collector: string) => root.digest.leaves.find((l) => l.collector === collector)!;
  /** The leaves as sealed before signatures travelled with them: `<key>.sig` only, no metadata. */
  const sealedBefore = () => rm(path.join(dir, '.meta'), { recursive: true, force: true });
  /** Replace the signature a leaf carries in its metadata (the directory locker's side file). */
  const overwriteMeta = async (key: string, signature: Uint8Array | undefined) => {
    const meta = file(path.join(dir, '.meta'), key);
    await chmod(meta, 0o644);
    if (signature === undefined) await rm(meta);
    else
      await writeFile(
        meta,
        JSON.stringify({ 'evidence-signature': Buffer.from(signature).toString('base64') }),
      );
  };
  const entriesOf = (refs: readonly LeafRef[], options: Partial<Parameters<typeof leafEntries>[3]> = {}) =>
    leafEntries(locker, { key: root.key, day: DAY, sealedAt: SEALED }, refs, { trusted, ...options });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'leaves-'));
    locker = new DirectoryLocker(dir);
    signer = await fileSigner(`${dir}-key.pem`, { create: true });
    trusted = new Map([
      [
        signer.fingerprint,
        { fingerprint: signer.fingerprint, key: createPublicKey(signer.publicKeyPem()), source: 'test' },
      ],
    ]);
    snapshots = [];
    for (const [collector, scope, runId] of [
      ['fake-b', 'x-1', 'run000000002'],
      ['fake-a', 'org-acme', 'run000000001'],
      ['fake-b', 'x-1', 'run000000001'],
    ] as const) {
      const w = await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, runId, collectedAt: `${DAY}T00:05:00.000Z` }),
        730,
      );
      snapshots.push(w.key);
    }
    const sealed = await seal(locker, {
      day: DAY,
      clock: fixedClock(SEALED),
      retentionDays: 730,
      signer,
      form: 3,
    });
    root = (await readDigest(locker, sealed.key!)) as typeof root;
  });

  it('writes one signed leaf per collector and shard, in key order, each listing its snapshots in key order', async () => {
    expect(root.digest.leaves.map((l) => [l.collector, l.shard, l.entries])).toEqual(
      [
        ['fake-a', sha('org-acme'), 1],
        ['fake-b', sha('x-1'), 2],
      ].sort((a, b) => (`${a[0]}/${a[1]}` < `${b[0]}/${b[1]}` ? -1 : 1)),
    );
    expect(entryCount(root)).toBe(3);
    const b = await readLeaf(locker, refOf('fake-b').key);
    expect(b.leaf.snapshots.map((s) => s.key)).toEqual(
      snapshots.filter((k) => k.includes('/fake-b/')).sort(),
    );
    expect(b.leaf).toMatchObject({ day: DAY, sealedAt: SEALED, collector: 'fake-b', shard: sha('x-1') });
    expect(refOf('fake-b')).toMatchObject({ sha256: b.sha256, size: b.body.byteLength });
    // One public key published, whatever the number of leaves.
    expect((await listAll(locker, 'keys/')).map((o) => o.key)).toEqual([`keys/${signer.fingerprint}.pem`]);
    const all = await digestEntries(locker, root, { trusted });
    expect(all.problems).toEqual([]);
    expect(all.leaves).toBe(2);
    expect(all.entries.map((e) => e.key).sort()).toEqual([...snapshots].sort());
  });

  it('leaves in collector/shard order and entries in key order, whatever order they come in; on S3 each leaf and signature retained from the seal', async () => {
    const s3 = new S3Locker(`s3://${await createBucket({ objectLock: true })}`);
    const entry = (collector: string, scope: string) => ({
      key: `snapshots/${DAY}/${collector}/${scope}/20260405T000500000Z-run000000001.json`,
      size: 1,
      sha256: 'a'.repeat(64),
    });
    // s-4 is in shard f6, s-2 in shard 45: groups come in as zz, aa/f6, aa/45.
    const run0 = {
      ...entry('aa', 's-4'),
      key: entry('aa', 's-4').key.replace('run000000001', 'run000000000'),
    };
    const entries = [entry('zz', 's-2'), entry('aa', 's-4'), run0, entry('aa', 's-2')];
    const refs = await writeLeaves(s3, signer, DAY, new Date(SEALED), entries, 10);
    expect(refs.map((r) => `${r.collector}/${r.shard}`)).toEqual(['aa/45', 'aa/f6', 'zz/45']);
    expect(refs.map((r) => r.entries)).toEqual([1, 2, 1]);
    const leaf = (await readLeaf(s3, refs[1]!.key)).leaf;
    expect(leaf.snapshots.map((e) => e.key)).toEqual([run0.key, entry('aa', 's-4').key]);
    const until = '2026-04-16T03:00:00.000Z';
    expect((await s3.head(refs[0]!.key)).retainUntil?.toISOString()).toBe(until);
    expect((await s3.head(signatureKey(refs[0]!.key))).retainUntil?.toISOString()).toBe(until);
  });

  it('no entries: no leaf and no key published', async () => {
    const empty = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'leaves-empty-')));
    expect(await writeLeaves(empty, signer, DAY, new Date(SEALED), [], 730)).toEqual([]);
    expect(await listAll(empty, '')).toEqual([]);
  });

  it('a leaf filter reads only the leaves it keeps', async () => {
    const read: string[] = [];
    const get = locker.get.bind(locker);
    locker.get = async (key) => {
      read.push(key);
      return get(key);
    };
    const some = await digestEntries(locker, root, { trusted, leafFilter: (l) => l.collector === 'fake-a' });
    expect(some.leaves).toBe(1);
    expect(some.entries.map((e) => e.key)).toEqual(snapshots.filter((k) => k.includes('/fake-a/')));
    expect(read).toEqual([refOf('fake-a').key, signatureKey(refOf('fake-a').key)]);
  });

  it('the old form lists its snapshots itself: no leaf read', async () => {
    const old = { ...root, digest: { ...root.digest, schema: 'evidence.digest/2', snapshots: [] } } as never;
    expect(await digestEntries(locker, old, { trusted })).toEqual({ entries: [], problems: [], leaves: 0 });
    expect(entryCount(old)).toBe(0);
  });

  it('a leaf gone: deleted, naming its root and how many snapshots it sealed; it seals nothing', async () => {
    const ref = refOf('fake-b');
    await rm(file(dir, ref.key));
    const result = await entriesOf(root.digest.leaves);
    expect(result.problems).toEqual([
      {
        problem: 'deleted',
        key: ref.key,
        detail: `a leaf of ${root.key} is no longer in the locker: the 2 snapshot(s) it sealed are not sealed`,
      },
    ]);
    expect(result.entries.map((e) => e.key)).toEqual(snapshots.filter((k) => k.includes('/fake-a/')));
    expect(result.leaves).toBe(2);
  });

  it('a leaf that is not a leaf: corrupt; it seals nothing', async () => {
    const ref = refOf('fake-b');
    await overwrite(ref.key, '{"schema":"something else"}');
    const result = await entriesOf([ref]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ problem: 'corrupt', key: ref.key });
    expect(result.problems[0]!.detail).toContain('not a digest leaf');
    expect(result.entries).toEqual([]);
  });

  it('an I/O error reading a leaf or its signature is thrown, never taken as a verdict', async () => {
    const ref = refOf('fake-b');
    const get = locker.get.bind(locker);
    locker.get = async (key) => {
      if (key === ref.key) throw new Error('EIO leaf');
      return get(key);
    };
    await expect(entriesOf([ref])).rejects.toThrow('EIO leaf');
    locker.get = async (key) => {
      if (key === signatureKey(ref.key)) throw new Error('EIO signature');
      return get(key);
    };
    await expect(entriesOf([ref])).rejects.toThrow('EIO signature');
  });

  it('a leaf altered: hash-mismatch against the SHA-256 its root names; it seals nothing', async () => {
    const ref = refOf('fake-b');
    const leaf = (await readLeaf(locker, ref.key)).leaf;
    const edited = canonicalBytes({ ...leaf, snapshots: leaf.snapshots.slice(1) });
    await overwrite(ref.key, edited);
    const result = await entriesOf([ref]);
    expect(result.problems).toEqual([
      {
        problem: 'hash-mismatch',
        key: ref.key,
        detail: `SHA-256 is ${sha256Hex(edited)} (${edited.byteLength} bytes), its root ${root.key} sealed ${ref.sha256} (${ref.size} bytes): the leaf was altered or replaced, so it seals nothing`,
      },
    ]);
    expect(result.entries).toEqual([]);
  });

  // A root (signed with the key) that names, by its true SHA-256, a leaf written for something
  // else: each of the four fields the leaf must share with its root and reference.
  for (const [field, change] of [
    ['day', { day: '2026-04-04' }],
    ['sealedAt', { sealedAt: '2026-04-06T03:00:00.001Z' }],
    ['collector', { collector: 'fake-c' }],
    ['shard', { shard: 'ff' }],
  ] as const) {
    it(`a leaf whose ${field} is not its root's: corrupt, and it seals nothing`, async () => {
      const ref = refOf('fake-b');
      const leaf = (await readLeaf(locker, ref.key)).leaf;
      const bytes = canonicalBytes({ ...leaf, ...change });
      await overwrite(ref.key, bytes);
      await overwrite(signatureKey(ref.key), await signer.sign(bytes));
      const named = { ...ref, sha256: sha256Hex(bytes), size: bytes.byteLength };
      const result = await entriesOf([named]);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ problem: 'corrupt', key: ref.key });
      expect(result.problems[0]!.detail).toBe(
        `the leaf says ${change.collector ?? 'fake-b'}/${change.shard ?? ref.shard} of ${change.day ?? DAY} sealed at ${change.sealedAt ?? SEALED}; its root ${root.key} names fake-b/${ref.shard} of ${DAY} sealed at ${SEALED}`,
      );
      expect(result.entries).toEqual([]);
    });
  }

  it('the signature travels with the leaf (metadata) and as <key>.sig, the same bytes; one read gives both', async () => {
    const ref = refOf('fake-b');
    const read = await readLeaf(locker, ref.key);
    expect(read.signed.from).toBe('metadata');
    expect(read.signed.copy).toBeUndefined();
    expect(read.signed.signature).toEqual((await locker.get(signatureKey(ref.key))).body);
    await sealedBefore();
    expect((await readLeaf(locker, ref.key)).signed).toEqual({
      from: 'object',
      signature: read.signed.signature,
    });
    expect((await digestEntries(locker, root, { trusted })).problems).toEqual([]);
  });

  it('a leaf whose metadata signature is valid but whose <key>.sig is gone or another: unsigned or bad-signature (fail closed), and it still seals', async () => {
    const ref = refOf('fake-b');
    const body = (await readLeaf(locker, ref.key)).body;
    const original = (await locker.get(signatureKey(ref.key))).body;
    // Another valid signature by the same key (ECDSA signs anew each time): still not the copy.
    await overwrite(signatureKey(ref.key), await signer.sign(body));
    const other = await entriesOf([ref]);
    expect(other.problems).toEqual([
      {
        problem: 'bad-signature',
        key: ref.key,
        detail: `${signatureKey(ref.key)} differs from the signature in the leaf's metadata (the seal writes the same bytes to both): one of them was replaced`,
      },
    ]);
    expect(other.entries).toHaveLength(2);
    await overwrite(signatureKey(ref.key), original);
    expect((await entriesOf([ref])).problems).toEqual([]);
    await rm(file(dir, signatureKey(ref.key)));
    const gone = await entriesOf([ref]);
    expect(gone.problems).toEqual([
      {
        problem: 'unsigned',
        key: ref.key,
        detail: `${signatureKey(ref.key)} is missing (the signature in the leaf's metadata is valid): openssl and older verifiers find the leaf unsigned`,
      },
    ]);
    expect(gone.entries).toHaveLength(2);
  });

  it('a leaf whose metadata signature is removed: judged by its <key>.sig as before (valid, or unsigned when that is gone too)', async () => {
    const ref = refOf('fake-b');
    await overwriteMeta(ref.key, undefined);
    expect((await entriesOf([ref])).problems).toEqual([]);
    await rm(file(dir, signatureKey(ref.key)));
    expect((await entriesOf([ref])).problems).toEqual([
      { problem: 'unsigned', key: ref.key, detail: `no signature ${signatureKey(ref.key)}` },
    ]);
  });

  it('a leaf whose metadata signature is altered, cut, not base64, or by another key: bad-signature or untrusted-key, as a .sig would be, whatever its .sig says', async () => {
    const ref = refOf('fake-b');
    const body = (await readLeaf(locker, ref.key)).body;
    const good = (await locker.get(signatureKey(ref.key))).body;
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const byOther = sign('sha256', body, other.privateKey);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    const bad = {
      problem: 'bad-signature',
      key: ref.key,
      detail: `the signature in the metadata of ${ref.key} is not a valid signature of these bytes by any trusted key: the digest was altered or signed by someone else`,
    };
    for (const signature of [flipped, good.subarray(0, 20), Buffer.alloc(0), byOther]) {
      await overwriteMeta(ref.key, signature);
      expect((await entriesOf([ref])).problems).toEqual([bad]);
    }
    // Not base64 at all (S3 metadata is text): its bytes, which verify nothing.
    const meta = file(path.join(dir, '.meta'), ref.key);
    await writeFile(meta, JSON.stringify({ 'evidence-signature': '!!not base64!!' }));
    expect((await entriesOf([ref])).problems).toEqual([bad]);
    await writeFile(meta, 'not json');
    expect((await entriesOf([ref])).problems).toEqual([bad]);
    // By a key the locker publishes but nobody trusts, in both places: named.
    await overwriteMeta(ref.key, byOther);
    await overwrite(signatureKey(ref.key), byOther);
    const candidates = async () => new Map([[fingerprintOf(other.publicKey), other.publicKey]]);
    expect((await entriesOf([ref], { candidates })).problems).toEqual([
      {
        problem: 'untrusted-key',
        key: ref.key,
        detail: `signed by key ${fingerprintOf(other.publicKey)}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`,
      },
    ]);
  });

  it('a leaf sealed before, without its signature: unsigned, and it still seals (the signed root vouches for its bytes)', async () => {
    await sealedBefore();
    const ref = refOf('fake-b');
    await rm(file(dir, signatureKey(ref.key)));
    const result = await entriesOf([ref]);
    expect(result.problems).toEqual([
      { problem: 'unsigned', key: ref.key, detail: `no signature ${signatureKey(ref.key)}` },
    ]);
    expect(result.entries).toHaveLength(2);
  });

  it('a leaf sealed before, signed by another key: bad-signature; by a key the locker publishes but nobody trusts: untrusted-key, named', async () => {
    await sealedBefore();
    const ref = refOf('fake-b');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = (await readLeaf(locker, ref.key)).body;
    await overwrite(signatureKey(ref.key), sign('sha256', body, other.privateKey));
    const bad = await entriesOf([ref]);
    expect(bad.problems).toEqual([
      {
        problem: 'bad-signature',
        key: ref.key,
        detail: `${signatureKey(ref.key)} is not a valid signature of these bytes by any trusted key: the digest was altered or signed by someone else`,
      },
    ]);
    expect(bad.entries).toHaveLength(2);

    let asked = 0;
    const candidates = async (): Promise<Map<string, KeyObject>> => {
      asked++;
      return new Map([[fingerprintOf(other.publicKey), other.publicKey]]);
    };
    const named = await entriesOf([ref], { candidates });
    expect(asked).toBe(1);
    expect(named.problems).toEqual([
      {
        problem: 'untrusted-key',
        key: ref.key,
        detail: `signed by key ${fingerprintOf(other.publicKey)}, which is not trusted (not the KMS key, not the key file, not in locker.trustedKeys)`,
      },
    ]);
    // A valid signature never asks for the candidates.
    await overwrite(signatureKey(ref.key), await signer.sign(body));
    expect((await entriesOf([ref], { candidates })).problems).toEqual([]);
    expect(asked).toBe(1);
  });

  it('nothing trusted: the bad signature says so', () => {
    expect(signatureProblem('k', { status: 'bad-signature' }, new Map())?.detail).toBe(
      'k.sig is not a valid signature of these bytes by any trusted key (no key is trusted: see docs/verify.md): the digest was altered or signed by someone else',
    );
    expect(signatureProblem('k', { status: 'valid', fingerprint: 'f' }, new Map())).toBeUndefined();
  });

  it('the root read by the chain walk names the same leaves (listDigests)', async () => {
    const listing = await listDigests(locker);
    expect(listing.digests.map((d) => d.key)).toEqual([root.key]);
  });
});
