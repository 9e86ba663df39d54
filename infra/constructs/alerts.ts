/**
 * How the stack reaches a person: one SNS topic and what listens to it (`alerts.emails` as
 * e-mail subscriptions, `alerts.slack` and `alerts.teams` as AWS Chatbot channel configurations,
 * `alerts.webhooks` through the webhook function; synth refuses a configuration with none of
 * them unless `alerts.none` says so on purpose), and the fewest alarms that still say what
 * broke and what to do. Every alarm is one metric
 * (CollectionRunFailed, with `aws.organization` only: two, failed and timed-out executions),
 * so the set stays inside CloudWatch's free allowance (docs/cost.md); the README's alert
 * table lists exactly `ALARMS`.
 *
 * The topic policy allows what must publish: CloudWatch alarms of this account (source
 * account and alarm ARN conditions) and the EventBridge rule that reports calls against the
 * protected keys. The verifier publishes with its own role (IAM, same account). The topic is
 * not KMS-encrypted: alerts carry alarm names and series ids, never evidence, and a key of
 * its own would cost more than the whole rest of the stack (docs/cost.md).
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Config } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { skipCheckov } from '../checkov.js';
import { WATCHED_KEY_EVENTS } from './protected-key.js';

/** Every alarm the stack can create, by construct id: what it means and what to do (README, docs/deploy.md). */
export const ALARMS = {
  DeadLetters: {
    means:
      'a scheduled run could not be delivered, or its function failed (crash, timeout, locker unreachable) after its retries',
    act: "read the message in the DeadLetters queue (schedule and error), then the function's log group; run it again by hand",
  },
  CollectionsFailed: {
    means: 'a collection was recorded with status error or partial (metric SnapshotsFailed, any collector)',
    act: "the collector functions' 'collect done' log line names the collector; npx evidence ls --collector <id> --from <day> lists its snapshots, and the error snapshot says which scope and call failed (credentials, a revoked role, an API limit)",
  },
  CollectionRunFailed: {
    means:
      'the daily AWS collection of the organization (Step Functions, with aws.organization) failed or timed out: the plan could not discover the organization, or a shard failed after its retries, which stops the shards still running',
    act: 'open the failed execution of the <stack>-collect-aws state machine: the failed state (Plan, or the Shards map run and its failed child execution) carries the error; fix the cause, then aws stepfunctions redrive-execution --execution-arn <arn> runs again only what did not succeed (within 14 days)',
  },
  MissingDays: {
    means:
      'the verifier found days without usable evidence that the previous verification had not reported (metric NewMissingDays: a new gap fires again even while older ones stay open)',
    act: 'the verifier mail names the series and days (NEW marks the new ones): collect again, or record an explained gap with npx evidence acknowledge --series <collector>/<scope> --from <day> --reason <why> --by <you>',
  },
  IntegrityProblems: {
    means:
      'the verifier found altered, misfiled, unsealed, deleted or wrongly retained evidence, or a broken digest chain, not reported by the previous verification (metric NewIntegrityProblems)',
    act: 'treat it as a security incident: the verifier mail and the report under reports/verify/ list each key and problem; npx evidence verify --from <day> --to <day> shows them again',
  },
  VerifierSilent: {
    means: 'the verifier has not reported for 30 hours (its schedule disabled or deleted, or it cannot run)',
    act: 'check the Verify schedule and the <stack>-verify state machine (its last executions); start it by hand (aws stepfunctions start-execution)',
  },
  VerifyRunFailed: {
    means:
      'an execution of the <stack>-verify state machine failed: the plan or the merge failed (locker or work bucket unreachable, a crash), or a part of a large window has no trustworthy result (the report names it: part-not-verified)',
    act: 'open the failed execution of the <stack>-verify state machine: the failed state (Plan the verification, Merge the parts, or a child execution of the Parts map run) carries the error; fix the cause and start the state machine again (aws stepfunctions start-execution), or verify with npx evidence verify',
  },
} as const;

export type AlarmId = keyof typeof ALARMS;

/** The heartbeat: a daily verifier plus up to 6 hours of retries, with no report. */
const HEARTBEAT_HOURS = 30;

export interface AlertsProps {
  /** Where alerts go (`alerts` of the configuration). */
  readonly alerts: Pick<Config['alerts'], 'emails' | 'slack' | 'teams' | 'webhooks' | 'none'>;
}

/** The AWS managed policy that allows nothing: the chat channels receive alerts and may do nothing else. */
const DENY_ALL = 'arn:aws:iam::aws:policy/AWSDenyAll';

/** Refuse a configuration whose alerts would reach nobody (unless `alerts.none` says so on purpose). */
export function assertAlertDestination(alerts: AlertsProps['alerts']): void {
  const count = alerts.emails.length + alerts.slack.length + alerts.teams.length + alerts.webhooks.length;
  if (count === 0 && !alerts.none)
    throw new ConfigError(
      'alerts: no destination, so every alarm would reach nobody; add "alerts": { "emails": ["security@example.com"] }, "slack": [{ "workspaceId", "channelId" }], "teams": [{ "tenantId", "teamId", "channelId" }] or "webhooks": [{ "name" }], or set "alerts": { "none": true } to deploy without on purpose',
    );
}

