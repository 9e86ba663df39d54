/** Amazon Inspector (CC7.1), one account and region per scope: what the collector declares (its code: collector.ts). */
import { type AwsRegionalScope, regionalScopes } from '../../aws/accounts.js';
import type { Collector } from '../types.js';
import type { InspectorData } from './collector.js';

export const inspector: Collector<AwsRegionalScope, InspectorData> = {
  id: 'inspector',
  source: 'aws',
  controls: ['CC7.1'],
  scopePattern: 'aws-<account>-<region>',
  permissions: ['inspector2:BatchGetAccountStatus', 'inspector2:ListFindings', 'inspector2:ListCoverage'],
  description:
    "Amazon Inspector's scan status per resource type (EC2, ECR, Lambda), every ACTIVE finding with its severity, first observed time, resource and vulnerability id, and every covered resource with its scan status and last scan time",
  scopes: regionalScopes,
};

export default inspector;
