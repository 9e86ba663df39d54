/**
 * Signed records as evidence (shared/verify/records.ts), judged at their boundaries: what a
 * record must be to excuse anything (sealed in time, intact, still there, written when it says,
 * signed by a trusted key), each problem class with its wording, and the reads verify spends
 * (none for a record whose listing agrees with its digest entry). The mutants StrykerJS found
 * surviving in records.ts (issue 27, item 5). Real records written, signed and sealed in a
 * directory locker and on the emulator; the listing and the chain are built by hand where a
 * boundary (a millisecond, a second, the tolerance) has to be hit exactly.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { fixedClock, systemClock } from '../../shared/clock.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import { addDaysToInstant, compactInstant, dayOf } from '../../shared/evidence/days.js';
import type { ChainDigest, ChainWalk, SealedRecord } from '../../shared/evidence/digest.js';
import { seal, walkChain } from '../../shared/evidence/digest.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { fileSigner, type Signer, type TrustedKeys } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import type { ListedObject, Locker } from '../../shared/locker/types.js';
import { sealDue } from '../../shared/verify/problems.js';
import {
  judgeRecords,
  listRecords,
  type RecordListing,
  type RecordStanding,
  recordSignatureProblem,
  standsAsEvidence,
  whyNotStanding,
} from '../../shared/verify/records.js';
import { createBucket } from '../helpers/aws.js';
import { testConfig } from './fixtures.js';

const config = testConfig(); // sealGraceHours 36, backdateToleranceMinutes 15
const DAY = '2026-04-05';
const AT = `${DAY}T10:00:00.000Z`;
const DUE = sealDue(config, DAY); // 2026-04-07T12:00:00.000Z
const MIN = 60_000;
const ms = (iso: string, delta: number) => new Date(Date.parse(iso) + delta).toISOString();
const ackKey = (at = AT, name = 'ack') => `acknowledgements/${compactInstant(new Date(at))}-${name}.json`;
const tmp = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

let signer: Signer;
let trusted: TrustedKeys;
beforeAll(async () => {
  signer = await fileSigner(path.join(await tmp('records-key-'), 'key.pem'), { create: true });
  const key = createPublicKey(signer.publicKeyPem());
  trusted = new Map([[signer.fingerprint, { fingerprint: signer.fingerprint, key, source: 'test' }]]);
});

function digest(overrides: Partial<ChainDigest> = {}): ChainDigest {
  return {
    key: `digests/${DAY}/20260406T030000000Z.json`,
    sha256: 'a'.repeat(64),
    day: DAY,
    sealedAt: '2026-04-06T03:00:00.000Z',
    sequence: 1,
    previous: null,
    entries: 0,
    listsRecords: true,
    ...overrides,
  };
}

interface Case {
  key: string;
  body?: string;
  /** What the listing shows (default: present, as sealed). */
  listed?: Partial<ListedObject> | false;
  /** The digest entry that sealed it (default: none). */
  sealed?: { size?: number; sha256?: string; lastModified?: string; digest?: Partial<ChainDigest> };
}

/** A locker holding the cases' bodies, a listing and a chain as the cases say; judged at `now`. */
async function judge(
  cases: Case[],
  options: { now?: string; recordsFrom?: string | null; worm?: boolean } = {},
) {
  const dir = new DirectoryLocker(await tmp('records-'));
  for (const c of cases)
    if (c.body !== undefined) await dir.put(c.key, Buffer.from(c.body), { retainUntil: new Date() });
  const locker: Locker = options.worm ? (Object.assign(Object.create(dir), { worm: true }) as Locker) : dir;
  const listed = new Map<string, ListedObject>();
  const records = new Map<string, SealedRecord>();
  for (const c of cases) {
    const body = Buffer.from(c.body ?? '');
    if (c.listed !== false)
      listed.set(c.key, {
        key: c.key,
        size: body.byteLength,
        lastModified: new Date(AT),
        ...c.listed,
      });
    if (c.sealed)
      records.set(c.key, {
        entry: {
          key: c.key,
          size: c.sealed.size ?? body.byteLength,
          sha256: c.sealed.sha256 ?? sha256Hex(body),
          ...(c.sealed.lastModified !== undefined
            ? c.sealed.lastModified
              ? { lastModified: c.sealed.lastModified }
              : {}
            : { lastModified: AT }),
        },
        digest: digest(c.sealed.digest),
      });
  }
  const chain: Pick<ChainWalk, 'records' | 'recordsFrom'> = { records };
  if (options.recordsFrom !== null) chain.recordsFrom = options.recordsFrom ?? '2026-04-01';
  const before = dir.stats.requests;
  const result = await judgeRecords({
    locker,
    config,
    now: new Date(options.now ?? '2026-04-13T00:00:00.000Z'),
    chain,
    listing: { listed, signatures: new Set() },
  });
  return { ...result, reads: dir.stats.requests - before };
}

