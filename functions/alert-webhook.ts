/**
 * Alert webhooks: subscribed to the alert topic, posts every message to each configured HTTPS
 * endpoint (`alerts.webhooks`), formatted for it (shared/alerts/webhook.ts): PagerDuty Events
 * API v2 (`format: "pagerduty"`) or a plain JSON body with a Slack-style `text` (`"json"`).
 *
 * Each endpoint's URL (and PagerDuty routing key) lives in an SSM Parameter Store SecureString,
 * `/<prefix>/webhooks/<name>`, never in the template: its value is the URL, or
 * `{"url": "...", "routingKey": "..."}`. Read once per container; the values are registered
 * for redaction before anything can log them. Only https:// URLs are accepted (and
 * http://127.0.0.1 / localhost, which cannot leave the machine: the tests' servers).
 *
 * A delivery that fails (no parameter, a refused URL, a non-2xx answer, 10 s without one) fails
 * the invocation after trying every endpoint: SNS delivers to Lambda asynchronously, so Lambda
 * retries twice, then the event lands in the dead-letter queue (the DeadLetters alarm, by e-mail
 * or chat if those are configured).
 *
 * Environment: ALERT_WEBHOOKS  JSON [{ "name", "format", "parameter" }] (the stack writes it)
 * IAM: ssm:GetParameter on each parameter (the aws/ssm key decrypts through SSM).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { type Alert, jsonBody, pagerDutyEvent, parseAlert } from '../shared/alerts/webhook.js';
import { awsClientOptions } from '../shared/aws/clients.js';
import { requiredEnv } from '../shared/env.js';
import { errorMessage } from '../shared/errors.js';
import { type Logger, redactingLogger } from '../shared/log.js';
import { redact, registerSecret } from '../shared/secrets.js';

const Webhooks = z.array(
  z.object({
    name: z.string().min(1),
    format: z.enum(['pagerduty', 'json']),
    parameter: z.string().startsWith('/'),
  }),
);
type Webhook = z.infer<typeof Webhooks>[number];

const SnsEvent = z.object({
  Records: z.array(
    z.object({
      Sns: z.object({
        Subject: z.string().nullish(),
        Message: z.string(),
        MessageAttributes: z.record(z.string(), z.object({ Value: z.string().optional() })).nullish(),
      }),
    }),
  ),
});

/** The endpoint behind a webhook's parameter. */
export interface Endpoint {
  url: string;
  routingKey?: string;
}

export interface WebhookDeps {
  logger?: Logger;
  ssm?: SSMClient;
  /** Milliseconds before a delivery is given up (default 10 s). */
  timeoutMs?: number;
}

export class WebhookError extends Error {
  override name = 'WebhookError';
}

/** The parameter's value as an endpoint; refuses what is not https (or loopback http). */
export function parseEndpoint(
  value: string,
  webhook: Pick<Webhook, 'name' | 'format' | 'parameter'>,
): Endpoint {
  const text = value.trim();
  let endpoint: Endpoint;
  if (text.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new WebhookError(
        `${webhook.parameter} looks like JSON but does not parse; expected a URL or {"url": "https://...", "routingKey": "..."}`,
      );
    }
    const d = data as Record<string, unknown>;
    if (typeof d.url !== 'string')
      throw new WebhookError(
        `${webhook.parameter} has no "url"; expected {"url": "https://...", "routingKey": "..."}`,
      );
    endpoint = { url: d.url, ...(typeof d.routingKey === 'string' && { routingKey: d.routingKey }) };
  } else {
    endpoint = { url: text };
  }
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw new WebhookError(
      `${webhook.parameter} does not hold a URL (value not shown: it may carry a token)`,
    );
  }
  const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !loopback)
    throw new WebhookError(
      `${webhook.parameter}: the webhook "${webhook.name}" must be an https:// URL (got ${url.protocol}//)`,
    );
  if (webhook.format === 'pagerduty' && !endpoint.routingKey)
    throw new WebhookError(
      `${webhook.parameter}: the PagerDuty webhook "${webhook.name}" needs a routing key: {"url": "https://events.pagerduty.com/v2/enqueue", "routingKey": "<integration key>"}`,
    );
  return endpoint;
}

/** The body a webhook receives for an alert. */
export function webhookBody(
  alert: Alert,
  format: Webhook['format'],
  endpoint: Endpoint,
): Record<string, unknown> {
  return format === 'pagerduty' ? pagerDutyEvent(alert, endpoint.routingKey ?? '') : jsonBody(alert);
}

export function createHandler(deps: WebhookDeps = {}): (event: unknown) => Promise<{ delivered: number }> {
  const logger = deps.logger ?? redactingLogger(new PowertoolsLogger() as unknown as Logger);
  const endpoints = new Map<string, Endpoint>();
  let ssm = deps.ssm;
  const endpointOf = async (webhook: Webhook): Promise<Endpoint> => {
    const known = endpoints.get(webhook.name);
    if (known) return known;
    ssm ??= new SSMClient(awsClientOptions());
    let value: string | undefined;
    try {
      value = (await ssm.send(new GetParameterCommand({ Name: webhook.parameter, WithDecryption: true })))
        .Parameter?.Value;
    } catch (err) {
      if (!(err instanceof ParameterNotFound)) throw err;
    }
    if (!value)
      throw new WebhookError(
        `no URL for the webhook "${webhook.name}": create it with aws ssm put-parameter --type SecureString --name ${webhook.parameter} --value 'https://...' (docs/deploy.md)`,
      );
    registerSecret(value);
    const endpoint = parseEndpoint(value, webhook);
    registerSecret(endpoint.url);
    if (endpoint.routingKey) registerSecret(endpoint.routingKey);
    endpoints.set(webhook.name, endpoint);
    return endpoint;
  };

  return async (event) => {
    const webhooks = Webhooks.parse(JSON.parse(requiredEnv('ALERT_WEBHOOKS')));
    const parsed = SnsEvent.safeParse(event);
    if (!parsed.success)
      throw new WebhookError('not an SNS event: expected { Records: [{ Sns: { Message } }] }');
    const failures: string[] = [];
    let delivered = 0;
    for (const record of parsed.data.Records) {
      const attributes = Object.fromEntries(
        Object.entries(record.Sns.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
      );
      const alert = parseAlert({
        subject: record.Sns.Subject ?? undefined,
        message: record.Sns.Message,
        attributes,
      });
      for (const webhook of webhooks) {
        try {
          const endpoint = await endpointOf(webhook);
          const response = await fetch(endpoint.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(webhookBody(alert, webhook.format, endpoint)),
            signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
          });
          if (!response.ok) throw new WebhookError(`answered HTTP ${response.status}`);
          delivered++;
          logger.info('alert delivered', {
            webhook: webhook.name,
            kind: alert.kind,
            status: response.status,
          });
        } catch (err) {
          const reason = redact(errorMessage(err));
          failures.push(`${webhook.name}: ${reason}`);
          logger.error('alert not delivered', { webhook: webhook.name, kind: alert.kind, error: reason });
        }
      }
    }
    if (failures.length)
      throw new WebhookError(`${failures.length} webhook delivery(ies) failed: ${failures.join('; ')}`);
    return { delivered };
  };
}

export const handler = createHandler();
