/**
 * cloudtrail-logging (CC7.2): the account has a multi-region trail that is logging and
 * has log-file validation on (the trail whose digests prove its logs unaltered).
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import type { CloudTrailTrail } from './collector.js';
import { cloudTrail } from './declaration.js';

function shortfalls(t: CloudTrailTrail): string[] {
  const out: string[] = [];
  if (!t.isMultiRegionTrail) out.push('single-region');
  if (t.status === null) out.push('status unknown');
  else if (!t.status.isLogging) out.push('not logging');
  if (!t.logFileValidationEnabled) out.push('log-file validation off');
  return out;
}

export const cloudTrailLoggingCheck = defineCheck(cloudTrail, {
  id: 'cloudtrail-logging',
  title: 'CloudTrail logging',
  procedure:
    'Open the snapshot; confirm a trail in `data.trails` has `isMultiRegionTrail` and `logFileValidationEnabled` true and `status.isLogging` true.',
  remediation:
    'Create a multi-region trail with log-file validation (`aws cloudtrail create-trail --is-multi-region-trail --enable-log-file-validation`) and start logging.',
  controls: ['CC7.2'],
  description: 'a multi-region trail is logging with log-file validation on',
  reliance: {
    doesNotTest:
      "Event selectors (a trail that logs only some management or data events passes), the destination bucket's retention and lock, delivery errors, and CloudWatch Logs integration.",
    limitations:
      'Any one trail that is multi-region, logging and validating passes the account; other trails are listed in the snapshot but not judged.',
  },
  run(snapshot) {
    const { accountId, trails } = snapshot.data;
    if (trails.length === 0)
      return fail(`account ${accountId}: no CloudTrail trail`, [`account ${accountId}`]);
    const good = trails.filter((t) => shortfalls(t).length === 0);
    if (good.length > 0) {
      return pass(
        `account ${accountId}: ${good.map((t) => t.name).join(', ')} is multi-region, logging, with log-file validation`,
      );
    }
    const why = trails.map((t) => `${t.name} (${shortfalls(t).join(', ')})`);
    return fail(
      `account ${accountId}: no multi-region trail is logging with log-file validation: ${why.join('; ')}`,
      trails.map((t) => t.name),
    );
  },
});
