/**
 * Sampling 3 days a month over 12 months × 50 series from an S3 Object Lock locker on the
 * emulator: requests and wall time. The locker is first seeded with a year of daily
 * snapshots for 50 series (written concurrently) and sealed day by day; seeding is timed
 * separately.
 */
import { performance } from 'node:perf_hooks';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { type Check, fail, pass } from '../shared/checks/types.js';
import { fixedClock } from '../shared/clock.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { addDays, daysBetween } from '../shared/evidence/days.js';
import { seal, verifyChain } from '../shared/evidence/digest.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../shared/evidence/snapshot.js';
import { writeSnapshot } from '../shared/evidence/write.js';
import { S3Locker } from '../shared/locker/s3.js';
import { runSample } from '../shared/sample/run.js';
import { createBucket } from '../test/helpers/aws.js';
import type { Bench } from './run.js';

const SERIES = 50;
const FROM = '2025-01-01';
const TO = '2025-12-31';
const WRITERS = 32;

interface BenchData {
  detectors: { id: string; status: 'ENABLED' | 'DISABLED' }[];
}

const scopes = Array.from({ length: SERIES }, (_, i) => `aws-123456789012-r${String(i).padStart(2, '0')}`);

const benchCollector: AnyRunnableCollector = {
  id: 'bench',
  source: 'aws',
  identify: () => ({ key: 'bench', method: 'bench double', resolve: async () => 'bench' }),
  controls: ['CC7.2'],
  description: 'bench: detectors per scope',
  scopes: () => [],
  collect: async () => ({ data: null, items: 0 }),
};

const benchCheck: Check<BenchData> = {
  id: 'bench-enabled',
  controls: ['CC7.2'],
  collector: 'bench',
  title: 'Bench detectors enabled',
  description: 'every detector is enabled',
  procedure: 'Look at each detector.',
  remediation: 'Enable it.',
  run(snapshot) {
    const off = snapshot.data.detectors.filter((d) => d.status !== 'ENABLED').map((d) => d.id);
    return off.length ? fail(`${off.length} detector(s) disabled`, off) : pass('all detectors enabled');
  },
};

function snapshot(day: string, scope: string, i: number): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    collector: 'bench',
    scope,
    day,
    collectedAt: `${day}T00:05:00.000Z`,
    controls: ['CC7.2'],
    status: 'ok',
    errors: [],
    stats: { requests: 2, items: 1, pages: 1, durationMs: 100 },
    tool: { name: 'bench', version: '0' },
    runId: `bench${day.replace(/-/g, '')}`,
    // One series in 25 has a disabled detector one day in 30: the sample finds some.
    data: {
      detectors: [
        { id: `det-${scope}`, status: i % 25 === 0 && day.endsWith('-15') ? 'DISABLED' : 'ENABLED' },
      ],
    },
  };
}

export const sampleBench: Bench = {
  name: 'sample',
  async run() {
    const emulator = await startEmulator();
    try {
      await useEmulatorAccount(emulator.url);
      const bucket = await createBucket({ objectLock: true, name: 'bench-sample-locker' });
      const locker = new S3Locker(`s3://${bucket}`);
      await locker.check();
      const days = daysBetween(FROM, TO);

      let t = performance.now();
      let before = locker.stats.requests;
      const jobs = days.flatMap((day) => scopes.map((scope, i) => ({ day, scope, i })));
      let next = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (next < jobs.length) {
            const job = jobs[next++]!;
            await writeSnapshot(locker, snapshot(job.day, job.scope, job.i), 730);
          }
        }),
      );
      const writeMs = performance.now() - t;
      const writeRequests = locker.stats.requests - before;
      t = performance.now();
      before = locker.stats.requests;
      for (const day of days)
        await seal(locker, {
          day,
          clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
          retentionDays: 730,
        });
      const sealMs = performance.now() - t;
      const sealRequests = locker.stats.requests - before;
      console.log(
        `seeding: ${jobs.length} snapshots (${days.length} days × ${SERIES} series) written in ${(writeMs / 1000).toFixed(1)} s ` +
          `(${writeRequests} requests, ${WRITERS} at once); ${days.length} days sealed in ${(sealMs / 1000).toFixed(1)} s (${sealRequests} requests)`,
      );

      const config = parseConfig({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1'] },
        auditPeriod: { start: FROM },
      });
      t = performance.now();
      before = locker.stats.requests;
      const chain = await verifyChain(locker);
      console.log(
        `digest chain alone (every digest read, as each sample run does): ${chain.digests.length} digests in ${((performance.now() - t) / 1000).toFixed(2)} s, ${locker.stats.requests - before} requests`,
      );
      for (const concurrency of [16]) {
        t = performance.now();
        before = locker.stats.requests;
        const report = await runSample({
          locker,
          config,
          checks: [benchCheck],
          collectors: [benchCollector],
          seed: 'bench',
          from: FROM,
          to: TO,
          plan: { kind: 'per-month', n: 3 },
          concurrency,
        });
        const ms = performance.now() - t;
        const requests = locker.stats.requests - before;
        const counts = { pass: 0, fail: 0, 'not-applicable': 0, missing: 0 };
        for (const s of report.samples) counts[s.result]++;
        console.log(
          `sample 3 days/month × 12 months × ${SERIES} series: ${report.samples.length} samples in ${(ms / 1000).toFixed(2)} s, ` +
            `${requests} requests (${(requests / report.samples.length).toFixed(2)} per sample: ${report.samples.length} GETs, ` +
            `${report.chain.digests + 1} to read the digest chain, the rest listings), ${concurrency} at once; ` +
            `${counts.pass} pass, ${counts.fail} fail, ${counts.missing} missing`,
        );
      }
    } finally {
      await emulator.stop();
    }
  },
};
