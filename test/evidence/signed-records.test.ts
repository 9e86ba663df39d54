/**
 * The one writer of signed records (shared/evidence/records.ts) at its boundaries: which keys
 * are records and which instant and day a key claims (what seal lists a record under), a
 * record written under a key it may not claim, two records in one millisecond, the signature
 * over exactly the stored (redacted) bytes, retention from the record's own time, and the
 * content-addressed configuration. The mutants StrykerJS found surviving in records.ts
 * (issue 27, item 5). Real records in a directory locker and on the emulator.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExistsError } from '../../shared/errors.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import {
  describeConfiguration,
  RECORD_KINDS,
  RECORD_PREFIXES,
  recordConfiguration,
  recordDay,
  recordInstant,
  recordPrefixOf,
  writeSignedRecord,
} from '../../shared/evidence/records.js';
import { fileSigner, type Signer, signatureKey, verifySignature } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { REDACTED, registerSecret } from '../../shared/secrets.js';
import { createBucket } from '../helpers/aws.js';

const AT = new Date('2026-04-05T10:00:00.000Z');
const INSTANT = '20260405T100000000Z';
const tmp = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

let signer: Signer;
beforeAll(async () => {
  signer = await fileSigner(path.join(await tmp('signed-records-key-'), 'key.pem'), { create: true });
});

describe('record keys', () => {
  it('a record lies under one of the record prefixes and ends in .json; nothing else is one', () => {
    for (const prefix of RECORD_PREFIXES) {
      expect(recordPrefixOf(`${prefix}${INSTANT}-x.json`)).toBe(prefix);
      expect(RECORD_KINDS[prefix]).toBeTruthy();
    }
    expect(recordPrefixOf(`acknowledgements/${INSTANT}-x.json.sig`)).toBeUndefined();
    expect(recordPrefixOf(`acknowledgements/${INSTANT}-x.jsonx`)).toBeUndefined();
    expect(recordPrefixOf(`configs/${'a'.repeat(64)}.json`)).toBeUndefined();
    expect(recordPrefixOf(`snapshots/2026-04-05/x/y/${INSTANT}-run.json`)).toBeUndefined();
    expect(recordPrefixOf(`x/acknowledgements/${INSTANT}-x.json`)).toBeUndefined();
  });

  it('the instant a key claims is the start of its last segment, followed by -, _, . or nothing', () => {
    expect(recordInstant(`acknowledgements/${INSTANT}-x.json`)).toBe('2026-04-05T10:00:00.000Z');
    expect(recordInstant(`reviews/campaign-1/${INSTANT}_decision.json`)).toBe('2026-04-05T10:00:00.000Z');
    expect(recordInstant(`reports/verify/${INSTANT}.json`)).toBe('2026-04-05T10:00:00.000Z');
    expect(recordInstant(INSTANT)).toBe('2026-04-05T10:00:00.000Z');
    // Not at the start of the last segment, or run on into other characters: no instant.
    expect(recordInstant(`acknowledgements/x-${INSTANT}.json`)).toBeUndefined();
    expect(recordInstant(`acknowledgements/${INSTANT}0.json`)).toBeUndefined();
    expect(recordInstant(`acknowledgements/${INSTANT}x.json`)).toBeUndefined();
    expect(recordInstant(`reviews/${INSTANT}/decision.json`)).toBeUndefined();
    expect(recordInstant('acknowledgements/20260405T10000000Z-x.json')).toBeUndefined();
    // The day is the UTC day of that instant.
    expect(recordDay(`acknowledgements/20260405T235959999Z-x.json`)).toBe('2026-04-05');
    expect(recordDay(`acknowledgements/20260406T000000000Z-x.json`)).toBe('2026-04-06');
    expect(recordDay('acknowledgements/x.json')).toBeUndefined();
  });
});

describe('writeSignedRecord (directory locker)', () => {
  it('refuses a key outside the record prefixes, or one whose name does not start with its instant', async () => {
    const locker = new DirectoryLocker(await tmp('signed-records-'));
    const write = (key: string) =>
      writeSignedRecord(locker, { key, value: { a: 1 }, at: AT, retentionDays: 730, signer });
    const message = `must lie under ${RECORD_PREFIXES.join(', ')} and start its name with ${INSTANT}`;
    await expect(write(`configs/${INSTANT}-x.json`)).rejects.toThrow(message);
    await expect(write(`acknowledgements/20260405T100000001Z-x.json`)).rejects.toThrow(
      `signed record key acknowledgements/20260405T100000001Z-x.json ${message}`,
    );
    await expect(write(`acknowledgements/x-${INSTANT}.json`)).rejects.toThrow(message);
    // An instant in a directory does not count: the name must start with it.
    await expect(write(`reviews/${INSTANT}-c/decision.json`)).rejects.toThrow(message);
    expect(await write(`reviews/c/${INSTANT}-decision.json`)).toMatchObject({
      key: `reviews/c/${INSTANT}-decision.json`,
    });
  });

  it('signs exactly the stored bytes (canonical, secrets redacted), with the signer named', async () => {
    const locker = new DirectoryLocker(await tmp('signed-records-'));
    registerSecret('hunter2-signed-record-secret');
    const value = { z: 1, a: 'token hunter2-signed-record-secret' };
    const written = await writeSignedRecord(locker, {
      key: `acknowledgements/${INSTANT}-ack.json`,
      value,
      at: AT,
      retentionDays: 730,
      signer,
    });
    const stored = (await locker.get(written.key)).body;
    expect(stored.toString('utf8')).toBe(`{"a":"token ${REDACTED}","z":1}`);
    expect(written.sha256).toBe(sha256Hex(stored));
    expect(written.signature).toEqual({ key: signatureKey(written.key), fingerprint: signer.fingerprint });
    const signature = (await locker.get(signatureKey(written.key))).body;
    expect(verifySignature(stored, signature, createPublicKey(signer.publicKeyPem()))).toBe(true);
    expect((await locker.get(`keys/${signer.fingerprint}.pem`)).body.toString('utf8')).toBe(
      signer.publicKeyPem(),
    );
  });

  it('two records in one millisecond: the second throws, or with onExists suffix gets -<8 hex> after the instant', async () => {
    const locker = new DirectoryLocker(await tmp('signed-records-'));
    const key = `acknowledgements/${INSTANT}-ack.json`;
    const write = (value: unknown, onExists?: 'suffix' | 'throw') =>
      writeSignedRecord(locker, {
        key,
        value,
        at: AT,
        retentionDays: 730,
        signer,
        ...(onExists && { onExists }),
      });
    const first = await write({ n: 1 });
    expect(first.key).toBe(key);
    await expect(write({ n: 2 })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(write({ n: 2 }, 'throw')).rejects.toBeInstanceOf(AlreadyExistsError);
    const second = await write({ n: 2 }, 'suffix');
    expect(second.key).toMatch(new RegExp(`^acknowledgements/${INSTANT}-[0-9a-f]{8}-ack\\.json$`));
    expect(recordInstant(second.key)).toBe(AT.toISOString());
    expect((await locker.get(second.key)).body.toString('utf8')).toBe('{"n":2}');
    expect(second.signature.key).toBe(signatureKey(second.key));
    // The first record is untouched.
    expect((await locker.get(key)).body.toString('utf8')).toBe('{"n":1}');
  });

  it('an error other than an existing key is thrown even with onExists suffix, writing nothing', async () => {
    const locker = new DirectoryLocker(await tmp('signed-records-'));
    const put = locker.put.bind(locker);
    let puts = 0;
    locker.put = async (key, body, options) => {
      puts++;
      if (puts === 1) throw new Error('EIO: no space');
      return put(key, body, options);
    };
    await expect(
      writeSignedRecord(locker, {
        key: `acknowledgements/${INSTANT}-ack.json`,
        value: {},
        at: AT,
        retentionDays: 730,
        signer,
        onExists: 'suffix',
      }),
    ).rejects.toThrow('no space');
    expect(puts).toBe(1);
  });
});

describe('writeSignedRecord on S3 (emulator)', () => {
  it('the record and its signature are retained from the instant the record claims', async () => {
    const locker = new S3Locker(`s3://${await createBucket({ objectLock: true })}`);
    const written = await writeSignedRecord(locker, {
      key: `reports/verify/${INSTANT}.json`,
      value: { ok: true },
      at: AT,
      retentionDays: 10,
      signer,
    });
    const until = '2026-04-15T10:00:00.000Z';
    expect((await locker.head(written.key)).retainUntil?.toISOString()).toBe(until);
    expect((await locker.head(signatureKey(written.key))).retainUntil?.toISOString()).toBe(until);
  });
});

describe('recorded configuration', () => {
  it('is named by the SHA-256 of its canonical, redacted bytes; the file hash only with the file', () => {
    registerSecret('hunter2-config-secret');
    const config = { b: 2, a: 'hunter2-config-secret' };
    const body = canonicalBytes({ a: REDACTED, b: 2 });
    const described = describeConfiguration(config);
    expect(described).toEqual({
      sha256: sha256Hex(body),
      fileSha256: null,
      key: `configs/${sha256Hex(body)}.json`,
      body,
    });
    const file = Buffer.from('{ "b": 2 }\n');
    expect(describeConfiguration(config, file).fileSha256).toBe(sha256Hex(file));
  });

  it('is stored once; recording it again leaves the copy and returns the same; another error is thrown', async () => {
    const locker = new DirectoryLocker(await tmp('signed-records-config-'));
    const options = { at: AT, retentionDays: 730, fileBytes: Buffer.from('{}') };
    const first = await recordConfiguration(locker, { a: 1 }, options);
    expect(first).toEqual({
      sha256: sha256Hex(canonicalBytes({ a: 1 })),
      fileSha256: sha256Hex(Buffer.from('{}')),
      key: `configs/${sha256Hex(canonicalBytes({ a: 1 }))}.json`,
    });
    expect((await locker.get(first.key)).body.toString('utf8')).toBe('{"a":1}');
    expect(await recordConfiguration(locker, { a: 1 }, options)).toEqual(first);
    locker.put = async () => {
      throw new Error('EIO: config');
    };
    await expect(recordConfiguration(locker, { a: 2 }, options)).rejects.toThrow('EIO: config');
  });
});
