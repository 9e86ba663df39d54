/**
 * The digest form that scales (`evidence.digest/3`: signed leaves per collector and account
 * shard under a signed daily root) is as sound as the form that lists every snapshot: each
 * tamper case is caught, a locker sealed in the old form then the new verifies clean, and an
 * auditor checks one snapshot with sha256sum and openssl through the root and one leaf.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import {
  type DigestRoot,
  linkKey,
  listDigests,
  readDigest,
  readLeaf,
  seal,
  shardOf,
} from '../../shared/evidence/digest.js';
import { loadSigner, signatureKey } from '../../shared/evidence/signing.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { listAll } from '../../shared/locker/types.js';
import { type VerifyResult, verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES, fill, testConfig, VERIFY_MODES, verifyAs } from './fixtures.js';

const FROM = '2026-04-01';
const TO = '2026-04-10';
const NOW = fixedClock('2026-04-13T00:00:00.000Z');
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));
const problems = (result: VerifyResult) => result.integrity.map((p) => `${p.problem} ${p.key}`);

function stateOn(result: VerifyResult, series: string, day: string) {
  const s = result.series.find((x) => `${x.collector}/${x.scope}` === series);
  return s?.days.find((r) => r.from <= day && r.to >= day)?.state;
}

async function overwrite(target: string, bytes: Uint8Array | string) {
  await chmod(target, 0o644);
  await writeFile(target, bytes);
}

describe.each(VERIFY_MODES)(
  'sound verify with the digest form that scales (directory locker), %s',
  (_mode, perPart) => {
    let dir: string;
    let locker: DirectoryLocker;
    const run = () =>
      verifyAs(perPart, { locker, config: testConfig(), from: FROM, to: TO, clock: NOW, collectors: FAKES });
    /** The root of `day` and the leaf of fake-b (x-1 and x-2 share no account: their own shards). */
    const rootOf = async (day: string) => {
      const listing = await listDigests(locker);
      const key = listing.digests.find((d) => d.key.startsWith(`digests/${day}/`))!.key;
      return (await readDigest(locker, key)) as Awaited<ReturnType<typeof readDigest>> & {
        digest: DigestRoot;
      };
    };
    const leafOfX1 = async (day: string) => {
      const root = await rootOf(day);
      return root.digest.leaves.find((l) => l.collector === 'fake-b' && l.shard === shardOf('x-1'))!;
    };
    const x1 = (day: string) =>
      snapshotKey(
        makeSnapshot({
          collector: 'fake-b',
          scope: 'x-1',
          collectedAt: `${day}T00:05:00.000Z`,
          runId: `run-${day}`,
        }),
      );

    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'sound-leaves-'));
      locker = new DirectoryLocker(dir);
    });

    it('seals a root naming one signed leaf per collector and shard; the window verifies clean', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const root = await rootOf('2026-04-05');
      expect(root.digest.schema).toBe('evidence.digest/3');
      expect(root.digest.leaves.map((l) => `${l.collector}/${l.shard}`).sort()).toEqual(
        [`fake-a/${shardOf('org-acme')}`, `fake-b/${shardOf('x-1')}`, `fake-b/${shardOf('x-2')}`].sort(),
      );
      for (const ref of root.digest.leaves) {
        const leaf = await readLeaf(locker, ref.key);
        expect(leaf.sha256).toBe(ref.sha256);
        expect(leaf.leaf.snapshots).toHaveLength(ref.entries);
        expect((await locker.get(signatureKey(ref.key))).body.byteLength).toBeGreaterThan(0);
      }
      // Sealing the day again reads its leaves: nothing is sealed twice.
      const again = await seal(locker, { day: '2026-04-05', clock: NOW, retentionDays: 730, form: 3 });
      expect(again).toMatchObject({ sealed: [], alreadySealed: 3 });
      expect(again.key).toBeUndefined();
      const result = await run();
      expect(result.integrity).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it("verifying a window reads the leaves of the window's days only; the chain of roots is still read whole", async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const read: string[] = [];
      const get = locker.get.bind(locker);
      locker.get = async (key: string) => {
        read.push(key);
        return get(key);
      };
      const result = await verify({
        locker,
        config: testConfig(),
        from: '2026-04-09',
        to: TO,
        clock: NOW,
        collectors: FAKES,
      });
      expect(result.integrity).toEqual([]);
      const leafDays = new Set(read.filter((k) => k.startsWith('leaves/')).map((k) => k.split('/')[1]));
      expect([...leafDays].sort()).toEqual(['2026-04-09', '2026-04-10']);
      expect(read.filter((k) => /^digests\/2026-04-\d\d\/[^/]+\.json$/.test(k))).toHaveLength(10);
    });

    it('a locker sealed in the old form, then the new, verifies clean', async () => {
      await fill(locker, FROM, '2026-04-05', { form: 2 });
      await fill(locker, '2026-04-06', TO, { form: 3 });
      const listing = await listDigests(locker);
      const forms = await Promise.all(
        listing.digests.map(async (d) => (await readDigest(locker, d.key)).digest.schema),
      );
      expect(forms.filter((f) => f === 'evidence.digest/2')).toHaveLength(5);
      expect(forms.filter((f) => f === 'evidence.digest/3')).toHaveLength(5);
      const result = await run();
      expect(result.integrity).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it('a leaf deleted: reported, and its snapshots count as not sealed', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      await rm(file(dir, ref.key));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`deleted ${ref.key}`);
      expect(problems(result)).toContain(`not-sealed ${x1('2026-04-05')}`);
      expect(stateOn(result, 'fake-b/x-1', '2026-04-05')).toBe('unusable');
      expect(stateOn(result, 'fake-b/x-2', '2026-04-05')).toBe('present');
    });

    it('a leaf altered (an entry changed to match an altered snapshot): hash-mismatch against its root', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      const target = x1('2026-04-05');
      const edited = Buffer.from(
        (await readFile(file(dir, target), 'utf8')).replace('"status":"ok"', '"status":"ok" '),
      );
      await overwrite(file(dir, target), edited);
      const leaf = JSON.parse(await readFile(file(dir, ref.key), 'utf8'));
      leaf.snapshots[0].sha256 = sha256Hex(edited);
      leaf.snapshots[0].size = edited.byteLength;
      await overwrite(file(dir, ref.key), canonicalBytes(leaf));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`hash-mismatch ${ref.key}`);
      expect(stateOn(result, 'fake-b/x-1', '2026-04-05')).toBe('unusable');
    });

    it('a leaf re-signed with another key: bad-signature on the leaf', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const body = await readFile(file(dir, ref.key));
      await overwrite(file(dir, signatureKey(ref.key)), sign('sha256', body, other.privateKey));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`bad-signature ${ref.key}`);
    });

    // The signature travels in the leaf's metadata (the directory locker's side file under
    // .meta/; S3 user metadata) as well as in `<key>.sig`: one read gives the leaf and its
    // signature. Each way of tampering with either is still caught.
    const metaFile = (key: string) => path.join(dir, '.meta', ...key.split('/'));
    const overwriteMeta = (key: string, signature: Uint8Array) =>
      overwrite(
        metaFile(key),
        JSON.stringify({ 'evidence-signature': Buffer.from(signature).toString('base64') }),
      );

    it('a leaf whose metadata signature is altered or by another key: bad-signature, though its .sig is intact', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const body = await readFile(file(dir, ref.key));
      await overwriteMeta(ref.key, sign('sha256', body, other.privateKey));
      const byOther = await run();
      expect(byOther.ok).toBe(false);
      expect(problems(byOther)).toContain(`bad-signature ${ref.key}`);
      const good = await readFile(file(dir, signatureKey(ref.key)));
      const flipped = Buffer.from(good);
      flipped[10]! ^= 1;
      await overwriteMeta(ref.key, flipped);
      const altered = await run();
      expect(altered.ok).toBe(false);
      expect(problems(altered)).toContain(`bad-signature ${ref.key}`);
    });

    it('a leaf re-signed with another key in both places (metadata and .sig): bad-signature', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = sign('sha256', await readFile(file(dir, ref.key)), other.privateKey);
      await overwriteMeta(ref.key, forged);
      await overwrite(file(dir, signatureKey(ref.key)), forged);
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`bad-signature ${ref.key}`);
    });

    it('a leaf whose .sig is deleted (its metadata signature intact): unsigned, fail closed', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      await rm(file(dir, signatureKey(ref.key)));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`unsigned ${ref.key}`);
    });

    it('a leaf whose metadata signature is removed: judged by its .sig (clean); both removed: unsigned', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const ref = await leafOfX1('2026-04-05');
      await rm(metaFile(ref.key));
      const judgedBySig = await run();
      expect(judgedBySig.integrity).toEqual([]);
      expect(judgedBySig.ok).toBe(true);
      await rm(file(dir, signatureKey(ref.key)));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`unsigned ${ref.key}`);
    });

    it('leaves sealed before signatures travelled with them (.sig only) verify clean, alone and next to leaves with metadata', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      await rm(path.join(dir, '.meta', 'leaves', '2026-04-05'), { recursive: true });
      const mixed = await run();
      expect(mixed.integrity).toEqual([]);
      expect(mixed.ok).toBe(true);
      await rm(path.join(dir, '.meta'), { recursive: true });
      const before = await run();
      expect(before.integrity).toEqual([]);
      expect(before.ok).toBe(true);
    });

    it('a leaf missing from its root (the root rewritten without it): the root fails its signature and the chain, the snapshots are not sealed', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const root = await rootOf('2026-04-05');
      const ref = await leafOfX1('2026-04-05');
      const edited = { ...root.digest, leaves: root.digest.leaves.filter((l) => l.key !== ref.key) };
      await overwrite(file(dir, root.key), canonicalBytes(edited));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`bad-signature ${root.key}`);
      expect(problems(result)).toContain(`not-sealed ${x1('2026-04-05')}`);
      expect(result.integrity.some((p) => p.problem === 'chain-broken')).toBe(true);
    });

    it('a leaf no root names (a forged snapshot sealed in a leaf of its own): the snapshot is not sealed', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const forged = makeSnapshot({
        collector: 'fake-b',
        scope: 'x-1',
        collectedAt: '2026-04-05T00:06:00.000Z',
        runId: 'forged',
      });
      const key = snapshotKey(forged);
      const bytes = canonicalBytes(forged);
      await locker.put(key, bytes, { retainUntil: new Date('2028-01-01T00:00:00Z') });
      const ref = await leafOfX1('2026-04-05');
      const leaf = JSON.parse(await readFile(file(dir, ref.key), 'utf8'));
      leaf.snapshots.push({ ...leaf.snapshots[0], key, sha256: sha256Hex(bytes), size: bytes.byteLength });
      await locker.put(ref.key.replace('.json', '-extra.json'), canonicalBytes(leaf), {
        retainUntil: new Date('2028-01-01T00:00:00Z'),
      });
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`not-sealed ${key}`);
    });

    it('a root cut from the end of the chain (with its link and leaves): chain-truncated against the last report', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const before = await run();
      expect(before.ok).toBe(true);
      await writeVerifyReport(locker, before, 730, await loadSigner());
      const head = before.chain.head!;
      await rm(file(dir, head.key));
      await rm(file(dir, signatureKey(head.key)));
      await rm(file(dir, linkKey(head.digests)));
      const after = await run();
      expect(after.ok).toBe(false);
      expect(problems(after)).toContain(`chain-truncated ${head.key}`);
    });

    it('a root deleted inside the chain: deleted, and its day has no digest', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const root = await rootOf('2026-04-05');
      await rm(file(dir, root.key));
      const result = await run();
      expect(result.ok).toBe(false);
      expect(problems(result)).toContain(`deleted ${root.key}`);
      expect(stateOn(result, 'fake-b/x-1', '2026-04-05')).toBe('unusable');
    });

    it('an auditor checks one snapshot with sha256sum and openssl through the root and one leaf', async () => {
      await fill(locker, FROM, TO, { form: 3 });
      const root = await rootOf('2026-04-05');
      const ref = await leafOfX1('2026-04-05');
      const snapshot = x1('2026-04-05');
      const [pem] = (await listAll(locker, 'keys/')).map((o) => o.key);
      const sum = (key: string) =>
        execFileSync('sha256sum', [file(dir, key)], { encoding: 'utf8' }).split(' ')[0]!;
      // 1. The snapshot's SHA-256 is in its leaf, next to its key.
      const leafText = await readFile(file(dir, ref.key), 'utf8');
      expect(leafText).toContain(`"key":"${snapshot}"`);
      expect(new RegExp(`"key":"${snapshot}"[^}]*"sha256":"${sum(snapshot)}"`).test(leafText)).toBe(true);
      // 2. The leaf's SHA-256 is in the root, next to its key.
      const rootText = await readFile(file(dir, root.key), 'utf8');
      expect(new RegExp(`"key":"${ref.key}","sha256":"${sum(ref.key)}"`).test(rootText)).toBe(true);
      // 3. The root is signed by the published key (and so is the leaf).
      const verifyWith = (key: string) =>
        execFileSync(
          'openssl',
          [
            'dgst',
            '-sha256',
            '-verify',
            file(dir, pem!),
            '-signature',
            file(dir, signatureKey(key)),
            file(dir, key),
          ],
          { encoding: 'utf8' },
        );
      expect(verifyWith(root.key)).toContain('Verified OK');
      expect(verifyWith(ref.key)).toContain('Verified OK');
    });
  },
);