const problemsOf = (r: { problems: { key: string; problem: string; detail: string }[] }) =>
  r.problems.map((p) => `${p.problem} ${p.key}: ${p.detail}`);

describe('a record stands as evidence only when the chain vouches for it', () => {
  const clean: RecordStanding = {
    key: 'k',
    kind: 'acknowledgement',
    legacy: false,
    pending: false,
    problems: [],
  };
  it('standsAsEvidence and whyNotStanding, case by case', () => {
    expect(standsAsEvidence(clean)).toBe(true);
    expect(whyNotStanding(clean)).toBe('stands');
    expect(standsAsEvidence(undefined)).toBe(false);
    expect(whyNotStanding(undefined)).toBe('not in the locker');
    const problems = {
      ...clean,
      problems: [
        { key: 'k', problem: 'unsigned' as const, detail: '' },
        { key: 'k', problem: 'backdated' as const, detail: '' },
      ],
    };
    expect(standsAsEvidence(problems)).toBe(false);
    expect(whyNotStanding(problems)).toBe('unsigned, backdated');
    expect(standsAsEvidence({ ...clean, legacy: true })).toBe(false);
    expect(whyNotStanding({ ...clean, legacy: true })).toBe(
      'written before this locker sealed records (not sealed, not signed by the chain)',
    );
    expect(standsAsEvidence({ ...clean, pending: true })).toBe(false);
    expect(whyNotStanding({ ...clean, pending: true })).toBe(
      'not sealed yet (run evidence seal for the day it was written)',
    );
  });
});

