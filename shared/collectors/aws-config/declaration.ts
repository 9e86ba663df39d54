/** AWS Config (CC7.2), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
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
  ],
  description: 'AWS Config recorders, recorder status and delivery channels per region',
  scopes: regionalScopes,
};

export default awsConfig;
