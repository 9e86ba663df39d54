/**
 * Alert webhooks (functions/alert-webhook.ts, shared/alerts/webhook.ts): the formatter on every
 * kind of message the alert topic carries (each alarm the stack can create, the verifier's
 * report, its "could not run", its missing-trail warning, the key-tampering rule's line), and the
 * handler end to end: URLs from SSM SecureString parameters on the emulator, the real fetch to a
 * local HTTP server on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, parseEndpoint } from '../../functions/alert-webhook.js';
import { ALARMS, type AlarmId, keyTamperingText } from '../../infra/constructs/alerts.js';
import { ALERT_KINDS, jsonBody, pagerDutyEvent, parseAlert } from '../../shared/alerts/webhook.js';
import { silentLogger } from '../../shared/log.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { alertMessage, failureMessage, trailMissingMessage } from '../../shared/verify/alerts.js';
import type { VerifyResult } from '../../shared/verify/verify.js';
import { uniqueName } from '../helpers/aws.js';

/** A CloudWatch alarm's SNS message, as CloudWatch writes it. */
function alarmMessage(id: AlarmId, state: 'ALARM' | 'OK' = 'ALARM'): string {
  return JSON.stringify({
    AlarmName: `EvidenceLocker-${id}`,
    AlarmDescription: `${ALARMS[id].means}. Do: ${ALARMS[id].act}`,
    AWSAccountId: '111111111111',
    NewStateValue: state,
    NewStateReason:
      'Threshold Crossed: 1 datapoint [2.0 (06/12/26 06:00:00)] was greater than the threshold (0.0).',
    StateChangeTime: '2026-12-06T06:05:00.000+0000',
    Region: 'EU (Ireland)',
    OldStateValue: state === 'OK' ? 'ALARM' : 'OK',
  });
}

/** A verify result with one new gap and one integrity problem. */
function failingResult(): VerifyResult {
  return {
    schema: 'evidence.verify/2',
    from: '2026-11-01',
    to: '2026-12-05',
    ok: false,
    store: 's3://locker',
    verifiedAt: '2026-12-06T06:01:00.000Z',
    series: [
      {
        collector: 'okta',
        scope: 'okta-example',
        expectedFrom: '2026-01-01',
        expectedFromReason: 'auditPeriod.start',
        origin: 'config',
        expectedDays: 35,
        presentDays: 34,
        missing: ['2026-12-05'],
        failed: [],
        acknowledged: [],
        acknowledgements: [],
        controls: ['CC6.1'],
        days: [],
      },
    ],
    integrity: [
      {
        key: 'snapshots/2026-12-01/iam/aws-111111111111/x.json',
        problem: 'hash-mismatch',
        detail: 'sha256 differs from the digest',
        collector: 'iam',
        scope: 'aws-111111111111',
        day: '2026-12-01',
      },
    ],
    retention: 'checked',
    deep: false,
    chain: { head: null, anchor: null, checkedAgainst: null, trustedKeys: [] },
    unexpected: [],
    retired: [],
    notes: [],
    stats: { requests: 1, days: 35, snapshots: 1, digests: 1, acknowledgements: 0, objectsRead: 0 },
    tool: { name: 'evidence-locker', version: '0' },
  } as unknown as VerifyResult;
}

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** Every kind of message the topic carries, as published. */
function everyMessage(): {
  name: string;
  subject?: string;
  message: string;
  attributes?: Record<string, string>;
}[] {
  const verify = alertMessage(failingResult(), 'reports/verify/20261206T060100000Z.json')!;
  const failed = failureMessage('s3://locker', 'AccessDenied: s3:ListBucket');
  const trail = trailMissingMessage(
    'eu-west-1',
    'no trail is logging',
    'snapshots/2026-12-05/cloudtrail/aws-111111111111/x.json',
  );
  return [
    ...(Object.keys(ALARMS) as AlarmId[]).map((id) => ({ name: `alarm ${id}`, message: alarmMessage(id) })),
    { name: 'alarm back to OK', message: alarmMessage('MissingDays', 'OK') },
    { name: 'verify', subject: verify.subject, message: verify.message, attributes: { kind: 'verify' } },
    {
      name: 'verify-failed',
      subject: failed.subject,
      message: failed.message,
      attributes: { kind: 'verify-failed' },
    },
    {
      name: 'trail-missing',
      subject: trail.subject,
      message: trail.message,
      attributes: { kind: 'trail-missing' },
    },
    {
      name: 'key-tampering',
      message: keyTamperingText({
        eventName: 'ScheduleKeyDeletion',
        keyId: KEY_ID,
        principal: 'arn:aws:iam::111111111111:role/Admin',
        time: '2026-12-06T10:00:00Z',
        errorCode: 'AccessDenied',
      }),
    },
  ];
}

