/**
 * The digest format (shared/evidence/digest/format.ts) at its boundaries: keys parsed and
 * refused, digests ordered by their sealing instant, a listing of digests/ sorted into
 * digests, links and signatures, a link whose sequence disagrees with its key, a digest or
 * leaf that is no digest, and what an entry records of a snapshot or a record as read (a
 * partial snapshot's errors shortened). The mutants StrykerJS found surviving in format.ts
 * (issue 27, item 5). Real objects in a directory locker.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { CorruptEvidenceError } from '../../shared/errors.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import {
  Digest,
  DigestEntry,
  describeRecord,
  describeSealed,
  digestKey,
  envelopeFields,
  Leaf,
  LeafRef,
  leafKey,
  linkKey,
  listDigests,
  orderBySealedAt,
  parseDigestKey,
  parseLinkKey,
  readDigest,
  readLeaf,
  readLink,
  seal,
} from '../../shared/evidence/digest.js';
import { fileSigner } from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import type { ObjectInfo } from '../../shared/locker/types.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const RETAIN = { retainUntil: new Date('2028-01-01T00:00:00.000Z') };
const AT = new Date('2026-04-06T03:00:00.000Z');
const locker = async () => new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'format-')));
const listed = (key: string) => ({ key, size: 1, lastModified: AT });

describe('keys', () => {
  it('digest, leaf and link keys, parsed back; anything else refused', () => {
    expect(digestKey('2026-04-05', AT)).toBe('digests/2026-04-05/20260406T030000000Z.json');
    expect(parseDigestKey('digests/2026-04-05/20260406T030000000Z.json')).toEqual({
      day: '2026-04-05',
      sealedAt: '20260406T030000000Z',
    });
    expect(leafKey('2026-04-05', AT, 'iam', '0a')).toBe('leaves/2026-04-05/20260406T030000000Z/iam/0a.json');
    expect(linkKey(12)).toBe('digests/chain/0000000012.json');
    expect(parseLinkKey('digests/chain/0000000012.json')).toBe(12);
    for (const bad of [
      'x/digests/2026-04-05/20260406T030000000Z.json',
      'digests/2026-04-05/20260406T030000000Z.json.sig',
      'digests/2026-4-05/20260406T030000000Z.json',
      'digests/2026-04-05/20260406T03000000Z.json',
    ])
      expect(parseDigestKey(bad)).toBeUndefined();
    for (const bad of [
      'digests/chain/000000012.json',
      'x/digests/chain/0000000012.json',
      'digests/chain/0000000012.json.sig',
    ])
      expect(parseLinkKey(bad)).toBeUndefined();
  });

  it('digests ordered by sealing instant, then key; other keys dropped', () => {
    const keys = [
      'digests/2026-04-06/20260407T030000000Z.json',
      'digests/2026-04-05/20260407T030000000Z.json',
      'digests/2026-04-07/20260406T030000000Z.json',
      'digests/chain/0000000001.json',
      'digests/2026-04-05/20260406T030000000Z.json.sig',
    ].map(listed);
    expect(orderBySealedAt(keys).map((k) => k.key)).toEqual([
      'digests/2026-04-07/20260406T030000000Z.json',
      'digests/2026-04-05/20260407T030000000Z.json',
      'digests/2026-04-06/20260407T030000000Z.json',
    ]);
    expect(orderBySealedAt([...keys].reverse()).map((k) => k.key)).toEqual([
      'digests/2026-04-07/20260406T030000000Z.json',
      'digests/2026-04-05/20260407T030000000Z.json',
      'digests/2026-04-06/20260407T030000000Z.json',
    ]);
  });
});

describe('reading (directory locker)', () => {
  it('a listing of digests/ sorts digests, links and signatures, ignoring the rest', async () => {
    const l = await locker();
    for (const key of [
      'digests/2026-04-05/20260407T030000000Z.json',
      'digests/2026-04-05/20260406T030000000Z.json',
      'digests/2026-04-05/20260406T030000000Z.json.sig',
      'digests/chain/0000000002.json',
      'digests/chain/0000000001.json',
      'digests/notes.txt',
    ])
      await l.put(key, Buffer.from('x'), RETAIN);
    const listing = await listDigests(l);
    expect(listing.digests.map((d) => d.key)).toEqual([
      'digests/2026-04-05/20260406T030000000Z.json',
      'digests/2026-04-05/20260407T030000000Z.json',
    ]);
    expect([...listing.links.entries()].map(([n, o]) => [n, o.key])).toEqual([
      [1, 'digests/chain/0000000001.json'],
      [2, 'digests/chain/0000000002.json'],
    ]);
    expect([...listing.signatures]).toEqual(['digests/2026-04-05/20260406T030000000Z.json.sig']);
  });

  it('a digest and a leaf sealed are read back with their bytes and SHA-256', async () => {
    const l = await locker();
    await writeSnapshot(l, makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z' }), 730);
    const signer = await fileSigner(path.join(l.url, '..', `${path.basename(l.url)}-key.pem`), {
      create: true,
    });
    const sealed = await seal(l, {
      day: '2026-04-05',
      clock: fixedClock(AT),
      retentionDays: 730,
      signer,
      form: 3,
    });
    const root = await readDigest(l, sealed.key!);
    expect(root).toMatchObject({ key: sealed.key, sha256: sealed.sha256 });
    expect(root.body).toEqual((await l.get(sealed.key!)).body);
    expect(root.info?.key).toBe(sealed.key);
    const ref = root.digest.schema === 'evidence.digest/3' ? root.digest.leaves[0]! : undefined;
    const leaf = await readLeaf(l, ref!.key);
    expect(leaf).toMatchObject({ key: ref!.key, sha256: ref!.sha256 });
    expect(leaf.leaf.snapshots).toHaveLength(1);
    expect(sha256Hex(leaf.body)).toBe(ref!.sha256);
  });

  it('a link whose sequence is not its key is corrupt; so are a digest and a leaf that are none', async () => {
    const l = await locker();
    const link = {
      schema: 'evidence.chain-link/1',
      sequence: 2,
      key: 'digests/x.json',
      sha256: 'a'.repeat(64),
    };
    await l.put(linkKey(2), canonicalBytes(link), RETAIN);
    expect(await readLink(l, linkKey(2))).toEqual(link);
    await l.put(linkKey(3), canonicalBytes(link), RETAIN);
    await expect(readLink(l, linkKey(3))).rejects.toThrow(
      new CorruptEvidenceError(linkKey(3), 'not a chain link, or its sequence disagrees with its key'),
    );
    await l.put(linkKey(4), canonicalBytes({ ...link, sequence: 4, sha256: 'A'.repeat(64) }), RETAIN);
    await expect(readLink(l, linkKey(4))).rejects.toBeInstanceOf(CorruptEvidenceError);

    const key = digestKey('2026-04-05', AT);
    await l.put(key, canonicalBytes({ schema: 'evidence.digest/2', day: '2026-04-05' }), RETAIN);
    await expect(readDigest(l, key)).rejects.toThrow(/not a digest \(sealedAt: /);
    const leaf = leafKey('2026-04-05', AT, 'iam', '0a');
    await l.put(leaf, canonicalBytes({ schema: 'evidence.digest-leaf/1', day: 'monday' }), RETAIN);
    await expect(readLeaf(l, leaf)).rejects.toThrow(/not a digest leaf \(day: /);
  });
});

describe('entries as read', () => {
  const info = (extra: Partial<ObjectInfo> = {}): ObjectInfo => ({
    key: 'k',
    size: 1,
    lastModified: new Date('2026-04-05T00:05:01.000Z'),
    ...extra,
  });

  it('a snapshot: bytes, envelope fields, write time and (S3) version and lock', () => {
    const body = canonicalBytes(makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z' }));
    const key =
      'snapshots/2026-04-05/guardduty/aws-123456789012-us-east-1/20260405T000500000Z-run000000001.json';
    expect(describeSealed(key, body, info())).toEqual({
      key,
      size: body.byteLength,
      sha256: sha256Hex(body),
      status: 'ok',
      collectedAt: '2026-04-05T00:05:00.000Z',
      day: '2026-04-05',
      collector: 'guardduty',
      scope: 'aws-123456789012-us-east-1',
      runId: 'run000000001',
      durationMs: 10,
      items: 1,
      lastModified: '2026-04-05T00:05:01.000Z',
    });
    const s3 = describeSealed(
      key,
      body,
      info({ versionId: 'v1', lockMode: 'COMPLIANCE', retainUntil: new Date('2028-04-05T00:00:00.000Z') }),
    );
    expect(s3).toMatchObject({
      versionId: 'v1',
      lockMode: 'COMPLIANCE',
      retainUntil: '2028-04-05T00:00:00.000Z',
    });
  });

  it("a partial snapshot keeps its first five errors, each cut to 300 characters; an ok one's errors are not kept", () => {
    const errors = ['a'.repeat(400), 'b', 'c', 'd', 'e', 'f'];
    const partial = canonicalBytes(
      makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z', status: 'partial', errors }),
    );
    expect(describeSealed('k', partial, info()).errors).toEqual(['a'.repeat(300), 'b', 'c', 'd', 'e']);
    const none = canonicalBytes(
      makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z', status: 'partial', errors: [] }),
    );
    expect(describeSealed('k', none, info()).errors).toBeUndefined();
    const ok = canonicalBytes(makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z', errors: ['x'] }));
    expect(describeSealed('k', ok, info()).errors).toBeUndefined();
  });

  it('a body that is no envelope: bytes and write time only; stats without duration or items recorded as absent', () => {
    for (const body of ['not json', '{"status":"ok"}', '[]']) {
      expect(describeSealed('k', Buffer.from(body), info())).toEqual({
        key: 'k',
        size: Buffer.byteLength(body),
        sha256: sha256Hex(Buffer.from(body)),
        lastModified: '2026-04-05T00:05:01.000Z',
      });
      expect(envelopeFields(Buffer.from(body))).toBeUndefined();
    }
    const snapshot = makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z' });
    const odd = canonicalBytes({ ...snapshot, stats: { durationMs: -1 } });
    const entry = describeSealed('k', odd, info());
    expect(entry.status).toBe('ok');
    expect(entry).not.toHaveProperty('durationMs');
    expect(entry).not.toHaveProperty('items');
    const noItems = canonicalBytes({ ...snapshot, stats: { durationMs: 0 } });
    expect(describeSealed('k', noItems, info())).toMatchObject({ durationMs: 0 });
    expect(describeSealed('k', noItems, info())).not.toHaveProperty('items');
  });

  it('a record: bytes, the instant its key claims, write time, version and lock', () => {
    const body = Buffer.from('{"a":1}');
    expect(describeRecord('acknowledgements/20260405T100000000Z-a.json', body, info())).toEqual({
      key: 'acknowledgements/20260405T100000000Z-a.json',
      size: 7,
      sha256: sha256Hex(body),
      recordedAt: '2026-04-05T10:00:00.000Z',
      lastModified: '2026-04-05T00:05:01.000Z',
    });
    expect(describeRecord('acknowledgements/a.json', body, info())).not.toHaveProperty('recordedAt');
    expect(
      describeRecord(
        'acknowledgements/a.json',
        body,
        info({ versionId: 'v', lockMode: 'GOVERNANCE', retainUntil: new Date('2027-01-01T00:00:00.000Z') }),
      ),
    ).toMatchObject({ versionId: 'v', lockMode: 'GOVERNANCE', retainUntil: '2027-01-01T00:00:00.000Z' });
  });
});

// The schemas are built when the module loads, so the mutation runs before 7 December 2026
// (ignoreStatic) never changed them: each field below is one a static mutant of format.ts
// loosened or tightened with no test failing (docs/threat-model.md, "Mutation testing": the
// evidence primitives).
describe('the digest schemas, field by field', () => {
  const hex = 'a'.repeat(64);
  const entry = { key: 'snapshots/2026-04-05/iam/aws-1/20260405T000500000Z-r.json', size: 1, sha256: hex };
  const v2 = {
    schema: 'evidence.digest/2',
    day: '2026-04-05',
    sealedAt: '2026-04-06T03:00:00.000Z',
    sequence: 1,
    previous: null,
    snapshots: [{ ...entry, status: 'ok' }],
    records: [],
    configuration: { sha256: hex, fileSha256: null, key: `configs/${hex}.json` },
    tool: { name: 'evidence-locker', version: 'test' },
  };
  const ref = { key: 'leaves/x.json', sha256: hex, size: 1, collector: 'iam', shard: '00', entries: 1 };
  const { snapshots: _, ...rootFields } = v2;
  const v3 = { ...rootFields, schema: 'evidence.digest/3', leaves: [ref] };
  const leaf = {
    schema: 'evidence.digest-leaf/1',
    day: '2026-04-05',
    sealedAt: '2026-04-06T03:00:00.000Z',
    collector: 'iam',
    shard: '00',
    snapshots: [entry],
    tool: { name: 'evidence-locker', version: 'test' },
  };
  const link = { schema: 'evidence.chain-link/1', sequence: 1, key: 'digests/x.json', sha256: hex };
  const not64 = ['a'.repeat(63), 'a'.repeat(65), `x${hex}`, `${hex}x`, 'A'.repeat(64), `${hex}\n`];

  it('accepts a digest, a root, a leaf and a link as sealed; each entry status; a later place and a predecessor', () => {
    expect(Digest.safeParse(v2).success).toBe(true);
    expect(Digest.safeParse(v3).success).toBe(true);
    expect(Leaf.safeParse(leaf).success).toBe(true);
    for (const status of ['ok', 'partial', 'error'])
      expect(DigestEntry.safeParse({ ...entry, status }).success, status).toBe(true);
    expect(
      Digest.safeParse({ ...v2, sequence: 2, previous: { key: 'digests/p.json', sha256: hex } }).success,
    ).toBe(true);
    expect(Digest.safeParse({ ...v2, configuration: { ...v2.configuration, fileSha256: hex } }).success).toBe(
      true,
    );
  });

  it('a SHA-256 is 64 lower-case hex digits, nothing before or after, wherever it is', () => {
    for (const bad of not64) {
      const label = JSON.stringify(bad);
      expect(DigestEntry.safeParse({ ...entry, sha256: bad }).success, label).toBe(false);
      expect(LeafRef.safeParse({ ...ref, sha256: bad }).success, label).toBe(false);
      expect(
        Digest.safeParse({ ...v2, previous: { key: 'digests/p.json', sha256: bad } }).success,
        label,
      ).toBe(false);
      expect(
        Digest.safeParse({ ...v2, configuration: { ...v2.configuration, sha256: bad } }).success,
        label,
      ).toBe(false);
    }
  });

  it('refuses an entry status, a place, a predecessor, a configuration or a tool that is not one', () => {
    expect(DigestEntry.safeParse({ ...entry, status: 'unknown' }).success).toBe(false);
    expect(DigestEntry.safeParse({ ...entry, status: '' }).success).toBe(false);
    for (const sequence of [0, -1, 1.5])
      expect(Digest.safeParse({ ...v2, sequence }).success, `${sequence}`).toBe(false);
    expect(Digest.safeParse({ ...v2, previous: { key: 'digests/p.json' } }).success).toBe(false);
    expect(Digest.safeParse({ ...v2, previous: { sha256: hex } }).success).toBe(false);
    expect(Digest.safeParse({ ...v2, configuration: { sha256: hex, fileSha256: null } }).success).toBe(false);
    expect(Digest.safeParse({ ...v2, tool: { name: 'evidence-locker' } }).success).toBe(false);
    expect(Digest.safeParse({ ...v3, tool: { version: 'test' } }).success).toBe(false);
    expect(Leaf.safeParse({ ...leaf, tool: { name: 'evidence-locker' } }).success).toBe(false);
  });

  it('a link: its place from 1 up, its SHA-256 exactly 64 hex digits', async () => {
    const l = await locker();
    await l.put(linkKey(1), canonicalBytes(link), RETAIN);
    expect(await readLink(l, linkKey(1))).toEqual(link);
    await l.put(linkKey(7), canonicalBytes({ ...link, sequence: 7 }), RETAIN);
    expect((await readLink(l, linkKey(7))).sequence).toBe(7);
    await l.put(linkKey(0), canonicalBytes({ ...link, sequence: 0 }), RETAIN);
    await expect(readLink(l, linkKey(0))).rejects.toBeInstanceOf(CorruptEvidenceError);
    for (const [i, bad] of not64.entries()) {
      await l.put(linkKey(10 + i), canonicalBytes({ ...link, sequence: 10 + i, sha256: bad }), RETAIN);
      await expect(readLink(l, linkKey(10 + i)), JSON.stringify(bad)).rejects.toBeInstanceOf(
        CorruptEvidenceError,
      );
    }
  });

  it('envelopeFields reads each status a snapshot can have', () => {
    for (const status of ['ok', 'partial', 'error'] as const) {
      const body = Buffer.from(
        JSON.stringify(makeSnapshot({ collectedAt: '2026-04-05T00:05:00.000Z', status })),
      );
      expect(envelopeFields(body)?.status, status).toBe(status);
    }
  });
});
