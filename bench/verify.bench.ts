/**
 * Verify a year of evidence: 365 days × 50 series, on S3 (the emulator) and on the
 * directory locker, with one and then two snapshots per series and day. Prints the seeding
 * and sealing time apart, then the verification's requests and wall time: requests follow
 * the days (one listing per day, one read per digest), not the snapshots.
 *
 * Every digest is signed (a P-256 key file in a temporary directory) and every signature is
 * checked: one GET per digest for its signature, on top of the digest itself.
 *
 * `VERIFY_PART=memory` (or `requests`) runs one part only. The memory part seeds a directory
 * locker of 1,000 series × 730 days once (kept under the temp directory, reused by later
 * runs; VERIFY_MEMORY_DIR names another place, VERIFY_MEMORY_DAYS a shorter history,
 * VERIFY_MEMORY_SERIES fewer series, VERIFY_MEMORY_COMMANDS=verify,sample,export also sample and export) and runs
 * verify in a child process per window (the last 30 days, the last 90 as the deployed verify
 * function does, the whole period): its peak RSS and heap (bench/verify-memory-worker.ts).
 *
 * The emulator stamps every object with today's LastModified, so on S3 every snapshot of
 * the seeded (past) year is "backdated" (and so "late"): that count is expected here and
 * printed as such. The second run is sealed after the year, so its snapshots are "late" too.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { s3ClientOptions } from '../shared/aws/clients.js';
import { fixedClock } from '../shared/clock.js';
import type { Collector, Scope } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { addDays, daysBetween } from '../shared/evidence/days.js';
import { seal } from '../shared/evidence/digest.js';
import { fileSigner } from '../shared/evidence/signing.js';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../shared/evidence/snapshot.js';
import { writeSnapshot } from '../shared/evidence/write.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { S3Locker } from '../shared/locker/s3.js';
import type { Locker } from '../shared/locker/types.js';
import { verify } from '../shared/verify/verify.js';
import type { Bench } from './run.js';
import { memoryBenchCollectors, memoryBenchConfig, memoryBenchSnapshot } from './verify-memory-plan.js';

const FROM = '2025-01-01';
const TO = '2025-12-31';
const COLLECTORS_N = 5;
const SCOPES_PER_COLLECTOR = 10; // 5 × 10 = 50 series
const WIDTH = 32;

const config = parseConfig({
  locker: { retentionDays: 730 },
  github: { org: 'bench' },
  auditPeriod: { start: FROM },
});

const collectors: Collector<Scope, unknown>[] = Array.from({ length: COLLECTORS_N }, (_, c) => ({
  id: `bench-${c}`,
  source: 'github' as const,
  controls: ['CC7.2'],
  description: 'bench',
  scopes: () =>
    Array.from({ length: SCOPES_PER_COLLECTOR }, (_, s) => ({ id: `scope-${String(s).padStart(2, '0')}` })),
  collect: async () => ({ data: {}, items: 0 }),
}));

function snapshot(collector: string, scope: string, day: string, run: number): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    collector,
    scope,
    day,
    collectedAt: `${day}T${run === 0 ? '00' : '12'}:05:00.000Z`,
    controls: ['CC7.2'],
    status: 'ok',
    errors: [],
    stats: { requests: 2, items: 1, pages: 1, durationMs: 100 },
    tool: { name: 'bench', version: '0' },
    runId: `run${run}`,
    data: { detectors: [{ id: 'd1', status: 'ENABLED', features: ['S3_DATA_EVENTS', 'EKS_AUDIT_LOGS'] }] },
  };
}

/** Write run `run` of every series on every day (concurrently), then seal each day in time order. */
async function seed(
  locker: Locker,
  run: number,
): Promise<{ writeMs: number; sealMs: number; snapshots: number }> {
  await locker.check();
  const jobs: Snapshot[] = [];
  for (const day of daysBetween(FROM, TO))
    for (const c of collectors)
      for (const s of c.scopes(config, {})) jobs.push(snapshot(c.id, s.id, day, run));
  let t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WIDTH }, async () => {
      while (next < jobs.length) await writeSnapshot(locker, jobs[next++]!, 730);
    }),
  );
  const writeMs = performance.now() - t;
  t = performance.now();
  // The second run's seals come after the year (a seal never goes before the chain's head).
  for (const [i, day] of daysBetween(FROM, TO).entries()) {
    const at =
      run === 0
        ? `${addDays(day, 1)}T03:00:00.000Z`
        : new Date(Date.parse('2026-01-02T00:00:00.000Z') + i * 60_000).toISOString();
    await seal(locker, { day, clock: fixedClock(at), retentionDays: 730 });
  }
  return { writeMs, sealMs: performance.now() - t, snapshots: jobs.length };
}

