/**
 * CloudTrail, one account per scope (CC7.2): every trail seen from the configured regions
 * (DescribeTrails with shadow trails), each counted once by ARN however many regions
 * list it (multi-region and organization trails), with its settings (multi-region,
 * organization, log-file validation, destination, encryption) and its status
 * (GetTrailStatus: logging or not, last delivery and digest delivery and their errors).
 * Regions are read concurrently under the configured bound; a region that fails leaves
 * the snapshot `partial` with the reason, the other regions' trails still recorded. So does a
 * logging trail whose latest log delivery is older than `checks.freshnessHours.cloudTrailDelivery`
 * (named, with its age): its status is not that day's state.
 */
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { type AwsAccountScope, awsCall, awsClient, describeAwsError, mapLimit } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { cloudTrail, trailDeliveryStaleness } from './declaration.js';

/** The IAM actions this collector calls (docs/aws-collectors.md; the CDK role grants exactly these). */
export interface TrailStatus {
  isLogging: boolean;
  latestDeliveryTime: string | null;
  latestDeliveryError: string | null;
  latestDigestDeliveryTime: string | null;
  latestDigestDeliveryError: string | null;
  latestCloudWatchLogsDeliveryTime: string | null;
  latestCloudWatchLogsDeliveryError: string | null;
  startLoggingTime: string | null;
  stopLoggingTime: string | null;
}

export interface CloudTrailTrail {
  arn: string;
  name: string;
  homeRegion: string | null;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  includeGlobalServiceEvents: boolean;
  s3BucketName: string | null;
  s3KeyPrefix: string | null;
  kmsKeyId: string | null;
  cloudWatchLogsLogGroupArn: string | null;
  snsTopicArn: string | null;
  hasCustomEventSelectors: boolean;
  hasInsightSelectors: boolean;
  /** The configured regions whose DescribeTrails listed this trail. */
  seenInRegions: string[];
  /** null when GetTrailStatus failed (see the snapshot's errors). */
  status: TrailStatus | null;
}

export interface CloudTrailData {
  accountId: string;
  /** Every configured region, and whether it could be read. */
  regions: { region: string; ok: boolean; error: string | null }[];
  trails: CloudTrailTrail[];
}

export const cloudTrailCollector: RunnableCollector<AwsAccountScope, CloudTrailData> = {
  ...cloudTrail,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const clients = new Map<string, CloudTrailClient>();
    const clientFor = (region: string) => {
      let c = clients.get(region);
      if (!c) {
        c = awsClient(CloudTrailClient, scope, region, ctx.stats);
        clients.set(region, c);
      }
      return c;
    };
    const limit = ctx.config.aws?.concurrency ?? 8;
    try {
      const perRegion = await mapLimit(scope.regions, limit, async (region) => {
        try {
          const out = await awsCall(scope, region, 'cloudtrail:DescribeTrails', () =>
            clientFor(region).send(new DescribeTrailsCommand({ includeShadowTrails: true })),
          );
          ctx.stats.pages++;
          return { region, trails: out.trailList ?? [], error: undefined };
        } catch (err) {
          return { region, trails: [] as Trail[], error: err };
        }
      });
      const failed = perRegion.filter((r) => r.error !== undefined);
      if (failed.length === scope.regions.length && failed.length > 0) {
        // Nothing could be read at all: an error snapshot, with the first region's reason.
        throw failed[0]!.error;
      }

      const byArn = new Map<string, { trail: Trail; seen: string[] }>();
      for (const { region, trails } of perRegion) {
        for (const t of trails) {
          const arn = t.TrailARN ?? `${region}:${t.Name ?? 'unknown'}`;
          const entry = byArn.get(arn) ?? { trail: t, seen: [] };
          entry.seen.push(region);
          // Prefer the description from the trail's home region.
          if (t.HomeRegion === region) entry.trail = t;
          byArn.set(arn, entry);
        }
      }

      const errors = failed.map(
        (f) => `cloudtrail:DescribeTrails in ${f.region}: ${describeAwsError(f.error)}`,
      );
      const trails = await mapLimit([...byArn.entries()], limit, async ([arn, { trail, seen }]) => {
        // Ask the home region when it is configured; otherwise a region that sees the trail, by ARN.
        const region = trail.HomeRegion && seen.includes(trail.HomeRegion) ? trail.HomeRegion : seen[0]!;
        let status: TrailStatus | null = null;
        try {
          const s = await awsCall(scope, region, 'cloudtrail:GetTrailStatus', () =>
            clientFor(region).send(new GetTrailStatusCommand({ Name: arn })),
          );
          status = {
            isLogging: s.IsLogging === true,
            latestDeliveryTime: s.LatestDeliveryTime?.toISOString() ?? null,
            latestDeliveryError: s.LatestDeliveryError ?? null,
            latestDigestDeliveryTime: s.LatestDigestDeliveryTime?.toISOString() ?? null,
            latestDigestDeliveryError: s.LatestDigestDeliveryError ?? null,
            latestCloudWatchLogsDeliveryTime: s.LatestCloudWatchLogsDeliveryTime?.toISOString() ?? null,
            latestCloudWatchLogsDeliveryError: s.LatestCloudWatchLogsDeliveryError ?? null,
            startLoggingTime: s.StartLoggingTime?.toISOString() ?? null,
            stopLoggingTime: s.StopLoggingTime?.toISOString() ?? null,
          };
        } catch (err) {
          errors.push(`cloudtrail:GetTrailStatus for ${arn} in ${region}: ${describeAwsError(err)}`);
        }
        return describe(arn, trail, seen, status);
      });
      trails.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
      // A logging trail whose latest delivery is older than its bound is not that day's state.
      const now = ctx.clock.now();
      for (const t of trails) {
        const stale = trailDeliveryStaleness(t, now, ctx.config);
        if (stale) errors.push(stale);
      }

      const data: CloudTrailData = {
        accountId: scope.accountId,
        regions: perRegion.map((r) => ({
          region: r.region,
          ok: r.error === undefined,
          error: r.error === undefined ? null : describeAwsError(r.error),
        })),
        trails,
      };
      if (errors.length) ctx.logger.warn('cloudtrail partial', { scope: scope.id, errors: errors.length });
      return { data, items: trails.length, ...(errors.length > 0 && { status: 'partial' as const, errors }) };
    } finally {
      for (const c of clients.values()) c.destroy();
    }
  },
};

function describe(arn: string, t: Trail, seen: string[], status: TrailStatus | null): CloudTrailTrail {
  return {
    arn,
    name: t.Name ?? arn,
    homeRegion: t.HomeRegion ?? null,
    isMultiRegionTrail: t.IsMultiRegionTrail === true,
    isOrganizationTrail: t.IsOrganizationTrail === true,
    logFileValidationEnabled: t.LogFileValidationEnabled === true,
    includeGlobalServiceEvents: t.IncludeGlobalServiceEvents === true,
    s3BucketName: t.S3BucketName ?? null,
    s3KeyPrefix: t.S3KeyPrefix ?? null,
    kmsKeyId: t.KmsKeyId ?? null,
    cloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn ?? null,
    snsTopicArn: t.SnsTopicARN ?? null,
    hasCustomEventSelectors: t.HasCustomEventSelectors === true,
    hasInsightSelectors: t.HasInsightSelectors === true,
    seenInRegions: [...seen].sort(),
    status,
  };
}

export default cloudTrailCollector;
