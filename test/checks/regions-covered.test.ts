/**
 * regions-covered over planted snapshots (the collector's test, test/collectors/aws-regions.test.ts,
 * runs it on the emulator): which regions count (enabled, in the account's partition), collected
 * or excluded, and the detail word for word. The mutants StrykerJS left alive (issue 27, item 5).
 */
import { describe, expect, it } from 'vitest';
import type { AwsRegion, AwsRegionsData } from '../../shared/collectors/aws-regions/collector.js';
import { regionsCoveredCheck as check } from '../../shared/collectors/aws-regions/regions-covered.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const WHERE = 'account 123456789012';
const region = (name: string, enabled = true, partition = 'aws'): AwsRegion => ({
  name,
  optInStatus: enabled ? 'opt-in-not-required' : 'not-opted-in',
  enabled,
  partition,
});
const snapshot = (regions: AwsRegion[]) =>
  makeSnapshot({
    collector: 'aws-regions',
    scope: 'aws-123456789012',
    controls: ['CC2.1', 'CC7.2'],
    collectedAt: '2026-04-20T00:05:00.000Z',
    data: {
      accountId: '123456789012',
      askedIn: 'us-east-1',
      method: 'ec2:DescribeRegions AllRegions=true',
      regions,
    },
  }) as Snapshot<AwsRegionsData>;

describe('regions-covered', () => {
  const config = awsTestConfig({
    regions: ['us-east-1', 'eu-west-1'],
    excludeRegions: [{ region: 'us-west-2', reason: 'denied by SCP' }],
  });

  it('every enabled region collected or excluded: pass, counted', () => {
    const s = snapshot([
      region('eu-west-1'),
      region('us-east-1'),
      region('us-west-2'),
      region('me-south-1', false),
    ]);
    expect(check.run(s, config)).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: all 3 enabled region(s) covered (2 collected, 1 excluded with a reason)`,
    });
  });

  it('enabled regions neither collected nor excluded fail, each named, joined by ", "', () => {
    const s = snapshot([region('ap-south-1'), region('eu-west-1'), region('sa-east-1'), region('us-east-1')]);
    expect(check.run(s, config)).toEqual({
      result: 'fail',
      failing: ['ap-south-1', 'sa-east-1'],
      detail: `${WHERE}: 2 enabled region(s) neither collected nor excluded: ap-south-1, sa-east-1`,
    });
  });

  it('a region not enabled, or of another partition, never counts', () => {
    const s = snapshot([
      region('us-east-1'),
      region('ap-east-1', false),
      region('us-gov-west-1', true, 'aws-us-gov'),
      region('cn-north-1', true, 'aws-cn'),
    ]);
    expect(check.run(s, config)).toEqual({
      result: 'pass',
      failing: [],
      detail: `${WHERE}: all 1 enabled region(s) covered (1 collected, 0 excluded with a reason)`,
    });
  });

  it('no enabled region of the partition: fails, naming the account; coverage is never assumed', () => {
    for (const regions of [[], [region('us-east-1', false)], [region('us-gov-west-1', true, 'aws-us-gov')]])
      expect(check.run(snapshot(regions), config)).toEqual({
        result: 'fail',
        failing: [WHERE],
        detail: `${WHERE}: no enabled region recorded, so coverage cannot be shown`,
      });
  });

  it('without excluded regions, only the collected ones cover', () => {
    const plain = awsTestConfig({ regions: ['us-east-1'] });
    expect(check.run(snapshot([region('us-east-1'), region('us-west-2')]), plain)).toMatchObject({
      result: 'fail',
      failing: ['us-west-2'],
    });
    expect(check.run(snapshot([region('us-east-1')]), plain).result).toBe('pass');
  });
});
