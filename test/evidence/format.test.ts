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
import { CorruptEvidenceError } from '../../shared/errors.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import {
  describeRecord,
  describeSealed,
  digestKey,
  envelopeFields,
  leafKey,
  linkKey,
  listDigests,
  orderBySealedAt,
  parseDigestKey,
  parseLinkKey,
  readDigest,
  readLeaf,
  readLink,
} from '../../shared/evidence/digest.js';
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
