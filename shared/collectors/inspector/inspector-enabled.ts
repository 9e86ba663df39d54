/**
 * inspector-enabled (CC7.1): Amazon Inspector scans EC2, ECR and Lambda in the snapshot's
 * account and region, and it is still scanning what it covers: every covered resource's scan
 * status is ACTIVE, and every EC2 instance, ECR image and Lambda function was last scanned within
 * `checks.freshnessHours.inspectorScan` (48 h by default) of the snapshot's `collectedAt`. A
 * resource Inspector stopped scanning keeps its last findings, which vulnerabilities-within-sla
 * would otherwise judge as today's. One snapshot is one region, so over a day's snapshots this
 * says "every configured region scans all three, and keeps scanning".
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import type { Config } from '../../config.js';
import { formatAge, freshnessBound, staleness } from '../freshness.js';
import type { InspectorCoveredResource, InspectorData } from './collector.js';
import { inspector } from './declaration.js';

const TYPES = [
  ['ec2', 'EC2'],
  ['ecr', 'ECR'],
  ['lambda', 'Lambda'],
] as const;

/**
 * The resource types Inspector scans for vulnerabilities themselves, whose `lastScannedAt` is
 * held to the bound. The others it lists (ECR repositories, the account, code repositories) carry
 * no scan of their own: their scan status alone is judged.
 */
const SCANNED = new Set(['AWS_EC2_INSTANCE', 'AWS_ECR_CONTAINER_IMAGE', 'AWS_LAMBDA_FUNCTION']);

/** A terminated resource: Inspector is removing its coverage and closing its findings. */
const TERMINATED = 'RESOURCE_TERMINATED';

/** Failing items named in the sentence (the failing list holds them all). */
const NAMED = 10;

/** Why one covered resource is not scanned as of `at`; undefined when it is. */
function coverageProblem(r: InspectorCoveredResource, at: string, config: Config): string | undefined {
  const what = `${r.resourceId} (${r.resourceType}, ${r.scanType})`;
  const last = r.lastScannedAt
    ? `last scanned ${r.lastScannedAt}, ${formatAge(Date.parse(at) - Date.parse(r.lastScannedAt))} before the collection`
    : 'never scanned';
  if (r.statusCode?.toUpperCase() !== 'ACTIVE')
    return `${what} is not scanned: status ${r.statusCode ?? 'none'} (${r.reason ?? 'no reason given'}), ${last}`;
  if (!SCANNED.has(r.resourceType)) return undefined;
  return staleness({
    part: what,
    event: 'was last scanned at',
    asOf: r.lastScannedAt,
    missing: `has not been scanned yet (${r.reason ?? 'no reason given'})`,
    at,
    source: 'inspectorScan',
    maxHours: freshnessBound(config, 'inspectorScan'),
  });
}

/** The coverage's problems, each with its failing item; and how many terminated resources were set aside. */
function coverageProblems(
  data: InspectorData,
  at: string,
  config: Config,
): { items: { id: string; why: string }[]; terminated: number; judged: number } {
  const { region, coverage } = data;
  const items: { id: string; why: string }[] = [];
  if (coverage === undefined)
    return {
      items: [
        {
          id: `inspector-coverage:${region}`,
          why: 'the snapshot holds no coverage (written before coverage was collected), so when each resource was last scanned is unknown',
        },
      ],
      terminated: 0,
      judged: 0,
    };
  if (coverage === null) return { items, terminated: 0, judged: 0 };
  if (!coverage.complete)
    items.push({
      id: `inspector-coverage:${region}`,
      why: `the coverage listing is incomplete (${coverage.error ?? 'no reason recorded'})`,
    });
  let terminated = 0;
  let judged = 0;
  for (const r of coverage.resources) {
    if (r.reason?.toUpperCase() === TERMINATED) {
      terminated++;
      continue;
    }
    judged++;
    const why = coverageProblem(r, at, config);
    if (why) items.push({ id: `inspector-scan:${r.resourceId}`, why });
  }
  return { items, terminated, judged };
}

