/**
 * AWS regions (CC2.1, CC7.2), one account per scope: what the collector declares (its code:
 * collector.ts). The population of regions the regional collectors cover is `aws.regions`, a
 * list someone wrote; this snapshot records which regions the account itself has enabled, so
 * `regions-covered` can prove the list complete.
 */
import { type AwsAccountScope, accountScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { AwsRegionsData } from './collector.js';

export const awsRegions: Collector<AwsAccountScope, AwsRegionsData> = {
  id: 'aws-regions',
  source: 'aws',
  controls: ['CC2.1', 'CC7.2'],
  scopePattern: 'aws-<account>',
  /**
   * EC2 DescribeRegions with AllRegions answers every region of the partition with its opt-in
   * status. (Account ListRegions says the same in more detail, but the emulator the tests run
   * against does not implement it, so the collector uses the call it can be tested with.)
   */
  permissions: ['ec2:DescribeRegions'],
  description: "the account's regions and their opt-in status (which are enabled), from EC2 DescribeRegions",
  scopes: accountScopes,
};

export default awsRegions;
