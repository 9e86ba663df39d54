import { describe, expect, it } from 'vitest';
import { guardDutyEnabledCheck as check } from '../../shared/collectors/guardduty/guardduty-enabled.js';
import { detector, guardDuty } from '../fixtures/aws/snapshots.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1'] });

describe('guardduty-enabled', () => {
  it('Compliant: an ENABLED detector in the region', () => {
    const outcome = check.run(guardDuty('us-east-1', [detector()]), config);
    expect(outcome).toEqual({
      result: 'pass',
      failing: [],
      detail: expect.stringMatching(/us-east-1: GuardDuty detector d1a2b3 is ENABLED/),
    });
  });

  it('Noncompliant: no detector in the region', () => {
    const outcome = check.run(guardDuty('eu-west-1', []), config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['eu-west-1'] });
    expect(outcome.detail).toMatch(/eu-west-1: no GuardDuty detector/);
  });

  it('Noncompliant: a detector that is suspended', () => {
    const outcome = check.run(guardDuty('eu-west-1', [detector({ status: 'DISABLED' })]), config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['eu-west-1'] });
    expect(outcome.detail).toMatch(/no enabled GuardDuty detector \(d1a2b3 is DISABLED\)/);
  });

  it.each(['ENABLED', 'Enabled', 'enabled'])('Compliant: status %j, compared without case', (status) => {
    expect(check.run(guardDuty('us-east-1', [detector({ status })]), config).result).toBe('pass');
  });

  it.each(['DISABLED', 'Disabled'])('Noncompliant: status %j', (status) => {
    expect(check.run(guardDuty('us-east-1', [detector({ status })]), config).result).toBe('fail');
  });

  it('Noncompliant: a detector without a status is of unknown status, never enabled; every detector named', () => {
    const outcome = check.run(
      guardDuty('eu-west-1', [
        detector({ status: null }),
        detector({ detectorId: 'e4f5', status: 'DISABLED' }),
      ]),
      config,
    );
    expect(outcome).toEqual({
      result: 'fail',
      failing: ['eu-west-1'],
      detail:
        'account 123456789012 eu-west-1: no enabled GuardDuty detector (d1a2b3 is of unknown status, e4f5 is DISABLED)',
    });
  });

  it('Compliant: the enabled detectors named, a disabled one beside them does not fail the region', () => {
    const outcome = check.run(
      guardDuty('us-east-1', [
        detector(),
        detector({ detectorId: 'e4f5', status: 'DISABLED' }),
        detector({ detectorId: 'f6a7' }),
      ]),
      config,
    );
    expect(outcome.result).toBe('pass');
    expect(outcome.detail).toBe('account 123456789012 us-east-1: GuardDuty detector d1a2b3, f6a7 is ENABLED');
  });
});
