/**
 * guardduty-enabled (CC7.2): the snapshot's region has a GuardDuty detector whose status
 * is ENABLED. One snapshot is one account and region, so over a day's snapshots this
 * says "every configured region has an enabled detector".
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { guardDuty } from './declaration.js';

export const guardDutyEnabledCheck = defineCheck(guardDuty, {
  id: 'guardduty-enabled',
  title: 'GuardDuty enabled',
  procedure:
    'Open the snapshot of the account and region; confirm `data.detectors` holds a detector whose `status` is `ENABLED`.',
  remediation:
    "Enable GuardDuty in the region (console or `aws guardduty create-detector --enable`), or through the organization's delegated administrator.",
  controls: ['CC7.2'],
  description: 'every configured region has a GuardDuty detector with status ENABLED',
  reliance: {
    freshness: 'No "as of" time: GuardDuty answers the detector\'s current status at `collectedAt`.',
    doesNotTest:
      'Which protection features (S3, EKS, malware, runtime) are on, whether findings are triaged or acted on, and regions outside `aws.regions`.',
    limitations:
      'A detector that is ENABLED but publishes to nobody passes; the finding counts are recorded but not judged.',
  },
  run(snapshot) {
    const { region, accountId, detectors } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    if (detectors.length === 0) return fail(`${where}: no GuardDuty detector`, [region]);
    // DetectorStatus is documented ENABLED | DISABLED; compare without case, as for every AWS status.
    const enabled = detectors.filter((d) => d.status?.toUpperCase() === 'ENABLED');
    if (enabled.length === 0) {
      const states = detectors.map((d) => `${d.detectorId} is ${d.status ?? 'of unknown status'}`).join(', ');
      return fail(`${where}: no enabled GuardDuty detector (${states})`, [region]);
    }
    return pass(`${where}: GuardDuty detector ${enabled.map((d) => d.detectorId).join(', ')} is ENABLED`);
  },
});
