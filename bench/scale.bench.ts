/**
 * `npm run bench -- scale`: the sizes of issue 14.
 * - Okta: 50,000 users × 2,000 groups (Everyone holds all 50,000: 250 pages of 200; the other
 *   1,999 groups 100 members each), and GitHub: 10,000 repositories, each collector in a
 *   process of its own (bench/scale-worker.ts) so its peak RSS is its own; the local vendor
 *   server runs here. Okta without its rate limit and GitHub without Octokit's 1 s GraphQL
 *   spacing: the wall time at the vendors' pace is computed from the request counts.
 * Figures, never assertions.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { createHandler as createPlanHandler } from '../functions/plan.js';
import { createHandler as createShardHandler } from '../functions/shard.js';
import { startEmulator, useEmulatorAccount } from '../scripts/emulator.js';
import { forgetAwsCredentials } from '../shared/aws/accounts.js';
import { awsScopeEnvironment } from '../shared/aws/identity.js';
import { DEFAULT_ENABLED_REGIONS } from '../shared/aws/regions.js';
import { systemClock } from '../shared/clock.js';
import { awsConfigCollector } from '../shared/collectors/aws-config/collector.js';
import { cloudTrailCollector } from '../shared/collectors/cloudtrail/collector.js';
import { guardDutyCollector } from '../shared/collectors/guardduty/collector.js';
import { createIamCollector } from '../shared/collectors/iam/collector.js';
import { organizationCollector } from '../shared/collectors/organization/collector.js';
import { mapLimit } from '../shared/concurrency.js';
import { parseConfig } from '../shared/config.js';
import { readSnapshot } from '../shared/evidence/read.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { silentLogger } from '../shared/log.js';
import { makeGitHubOrg, startGitHubServer } from '../test/servers/github-server.js';
import { makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
import { latencyProxy } from './aws.bench.js';
import type { Bench } from './run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

export interface WorkerFigures {
  which: string;
  requests: number;
  pages: number;
  items: number;
  status: string;
  errors: string[];
  ms: number;
  snapshotBytes: number;
  maxRssMiB: number;
  peakHeapMiB: number;
}

/**
 * Run bench/scale-worker.ts in a child process and parse its one line of figures. With
 * SCALE_HEAP_MIB the worker's V8 old space is capped there (as Lambda's Node runtime caps it
 * below the function's memory), to learn whether a run fits, not only what it takes uncapped.
 */
export function runWorker(args: string[]): Promise<WorkerFigures> {
  const heap = process.env.SCALE_HEAP_MIB
    ? [`--max-old-space-size=${Number(process.env.SCALE_HEAP_MIB)}`]
    : [];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...heap, '--import', 'tsx', path.join(HERE, 'scale-worker.ts'), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`scale-worker ${args.join(' ')} exited ${code}: ${out}`));
      resolve(JSON.parse(line) as WorkerFigures);
    });
  });
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

async function okta(): Promise<void> {
  const users = 50_000;
  const groups = 2_000;
  const perGroup = 100;
  const org = makeOktaOrg({ groups, membersPerGroup: perGroup, users });
  org.groups[0]!.memberIds = org.users.map((u) => u.id);
  const memberships = org.groups.reduce((n, g) => n + g.memberIds.length, 0);
  const server = await startOktaServer(org, { rateLimit: { limit: 1_000_000_000, windowSeconds: 60 } });
  try {
    const f = await runWorker(['okta', server.url]);
    // Okta's default limits for these endpoints are in the hundreds per minute per org.
    const atLimit = (perMinute: number) => `${(f.requests / perMinute).toFixed(1)} min at ${perMinute}/min`;
    console.log(
      `okta    ${users.toLocaleString('en')} users × ${groups.toLocaleString('en')} groups (${memberships.toLocaleString('en')} memberships): ` +
        `${f.status}, ${f.requests} requests, ${f.pages} pages, ${f.ms} ms here (no rate limit); ` +
        `at Okta's pace ${atLimit(600)}, ${atLimit(1200)}; snapshot ${mib(f.snapshotBytes)}, ` +
        `peak RSS ${f.maxRssMiB} MiB, peak heap ${f.peakHeapMiB} MiB`,
    );
  } finally {
    await server.stop();
  }
}

async function github(): Promise<void> {
  const repos = 10_000;
  const server = await startGitHubServer(
    makeGitHubOrg({
      repos,
      archived: 250,
      style: (i) => (['legacy', 'ruleset', 'org', 'none'] as const)[i % 4]!,
    }),
  );
  try {
    const f = await runWorker(['github', server.url]);
    console.log(
      `github  ${repos.toLocaleString('en')} repositories: ${f.status}${f.errors.length ? ` (${f.errors.join('; ')})` : ''}, ` +
        `${f.requests} requests, ${server.stats.pointsUsed} GraphQL points, ${server.stats.rateLimited} rate-limited answers, ` +
        `${f.ms} ms here without spacing, about ${Math.ceil((f.requests * 1000 + f.ms) / 1000)} s with Octokit's 1 s spacing; ` +
        `snapshot ${mib(f.snapshotBytes)}, peak RSS ${f.maxRssMiB} MiB, peak heap ${f.peakHeapMiB} MiB`,
    );
  } finally {
    await server.stop();
  }
}

