/**
 * AWS collectors on the emulator:
 * - IAM requests for 50 and for 5,000 users: they must not grow with the users (only with
 *   pages of GetAccountAuthorizationDetails, 1,000 entities a page on AWS; moto never paginates it).
 * - GuardDuty over the 17 default regions: wall time next to the sum of per-region times,
 *   one region at a time, under the default bound and all at once; then again with a
 *   cross-region round trip added to every request (moto on 127.0.0.1 answers in ~1 ms and
 *   serves one request at a time, so without it concurrency can only queue).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { mapLimit } from '../shared/aws/accounts.js';
import { DEFAULT_ENABLED_REGIONS } from '../shared/aws/regions.js';
import { fixedClock } from '../shared/clock.js';
import { guardDutyCollector } from '../shared/collectors/guardduty/collector.js';
import { createIamCollector } from '../shared/collectors/iam/collector.js';
import { runCollectors } from '../shared/collectors/runner.js';
import { parseConfig } from '../shared/config.js';
import { canonicalJson } from '../shared/evidence/canonical.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import type { Bench } from './run.js';

const SEED_CONCURRENCY = 32;
/** Added to every GuardDuty request in the second set of runs: a cross-region round trip. */
const LATENCY_MS = 80;

async function iamFigures(url: string, users: number): Promise<void> {
  const account = await useEmulatorAccount(url);
  const iam = new IAMClient({ region: 'us-east-1' });
  const seedStart = performance.now();
  await mapLimit(
    Array.from({ length: users }, (_, i) => `user-${String(i).padStart(5, '0')}`),
    SEED_CONCURRENCY,
    (UserName) => iam.send(new CreateUserCommand({ UserName })),
  );
  const seedMs = performance.now() - seedStart;
  iam.destroy();

  const config = parseConfig({
    locker: { retentionDays: 730 },
    aws: { regions: ['us-east-1'] },
    auditPeriod: { start: '2026-01-01' },
  });
  let polls = 0;
  // The credential report poll waits are counted, not slept: the figure is requests.
  const collector = createIamCollector({ sleep: async () => void polls++ });
  const stats = { requests: 0, pages: 0 };
  const started = performance.now();
  const out = await collector.collect(
    { id: `aws-${account}`, accountId: account, regions: ['us-east-1'] },
    {
      config,
      settings: undefined,
      clock: fixedClock(new Date()),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      stats,
    },
  );
  const collectMs = performance.now() - started;
  const bytes = Buffer.byteLength(canonicalJson(out.data));
  console.log(
    `iam ${String(users).padStart(5)} users: ${stats.requests} requests, ${stats.pages} page(s) of authorization details, ` +
      `${polls} report poll wait(s), ${out.items} report rows, ${collectMs.toFixed(0)} ms, snapshot data ${(bytes / 1024).toFixed(0)} KiB ` +
      `(seeding ${users} users in moto: ${(seedMs / 1000).toFixed(1)} s, ${SEED_CONCURRENCY} at once)`,
  );
}

/**
 * A forwarding proxy to the emulator that holds each request `delayMs` first: the round
 * trip to a distant region, which the emulator on 127.0.0.1 does not have.
 */
export async function latencyProxy(target: string, delayMs: number): Promise<{ url: string; close(): void }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    await new Promise((r) => setTimeout(r, delayMs));
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'),
    ) as Record<string, string>;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody && { body: Buffer.concat(chunks) }),
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

async function guardDutyFigures(url: string): Promise<void> {
  const account = await useEmulatorAccount(url);
  await mapLimit(DEFAULT_ENABLED_REGIONS, 17, async (region) => {
    const gd = new GuardDutyClient({ region });
    await gd.send(new CreateDetectorCommand({ Enable: true }));
    gd.destroy();
  });
  const config = parseConfig({
    locker: { retentionDays: 730 },
    aws: { regions: [...DEFAULT_ENABLED_REGIONS] },
    auditPeriod: { start: '2026-01-01' },
  });
  const runs: { concurrency: number; latencyMs: number }[] = [
    { concurrency: 1, latencyMs: 0 },
    { concurrency: config.aws!.concurrency, latencyMs: 0 },
    { concurrency: 17, latencyMs: 0 },
    { concurrency: 1, latencyMs: LATENCY_MS },
    { concurrency: config.aws!.concurrency, latencyMs: LATENCY_MS },
    { concurrency: 17, latencyMs: LATENCY_MS },
  ];
  for (const { concurrency, latencyMs } of runs) {
    const proxy = latencyMs > 0 ? await latencyProxy(url, latencyMs) : undefined;
    if (proxy) process.env.AWS_ENDPOINT_URL_GUARDDUTY = proxy.url;
    const dir = await mkdtemp(path.join(tmpdir(), 'evidence-aws-bench-'));
    try {
      const started = performance.now();
      const { results } = await runCollectors({
        config,
        locker: new DirectoryLocker(dir),
        collectors: [guardDutyCollector],
        concurrency,
        scopeEnvironment: async () => ({ defaultAccountId: account }),
      });
      const wallMs = performance.now() - started;
      const sumMs = results.reduce((s, r) => s + r.durationMs, 0);
      const requests = results.reduce((s, r) => s + r.requests, 0);
      console.log(
        `guardduty 17 regions, ${String(concurrency).padStart(2)} at once, ${latencyMs ? `+${latencyMs} ms/request` : 'no added latency'}: wall ${wallMs.toFixed(0)} ms, ` +
          `sum of per-region ${sumMs} ms (${(sumMs / wallMs).toFixed(1)}x), ${requests} requests, ` +
          `${results.filter((r) => r.status !== 'error').length}/17 regions collected`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      delete process.env.AWS_ENDPOINT_URL_GUARDDUTY;
      proxy?.close();
    }
  }
}

export const awsBench: Bench = {
  name: 'aws',
  async run() {
    const emulator = await startEmulator();
    try {
      await iamFigures(emulator.url, 50);
      await iamFigures(emulator.url, 5000);
      await guardDutyFigures(emulator.url);
    } finally {
      await emulator.stop();
    }
  },
};
