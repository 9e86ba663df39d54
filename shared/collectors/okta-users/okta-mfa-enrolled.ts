/**
 * okta-mfa-enrolled (CC6.1): every Okta user who can sign in (ACTIVE, PASSWORD_EXPIRED,
 * LOCKED_OUT, RECOVERY) has at least one ACTIVE factor of an accepted kind (okta.mfa). A
 * PENDING_ACTIVATION factor is no MFA; factors not read, or read more than
 * `checks.freshnessHours.oktaFactors` (8 days) before the snapshot, are unknown (failing).
 * Exempt logins (okta.mfa.exempt) are listed in the detail, never hidden; a user who cannot sign in (DEPROVISIONED, SUSPENDED, STAGED, PROVISIONED) is
 * not judged.
 */
import { defineCheck, fail, pass } from '../../checks/types.js';
import { OktaUsersDataError, readOktaUsersData } from './data.js';
import { oktaUsers } from './declaration.js';
import { isExempt, type MfaSettings, mfaSettingsOf, mfaVerdict } from './judge.js';

export const oktaMfaEnrolledCheck = defineCheck(oktaUsers, {
  id: 'okta-mfa-enrolled',
  controls: ['CC6.1'],
  title: 'Every Okta user who can sign in has MFA',
  description:
    'every Okta user who can sign in (ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY) has an ACTIVE factor of an accepted kind (`okta.mfa`), read within checks.freshnessHours.oktaFactors (192 h, 8 days); exemptions (`okta.mfa.exempt`) are listed',
  procedure:
    "Open the snapshot; confirm `usersComplete` is true; for each entry of `users` whose `status` is ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY and whose `login` is not in `okta.mfa.exempt`, confirm `factorsReadAt` is at most `checks.freshnessHours.oktaFactors` (192) hours before the snapshot's `collectedAt` and `factors` holds an entry with `status` ACTIVE whose `type` is in `okta.mfa.acceptedFactors` (with `okta.mfa.phishingResistant`: webauthn, u2f or signed_nonce only). Read the exempt logins from the detail and confirm each exemption is approved.",
  remediation:
    'Have each named person enroll an accepted factor (Okta Verify, FIDO2 / WebAuthn); require enrollment in the authenticator enrollment (MFA_ENROLL) policy; a service account that cannot use MFA goes into okta.mfa.exempt with an approved exception.',
  reliance: {
    freshness:
      "When okta-users read each user's factors (`factorsReadAt`): at most `checks.freshnessHours.oktaFactors` (192 hours, 8 days) before `collectedAt`; carried state older than that makes the snapshot `partial`, naming the users, and the check fails each as unknown.",
    doesNotTest:
      'Whether sign-on policies require the factor (okta-mfa-required does), and users who cannot sign in (DEPROVISIONED, SUSPENDED, STAGED, PROVISIONED).',
    limitations:
      'Exempt logins (`okta.mfa.exempt`) pass and are listed in the detail; factors read more than `checks.freshnessHours.oktaFactors` (192 hours, 8 days) before the snapshot are unknown and fail.',
  },
  run(snapshot, config) {
    const mfa = mfaSettingsOf(config);
    let data: ReturnType<typeof readOktaUsersData>;
    try {
      data = readOktaUsersData(snapshot.data);
    } catch (err) {
      if (!(err instanceof OktaUsersDataError)) throw err;
      return fail(`the snapshot cannot be judged: ${err.message}.`, ['okta users']);
    }
    const problems: string[] = [];
    const failing: string[] = [];
    if (!data.usersComplete) {
      failing.push('okta users');
      problems.push('the user list was not read to the end: users missing from it cannot be judged');
    }
    let judged = 0;
    const exempt: string[] = [];
    for (const user of data.users) {
      const v = mfaVerdict(user, mfa, snapshot.collectedAt, config);
      if (v.verdict === 'not-applicable') continue;
      if (v.verdict === 'exempt') {
        exempt.push(`${user.login} (${user.status})`);
        continue;
      }
      judged++;
      if (v.verdict === 'fail') {
        failing.push(user.login);
        problems.push(`${user.login} (${user.status}): ${v.reason}`);
      }
    }
    const exemptions = describeExemptions(mfa, exempt, data.users);
    if (problems.length) return fail(`${problems.join('; ')}. ${exemptions}`, failing);
    return pass(
      `${judged} user(s) who can sign in each have an ACTIVE accepted factor (${acceptedText(mfa)}). ${exemptions}`,
    );
  },
});

function acceptedText(mfa: MfaSettings): string {
  return `${mfa.phishingResistant ? 'phishing-resistant only; ' : ''}accepted: ${mfa.acceptedFactors.join(', ')}`;
}

/** Every exemption, named: the ones that applied, and configured ones that match no user. */
function describeExemptions(
  mfa: MfaSettings,
  applied: string[],
  users: readonly { login: string }[],
): string {
  if (mfa.exempt.length === 0) return 'No exemptions (okta.mfa.exempt is empty).';
  const unknown = mfa.exempt.filter((e) => !users.some((u) => isExempt({ ...mfa, exempt: [e] }, u.login)));
  const parts = [
    `Exempt from MFA (okta.mfa.exempt): ${applied.length ? applied.join(', ') : '(none of them can sign in)'}`,
  ];
  if (unknown.length) parts.push(`exempt login(s) that are no Okta user: ${unknown.join(', ')}`);
  return `${parts.join('; ')}.`;
}
