/**
 * One seal or one verification on the org-verify bench's synthetic locker, in a process of its
 * own so that its peak memory is its own:
 * `tsx bench/org-verify-worker.ts seal|verify|plan|part|merge|sample|export|report <dir> <from> <to> <accounts> [<day to seal>]`
 * (plan, part, merge: one invocation each of the deployed run in parts, work objects in
 * <dir>/../work; part: ORG_PART, default 0, of the plan written by plan; merge: every part's result)
 * (sample and export: the window ORG_WINDOW_FROM..ORG_WINDOW_TO, default the locker's days).
 * Prints one JSON line: requests and bytes read (the synthetic locker counts them as S3
 * would: one request per GET/HEAD/PUT, one per 1,000 keys listed), wall time, peak RSS (the
 * process's maxRSS: Node, tsx and the code included), peak V8 heap (sampled every 10 ms),
 * the process's floor before the work, and what the command saw.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { AnyCheck } from '../shared/checks/types.js';
import { pass } from '../shared/checks/types.js';
import { fixedClock } from '../shared/clock.js';
import { NotFoundError } from '../shared/errors.js';
import { canonicalBytes } from '../shared/evidence/canonical.js';
import { addDays, daysBetween } from '../shared/evidence/days.js';
import { seal } from '../shared/evidence/digest.js';
import { loadSigner, signingSettingsOf, trustedKeys } from '../shared/evidence/signing.js';
import { exportEvidence } from '../shared/export/export.js';
import { report } from '../shared/report/report.js';
import { REPORT_CELLS_IN_FULL, REPORT_DETAIL_ROWS } from '../shared/report/summary.js';
import { sampleRunRecord } from '../shared/sample/record.js';
import { drawSample } from '../shared/sample/run.js';
import { writeWorkpaper } from '../shared/sample/workpaper.js';
import { redactDeep } from '../shared/secrets.js';
import {
  mergeVerifyRun,
  planVerifyRun,
  runVerifyPart,
  type WorkStore,
} from '../shared/verify/distributed.js';
import { verifyInParts } from '../shared/verify/parts.js';
import { accountIds, orgCollectors, orgConfig, orgLocker, RETENTION_DAYS } from './org-verify-plan.js';

const [command, dir, from, to, accountsText, sealDay, formText] = process.argv.slice(2);
if (!command || !dir || !from || !to || !accountsText)
  throw new Error('usage: org-verify-worker.ts seal|verify DIR FROM TO ACCOUNTS [DAY]');
const accounts = Number(accountsText);
const heap = () => getHeapStatistics().used_heap_size;
globalThis.gc?.();
const floor = { rss: process.memoryUsage().rss, heap: heap() };
let peakHeap = heap();
const sample = setInterval(() => {
  peakHeap = Math.max(peakHeap, heap());
}, 10);
const locker = orgLocker(dir, from, to, accounts);
const t = performance.now();
let saw: Record<string, unknown>;
/** A directory to remove once the figures are out (not part of the command's memory). */
let removeAfter: string | undefined;
if (command === 'seal') {
  const day = sealDay ?? to;
  const result = await seal(locker, {
    day,
    clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
    retentionDays: RETENTION_DAYS,
    form: formText === '3' ? 3 : 2,
  });
  saw = { sealed: result.sealed.length, key: result.key };
} else if (command === 'report') {
  // The whole report (report.html, a workpaper per control, the run's record written into the
  // locker: run it last on a seeded locker), with the registry's checks of the four collectors.
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'evidence-report-bench-')), 'report');
  // The synthetic locker stands for S3: the workpapers' re-check commands name a bucket.
  const s3 = Object.create(locker, { url: { value: 's3://org-verify-bench/locker' } }) as typeof locker;
  const result = await report({
    locker: s3,
    config: orgConfig(from, accounts),
    from,
    to,
    out,
    clock: fixedClock(`${addDays(to, 1)}T06:00:00.000Z`),
    signer: await loadSigner(),
    collectors: orgCollectors(),
    callerAccount: async () => accountIds(accounts)[0]!,
  });
  // Every file written, with its size (report.html, the workpapers, the complete lists when summarized).
  const sizes: Record<string, number> = {};
  for (const entry of await readdir(out, { recursive: true, withFileTypes: true }))
    if (entry.isFile())
      sizes[path.relative(out, path.join(entry.parentPath, entry.name))] = (
        await stat(path.join(entry.parentPath, entry.name))
      ).size;
  await rm(path.dirname(out), { recursive: true, force: true });
  saw = {
    ok: result.ok,
    verified: result.verify.ok,
    checkDays: result.summary,
    series: result.verify.series.length,
    controls: result.controls.length,
    summarized: result.summarized !== undefined,
    files: sizes,
  };
} else if (command === 'sample' || command === 'export') {
  // The window: ORG_WINDOW_FROM..ORG_WINDOW_TO (default the locker's days).
  const wFrom = process.env.ORG_WINDOW_FROM ?? from;
  const wTo = process.env.ORG_WINDOW_TO ?? to;
  const config = orgConfig(from, accounts);
  const clock = fixedClock(`${addDays(to, 1)}T06:00:00.000Z`);
  if (command === 'sample') {
    const collectors = orgCollectors();
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
    const perPart = process.env.ORG_SNAPSHOTS_PER_PART;
    const draw = await drawSample({
      locker,
      config,
      checks,
      collectors,
      seed: 'bench',
      from: wFrom,
      to: wTo,
      plan: { kind: 'per-month', n: 3 },
      ...(perPart && { snapshotsPerPart: Number(perPart) }),
    });
    // What the CLI does next: the workpaper (workpaper.md, samples.csv, samples.json) and the
    // run's record (built and serialized as it would be signed; not written, so that the seeded
    // locker stays as sealed for the next run).
    const out = await mkdtemp(path.join(tmpdir(), 'evidence-sample-bench-'));
    // The synthetic locker stands for S3: the re-check commands name a bucket.
    const s3 = { url: 's3://org-verify-bench/locker', kind: 's3' as const, worm: true };
    const written = await writeWorkpaper(path.join(out, 'workpaper'), {
      report: { ...draw, locker: s3 },
      checks,
      subject: 'CC7.2',
      generatedAt: clock.now(),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC7.2 --seed bench',
      // Summarized above the report's threshold, as the CLI decides (shared/cli/commands/sample.ts).
      ...(draw.rows.seriesCount * daysBetween(wFrom, wTo).length > REPORT_CELLS_IN_FULL && {
        summarize: { rows: REPORT_DETAIL_ROWS },
      }),
    });
    const sizes: Record<string, number> = {};
    for (const f of ['markdown', 'csv', 'json'] as const) sizes[f] = (await stat(written[f])).size;
    if (written.exceptions) sizes.exceptions = (await stat(written.exceptions)).size;
    const record = canonicalBytes(
      sampleRunRecord({
        report: draw,
        ranAt: clock.now(),
        seedGenerated: false,
        subject: 'CC7.2',
        command: 'bench',
        configSha256: '0'.repeat(64),
        earlier: [],
      }),
    );
    saw = {
      window: `${wFrom}..${wTo}`,
      samples: draw.rows.summary.total,
      series: draw.rows.seriesCount,
      parts: draw.parts,
      digests: draw.chain.digests,
      problems: draw.chain.problems.length,
      workpaperBytes: sizes,
      recordBytes: record.byteLength,
    };
    draw.close();
    await rm(out, { recursive: true, force: true });
  } else {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'evidence-export-bench-')), 'export');
    const exported = await exportEvidence({
      locker,
      from: wFrom,
      to: wTo,
      out,
      signer: await loadSigner(),
      clock,
    });
    // Bytes written, by du in a process of its own; the export is removed after the figures, by
    // rm in a process of its own: fs.promises.rm of a million files held gigabytes in this one
    // (2026-12-07: 60,000 files took a process from 45 to 350 MiB RSS), which the peak then showed.
    const du = spawnSync('du', ['-sb', out], { encoding: 'utf8' });
    removeAfter = path.dirname(out);
    saw = {
      window: `${wFrom}..${wTo}`,
      records: exported.records,
      files: exported.files,
      bytesWritten: Number(du.stdout.split('\t')[0]),
      notes: exported.notes.length,
    };
  }
} else if (command === 'merge') {
  // The merge of the plan's parts (every part's result written by `part`), and the report's
  // bytes as writeVerifyReport would store and sign them (not written: the locker stays as seeded).
  const work = directoryWork(path.join(dir, '..', 'work'));
  const config = orgConfig(from, accounts);
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const planKey = 'verify/bench/plan.json';
  const plan = JSON.parse((await work.get(planKey)).toString('utf8')) as { parts: { part: number }[] };
  const told = plan.parts.map((p) => ({ part: p.part, key: `verify/bench/result-${p.part}.json` }));
  const merged = await mergeVerifyRun({ work, plan: planKey, told, trusted: trusted.keys });
  const body = canonicalBytes(redactDeep(merged.result));
  await (await loadSigner()).sign(body);
  saw = {
    parts: plan.parts.length,
    notVerified: merged.notVerified.length,
    ok: merged.result.ok,
    series: merged.result.series.length,
    problems: merged.result.integrity.length,
    reportBytes: body.byteLength,
  };
} else if (command === 'plan' || command === 'part') {
  // One invocation of the deployed run in parts (shared/verify/distributed.ts): the plan, or one
  // part (ORG_PART, default 0) of the plan in <dir>/../work; work objects in a directory.
  const work = directoryWork(path.join(dir, '..', 'work'));
  const config = orgConfig(from, accounts);
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const signer = await loadSigner();
  const planKey = 'verify/bench/plan.json';
  if (command === 'plan') {
    const planned = await planVerifyRun({
      locker,
      work,
      config,
      from,
      to,
      now: new Date(`${addDays(to, 1)}T06:00:00.000Z`),
      signer,
      trusted,
      callerAccount: async () => accountIds(accounts)[0]!,
      runId: 'bench',
      ...(process.env.ORG_SNAPSHOTS_PER_PART && {
        snapshotsPerPart: Number(process.env.ORG_SNAPSHOTS_PER_PART),
      }),
    });
    saw = { parts: planned?.parts.length ?? 1, plan: planned?.plan ?? null };
  } else {
    const part = Number(process.env.ORG_PART ?? 0);
    const written = await runVerifyPart({
      locker,
      work,
      config,
      plan: planKey,
      part,
      signer,
      trusted,
      collectors: orgCollectors(),
    });
    const doc = JSON.parse((await work.get(written.key)).toString('utf8')) as {
      result: { series: unknown[]; integrity: unknown[]; stats: { snapshots: number } };
    };
    saw = {
      part,
      series: doc.result.series.length,
      snapshots: doc.result.stats.snapshots,
      problems: doc.result.integrity.length,
      resultBytes: (await work.get(written.key)).byteLength,
    };
  }
} else {
  // In parts (shared/verify/parts.ts) of at most ORG_SNAPSHOTS_PER_PART snapshots of the window.
  let parts = 0;
  const perPart = process.env.ORG_SNAPSHOTS_PER_PART;
  const result = await verifyInParts({
    ...(perPart && { snapshotsPerPart: Number(perPart) }),
    onPart: (e) => {
      if (e.done) parts++;
    },
    locker,
    config: orgConfig(from, accounts),
    from,
    to,
    clock: fixedClock(`${addDays(to, 1)}T06:00:00.000Z`),
    collectors: orgCollectors(),
    callerAccount: async () => accountIds(accounts)[0]!,
  });
  const problems: Record<string, number> = {};
  for (const p of result.integrity) problems[p.problem] = (problems[p.problem] ?? 0) + 1;
  saw = {
    ok: result.ok,
    series: result.series.length,
    digests: result.stats.digests,
    parts: Math.max(1, parts),
    problems,
  };
}
const ms = performance.now() - t;
peakHeap = Math.max(peakHeap, heap());
clearInterval(sample);
console.log(
  JSON.stringify({
    command,
    ms,
    requests: locker.stats.requests,
    bytesRead: locker.stats.bytesRead,
    floorRss: floor.rss,
    peakRss: process.resourceUsage().maxRSS * 1024,
    peakHeap,
    // CPU time (user + system): what a Lambda's share of a vCPU must provide, whatever this machine's load.
    cpuMs: (() => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    })(),
    // Every byte this process read from files (the locker directory, the spill files, the
    // workpapers it hashed): Linux's rchar; absent elsewhere.
    ...fileBytesRead(),
    ...saw,
  }),
);
if (removeAfter) spawn('rm', ['-rf', removeAfter], { detached: true, stdio: 'ignore' }).unref();

/** A work store in a directory (the bench's stand-in for the work bucket). */
function directoryWork(root: string): WorkStore {
  const at = (key: string) => path.join(root, ...key.split('/'));
  return {
    url: root,
    async put(key, body) {
      await mkdir(path.dirname(at(key)), { recursive: true });
      await writeFile(at(key), body);
    },
    async get(key) {
      try {
        return await readFile(at(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key, { cause: err });
        throw err;
      }
    },
  };
}

/** Linux's count of bytes read by this process's read calls (/proc/self/io rchar), or nothing. */
function fileBytesRead(): { fileBytesRead?: number } {
  try {
    const m = /^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? { fileBytesRead: Number(m[1]) } : {};
  } catch {
    return {};
  }
}
