/**
 * The scheduled verifier Lambda on the emulator: S3 locker, CloudWatch metrics and an SNS
 * topic whose HTTP subscriber is a local server (the emulator delivers to it while Publish
 * runs). Snapshots are written now, so the scheduled event is for tomorrow: it verifies today.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, handler } from '../../functions/verify.js';
import { createHandler as createPartHandler } from '../../functions/verify-part.js';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { canonicalBytes } from '../../shared/evidence/canonical.js';
import { addDays, dayOf } from '../../shared/evidence/days.js';
import { snapshotKey } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { silentLogger } from '../../shared/log.js';
import { createBucket, uniqueName } from '../helpers/aws.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { FAKES } from '../verify/fixtures.js';

interface Notification {
  Type: string;
  Subject?: string;
  Message: string;
  TopicArn: string;
}

const today = () => dayOf(new Date());

/** An EventBridge ScheduledEvent, as a rule delivers it. */
function scheduledEvent(time: Date) {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/evidence-verify'],
    detail: {},
  };
}

describe('functions/verify handler', () => {
  let server: Server;
  const received: Notification[] = [];
  let topicArn: string;
  let namespace: string;
  // Moto's GetMetricData ignores the namespace when dimensions are given: a service name per test keeps them apart.
  let service: string;
  const sns = new SNSClient({});
  const cloudwatch = new CloudWatchClient({});
  const s3 = new S3Client(s3ClientOptions());

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as Notification);
        res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    topicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName('alerts') }))).TopicArn!;
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'http',
        Endpoint: `http://127.0.0.1:${port}/sns`,
      }),
    );
  });
  afterAll(async () => {
    delete process.env.POWERTOOLS_SERVICE_NAME;
    server.close();
    sns.destroy();
    cloudwatch.destroy();
    s3.destroy();
  });

  let bucket: string;
  beforeEach(async () => {
    received.length = 0;
    bucket = await createBucket({ objectLock: true });
    namespace = uniqueName('EvidenceLockerTest');
    service = uniqueName('evidence-verify');
    process.env.POWERTOOLS_SERVICE_NAME = service;
    process.env.EVIDENCE_STORE = `s3://${bucket}`;
    process.env.ALERT_TOPIC_ARN = topicArn;
    process.env.POWERTOOLS_METRICS_NAMESPACE = namespace;
    process.env.EVIDENCE_CONFIG_JSON = JSON.stringify({
      locker: { retentionDays: 730 },
      github: { org: 'acme' },
      auditPeriod: { start: today() },
    });
  });

  async function metric(name: string, collector?: string): Promise<number[]> {
    const now = Date.now();
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 3_600_000),
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: name,
                Dimensions: [
                  { Name: 'service', Value: service },
                  ...(collector ? [{ Name: 'Collector', Value: collector }] : []),
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    return out.MetricDataResults?.[0]?.Values ?? [];
  }

  it('a gap and a problem: writes the report, puts the metrics, publishes an actionable alert', async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    for (const [collector, scope] of [
      ['fake-a', 'org-acme'],
      ['fake-b', 'x-1'],
    ] as const) {
      await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, collectedAt: new Date().toISOString() }),
        730,
      );
    }
    // Written without retention, outside the locker code.
    const plain = makeSnapshot({
      collector: 'fake-a',
      scope: 'org-acme',
      collectedAt: new Date().toISOString(),
      runId: 'plain',
    });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: snapshotKey(plain), Body: canonicalBytes(plain) }),
    );

    const verifyNow = createHandler({ collectors: FAKES, logger: silentLogger });
    const out = await verifyNow(scheduledEvent(new Date(Date.now() + 86_400_000)));

    expect(out).toMatchObject({
      from: today(),
      to: today(),
      ok: false,
      missingDays: 1,
      integrityProblems: 1,
      alerted: true,
    });
    const report = JSON.parse((await locker.get(out.report!)).body.toString('utf8'));
    expect(out.report).toMatch(/^reports\/verify\/\d{8}T\d{9}Z\.json$/);
    expect(report.series.find((s: { scope: string }) => s.scope === 'x-2').missing).toEqual([today()]);
    expect(report.integrity).toEqual([
      expect.objectContaining({ key: snapshotKey(plain), problem: 'retention-missing' }),
    ]);
    expect((await locker.head(out.report!)).lockMode).toBe('COMPLIANCE');

    expect(await metric('MissingDays')).toEqual([1]);
    expect(await metric('IntegrityProblems')).toEqual([1]);
    expect(await metric('MissingDays', 'fake-b')).toEqual([1]);
    expect(await metric('MissingDays', 'fake-a')).toEqual([0]);
    expect(await metric('IntegrityProblems', 'fake-a')).toEqual([1]);

    expect(received).toHaveLength(1);
    const alert = received[0]!;
    expect(alert).toMatchObject({ Type: 'Notification', TopicArn: topicArn });
    // The first verification: everything is new (no earlier report to compare with).
    expect(alert.Subject).toBe(
      'Evidence Locker: 1 new of 1 day(s) without evidence, 1 new of 1 integrity problem(s)',
    );
    expect(await metric('NewMissingDays')).toEqual([1]);
    expect(await metric('NewIntegrityProblems')).toEqual([1]);

    // The next verification finds the same gap and problem: nothing new, the alarms' metrics at zero,
    // and a new gap is marked NEW (it fires the alarm again even while the old one stays open).
    received.length = 0;
    await writeSnapshot(
      locker,
      makeSnapshot({
        collector: 'fake-a',
        scope: 'org-acme',
        collectedAt: new Date().toISOString(),
        runId: 'again',
      }),
      730,
    );
    const again = await verifyNow(scheduledEvent(new Date(Date.now() + 86_400_000)));
    expect(again).toMatchObject({ missingDays: 1, integrityProblems: 1 });
    expect(received[0]!.Subject).toBe(
      'Evidence Locker: 0 new of 1 day(s) without evidence, 0 new of 1 integrity problem(s)',
    );
    expect(received[0]!.Message).toContain(`NEW since ${out.report}`);
    expect(received[0]!.Message).not.toMatch(/ NEW$/m);
    expect(alert.Message).toContain(`- fake-b/x-2: missing ${today()}`);
    expect(alert.Message).toContain(`retention-missing (1)`);
    expect(alert.Message).toContain(snapshotKey(plain));
    expect(alert.Message).toContain('npx evidence acknowledge');
    expect(alert.Message).toContain(out.report!);
  });

  it('a clean locker (the exported handler, registry collectors): metrics at zero, no alert', async () => {
    // A source is configured (verify with none refuses to run); it starts after the window.
    process.env.EVIDENCE_CONFIG_JSON = JSON.stringify({
      locker: { retentionDays: 730 },
      github: { org: 'acme', since: addDays(today(), 1) },
      auditPeriod: { start: today() },
    });
    const out = await handler(scheduledEvent(new Date(Date.now() + 86_400_000)));
    expect(out).toMatchObject({ ok: true, missingDays: 0, integrityProblems: 0, alerted: false });
    expect(out.report).toMatch(/^reports\/verify\//);
    expect(await metric('MissingDays')).toEqual([0]);
    expect(await metric('IntegrityProblems')).toEqual([0]);
    expect(received).toEqual([]);
  });

  it('nothing to verify before the audit period has a complete day', async () => {
    const out = await createHandler({ collectors: FAKES, logger: silentLogger })(scheduledEvent(new Date()));
    expect(out).toMatchObject({
      ok: true,
      report: null,
      skipped: expect.stringContaining('no complete day'),
    });
    expect(out.to).toBe(addDays(today(), -1));
    // The heartbeat still beats before the audit period (VerifierSilent stays quiet), at zero.
    expect(await metric('IntegrityProblems')).toEqual([0]);
    expect(await metric('NewMissingDays')).toEqual([0]);
    expect(received).toEqual([]);
  });

  it('an unreachable locker: a "could not run" alert, then the invocation fails', async () => {
    process.env.EVIDENCE_STORE = 's3://no-such-bucket-for-verify-fn';
    const run = createHandler({ collectors: FAKES, logger: silentLogger });
    await expect(run(scheduledEvent(new Date(Date.now() + 86_400_000)))).rejects.toThrow(/does not exist/);
    expect(received.map((n) => n.Subject)).toEqual(['Evidence Locker: verification could not run']);
    expect(received[0]!.Message).toMatch(/no-such-bucket-for-verify-fn/);
  });

  it("in parts, as the state machine runs it: the plan, each part in an invocation of its own, the merge's one report; a part missing fails closed", async () => {
    const locker = new S3Locker(`s3://${bucket}`);
    for (const [collector, scope] of [
      ['fake-a', 'org-acme'],
      ['fake-b', 'x-1'],
    ] as const)
      await writeSnapshot(
        locker,
        makeSnapshot({ collector, scope, collectedAt: new Date().toISOString() }),
        730,
      );
    const work = await createBucket({ objectLock: false });
    const tomorrow = scheduledEvent(new Date(Date.now() + 86_400_000));
    // One invocation, no work store: the reference.
    const single = await createHandler({ collectors: FAKES, logger: silentLogger })(tomorrow);
    expect(single.parts).toEqual([]);
    process.env.VERIFY_WORK_STORE = `s3://${work}/runs`;
    try {
      // A part per account shard (1 snapshot a part at most): the plan returns the parts for the Map.
      const verifyRun = createHandler({ collectors: FAKES, logger: silentLogger, snapshotsPerPart: 1 });
      const planned = await verifyRun(tomorrow);
      expect(planned.report).toBeNull();
      expect(planned.plan).toMatch(/^verify\/.+\/plan\.json$/);
      expect(planned.parts.length).toBeGreaterThanOrEqual(2);
      const part = createPartHandler({ collectors: FAKES });
      await expect(part({ plan: planned.plan })).rejects.toThrow(/not a verify part/);
      const results = [];
      for (const p of planned.parts) results.push(await part({ plan: planned.plan, ...p }));
      received.length = 0;
      const merged = await verifyRun({ merge: { plan: planned.plan, results } });
      expect(merged).toMatchObject({
        ok: single.ok,
        missingDays: single.missingDays,
        integrityProblems: single.integrityProblems,
        notVerified: [],
      });
      const report = JSON.parse((await locker.get(merged.report!)).body.toString('utf8'));
      expect(report.series.find((s: { scope: string }) => s.scope === 'x-2').missing).toEqual([today()]);
      expect((await locker.head(merged.report!)).lockMode).toBe('COMPLIANCE');

      // A run whose first part never ran (the Map lost it): the merge writes the report anyway,
      // saying so, and alerts.
      const again = await verifyRun(tomorrow);
      const some = [];
      for (const p of again.parts.slice(1)) some.push(await part({ plan: again.plan, ...p }));
      received.length = 0;
      const short = await verifyRun({ merge: { plan: again.plan, results: some } });
      expect(short.ok).toBe(false);
      expect(short.notVerified).toEqual([again.parts[0]!.part]);
      const shortReport = JSON.parse((await locker.get(short.report!)).body.toString('utf8'));
      expect(shortReport.integrity.map((p: { problem: string }) => p.problem)).toContain('part-not-verified');
      expect(received.some((n) => n.Message.includes('part-not-verified'))).toBe(true);
    } finally {
      delete process.env.VERIFY_WORK_STORE;
    }
  });
});
