/**
 * Verify, on schedule: check the locker from the audit period's start (or the last
 * VERIFY_LOOKBACK_DAYS days) to the day before the scheduled time, write the report into the
 * locker, put the metrics, and publish an alert a person can act on when anything is wrong.
 * An unusable locker publishes a "could not run" alert and fails the invocation (then Lambda
 * retries, then the DLQ). What is new since the previous report (NewMissingDays,
 * NewIntegrityProblems: what the alarms watch) is marked in the alert, so a new gap notifies
 * even while older ones stay open. Before the audit period has a complete day it puts zeros
 * (the heartbeat) and alerts nothing. Each run also checks, from the evidence account's own
 * `cloudtrail` snapshot, that a trail records management events in this region, without which
 * key-tampering alerts cannot work, and says so on the topic when none does.
 *
 * Deployed, it runs in the verify state machine (infra/constructs/verify-run.ts) in two roles:
 * given the scheduled event it plans (shared/verify/distributed.ts): a window that fits one part
 * is verified here and now, as before; a larger one is cut into parts, each run by
 * functions/verify-part.ts, and it returns the plan for the Map. Given `{ merge: { plan, results } }`
 * it merges the parts' signed results into the one report (metrics and alerts as above); a part
 * without a trustworthy result is a `part-not-verified` problem. Without VERIFY_WORK_STORE (invoked
 * on its own) it verifies any window in this invocation, in parts of bounded memory.
 *
 * Environment:
 *   EVIDENCE_STORE               s3://bucket[/prefix]                        (required)
 *   EVIDENCE_CONFIG              the validated configuration file (a layer)  (required)
 *   ALERT_TOPIC_ARN              SNS topic for alerts; unset: no alert, metrics only
 *   POWERTOOLS_METRICS_NAMESPACE metrics namespace (default EvidenceLocker)
 *   POWERTOOLS_SERVICE_NAME      `service` dimension (default evidence-verify)
 *   VERIFY_LOOKBACK_DAYS         verify only the last N days (default: from auditPeriod.start)
 *   VERIFY_WORK_STORE            s3://work-bucket/prefix for a run in parts (plan, shares, results)
 *
 * IAM actions:
 *   s3:GetBucketObjectLockConfiguration  on the bucket
 *   s3:ListBucket                        on the bucket (snapshots/, digests/, acknowledgements/)
 *   s3:GetObject, s3:GetObjectRetention  on the bucket's objects (HEAD/GET return the lock only with the latter)
 *   s3:PutObject, s3:PutObjectRetention  on reports/*            (the report is written with COMPLIANCE retention)
 *   kms:Sign, kms:GetPublicKey           on the signing key       (the report is signed like a digest)
 *   kms:Decrypt, kms:GenerateDataKey     on the locker key, when the bucket uses SSE-KMS
 *   cloudwatch:PutMetricData             (condition cloudwatch:namespace = the namespace above)
 *   sns:Publish                          on ALERT_TOPIC_ARN
 *   sts:GetCallerIdentity                (needs no grant: the default AWS account of the series)
 *   s3:PutObject, s3:GetObject           on the work bucket's objects (VERIFY_WORK_STORE)
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { KIND_ATTRIBUTE } from '../shared/alerts/webhook.js';
import { awsClientOptions, s3ClientOptions } from '../shared/aws/clients.js';
import { callerAccountId } from '../shared/aws/identity.js';
import { COLLECTORS } from '../shared/collectors/declarations.generated.js';
import type { AnyCollector } from '../shared/collectors/types.js';
import { configSourceBytes, loadConfig } from '../shared/config.js';
import { optionalEnv, requiredEnv } from '../shared/env.js';
import { errorMessage, LockerUnavailableError } from '../shared/errors.js';
import { addDays, dayOf, lastCompleteDay } from '../shared/evidence/days.js';
import { recordConfiguration } from '../shared/evidence/records.js';
import { loadSigner, type Signer, signingSettingsOf, trustedKeys } from '../shared/evidence/signing.js';
import { openLocker } from '../shared/locker/index.js';
import { type Logger, redactingLogger } from '../shared/log.js';
import { redact } from '../shared/secrets.js';
import {
  type AlertMessage,
  alertMessage,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE,
  type EarlierReport,
  failureMessage,
  freshSince,
  idleMetricData,
  metricData,
  trailMissingMessage,
} from '../shared/verify/alerts.js';
import { mergeVerifyRun, planVerifyRun, s3WorkStore } from '../shared/verify/distributed.js';
import { verifyInParts } from '../shared/verify/parts.js';
import { checkTrail } from '../shared/verify/trail.js';
import type { VerifyResult } from '../shared/verify/types.js';
import { gapDays, REPORT_PREFIX, verify, writeVerifyReport } from '../shared/verify/verify.js';
import { parseScheduledEvent } from './scheduled-event.js';

const s3 = new S3Client(s3ClientOptions());
const cloudwatch = new CloudWatchClient(awsClientOptions());
const sns = new SNSClient(awsClientOptions());
const defaultLogger: Logger = redactingLogger(new PowertoolsLogger() as unknown as Logger);

export interface VerifyOutput {
  from: string;
  to: string;
  ok: boolean;
  missingDays: number;
  integrityProblems: number;
  report: string | null;
  alerted: boolean;
  requests: number;
  skipped?: string;
  /**
   * A window verified in parts (the state machine, infra/constructs/verify-run.ts): the plan's
   * key in the work store and each part's place, for the Map; empty when this invocation
   * verified the window (small, or no work store).
   */
  parts: { part: number }[];
  plan?: string;
  /** After a merge: the parts without a trustworthy result (the report says so; the run then fails). */
  notVerified?: number[];
}

