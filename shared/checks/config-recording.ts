/**
 * config-recording (CC7.2): the snapshot's region has an AWS Config configuration
 * recorder that is recording and whose last delivery status is SUCCESS. Service-linked
 * recorders (managed by another AWS service) do not count: they record only for that service.
 */
import type { AwsConfigData } from '../collectors/aws-config.js';
import { type Check, fail, pass } from './types.js';

export const configRecordingCheck: Check<AwsConfigData> = {
  id: 'config-recording',
  controls: ['CC7.2'],
  collector: 'aws-config',
  description: 'the AWS Config configuration recorder is recording, last status SUCCESS',
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
};
