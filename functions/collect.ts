/**
 * One collector, on schedule: the collector named by EVIDENCE_COLLECTOR over all of its
 * scopes, one snapshot each, into the locker named by EVIDENCE_STORE, with the configuration
 * file the stack packaged in a layer (EVIDENCE_CONFIG). The function's bundle holds that
 * collector's code and no other's, and only its source's plumbing: an AWS collector resolves the
 * caller's account and organization (STS, Organizations); an Okta or GitHub collector reads its
 * credentials from SSM first (vendor-secrets.ts). A failed collection is a recorded `error`
 * snapshot and a SnapshotsFailed metric; only an unusable locker makes the invocation fail (then
 * Lambda retries, then the DLQ).
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { awsScopeEnvironment } from '../shared/aws/identity.js';
import { COLLECTORS, findCollector } from '../shared/collectors/declarations.generated.js';
import { type RunSummary, runCollectors } from '../shared/collectors/runner.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import { loadConfig } from '../shared/config.js';
import { requiredEnv } from '../shared/env.js';
import { ConfigError } from '../shared/errors.js';
import { openLocker } from '../shared/locker/index.js';
import { type Logger, redactingLogger } from '../shared/log.js';
import { parseScheduledEvent } from './scheduled-event.js';
import { loadVendorSecrets } from './vendor-secrets.js';

const collectorId = requiredEnv('EVIDENCE_COLLECTOR');
const declaration = findCollector(collectorId);
if (!declaration) {
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
/**
 * One source's plumbing, used for that source only: AWS collectors resolve the caller's account
 * and organization (STS, Organizations), Okta and GitHub collectors read their credentials from
 * SSM. The stack's bundle defines `process.env.EVIDENCE_COLLECTOR_SOURCE` as the collector's
 * source too, so each condition below is a constant there, the other side's import goes unused
 * and is left out (no SSM client in an AWS collector's bundle, no STS or Organizations client in
 * Okta's or GitHub's; test/infra/bundles.test.ts); unbundled, the declaration says. Written out
 * twice: esbuild folds each expression, not a variable holding it.
 */
const awsEnvironment =
  (process.env.EVIDENCE_COLLECTOR_SOURCE ?? declaration.source) === 'aws' ? awsScopeEnvironment : undefined;
const loadSecrets =
  (process.env.EVIDENCE_COLLECTOR_SOURCE ?? declaration.source) === 'aws' ? undefined : loadVendorSecrets;
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
  if (loadSecrets) {
    secretsLoaded ??= loadSecrets(logger).catch((err) => {
      secretsLoaded = undefined;
      throw err;
    });
    await secretsLoaded;
  }
  try {
    const summary = await runCollectors({
      config,
      locker,
      collectors: [collector],
      only: [collectorId],
      // Windowed collectors cover up to the last complete day before the slot, whenever the run happens.
      scheduledFor: run.scheduledFor,
      logger,
      ...(awsEnvironment && { scopeEnvironment: awsEnvironment }),
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
