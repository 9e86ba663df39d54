/**
 * iam-console-mfa (CC6.1): every IAM user with a console password has an MFA device, and
 * the root user has MFA. Root MFA comes from the credential report's <root_account> row,
 * or, when the report has none, from the account summary's AccountMFAEnabled.
 */
import { type IamData, ROOT_ACCOUNT } from '../collectors/iam.js';
import { type Check, fail, pass } from './types.js';

export const iamConsoleMfaCheck: Check<IamData> = {
  id: 'iam-console-mfa',
  controls: ['CC6.1'],
  collector: 'iam',
  description: 'every IAM user with a console password has MFA; the root user has MFA',
  run(snapshot) {
    const { accountId, credentialReport, accountSummary } = snapshot.data;
    const rows = credentialReport.rows;
    const root = rows.find((r) => r.user === ROOT_ACCOUNT);
    const rootMfa = root ? root.mfaActive : accountSummary.AccountMFAEnabled === 1;
    const consoleUsers = rows.filter((r) => r.user !== ROOT_ACCOUNT && r.passwordEnabled === true);
    const without = consoleUsers.filter((r) => !r.mfaActive).map((r) => r.user);
    const failing = [...(rootMfa ? [] : [ROOT_ACCOUNT]), ...without.sort()];
    if (failing.length === 0) {
      return pass(`account ${accountId}: root and all ${consoleUsers.length} console user(s) have MFA`);
    }
    const parts: string[] = [];
    if (!rootMfa) parts.push('the root user has no MFA');
    if (without.length)
      parts.push(
        `${without.length} of ${consoleUsers.length} console user(s) without MFA: ${without.join(', ')}`,
      );
    return fail(`account ${accountId}: ${parts.join('; ')}`, failing);
  },
};
