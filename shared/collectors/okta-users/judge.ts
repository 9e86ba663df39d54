/**
 * The per-user judgements okta-mfa-enrolled, okta-dormant-users and the users population share:
 * one function each, so a sampled row and the check never disagree.
 */
import { type Config, DEFAULT_OKTA_MFA } from '../../config.js';
import { freshnessBound, staleness } from '../freshness.js';
import { type OktaFactor, type OktaUserRecord, type OktaUsersData, SIGN_IN_STATUSES } from './data.js';

/** Factor types that resist phishing: WebAuthn / FIDO2 (and U2F) and Okta Verify FastPass. */
export const PHISHING_RESISTANT_FACTORS: ReadonlySet<string> = new Set(['webauthn', 'u2f', 'signed_nonce']);

const DAY_MS = 86_400_000;

export type MfaSettings = NonNullable<Config['okta']>['mfa'];

/** okta.mfa as configured, or its defaults. */
export function mfaSettingsOf(config: Config): MfaSettings {
  return config.okta?.mfa ?? DEFAULT_OKTA_MFA;
}

export interface MfaVerdict {
  /** exempt: listed in okta.mfa.exempt; not-applicable: the user cannot sign in. */
  verdict: 'pass' | 'fail' | 'exempt' | 'not-applicable';
  /** One phrase naming the fact, e.g. "no ACTIVE accepted factor (has: question ACTIVE)". */
  reason: string;
}

/** "push ACTIVE, sms PENDING_ACTIVATION", or "(none)". */
export function describeFactors(factors: readonly OktaFactor[] | null): string {
  if (factors === null) return '(not read)';
  if (factors.length === 0) return '(none)';
  return factors.map((f) => `${f.type} ${f.status}`).join(', ');
}

/** The factor types that count: okta.mfa.acceptedFactors, narrowed by okta.mfa.phishingResistant. */
export function acceptedFactorTypes(mfa: MfaSettings): (type: string) => boolean {
  const accepted = new Set<string>(mfa.acceptedFactors);
  return (type) => accepted.has(type) && (!mfa.phishingResistant || PHISHING_RESISTANT_FACTORS.has(type));
}

export function isExempt(mfa: MfaSettings, login: string): boolean {
  const lower = login.toLowerCase();
  return mfa.exempt.some((e) => e.toLowerCase() === lower);
}

/**
 * Whether a user has MFA as the snapshot at `collectedAt` shows it: a user who can sign in
 * (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY) needs at least one ACTIVE factor of an
 * accepted kind (PENDING_ACTIVATION is no MFA); factors never read, or read more than
 * `checks.freshnessHours.oktaFactors` (192 h, 8 days) before, are unknown: a failure, never a pass.
 */
export function mfaVerdict(
  user: OktaUserRecord,
  mfa: MfaSettings,
  collectedAt: string,
  config: Pick<Config, 'checks'> | undefined,
): MfaVerdict {
  if (!SIGN_IN_STATUSES.has(user.status))
    return { verdict: 'not-applicable', reason: `${user.status}: cannot sign in` };
  if (isExempt(mfa, user.login)) return { verdict: 'exempt', reason: 'exempt (okta.mfa.exempt)' };
  if (user.factors === null || user.factorsReadAt === null)
    return {
      verdict: 'fail',
      reason: `factors unknown: they could not be read${user.factorsError ? ` (${user.factorsError})` : ''}`,
    };
  const stale = factorStaleness(user.factorsReadAt, collectedAt, config);
  if (stale) return { verdict: 'fail', reason: `factors unknown: ${stale}` };
  const counts = acceptedFactorTypes(mfa);
  const good = user.factors.filter((f) => f.status === 'ACTIVE' && counts(f.type));
  if (good.length) return { verdict: 'pass', reason: `MFA: ${good.map((f) => f.type).join(', ')}` };
  return {
    verdict: 'fail',
    reason: `no ACTIVE ${mfa.phishingResistant ? 'phishing-resistant ' : ''}accepted factor (has: ${describeFactors(user.factors)})`,
  };
}

/**
 * Why factors read at `factorsReadAt` are not the state at `at` (older than
 * `checks.freshnessHours.oktaFactors`); undefined when fresh. The collector (partial) and the
 * checks ask the same question.
 */
export function factorStaleness(
  factorsReadAt: string,
  at: string | Date,
  config: Pick<Config, 'checks'> | undefined,
): string | undefined {
  return staleness({
    part: 'its factors',
    event: 'were last read at',
    asOf: factorsReadAt,
    missing: 'were never read',
    at,
    source: 'oktaFactors',
    maxHours: freshnessBound(config, 'oktaFactors'),
  });
}

export interface DormancyVerdict {
  verdict: 'pass' | 'fail' | 'not-applicable';
  reason: string;
  /** Whole days since the last sign-in (or since activation when never signed in). */
  days?: number;
}

/**
 * The instant the users' sign-in dates are as of: the snapshot's `collectedAt`, except in a later
 * run of a day (`userListing.mode` "changes"), whose users rest on the day's first full listing
 * (a sign-in is not promised to change `lastUpdated`, so the changes read since may not carry a newer `lastLogin`): then
 * `userListing.listedAt`, when it is the same UTC day and not after `collectedAt` (anything else
 * cannot be vouched for, and `collectedAt`, the stricter, is used).
 */
export function signInDatesAsOf(data: Pick<OktaUsersData, 'userListing'>, collectedAt: string): string {
  const listing = data.userListing;
  if (listing?.mode !== 'changes') return collectedAt;
  const at = Date.parse(listing.listedAt);
  const end = Date.parse(collectedAt);
  if (Number.isNaN(at) || at > end || listing.listedAt.slice(0, 10) !== collectedAt.slice(0, 10))
    return collectedAt;
  return new Date(at).toISOString();
}

/**
 * Whether a user who can sign in has gone `dormantDays` days without a login at `collectedAt`;
 * never signed in: counted from activation. Neither date known: cannot tell, a failure.
 */
export function dormancyVerdict(
  user: OktaUserRecord,
  dormantDays: number,
  collectedAt: string,
): DormancyVerdict {
  if (!SIGN_IN_STATUSES.has(user.status))
    return { verdict: 'not-applicable', reason: `${user.status}: cannot sign in` };
  const since = user.lastLogin ?? user.activated;
  if (since === null || Number.isNaN(Date.parse(since)))
    return { verdict: 'fail', reason: 'no last login and no activation date: dormancy cannot be told' };
  const days = Math.floor((Date.parse(collectedAt) - Date.parse(since)) / DAY_MS);
  const what = user.lastLogin === null ? `never signed in, activated ${since}` : `last signed in ${since}`;
  if (days >= dormantDays) return { verdict: 'fail', reason: `${what}: ${days} days ago`, days };
  return { verdict: 'pass', reason: `${what} (${days} days ago)`, days };
}
