/**
 * Amazon Inspector, one account and region per scope (CC7.1): whether Inspector scans each
 * resource type (BatchGetAccountStatus: EC2, ECR, Lambda, Lambda code) and every ACTIVE
 * finding, one row each (the SLA is per finding, so counts alone are not enough): severity,
 * first and last observed time, resource, vulnerability id, fix availability. ListFindings is
 * paged 100 at a time, bounded. An account Inspector never saw is recorded with `status:
 * null` (Inspector answers nothing for it): the inspector-enabled check fails it.
 */
import {
  BatchGetAccountStatusCommand,
  Inspector2Client,
  paginateListFindings,
} from '@aws-sdk/client-inspector2';
import { type AwsRegionalScope, awsCall, awsClient } from '../../aws/accounts.js';
import { allPages } from '../../aws/paging.js';
import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { inspector } from './declaration.js';

/** Scan status of one resource type: ENABLED, DISABLED, ENABLING, ... ; null when Inspector said nothing. */
export interface InspectorAccount {
  /** The account's Inspector state; null when Inspector returned no status for the account. */
  status: string | null;
  resources: { ec2: string | null; ecr: string | null; lambda: string | null; lambdaCode: string | null };
}

export interface InspectorFinding {
  arn: string;
  /** CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNTRIAGED. */
  severity: string;
  firstObservedAt: string | null;
  lastObservedAt: string | null;
  type: string | null;
  title: string | null;
  /** The first resource's id and type (e.g. an instance id and AWS_EC2_INSTANCE). */
  resourceId: string | null;
  resourceType: string | null;
  /** CVE or other vulnerability id (package findings); the detector id for code findings. */
  vulnerabilityId: string | null;
  fixAvailable: string | null;
  inspectorScore: number | null;
}

export interface InspectorData {
  accountId: string;
  region: string;
  account: InspectorAccount;
  /** Every finding whose status is ACTIVE. */
  findings: InspectorFinding[];
}

const ACTIVE = { findingStatus: [{ comparison: 'EQUALS' as const, value: 'ACTIVE' }] };

export const inspectorCollector: RunnableCollector<AwsRegionalScope, InspectorData> = {
  ...inspector,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const { region } = scope;
    const client = awsClient(Inspector2Client, scope, region, ctx.stats);
    const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, region, action, fn);
    try {
      const status = await call('inspector2:BatchGetAccountStatus', () =>
        client.send(new BatchGetAccountStatusCommand({ accountIds: [scope.accountId] })),
      );
      ctx.stats.pages++;
      const mine = status.accounts?.find((a) => a.accountId === scope.accountId);
      const failed = status.failedAccounts?.find((a) => a.accountId === scope.accountId);
      if (failed && !mine)
        throw new Error(
          `inspector2:BatchGetAccountStatus in ${region} failed for account ${scope.accountId}: ${failed.errorCode ?? 'unknown'} ${failed.errorMessage ?? ''}`.trim(),
        );
      const r = mine?.resourceState;
      const account: InspectorAccount = {
        status: mine?.state?.status ?? null,
        resources: {
          ec2: r?.ec2?.status ?? null,
          ecr: r?.ecr?.status ?? null,
          lambda: r?.lambda?.status ?? null,
          lambdaCode: r?.lambdaCode?.status ?? null,
        },
      };
      const found = await call('inspector2:ListFindings', () =>
        allPages(
          paginateListFindings({ client, pageSize: 100, stopOnSameToken: true }, { filterCriteria: ACTIVE }),
          'ListFindings',
          ctx.stats,
          (p) => p.findings,
        ),
      );
      const findings: InspectorFinding[] = found.map((f) => {
        const resource = f.resources?.[0];
        return {
          arn: f.findingArn ?? 'unknown',
          severity: f.severity ?? 'UNTRIAGED',
          firstObservedAt: f.firstObservedAt ? new Date(f.firstObservedAt).toISOString() : null,
          lastObservedAt: f.lastObservedAt ? new Date(f.lastObservedAt).toISOString() : null,
          type: f.type ?? null,
          title: f.title ?? null,
          resourceId: resource?.id ?? null,
          resourceType: resource?.type ?? null,
          vulnerabilityId:
            f.packageVulnerabilityDetails?.vulnerabilityId ?? f.codeVulnerabilityDetails?.detectorId ?? null,
          fixAvailable: f.fixAvailable ?? null,
          inspectorScore: f.inspectorScore ?? null,
        };
      });
      return { data: { accountId: scope.accountId, region, account, findings }, items: findings.length };
    } finally {
      client.destroy();
    }
  },
};

export default inspectorCollector;
