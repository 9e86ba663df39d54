/**
 * config-recording (CC7.2): the snapshot's region has an AWS Config configuration
 * recorder that is recording and whose last delivery status is SUCCESS. Service-linked
 * recorders (managed by another AWS service) do not count: they record only for that service.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { awsConfig } from './declaration.js';

export const configRecordingCheck = defineCheck(awsConfig, {
  id: 'config-recording',
  title: 'AWS Config recording',
  procedure:
    'Open the snapshot; for each recorder whose `servicePrincipal` is null, find its entry in `data.statuses` and confirm `recording` is true and `lastStatus` is `SUCCESS`.',
  remediation:
    'Create or start the configuration recorder (`aws configservice start-configuration-recorder`) and fix the delivery channel named in the last error.',
  controls: ['CC7.2'],
  description: 'the AWS Config configuration recorder is recording, last status SUCCESS',
  reliance: {
    doesNotTest:
      "What the recorder records (its recording group and resource types), the delivery channel's destination and retention, and Config rules or conformance packs.",
    limitations:
      "Service-linked recorders do not count; one region's recorder is judged per regional snapshot.",
  },
  run(snapshot) {
    const { accountId, region, recorders, statuses } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const own = recorders.filter((r) => r.servicePrincipal === null);
    if (own.length === 0) return fail(`${where}: no AWS Config configuration recorder`, [region]);
    const problems: string[] = [];
    for (const r of own) {
      const s = statuses.find((x) => x.name === r.name);
      if (!s) problems.push(`${r.name} has no status`);
      else if (!s.recording) problems.push(`${r.name} is not recording`);
      // The API documents Success | Failure | Pending; emulators answer SUCCESS: compare without case.
      else if (s.lastStatus?.toUpperCase() !== 'SUCCESS') {
        const error = s.lastErrorCode
          ? `, ${s.lastErrorCode}${s.lastErrorMessage ? `: ${s.lastErrorMessage}` : ''}`
          : '';
        problems.push(`${r.name} is recording but its last status is ${s.lastStatus ?? 'unknown'}${error}`);
      } else return pass(`${where}: recorder ${r.name} is recording, last status SUCCESS`);
    }
    return fail(`${where}: ${problems.join('; ')}`, [region]);
  },
});