describe('judgeRecords (hand-built listing and chain)', () => {
  it('a sealed, listed record that matches its entry: stands, and nothing is read', async () => {
    const key = ackKey();
    const r = await judge([{ key, body: '{"a":1}', sealed: {} }]);
    expect(r.problems).toEqual([]);
    expect(r.reads).toBe(0);
    expect(r.standings.get(key)).toEqual({
      key,
      kind: 'acknowledgement',
      at: AT,
      sealed: expect.objectContaining({ digest: expect.objectContaining({ key: digest().key }) }),
      legacy: false,
      pending: false,
      problems: [],
    });
  });

  it('a key that names no instant, or is no record key, is corrupt and belongs to no day', async () => {
    const noInstant = 'acknowledgements/ack.json';
    const notJson = `acknowledgements/${compactInstant(new Date(AT))}-ack.txt`;
    const r = await judge([
      { key: noInstant, body: '{}' },
      { key: notJson, body: '{}' },
    ]);
    expect(problemsOf(r)).toEqual([
      `corrupt ${noInstant}: a acknowledgement key must be <prefix>/.../<compact instant>….json: this one names no instant, so no day seals it`,
      `corrupt ${notJson}: a record key must be <prefix>/.../<compact instant>….json: this one names no instant, so no day seals it`,
    ]);
    expect(r.standings.get(noInstant)).toEqual({
      key: noInstant,
      kind: 'acknowledgement',
      legacy: false,
      pending: false,
      problems: [expect.objectContaining({ problem: 'corrupt' })],
    });
  });

  it('altered: another size, or (directory) another write time to the millisecond, is read and compared', async () => {
    const bigger = ackKey(AT, 'bigger');
    const touched = ackKey(AT, 'touched');
    const untouched = ackKey(AT, 'untouched');
    const sealedSha = sha256Hex(Buffer.from('{"a":1}'));
    const r = await judge([
      // Edited to another length: the listing's size gives it away.
      { key: bigger, body: '{"a":10}', sealed: { size: 7, sha256: sealedSha } },
      // Edited in place to the same length, its mtime a millisecond off the sealed one.
      {
        key: touched,
        body: '{"a":2}',
        listed: { lastModified: new Date(ms(AT, 1)) },
        sealed: { sha256: sealedSha },
      },
      // The same edit with the sealed mtime restored exactly: the listing cannot tell (verify --deep reads it).
      { key: untouched, body: '{"a":2}', sealed: { sha256: sealedSha } },
    ]);
    expect(problemsOf(r)).toEqual([
      `hash-mismatch ${bigger}: acknowledgement: SHA-256 is ${sha256Hex(Buffer.from('{"a":10}'))} (8 bytes), ${digest().key} sealed ${sealedSha} (7 bytes)`,
      `hash-mismatch ${touched}: acknowledgement: SHA-256 is ${sha256Hex(Buffer.from('{"a":2}'))} (7 bytes), ${digest().key} sealed ${sealedSha} (7 bytes)`,
    ]);
    expect(r.reads).toBe(2);
    expect(r.standings.get(bigger)!.problems.map((p) => p.problem)).toEqual(['hash-mismatch']);
  });

  it('an entry without a write time is compared by size alone; the same bytes read again are no problem', async () => {
    const key = ackKey();
    const r = await judge([
      { key, body: '{"a":1}', listed: { lastModified: new Date(ms(AT, 5)) }, sealed: { lastModified: '' } },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.reads).toBe(0);
    const same = ackKey(AT, 'same');
    const reread = await judge([
      { key: same, body: '{"a":1}', listed: { lastModified: new Date(ms(AT, 5)) }, sealed: {} },
    ]);
    expect(reread.problems).toEqual([]);
    expect(reread.reads).toBe(1);
  });

  it('on S3 a write time equal to the second is unchanged (headers give seconds), another second is not', async () => {
    const key = ackKey();
    const sealedSha = sha256Hex(Buffer.from('{"a":1}'));
    const sameSecond = await judge(
      [
        {
          key,
          body: '{"a":2}',
          listed: { lastModified: new Date(ms(AT, 999)) },
          sealed: { sha256: sealedSha },
        },
      ],
      { worm: true },
    );
    expect(sameSecond.reads).toBe(0);
    const nextSecond = await judge(
      [
        {
          key,
          body: '{"a":2}',
          listed: { lastModified: new Date(ms(AT, 1000)) },
          sealed: { sha256: sealedSha },
        },
      ],
      { worm: true },
    );
    expect(nextSecond.reads).toBe(1);
    expect(nextSecond.problems.map((p) => p.problem)).toEqual(['hash-mismatch']);
  });

  it('listed, then gone before it could be read: deleted, once', async () => {
    const key = ackKey();
    const r = await judge([{ key, listed: { size: 99 }, sealed: { size: 7 } }]);
    expect(problemsOf(r)).toEqual([
      `deleted ${key}: acknowledgement sealed by ${digest().key}, listed, then gone`,
    ]);
  });

  it('not sealed: legacy before the chain sealed records (or when it never did), pending until due, then not-sealed', async () => {
    const key = ackKey();
    const body = '{"a":1}';
    const standing = async (opts: Parameters<typeof judge>[1]) => {
      const r = await judge([{ key, body }], opts);
      const s = r.standings.get(key)!;
      return { legacy: s.legacy, pending: s.pending, problems: problemsOf(r) };
    };
    const none = { legacy: false, pending: false, problems: [] };
    expect(await standing({ recordsFrom: null })).toEqual({ ...none, legacy: true });
    expect(await standing({ recordsFrom: '2026-04-06' })).toEqual({ ...none, legacy: true });
    expect(await standing({ recordsFrom: DAY, now: ms(DUE.toISOString(), -1) })).toEqual({
      ...none,
      pending: true,
    });
    expect(await standing({ recordsFrom: DAY, now: DUE.toISOString() })).toEqual({
      ...none,
      problems: [
        `not-sealed ${key}: acknowledgement claiming ${AT}: no digest of the chain lists it 36 h after the end of ${DAY}; a record written by the tool is sealed by evidence seal --day ${DAY}`,
      ],
    });
  });

  it('backdated on S3: the sealed write time (else the listing) against the claim, beyond the tolerance either way', async () => {
    const tolerance = 15 * MIN;
    const exact = ackKey(AT, 'exact');
    const before = ackKey(AT, 'before');
    const after = ackKey(AT, 'after');
    const hours = ackKey(AT, 'hours');
    const unsealed = ackKey(AT, 'unsealed');
    const body = '{"a":1}';
    const r = await judge(
      [
        {
          key: exact,
          body,
          listed: { lastModified: new Date(ms(AT, tolerance)) },
          sealed: { lastModified: ms(AT, tolerance) },
        },
        // The sealed write time counts, not the listing's.
        {
          key: before,
          body,
          sealed: { lastModified: ms(AT, tolerance + 1000) },
          listed: { lastModified: new Date(ms(AT, tolerance + 1000)) },
        },
        {
          key: after,
          body,
          sealed: { lastModified: ms(AT, -tolerance - 1000) },
          listed: { lastModified: new Date(ms(AT, -tolerance - 1000)) },
        },
        {
          key: hours,
          body,
          sealed: { lastModified: ms(AT, 2 * 3_600_000) },
          listed: { lastModified: new Date(ms(AT, 2 * 3_600_000)) },
        },
        // Not sealed: the listing's write time.
        { key: unsealed, body, listed: { lastModified: new Date(ms(AT, 3 * 3_600_000)) } },
      ],
      { worm: true, recordsFrom: DAY, now: ms(DUE.toISOString(), -1) },
    );
    expect(problemsOf(r).sort()).toEqual(
      [
        `backdated ${before}: acknowledgement claims ${AT}, 15 min before the store wrote it (${ms(AT, tolerance + 1000)}); tolerance 15 min`,
        `backdated ${after}: acknowledgement claims ${AT}, 15 min after the store wrote it (${ms(AT, -tolerance - 1000)}); tolerance 15 min`,
        `backdated ${hours}: acknowledgement claims ${AT}, 2.0 h before the store wrote it (${ms(AT, 2 * 3_600_000)}); tolerance 15 min`,
        `backdated ${unsealed}: acknowledgement claims ${AT}, 3.0 h before the store wrote it (${ms(AT, 3 * 3_600_000)}); tolerance 15 min`,
      ].sort(),
    );
  });

  it('backdated on a directory: first sealed after the grace (not at it), or claiming a time after now', async () => {
    const body = '{"a":1}';
    const late = ackKey(AT, 'late');
    const inTime = ackKey(AT, 'intime');
    const r = await judge([
      {
        key: late,
        body,
        sealed: { digest: { sealedAt: ms(DUE.toISOString(), 1), key: 'digests/2026-04-07/x.json' } },
      },
      { key: inTime, body, sealed: { digest: { sealedAt: DUE.toISOString() } } },
    ]);
    expect(problemsOf(r)).toEqual([
      `backdated ${late}: acknowledgement claims ${AT} but was first sealed ${ms(DUE.toISOString(), 1)} by digests/2026-04-07/x.json, after the end of ${DAY} + 36 h: on a directory the sealing time is the only write time there is`,
    ]);
    const future = ackKey(ms(AT, 15 * MIN + 1), 'future');
    const edge = ackKey(ms(AT, 15 * MIN), 'edge');
    const ahead = await judge(
      [
        { key: future, body },
        { key: edge, body },
      ],
      { now: AT },
    );
    expect(problemsOf(ahead)).toEqual([
      `backdated ${future}: acknowledgement claims ${ms(AT, 15 * MIN + 1)}, after now (${AT}): a record cannot be written in the future`,
    ]);
  });

  it('sealed but no longer listed: deleted when the store has it not, nothing when it still has it', async () => {
    const gone = ackKey(AT, 'gone');
    const kept = ackKey(AT, 'kept');
    const stray = 'other/20260405T100000000Z-x.json'; // a digest may name any key: it is still judged
    const r = await judge([
      { key: gone, listed: false, sealed: { size: 7 } },
      { key: kept, body: '{"a":1}', listed: false, sealed: {} },
      { key: stray, listed: false, sealed: { size: 7 } },
    ]);
    expect(problemsOf(r)).toEqual([
      `deleted ${gone}: acknowledgement sealed by ${digest().key} is no longer in the locker (deleted, or hidden by a delete marker)`,
      `deleted ${stray}: record sealed by ${digest().key} is no longer in the locker (deleted, or hidden by a delete marker)`,
    ]);
    expect(r.standings.get(gone)).toEqual({
      key: gone,
      kind: 'acknowledgement',
      sealed: expect.objectContaining({ entry: expect.objectContaining({ key: gone }) }),
      legacy: false,
      pending: false,
      problems: [expect.objectContaining({ problem: 'deleted' })],
    });
    expect(r.standings.has(kept)).toBe(false);
  });
});

describe('a record written, signed and sealed as the tool does, then judged', () => {
  async function written(locker: Locker, now: Date) {
    const record = await writeSignedRecord(locker, {
      key: `acknowledgements/${compactInstant(now)}-clean.json`,
      value: { reason: 'test' },
      at: now,
      retentionDays: 730,
      signer,
    });
    await seal(locker, {
      day: dayOf(now),
      clock: fixedClock(new Date(now.getTime() + 1000).toISOString()),
      retentionDays: 730,
      signer,
    });
    const chain = await walkChain(locker, { trusted });
    const listing = await listRecords(locker);
    return { record, chain, listing };
  }

  it('directory: stands, nothing read to judge it; its signature valid', async () => {
    const locker = new DirectoryLocker(await tmp('records-dir-'));
    const now = new Date(AT);
    const { record, chain, listing } = await written(locker, now);
    const before = locker.stats.requests;
    const judged = await judgeRecords({ locker, config, now: new Date(ms(AT, 2000)), chain, listing });
    expect(judged.problems).toEqual([]);
    expect(standsAsEvidence(judged.standings.get(record.key))).toBe(true);
    expect(locker.stats.requests - before).toBe(0);
    const body = (await locker.get(record.key)).body;
    expect(
      await recordSignatureProblem(locker, record.key, body, listing, trusted, 'acknowledgement'),
    ).toBeUndefined();
  });

  it('S3 (emulator): stands, nothing read to judge it although headers give seconds and listings milliseconds', async () => {
    const locker = new S3Locker(`s3://${await createBucket({ objectLock: true })}`);
    const now = systemClock.now();
    const { record, chain, listing } = await written(locker, now);
    const before = locker.stats.requests;
    const judged = await judgeRecords({
      locker,
      config,
      now: new Date(now.getTime() + 2000),
      chain,
      listing,
    });
    expect(judged.problems).toEqual([]);
    expect(standsAsEvidence(judged.standings.get(record.key))).toBe(true);
    expect(locker.stats.requests - before).toBe(0);
  });

  it('S3 (emulator): the same bytes written again as a new version are not the version sealed', async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = new S3Locker(`s3://${bucket}`);
    const now = systemClock.now();
    const { record, chain, listing } = await written(locker, now);
    const sealed = chain.records.get(record.key)!;
    expect(sealed.entry.versionId).toEqual(expect.any(String));
    // Written again by a role with s3:PutObject, byte for byte: S3 keeps both versions.
    const s3 = new S3Client(s3ClientOptions());
    try {
      const body = (await locker.get(record.key)).body;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: record.key,
          Body: body,
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: addDaysToInstant(now, 731),
        }),
      );
    } finally {
      s3.destroy();
    }
    // The sealed write time a second earlier than the listing's: the listing disagrees, so it is read.
    const moved = {
      ...sealed,
      entry: { ...sealed.entry, lastModified: ms(sealed.entry.lastModified!, -1000) },
    };
    const judged = await judgeRecords({
      locker,
      config,
      now: new Date(now.getTime() + 2000),
      chain: { ...chain, records: new Map([[record.key, moved]]) },
      listing: await listRecords(locker),
    });
    expect(judged.problems.map((p) => p.problem)).toEqual(['hash-mismatch']);
    expect(judged.problems[0]!.detail).toMatch(
      new RegExp(
        `^acknowledgement: current version is \\S+, ${chain.digests[0]!.key} sealed version ${sealed.entry.versionId}$`,
      ),
    );
    expect(listing.listed.has(record.key)).toBe(true);
  });
});

