/**
 * iam-key-rotation (CC6.1): no active access key is older than `checks.iamKeyMaxAgeDays`
 * (90 by default). Age is measured from the key's last rotation to the snapshot's
 * collectedAt, never to the wall clock, so re-running the check later gives the same answer.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { credentialReportStaleness, iam, STALE_REPORT } from './declaration.js';

const DAY_MS = 86_400_000;

export const iamKeyRotationCheck = defineCheck(iam, {
  id: 'iam-key-rotation',
  title: 'IAM access keys rotated',
  procedure:
    "Open the snapshot; for each row's active access key compare `lastRotated` with the snapshot's `collectedAt` against `checks.iamKeyMaxAgeDays`.",
  remediation: 'Rotate each named key (create a new key, move its users, deactivate and delete the old one).',
  controls: ['CC6.1'],
  description: 'no active IAM access key older than checks.iamKeyMaxAgeDays (90 days by default)',
  reliance: {
    freshness:
      "IAM's own time: the credential report's `generatedTime` at most `checks.freshnessHours.credentialReport` (24) hours before `collectedAt`; an older report is asked for again (twice, bounded), and if IAM still answers it the snapshot is `partial` and the check fails `stale-credential-report`, never judging it.",
    doesNotTest:
      "Whether an old key is still used, what it may do, or keys outside IAM users (roles' temporary credentials, Identity Center).",
    limitations:
      "Age runs from the report's last-rotated date to the snapshot's `collectedAt`; inactive keys never count. The same bound on the credential report's age applies (`checks.freshnessHours.credentialReport`, 24 hours).",
  },
  run(snapshot, config) {
    const maxDays = config.checks.iamKeyMaxAgeDays;
    const at = Date.parse(snapshot.collectedAt);
    const { accountId, credentialReport } = snapshot.data;
    // A stale report is not the state of the snapshot's day: never judged as if it were.
    const stale = credentialReportStaleness(credentialReport.generatedTime, snapshot.collectedAt, config);
    if (stale) return fail(`account ${accountId}: not judged: ${stale}`, [STALE_REPORT]);
    const old: string[] = [];
    let active = 0;
    for (const row of credentialReport.rows) {
      for (const [slot, key] of [
        [1, row.accessKey1],
        [2, row.accessKey2],
      ] as const) {
        if (!key.active) continue;
        active++;
        if (key.lastRotated === null) {
          old.push(`${row.user} key ${slot} (age unknown)`);
          continue;
        }
        const days = Math.floor((at - Date.parse(key.lastRotated)) / DAY_MS);
        if (days > maxDays) old.push(`${row.user} key ${slot} (${days} days)`);
      }
    }
    if (old.length === 0) {
      return pass(`account ${accountId}: all ${active} active access key(s) are at most ${maxDays} days old`);
    }
    return fail(
      `account ${accountId}: ${old.length} active access key(s) older than ${maxDays} days: ${old.join(', ')}`,
      old,
    );
  },
});
