/**
 * config-recording (CC7.2): the snapshot's region has an AWS Config configuration recorder
 * that is recording, whose last status is SUCCESS and whose latest recording event is within
 * `checks.freshnessHours.configRecorder`; and its delivery channels deliver: no last delivery
 * failed, and a channel with a snapshot delivery frequency delivered within
 * `checks.freshnessHours.configDelivery`. Service-linked recorders (managed by another AWS
 * service) do not count: they record only for that service. A recorder that says it records but
 * processed nothing for days, or delivery that is unknown, is not recording: a failure, never a pass.
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import type { AwsConfigData, ConfigExportDelivery } from './collector.js';
import { awsConfig, configStaleness, type StaleConfigPart } from './declaration.js';

/** The API documents Success | Failure | Pending | Not_Applicable; emulators answer upper case. */
const is = (status: string | null | undefined, want: string) => status?.toUpperCase() === want;

function failed(kind: string, d: ConfigExportDelivery | null): string | undefined {
  if (!d || !is(d.lastStatus, 'FAILURE')) return undefined;
  const error = d.lastErrorCode
    ? `: ${d.lastErrorCode}${d.lastErrorMessage ? ` ${d.lastErrorMessage}` : ''}`
    : '';
  return `its last ${kind} delivery failed${d.lastAttemptTime ? ` at ${d.lastAttemptTime}` : ''}${error}`;
}

/** Why the region's delivery channels cannot be said to deliver (empty: they do). */
function deliveryProblems(data: AwsConfigData, stale: readonly StaleConfigPart[]): string[] {
  if (data.deliveryChannels.length === 0) return [];
  if (data.deliveryStatuses === undefined)
    return [
      'the delivery channels’ status is not in this snapshot (collected before it was recorded): delivery unknown',
    ];
  if (data.deliveryStatuses === null)
    return ['the delivery channels’ status could not be read (see the snapshot’s errors): delivery unknown'];
  const out: string[] = [];
  for (const c of data.deliveryChannels) {
    const s = data.deliveryStatuses.find((x) => x.name === c.name);
    // A channel with a delivery frequency is named by configStaleness ("has no delivery status").
    if (!s) {
      if (c.deliveryFrequency === null)
        out.push(`delivery channel ${c.name} has no delivery status: delivery unknown`);
      continue;
    }
    for (const why of [
      failed('configuration history', s.history),
      failed('configuration snapshot', s.snapshot),
    ])
      if (why) out.push(`delivery channel ${c.name}: ${why}`);
  }
  for (const s of stale) if (s.part.startsWith('delivery channel ')) out.push(s.reason);
  return out;
}

export const configRecordingCheck = defineCheck(awsConfig, {
  id: 'config-recording',
  title: 'AWS Config recording',
  procedure:
    "Open the snapshot; for each recorder whose `servicePrincipal` is null, find its entry in `data.statuses` and confirm `recording` is true, `lastStatus` is `SUCCESS` and the later of `lastStatusChangeTime` and `lastStartTime` is at most `checks.freshnessHours.configRecorder` (48) hours before the snapshot's `collectedAt`; then confirm every channel of `data.deliveryChannels` has its entry in `data.deliveryStatuses`, no entry has a `history` or `snapshot` whose `lastStatus` is `FAILURE`, and that each channel of `data.deliveryChannels` with a `deliveryFrequency` has a `snapshot.lastSuccessfulTime` at most `checks.freshnessHours.configDelivery` (48) hours before `collectedAt`.",
  remediation:
    'Create or start the configuration recorder (`aws configservice start-configuration-recorder`) and fix the delivery channel named in the last error (its bucket, bucket policy or role).',
  controls: ['CC7.2'],
  description:
    'the AWS Config configuration recorder is recording, last status SUCCESS, latest recording event within checks.freshnessHours.configRecorder (48 h), and its delivery channel delivers (no failed delivery; snapshots within checks.freshnessHours.configDelivery)',
  reliance: {
    freshness:
      "AWS Config's own times: a recording recorder's latest recording event (`lastStatusChangeTime`, or `lastStartTime` when later) at most `checks.freshnessHours.configRecorder` (48) hours before `collectedAt`, and a delivery channel's last successful snapshot delivery at most `checks.freshnessHours.configDelivery` (48) hours before it; older, the collector marks the snapshot `partial` naming the recorder or channel and its age, and the check fails the region.",
    doesNotTest:
      "What the recorder records (its recording group and resource types), the delivery channel's destination and retention, and Config rules or conformance packs.",
    limitations:
      "Service-linked recorders do not count; one region's recorder is judged per regional snapshot. Freshness is AWS Config's own `lastStatusChangeTime` (the latest recording event processed): a region where nothing recorded changed for longer than the bound fails as not recording, and configuration history delivery, which happens only when something changed, is judged by its last status, not its age.",
  },
  run(snapshot, config) {
    const data = snapshot.data;
    const { accountId, region, recorders, statuses } = data;
    const where = `account ${accountId} ${region}`;
    const own = recorders.filter((r) => r.servicePrincipal === null);
    if (own.length === 0) return fail(`${where}: no AWS Config configuration recorder`, [region]);
    const stale = configStaleness(data, snapshot.collectedAt, config);
    const problems: string[] = [];
    let recording: string | undefined;
    for (const r of own) {
      const s = statuses.find((x) => x.name === r.name);
      const old = stale.find((x) => x.part === `recorder ${r.name}`);
      if (!s) problems.push(`${r.name} has no status`);
      else if (!s.recording) problems.push(`${r.name} is not recording`);
      else if (!is(s.lastStatus, 'SUCCESS')) {
        const error = s.lastErrorCode
          ? `, ${s.lastErrorCode}${s.lastErrorMessage ? `: ${s.lastErrorMessage}` : ''}`
          : '';
        problems.push(`${r.name} is recording but its last status is ${s.lastStatus ?? 'unknown'}${error}`);
      } else if (old) problems.push(`${r.name} says it is recording but ${old.reason}`);
      else recording ??= r.name;
    }
    const delivery = deliveryProblems(data, stale);
    if (recording !== undefined && delivery.length === 0)
      return pass(
        `${where}: recorder ${recording} is recording, last status SUCCESS, and its delivery channel delivers`,
      );
    return fail(`${where}: ${[...(recording === undefined ? problems : []), ...delivery].join('; ')}`, [
      region,
    ]);
  },
});