export const inspectorEnabledCheck = defineCheck(inspector, {
  id: 'inspector-enabled',
  title: 'Amazon Inspector scans EC2, ECR and Lambda',
  procedure:
    "Open the snapshot of the account and region; confirm `data.account.resources.ec2`, `.ecr` and `.lambda` are each `ENABLED`; then confirm `data.coverage.complete` is true and, for each entry of `data.coverage.resources` whose `reason` is not `RESOURCE_TERMINATED`, that `statusCode` is `ACTIVE` and, for types AWS_EC2_INSTANCE, AWS_ECR_CONTAINER_IMAGE and AWS_LAMBDA_FUNCTION, that `lastScannedAt` is at most `checks.freshnessHours.inspectorScan` (48) hours before the snapshot's `collectedAt`.",
  remediation:
    'Activate Inspector for the missing resource types in the region (`aws inspector2 enable --resource-types EC2 ECR LAMBDA --account-ids <id>`), or through the organization’s delegated administrator; for a resource named as not scanned, fix what its scan status reason says (SSM agent and instance profile for UNMANAGED_EC2_INSTANCE, an unsupported OS, the ECR rescan duration for SCAN_ELIGIBILITY_EXPIRED) or remove the resource.',
  description:
    'every configured region has Amazon Inspector scanning EC2, ECR and Lambda, and every resource it covers is scanned (status ACTIVE, last scan within checks.freshnessHours.inspectorScan, 48 h)',
  reliance: {
    freshness:
      'Inspector\'s own time per resource: each covered EC2 instance, ECR image and Lambda function\'s last scan (coverage `lastScannedAt`) at most `checks.freshnessHours.inspectorScan` (48) hours before `collectedAt` (Inspector rescans continuously, and its agentless EC2 and network reachability scans run every 24 hours); older, never scanned, or a scan status other than ACTIVE fails the resource, named with its age, so a resource Inspector stopped scanning is not taken as scanned with its last findings. The scan status per resource type has no "as of" time: Inspector answers it at `collectedAt`.',
    doesNotTest:
      'Resources Inspector does not cover at all (an EC2 instance it never discovered is in no coverage listing), what each scan found (vulnerabilities-within-sla), and Lambda code scanning.',
    limitations:
      'Scanning of all three resource types (EC2, ECR, Lambda) is required; one missing fails the region. Resources whose scan status reason is RESOURCE_TERMINATED are not judged (counted in the sentence): Inspector is removing their coverage and closing their findings. ECR repositories and other listed types without a scan of their own are judged by scan status only. A coverage listing that failed part way fails the region (`inspector-coverage:<region>`), and so does a snapshot without coverage.',
  },
  run(snapshot, config) {
    const { accountId, region, account } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const off = TYPES.filter(([k]) => account.resources[k]?.toUpperCase() !== 'ENABLED');
    const { items, terminated, judged } = coverageProblems(snapshot.data, snapshot.collectedAt, config);
    // Coverage is not read where the account's Inspector is off; scanning types then is a contradiction, never a pass.
    if (snapshot.data.coverage === null && off.length === 0)
      items.push({
        id: `inspector-coverage:${region}`,
        why: `no coverage was read (the account's Inspector status is ${account.status ?? 'none'}), so when each resource was last scanned is unknown`,
      });
    const set = terminated > 0 ? `; ${terminated} terminated resource(s) not judged` : '';
    if (off.length === 0 && items.length === 0)
      return pass(
        `${where}: Inspector scans EC2, ECR and Lambda, and all ${judged} covered resource(s) are scanned within ${freshnessBound(config, 'inspectorScan')} h${set}`,
      );
    const parts: string[] = [];
    if (off.length > 0)
      parts.push(
        `Inspector does not scan ${off.map(([k, name]) => `${name} ${account.resources[k] ?? 'never enabled'}`).join(', ')}`,
      );
    if (items.length > 0) {
      const named = items.slice(0, NAMED).map((i) => i.why);
      const more = items.length > NAMED ? `; and ${items.length - NAMED} more` : '';
      parts.push(`${items.length} coverage problem(s): ${named.join('; ')}${more}`);
    }
    return fail(`${where}: ${parts.join('; ')}${set}`, [
      ...off.map(([, name]) => `inspector-${name.toLowerCase()}:${region}`),
      ...new Set(items.map((i) => i.id)),
    ]);
  },
});
