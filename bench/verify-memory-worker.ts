/**
 * One verification in a process of its own, so that its peak memory is its own:
 * `tsx bench/verify-memory-worker.ts <locker dir> <from> <to> <series> <audit start> [verify|sample|export]`
 * (sample: 3 days a month of one check per collector; export: into a new temporary directory). Prints one JSON line:
 * peak RSS (the process's maxRSS: Node, tsx and the code included), peak V8 heap (sampled
 * every 10 ms and after each phase), the process's floor before verifying, wall time and
 * what verify saw. Started by verify.bench.ts with EVIDENCE_SIGNING_KEY_FILE set to the
 * seeding key; the locker is the one it seeded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { AnyCheck } from '../shared/checks/types.js';
import { pass } from '../shared/checks/types.js';
import { fixedClock } from '../shared/clock.js';
import { loadSigner } from '../shared/evidence/signing.js';
import { exportEvidence } from '../shared/export/export.js';
import { DirectoryLocker } from '../shared/locker/directory.js';
import { runSample } from '../shared/sample/run.js';
import { verify } from '../shared/verify/verify.js';
import { memoryBenchCollectors, memoryBenchConfig } from './verify-memory-plan.js';

const [dir, from, to, seriesText, start, command = 'verify'] = process.argv.slice(2);
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
const locker = new DirectoryLocker(dir);
const config = memoryBenchConfig(start);
const clock = fixedClock(`${to.slice(0, 4)}-12-31T23:00:00.000Z`);
const collectors = memoryBenchCollectors(Number(seriesText));
let result: {
  ok: boolean;
  digests: number;
  snapshots: number;
  series: number;
  gaps: number;
  problems: string[];
};
if (command === 'sample') {
  const checks: AnyCheck[] = collectors.map((c) => ({
    id: `${c.id}-check`,
    controls: ['CC7.2'],
    collector: c.id,
    title: 'bench',
    description: 'bench',
    procedure: 'bench',
    remediation: 'bench',
    run: () => pass('bench'),
  }));
  const report = await runSample({
    locker,
    config,
    checks,
    collectors,
    seed: 'bench',
    from,
    to,
    plan: { kind: 'per-month', n: 3 },
  });
  result = {
    ok: report.samples.every((s) => s.result === 'pass'),
    digests: report.chain.digests,
    snapshots: report.samples.length,
    series: report.series.length,
    gaps: report.samples.filter((s) => s.result !== 'pass').length,
    problems: report.chain.problems.map((p) => p.problem),
  };
} else if (command === 'export') {
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'evidence-export-bench-')), 'export');
  const exported = await exportEvidence({ locker, from, to, out, signer: await loadSigner(), clock });
  await rm(path.dirname(out), { recursive: true, force: true });
  result = {
    ok: exported.notes.length === 0,
    digests: 0, // export does not count the digests it walked
    snapshots: exported.records,
    series: 0,
    gaps: 0,
    problems: exported.notes.map(() => 'note'),
  };
} else {
  const verified = await verify({ locker, config, from, to, clock, collectors });
  result = {
    ok: verified.ok,
    digests: verified.stats.digests,
    snapshots: verified.stats.snapshots,
    series: verified.series.length,
    gaps: verified.series.reduce((n, s) => n + s.missing.length + s.failed.length, 0),
    problems: verified.integrity.map((p) => p.problem),
  };
}
const ms = performance.now() - t;
peakHeap = Math.max(peakHeap, heap());
clearInterval(sample);
const kinds = new Map<string, number>();
for (const p of result.problems) kinds.set(p, (kinds.get(p) ?? 0) + 1);
console.log(
  JSON.stringify({
    command,
    from,
    to,
    ok: result.ok,
    ms: Math.round(ms),
    digests: result.digests,
    snapshots: result.snapshots,
    series: result.series,
    gaps: result.gaps,
    problems: Object.fromEntries(kinds),
    floorRss: floor.rss,
    floorHeap: floor.heap,
    peakRss: process.resourceUsage().maxRSS * 1024,
    peakHeap,
  }),
);
