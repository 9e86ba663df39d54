/**
 * iam-console-mfa (CC6.1): every IAM user with a console password has an MFA device, and
 * the root user has MFA. Root MFA comes from the credential report's <root_account> row,
 * or, when the report has none, from the account summary's AccountMFAEnabled.
 *
 * A root user that cannot sign in needs no MFA: no password and no access key, the state
 * centralized root access management (AWS Organizations) leaves member accounts in. That is
 * known only when the evidence says so: the report's password_enabled "false" (or, when it
 * says "not_supported", the account summary's AccountPasswordPresent 0) and no active access
 * key in the row (and AccountAccessKeysPresent not 1). Anything unknown keeps MFA required.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { credentialReportStaleness, iam, ROOT_ACCOUNT, STALE_REPORT } from './declaration.js';

export const iamConsoleMfaCheck = defineCheck(iam, {
  id: 'iam-console-mfa',
  title: 'IAM console users have MFA',
  procedure:
    'Open the snapshot; in `data.credentialReport.rows` list every row with `passwordEnabled` true (and `<root_account>`) and confirm `mfaActive` is true for each.',
  remediation:
    'Assign an MFA device to each named user (and the root user), or remove their console password.',
  controls: ['CC6.1'],
  description: 'every IAM user with a console password has MFA; the root user has MFA',
  reliance: {
    freshness:
      "IAM's own time: the credential report's `generatedTime` at most `checks.freshnessHours.credentialReport` (24) hours before `collectedAt`; an older report is asked for again (twice, bounded), and if IAM still answers it the snapshot is `partial` and the check fails `stale-credential-report`, never judging it.",
    doesNotTest:
      'The kind of MFA device (virtual or hardware), MFA for access-key (API) use, and people who sign in through IAM Identity Center or another federation rather than as IAM users.',
    limitations:
      'The credential report may be up to 4 hours old when IAM reuses it; one older than `checks.freshnessHours.credentialReport` (24 hours) is refused (`stale-credential-report`). Without a `<root_account>` row, root MFA comes from the account summary.',
  },
  run(snapshot, config) {
    const { accountId, credentialReport, accountSummary } = snapshot.data;
    // A stale report is not the state of the snapshot's day: never judged as if it were.
    const stale = credentialReportStaleness(credentialReport.generatedTime, snapshot.collectedAt, config);
    if (stale) return fail(`account ${accountId}: not judged: ${stale}`, [STALE_REPORT]);
    const rows = credentialReport.rows;
    const root = rows.find((r) => r.user === ROOT_ACCOUNT);
    const rootMfa = root ? root.mfaActive : accountSummary.AccountMFAEnabled === 1;
    const rootHasNoPassword =
      root?.passwordEnabled === false ||
      ((root === undefined || root.passwordEnabled === null) && accountSummary.AccountPasswordPresent === 0);
    const rootHasNoKey =
      accountSummary.AccountAccessKeysPresent !== 1 &&
      (root
        ? !root.accessKey1.active && !root.accessKey2.active
        : accountSummary.AccountAccessKeysPresent === 0);
    const rootCannotSignIn = rootHasNoPassword && rootHasNoKey;
    const rootOk = rootMfa || rootCannotSignIn;
    const consoleUsers = rows.filter((r) => r.user !== ROOT_ACCOUNT && r.passwordEnabled === true);
    const without = consoleUsers.filter((r) => !r.mfaActive).map((r) => r.user);
    const failing = [...(rootOk ? [] : [ROOT_ACCOUNT]), ...without.sort()];
    if (failing.length === 0) {
      return pass(
        rootMfa
          ? `account ${accountId}: root and all ${consoleUsers.length} console user(s) have MFA`
          : `account ${accountId}: the root user has no password and no access key (cannot sign in), and all ${consoleUsers.length} console user(s) have MFA`,
      );
    }
    const parts: string[] = [];
    if (!rootOk) parts.push('the root user has no MFA');
    if (without.length)
      parts.push(
        `${without.length} of ${consoleUsers.length} console user(s) without MFA: ${without.join(', ')}`,
      );
    return fail(`account ${accountId}: ${parts.join('; ')}`, failing);
  },
});
