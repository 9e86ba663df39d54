/**
 * Sealing (shared/evidence/digest/seal.ts) at its boundaries, against a directory locker: a day
 * not begun, a head that is missing or does not match its link, a seal that loses the race to
 * another (abandoned digest, retry on top, give up after the attempts), a slow clock, the
 * records of the day and of no other, nothing new to seal, and what a digest records. The
 * mutants StrykerJS found surviving in seal.ts (issue 27, item 5).
 */
import { createPublicKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Clock, fixedClock } from '../../shared/clock.js';
import {
  AlreadyExistsError,
  CorruptEvidenceError,
  LockerUnavailableError,
  UsageError,
} from '../../shared/errors.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import {
  chainHead,
  linkKey,
  listDigests,
  listRecordsOfDay,
  readDigest,
  seal,
  walkChain,
} from '../../shared/evidence/digest.js';
import { recordConfiguration, writeSignedRecord } from '../../shared/evidence/records.js';
import { fileSigner, type Signer, signatureKey, verifySignature } from '../../shared/evidence/signing.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const DAY = '2026-04-05';
const NEXT = '2026-04-06T03:00:00.000Z';
const file = (dir: string, key: string) => path.join(dir, ...key.split('/'));

describe('seal (directory locker)', () => {
  let dir: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  const snap = (runId: string, day = DAY) =>
    writeSnapshot(locker, makeSnapshot({ runId, collectedAt: `${day}T00:05:00.000Z` }), 730);
  const sealAt = (at: string | Clock, extra: Partial<Parameters<typeof seal>[1]> = {}) =>
    seal(locker, {
      day: DAY,
      clock: typeof at === 'string' ? fixedClock(at) : at,
      retentionDays: 730,
      signer,
      ...extra,
    });
  const overwrite = async (key: string, bytes: string | Uint8Array) => {
    await chmod(file(dir, key), 0o644);
    await writeFile(file(dir, key), bytes);
  };
  /** Chain links written by someone else first, `times` times (the race a seal can lose). */
  const loseLinks = (times: number) => {
    const put = locker.put.bind(locker);
    let lost = 0;
    locker.put = async (key, body, options) => {
      if (key.startsWith('digests/chain/') && lost < times) {
        lost++;
        throw new AlreadyExistsError(key);
      }
      return put(key, body, options);
    };
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'seal-'));
    locker = new DirectoryLocker(dir);
    signer = await fileSigner(`${dir}-key.pem`, { create: true });
  });

  it('a day not begun is refused; today may be sealed', async () => {
    await expect(sealAt('2026-04-04T23:59:59.999Z')).rejects.toThrow(
      new UsageError('cannot seal 2026-04-05: it has not begun (today is 2026-04-04, UTC)'),
    );
    expect((await sealAt('2026-04-05T00:00:00.000Z')).key).toBe(
      'digests/2026-04-05/20260405T000000000Z.json',
    );
  });

  it('a digest: sequence, previous, its signature by the signer, and what it seals', async () => {
    const a = await snap('run000000001');
    const first = await sealAt(NEXT);
    expect(first).toMatchObject({ day: DAY, sequence: 1, previous: null, alreadySealed: 0, retries: 0 });
    expect(first.sealed.map((e) => e.key)).toEqual([a.key]);
    const read = await readDigest(locker, first.key!);
    expect(first.sha256).toBe(read.sha256);
    expect(first.signature).toEqual({ key: signatureKey(first.key!), fingerprint: signer.fingerprint });
    const sig = (await locker.get(signatureKey(first.key!))).body;
    expect(verifySignature(read.body, sig, createPublicKey(signer.publicKeyPem()))).toBe(true);
    expect(JSON.parse((await locker.get(linkKey(1))).body.toString('utf8'))).toEqual({
      schema: 'evidence.chain-link/1',
      sequence: 1,
      key: first.key,
      sha256: first.sha256,
    });

    const b = await snap('run000000002');
    const second = await sealAt('2026-04-06T04:00:00.000Z');
    expect(second).toMatchObject({
      sequence: 2,
      previous: { key: first.key, sha256: first.sha256 },
      alreadySealed: 1,
    });
    expect(second.sealed.map((e) => e.key)).toEqual([b.key]);
    // Nothing new: no digest, the chain unchanged.
    const third = await sealAt('2026-04-06T05:00:00.000Z');
    expect(third).toEqual({
      day: DAY,
      previous: { key: second.key, sha256: second.sha256 },
      sealed: [],
      records: [],
      alreadySealed: 2,
      retries: 0,
    });
    expect((await listDigests(locker)).digests).toHaveLength(2);
  });

  it('an empty day is sealed once (the chain records it was looked at), then not again', async () => {
    const first = await sealAt(NEXT);
    expect(first.key).toBeDefined();
    expect(first.sealed).toEqual([]);
    const again = await sealAt('2026-04-06T04:00:00.000Z');
    expect(again.key).toBeUndefined();
    // Another day's first seal is written even though an empty day was sealed before.
    const other = await seal(locker, {
      day: '2026-04-04',
      clock: fixedClock(NEXT),
      retentionDays: 730,
      signer,
    });
    expect(other).toMatchObject({ sequence: 2, previous: { key: first.key } });
  });

  it("the day's signed records are sealed with it; a record of another day is not", async () => {
    const ack = await writeSignedRecord(locker, {
      key: 'acknowledgements/20260405T100000000Z-a.json',
      value: { a: 1 },
      at: new Date('2026-04-05T10:00:00.000Z'),
      retentionDays: 730,
      signer,
    });
    await writeSignedRecord(locker, {
      key: 'acknowledgements/20260406T000000000Z-b.json',
      value: { b: 1 },
      at: new Date('2026-04-06T00:00:00.000Z'),
      retentionDays: 730,
      signer,
    });
    expect(await listRecordsOfDay(locker, DAY)).toEqual([ack.key]);
    const first = await sealAt(NEXT);
    expect(first.records.map((r) => r.key)).toEqual([ack.key]);
    expect(first.records[0]).toMatchObject({ sha256: ack.sha256, recordedAt: '2026-04-05T10:00:00.000Z' });
    // Sealed once: a second seal finds nothing new (the records count as sealed).
    const again = await sealAt('2026-04-06T04:00:00.000Z');
    expect(again).toMatchObject({ records: [], alreadySealed: 1 });
    expect(again.key).toBeUndefined();
  });

  it('a record written after its day was sealed is sealed by the next seal of the day', async () => {
    await snap('run000000001');
    await sealAt(NEXT);
    const late = await writeSignedRecord(locker, {
      key: 'acknowledgements/20260405T230000000Z-late.json',
      value: { late: true },
      at: new Date('2026-04-05T23:00:00.000Z'),
      retentionDays: 730,
      signer,
    });
    const again = await sealAt('2026-04-06T04:00:00.000Z');
    expect(again).toMatchObject({ sequence: 2, sealed: [], alreadySealed: 1 });
    expect(again.records.map((r) => r.key)).toEqual([late.key]);
  });

  it('by default seals yesterday (UTC)', async () => {
    expect(
      (await seal(locker, { clock: fixedClock('2026-04-06T00:00:00.000Z'), retentionDays: 730, signer })).day,
    ).toBe('2026-04-05');
  });

  it('form 3 writes a root naming signed leaves; a second seal reads the leaves and seals only what is new', async () => {
    const a = await snap('run000000001');
    const first = await sealAt(NEXT, { form: 3 });
    const root = await readDigest(locker, first.key!);
    expect(root.digest.schema).toBe('evidence.digest/3');
    expect(root.digest.schema === 'evidence.digest/3' && root.digest.leaves.map((l) => l.entries)).toEqual([
      1,
    ]);
    expect(first.sealed.map((e) => e.key)).toEqual([a.key]);
    const b = await snap('run000000002');
    const second = await sealAt('2026-04-06T04:00:00.000Z', { form: 3 });
    expect(second).toMatchObject({ sequence: 2, alreadySealed: 1 });
    expect(second.sealed.map((e) => e.key)).toEqual([b.key]);
    // Form 2 is the default, and a chain may hold both.
    await snap('run000000003');
    const third = await sealAt('2026-04-06T05:00:00.000Z');
    expect((await readDigest(locker, third.key!)).digest.schema).toBe('evidence.digest/2');
    expect(third.alreadySealed).toBe(2);
  });

  it('a digest key another seal wrote first: lost, sealed again a millisecond later', async () => {
    await snap('run000000001');
    const put = locker.put.bind(locker);
    let lost = 0;
    locker.put = async (key, body, options) => {
      if (/^digests\/\d{4}-\d\d-\d\d\/[^/]+\.json$/.test(key) && lost++ === 0)
        throw new AlreadyExistsError(key);
      return put(key, body, options);
    };
    const sealed = await sealAt(NEXT);
    expect(sealed.retries).toBe(1);
    expect(sealed.key).toBe('digests/2026-04-05/20260406T030000000Z.json');
  });

  it('records the configuration the seal ran under', async () => {
    const configuration = await recordConfiguration(
      locker,
      { a: 1 },
      { at: new Date(NEXT), retentionDays: 730 },
    );
    const sealed = await sealAt(NEXT, { configuration });
    expect((await readDigest(locker, sealed.key!)).digest.configuration).toEqual(configuration);
    const plain = await seal(locker, {
      day: '2026-04-04',
      clock: fixedClock(NEXT),
      retentionDays: 730,
      signer,
    });
    expect((await readDigest(locker, plain.key!)).digest.configuration).toBeUndefined();
  });

  it('a slow clock never puts a digest before its predecessor', async () => {
    await snap('run000000001');
    const first = await sealAt(NEXT);
    await snap('run000000002');
    const second = await sealAt('2026-04-06T02:00:00.000Z');
    expect(second.key).toBe('digests/2026-04-05/20260406T030000001Z.json');
    expect((await readDigest(locker, second.key!)).digest.sealedAt).toBe('2026-04-06T03:00:00.001Z');
    expect(second.previous).toEqual({ key: first.key, sha256: first.sha256 });
  });

  it('a seal that loses the race: its digest abandoned, sealed again on top, a millisecond later on a fixed clock', async () => {
    const a = await snap('run000000001');
    loseLinks(2);
    const sealed = await sealAt(NEXT);
    expect(sealed.retries).toBe(2);
    expect(sealed.key).toBe('digests/2026-04-05/20260406T030000002Z.json');
    expect(sealed.sequence).toBe(1);
    // The abandoned digests seal nothing: the snapshot is in the digest that holds the link.
    expect(sealed.sealed.map((e) => e.key)).toEqual([a.key]);
    expect(sealed.alreadySealed).toBe(0);
    const walk = await walkChain(locker, {
      trusted: new Map([
        [
          signer.fingerprint,
          { fingerprint: signer.fingerprint, key: createPublicKey(signer.publicKeyPem()), source: 't' },
        ],
      ]),
    });
    expect(walk.problems).toEqual([]);
    expect(walk.sealed.get(a.key)).toBeDefined();
  });

  it('a retry takes the later of the first reading and the clock now', async () => {
    await snap('run000000001');
    loseLinks(1);
    let reads = 0;
    const clock: Clock = { now: () => new Date(reads++ === 0 ? NEXT : '2026-04-06T03:30:00.000Z') };
    const sealed = await sealAt(clock);
    expect(sealed.key).toBe('digests/2026-04-05/20260406T033000000Z.json');
    // A clock that goes back is not followed.
    loseLinks(1);
    await snap('run000000002');
    let back = 0;
    const backwards: Clock = {
      now: () => new Date(back++ === 0 ? '2026-04-06T05:00:00.000Z' : '2026-04-06T04:00:00.000Z'),
    };
    const again = await sealAt(backwards);
    expect(again.key).toBe('digests/2026-04-05/20260406T050000001Z.json');
  });

  it('gives up after the attempts, saying so', async () => {
    await snap('run000000001');
    loseLinks(100);
    await expect(sealAt(NEXT, { attempts: 3 })).rejects.toThrow(
      new LockerUnavailableError(
        'seal of 2026-04-05: another seal extended the chain first 3 times in a row; run it again',
      ),
    );
    expect((await listDigests(locker)).digests).toHaveLength(3);
    // The default is 8 attempts.
    await expect(sealAt(NEXT)).rejects.toThrow('first 8 times in a row');
  });

  it('an error other than a lost race is thrown', async () => {
    await snap('run000000001');
    const put = locker.put.bind(locker);
    locker.put = async (key, body, options) => {
      if (key.startsWith('digests/chain/')) throw new Error('EIO link');
      return put(key, body, options);
    };
    await expect(sealAt(NEXT)).rejects.toThrow('EIO link');
    locker.put = async (key, body, options) => {
      if (/^digests\/\d{4}/.test(key) && !key.endsWith('.sig')) throw new Error('EIO digest');
      return put(key, body, options);
    };
    await expect(sealAt(NEXT)).rejects.toThrow('EIO digest');
  });

  describe('the chain head', () => {
    it('an empty chain has none', async () => {
      expect(await chainHead(locker, await listDigests(locker))).toBeUndefined();
    });

    it('the highest link names the head', async () => {
      await sealAt(NEXT);
      const second = await seal(locker, {
        day: '2026-04-04',
        clock: fixedClock(NEXT),
        retentionDays: 730,
        signer,
      });
      const head = await chainHead(locker, await listDigests(locker));
      expect(head?.link).toMatchObject({ sequence: 2, key: second.key, sha256: second.sha256 });
      expect(head?.digest.key).toBe(second.key);
    });

    it('an I/O error reading its digest is thrown as it is', async () => {
      const first = await sealAt(NEXT);
      const get = locker.get.bind(locker);
      locker.get = async (key) => {
        if (key === first.key) throw new Error('EIO head');
        return get(key);
      };
      await expect(sealAt('2026-04-06T04:00:00.000Z')).rejects.toThrow(new Error('EIO head'));
    });

    it('its digest missing: nothing can be sealed, naming the link', async () => {
      const first = await sealAt(NEXT);
      await rm(file(dir, first.key!));
      await expect(sealAt('2026-04-06T04:00:00.000Z')).rejects.toThrow(
        new CorruptEvidenceError(
          linkKey(1),
          `the chain's head ${first.key} is missing: the chain cannot be extended; run evidence verify`,
        ),
      );
    });

    it('its digest altered, or of another place in the chain: nothing can be sealed', async () => {
      const first = await sealAt(NEXT);
      const body = await readFile(file(dir, first.key!), 'utf8');
      await overwrite(first.key!, `${body} `);
      await expect(sealAt('2026-04-06T04:00:00.000Z')).rejects.toThrow(/the chain's head does not match/);
      await overwrite(first.key!, body);
      // A second link naming the first digest, bytes and all: the sequence disagrees.
      await locker.put(
        linkKey(2),
        canonicalBytes({
          schema: 'evidence.chain-link/1',
          sequence: 2,
          key: first.key,
          sha256: first.sha256,
        }),
        { retainUntil: new Date('2028-01-01T00:00:00.000Z') },
      );
      await expect(sealAt('2026-04-06T04:00:00.000Z')).rejects.toBeInstanceOf(CorruptEvidenceError);
    });

    for (const [what, link] of [
      [
        'another digest',
        (_first: { key: string; sha256: string }, other: { key: string; sha256: string }) => ({
          key: other.key,
          sha256: other.sha256,
        }),
      ],
      [
        'its key with another SHA-256',
        (first: { key: string; sha256: string }) => ({ key: first.key, sha256: 'f'.repeat(64) }),
      ],
      [
        'another key with its SHA-256',
        (first: { key: string; sha256: string }) => ({
          key: 'digests/2026-04-05/20260406T030000009Z.json',
          sha256: first.sha256,
        }),
      ],
    ] as const) {
      it(`a digest of the day whose link names ${what} is not chained: its snapshots are sealed again`, async () => {
        const a = await snap('run000000001');
        const first = await sealAt(NEXT);
        const other = await seal(locker, {
          day: '2026-04-04',
          clock: fixedClock(NEXT),
          retentionDays: 730,
          signer,
        });
        await overwrite(
          linkKey(1),
          canonicalBytes({
            schema: 'evidence.chain-link/1',
            sequence: 1,
            ...link(first as { key: string; sha256: string }, other as { key: string; sha256: string }),
          }),
        );
        const again = await sealAt('2026-04-06T04:00:00.000Z');
        expect(again).toMatchObject({ sequence: 3, alreadySealed: 0 });
        expect(again.sealed.map((e) => e.key)).toEqual([a.key]);
      });
    }
  });
});
