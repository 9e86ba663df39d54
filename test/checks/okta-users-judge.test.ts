/**
 * shared/collectors/okta-users/judge.ts, the per-user judgements okta-mfa-enrolled,
 * okta-dormant-users and the users population share, called directly: who can sign in, the
 * exemption, unread and stale factors, what counts as MFA, the dormancy bound to the day and the
 * instant sign-in dates are as of. Written for the surviving mutants of `npm run mutation`
 * (docs/threat-model.md, "Mutation testing", "The checks of identity and change, continued").
 */
import { describe, expect, it } from 'vitest';
import type { OktaFactor, OktaUserRecord } from '../../shared/collectors/okta-users/data.js';
import {
  acceptedFactorTypes,
  describeFactors,
  dormancyVerdict,
  factorStaleness,
  isExempt,
  type MfaSettings,
  mfaSettingsOf,
  mfaVerdict,
  PHISHING_RESISTANT_FACTORS,
  signInDatesAsOf,
} from '../../shared/collectors/okta-users/judge.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { DEFAULT_OKTA_MFA, parseConfig } from '../../shared/config.js';

const AT = '2026-04-20T00:05:00.000Z';

const config = (extra: Record<string, unknown> = {}) =>
  parseConfig(
    { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, ...extra },
    'test',
    COLLECTORS,
  );

const factor = (type: string, status = 'ACTIVE'): OktaFactor => ({
  id: `ufs${type}`,
  type,
  provider: 'OKTA',
  status,
  created: '2025-02-01T10:00:00.000Z',
});

function user(over: Partial<OktaUserRecord> = {}): OktaUserRecord {
  return {
    id: '00uana',
    login: 'Ana@Acme.com',
    status: 'ACTIVE',
    created: '2025-01-15T09:30:00.000Z',
    activated: '2025-01-15T09:30:00.000Z',
    statusChanged: null,
    lastLogin: '2026-04-18T08:00:00.000Z',
    passwordChanged: null,
    profile: {},
    factors: [factor('push')],
    factorsReadAt: '2026-04-20T00:04:00.000Z',
    ...over,
  };
}

const mfa = (over: Partial<MfaSettings> = {}): MfaSettings => ({ ...DEFAULT_OKTA_MFA, ...over });

