/** AWS Config (CC7.2), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
import type { Config } from '../../config.js';
import { freshnessBound, staleness } from '../freshness.js';
import type { Collector } from '../types.js';
import type { AwsConfigData } from './collector.js';

export const awsConfig: Collector<AwsRegionalScope, AwsConfigData> = {
  id: 'aws-config',
  source: 'aws',
  controls: ['CC7.2'],
  scopePattern: 'aws-<account>-<region>',
  permissions: [
    'config:DescribeConfigurationRecorders',
    'config:DescribeConfigurationRecorderStatus',
    'config:DescribeDeliveryChannels',
    'config:DescribeDeliveryChannelStatus',
  ],
  description:
    'AWS Config recorders, recorder status (latest recording event), delivery channels and their delivery status per region',
  scopes: regionalScopes,
};

/** A part of an aws-config snapshot whose own "as of" time is older than its bound. */
export interface StaleConfigPart {
  /** `recorder <name>` or `delivery channel <name>`. */
  part: string;
  reason: string;
}

/**
 * The parts of an aws-config snapshot that are not the state at `at` (collectors/freshness.ts):
 * each recording recorder of the account's own (not service-linked) whose latest recording
 * event (`lastStatusChangeTime`, or its start when it started since) is more than
 * `checks.freshnessHours.configRecorder` (48 h) before `at`; each delivery channel with a
 * snapshot delivery frequency whose last successful snapshot delivery is more than
 * `checks.freshnessHours.configDelivery` (48 h) before `at`. Recorders that are not recording
 * are no freshness question (config-recording fails them as such). Pure: the collector marks
 * the snapshot `partial` with these, config-recording fails them.
 */
export function configStaleness(
  data: Pick<AwsConfigData, 'recorders' | 'statuses' | 'deliveryChannels' | 'deliveryStatuses'>,
  at: string | Date,
  config: Pick<Config, 'checks'> | undefined,
): StaleConfigPart[] {
  const out: StaleConfigPart[] = [];
  for (const r of data.recorders) {
    if (r.servicePrincipal !== null) continue;
    const s = data.statuses.find((x) => x.name === r.name);
    if (!s?.recording) continue;
    const changed = s.lastStatusChangeTime;
    const started = s.lastStartTime;
    const sinceStart = started !== null && (changed === null || Date.parse(started) > Date.parse(changed));
    const part = `recorder ${r.name}`;
    const reason = staleness({
      part,
      event: sinceStart
        ? 'has processed no recording event since it started at'
        : 'processed its latest recording event at',
      asOf: sinceStart ? started : changed,
      missing: 'reports neither a latest recording event nor a start time',
      at,
      source: 'configRecorder',
      maxHours: freshnessBound(config, 'configRecorder'),
    });
    if (reason) out.push({ part, reason });
  }
  // Unread statuses (null) and snapshots from before they were recorded are the check's to fail.
  if (!data.deliveryStatuses) return out;
  for (const c of data.deliveryChannels) {
    if (c.deliveryFrequency === null) continue;
    const part = `delivery channel ${c.name}`;
    const s = data.deliveryStatuses.find((x) => x.name === c.name);
    const reason = staleness({
      part,
      event: 'last delivered a configuration snapshot at',
      asOf: s?.snapshot?.lastSuccessfulTime ?? null,
      missing: s
        ? `has delivered no configuration snapshot (delivery frequency ${c.deliveryFrequency})`
        : 'has no delivery status',
      at,
      source: 'configDelivery',
      maxHours: freshnessBound(config, 'configDelivery'),
    });
    if (reason) out.push({ part, reason });
  }
  return out;
}

export default awsConfig;
