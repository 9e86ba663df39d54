/**
 * One collector, on schedule: the collector named by EVIDENCE_COLLECTOR over all of its
 * scopes (the function's bundle holds that collector's code and no other's), one snapshot each, into the locker named by EVIDENCE_STORE, with the
 * configuration file the stack packaged in a layer (EVIDENCE_CONFIG). Okta/GitHub credentials are read
 * once per container from the SSM Parameter Store SecureString the stack names
 * (OKTA_SECRET_PARAMETER, GITHUB_SECRET_PARAMETER; storing it is free, unlike a Secrets Manager
 * secret) into the variables the collectors read, registered for redaction first. A parameter
 * not created yet counts as empty: the collector records an error snapshot naming the variable. A failed collection is a recorded `error` snapshot and a SnapshotsFailed metric;
 * only an unusable locker makes the invocation fail (then Lambda retries, then the DLQ).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { awsClientOptions } from '../shared/aws/clients.js';
import { awsScopeEnvironment } from '../shared/aws/identity.js';
import { COLLECTORS, findCollector } from '../shared/collectors/registry.js';
import { type RunSummary, runCollectors } from '../shared/collectors/runner.js';
import { type AnyRunnableCollector, secretVariables } from '../shared/collectors/types.js';
import { loadConfig } from '../shared/config.js';
import { optionalEnv, requiredEnv } from '../shared/env.js';
import { ConfigError } from '../shared/errors.js';
import { openLocker } from '../shared/locker/index.js';
import { type Logger, redactingLogger } from '../shared/log.js';
import { registerSecret } from '../shared/secrets.js';
import { parseScheduledEvent } from './scheduled-event.js';

/**
 * The variables each vendor secret may hold, as JSON keys (a plain string is the first one):
 * `<SOURCE>_SECRET_PARAMETER` → the `secrets` the registered collectors of that source declare.
 */
const SECRET_VARIABLES: Readonly<Record<string, readonly string[]>> = secretVariables(COLLECTORS);

const collectorId = requiredEnv('EVIDENCE_COLLECTOR');
if (!findCollector(collectorId)) {
  throw new ConfigError(
    `EVIDENCE_COLLECTOR=${JSON.stringify(collectorId)} is no registered collector; expected one of ${COLLECTORS.map((c) => c.id).join(', ')}`,
  );
}
/**
 * This function's collector, with its code: the default export of its folder's collector.ts.
 * The stack bundles each collect function with `process.env.EVIDENCE_COLLECTOR` defined as the
 * collector's id (esbuild `define`, infra/constructs/evidence-function.ts), so this path is a
 * constant and the bundle holds that one implementation (test/infra/bundles.test.ts); unbundled
 * (tests, `tsx`) the path is read from the environment. A concatenation, not a template: esbuild
 * folds it without minifying.
 */
const collector = (
  await import(
    // biome-ignore lint/style/useTemplate: see above
    '../shared/collectors/' + process.env.EVIDENCE_COLLECTOR + '/collector.js'
  )
).default as AnyRunnableCollector;
if (collector.id !== collectorId) {
  throw new ConfigError(
    `this function's bundle holds the ${collector.id} collector but EVIDENCE_COLLECTOR is ${JSON.stringify(collectorId)}: redeploy the stack rather than edit the variable`,
  );
}
const config = loadConfig(undefined, COLLECTORS);
const locker = openLocker(requiredEnv('EVIDENCE_STORE'), { create: true });
const logger: Logger = redactingLogger(new PowertoolsLogger() as unknown as Logger);
const metrics = new Metrics();
let secretsLoaded: Promise<void> | undefined;

/** Time kept back from the Lambda timeout to write the error snapshots of unfinished scopes. */
const DEADLINE_MARGIN_MS = 20_000;

export async function handler(
  event: unknown,
  context?: { getRemainingTimeInMillis(): number },
): Promise<RunSummary> {
  const run = parseScheduledEvent(event, new Date());
  const remaining = context?.getRemainingTimeInMillis();
  const deadline =
    remaining === undefined ? undefined : new Date(Date.now() + Math.max(0, remaining - DEADLINE_MARGIN_MS));
  logger.info('collect start', { collector: collectorId, scheduledFor: run.scheduledFor.toISOString() });
  secretsLoaded ??= loadSecrets().catch((err) => {
    secretsLoaded = undefined;
    throw err;
  });
  await secretsLoaded;
  try {
    const summary = await runCollectors({
      config,
      locker,
      collectors: [collector],
      only: [collectorId],
      logger,
      scopeEnvironment: awsScopeEnvironment,
      ...(deadline && { deadline }),
    });
    // A collector whose scopes could not be known wrote nothing: it counts as failed, and the
    // invocation fails (retries, then the dead-letter queue and its alarm) after the metrics.
    const failed =
      summary.results.filter((r) => r.status !== 'ok').length +
      summary.skipped.reduce((n, s) => n + s.collectors.length, 0);
    metrics.addMetric('SnapshotsWritten', MetricUnit.Count, summary.results.length);
    metrics.addMetric('SnapshotsFailed', MetricUnit.Count, failed);
    logger.info('collect done', {
      collector: collectorId,
      runId: summary.runId,
      snapshots: summary.results.length,
      failed,
    });
    if (summary.skipped.length > 0) {
      throw new Error(
        `nothing collected for ${summary.skipped.map((s) => `${s.collectors.join(', ')} (${s.reason})`).join('; ')}`,
      );
    }
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** Put each configured vendor secret's values into the variables the collectors read. */
async function loadSecrets(): Promise<void> {
  const wanted = Object.keys(SECRET_VARIABLES).filter((v) => optionalEnv(v) !== undefined);
  if (wanted.length === 0) return;
  const client = new SSMClient(awsClientOptions());
  try {
    for (const nameVariable of wanted) {
      const parameter = requiredEnv(nameVariable);
      const text = await readParameter(client, parameter);
      const names = SECRET_VARIABLES[nameVariable] ?? [];
      const values = parseSecret(text, names);
      for (const [name, value] of Object.entries(values)) {
        registerSecret(value);
        process.env[name] = value;
      }
      if (Object.keys(values).length === 0) {
        logger.warn('secret empty', {
          parameter,
          expected: names,
          fix: 'aws ssm put-parameter --type SecureString --overwrite (docs/deploy.md)',
        });
      }
    }
  } finally {
    client.destroy();
  }
}

/** The decrypted value of a SecureString parameter; one that does not exist yet reads as empty. */
async function readParameter(client: SSMClient, name: string): Promise<string> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return out.Parameter?.Value ?? '';
  } catch (err) {
    if (err instanceof ParameterNotFound) return '';
    throw err;
  }
}

/** `{"OKTA_API_TOKEN": "..."}` (any of `names` as keys), or the bare value of the first name. */
export function parseSecret(text: string, names: readonly string[]): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  if (!trimmed.startsWith('{')) return { [names[0]!]: trimmed };
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    // Never echo the value: it is a credential.
    throw new Error(
      `the secret looks like JSON but does not parse; expected {"${names.join('": "...", "')}": "..."}`,
    );
  }
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = (data as Record<string, unknown>)[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  const unknown = Object.keys(data as object).filter((k) => !names.includes(k));
  if (unknown.length) logger.warn('secret keys ignored', { keys: unknown, expected: names });
  return out;
}