async function verifyRow(locker: Locker, label: string, from: string, deep = false): Promise<void> {
  const t = performance.now();
  const result = await verify({
    locker,
    config,
    from,
    to: TO,
    clock: fixedClock('2026-01-05T00:00:00.000Z'),
    collectors,
    deep,
  });
  const ms = performance.now() - t;
  const kinds = new Map<string, number>();
  for (const p of result.integrity) kinds.set(p.problem, (kinds.get(p.problem) ?? 0) + 1);
  const gaps = result.series.reduce((n, s) => n + s.missing.length + s.failed.length, 0);
  const problems = [...kinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(
    `  verify ${label.padEnd(22)} ${String(result.stats.requests).padStart(6)} requests ${String(Math.round(ms)).padStart(7)} ms | ` +
      `${result.stats.snapshots} snapshots listed, ${result.stats.digests} digests, ${result.stats.objectsRead} objects read; ` +
      `${result.series.length} series, ${gaps} gap days; problems: ${problems}`,
  );
}

async function measure(name: string, locker: Locker): Promise<void> {
  for (const run of [0, 1]) {
    const seeded = await seed(locker, run);
    console.log(
      `${name}: ${run === 0 ? 'seeded' : 'added a second run:'} ${seeded.snapshots} snapshots in ${(seeded.writeMs / 1000).toFixed(1)} s ` +
        `(${Math.round(seeded.snapshots / (seeded.writeMs / 1000))}/s, ${WIDTH} at once); sealed 365 days in ${(seeded.sealMs / 1000).toFixed(1)} s`,
    );
    const per = `${run + 1}/series/day`;
    if (run === 0) {
      await verifyRow(locker, `30 days, ${per}`, addDays(TO, -29));
      await verifyRow(locker, `90 days, ${per}`, addDays(TO, -89));
    }
    await verifyRow(locker, `365 days, ${per}`, FROM);
    await verifyRow(locker, `365 days, ${per} --deep`, FROM, true);
  }
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** VERIFY_MEMORY_SERIES seeds fewer series (a quicker seeding). */
const MEMORY_SERIES = Number(process.env.VERIFY_MEMORY_SERIES ?? 1_000);
/** VERIFY_MEMORY_COMMANDS=verify,sample,export: which commands to measure (sample and export over the last 30 days). */
const MEMORY_COMMANDS = (process.env.VERIFY_MEMORY_COMMANDS ?? 'verify').split(',');
const MEMORY_FROM = '2024-01-01';
/** VERIFY_MEMORY_DAYS seeds a shorter history (the 30-day window's figure should not follow it). */
const MEMORY_DAYS = Number(process.env.VERIFY_MEMORY_DAYS ?? 730);
const MEMORY_TO = addDays(MEMORY_FROM, MEMORY_DAYS - 1);

/** Seed (once) 1,000 series × 730 days on a directory locker, every day sealed and signed. */
async function seedMemoryLocker(root: string): Promise<{ locker: string; key: string }> {
  const locker = path.join(root, 'locker');
  const key = path.join(root, 'signing-key.pem');
  const marker = path.join(root, 'seeded.json');
  const ready = await access(marker).then(
    () => true,
    () => false,
  );
  if (ready) return { locker, key };
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  process.env.EVIDENCE_SIGNING_KEY_FILE = key;
  await fileSigner(key, { create: true }); // a configured key file is never created by seal itself
  const target = new DirectoryLocker(locker);
  await target.check();
  const collectors = memoryBenchCollectors(MEMORY_SERIES);
  const config = memoryBenchConfig(MEMORY_FROM);
  const t = performance.now();
  for (const [i, day] of daysBetween(MEMORY_FROM, MEMORY_TO).entries()) {
    const jobs = collectors.flatMap((c) =>
      c.scopes(config, {}).map((s) => memoryBenchSnapshot(c.id, s.id, day)),
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: WIDTH }, async () => {
        while (next < jobs.length) await writeSnapshot(target, jobs[next++]!, 730);
      }),
    );
    await seal(target, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });
    if ((i + 1) % 73 === 0)
      console.log(
        `  seeded ${i + 1}/${MEMORY_DAYS} days in ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
  }
  await writeFile(marker, JSON.stringify({ series: MEMORY_SERIES, from: MEMORY_FROM, to: MEMORY_TO }));
  return { locker, key };
}

interface MemoryFigures {
  ok: boolean;
  ms: number;
  digests: number;
  snapshots: number;
  series: number;
  gaps: number;
  problems: Record<string, number>;
  floorRss: number;
  floorHeap: number;
  peakRss: number;
  peakHeap: number;
}

function runMemoryWorker(key: string, args: string[]): Promise<MemoryFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(HERE, 'verify-memory-worker.ts'), ...args],
      {
        cwd: path.join(HERE, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, EVIDENCE_SIGNING_KEY_FILE: key },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`verify-memory-worker exited ${code}: ${out}`));
      resolve(JSON.parse(line) as MemoryFigures);
    });
  });
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

async function memory(): Promise<void> {
  const root =
    process.env.VERIFY_MEMORY_DIR ??
    path.join(tmpdir(), `evidence-verify-memory-${MEMORY_SERIES}x${MEMORY_DAYS}`);
  console.log(
    `verify's peak memory: ${MEMORY_SERIES} series × ${MEMORY_DAYS} days (${MEMORY_FROM}..${MEMORY_TO}) on a directory locker at ${root}, one verify per child process`,
  );
  const { locker, key } = await seedMemoryLocker(root);
  const runs: [string, string, string][] = [];
  for (const command of MEMORY_COMMANDS) {
    if (command !== 'verify') {
      runs.push([command, 'last 30 days', addDays(MEMORY_TO, -29)]);
      continue;
    }
    runs.push(
      [command, 'last 30 days', addDays(MEMORY_TO, -29)],
      [command, 'last 90 days (the Lambda)', addDays(MEMORY_TO, -89)],
      [command, `whole period (${MEMORY_DAYS} days)`, MEMORY_FROM],
    );
  }
  for (const [command, label, from] of runs) {
    if (from < MEMORY_FROM) continue;
    const f = await runMemoryWorker(key, [
      locker,
      from,
      MEMORY_TO,
      String(MEMORY_SERIES),
      MEMORY_FROM,
      command,
    ]);
    const problems =
      Object.entries(f.problems)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none';
    console.log(
      `  ${command.padEnd(6)} window ${label.padEnd(26)} peak RSS ${mib(f.peakRss).padStart(8)} peak heap ${mib(f.peakHeap).padStart(8)} ` +
        `(floor before verify: RSS ${mib(f.floorRss)}, heap ${mib(f.floorHeap)}) | ${(f.ms / 1000).toFixed(1)} s, ` +
        `${f.digests} digests, ${f.snapshots} snapshots (listed; sample: samples; export: records), ${f.series} series, ok ${f.ok}, ${f.gaps} gap days, problems: ${problems}`,
    );
  }
}

