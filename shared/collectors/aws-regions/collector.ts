/**
 * AWS regions, one account per scope (CC2.1, CC7.2): every region EC2 DescribeRegions
 * (AllRegions) lists for the account, with its opt-in status and partition. Enabled means
 * `opt-in-not-required` or `opted-in`. The call goes to the first configured region (any
 * enabled region answers for the whole account).
 */
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { type AwsAccountScope, awsCall, awsClient } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { awsRegions } from './declaration.js';

export interface AwsRegion {
  name: string;
  /** As EC2 reports it: opt-in-not-required, opted-in or not-opted-in. */
  optInStatus: string | null;
  /** Whether the account can run workloads there: opt-in-not-required or opted-in. */
  enabled: boolean;
  /** aws, aws-cn, aws-us-gov, ... (from the region's name). */
  partition: string;
}

export interface AwsRegionsData {
  accountId: string;
  /** The region the question was asked in. */
  askedIn: string;
  /** How the list was obtained, so a reader knows what it means. */
  method: 'ec2:DescribeRegions AllRegions=true';
  regions: AwsRegion[];
}

/** The opt-in statuses under which a region is enabled (EC2 DescribeRegions, `OptInStatus`). */
export const ENABLED_STATUSES: ReadonlySet<string> = new Set(['opt-in-not-required', 'opted-in']);

/** The partition a region belongs to, from its name. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

export const awsRegionsCollector: RunnableCollector<AwsAccountScope, AwsRegionsData> = {
  ...awsRegions,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const askedIn = scope.regions[0] ?? 'us-east-1';
    const client = awsClient(EC2Client, scope, askedIn, ctx.stats);
    try {
      const out = await awsCall(scope, askedIn, 'ec2:DescribeRegions', () =>
        client.send(new DescribeRegionsCommand({ AllRegions: true })),
      );
      ctx.stats.pages++;
      const regions: AwsRegion[] = (out.Regions ?? [])
        .filter((r): r is typeof r & { RegionName: string } => typeof r.RegionName === 'string')
        .map((r) => ({
          name: r.RegionName,
          optInStatus: r.OptInStatus ?? null,
          enabled: ENABLED_STATUSES.has(r.OptInStatus ?? ''),
          partition: partitionOf(r.RegionName),
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const data: AwsRegionsData = {
        accountId: scope.accountId,
        askedIn,
        method: 'ec2:DescribeRegions AllRegions=true',
        regions,
      };
      if (regions.length === 0)
        return {
          data,
          items: 0,
          status: 'partial' as const,
          errors: [`ec2:DescribeRegions in ${askedIn} listed no region: the account's regions are unknown`],
        };
      return { data, items: regions.length };
    } finally {
      client.destroy();
    }
  },
};

export default awsRegionsCollector;
