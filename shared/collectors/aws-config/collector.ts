/**
 * AWS Config, one account and region per scope (CC7.2): the configuration recorders
 * (what they record, with which role), their status (recording, last status, last
 * error, when the latest recording event was processed), the delivery channels (where
 * configuration history goes) and their status (when history and snapshots were last
 * delivered). Four calls. A region without a recorder is data (`recorders: []`); the
 * config-recording check fails it. A recording recorder or a delivery channel whose own "as of"
 * time is older than its bound (`checks.freshnessHours.configRecorder`, `.configDelivery`)
 * makes the snapshot `partial`, naming it and its age; so does a delivery status that could not
 * be read (`deliveryStatuses: null`).
 */
import {
  type ConfigExportDeliveryInfo,
  ConfigServiceClient,
  type ConfigurationRecorder,
  type ConfigurationRecorderStatus,
  type DeliveryChannel,
  type DeliveryChannelStatus,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand,
  DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { type AwsRegionalScope, awsCall, awsClient, describeAwsError, plain } from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { RunnableCollector } from '../types.js';
import { awsConfig, configStaleness } from './declaration.js';

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

/** How one kind of delivery (configuration history or snapshot files to S3) last went. */
export interface ConfigExportDelivery {
  /** Success, Failure or Not_Applicable (as AWS spells it; emulators answer upper case). */
  lastStatus: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  lastAttemptTime: string | null;
  lastSuccessfulTime: string | null;
  nextDeliveryTime: string | null;
}

export interface ConfigDeliveryChannelStatus {
  name: string;
  /** Configuration history files to the S3 bucket. */
  history: ConfigExportDelivery | null;
  /** Configuration snapshots to the S3 bucket (when the channel has a delivery frequency). */
  snapshot: ConfigExportDelivery | null;
  /** Notifications to the SNS topic. */
  stream: {
    lastStatus: string | null;
    lastErrorCode: string | null;
    lastErrorMessage: string | null;
    lastStatusChangeTime: string | null;
  } | null;
}

export interface AwsConfigData {
  accountId: string;
  region: string;
  recorders: ConfigRecorder[];
  statuses: ConfigRecorderStatus[];
  deliveryChannels: ConfigDeliveryChannel[];
  /**
   * DescribeDeliveryChannelStatus, one per channel; null when it could not be read (the
   * snapshot's errors say why). Absent in snapshots collected before it was recorded.
   */
  deliveryStatuses?: ConfigDeliveryChannelStatus[] | null;
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
      const errors: string[] = [];
      let deliveryStatuses: ConfigDeliveryChannelStatus[] | null = [];
      if ((channels.DeliveryChannels ?? []).length > 0) {
        try {
          const out = await call('config:DescribeDeliveryChannelStatus', () =>
            client.send(new DescribeDeliveryChannelStatusCommand({})),
          );
          ctx.stats.pages++;
          deliveryStatuses = (out.DeliveryChannelsStatus ?? []).map(deliveryStatus);
        } catch (err) {
          // Recorded as unknown, never as delivering: the check fails the region for it.
          deliveryStatuses = null;
          errors.push(`config:DescribeDeliveryChannelStatus: ${describeAwsError(err)}`);
        }
      }
      const data: AwsConfigData = {
        accountId: scope.accountId,
        region: scope.region,
        recorders: (recorders.ConfigurationRecorders ?? []).map(recorder),
        statuses: (statuses.ConfigurationRecordersStatus ?? []).map(status),
        deliveryChannels: (channels.DeliveryChannels ?? []).map(channel),
        deliveryStatuses,
      };
      // A source's "as of" time older than its bound is recorded, never passed off as the day's state.
      errors.push(...configStaleness(data, ctx.clock.now(), ctx.config).map((s) => s.reason));
      if (errors.length) ctx.logger.warn('aws-config partial', { scope: scope.id, errors: errors.length });
      return {
        data,
        items: data.recorders.length,
        ...(errors.length > 0 && { status: 'partial' as const, errors }),
      };
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

function delivery(d: ConfigExportDeliveryInfo | undefined): ConfigExportDelivery | null {
  if (!d) return null;
  return {
    lastStatus: d.lastStatus ?? null,
    lastErrorCode: d.lastErrorCode ?? null,
    lastErrorMessage: d.lastErrorMessage ?? null,
    lastAttemptTime: d.lastAttemptTime?.toISOString() ?? null,
    lastSuccessfulTime: d.lastSuccessfulTime?.toISOString() ?? null,
    nextDeliveryTime: d.nextDeliveryTime?.toISOString() ?? null,
  };
}

function deliveryStatus(s: DeliveryChannelStatus): ConfigDeliveryChannelStatus {
  const stream = s.configStreamDeliveryInfo;
  return {
    name: s.name ?? 'unknown',
    history: delivery(s.configHistoryDeliveryInfo),
    snapshot: delivery(s.configSnapshotDeliveryInfo),
    stream: stream
      ? {
          lastStatus: stream.lastStatus ?? null,
          lastErrorCode: stream.lastErrorCode ?? null,
          lastErrorMessage: stream.lastErrorMessage ?? null,
          lastStatusChangeTime: stream.lastStatusChangeTime?.toISOString() ?? null,
        }
      : null,
  };
}

export default awsConfigCollector;
