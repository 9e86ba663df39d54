import { describe, expect, it } from 'vitest';
import { iamKeyRotationCheck as check } from '../../shared/collectors/iam/iam-key-rotation.js';
import { iam, key, row } from '../fixtures/aws/snapshots.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1'] });

// The fixtures are collected at 2026-04-20T00:05Z: ages are counted to that instant.
describe('iam-key-rotation', () => {
  it('Compliant: active keys at most 90 days old; old inactive keys do not count', () => {
    const outcome = check.run(
      iam([
        row('alice', {
          accessKey1: key('2026-01-21T00:00:00Z'),
          accessKey2: key('2020-01-01T00:00:00Z', false),
        }),
        row('bob'),
      ]),
      config,
    );
    expect(outcome).toMatchObject({ result: 'pass', failing: [] });
    expect(outcome.detail).toMatch(/all 1 active access key\(s\) are at most 90 days old/);
  });

  it('Noncompliant: an active key older than 90 days, and one of unknown age, are named', () => {
    const outcome = check.run(
      iam([
        row('<root_account>', { accessKey2: key('2025-01-01T00:00:00Z') }),
        row('alice', { accessKey1: key('2026-01-19T00:00:00Z') }),
        row('carol', { accessKey1: key(null) }),
      ]),
      config,
    );
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual([
      '<root_account> key 2 (474 days)',
      'alice key 1 (91 days)',
      'carol key 1 (age unknown)',
    ]);
    expect(outcome.detail).toMatch(/3 active access key\(s\) older than 90 days/);
  });

  it('the threshold comes from checks.iamKeyMaxAgeDays, and the verdict never depends on the wall clock', () => {
    const snapshot = iam([row('alice', { accessKey1: key('2026-03-01T00:00:00Z') })]);
    const strict = awsTestConfig({ regions: ['us-east-1'] }, { checks: { iamKeyMaxAgeDays: 30 } });
    expect(check.run(snapshot, strict).failing).toEqual(['alice key 1 (50 days)']);
    // Same snapshot, judged again: same answer (nothing reads the current time).
    expect(check.run(snapshot, config)).toEqual(check.run(snapshot, config));
    expect(check.run(snapshot, config).result).toBe('pass');
  });

  it('the bound in whole days: 90 days and 23:59:59.999 passes, 91 days fails (issue 27 item 5)', () => {
    const at = (rotated: string) => check.run(iam([row('alice', { accessKey1: key(rotated) })]), config);
    expect(at('2026-01-20T00:05:00.000Z')).toMatchObject({ result: 'pass', failing: [] });
    expect(at('2026-01-19T00:05:00.001Z')).toMatchObject({ result: 'pass', failing: [] });
    expect(at('2026-01-19T00:05:00.000Z')).toMatchObject({
      result: 'fail',
      failing: ['alice key 1 (91 days)'],
      detail: 'account 123456789012: 1 active access key(s) older than 90 days: alice key 1 (91 days)',
    });
  });

  it('a stale credential report is not judged: the check fails naming it', () => {
    const snapshot = iam([row('alice', { accessKey1: key('2026-04-01T00:00:00Z') })]);
    snapshot.data.credentialReport.generatedTime = '2026-04-19T00:04:59.999Z';
    const outcome = check.run(snapshot, config);
    expect(outcome.result).toBe('fail');
    expect(outcome.failing).toEqual(['stale-credential-report']);
    expect(outcome.detail).toMatch(
      /^account 123456789012: not judged: the credential report was generated at /,
    );
    snapshot.data.credentialReport.generatedTime = '2026-04-19T00:05:00.000Z';
    expect(check.run(snapshot, config).result).toBe('pass');
  });
});
