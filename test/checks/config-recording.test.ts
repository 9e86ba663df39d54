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
      detail: expect.stringMatching(
        /recorder default is recording, last status SUCCESS, and its delivery channel delivers/,
      ),
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

  describe('freshness and delivery: a recorder that says it records but processed nothing, or delivery that fails or is unknown', () => {
    const FAILED = {
      lastStatus: 'Failure',
      lastErrorCode: 'NoSuchBucket',
      lastErrorMessage: 'The specified bucket does not exist',
      lastAttemptTime: '2026-04-19T18:00:00.000Z',
      lastSuccessfulTime: '2026-04-19T06:00:00.000Z',
      nextDeliveryTime: null,
    };

    it('Noncompliant: latest recording event 3 days before the snapshot, named with its age', () => {
      const outcome = check.run(
        awsConfig('us-east-1', { lastStatusChangeTime: '2026-04-17T00:05:00.000Z' }),
        config,
      );
      expect(outcome).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
      expect(outcome.detail).toMatch(
        /default says it is recording but recorder default processed its latest recording event at 2026-04-17T00:05:00\.000Z, 72 h \(3 days\) before the collection \(at most 48 h, checks\.freshnessHours\.configRecorder\)/,
      );
    });

    it('exactly at the bound passes, a minute past fails; a restart since counts from the start', () => {
      expect(
        check.run(awsConfig('us-east-1', { lastStatusChangeTime: '2026-04-18T00:05:00.000Z' }), config)
          .result,
      ).toBe('pass');
      expect(
        check.run(awsConfig('us-east-1', { lastStatusChangeTime: '2026-04-18T00:04:00.000Z' }), config)
          .result,
      ).toBe('fail');
      const restarted = awsConfig('us-east-1', {
        lastStatusChangeTime: '2026-04-01T00:00:00.000Z',
        lastStartTime: '2026-04-19T20:00:00.000Z',
      });
      expect(check.run(restarted, config).result).toBe('pass');
      const unknown = awsConfig('us-east-1', { lastStatusChangeTime: null, lastStartTime: null });
      expect(check.run(unknown, config).detail).toMatch(
        /reports neither a latest recording event nor a start time, so its age is unknown/,
      );
    });

    it('the bounds are configured: checks.freshnessHours.configRecorder and .configDelivery', () => {
      const strict = {
        ...config,
        checks: {
          ...config.checks,
          freshnessHours: { ...config.checks.freshnessHours, configRecorder: 1, configDelivery: 24 },
        },
      };
      // Latest event 65 minutes before; last snapshot delivery 12 h 5 min before: fresh by default.
      const snap = awsConfig('us-east-1', {});
      expect(check.run(snap, config).result).toBe('pass');
      expect(check.run(snap, strict).detail).toMatch(/at most 1 h, checks\.freshnessHours\.configRecorder/);
      const oldDelivery = awsConfig(
        'us-east-1',
        {},
        {
          delivery: {
            snapshot: { ...FAILED, lastStatus: 'Success', lastSuccessfulTime: '2026-04-18T20:00:00.000Z' },
          },
        },
      );
      expect(check.run(oldDelivery, config).result).toBe('pass');
      expect(check.run(oldDelivery, strict).detail).toMatch(
        /delivery channel default last delivered a configuration snapshot at 2026-04-18T20:00:00\.000Z, 28 h before the collection \(at most 24 h, checks\.freshnessHours\.configDelivery\)/,
      );
    });

    it('Noncompliant: the last history or snapshot delivery failed, named with the error', () => {
      const outcome = check.run(awsConfig('us-east-1', {}, { delivery: { history: FAILED } }), config);
      expect(outcome).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
      expect(outcome.detail).toMatch(
        /delivery channel default: its last configuration history delivery failed at 2026-04-19T18:00:00\.000Z: NoSuchBucket The specified bucket does not exist/,
      );
      expect(check.run(awsConfig('us-east-1', {}, { delivery: { snapshot: FAILED } }), config).result).toBe(
        'fail',
      );
    });

    it('Noncompliant: no snapshot delivered for 3 days (a channel with a delivery frequency)', () => {
      const outcome = check.run(
        awsConfig(
          'us-east-1',
          {},
          {
            delivery: {
              snapshot: { ...FAILED, lastStatus: 'Success', lastSuccessfulTime: '2026-04-17T00:00:00.000Z' },
            },
          },
        ),
        config,
      );
      expect(outcome.result).toBe('fail');
      expect(outcome.detail).toMatch(
        /delivery channel default last delivered a configuration snapshot at 2026-04-17T00:00:00\.000Z, 72 h \(3 days\)/,
      );
      const never = check.run(awsConfig('us-east-1', {}, { delivery: { snapshot: null } }), config);
      expect(never.detail).toMatch(
        /has delivered no configuration snapshot \(delivery frequency TwentyFour_Hours\), so its age is unknown/,
      );
    });

    it('Noncompliant: delivery unknown (status unread, or a snapshot from before it was recorded), never a pass', () => {
      expect(check.run(awsConfig('us-east-1', {}, { delivery: null }), config)).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(/status could not be read .*delivery unknown/),
      });
      expect(check.run(awsConfig('us-east-1', {}, { delivery: 'absent' }), config)).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(
          /not in this snapshot \(collected before it was recorded\): delivery unknown/,
        ),
      });
    });
  });

  describe('each recorder and channel judged by its own status, the detail word for word', () => {
    const WHERE = 'account 123456789012 us-east-1';
    const FAILED = {
      lastStatus: 'FAILURE',
      lastErrorCode: 'NoSuchBucket',
      lastErrorMessage: 'gone',
      lastAttemptTime: '2026-04-19T18:00:00.000Z',
      lastSuccessfulTime: '2026-04-19T06:00:00.000Z',
      nextDeliveryTime: null,
    };
    /** The fixture with a service-linked recorder listed first, its status first too. */
    const withServiceLinked = (linked: object, own: object = {}) => {
      const s = awsConfig('us-east-1', own);
      const d = s.data;
      d.recorders = [
        { ...d.recorders[0]!, name: 'aws-service', servicePrincipal: 'securityhub.amazonaws.com' },
        ...d.recorders,
      ];
      d.statuses = [{ ...d.statuses[0]!, name: 'aws-service', ...linked }, ...d.statuses];
      return s;
    };

    it('a recorder judged by its own status, not by a service-linked one listed first', () => {
      expect(check.run(withServiceLinked({ recording: false }), config)).toEqual({
        result: 'pass',
        failing: [],
        detail: `${WHERE}: recorder default is recording, last status SUCCESS, and its delivery channel delivers`,
      });
      expect(check.run(withServiceLinked({}, { recording: false }), config).detail).toBe(
        `${WHERE}: default is not recording`,
      );
    });

    it('a recorder without a status, or with an unknown last status, fails, named', () => {
      const s = awsConfig('us-east-1', {});
      s.data.statuses = [];
      expect(check.run(s, config)).toEqual({
        result: 'fail',
        failing: ['us-east-1'],
        detail: `${WHERE}: default has no status`,
      });
      expect(check.run(awsConfig('us-east-1', { lastStatus: null }), config).detail).toBe(
        `${WHERE}: default is recording but its last status is unknown`,
      );
      expect(check.run(awsConfig('us-east-1', { lastStatus: 'FAILURE' }), config).detail).toBe(
        `${WHERE}: default is recording but its last status is FAILURE`,
      );
      expect(
        check.run(awsConfig('us-east-1', { lastStatus: 'FAILURE', lastErrorCode: 'NoSuchBucket' }), config)
          .detail,
      ).toBe(`${WHERE}: default is recording but its last status is FAILURE, NoSuchBucket`);
    });

    it('a failed delivery of either kind, with and without its time and error; problems joined by "; "', () => {
      const both = check.run(
        awsConfig('us-east-1', {}, { delivery: { history: FAILED, snapshot: FAILED } }),
        config,
      );
      expect(both).toEqual({
        result: 'fail',
        failing: ['us-east-1'],
        detail: `${WHERE}: delivery channel default: its last configuration history delivery failed at 2026-04-19T18:00:00.000Z: NoSuchBucket gone; delivery channel default: its last configuration snapshot delivery failed at 2026-04-19T18:00:00.000Z: NoSuchBucket gone`,
      });
      const bare = { ...FAILED, lastErrorCode: null, lastErrorMessage: null, lastAttemptTime: null };
      expect(check.run(awsConfig('us-east-1', {}, { delivery: { history: bare } }), config).detail).toBe(
        `${WHERE}: delivery channel default: its last configuration history delivery failed`,
      );
      const codeOnly = { ...FAILED, lastErrorMessage: null };
      expect(check.run(awsConfig('us-east-1', {}, { delivery: { snapshot: codeOnly } }), config).detail).toBe(
        `${WHERE}: delivery channel default: its last configuration snapshot delivery failed at 2026-04-19T18:00:00.000Z: NoSuchBucket`,
      );
      // A stale recorder and a failed delivery: both, each once.
      const stale = awsConfig(
        'us-east-1',
        { lastStatusChangeTime: '2026-04-17T00:05:00.000Z' },
        { delivery: { history: bare } },
      );
      const detail = check.run(stale, config).detail;
      expect(detail.split('; ')).toEqual([
        expect.stringMatching(
          /^account 123456789012 us-east-1: default says it is recording but recorder default processed its latest recording event at /,
        ),
        'delivery channel default: its last configuration history delivery failed',
      ]);
    });

    it('a fresh recorder with a stale delivery: only the channel is named', () => {
      const s = awsConfig(
        'us-east-1',
        {},
        {
          delivery: {
            snapshot: { ...FAILED, lastStatus: 'SUCCESS', lastSuccessfulTime: '2026-04-17T00:00:00.000Z' },
          },
        },
      );
      const outcome = check.run(s, config);
      expect(outcome.result).toBe('fail');
      expect(outcome.detail).toMatch(
        new RegExp(
          `^${WHERE}: delivery channel default last delivered a configuration snapshot at 2026-04-17T00:00:00\\.000Z`,
        ),
      );
      expect(outcome.detail).not.toMatch(/recorder|recording/);
    });

    it('a second channel judged by its own status; a channel without any status is delivery unknown', () => {
      const s = awsConfig('us-east-1', {});
      const d = s.data;
      d.deliveryChannels = [
        ...d.deliveryChannels,
        { ...d.deliveryChannels[0]!, name: 'second', deliveryFrequency: null },
      ];
      d.deliveryStatuses = [
        ...d.deliveryStatuses!,
        { ...d.deliveryStatuses![0]!, name: 'second', history: FAILED },
      ];
      expect(check.run(s, config).detail).toBe(
        `${WHERE}: delivery channel second: its last configuration history delivery failed at 2026-04-19T18:00:00.000Z: NoSuchBucket gone`,
      );
      d.deliveryStatuses = d.deliveryStatuses.filter((x) => x.name !== 'second');
      expect(check.run(s, config)).toEqual({
        result: 'fail',
        failing: ['us-east-1'],
        detail: `${WHERE}: delivery channel second has no delivery status: delivery unknown`,
      });
      d.deliveryStatuses = [];
      expect(check.run(s, config).detail).toBe(
        `${WHERE}: delivery channel second has no delivery status: delivery unknown; delivery channel default has no delivery status, so its age is unknown (checks.freshnessHours.configDelivery, 48 h)`,
      );
    });

    it('no delivery channel: the recorder alone is judged', () => {
      const s = awsConfig('us-east-1', {}, { delivery: 'absent' });
      s.data.deliveryChannels = [];
      expect(check.run(s, config).result).toBe('pass');
    });
  });
});