/**
 * AWS: an organization of SCALE_ACCOUNTS (default 200) member accounts in 4 OUs on the
 * emulator, every request held 80 ms by a proxy (a cross-region round trip), 17 regions,
 * the four AWS collectors. The plan discovers once and writes the organization snapshot;
 * shards of SHARD_ACCOUNTS accounts run SHARD_CONCURRENCY at once (a Distributed Map's
 * MaxConcurrency), each with the runner's own bound of aws.concurrency scopes.
 */
async function awsOrganization(): Promise<void> {
  const members = Number(process.env.SCALE_ACCOUNTS ?? 200);
  const shardAccounts = Number(process.env.SHARD_ACCOUNTS ?? 5);
  const shardConcurrency = Number(process.env.SHARD_CONCURRENCY ?? 10);
  const emulator = await startEmulator();
  const proxy = await latencyProxy(emulator.url, 80);
  try {
    await useEmulatorAccount(emulator.url);
    const orgs = new OrganizationsClient({ region: 'us-east-1' });
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ous: string[] = [];
    for (const name of ['Prod', 'Staging', 'Dev', 'Shared']) {
      ous.push(
        (await orgs.send(new CreateOrganizationalUnitCommand({ Name: name, ParentId: rootId })))
          .OrganizationalUnit!.Id!,
      );
    }
    const seed = performance.now();
    await mapLimit(
      Array.from({ length: members }, (_, i) => i),
      8,
      async (i) => {
        const id = (
          await orgs.send(
            new CreateAccountCommand({ AccountName: `acct-${i}`, Email: `acct-${i}@example.com` }),
          )
        ).CreateAccountStatus!.AccountId!;
        await orgs.send(
          new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ous[i % 4]! }),
        );
      },
    );
    const seedMs = performance.now() - seed;
    orgs.destroy();
    process.env.AWS_ENDPOINT_URL = proxy.url;
    forgetAwsCredentials();

    const config = parseConfig({
      locker: { retentionDays: 730 },
      aws: {
        regions: [...DEFAULT_ENABLED_REGIONS],
        organization: {},
        concurrency: 8,
        fanOut: { shardAccounts, maxConcurrency: shardConcurrency },
      },
      auditPeriod: { start: '2026-01-01' },
    });
    const collectors = [
      organizationCollector,
      guardDutyCollector,
      createIamCollector({ sleep: async () => {} }),
      awsConfigCollector,
      cloudTrailCollector,
    ];
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'scale-aws-')));
    let peakHeap = 0;
    const sample = setInterval(() => {
      peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
    }, 50);
    // The Lambda handlers themselves (functions/plan.ts, functions/shard.ts), each shard fed
    // what the Distributed Map's ItemSelector builds, with a shard Lambda's 15 minutes.
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const deps = { config, locker, collectors, clock: systemClock, logger: silentLogger };
    const planHandler = createPlanHandler({ ...deps, scopeEnvironment: awsScopeEnvironment });
    const shardHandler = createShardHandler(deps);
    const started = performance.now();
    const plan = await planHandler({}, { getRemainingTimeInMillis: () => 300_000 });
    const planMs = performance.now() - started;
    const shardFigures = await mapLimit(plan.shards, shardConcurrency, async (shard) => {
      const t = performance.now();
      const out = await shardHandler(
        {
          shard,
          runId: plan.runId,
          defaultAccountId: plan.defaultAccountId,
          scheduledFor: plan.scheduledFor,
        },
        { getRemainingTimeInMillis: () => 900_000 },
      );
      return {
        ms: performance.now() - t,
        requests: out.requests,
        snapshots: out.snapshots,
        failed: out.failed,
      };
    });
    const totalMs = performance.now() - started;
    const organizationRequests = (await readSnapshot(locker, plan.organization!.key)).snapshot.stats.requests;
    clearInterval(sample);
    const slowest = shardFigures.reduce((a, b) => (b.ms > a.ms ? b : a));
    const requests = shardFigures.reduce((n, f) => n + f.requests, 0) + organizationRequests;
    const snapshots = shardFigures.reduce((n, f) => n + f.snapshots, 0) + 1;
    const failed = shardFigures.reduce((n, f) => n + f.failed, 0);
    console.log(
      `aws     ${members + 1} accounts × ${config.aws!.regions.length} regions, 4 collectors, +80 ms a request: ` +
        `plan (discovery + organization snapshot) ${(planMs / 1000).toFixed(1)} s, ${organizationRequests} requests; ` +
        `${plan.shards.length} shards of ${shardAccounts} accounts, ${shardConcurrency} at once: ` +
        `whole run ${(totalMs / 1000).toFixed(1)} s, ${requests} requests, ${snapshots} snapshots (${failed} not ok); ` +
        `slowest shard ${(slowest.ms / 1000).toFixed(1)} s (${slowest.requests} requests), median ${(median(shardFigures.map((f) => f.ms)) / 1000).toFixed(1)} s; ` +
        `process peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB, peak heap ${Math.round(peakHeap / 1048576)} MiB ` +
        `(all ${shardConcurrency} shards in one process); seeding the organization ${(seedMs / 1000).toFixed(1)} s`,
    );
  } finally {
    proxy.close();
    await emulator.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export const scaleBench: Bench = {
  name: 'scale',
  async run() {
    const only = process.env.SCALE_PART;
    if (!only || only === 'okta') await okta();
    if (!only || only === 'github') await github();
    if (!only || only === 'aws') await awsOrganization();
  },
};