export interface VerifyHandlerDeps {
  /** Candidate collectors (default: the registry). */
  collectors?: readonly AnyCollector[];
  logger?: Logger;
  /** Signs the report (default: the KMS key of EVIDENCE_SIGNING_KMS_KEY_ID, else the key file). */
  signer?: () => Promise<Signer>;
  /** At most this many snapshots of the window per part (default SNAPSHOTS_PER_PART). */
  snapshotsPerPart?: number;
}

/** The merge step's input (the state machine's Merge state): the plan and what the Map collected. */
const MergeEvent = z.object({
  merge: z.object({ plan: z.string().min(1), results: z.array(z.unknown()) }),
});

export function createHandler(deps: VerifyHandlerDeps = {}): (event: unknown) => Promise<VerifyOutput> {
  const logger = deps.logger ?? defaultLogger;
  return async (event) => {
    const config = loadConfig(undefined, COLLECTORS);
    const store = requiredEnv('EVIDENCE_STORE');
    const topicArn = optionalEnv('ALERT_TOPIC_ARN');
    const namespace = optionalEnv('POWERTOOLS_METRICS_NAMESPACE') ?? DEFAULT_METRICS_NAMESPACE;
    const service = optionalEnv('POWERTOOLS_SERVICE_NAME') ?? DEFAULT_SERVICE;
    const workStore = optionalEnv('VERIFY_WORK_STORE');
    const locker = openLocker(store, { client: s3 });
    const signer = () => (deps.signer ?? (() => loadSigner()))();
    const finish = async (result: VerifyResult, notVerified?: number[]): Promise<VerifyOutput> => {
      let report: string;
      try {
        report = (await writeVerifyReport(locker, result, config.locker.retentionDays, await signer())).key;
      } catch (err) {
        if (err instanceof LockerUnavailableError && topicArn)
          await publish(topicArn, failureMessage(store, redact(errorMessage(err))), 'verify-failed');
        throw err;
      }
      const since = await previousReport(locker, report);
      const fresh = freshSince(
        result,
        since ? await earlierReport(locker, since, logger) : undefined,
        since ?? null,
      );
      await putMetrics(namespace, metricData(result, new Date(result.verifiedAt), service, fresh));
      const alert = alertMessage(result, report, fresh);
      if (alert && topicArn) await publish(topicArn, alert, 'verify');
      if (alert && !topicArn) logger.warn('alert not sent', { reason: 'ALERT_TOPIC_ARN is not set' });
      const out: VerifyOutput = {
        from: result.from,
        to: result.to,
        ok: result.ok,
        missingDays: gapDays(result),
        integrityProblems: result.integrity.length,
        report,
        alerted: Boolean(alert && topicArn),
        requests: result.stats.requests,
        parts: [],
        ...(notVerified && { notVerified }),
      };
      await warnWithoutTrail(locker, config, result.to, topicArn, logger);
      logger.info('verify done', {
        ...out,
        newMissingDays: fresh.gaps.length,
        newIntegrityProblems: fresh.integrity.length,
        notes: result.notes,
      });
      return out;
    };

    // The merge of a run in parts: the parts' signed results, one report.
    const merge = MergeEvent.safeParse(event);
    if (merge.success) {
      if (!workStore) throw new Error('VERIFY_WORK_STORE is not set: there is no run in parts to merge');
      const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
      const merged = await mergeVerifyRun({
        work: s3WorkStore(s3, workStore),
        plan: merge.data.merge.plan,
        told: merge.data.merge.results,
        trusted: trusted.keys,
      });
      if (merged.notVerified.length)
        logger.error('parts not verified', { plan: merge.data.merge.plan, parts: merged.notVerified });
      return finish(merged.result, merged.notVerified);
    }

    const run = parseScheduledEvent(event, new Date());
    const lookback = lookbackDays(optionalEnv('VERIFY_LOOKBACK_DAYS'));
    const to = lastCompleteDay(run.scheduledFor, config.auditPeriod.end);
    const earliest = lookback === undefined ? config.auditPeriod.start : addDays(to, 1 - lookback);
    const from = later(earliest, config.auditPeriod.start);
    if (from > to) {
      const skipped = `the audit period starts ${config.auditPeriod.start}: no complete day to verify before ${dayOf(run.scheduledFor)}`;
      logger.info('verify skipped', { reason: skipped });
      // The heartbeat still beats: nothing alarms before the audit period, not even VerifierSilent.
      await putMetrics(namespace, idleMetricData(new Date(), service));
      return {
        from,
        to,
        ok: true,
        missingDays: 0,
        integrityProblems: 0,
        report: null,
        alerted: false,
        requests: 0,
        skipped,
        parts: [],
      };
    }

    let result: VerifyResult;
    try {
      const options = {
        locker,
        config,
        from,
        to,
        logger,
        configuration: await recordConfiguration(locker, config, {
          at: new Date(),
          retentionDays: config.locker.retentionDays,
          fileBytes: configSourceBytes(),
        }),
        callerAccount: () => callerAccountId(),
        ...(deps.collectors && { collectors: deps.collectors }),
        ...(deps.snapshotsPerPart && { snapshotsPerPart: deps.snapshotsPerPart }),
      };
      if (workStore) {
        // Deployed: the plan decides. More than one part: the state machine runs them, each in
        // an invocation of its own, then the merge (below) writes the report.
        const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
        const planned = await planVerifyRun({
          ...options,
          work: s3WorkStore(s3, workStore),
          now: new Date(),
          signer: await signer(),
          trusted,
        });
        if (planned) {
          logger.info('verify planned in parts', {
            from,
            to,
            plan: planned.plan,
            parts: planned.parts.length,
          });
          return {
            from,
            to,
            ok: false,
            missingDays: 0,
            integrityProblems: 0,
            report: null,
            alerted: false,
            requests: locker.stats.requests,
            parts: planned.parts.map((part) => ({ part })),
            plan: planned.plan,
          };
        }
        result = await verify({ ...options, trusted: trusted.keys });
      } else {
        // In parts of bounded memory within this invocation when the window is large (shared/verify/parts.ts).
        result = await verifyInParts(options);
      }
    } catch (err) {
      if (err instanceof LockerUnavailableError && topicArn)
        await publish(topicArn, failureMessage(store, redact(errorMessage(err))), 'verify-failed');
      throw err;
    }
    return finish(result);
  };
}

