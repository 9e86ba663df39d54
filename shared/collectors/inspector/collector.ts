/**
 * Amazon Inspector, one account and region per scope (CC7.1): whether Inspector scans each
 * resource type (BatchGetAccountStatus: EC2, ECR, Lambda, Lambda code), every ACTIVE
 * finding, one row each (the SLA is per finding, so counts alone are not enough): severity,
 * first and last observed time, resource, vulnerability id, fix availability; and its coverage
 * (ListCoverage): every resource of the account Inspector covers, with its scan status and when
 * it was last scanned (`lastScannedAt`), so a resource Inspector stopped scanning, whose last
 * findings would otherwise stand as today's, is seen (inspector-enabled judges it against
 * `checks.freshnessHours.inspectorScan`). ListFindings is paged 100 at a time and ListCoverage
 * 200 (its maximum) at a time, both bounded. A coverage listing that fails part way keeps the
 * resources read and makes the snapshot `partial`, naming the page and the error. An account
 * Inspector never saw is recorded with `status: null` and no coverage (Inspector answers
 * nothing for it): the inspector-enabled check fails it.
 */
import {
  BatchGetAccountStatusCommand,
  Inspector2Client,
  paginateListCoverage,
  paginateListFindings,
} from '@aws-sdk/client-inspector2';
import { type AwsRegionalScope, awsCall, awsClient, describeAwsError } from '../../aws/accounts.js';
import { allPages, boundedPages } from '../../aws/paging.js';
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

/** One resource Inspector covers (ListCoverage's CoveredResource), as recorded. */
export interface InspectorCoveredResource {
  /** An instance id, an ECR image or repository ARN, a Lambda function ARN, ... */
  resourceId: string;
  /** AWS_EC2_INSTANCE, AWS_ECR_CONTAINER_IMAGE, AWS_ECR_REPOSITORY, AWS_LAMBDA_FUNCTION, ... */
  resourceType: string;
  /** PACKAGE, NETWORK or CODE. */
  scanType: string;
  /** ACTIVE or INACTIVE; null when Inspector gave no scan status. */
  statusCode: string | null;
  /** Why: SUCCESSFUL, PENDING_INITIAL_SCAN, UNMANAGED_EC2_INSTANCE, SCAN_ELIGIBILITY_EXPIRED, ... */
  reason: string | null;
  /** When Inspector last checked the resource for vulnerabilities (ISO); null when it never has. */
  lastScannedAt: string | null;
  /** EC2: EC2_SSM_AGENT_BASED or EC2_AGENTLESS; null otherwise. */
  scanMode: string | null;
}

/** The account's Inspector coverage in the region. */
export interface InspectorCoverage {
  /** Every covered resource was read; false when the listing failed part way (`error` says where). */
  complete: boolean;
  /** Why the listing is incomplete; null when complete. */
  error: string | null;
  /** The covered resources read, in Inspector's order. */
  resources: InspectorCoveredResource[];
}

export interface InspectorData {
  accountId: string;
  region: string;
  account: InspectorAccount;
  /** Every finding whose status is ACTIVE. */
  findings: InspectorFinding[];
  /**
   * The account's coverage; null when Inspector is not on for the account in the region (never
   * seen or DISABLED: it covers nothing, and inspector-enabled fails the region); absent in
   * snapshots written before it was collected.
   */
  coverage?: InspectorCoverage | null;
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
      const state = account.status?.toUpperCase();
      const coverage =
        state === undefined || state === 'DISABLED'
          ? null
          : await readCoverage(client, scope, region, ctx.stats);
      const data: InspectorData = { accountId: scope.accountId, region, account, findings, coverage };
      if (coverage?.error) {
        ctx.logger.warn('inspector partial', { scope: scope.id, coverage: coverage.resources.length });
        return { data, items: findings.length, status: 'partial', errors: [coverage.error] };
      }
      return { data, items: findings.length };
    } finally {
      client.destroy();
    }
  },
};

/**
 * The account's covered resources, 200 a page (ListCoverage's maximum), filtered to the scope's
 * account (a delegated administrator's listing holds every member's). A page that fails ends the
 * listing: what was read is kept, `complete` is false and `error` names the page and the reason.
 */
async function readCoverage(
  client: Inspector2Client,
  scope: AwsRegionalScope,
  region: string,
  stats: { requests: number; pages: number },
): Promise<InspectorCoverage> {
  const resources: InspectorCoveredResource[] = [];
  let pages = 0;
  try {
    const listing = paginateListCoverage(
      { client, pageSize: 200, stopOnSameToken: true },
      { filterCriteria: { accountId: [{ comparison: 'EQUALS', value: scope.accountId }] } },
    );
    await awsCall(scope, region, 'inspector2:ListCoverage', async () => {
      for await (const page of boundedPages(listing, 'ListCoverage', stats)) {
        pages++;
        for (const r of page.coveredResources ?? [])
          resources.push({
            resourceId: r.resourceId ?? 'unknown',
            resourceType: r.resourceType ?? 'unknown',
            scanType: r.scanType ?? 'unknown',
            statusCode: r.scanStatus?.statusCode ?? null,
            reason: r.scanStatus?.reason ?? null,
            lastScannedAt: r.lastScannedAt ? new Date(r.lastScannedAt).toISOString() : null,
            scanMode: r.scanMode ?? null,
          });
      }
    });
    return { complete: true, error: null, resources };
  } catch (err) {
    const after =
      pages === 0 ? 'on its first page' : `after ${pages} page(s) (${resources.length} resource(s) read)`;
    return {
      complete: false,
      error: `inspector2:ListCoverage in ${region} failed ${after}: ${describeAwsError(err)}; the coverage of the resources past them is unknown`,
      resources,
    };
  }
}

export default inspectorCollector;
