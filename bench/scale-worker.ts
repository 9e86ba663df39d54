/**
 * One collector run in a process of its own, so that its peak memory (maxRSS) is its own:
 * `tsx bench/scale-worker.ts <okta|github> <server url>`. Prints one JSON line: requests,
 * pages, items, status, wall time, snapshot bytes, peak RSS and peak heap (sampled).
 * Started by scale.bench.ts; the vendor server runs in the parent.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { systemClock } from '../shared/clock.js';
import { createGitHubCollector } from '../shared/collectors/github/collector.js';
import { createOktaCollector } from '../shared/collectors/okta/collector.js';
import type { AnyRunnableCollector, CollectorContext } from '../shared/collectors/types.js';
import { parseConfig } from '../shared/config.js';
import { canonicalJson } from '../shared/evidence/canonical.js';
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
const ctx: CollectorContext = {
  config,
  settings: undefined,
  clock: systemClock,
  logger: silentLogger,
  stats: { requests: 0, pages: 0 },
};
const t = performance.now();
const out = await collector.collect(collector.scopes(config, {})[0], ctx);
const bytes = Buffer.byteLength(canonicalJson(out.data));
const ms = performance.now() - t;
peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
clearInterval(sample);
console.log(
  JSON.stringify({
    which,
    requests: ctx.stats.requests,
    pages: ctx.stats.pages,
    items: out.items,
    status: out.status ?? 'ok',
    errors: (out.errors ?? []).slice(0, 3),
    ms: Math.round(ms),
    snapshotBytes: bytes,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapMiB: Math.round(peakHeap / 1048576),
  }),
);