/** The key-tampering rule's line, from the event's fields (EventBridge placeholders in the stack). */
export function keyTamperingText(f: {
  eventName: string;
  keyId: string;
  principal: string;
  time: string;
  errorCode: string;
}): string {
  return (
    `Evidence Locker: ${f.eventName} was called on the evidence key ${f.keyId} by ${f.principal} ` +
    `at ${f.time} (error: ${f.errorCode}). Disabling or deleting this key makes evidence unreadable ` +
    'or digests unverifiable: find out who and why (aws cloudtrail lookup-events --lookup-attributes ' +
    `AttributeKey=ResourceName,AttributeValue=${f.keyId}), and cancel a scheduled deletion ` +
    `(aws kms cancel-key-deletion --key-id ${f.keyId}).`
  );
}

export class Alerts extends Construct {
  readonly topic: sns.Topic;
  readonly alarms = new Map<AlarmId, cloudwatch.Alarm>();
  private readonly action: cwActions.SnsAction;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Evidence Locker alerts',
      enforceSSL: true,
    });
    skipCheckov(
      this.topic,
      'CKV_AWS_26',
      'Alerts carry alarm names, series ids and days, never evidence. CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and a customer-managed key would cost $1 a month, four times the rest of the stack (docs/cost.md). TLS is enforced by the topic policy.',
    );
    // enforceSSL writes a topic policy that replaces the default one: allow the alarms back in.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    assertAlertDestination(props.alerts);
    for (const email of props.alerts.emails)
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.addChatChannels(props.alerts);
    this.action = new cwActions.SnsAction(this.topic);
  }

  /**
   * AWS Chatbot (Amazon Q Developer in chat applications) on the topic: one channel
   * configuration per Slack or Teams channel, with a role that has no permissions and the
   * AWSDenyAll guardrail, so the channel receives alerts and can run nothing. The workspace or
   * team must be authorized in the Chatbot console once (docs/deploy.md).
   */
  private addChatChannels(alerts: AlertsProps['alerts']): void {
    if (alerts.slack.length + alerts.teams.length === 0) return;
    const stack = Stack.of(this).stackName;
    const role = new iam.Role(this, 'ChatRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'Evidence Locker: AWS Chatbot channels that receive alerts (no permissions)',
    });
    alerts.slack.forEach((c, i) => {
      new chatbot.CfnSlackChannelConfiguration(this, `Slack${i + 1}`, {
        configurationName: `${stack}-alerts-slack-${i + 1}`,
        slackWorkspaceId: c.workspaceId,
        slackChannelId: c.channelId,
        iamRoleArn: role.roleArn,
        guardrailPolicies: [DENY_ALL],
        snsTopicArns: [this.topic.topicArn],
        loggingLevel: 'ERROR',
      });
    });
    alerts.teams.forEach((c, i) => {
      new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams${i + 1}`, {
        configurationName: `${stack}-alerts-teams-${i + 1}`,
        teamsTenantId: c.tenantId,
        teamId: c.teamId,
        teamsChannelId: c.channelId,
        iamRoleArn: role.roleArn,
        guardrailPolicies: [DENY_ALL],
        snsTopicArns: [this.topic.topicArn],
        loggingLevel: 'ERROR',
      });
    });
  }

  /** An alarm that fires when `metric` is above zero; missing data is not a breach. */
  whenAboveZero(id: AlarmId, metric: cloudwatch.IMetric): cloudwatch.Alarm {
    return this.add(id, {
      metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * The heartbeat: fires when `metric` (something the verifier puts on every run) had no data
   * point for HEARTBEAT_HOURS hours in a row. Missing data breaches: silence is the failure.
   */
  whenSilent(id: AlarmId, metric: cloudwatch.Metric): cloudwatch.Alarm {
    return this.add(id, {
      metric: metric.with({ statistic: 'SampleCount', period: Duration.hours(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: HEARTBEAT_HOURS,
      datapointsToAlarm: HEARTBEAT_HOURS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /**
   * Report every listed KMS call on `keys` (allowed or denied) from CloudTrail: an
   * EventBridge rule that publishes a readable line to the topic. Needs a CloudTrail trail
   * recording management events in this region (docs/deploy.md).
   */
  watchKeys(keys: readonly kms.IKey[]): events.Rule {
    const rule = new events.Rule(this, 'KeyTampering', {
      description: 'Evidence Locker: a call to disable, delete or re-police an evidence key',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: [...WATCHED_KEY_EVENTS],
          $or: [
            { requestParameters: { keyId: keys.flatMap((k) => [k.keyId, k.keyArn]) } },
            { resources: { ARN: keys.map((k) => k.keyArn) } },
          ],
        },
      },
    });
    const field = (p: string) => events.EventField.fromPath(p);
    const message = events.RuleTargetInput.fromText(
      keyTamperingText({
        eventName: field('$.detail.eventName'),
        keyId: field('$.detail.requestParameters.keyId'),
        principal: field('$.detail.userIdentity.arn'),
        time: field('$.detail.eventTime'),
        errorCode: field('$.detail.errorCode'),
      }),
    );
    // The target is bound by hand so that the publish permission carries the rule as its source.
    rule.addTarget({ bind: () => ({ arn: this.topic.topicArn, input: message }) });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'KeyTamperingRulePublishes',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
    return rule;
  }

  private add(id: AlarmId, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      alarmName: `${Stack.of(this).stackName}-${id}`,
      alarmDescription: `${ALARMS[id].means}. Do: ${ALARMS[id].act}`,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.set(id, alarm);
    return alarm;
  }
}
