/**
 * AWS Config, one account and region per scope (CC7.2): the configuration recorders
 * (what they record, with which role), their status (recording, last status, last
 * error) and the delivery channels (where configuration history goes). Three calls.
 * A region without a recorder is data (`recorders: []`); the config-recording check fails it.
 */
import {
  ConfigServiceClient,
  type ConfigurationRecorder,
  type ConfigurationRecorderStatus,
  type DeliveryChannel,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { type AwsRegionalScope, awsCall, awsClient, plain } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { awsConfig } from './declaration.js';

/** The IAM actions this collector calls (docs/aws-collectors.md; the CDK role grants exactly these). */
export interface ConfigRecorder {
  name: string;
  arn: string | null;
  roleArn: string | null;
  /** Set for service-linked recorders (e.g. config.amazonaws.com for another service). */
  servicePrincipal: string | null;
  recordingGroup: unknown;
  recordingMode: unknown;
  recordingScope: string | null;
}

export interface ConfigRecorderStatus {
  name: string;
  recording: boolean;
  /** SUCCESS, PENDING or FAILURE: how the last delivery attempt went. */
  lastStatus: string | null;
  lastStartTime: string | null;
  lastStopTime: string | null;
  lastStatusChangeTime: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
}

export interface ConfigDeliveryChannel {
  name: string;
  s3BucketName: string | null;
  s3KeyPrefix: string | null;
  s3KmsKeyArn: string | null;
  snsTopicArn: string | null;
  deliveryFrequency: string | null;
}

export interface AwsConfigData {
  accountId: string;
  region: string;
  recorders: ConfigRecorder[];
  statuses: ConfigRecorderStatus[];
  deliveryChannels: ConfigDeliveryChannel[];
}

export const awsConfigCollector: RunnableCollector<AwsRegionalScope, AwsConfigData> = {
  ...awsConfig,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const client = awsClient(ConfigServiceClient, scope, scope.region, ctx.stats);
    const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, scope.region, action, fn);
    try {
      const recorders = await call('config:DescribeConfigurationRecorders', () =>
        client.send(new DescribeConfigurationRecordersCommand({})),
      );
      const statuses = await call('config:DescribeConfigurationRecorderStatus', () =>
        client.send(new DescribeConfigurationRecorderStatusCommand({})),
      );
      const channels = await call('config:DescribeDeliveryChannels', () =>
        client.send(new DescribeDeliveryChannelsCommand({})),
      );
      ctx.stats.pages += 3;
      const data: AwsConfigData = {
        accountId: scope.accountId,
        region: scope.region,
        recorders: (recorders.ConfigurationRecorders ?? []).map(recorder),
        statuses: (statuses.ConfigurationRecordersStatus ?? []).map(status),
        deliveryChannels: (channels.DeliveryChannels ?? []).map(channel),
      };
      return { data, items: data.recorders.length };
    } finally {
      client.destroy();
    }
  },
};

function recorder(r: ConfigurationRecorder): ConfigRecorder {
  return {
    name: r.name ?? 'unknown',
    arn: r.arn ?? null,
    roleArn: r.roleARN ?? null,
    servicePrincipal: r.servicePrincipal ?? null,
    recordingGroup: plain(r.recordingGroup),
    recordingMode: plain(r.recordingMode),
    recordingScope: r.recordingScope ?? null,
  };
}

function status(s: ConfigurationRecorderStatus): ConfigRecorderStatus {
  return {
    name: s.name ?? 'unknown',
    recording: s.recording === true,
    lastStatus: s.lastStatus ?? null,
    lastStartTime: s.lastStartTime?.toISOString() ?? null,
    lastStopTime: s.lastStopTime?.toISOString() ?? null,
    lastStatusChangeTime: s.lastStatusChangeTime?.toISOString() ?? null,
    lastErrorCode: s.lastErrorCode ?? null,
    lastErrorMessage: s.lastErrorMessage ?? null,
  };
}

function channel(c: DeliveryChannel): ConfigDeliveryChannel {
  return {
    name: c.name ?? 'unknown',
    s3BucketName: c.s3BucketName ?? null,
    s3KeyPrefix: c.s3KeyPrefix ?? null,
    s3KmsKeyArn: c.s3KmsKeyArn ?? null,
    snsTopicArn: c.snsTopicARN ?? null,
    deliveryFrequency: c.configSnapshotDeliveryProperties?.deliveryFrequency ?? null,
  };
}

export default awsConfigCollector;
