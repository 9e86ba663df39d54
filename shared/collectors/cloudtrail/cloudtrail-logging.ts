/**
 * cloudtrail-logging (CC7.2): the account has a multi-region trail that is logging, has
 * delivered log files within `checks.freshnessHours.cloudTrailDelivery` of the snapshot (a trail
 * that says it is logging but delivered nothing for days is not logging), and has log-file
 * validation on (the trail whose digests prove its logs unaltered).
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import type { Config } from '../../config.js';
import type { CloudTrailTrail } from './collector.js';
import { cloudTrail, trailDeliveryStaleness } from './declaration.js';

function shortfalls(t: CloudTrailTrail, collectedAt: string, config: Config): string[] {
  const out: string[] = [];
  if (!t.isMultiRegionTrail) out.push('single-region');
  if (t.status === null) out.push('status unknown');
  else if (!t.status.isLogging) out.push('not logging');
  else {
    const stale = trailDeliveryStaleness(t, collectedAt, config);
    if (stale) out.push(`logging but not delivering: ${stale}`);
  }
  if (!t.logFileValidationEnabled) out.push('log-file validation off');
  return out;
}

export const cloudTrailLoggingCheck = defineCheck(cloudTrail, {
  id: 'cloudtrail-logging',
  title: 'CloudTrail logging',
  procedure:
    "Open the snapshot; confirm a trail in `data.trails` has `isMultiRegionTrail` and `logFileValidationEnabled` true, `status.isLogging` true, and the later of `status.latestDeliveryTime` and `status.startLoggingTime` at most `checks.freshnessHours.cloudTrailDelivery` (24) hours before the snapshot's `collectedAt`.",
  remediation:
    'Create a multi-region trail with log-file validation (`aws cloudtrail create-trail --is-multi-region-trail --enable-log-file-validation`) and start logging.',
  controls: ['CC7.2'],
  description:
    'a multi-region trail is logging, delivered log files within checks.freshnessHours.cloudTrailDelivery (24 h), with log-file validation on',
  reliance: {
    freshness:
      "CloudTrail's own time: a logging trail's latest log delivery (`LatestDeliveryTime`, or `StartLoggingTime` when later) at most `checks.freshnessHours.cloudTrailDelivery` (24) hours before `collectedAt`; older, the collector marks the snapshot `partial` naming the trail and its age (and its latest delivery error), and the check does not count the trail as logging.",
    doesNotTest:
      "Event selectors (a trail that logs only some management or data events passes), the destination bucket's retention and lock, digest delivery, and CloudWatch Logs integration; a delivery error is named only when the last delivery is stale.",
    limitations:
      "Any one trail that is multi-region, logging, delivering and validating passes the account; other trails are listed in the snapshot but not judged. Delivery freshness is CloudTrail's own `LatestDeliveryTime` (a trail started since counts from its start): a trail quiet for longer than the bound (no activity at all) fails as not delivering.",
  },
  run(snapshot, config) {
    const { accountId, trails } = snapshot.data;
    const gaps = (t: CloudTrailTrail) => shortfalls(t, snapshot.collectedAt, config);
    if (trails.length === 0)
      return fail(`account ${accountId}: no CloudTrail trail`, [`account ${accountId}`]);
    const good = trails.filter((t) => gaps(t).length === 0);
    if (good.length > 0) {
      return pass(
        `account ${accountId}: ${good.map((t) => t.name).join(', ')} is multi-region, logging and delivering, with log-file validation`,
      );
    }
    const why = trails.map((t) => `${t.name} (${gaps(t).join(', ')})`);
    return fail(
      `account ${accountId}: no multi-region trail is logging and delivering with log-file validation: ${why.join('; ')}`,
      trails.map((t) => t.name),
    );
  },
});
