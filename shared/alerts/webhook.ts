/**
 * What the alert topic carries, read back into one shape a person can act on, and written for an
 * HTTPS endpoint (functions/alert-webhook.ts). The topic carries four kinds of message:
 *
 * - a CloudWatch alarm's state change (JSON: AlarmName `<prefix>-<id>`, AlarmDescription
 *   "<means>. Do: <act>", NewStateValue, NewStateReason);
 * - the verifier's report (message attribute `kind` = `verify`: what is new, which series and
 *   keys, the command to re-run it), its "could not run" (`verify-failed`), and its warning that
 *   key-tampering alerts cannot work (`trail-missing`);
 * - the key-tampering rule's line (EventBridge from CloudTrail: "... was called on the evidence key ...").
 *
 * Every alert says what happened (`title`), which series or key (`subject`), and the command to
 * see more (`command`). Text from AWS (alarm reasons, principal ARNs) stays data: it is carried
 * in JSON fields, never interpreted.
 */

export const ALERT_KINDS = [
  'alarm',
  'verify',
  'verify-failed',
  'trail-missing',
  'key-tampering',
  'other',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The SNS message attribute the verifier sets on what it publishes. */
export const KIND_ATTRIBUTE = 'kind';

export interface Alert {
  kind: AlertKind;
  /** What happened, in one line (≤ 1,024 characters: PagerDuty's summary). */
  title: string;
  /** Which series, key or alarm it is about. */
  subject: string;
  /** The command (or console place) to see more. */
  command: string;
  /** The full text as published. */
  details: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  /** An alarm back to OK: the incident it opened may close. */
  resolved: boolean;
  /** The same problem keeps the same key (PagerDuty dedup_key): an alarm by name, a verify run by its report. */
  dedupKey: string;
}

export interface TopicMessage {
  subject?: string | undefined;
  message: string;
  /** SNS message attributes (String values). */
  attributes?: Readonly<Record<string, string | undefined>>;
}

const MAX_SUMMARY = 1024;

/** Read one message of the alert topic. */
export function parseAlert(msg: TopicMessage): Alert {
  const kind = msg.attributes?.[KIND_ATTRIBUTE];
  if (kind === 'verify' || kind === 'verify-failed' || kind === 'trail-missing')
    return verifierAlert(kind, msg);
  const alarm = alarmOf(msg.message);
  if (alarm) return alarm;
  const tampering = /^Evidence Locker: (\S+) was called on the evidence key (\S+) by (\S+)/.exec(msg.message);
  if (tampering) {
    return {
      kind: 'key-tampering',
      title: clip(`${tampering[1]} was called on an evidence key by ${tampering[3]}`),
      subject: `key ${tampering[2]}`,
      command: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue=${tampering[2]}`,
      details: msg.message,
      severity: 'critical',
      resolved: false,
      dedupKey: `key-tampering/${tampering[2]}/${tampering[1]}`,
    };
  }
  return {
    kind: 'other',
    title: clip(msg.subject ?? firstLine(msg.message)),
    subject: 'Evidence Locker',
    command: 'open the alert topic in the SNS console and the stack in CloudFormation',
    details: msg.message,
    severity: 'warning',
    resolved: false,
    dedupKey: `other/${clip(msg.subject ?? firstLine(msg.message), 200)}`,
  };
}

interface AlarmMessage {
  AlarmName?: unknown;
  AlarmDescription?: unknown;
  NewStateValue?: unknown;
  NewStateReason?: unknown;
  Region?: unknown;
}

function alarmOf(message: string): Alert | undefined {
  let data: AlarmMessage;
  try {
    data = JSON.parse(message) as AlarmMessage;
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || typeof data.AlarmName !== 'string') return undefined;
  const name = data.AlarmName;
  const description = typeof data.AlarmDescription === 'string' ? data.AlarmDescription : '';
  const state = typeof data.NewStateValue === 'string' ? data.NewStateValue : 'ALARM';
  const [means, act] = splitOnce(description, '. Do: ');
  const resolved = state === 'OK';
  const region = typeof data.Region === 'string' ? data.Region : '';
  return {
    kind: 'alarm',
    title: clip(resolved ? `${name} is OK again` : `${name}: ${means || state}`),
    subject: `alarm ${name}`,
    command:
      act || `aws cloudwatch describe-alarm-history --alarm-name ${name}${region ? ` (in ${region})` : ''}`,
    details: [description, typeof data.NewStateReason === 'string' ? data.NewStateReason : '']
      .filter(Boolean)
      .join('\n'),
    severity: resolved ? 'info' : /IntegrityProblems|KeyTampering/.test(name) ? 'critical' : 'error',
    resolved,
    dedupKey: `alarm/${name}`,
  };
}

function verifierAlert(kind: 'verify' | 'verify-failed' | 'trail-missing', msg: TopicMessage): Alert {
  const series = [...msg.message.matchAll(/^- ([\w.-]+\/[\w.-]+):/gm)].map((m) => m[1]!);
  const keys = [...msg.message.matchAll(/^ {4}(\S+): /gm)].map((m) => m[1]!);
  const report = /^Full report: (\S+)/m.exec(msg.message)?.[1];
  const about = [...new Set([...series, ...keys])];
  const subject =
    kind === 'verify'
      ? about.length
        ? `${about.slice(0, 5).join(', ')}${about.length > 5 ? ` and ${about.length - 5} more` : ''}`
        : 'the locker'
      : kind === 'trail-missing'
        ? 'CloudTrail management events'
        : 'the locker';
  return {
    kind,
    title: clip(msg.subject ?? firstLine(msg.message)),
    subject,
    command:
      kind === 'verify'
        ? `npx evidence verify --from <day> --to <day>${report ? ` (report: ${report})` : ''}`
        : kind === 'trail-missing'
          ? 'aws cloudtrail describe-trails --include-shadow-trails; aws cloudtrail get-event-selectors --trail-name <trail>'
          : 'aws lambda invoke --function-name <Verify function> /dev/stdout',
    details: msg.message,
    severity:
      kind === 'verify' && keys.length > 0 ? 'critical' : kind === 'trail-missing' ? 'warning' : 'error',
    resolved: false,
    dedupKey: `${kind}/${report ?? clip(msg.subject ?? '', 200)}`,
  };
}

/** PagerDuty Events API v2: trigger (or resolve, for an alarm back to OK) an alert. */
export function pagerDutyEvent(
  alert: Alert,
  routingKey: string,
  source = 'evidence-locker',
): Record<string, unknown> {
  if (alert.resolved) return { routing_key: routingKey, event_action: 'resolve', dedup_key: alert.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedupKey,
    payload: {
      summary: alert.title,
      source,
      severity: alert.severity,
      component: alert.subject,
      group: 'evidence-locker',
      class: alert.kind,
      custom_details: {
        what: alert.title,
        which: alert.subject,
        'see more': alert.command,
        details: alert.details,
      },
    },
  };
}

/** A plain JSON body (Slack-style `text` first, for chat webhooks; the fields for anything else). */
export function jsonBody(alert: Alert): Record<string, unknown> {
  return {
    text: `${alert.resolved ? 'Resolved' : 'Evidence Locker'}: ${alert.title}\nWhich: ${alert.subject}\nSee more: ${alert.command}`,
    kind: alert.kind,
    what: alert.title,
    which: alert.subject,
    command: alert.command,
    severity: alert.severity,
    resolved: alert.resolved,
    dedupKey: alert.dedupKey,
    details: alert.details,
  };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text.replace(/\.$/, ''), ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function clip(text: string, max = MAX_SUMMARY): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