describe('okta-users judge: MFA', () => {
  it('okta.mfa as configured, else its defaults', () => {
    expect(mfaSettingsOf(config())).toEqual(DEFAULT_OKTA_MFA);
    const configured = config({
      okta: { orgUrl: 'https://acme.okta.com', mfa: { phishingResistant: true } },
    });
    expect(mfaSettingsOf(configured).phishingResistant).toBe(true);
  });

  it('describes factors: not read, none, or each with its status', () => {
    expect(describeFactors(null)).toBe('(not read)');
    expect(describeFactors([])).toBe('(none)');
    expect(describeFactors([factor('push'), factor('sms', 'PENDING_ACTIVATION')])).toBe(
      'push ACTIVE, sms PENDING_ACTIVATION',
    );
  });

  it('counts an accepted factor type; with phishingResistant only WebAuthn, U2F and FastPass', () => {
    expect([...PHISHING_RESISTANT_FACTORS].sort()).toEqual(['signed_nonce', 'u2f', 'webauthn']);
    const any = acceptedFactorTypes(mfa({ acceptedFactors: ['push', 'webauthn', 'u2f', 'signed_nonce'] }));
    expect(['push', 'webauthn', 'sms'].map(any)).toEqual([true, true, false]);
    const strict = acceptedFactorTypes(
      mfa({ acceptedFactors: ['push', 'webauthn', 'u2f', 'signed_nonce'], phishingResistant: true }),
    );
    expect(['push', 'webauthn', 'u2f', 'signed_nonce', 'sms'].map(strict)).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('an exemption matches the login in any case, and only the whole login', () => {
    expect(isExempt(mfa({ exempt: ['ana@acme.com'] }), 'Ana@Acme.com')).toBe(true);
    expect(isExempt(mfa({ exempt: ['ANA@ACME.COM'] }), 'ana@acme.com')).toBe(true);
    expect(isExempt(mfa({ exempt: ['ana@acme.co'] }), 'ana@acme.com')).toBe(false);
    expect(isExempt(mfa(), 'ana@acme.com')).toBe(false);
  });

  it('judges each status that can sign in; the others are not applicable, said why', () => {
    for (const status of ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY'])
      expect(mfaVerdict(user({ status, factors: [] }), mfa(), AT, undefined).verdict, status).toBe('fail');
    for (const status of ['DEPROVISIONED', 'SUSPENDED', 'STAGED', 'PROVISIONED'])
      expect(mfaVerdict(user({ status, factors: [] }), mfa(), AT, undefined), status).toEqual({
        verdict: 'not-applicable',
        reason: `${status}: cannot sign in`,
      });
  });

  it('an exempt user is exempt whatever the factors, even unread', () => {
    expect(
      mfaVerdict(
        user({ factors: null, factorsReadAt: null }),
        mfa({ exempt: ['ana@acme.com'] }),
        AT,
        undefined,
      ),
    ).toEqual({ verdict: 'exempt', reason: 'exempt (okta.mfa.exempt)' });
  });

  it('factors not read, or without a read time, are unknown: a failure, with the reason when known', () => {
    expect(mfaVerdict(user({ factors: null }), mfa(), AT, undefined)).toEqual({
      verdict: 'fail',
      reason: 'factors unknown: they could not be read',
    });
    expect(mfaVerdict(user({ factorsReadAt: null }), mfa(), AT, undefined)).toEqual({
      verdict: 'fail',
      reason: 'factors unknown: they could not be read',
    });
    expect(
      mfaVerdict(user({ factors: null, factorsError: 'Okta answered 500' }), mfa(), AT, undefined).reason,
    ).toBe('factors unknown: they could not be read (Okta answered 500)');
  });

  it('factors read more than checks.freshnessHours.oktaFactors before are unknown; at the bound they are known', () => {
    const at = (factorsReadAt: string, cfg = config()) => mfaVerdict(user({ factorsReadAt }), mfa(), AT, cfg);
    expect(at('2026-04-12T00:05:00.000Z')).toEqual({ verdict: 'pass', reason: 'MFA: push' });
    expect(at('2026-04-12T00:04:59.999Z')).toEqual({
      verdict: 'fail',
      reason:
        "factors unknown: its factors were last read at 2026-04-12T00:04:59.999Z, 192 h (8 days) before the collection (at most 192 h, checks.freshnessHours.oktaFactors): it is not that day's state",
    });
    const tight = config({ checks: { freshnessHours: { oktaFactors: 24 } } });
    expect(at('2026-04-19T00:05:00.000Z', tight).verdict).toBe('pass');
    expect(at('2026-04-19T00:04:00.000Z', tight).verdict).toBe('fail');
    expect(factorStaleness('2026-04-19T00:04:00.000Z', new Date(AT), tight)).toMatch(
      /^its factors were last read at /,
    );
    expect(factorStaleness('2026-04-19T00:05:00.000Z', new Date(AT), tight)).toBeUndefined();
    expect(factorStaleness('never', AT, undefined)).toBe(
      'its factors\'s "as of" time "never" is no date (checks.freshnessHours.oktaFactors, 192 h)',
    );
  });

  it('passes on an ACTIVE accepted factor, naming each; fails otherwise naming what the user has', () => {
    const both = user({
      factors: [factor('push'), factor('question'), factor('webauthn'), factor('sms', 'PENDING_ACTIVATION')],
    });
    expect(mfaVerdict(both, mfa(), AT, undefined)).toEqual({
      verdict: 'pass',
      reason: 'MFA: push, webauthn',
    });
    expect(
      mfaVerdict(user({ factors: [factor('sms', 'PENDING_ACTIVATION')] }), mfa(), AT, undefined),
    ).toEqual({
      verdict: 'fail',
      reason: 'no ACTIVE accepted factor (has: sms PENDING_ACTIVATION)',
    });
    expect(mfaVerdict(user(), mfa({ phishingResistant: true }), AT, undefined)).toEqual({
      verdict: 'fail',
      reason: 'no ACTIVE phishing-resistant accepted factor (has: push ACTIVE)',
    });
    expect(mfaVerdict(user(), mfa({ acceptedFactors: ['webauthn'] }), AT, undefined).verdict).toBe('fail');
  });
});

describe('okta-users judge: dormancy', () => {
  it('the instant sign-in dates are as of: collectedAt, or a later run’s same-day first listing, never later', () => {
    const changes = (listedAt: string) => ({
      userListing: { mode: 'changes' as const, listedAt, readAt: '2026-04-20T06:35:00.000Z' },
    });
    const collectedAt = '2026-04-20T06:35:00.000Z';
    expect(signInDatesAsOf({}, collectedAt)).toBe(collectedAt);
    expect(
      signInDatesAsOf(
        { userListing: { mode: 'full', listedAt: '2026-04-20T00:05:00.000Z', readAt: collectedAt } },
        collectedAt,
      ),
    ).toBe(collectedAt);
    // Normalized to an ISO instant.
    expect(signInDatesAsOf(changes('2026-04-20T00:05:00Z'), collectedAt)).toBe('2026-04-20T00:05:00.000Z');
    expect(signInDatesAsOf(changes(collectedAt), collectedAt)).toBe(collectedAt);
    expect(signInDatesAsOf(changes('2026-04-20T06:35:00.001Z'), collectedAt)).toBe(collectedAt);
    expect(signInDatesAsOf(changes('2026-04-19T23:59:59.999Z'), collectedAt)).toBe(collectedAt);
    expect(signInDatesAsOf(changes('this morning'), collectedAt)).toBe(collectedAt);
  });

  it('dormant at exactly dormantDays whole days; a millisecond less is not; counted from activation when never signed in', () => {
    expect(dormancyVerdict(user({ lastLogin: '2026-01-20T00:05:00.000Z' }), 90, AT)).toEqual({
      verdict: 'fail',
      reason: 'last signed in 2026-01-20T00:05:00.000Z: 90 days ago',
      days: 90,
    });
    expect(dormancyVerdict(user({ lastLogin: '2026-01-20T00:05:00.001Z' }), 90, AT)).toEqual({
      verdict: 'pass',
      reason: 'last signed in 2026-01-20T00:05:00.001Z (89 days ago)',
      days: 89,
    });
    expect(dormancyVerdict(user({ lastLogin: null, activated: '2026-04-01T00:00:00.000Z' }), 90, AT)).toEqual(
      {
        verdict: 'pass',
        reason: 'never signed in, activated 2026-04-01T00:00:00.000Z (19 days ago)',
        days: 19,
      },
    );
    // The last sign-in, not the activation, when both are known.
    expect(
      dormancyVerdict(
        user({ lastLogin: '2026-04-19T00:00:00.000Z', activated: '2020-01-01T00:00:00.000Z' }),
        90,
        AT,
      ).verdict,
    ).toBe('pass');
  });

  it('no date, or a date that is no date, cannot be told: a failure; those who cannot sign in are not applicable', () => {
    const unknown = {
      verdict: 'fail',
      reason: 'no last login and no activation date: dormancy cannot be told',
    };
    expect(dormancyVerdict(user({ lastLogin: null, activated: null }), 90, AT)).toEqual(unknown);
    expect(dormancyVerdict(user({ lastLogin: 'last week' }), 90, AT)).toEqual(unknown);
    for (const status of ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY'])
      expect(
        dormancyVerdict(user({ status, lastLogin: '2020-01-01T00:00:00.000Z' }), 90, AT).verdict,
        status,
      ).toBe('fail');
    expect(dormancyVerdict(user({ status: 'SUSPENDED', lastLogin: null, activated: null }), 90, AT)).toEqual({
      verdict: 'not-applicable',
      reason: 'SUSPENDED: cannot sign in',
    });
  });
});