describe('the webhook formatter, on each alert kind', () => {
  const alerts = everyMessage().map((m) => ({ name: m.name, alert: parseAlert(m) }));

  it('recognises every kind the topic carries (none falls through to "other")', () => {
    const kinds = new Set(alerts.map((a) => a.alert.kind));
    expect([...kinds].sort()).toEqual(ALERT_KINDS.filter((k) => k !== 'other').sort());
  });

  it.each(everyMessage().map((m) => [m.name, m] as const))(
    '%s: says what happened, which series or key, and the command to see more',
    (_name, m) => {
      const alert = parseAlert(m);
      expect(alert.title.length).toBeGreaterThan(10);
      expect(alert.title.length).toBeLessThanOrEqual(1024);
      expect(alert.subject).not.toBe('');
      expect(alert.command).toMatch(/npx evidence|aws |open the|run it|check the/i);
      const pd = pagerDutyEvent(alert, 'R0UTINGKEY');
      expect(pd.routing_key).toBe('R0UTINGKEY');
      expect(pd.dedup_key).toBe(alert.dedupKey);
      const body = jsonBody(alert);
      expect(String(body.text)).toContain(alert.title);
      expect(String(body.text)).toContain(`Which: ${alert.subject}`);
      expect(String(body.text)).toContain(`See more: ${alert.command}`);
    },
  );

  it('an alarm: its name, what it means, and what to do from the alarm description; OK resolves', () => {
    const fired = parseAlert({ message: alarmMessage('IntegrityProblems') });
    expect(fired).toMatchObject({
      kind: 'alarm',
      subject: 'alarm EvidenceLocker-IntegrityProblems',
      command: ALARMS.IntegrityProblems.act,
      severity: 'critical',
      resolved: false,
    });
    expect(fired.title).toBe(`EvidenceLocker-IntegrityProblems: ${ALARMS.IntegrityProblems.means}`);
    const ok = parseAlert({ message: alarmMessage('IntegrityProblems', 'OK') });
    expect(pagerDutyEvent(ok, 'K')).toEqual({
      routing_key: 'K',
      event_action: 'resolve',
      dedup_key: fired.dedupKey,
    });
  });

  it('the verifier: the series and keys it names, the report, the re-run command', () => {
    const alert = alerts.find((a) => a.name === 'verify')!.alert;
    expect(alert.subject).toContain('okta/okta-example');
    expect(alert.subject).toContain('snapshots/2026-12-01/iam/aws-111111111111/x.json');
    expect(alert.command).toContain('npx evidence verify');
    expect(alert.command).toContain('reports/verify/20261206T060100000Z.json');
    expect(alert.severity).toBe('critical');
  });

  it('key tampering: the call, the principal, the key and the CloudTrail lookup', () => {
    const alert = alerts.find((a) => a.name === 'key-tampering')!.alert;
    expect(alert).toMatchObject({ kind: 'key-tampering', subject: `key ${KEY_ID}`, severity: 'critical' });
    expect(alert.title).toBe(
      'ScheduleKeyDeletion was called on an evidence key by arn:aws:iam::111111111111:role/Admin',
    );
    expect(alert.command).toContain(`AttributeValue=${KEY_ID}`);
  });

  it('text from AWS stays data: a hostile alarm reason is carried in a JSON field, not interpreted', () => {
    const hostile = JSON.parse(alarmMessage('DeadLetters')) as Record<string, string>;
    hostile.NewStateReason = '"}],"routing_key":"attacker","x":[{"';
    const alert = parseAlert({ message: JSON.stringify(hostile) });
    const pd = pagerDutyEvent(alert, 'mine');
    expect(pd.routing_key).toBe('mine');
    expect(JSON.parse(JSON.stringify(pd)).routing_key).toBe('mine');
  });
});

