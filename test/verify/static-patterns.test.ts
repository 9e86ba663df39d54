/**
 * The module-level patterns of shared/verify/ that decide which records and scopes count, each
 * anchor and class tried by a key or scope that only its removal lets through. Written for the
 * static mutants of mutation testing (docs/threat-model.md, "Mutation testing", "Static mutants
 * of the verifier and the checks"): `stryker.config.json`'s `ignoreStatic` meant no run had
 * changed them, and with the `^` or the `$` of the acknowledgement and retirement key patterns
 * removed no test failed: a signed record filed below or inside another record's key was taken
 * as the acknowledgement or retirement its body claims.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import type { Config } from '../../shared/config.js';
import { CorruptEvidenceError } from '../../shared/errors.js';
import { writeSignedRecord } from '../../shared/evidence/records.js';
import { loadSigner } from '../../shared/evidence/signing.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { parseAcknowledgement, parseAcknowledgementKey } from '../../shared/verify/acknowledgements.js';
import { inferDefaultAccount, sinceOf } from '../../shared/verify/expected.js';
import { parseRetirement } from '../../shared/verify/retirements.js';
import { verify } from '../../shared/verify/verify.js';
import { FAKES, fill, RETIREMENT_BODY, testConfig } from './fixtures.js';

const TOOL = { name: 'evidence-locker', version: 'test' };
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the acknowledgement key pattern: the whole key, from its first character to its last', () => {
  const at = '20260422T090000000Z';
  const body = {
    schema: 'evidence.acknowledgement/1',
    collector: 'fake-b',
    scope: 'x-1',
    day: '2026-04-20',
    reason: 'API outage',
    by: 'Mallory',
    acknowledgedAt: '2026-04-22T09:00:00.000Z',
    tool: TOOL,
  };
  const good = `acknowledgements/2026-04-20/fake-b/x-1/${at}.json`;

  it('reads the key of its own layout', () => {
    expect(parseAcknowledgementKey(good)).toEqual({ day: '2026-04-20', collector: 'fake-b', scope: 'x-1' });
    expect(parseAcknowledgement(good, bytes(body))).toEqual({ key: good, ...body });
  });

  it.each([
    ['day', { day: '2026-02-30' }],
    ['to', { to: '2026-02-30' }],
  ])('a %s that is no date is corrupt, the field and the expected form named', (field, change) => {
    expect(() => parseAcknowledgement(good, bytes({ ...body, ...change }))).toThrow(
      `not an acknowledgement (${field}: expected a date as YYYY-MM-DD)`,
    );
  });

  it.each([
    // Without `^`: the pattern found further in, naming the body's series and day.
    ['filed below another acknowledgement folder', `acknowledgements/old/${good}`],
    ['filed under another prefix', `x${good}`],
    // Without `$`: the pattern found at the start of a longer key.
    ['filed inside a folder named like a record', `${good}/${at}.json`],
    ['with text after `.json`', `${good}.bak`],
    // The classes: a day of digits, one segment each.
    ['a day that is no date shape', `acknowledgements/2026-4-20/fake-b/x-1/${at}.json`],
    ['a series of three segments', `acknowledgements/2026-04-20/fake-b/x-1/y/${at}.json`],
    ['no file name', 'acknowledgements/2026-04-20/fake-b/x-1/.json'],
  ])('a key %s is no acknowledgement key, and its record is corrupt', (_, key) => {
    expect(parseAcknowledgementKey(key)).toBeUndefined();
    expect(() => parseAcknowledgement(key, bytes(body))).toThrow(CorruptEvidenceError);
  });
});

describe('the retirement key pattern: the whole key, from its first character to its last', () => {
  const at = '20260411T090000000Z';
  const body = RETIREMENT_BODY;
  const good = `retirements/fake-b/x-2/${at}.json`;

  it('reads the key of its own layout', () => {
    expect(parseRetirement(good, bytes(body))).toEqual({ key: good, ...body });
  });

  it.each([
    ['filed below another retirement folder', `retirements/old/${good}`],
    ['filed under another prefix', `x${good}`],
    ['filed inside a folder named like a record', `${good}/${at}.json`],
    ['with text after `.json`', `${good}.bak`],
    ['no file name', 'retirements/fake-b/x-2/.json'],
  ])('a key %s is corrupt', (_, key) => {
    expect(() => parseRetirement(key, bytes(body))).toThrow(CorruptEvidenceError);
  });
});

describe('through verify: a signed, sealed record filed at a key of another layout excuses nothing', () => {
  const clock = fixedClock('2026-04-13T00:00:00.000Z');
  const gap = (_c: string, s: string, d: string) => (s === 'x-1' && d >= '2026-04-08' ? undefined : {});

  async function lockerWith(key: (at: Date) => string, value: (at: Date) => Record<string, unknown>) {
    const dir = await mkdtemp(path.join(tmpdir(), 'static-patterns-'));
    const locker = new DirectoryLocker(dir);
    await fill(locker, '2026-04-01', '2026-04-07', { snapshot: gap });
    const at = new Date('2026-04-08T09:00:00.000Z');
    const written = key(at);
    await writeSignedRecord(locker, {
      key: written,
      value: value(at),
      at,
      retentionDays: 730,
      signer: await loadSigner(),
    });
    await fill(locker, '2026-04-08', '2026-04-10', { snapshot: gap });
    return { dir, locker, key: written };
  }
  const run = (locker: DirectoryLocker) =>
    verify({ locker, config: testConfig(), from: '2026-04-01', to: '2026-04-10', clock, collectors: FAKES });

  // Below its folder (the `^`) and inside a folder named like a record key (the `$`).
  it.each([
    ['below another folder', (k: string) => `retirements/old/${k}`],
    ['inside a folder named like a record', (k: string) => `${k}/${k.split('/').at(-1)}`],
  ])('a retirement %s retires nothing: corrupt, and the gap stays', async (_, place) => {
    const { dir, locker, key } = await lockerWith(
      (at) => place(`retirements/fake-b/x-1/${at.toISOString().replace(/[-:.]/g, '')}.json`),
      (at) => ({
        schema: 'evidence.retirement/1',
        collector: 'fake-b',
        scope: 'x-1',
        from: '2026-04-08',
        reason: 'region closed',
        by: 'Mallory',
        retiredAt: at.toISOString(),
        tool: TOOL,
      }),
    );
    try {
      const result = await run(locker);
      expect(result.ok).toBe(false);
      expect(result.integrity.map((p) => `${p.problem} ${p.key}`)).toEqual([`corrupt ${key}`]);
      expect(result.retired).toEqual([]);
      expect(result.series.find((s) => s.scope === 'x-1')!.missing).toEqual([
        '2026-04-08',
        '2026-04-09',
        '2026-04-10',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['below another folder', (k: string) => `acknowledgements/old/${k}`],
    ['inside a folder named like a record', (k: string) => `${k}/${k.split('/').at(-1)}`],
  ])('an acknowledgement %s acknowledges nothing: corrupt, and the gap stays', async (_, place) => {
    const { dir, locker, key } = await lockerWith(
      (at) => place(`acknowledgements/2026-04-08/fake-b/x-1/${at.toISOString().replace(/[-:.]/g, '')}.json`),
      () => ({
        schema: 'evidence.acknowledgement/1',
        collector: 'fake-b',
        scope: 'x-1',
        day: '2026-04-08',
        to: '2026-04-10',
        reason: 'API outage',
        by: 'Mallory',
        // Written after the days it acknowledges, as a valid one is; its key claims this instant.
        acknowledgedAt: '2026-04-08T09:00:00.000Z',
        tool: TOOL,
      }),
    );
    try {
      const result = await run(locker);
      expect(result.ok).toBe(false);
      expect(result.integrity.map((p) => p.problem)).toContain('corrupt');
      expect(result.integrity.find((p) => p.problem === 'corrupt')!.key).toBe(key);
      const x1 = result.series.find((s) => s.scope === 'x-1')!;
      expect(x1.acknowledged).toEqual([]);
      expect(x1.missing).toEqual(['2026-04-08', '2026-04-09', '2026-04-10']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the AWS scope patterns of `expected.ts`: the account and the region of a scope', () => {
  const config = (aws: Record<string, unknown>) =>
    ({
      auditPeriod: { start: '2026-01-01' },
      aws: { accounts: [], regionsSince: {}, ...aws },
    }) as unknown as Config;

  it('an account `since` applies to its account scope, alone or with a region', () => {
    const c = config({ accounts: [{ id: '111111111111', since: '2026-02-01' }] });
    for (const scope of ['aws-111111111111', 'aws-111111111111-eu-west-1'])
      expect(sinceOf(c, 'aws', scope)).toEqual({ since: '2026-02-01', sinceReason: 'aws.accounts[0].since' });
  });

  it.each([
    // Without `^`: the account found after a prefix.
    ['a prefix before `aws-`', 'xaws-111111111111'],
    ['a prefix before `aws-` and a region', 'xaws-111111111111-eu-west-1'],
    // Without `(?:-|$)`'s end: a longer number that starts with the account.
    ['a thirteen-digit number', 'aws-1111111111112'],
    ['an account followed by other characters', 'aws-111111111111x'],
    ['eleven digits', 'aws-11111111111'],
  ])('no account `since` for a scope with %s', (_, scope) => {
    const c = config({ accounts: [{ id: '111111111111', since: '2026-02-01' }] });
    expect(sinceOf(c, 'aws', scope)).toEqual({ since: '2026-01-01', sinceReason: 'auditPeriod.start' });
  });

  it("a region's `since` applies to the scope naming that region, in its account", () => {
    const c = config({ regionsSince: { 'eu-west-1': '2026-03-01' } });
    expect(sinceOf(c, 'aws', 'aws-111111111111-eu-west-1')).toEqual({
      since: '2026-03-01',
      sinceReason: 'aws.regionsSince.eu-west-1',
    });
  });

  it.each([
    ['a prefix before `aws-`', 'xaws-111111111111-eu-west-1'],
    ['no account number', 'aws-eu-west-1'],
    ['an account of eleven digits', 'aws-11111111111-eu-west-1'],
    ['capitals in the region', 'aws-111111111111-EU-WEST-1'],
    ['a region followed by more', 'aws-111111111111-eu-west-1/x'],
    ['an empty region', 'aws-111111111111-'],
  ])('no region `since` for a scope with %s', (_, scope) => {
    const c = config({ regionsSince: { 'eu-west-1': '2026-03-01', '': '2026-03-02' } });
    expect(sinceOf(c, 'aws', scope)).toEqual({ since: '2026-01-01', sinceReason: 'auditPeriod.start' });
  });

  it('the region found is the whole rest of the scope', () => {
    const c = config({ regionsSince: { west: '2026-03-01', 'eu-west-1': '2026-03-05' } });
    expect(sinceOf(c, 'aws', 'aws-111111111111-eu-west-1').since).toBe('2026-03-05');
  });

  it('the default account is inferred only from scopes that begin `aws-<12 digits>`, then `-` or nothing', () => {
    const c = config({});
    const seen = new Map([
      ['xaws-222222222222', '2026-04-09'],
      ['aws-3333333333334', '2026-04-09'],
      ['aws-44444444444', '2026-04-09'],
      ['aws-555555555555x', '2026-04-09'],
      ['aws-111111111111-eu-west-1', '2026-04-01'],
    ]);
    expect(inferDefaultAccount(c, seen)).toEqual({
      accountId: '111111111111',
      note: 'default AWS account 111111111111 inferred from the locker (AWS credentials did not answer STS GetCallerIdentity)',
    });
    expect(inferDefaultAccount(c, new Map([['aws-111111111111', '2026-04-01']])).accountId).toBe(
      '111111111111',
    );
  });
});
