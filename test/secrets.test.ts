import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSnapshot } from '../shared/evidence/write.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { forgetSecrets, REDACTED, redact, redactDeep, registerSecret } from '../shared/secrets.js';
import { makeSnapshot } from './helpers/snapshots.js';

// Not a real key: the shape of one (several lines), which is what matters here.
const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7fakefakefake',
  'c2VjcmV0IGtleSBtYXRlcmlhbCB0aGF0IG11c3QgbmV2ZXIgYmUgd3JpdHRlbg==',
  '-----END PRIVATE KEY-----',
].join('\n');

afterEach(() => forgetSecrets());

describe('secrets', () => {
  it('a multi-line secret is scrubbed from values and from JSON text (where its line breaks are \\n)', () => {
    registerSecret(PEM);
    const value = { errors: [`key refused: ${PEM}`], nested: { again: PEM } };

    expect(redactDeep(value)).toEqual({
      errors: [`key refused: ${REDACTED}`],
      nested: { again: REDACTED },
    });
    expect(redact(JSON.stringify(value))).not.toContain('MIIEvQIBADAN');
    expect(redact(`plain ${PEM} text`)).toBe(`plain ${REDACTED} text`);
  });

  it('a secret with quotes or backslashes is found inside JSON text too', () => {
    registerSecret('tok"en\\with-quote');
    expect(redact(JSON.stringify({ m: 'x tok"en\\with-quote y' }))).toBe(`{"m":"x ${REDACTED} y"}`);
  });

  it('copies only what changes: a value without a secret is returned as it is, the input is never modified', () => {
    registerSecret('s3cr3t-token-value');
    const users = { '00u1': { login: 'ana@example.com' } };
    const value = { users, groups: [{ ids: ['00u1'] }], errors: ['no s3cr3t-token-value here'] };

    const out = redactDeep(value);

    expect(out.users).toBe(users);
    expect(out.groups).toBe(value.groups);
    expect(out.errors).toEqual([`no ${REDACTED} here`]);
    expect(value.errors).toEqual(['no s3cr3t-token-value here']);
    const clean = { a: [1, 'b', null, true], when: new Date('2026-04-20T00:00:00Z') };
    expect(redactDeep(clean)).toBe(clean);
  });

  it('keys, class instances and "__proto__" keys are scrubbed as JSON would see them', () => {
    registerSecret('s3cr3t-token-value');
    class Holder {
      constructor(readonly token: string) {}
    }
    const parsed = JSON.parse('{"__proto__":{"x":"s3cr3t-token-value"},"s3cr3t-token-value":1}');

    expect(redactDeep({ h: new Holder('s3cr3t-token-value') })).toEqual({ h: { token: REDACTED } });
    // toJSON is honoured as JSON.stringify would: a URL is its href (scrubbed).
    expect(redactDeep({ u: new URL('https://example.com/?t=s3cr3t-token-value') })).toEqual({
      u: `https://example.com/?t=${REDACTED}`,
    });
    const out = redactDeep(parsed) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['__proto__', REDACTED].sort());
    expect(JSON.stringify(out)).not.toContain('s3cr3t');
  });

  it('a private key echoed into a snapshot never reaches the locker', async () => {
    registerSecret(PEM);
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'secrets-')));
    const snapshot = makeSnapshot({
      collectedAt: '2026-04-20T00:05:00.000Z',
      status: 'error',
      errors: [`OKTA_PRIVATE_KEY is not a usable key: ${PEM}`],
      data: null,
    });

    const { key } = await writeSnapshot(locker, snapshot, 730);

    const body = await readFile(path.join(locker.url, key), 'utf8');
    expect(body).toContain(REDACTED);
    expect(body).not.toContain('MIIEvQIBADAN');
  });
});