describe('recordSignatureProblem', () => {
  const key = ackKey();
  const body = canonicalBytes({ reason: 'test' });
  async function lockerWith(signature: Uint8Array | undefined, publish?: Signer) {
    const locker = new DirectoryLocker(await tmp('records-sig-'));
    await locker.put(key, body, { retainUntil: new Date() });
    if (signature) await locker.put(`${key}.sig`, signature, { retainUntil: new Date() });
    if (publish)
      await locker.put(`keys/${publish.fingerprint}.pem`, Buffer.from(publish.publicKeyPem()), {
        retainUntil: new Date(),
      });
    const listing: RecordListing = await listRecords(locker);
    return { locker, listing };
  }

  it('valid, unsigned, bad-signature and untrusted-key, each named', async () => {
    const good = await lockerWith(await signer.sign(body));
    expect(
      await recordSignatureProblem(good.locker, key, body, good.listing, trusted, 'acknowledgement'),
    ).toBeUndefined();

    const none = await lockerWith(undefined);
    expect(
      await recordSignatureProblem(none.locker, key, body, none.listing, trusted, 'acknowledgement'),
    ).toEqual({
      key,
      problem: 'unsigned',
      detail: `acknowledgement without a signature ${key}.sig: it excuses nothing`,
    });

    const other = await lockerWith(await signer.sign(Buffer.from('other bytes')));
    expect(
      await recordSignatureProblem(other.locker, key, body, other.listing, trusted, 'acknowledgement'),
    ).toEqual({
      key,
      problem: 'bad-signature',
      detail: `${key}.sig is not a valid signature of this acknowledgement by any trusted key: altered, or signed by someone else; it excuses nothing`,
    });

    const stranger = await fileSigner(path.join(await tmp('records-key2-'), 'key.pem'), { create: true });
    const foreign = await lockerWith(await stranger.sign(body), stranger);
    expect(
      await recordSignatureProblem(foreign.locker, key, body, foreign.listing, trusted, 'acknowledgement'),
    ).toEqual({
      key,
      problem: 'untrusted-key',
      detail: `acknowledgement signed by key ${stranger.fingerprint}, which is not trusted: it excuses nothing`,
    });
  });

  it('a signature the listing does not show counts as none', async () => {
    const { locker } = await lockerWith(await signer.sign(body));
    const listing: RecordListing = { listed: new Map(), signatures: new Set() };
    expect(
      (await recordSignatureProblem(locker, key, body, listing, trusted, 'acknowledgement'))?.problem,
    ).toBe('unsigned');
    // Listed, then deleted before it was read: none either.
    const { locker: l2, listing: listed } = await lockerWith(await signer.sign(body));
    await rm(path.join(l2.url, ...`${key}.sig`.split('/')));
    expect((await recordSignatureProblem(l2, key, body, listed, trusted, 'acknowledgement'))?.problem).toBe(
      'unsigned',
    );
  });
});
