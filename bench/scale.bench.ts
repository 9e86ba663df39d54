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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeGitHubOrg, startGitHubServer } from '../test/servers/github-server.js';
import { makeOktaOrg, startOktaServer } from '../test/servers/okta-server.js';
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

/** Run bench/scale-worker.ts in a child process and parse its one line of figures. */
export function runWorker(args: string[]): Promise<WorkerFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'scale-worker.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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

export const scaleBench: Bench = {
  name: 'scale',
  async run() {
    const only = process.env.SCALE_PART;
    if (!only || only === 'okta') await okta();
    if (!only || only === 'github') await github();
  },
};
