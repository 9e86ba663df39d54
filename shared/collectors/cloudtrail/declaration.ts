/** CloudTrail (CC7.2), one account per scope: what the collector declares (its code: collector.ts). */
import { type AwsAccountScope, accountScopes } from '../../aws/accounts.js';
import type { Config } from '../../config.js';
import { freshnessBound, staleness } from '../freshness.js';
import type { Collector } from '../types.js';
import type { CloudTrailData, CloudTrailTrail } from './collector.js';

export const cloudTrail: Collector<AwsAccountScope, CloudTrailData> = {
  id: 'cloudtrail',
  source: 'aws',
  controls: ['CC7.2'],
  scopePattern: 'aws-<account>',
  permissions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
  description:
    'CloudTrail trails (each once, by ARN) with log-file validation and logging status, across regions',
  scopes: accountScopes,
};

/**
 * Why a logging trail is not delivering as of `at`: its latest log file delivery (or, when it
 * started logging since, its start) is more than `checks.freshnessHours.cloudTrailDelivery`
 * (24 h by default) before `at`, or it has neither time. CloudTrail delivers log files about
 * every 5 minutes while there is activity, and the collector's own calls are activity. Undefined
 * for a fresh trail and for a trail that is not logging (the check fails that as such). Pure:
 * the collector (the snapshot is then `partial`) and cloudtrail-logging ask the same question.
 */
export function trailDeliveryStaleness(
  trail: Pick<CloudTrailTrail, 'name' | 'status'>,
  at: string | Date,
  config: Pick<Config, 'checks'> | undefined,
): string | undefined {
  const s = trail.status;
  if (s === null || !s.isLogging) return undefined;
  const delivered = s.latestDeliveryTime;
  const started = s.startLoggingTime;
  // Restarted after the last delivery: its age runs from the start.
  const sinceStart = started !== null && (delivered === null || Date.parse(started) > Date.parse(delivered));
  const stale = staleness({
    part: `trail ${trail.name}`,
    event: sinceStart
      ? 'has delivered no log file since it started logging at'
      : 'last delivered log files at',
    asOf: sinceStart ? started : delivered,
    missing: 'reports neither a log delivery time nor a start time',
    at,
    source: 'cloudTrailDelivery',
    maxHours: freshnessBound(config, 'cloudTrailDelivery'),
  });
  if (stale === undefined) return undefined;
  return s.latestDeliveryError ? `${stale} (latest delivery error: ${s.latestDeliveryError})` : stale;
}

export default cloudTrail;
