import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigServiceClient,
  ConfigServiceServiceException,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand,
  DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsRegionalScope } from '../../shared/aws/accounts.js';
import { fixedClock } from '../../shared/clock.js';
import { awsConfigCollector } from '../../shared/collectors/aws-config/collector.js';
import { configRecordingCheck } from '../../shared/collectors/aws-config/config-recording.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { createBucket, testAccountId } from '../helpers/aws.js';
import { awsTestConfig, collectOnce, denyRegion } from '../helpers/aws-collectors.js';

const config = awsTestConfig({ regions: ['us-east-1', 'eu-west-1', 'us-west-2'] });

function scope(region: string): AwsRegionalScope {
  return { id: `aws-${testAccountId()}-${region}`, accountId: testAccountId(), region };
}

describe('aws-config collector (emulator)', () => {
  beforeAll(async () => {
    const bucket = await createBucket({ objectLock: false });
    const cfg = new ConfigServiceClient({ region: 'us-east-1' });
    await cfg.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: 'default',
          roleARN: `arn:aws:iam::${testAccountId()}:role/config-recorder`,
          recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
        },
      }),
    );
    await cfg.send(
      new PutDeliveryChannelCommand({
        DeliveryChannel: {
          name: 'default',
          s3BucketName: bucket,
          configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' },
        },
      }),
    );
    await cfg.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
    cfg.destroy();
  });

  it('records the recorder, its status, the delivery channel and its delivery status in four calls', async () => {
    const { result, stats, snapshot } = await collectOnce(awsConfigCollector, scope('us-east-1'), { config });
    expect(result.data.recorders).toEqual([
      expect.objectContaining({
        name: 'default',
        roleArn: `arn:aws:iam::${testAccountId()}:role/config-recorder`,
        servicePrincipal: null,
        recordingGroup: expect.objectContaining({ allSupported: true, includeGlobalResourceTypes: true }),
      }),
    ]);
    expect(result.data.statuses).toEqual([
      expect.objectContaining({ name: 'default', recording: true, lastStartTime: expect.any(String) }),
    ]);
    expect(result.data.deliveryChannels).toEqual([
      expect.objectContaining({
        name: 'default',
        deliveryFrequency: 'TwentyFour_Hours',
        s3BucketName: expect.any(String),
      }),
    ]);
    // DescribeDeliveryChannelStatus: answered by scripts/moto-server.py (moto 5.2.5 does not implement it).
    expect(result.data.deliveryStatuses).toEqual([
      {
        name: 'default',
        history: expect.objectContaining({ lastStatus: 'SUCCESS', lastSuccessfulTime: expect.any(String) }),
        snapshot: expect.objectContaining({ lastStatus: 'SUCCESS', lastSuccessfulTime: expect.any(String) }),
        stream: null,
      },
    ]);
    expect(result.status ?? 'ok').toBe('ok');
    expect(stats.requests).toBe(4);
    // moto leaves a started recorder at lastStatus PENDING (no delivery ever succeeds there):
    // recording, but the check wants a SUCCESS and says exactly what it saw.
    const outcome = configRecordingCheck.run(snapshot, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
    expect(outcome.detail).toMatch(/default is recording but its last status is PENDING/);
  });

  it('freshness: judged by an injected clock 3 days later, the recorder and the delivery are stale: partial, named, and the check fails them', async () => {
    // moto timestamps the recorder's start (its latest status change) and the launcher reports
    // delivery at request time, so a recorder that stopped processing is planted with a later clock.
    const later = fixedClock(new Date(Date.now() + 3 * 86_400_000));
    const { result, snapshot } = await collectOnce(awsConfigCollector, scope('us-east-1'), {
      config,
      clock: later,
    });
    expect(result.status).toBe('partial');
    expect(result.errors).toEqual([
      expect.stringMatching(
        /^recorder default processed its latest recording event at \S+, \d+ h \(\d+ days\) before the collection \(at most 48 h, checks\.freshnessHours\.configRecorder\): it is not that day's state$/,
      ),
      expect.stringMatching(
        /^delivery channel default last delivered a configuration snapshot at \S+, 7[12] h \(\d days\) before the collection \(at most 48 h, checks\.freshnessHours\.configDelivery\)/,
      ),
    ]);
    const outcome = configRecordingCheck.run(snapshot, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
    expect(outcome.detail).toMatch(/delivery channel default last delivered a configuration snapshot at/);
  });

  it('a delivery status that cannot be read is recorded as unknown (partial), never as delivering', async () => {
    // The emulator enforces no IAM: only this call is refused (aws-sdk-client-mock), the others reach it.
    const realSend = ConfigServiceClient.prototype.send as (
      this: unknown,
      command: unknown,
    ) => Promise<unknown>;
    const stub = mockClient(ConfigServiceClient);
    // biome-ignore lint/suspicious/noExplicitAny: command classes of one client
    const passThrough: (new (input: any) => any)[] = [
      DescribeConfigurationRecordersCommand,
      DescribeConfigurationRecorderStatusCommand,
      DescribeDeliveryChannelsCommand,
    ];
    for (const Command of passThrough) {
      // biome-ignore lint/suspicious/noExplicitAny: passes each command through to the emulator
      (stub as any)
        .on(Command)
        .callsFake((input: unknown, getClient: () => unknown) =>
          realSend.call(getClient(), new Command(input)),
        );
    }
    stub.on(DescribeDeliveryChannelStatusCommand).rejects(
      new ConfigServiceServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized to perform: config:DescribeDeliveryChannelStatus',
      }),
    );
    try {
      const { result, snapshot } = await collectOnce(awsConfigCollector, scope('us-east-1'), { config });
      expect(result.status).toBe('partial');
      expect(result.data.deliveryStatuses).toBeNull();
      expect(result.errors).toEqual([
        expect.stringMatching(/^config:DescribeDeliveryChannelStatus: .*AccessDeniedException/),
      ]);
      expect(configRecordingCheck.run(snapshot, config).detail).toMatch(/status could not be read/);
    } finally {
      stub.restore();
    }
  });

  it('a region without a recorder is data; the check fails it', async () => {
    const { result, snapshot } = await collectOnce(awsConfigCollector, scope('eu-west-1'), { config });
    expect(result.data).toMatchObject({
      recorders: [],
      statuses: [],
      deliveryChannels: [],
      deliveryStatuses: [],
    });
    expect(configRecordingCheck.run(snapshot, config)).toMatchObject({
      result: 'fail',
      failing: ['eu-west-1'],
      detail: expect.stringMatching(/no AWS Config configuration recorder/),
    });
  });

  it('a region whose calls are denied gives an error snapshot with the message; the others succeed', async () => {
    // Denied region via aws-sdk-client-mock (the emulator enforces no IAM); other regions hit the emulator.
    const stub = denyRegion(
      ConfigServiceClient,
      [
        DescribeConfigurationRecordersCommand,
        DescribeConfigurationRecorderStatusCommand,
        DescribeDeliveryChannelsCommand,
        DescribeDeliveryChannelStatusCommand,
      ],
      'eu-west-1',
      (message) =>
        new ConfigServiceServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: {},
          message,
        }),
    );
    try {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'aws-config-')));
      const summary = await runCollectors({
        config,
        locker,
        collectors: [awsConfigCollector],
        clock: fixedClock('2026-04-20T00:05:00.000Z'),
        scopeEnvironment: async () => ({ defaultAccountId: testAccountId() }),
      });
      const byRegion = Object.fromEntries(
        summary.results.map((r) => [r.scope.split('-').slice(2).join('-'), r]),
      );
      expect(byRegion['us-east-1']?.status).toBe('ok');
      expect(byRegion['us-west-2']?.status).toBe('ok');
      const denied = byRegion['eu-west-1']!;
      expect(denied).toMatchObject({ status: 'error', sourceUnavailable: true });
      expect(denied.error).toMatch(
        new RegExp(
          `config:DescribeConfigurationRecorders was refused in account ${testAccountId()} in eu-west-1 \\(AccessDeniedException: .*not authorized.*\\); grant config:DescribeConfigurationRecorders`,
        ),
      );
      const { snapshot: written } = await readSnapshot(locker, denied.key);
      expect(written).toMatchObject({
        status: 'error',
        scope: `aws-${testAccountId()}-eu-west-1`,
        data: null,
      });
      expect(written.errors[0]).toMatch(/AccessDeniedException/);
    } finally {
      stub.restore();
    }
  });
});
