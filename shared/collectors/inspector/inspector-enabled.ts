/**
 * inspector-enabled (CC7.1): Amazon Inspector scans EC2, ECR and Lambda in the snapshot's
 * account and region. One snapshot is one region, so over a day's snapshots this says "every
 * configured region scans all three".
 */

import { defineCheck, fail, pass } from '../../checks/types.js';
import { inspector } from './declaration.js';

const TYPES = [
  ['ec2', 'EC2'],
  ['ecr', 'ECR'],
  ['lambda', 'Lambda'],
] as const;

export const inspectorEnabledCheck = defineCheck(inspector, {
  id: 'inspector-enabled',
  title: 'Amazon Inspector scans EC2, ECR and Lambda',
  procedure:
    'Open the snapshot of the account and region; confirm `data.account.resources.ec2`, `.ecr` and `.lambda` are each `ENABLED`.',
  remediation:
    'Activate Inspector for the missing resource types in the region (`aws inspector2 enable --resource-types EC2 ECR LAMBDA --account-ids <id>`), or through the organization’s delegated administrator.',
  description: 'every configured region has Amazon Inspector scanning EC2, ECR and Lambda',
  reliance: {
    freshness:
      'No "as of" time: Inspector answers the account\'s current scan status per resource type at `collectedAt`. When each resource was last scanned (coverage `lastScannedAt`) is not collected.',
    doesNotTest:
      "Whether each resource is actually scanned (an EC2 instance without the SSM agent, an unsupported image) and findings' handling.",
    limitations:
      'Scanning of all three resource types (EC2, ECR, Lambda) is required; one missing fails the region.',
  },
  run(snapshot) {
    const { accountId, region, account } = snapshot.data;
    const where = `account ${accountId} ${region}`;
    const off = TYPES.filter(([k]) => account.resources[k]?.toUpperCase() !== 'ENABLED');
    if (off.length === 0) return pass(`${where}: Inspector scans EC2, ECR and Lambda`);
    const states = off.map(([k, name]) => `${name} ${account.resources[k] ?? 'never enabled'}`).join(', ');
    return fail(
      `${where}: Inspector does not scan ${states}`,
      off.map(([, name]) => `inspector-${name.toLowerCase()}:${region}`),
    );
  },
});
