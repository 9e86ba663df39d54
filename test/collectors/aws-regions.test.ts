/**
 * aws-regions and regions-covered on the emulator: the account's enabled regions come from EC2
 * DescribeRegions (AllRegions); an enabled region in neither aws.regions nor aws.excludeRegions
 * fails, named; one excluded with a reason passes. Who collected it is recorded (STS).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AwsAccountScope } from '../../shared/aws/accounts.js';
import { fixedClock } from '../../shared/clock.js';
import { awsRegionsCollector, partitionOf } from '../../shared/collectors/aws-regions/collector.js';
import { regionsCoveredCheck } from '../../shared/collectors/aws-regions/regions-covered.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { ConfigError } from '../../shared/errors.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce } from '../helpers/aws-collectors.js';

const regions = ['us-east-1', 'eu-west-1'];

function scope(): AwsAccountScope {
  return { id: `aws-${testAccountId()}`, accountId: testAccountId(), regions };
}

describe('aws-regions collector and regions-covered (emulator)', () => {
  it('records every region with its opt-in status; an enabled region left out fails, named', async () => {
    const config = awsTestConfig({ regions });
    const { result, snapshot } = await collectOnce(awsRegionsCollector, scope(), { config });
    expect(result.status ?? 'ok').toBe('ok');
    const byName = new Map(result.data.regions.map((r) => [r.name, r]));
    expect(byName.get('us-east-1')).toEqual({
      name: 'us-east-1',
      optInStatus: 'opt-in-not-required',
      enabled: true,
      partition: 'aws',
    });
    // An opt-in region the account has not opted into is listed, not enabled.
    expect(byName.get('me-south-1')).toMatchObject({ optInStatus: 'not-opted-in', enabled: false });

    const outcome = regionsCoveredCheck.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    const enabledElsewhere = result.data.regions
      .filter((r) => r.enabled && r.partition === 'aws' && !regions.includes(r.name))
      .map((r) => r.name);
    expect(enabledElsewhere).toContain('us-west-2');
    expect(outcome.failing).toEqual(enabledElsewhere);
    expect(outcome.failing).not.toContain('me-south-1');
    expect(outcome.detail).toContain('us-west-2');
  });

  it('passes when every other enabled region is excluded with a reason; one left out still fails', async () => {
    const base = awsTestConfig({ regions });
    const { result, snapshot } = await collectOnce(awsRegionsCollector, scope(), { config: base });
    const others = result.data.regions
      .filter((r) => r.enabled && r.partition === 'aws' && !regions.includes(r.name))
      .map((r) => r.name);
    const excludeRegions = others.map((region) => ({ region, reason: 'denied by SCP deny-unused-regions' }));
    expect(regionsCoveredCheck.run(snapshot, awsTestConfig({ regions, excludeRegions }))).toMatchObject({
      result: 'pass',
      failing: [],
    });
    const allButOne = excludeRegions.filter((e) => e.region !== 'us-west-2');
    expect(
      regionsCoveredCheck.run(snapshot, awsTestConfig({ regions, excludeRegions: allButOne })),
    ).toMatchObject({
      result: 'fail',
      failing: ['us-west-2'],
    });
  });

  it('a snapshot without any enabled region fails: coverage is never assumed', () => {
    const config = awsTestConfig({ regions });
    const snapshot = {
      collectedAt: '2026-04-20T00:05:00.000Z',
      data: {
        accountId: '111122223333',
        askedIn: 'us-east-1',
        method: 'ec2:DescribeRegions AllRegions=true',
        regions: [],
      },
    } as unknown as Parameters<typeof regionsCoveredCheck.run>[0];
    expect(regionsCoveredCheck.run(snapshot, config).result).toBe('fail');
  });

  it('an exclusion needs a reason, and a region is either collected or excluded', () => {
    expect(() => awsTestConfig({ regions, excludeRegions: [{ region: 'us-west-2', reason: ' ' }] })).toThrow(
      ConfigError,
    );
    expect(() => awsTestConfig({ regions, excludeRegions: [{ region: 'us-west-2' } as never] })).toThrow(
      /aws\.excludeRegions\.0\.reason/,
    );
    expect(() =>
      awsTestConfig({ regions, excludeRegions: [{ region: 'eu-west-1', reason: 'not used' }] }),
    ).toThrow(/eu-west-1 is in aws\.regions too/);
  });

  it('GovCloud and China regions belong to other partitions and never count for a commercial account', () => {
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('eu-central-2')).toBe('aws');
  });

  it('through the runner, the snapshot records who collected it (STS principal ARN)', async () => {
    const config = awsTestConfig({ regions });
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'aws-regions-')));
    const summary = await runCollectors({
      config,
      locker,
      collectors: [awsRegionsCollector],
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      scopeEnvironment: async () => ({ defaultAccountId: testAccountId() }),
    });
    expect(summary.results.map((r) => r.status)).toEqual(['ok']);
    const { snapshot } = await readSnapshot(locker, summary.results[0]!.key);
    expect(snapshot.collectedBy).toEqual({
      principal: expect.stringMatching(new RegExp(`^arn:aws:(iam|sts)::${testAccountId()}:`)),
      method: 'sts:GetCallerIdentity',
    });
  });
});
