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
    expect(outcome.detail).toMatch(/audit is multi-region, logging and delivering, with log-file validation/);
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

  describe('freshness: a trail that says it is logging but delivered nothing within checks.freshnessHours.cloudTrailDelivery', () => {
    const quiet = (latestDeliveryTime: string | null, more: Partial<typeof stopped> = {}) =>
      trail({ status: { ...stopped, latestDeliveryTime, ...more } });

    it('Noncompliant: last delivery 3 days before the snapshot fails, naming the trail, the age and the error', () => {
      const outcome = check.run(
        cloudTrail([quiet('2026-04-17T00:05:00.000Z', { latestDeliveryError: 'AccessDenied' })]),
        config,
      );
      expect(outcome).toMatchObject({ result: 'fail', failing: ['audit'] });
      expect(outcome.detail).toMatch(
        /audit \(logging but not delivering: trail audit last delivered log files at 2026-04-17T00:05:00\.000Z, 72 h \(3 days\) before the collection \(at most 24 h, checks\.freshnessHours\.cloudTrailDelivery\): it is not that day's state \(latest delivery error: AccessDenied\)\)/,
      );
    });

    it('exactly at the bound passes; a minute past fails', () => {
      expect(check.run(cloudTrail([quiet('2026-04-19T00:05:00.000Z')]), config).result).toBe('pass');
      expect(check.run(cloudTrail([quiet('2026-04-19T00:04:00.000Z')]), config).result).toBe('fail');
    });

    it('the bound is configured: checks.freshnessHours.cloudTrailDelivery', () => {
      const strict = {
        ...config,
        checks: {
          ...config.checks,
          freshnessHours: { ...config.checks.freshnessHours, cloudTrailDelivery: 1 },
        },
      };
      expect(check.run(cloudTrail([quiet('2026-04-19T22:59:00.000Z')]), config).result).toBe('pass');
      expect(check.run(cloudTrail([quiet('2026-04-19T22:59:00.000Z')]), strict)).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(/at most 1 h, checks\.freshnessHours\.cloudTrailDelivery/),
      });
    });

    it('never delivered: fresh from a recent start, stale from an old one, unknown without either time', () => {
      expect(
        check.run(cloudTrail([quiet(null, { startLoggingTime: '2026-04-19T22:00:00.000Z' })]), config).result,
      ).toBe('pass');
      expect(
        check.run(cloudTrail([quiet(null, { startLoggingTime: '2026-04-10T00:00:00.000Z' })]), config).detail,
      ).toMatch(
        /has delivered no log file since it started logging at 2026-04-10T00:00:00\.000Z, 240 h \(10 days\)/,
      );
      expect(check.run(cloudTrail([quiet(null, { startLoggingTime: null })]), config)).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(
          /reports neither a log delivery time nor a start time, so its age is unknown/,
        ),
      });
    });

    it('restarted after a long stop: its age runs from the restart, not the old delivery', () => {
      const restarted = quiet('2026-04-01T00:00:00.000Z', { startLoggingTime: '2026-04-19T23:00:00.000Z' });
      expect(check.run(cloudTrail([restarted]), config).result).toBe('pass');
    });

    it('a stale trail does not fail the account when another trail is logging and delivering', () => {
      const outcome = check.run(
        cloudTrail([quiet('2026-04-10T00:00:00.000Z'), trail({ name: 'second', arn: 'arn:second' })]),
        config,
      );
      expect(outcome).toMatchObject({
        result: 'pass',
        detail: expect.stringMatching(/second is multi-region/),
      });
    });
  });
});
