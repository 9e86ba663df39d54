import { describe, expect, it } from 'vitest';
import { cloudTrailLoggingCheck as check } from '../../shared/collectors/cloudtrail/cloudtrail-logging.js';
import { cloudTrail, trail } from '../fixtures/aws/snapshots.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1'] });
const stopped = trail().status!;

describe('cloudtrail-logging', () => {
  it('Compliant: a multi-region trail, logging, with log-file validation (other trails do not matter)', () => {
    const outcome = check.run(
      cloudTrail([trail(), trail({ name: 'scratch', arn: 'arn:scratch', isMultiRegionTrail: false })]),
      config,
    );
    expect(outcome).toMatchObject({ result: 'pass', failing: [] });
    expect(outcome.detail).toMatch(/audit is multi-region, logging, with log-file validation/);
  });

  it('Noncompliant: no trail at all', () => {
    expect(check.run(cloudTrail([]), config)).toMatchObject({
      result: 'fail',
      failing: ['account 123456789012'],
    });
  });

  it('Noncompliant: each trail misses something, and the detail says what', () => {
    const outcome = check.run(
      cloudTrail([
        trail({ name: 'audit', logFileValidationEnabled: false }),
        trail({ name: 'stopped', arn: 'arn:stopped', status: { ...stopped, isLogging: false } }),
        trail({ name: 'local', arn: 'arn:local', isMultiRegionTrail: false }),
        trail({ name: 'unknown', arn: 'arn:unknown', status: null }),
      ]),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['audit', 'stopped', 'local', 'unknown']);
    expect(outcome.detail).toMatch(
      /audit \(log-file validation off\); stopped \(not logging\); local \(single-region\); unknown \(status unknown\)/,
    );
  });
});
