import {
  CloudTrailClient,
  CloudTrailServiceException,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsAccountScope } from '../../shared/aws/accounts.js';
import { fixedClock } from '../../shared/clock.js';
import { cloudTrailLoggingCheck } from '../../shared/collectors/cloudtrail/cloudtrail-logging.js';
import { cloudTrailCollector } from '../../shared/collectors/cloudtrail/collector.js';
import { createBucket, testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce, denyRegion } from '../helpers/aws-collectors.js';

const regions = ['us-east-1', 'eu-west-1', 'us-west-2'];
const config = awsTestConfig({ regions });

function scope(): AwsAccountScope {
  return { id: `aws-${testAccountId()}`, accountId: testAccountId(), regions };
}

describe('cloudtrail collector (emulator)', () => {
  beforeAll(async () => {
    const bucket = await createBucket({ objectLock: false });
    const east = new CloudTrailClient({ region: 'us-east-1' });
    await east.send(
      new CreateTrailCommand({
        Name: 'org-audit',
        S3BucketName: bucket,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
        IncludeGlobalServiceEvents: true,
      }),
    );
    await east.send(new StartLoggingCommand({ Name: 'org-audit' }));
    east.destroy();
    const eu = new CloudTrailClient({ region: 'eu-west-1' });
    await eu.send(new CreateTrailCommand({ Name: 'eu-only', S3BucketName: bucket }));
    eu.destroy();
  });

  it('counts the multi-region trail once, with validation and status; the check passes', async () => {
    const { result, stats, snapshot } = await collectOnce(cloudTrailCollector, scope(), { config });
    expect(result.status ?? 'ok').toBe('ok');
    const arnEast = `arn:aws:cloudtrail:us-east-1:${testAccountId()}:trail/org-audit`;
    // Sorted by ARN, each trail once.
    expect(result.data.trails.map((t) => t.arn)).toEqual([
      `arn:aws:cloudtrail:eu-west-1:${testAccountId()}:trail/eu-only`,
      arnEast,
    ]);
    const [eu, org] = result.data.trails;
    expect(org).toMatchObject({
      name: 'org-audit',
      homeRegion: 'us-east-1',
      isMultiRegionTrail: true,
      isOrganizationTrail: false,
      logFileValidationEnabled: true,
      seenInRegions: ['eu-west-1', 'us-east-1', 'us-west-2'],
      status: expect.objectContaining({ isLogging: true }),
    });
    expect(eu).toMatchObject({
      isMultiRegionTrail: false,
      logFileValidationEnabled: false,
      seenInRegions: ['eu-west-1'],
      status: expect.objectContaining({ isLogging: false }),
    });
    expect(result.data.regions).toEqual(regions.map((region) => ({ region, ok: true, error: null })));
    expect(result.items).toBe(2);
    // DescribeTrails per region (3) and GetTrailStatus per distinct trail (2).
    expect(stats.requests).toBe(5);
    expect(cloudTrailLoggingCheck.run(snapshot, config)).toMatchObject({ result: 'pass', failing: [] });
  });

  it("freshness: moto's latest delivery of a logging trail, judged by an injected clock 3 days later, is stale: partial, named, and the check fails it", async () => {
    // moto reports LatestDeliveryTime as the moment of the call while a trail logs, so a
    // trail that stopped delivering is planted by collecting with a clock 3 days ahead.
    const later = fixedClock(new Date(Date.now() + 3 * 86_400_000));
    const { result, snapshot } = await collectOnce(cloudTrailCollector, scope(), { config, clock: later });
    const org = result.data.trails.find((t) => t.name === 'org-audit')!;
    expect(org.status).toMatchObject({ isLogging: true, latestDeliveryTime: expect.any(String) });
    expect(result.status).toBe('partial');
    // Only the logging trail: eu-only is not logging (the check fails that as such, not as stale).
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^trail org-audit last delivered log files at \S+, (7[12]) h \(\d days\) before the collection \(at most 24 h, checks\.freshnessHours\.cloudTrailDelivery\)/,
      ),
    ]);
    const outcome = cloudTrailLoggingCheck.run(snapshot, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['eu-only', 'org-audit'] });
    expect(outcome.detail).toMatch(/org-audit \(logging but not delivering: trail org-audit last delivered/);
  });

  it('a region whose calls are denied leaves the snapshot partial, naming the region; the rest is recorded', async () => {
    // Denied region via aws-sdk-client-mock (the emulator enforces no IAM); other regions hit the emulator.
    const stub = denyRegion(
      CloudTrailClient,
      [DescribeTrailsCommand, GetTrailStatusCommand],
      'us-west-2',
      (message) =>
        new CloudTrailServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: {},
          message,
        }),
    );
    try {
      const { result } = await collectOnce(cloudTrailCollector, scope(), { config });
      expect(result.status).toBe('partial');
      expect(result.errors).toEqual([
        expect.stringMatching(
          /^cloudtrail:DescribeTrails in us-west-2: SourceUnavailableError: cloudtrail:DescribeTrails was refused in account \d+ in us-west-2/,
        ),
      ]);
      expect(result.data.regions.find((r) => r.region === 'us-west-2')).toMatchObject({ ok: false });
      expect(result.data.trails).toHaveLength(2);
      expect(result.data.trails.find((t) => t.name === 'org-audit')?.seenInRegions).toEqual([
        'eu-west-1',
        'us-east-1',
      ]);
    } finally {
      stub.restore();
    }
  });

  it('every region denied: the collection throws (an error snapshot)', async () => {
    const deny = (message: string) =>
      new CloudTrailServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message,
      });
    const stub = denyRegion(CloudTrailClient, [DescribeTrailsCommand], 'eu-west-1', deny);
    try {
      const only: AwsAccountScope = { ...scope(), regions: ['eu-west-1'] };
      await expect(collectOnce(cloudTrailCollector, only, { config })).rejects.toMatchObject({
        name: 'SourceUnavailableError',
      });
    } finally {
      stub.restore();
    }
  });
});
