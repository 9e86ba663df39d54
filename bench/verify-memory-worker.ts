/**
 * One verification in a process of its own, so that its peak memory is its own:
 * `tsx bench/verify-memory-worker.ts <locker dir> <from> <to> <series> <audit start>`. Prints one JSON line:
 * peak RSS (the process's maxRSS: Node, tsx and the code included), peak V8 heap (sampled
 * every 10 ms and after each phase), the process's floor before verifying, wall time and
 * what verify saw. Started by verify.bench.ts with EVIDENCE_SIGNING_KEY_FILE set to the
 * seeding key; the locker is the one it seeded.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { fixedClock } from '../shared/clock.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { verify } from '../shared/verify/verify.js';
import { memoryBenchCollectors, memoryBenchConfig } from './verify-memory-plan.js';

const [dir, from, to, seriesText, start] = process.argv.slice(2);
if (!dir || !from || !to || !seriesText || !start)
  throw new Error('usage: verify-memory-worker.ts DIR FROM TO SERIES AUDIT_START');

const heap = () => getHeapStatistics().used_heap_size;
globalThis.gc?.();
const floor = { rss: process.memoryUsage().rss, heap: heap() };
let peakHeap = heap();
const sample = setInterval(() => {
  peakHeap = Math.max(peakHeap, heap());
}, 10);
const t = performance.now();
const result = await verify({
  locker: new DirectoryLocker(dir),
  config: memoryBenchConfig(start),
  from,
  to,
  clock: fixedClock(`${to.slice(0, 4)}-12-31T23:00:00.000Z`),
  collectors: memoryBenchCollectors(Number(seriesText)),
});
const ms = performance.now() - t;
peakHeap = Math.max(peakHeap, heap());
clearInterval(sample);
const kinds = new Map<string, number>();
for (const p of result.integrity) kinds.set(p.problem, (kinds.get(p.problem) ?? 0) + 1);
console.log(
  JSON.stringify({
    from,
    to,
    ok: result.ok,
    ms: Math.round(ms),
    digests: result.stats.digests,
    snapshots: result.stats.snapshots,
    series: result.series.length,
    gaps: result.series.reduce((n, s) => n + s.missing.length + s.failed.length, 0),
    problems: Object.fromEntries(kinds),
    floorRss: floor.rss,
    floorHeap: floor.heap,
    peakRss: process.resourceUsage().maxRSS * 1024,
    peakHeap,
  }),
);
