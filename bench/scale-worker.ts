/**
 * One collector run in a process of its own, so that its peak memory (maxRSS) is its own:
 * `tsx bench/scale-worker.ts <okta|github> <server url>`. Prints one JSON line: requests,
 * pages, items, status, wall time, snapshot bytes, peak RSS and peak heap (sampled).
 * The run is the runner's, as in `collect` and the Lambda: collect, then write the snapshot
 * (secrets scrubbed, canonical bytes) into a directory locker in a temporary directory, so
 * the peak includes the write. Started by scale.bench.ts; the vendor server runs in the parent.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { systemClock } from '../shared/clock.js';
import { createGitHubCollector } from '../shared/collectors/github/collector.js';
import { createOktaCollector } from '../shared/collectors/okta/collector.js';
import { runCollectors } from '../shared/collectors/runner.js';
import type { AnyRunnableCollector } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { silentLogger } from '../shared/log.js';
import { DEFAULT_GITHUB_TOKEN } from '../test/servers/github-server.js';
import { DEFAULT_OKTA_TOKEN } from '../test/servers/okta-server.js';

const [which, url] = process.argv.slice(2);
const base = { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' } };
let collector: AnyRunnableCollector;
let config: ReturnType<typeof parseConfig>;
if (which === 'okta') {
  config = parseConfig({ ...base, okta: { orgUrl: url, concurrency: 3 } });
  collector = createOktaCollector({ auth: () => ({ kind: 'ssws', token: DEFAULT_OKTA_TOKEN }) });
} else if (which === 'github') {
  config = parseConfig({ ...base, github: { org: 'example' } });
  collector = createGitHubCollector({
    apiUrl: url,
    auth: () => ({ kind: 'token', token: DEFAULT_GITHUB_TOKEN }),
    // No 1 s spacing here: the wall time at GitHub's pace is computed from the requests.
    pacing: { graphqlMinTimeMs: 0, retryAfterBaseMs: 1 },
  });
} else {
  throw new Error(`usage: scale-worker.ts okta|github URL (got ${which})`);
}
let peakHeap = 0;
const sample = setInterval(() => {
  peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
}, 20);
const dir = await mkdtemp(path.join(tmpdir(), 'scale-worker-'));
const t = performance.now();
const summary = await runCollectors({
  config,
  locker: new DirectoryLocker(dir),
  collectors: [collector],
  clock: systemClock,
  logger: silentLogger,
});
const ms = performance.now() - t;
peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
clearInterval(sample);
const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const result = summary.results[0]!;
const file = path.join(dir, result.key);
const bytes = (await stat(file)).size;
// Measured already: reading the snapshot back for its page count no longer counts.
const pages = Number([...(await readFile(file, 'utf8')).matchAll(/"pages":(\d+)/g)].pop()?.[1] ?? -1);
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    which,
    requests: result.requests,
    pages,
    items: result.items,
    status: result.status,
    errors: result.error ? [result.error.slice(0, 500)] : [],
    ms: Math.round(ms),
    snapshotBytes: bytes,
    maxRssMiB,
    peakHeapMiB: Math.round(peakHeap / 1048576),
  }),
);