describe('webhook endpoints', () => {
  const hook = { name: 'pager', format: 'pagerduty' as const, parameter: '/EvidenceLocker/webhooks/pager' };
  it('takes https URLs (and loopback http), refuses anything else, never echoing the value', () => {
    expect(
      parseEndpoint('{"url":"https://events.pagerduty.com/v2/enqueue","routingKey":"abc"}', hook),
    ).toEqual({
      url: 'https://events.pagerduty.com/v2/enqueue',
      routingKey: 'abc',
    });
    expect(() => parseEndpoint('http://hooks.example.com/secret-token', { ...hook, format: 'json' })).toThrow(
      /must be an https:\/\/ URL \(got http:\/\/\)/,
    );
    expect(() => parseEndpoint('not a url secret-token', { ...hook, format: 'json' })).not.toThrow(
      /secret-token/,
    );
    expect(() => parseEndpoint('https://events.pagerduty.com/v2/enqueue', hook)).toThrow(
      /needs a routing key/,
    );
  });
});

describe('alert webhook handler (emulator SSM, local HTTP server)', () => {
  const ssm = new SSMClient({});
  let server: Server;
  let base: string;
  let status = 202;
  const received: { path: string; body: Record<string, unknown> }[] = [];
  let saved: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // After the emulator set-up has put its endpoint and credentials in place.
    saved = { ...process.env };
    server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(status).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    process.env = { ...saved };
    received.length = 0;
    status = 202;
    forgetSecrets();
  });
  afterAll(async () => {
    ssm.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const snsEvent = (message: string, attributes: Record<string, string> = {}) => ({
    Records: [
      {
        Sns: {
          Subject: null,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
          ),
        },
      },
    ],
  });

  async function webhooks(
    values: Record<string, string | undefined>,
    formats: Record<string, 'json' | 'pagerduty'>,
  ) {
    const prefix = `/${uniqueName('EvidenceLocker')}/webhooks`;
    const list = [];
    for (const [name, value] of Object.entries(values)) {
      const parameter = `${prefix}/${name}`;
      if (value !== undefined)
        await ssm.send(new PutParameterCommand({ Name: parameter, Type: 'SecureString', Value: value }));
      list.push({ name, format: formats[name] ?? 'json', parameter });
    }
    process.env.ALERT_WEBHOOKS = JSON.stringify(list);
    return list;
  }

  it('posts each alert to every endpoint, formatted for it (PagerDuty Events v2, JSON)', async () => {
    await webhooks(
      {
        pager: JSON.stringify({ url: `${base}/v2/enqueue`, routingKey: 'R-KEY' }),
        chat: `${base}/chat`,
      },
      { pager: 'pagerduty' },
    );
    const out = await createHandler({ logger: silentLogger })(snsEvent(alarmMessage('MissingDays')));
    expect(out).toEqual({ delivered: 2 });
    const pager = received.find((r) => r.path === '/v2/enqueue')!.body;
    expect(pager).toMatchObject({
      routing_key: 'R-KEY',
      event_action: 'trigger',
      dedup_key: 'alarm/EvidenceLocker-MissingDays',
      payload: { severity: 'error', source: 'evidence-locker', class: 'alarm' },
    });
    const chat = received.find((r) => r.path === '/chat')!.body;
    expect(String(chat.text)).toContain('EvidenceLocker-MissingDays');
    expect(chat.command).toBe(ALARMS.MissingDays.act);
  });

  it('fails the invocation (Lambda retries, then the DLQ) when a URL is missing or an endpoint refuses, after trying the others', async () => {
    await webhooks({ missing: undefined, chat: `${base}/chat` }, {});
    status = 500;
    const run = createHandler({ logger: silentLogger })(
      snsEvent(failureMessage('s3://locker', 'x').message, { kind: 'verify-failed' }),
    );
    await expect(run).rejects.toThrow(
      /missing: no URL for the webhook "missing": create it with aws ssm put-parameter/,
    );
    await expect(
      createHandler({ logger: silentLogger })(snsEvent(alarmMessage('DeadLetters'))),
    ).rejects.toThrow(/chat: answered HTTP 500/);
    expect(received.length).toBeGreaterThanOrEqual(1);
  });
});
