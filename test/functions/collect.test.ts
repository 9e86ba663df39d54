/**
 * functions/collect.ts invoked the way EventBridge Scheduler invokes it, against the
 * emulator: the Okta credentials come from an SSM SecureString parameter on the emulator into a
 * local Okta-like server, and each run leaves a COMPLIANCE-locked snapshot in an
 * Object-Lock bucket.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as collectHandler } from '../../functions/collect.js';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { dayOf } from '../../shared/evidence/days.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { createBucket, testAccountId, uniqueName } from '../helpers/aws.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, type OktaServer, startOktaServer } from '../servers/okta-server.js';
import { schedulerEvent } from './scheduler-event.js';

const s3 = new S3Client(s3ClientOptions());
const ssm = new SSMClient({});
let bucket: string;
let okta: OktaServer;
/** The environment after the emulator account is set up (the per-file setup's beforeAll). */
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  saved = { ...process.env };
  bucket = await createBucket({ objectLock: true });
  okta = await startOktaServer(makeOktaOrg({ groups: 3, membersPerGroup: 4 }));
});

afterEach(() => {
  process.env = { ...saved };
  forgetSecrets();
  vi.restoreAllMocks();
});

afterAll(async () => {
  await okta.stop();
  s3.destroy();
  ssm.destroy();
});

const baseConfig = () => ({ locker: { retentionDays: 30 }, auditPeriod: { start: '2026-01-01' } });

/** A SecureString parameter as the user puts it (docs/deploy.md); returns its name. */
async function putSecret(value: string): Promise<string> {
  const name = `/${uniqueName('EvidenceLocker')}/okta`;
  await ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: value }));
  return name;
}

/** Load the handler as Lambda does: a fresh module (cold start) under the function's environment. */
async function coldStart(env: Record<string, string>): Promise<typeof collectHandler> {
  Object.assign(process.env, {
    EVIDENCE_STORE: `s3://${bucket}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_NAMESPACE: 'EvidenceLocker',
    ...env,
  });
  vi.resetModules();
  return (await import('../../functions/collect.js')).handler;
}

/** The EMF metric lines Powertools Metrics prints on stdout. */
function captureMetrics(): () => Record<string, unknown>[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () =>
    lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function readLocked(key: string) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const body = await (
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  ).Body!.transformToString();
  return {
    head,
    body,
    snapshot: JSON.parse(body) as { collector: string; scope: string; status: string; errors: string[] },
  };
}

describe('collect handler', () => {
  it('loads the Okta token from its SecureString parameter and writes a locked snapshot', async () => {
    const arn = await putSecret(JSON.stringify({ OKTA_API_TOKEN: DEFAULT_OKTA_TOKEN }));
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'okta',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), okta: { orgUrl: okta.url } }),
      OKTA_SECRET_PARAMETER: arn,
      POWERTOOLS_SERVICE_NAME: 'evidence-collect-okta',
    });
    const metrics = captureMetrics();
    const now = new Date();

    const summary = await handler(schedulerEvent(now.toISOString().replace(/\.\d+Z$/, 'Z')));

    expect(summary.results).toHaveLength(1);
    const [result] = summary.results;
    expect(result).toMatchObject({ collector: 'okta', scope: 'okta-127.0.0.1', status: 'ok', items: 3 });
    expect(result!.key).toMatch(new RegExp(`^snapshots/${dayOf(now)}/okta/okta-127\\.0\\.0\\.1/`));
    expect(okta.stats.authorizations).toContain(`SSWS ${DEFAULT_OKTA_TOKEN}`);
    const { head, body, snapshot } = await readLocked(result!.key);
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(snapshot).toMatchObject({ collector: 'okta', status: 'ok' });
    expect(body).not.toContain(DEFAULT_OKTA_TOKEN);
    const [emf] = metrics();
    expect(emf).toMatchObject({ service: 'evidence-collect-okta', SnapshotsWritten: 1, SnapshotsFailed: 0 });
  });

  it('records an error snapshot (and counts it) when the secret has not been filled in yet', async () => {
    const arn = await putSecret('{}');
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'okta',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), okta: { orgUrl: okta.url } }),
      OKTA_SECRET_PARAMETER: arn,
      POWERTOOLS_SERVICE_NAME: 'evidence-collect-okta',
    });
    const metrics = captureMetrics();

    const summary = await handler(schedulerEvent('2026-11-24T00:05:00Z'));

    const [result] = summary.results;
    expect(result!.status).toBe('error');
    const { head, snapshot } = await readLocked(result!.key);
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(snapshot.status).toBe('error');
    expect(snapshot.errors.join(' ')).toMatch(/OKTA_API_TOKEN/);
    expect(metrics()[0]).toMatchObject({ SnapshotsWritten: 1, SnapshotsFailed: 1 });
  });

  it('records an error snapshot naming the variable when the parameter was never created', async () => {
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'okta',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), okta: { orgUrl: okta.url } }),
      OKTA_SECRET_PARAMETER: `/${uniqueName('EvidenceLocker')}/never-created`,
    });
    captureMetrics();

    const summary = await handler(schedulerEvent('2026-11-24T00:05:00Z'));

    expect(summary.results[0]!.status).toBe('error');
    const { snapshot } = await readLocked(summary.results[0]!.key);
    expect(snapshot.errors.join(' ')).toMatch(/OKTA_API_TOKEN/);
  });

  it('takes a bare secret string as the token and never lets it reach the locker', async () => {
    const arn = await putSecret(DEFAULT_OKTA_TOKEN);
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'okta',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), okta: { orgUrl: okta.url } }),
      OKTA_SECRET_PARAMETER: arn,
    });
    captureMetrics();
    const summary = await handler(schedulerEvent('2026-11-24T00:05:00Z'));
    expect(summary.results[0]!.status).toBe('ok');
    expect((await readLocked(summary.results[0]!.key)).body).not.toContain(DEFAULT_OKTA_TOKEN);
  });

  it('runs an AWS collector in the account of its credentials', async () => {
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'cloudtrail',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), aws: { regions: ['us-east-1'] } }),
    });
    captureMetrics();

    const summary = await handler(schedulerEvent('2026-11-24T00:05:00Z'));

    expect(summary.results.map((r) => r.scope)).toEqual([`aws-${testAccountId()}`]);
    const { head, snapshot } = await readLocked(summary.results[0]!.key);
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(snapshot).toMatchObject({ collector: 'cloudtrail', scope: `aws-${testAccountId()}` });
  });

  it('fails the invocation when the locker is not an Object-Lock bucket (Lambda retries, then the DLQ)', async () => {
    const plain = await createBucket({ objectLock: false });
    const handler = await coldStart({
      EVIDENCE_STORE: `s3://${plain}`,
      EVIDENCE_COLLECTOR: 'cloudtrail',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), aws: { regions: ['us-east-1'] } }),
    });
    captureMetrics();
    await expect(handler(schedulerEvent('2026-11-24T00:05:00Z'))).rejects.toThrow(
      /does not have Object Lock enabled/,
    );
  });

  it('refuses an event that is not a scheduled event', async () => {
    const handler = await coldStart({
      EVIDENCE_COLLECTOR: 'cloudtrail',
      EVIDENCE_CONFIG_JSON: JSON.stringify({ ...baseConfig(), aws: { regions: ['us-east-1'] } }),
    });
    await expect(handler({ scheduledTime: 'yesterday' })).rejects.toThrow(
      /not a scheduled event: scheduledTime/,
    );
  });
});
