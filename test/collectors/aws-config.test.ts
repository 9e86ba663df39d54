import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigServiceClient,
  ConfigServiceServiceException,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
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

  it('records the recorder, its status and the delivery channel in three calls', async () => {
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
    expect(stats.requests).toBe(3);
    // moto leaves a started recorder at lastStatus PENDING (no delivery ever succeeds there):
    // recording, but the check wants a SUCCESS and says exactly what it saw.
    const outcome = configRecordingCheck.run(snapshot, config);
    expect(outcome).toMatchObject({ result: 'fail', failing: ['us-east-1'] });
    expect(outcome.detail).toMatch(/default is recording but its last status is PENDING/);
  });

  it('a region without a recorder is data; the check fails it', async () => {
    const { result, snapshot } = await collectOnce(awsConfigCollector, scope('eu-west-1'), { config });
    expect(result.data).toMatchObject({ recorders: [], statuses: [], deliveryChannels: [] });
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
