import { describe, expect, it } from 'vitest';
import { configRecordingCheck as check } from '../../shared/collectors/aws-config/config-recording.js';
import { awsConfig } from '../fixtures/aws/snapshots.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1'] });

describe('config-recording', () => {
  it('Compliant: the recorder is recording and its last status is SUCCESS', () => {
    expect(check.run(awsConfig('us-east-1', {}), config)).toMatchObject({
      result: 'pass',
      failing: [],
      detail: expect.stringMatching(/recorder default is recording, last status SUCCESS/),
    });
  });

  it('Noncompliant: no recorder', () => {
    expect(check.run(awsConfig('us-east-1', null), config)).toMatchObject({
      result: 'fail',
      failing: ['us-east-1'],
      detail: expect.stringMatching(/no AWS Config configuration recorder/),
    });
  });

  it('Noncompliant: stopped, or recording with a failed delivery', () => {
    expect(check.run(awsConfig('us-east-1', { recording: false }), config).detail).toMatch(
      /default is not recording/,
    );
    const failed = check.run(
      awsConfig('us-east-1', {
        lastStatus: 'FAILURE',
        lastErrorCode: 'NoSuchBucket',
        lastErrorMessage: 'bucket gone',
      }),
      config,
    );
    expect(failed).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
    expect(failed.detail).toMatch(/last status is FAILURE, NoSuchBucket: bucket gone/);
  });

  it('Noncompliant: only a service-linked recorder (records for one service only)', () => {
    const outcome = check.run(
      awsConfig('us-east-1', {}, { servicePrincipal: 'securityhub.amazonaws.com' }),
      config,
    );
    expect(outcome.result).toBe('fail');
  });

  it.each(['SUCCESS', 'Success', 'success'])(
    'Compliant: last status %j (the API documents Success; compared without case)',
    (lastStatus) => {
      expect(check.run(awsConfig('us-east-1', { lastStatus }), config).result).toBe('pass');
    },
  );

  it.each(['FAILURE', 'Failure', 'Pending'])('Noncompliant: last status %j', (lastStatus) => {
    expect(check.run(awsConfig('us-east-1', { lastStatus }), config).result).toBe('fail');
  });
});
