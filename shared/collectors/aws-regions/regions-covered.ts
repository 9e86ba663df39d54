/**
 * regions-covered (CC2.1, CC7.2): every region the account has enabled is collected
 * (`aws.regions`) or excluded on purpose (`aws.excludeRegions`, each with its reason), so the
 * regional collectors' population is the account's, not a list someone forgot to update.
 * Only the account's own partition counts (a commercial account has no GovCloud or China
 * region, whatever a listing shows).
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { awsRegions } from './declaration.js';

export const regionsCoveredCheck = defineCheck(awsRegions, {
  id: 'regions-covered',
  title: 'Every enabled region collected or excluded',
  procedure:
    'Open the snapshot; for every entry of `data.regions` with `enabled` true and `partition` "aws", confirm the region is in `aws.regions` or in `aws.excludeRegions` (with a reason) of the configuration in force.',
  remediation:
    'Add the region to `aws.regions` (it is then collected), or to `aws.excludeRegions` as `{ "region": "...", "reason": "..." }` (e.g. denied by an SCP), or disable the region in the account.',
  description:
    'every region the account has enabled is in aws.regions or in aws.excludeRegions with a reason',
  reliance: {
    freshness: 'No "as of" time: DescribeRegions answers the current opt-in status at `collectedAt`.',
    doesNotTest: 'What runs in a region, and regions of other partitions (GovCloud, China).',
    limitations:
      'The enabled regions come from EC2 DescribeRegions (AllRegions) as the collecting credentials see them; an SCP that denies a region does not disable it, so such a region must be excluded with its reason.',
  },
  run(snapshot, config) {
    const { accountId, regions } = snapshot.data;
    const where = `account ${accountId}`;
    const enabled = regions.filter((r) => r.enabled && r.partition === 'aws');
    if (enabled.length === 0)
      return fail(`${where}: no enabled region recorded, so coverage cannot be shown`, [where]);
    const collected = new Set(config.aws?.regions ?? []);
    const excluded = new Set((config.aws?.excludeRegions ?? []).map((e) => e.region));
    const uncovered = enabled
      .filter((r) => !collected.has(r.name) && !excluded.has(r.name))
      .map((r) => r.name);
    if (uncovered.length > 0)
      return fail(
        `${where}: ${uncovered.length} enabled region(s) neither collected nor excluded: ${uncovered.join(', ')}`,
        uncovered,
      );
    const n = enabled.filter((r) => collected.has(r.name)).length;
    return pass(
      `${where}: all ${enabled.length} enabled region(s) covered (${n} collected, ${enabled.length - n} excluded with a reason)`,
    );
  },
});