/** The newest verification report before `current` (keys sort by time), if any. */
async function previousReport(
  locker: ReturnType<typeof openLocker>,
  current: string,
): Promise<string | undefined> {
  let latest: string | undefined;
  for await (const item of locker.list(REPORT_PREFIX)) {
    if (item.key.endsWith('.json') && item.key < current && (!latest || item.key > latest)) latest = item.key;
  }
  return latest;
}

/** The earlier report's gaps and problems; unreadable: undefined (then everything counts as new). */
async function earlierReport(
  locker: ReturnType<typeof openLocker>,
  key: string,
  logger: Logger,
): Promise<EarlierReport | undefined> {
  try {
    const data = JSON.parse((await locker.get(key)).body.toString('utf8')) as EarlierReport;
    return {
      series: Array.isArray(data.series) ? data.series : [],
      integrity: Array.isArray(data.integrity) ? data.integrity : [],
    };
  } catch (err) {
    logger.warn('previous report unreadable: everything counts as new', {
      report: key,
      error: redact(errorMessage(err)),
    });
    return undefined;
  }
}

/**
 * Key-tampering alerts need CloudTrail management events in this region: check the evidence
 * account's own cloudtrail snapshot, and say on the topic when no trail records them.
 */
async function warnWithoutTrail(
  locker: ReturnType<typeof openLocker>,
  config: ReturnType<typeof loadConfig>,
  day: string,
  topicArn: string | undefined,
  logger: Logger,
): Promise<void> {
  const region = optionalEnv('AWS_REGION');
  if (!config.aws || !region) return;
  try {
    const judged = await checkTrail(locker, await callerAccountId(), region, day);
    logger.info('key-tampering alerts', { trail: judged.state, reason: judged.reason });
    if (judged.state === 'missing' && topicArn)
      await publish(topicArn, trailMissingMessage(region, judged.reason, judged.key), 'trail-missing');
  } catch (err) {
    logger.warn('trail check failed', { error: redact(errorMessage(err)) });
  }
}

export const handler = createHandler();

/** The later of two YYYY-MM-DD days (they order as strings). */
function later(a: string, b: string): string {
  return a > b ? a : b;
}

function lookbackDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(
      `VERIFY_LOOKBACK_DAYS=${JSON.stringify(value)}: expected a whole number of days, at least 1`,
    );
  return n;
}

async function putMetrics(namespace: string, data: ReturnType<typeof metricData>): Promise<void> {
  // PutMetricData takes up to 1,000 datums a request; 20 keeps every request small.
  for (let i = 0; i < data.length; i += 20) {
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 20) }),
    );
  }
}

/** Publish an alert; `kind` (a message attribute) tells the webhook formatter what it reads. */
async function publish(topicArn: string, alert: AlertMessage, kind: string): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.message,
      MessageAttributes: { [KIND_ATTRIBUTE]: { DataType: 'String', StringValue: kind } },
    }),
  );
}