async function requests(): Promise<void> {
  console.log(
    `${COLLECTORS_N * SCOPES_PER_COLLECTOR} series × 365 days (${FROM}..${TO}). On S3 the emulator's LastModified is today,` +
      ' so every snapshot and digest of the past year counts as backdated: expected here.',
  );
  // Sign with a throw-away key, never the user's own (verify trusts the same file).
  const keyDir = await mkdtemp(path.join(tmpdir(), 'evidence-verify-bench-key-'));
  process.env.EVIDENCE_SIGNING_KEY_FILE = path.join(keyDir, 'signing-key.pem');
  await fileSigner(process.env.EVIDENCE_SIGNING_KEY_FILE, { create: true });
  const emulator = await startEmulator();
  try {
    await useEmulatorAccount(emulator.url);
    const s3 = new S3Client(s3ClientOptions());
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-verify', ObjectLockEnabledForBucket: true }));
    s3.destroy();
    await measure('s3 (moto)', new S3Locker('s3://bench-verify'));
  } finally {
    await emulator.stop();
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'evidence-verify-bench-'));
  try {
    await measure('directory', new DirectoryLocker(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(keyDir, { recursive: true, force: true });
  }
}

export const verifyBench: Bench = {
  name: 'verify',
  async run() {
    const part = process.env.VERIFY_PART;
    if (part === undefined || part === 'requests') await requests();
    if (part === undefined || part === 'memory') await memory();
  },
};
