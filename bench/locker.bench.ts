/**
 * Write and seal 1,000 snapshots into each backend (S3 on the emulator, directory):
 * wall time and requests per snapshot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { s3ClientOptions } from '../shared/aws/clients.js';
import { fixedClock } from '../shared/clock.js';
import { seal } from '../shared/evidence/digest.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../shared/evidence/snapshot.js';
import { writeSnapshot } from '../shared/evidence/write.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { S3Locker } from '../shared/locker/s3.js';
import type { Locker } from '../shared/locker/types.js';
import type { Bench } from './run.js';

const N = 1000;
const DAY = '2026-04-20';

function snapshot(i: number): Snapshot {
  const collectedAt = new Date(Date.parse(`${DAY}T00:05:00.000Z`) + i * 10).toISOString();
  return {
    schema: SNAPSHOT_SCHEMA,
    collector: 'bench',
    scope: `scope-${String(i).padStart(4, '0')}`,
    day: DAY,
    collectedAt,
    controls: ['CC7.2'],
    status: 'ok',
    errors: [],
    stats: { requests: 1, items: 1, pages: 1, durationMs: 1 },
    tool: { name: 'bench', version: '0' },
    runId: 'bench0001',
    data: { detectors: [{ id: `d${i}`, status: 'ENABLED', features: ['S3_DATA_EVENTS', 'EKS_AUDIT_LOGS'] }] },
  };
}

async function measure(name: string, locker: Locker): Promise<void> {
  await locker.check();
  const start = locker.stats.requests;
  let t = performance.now();
  const width = 16;
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < N) await writeSnapshot(locker, snapshot(next++), 730);
    }),
  );
  const writeMs = performance.now() - t;
  const writeRequests = locker.stats.requests - start;
  t = performance.now();
  const result = await seal(locker, {
    day: DAY,
    clock: fixedClock('2026-04-21T03:00:00.000Z'),
    retentionDays: 730,
  });
  const sealMs = performance.now() - t;
  const sealRequests = locker.stats.requests - start - writeRequests;
  console.log(
    `${name.padEnd(10)} write ${N}: ${writeMs.toFixed(0)} ms (${(writeRequests / N).toFixed(2)} requests/snapshot, ${width} at once); ` +
      `seal ${result.sealed.length}: ${sealMs.toFixed(0)} ms (${(sealRequests / N).toFixed(2)} requests/snapshot)`,
  );
}

export const lockerBench: Bench = {
  name: 'locker',
  async run() {
    const emulator = await startEmulator();
    try {
      await useEmulatorAccount(emulator.url);
      const s3 = new S3Client(s3ClientOptions());
      await s3.send(new CreateBucketCommand({ Bucket: 'bench-locker', ObjectLockEnabledForBucket: true }));
      s3.destroy();
      await measure('s3 (moto)', new S3Locker('s3://bench-locker'));
    } finally {
      await emulator.stop();
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'evidence-bench-'));
    try {
      await measure('directory', new DirectoryLocker(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
