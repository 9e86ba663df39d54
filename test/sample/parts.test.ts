/**
 * sample at organization size (shared/sample/run.ts, `drawSample`): a window of more than
 * `snapshotsPerPart` snapshots is drawn in parts of account shards, each part's samples spilled
 * and merged in order. The seed still draws the same rows, in the same order, in parts and in
 * one piece; a tampered leaf or snapshot is still flagged whichever part holds it. Memory itself
 * is measured in bench/ (org-verify, ORG_COMMANDS=sample), not here: here the structure (parts,
 * what each part holds).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyCheck, fail, pass } from '../../shared/checks/types.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { listDigests, readDigest, shardOf } from '../../shared/evidence/digest.js';
import type { Locker } from '../../shared/locker/types.js';
import { drawSample, runSample, type SampleDraw, type SampleReport } from '../../shared/sample/run.js';
import { samplesJson, workpaperMarkdown, writeWorkpaper } from '../../shared/sample/workpaper.js';
import { countRequests, type SyntheticLocker, sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(310_000_000_000 + i));
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-06';
const IDS = ['guardduty', 'aws-config', 'iam', 'cloudtrail'];
const collectors = COLLECTORS.filter((c) => IDS.includes(c.id));
/** Fails one account's snapshots, passes the others: results that differ by series. */
const FAILING = ACCOUNTS[3]!;

const checks: AnyCheck[] = [
  ...IDS.map(
    (id): AnyCheck => ({
      id: `${id}-check`,
      controls: ['CC7.2'],
      collector: id,
      title: 't',
      description: 't',
      procedure: 't',
      remediation: 't',
      run: (s) => (s.scope.includes(FAILING) ? fail('planted', ['x']) : pass('ok')),
    }),
  ),
  // A cross-collector check: every IAM series of the day is read with each CloudTrail snapshot.
  {
    id: 'trail-with-iam',
    controls: ['CC6.1'],
    collector: 'cloudtrail',
    reads: ['iam'],
    title: 't',
    description: 't',
    procedure: 't',
    remediation: 't',
    run: (_s, _c, related) => pass(`read ${related?.get('iam')?.length ?? 0} iam`),
  },
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function lockerOf(): Promise<{ dir: string; locker: SyntheticLocker }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sample-parts-'));
  dirs.push(dir);
  const locker = await sealedAwsLocker({
    dir,
    from: FROM,
    to: TO,
    accounts: ACCOUNTS,
    regions: REGIONS,
    form: 3,
  });
  return { dir, locker };
}

const options = (locker: Locker, seed = 'parts-1') => ({
  locker,
  config: parseConfig({
    locker: { retentionDays: 730 },
    aws: { regions: REGIONS, accounts: ACCOUNTS.slice(1).map((id) => ({ id })) },
    auditPeriod: { start: FROM },
  }),
  checks,
  collectors,
  seed,
  from: FROM,
  to: TO,
  plan: { kind: 'per-month' as const, n: 2 },
});

/** What a draw found, problems and notes as sets (parts meet them in another order). */
const drawn = (r: SampleReport) => ({
  samples: r.samples,
  series: r.series,
  chain: {
    digests: r.chain.digests,
    problems: [...r.chain.problems].sort((a, b) => (a.key < b.key ? -1 : 1)),
  },
  notes: [...r.notes].sort(),
});

describe('sample in parts', () => {
  it('same seed: the same rows in the same order, in parts and in one piece; each part holds only its shards', async () => {
    const { locker } = await lockerOf();
    const whole = await runSample(options(locker));
    // 72 series a day (12 accounts × 6) × 6 days; 2 days a month per series and check.
    expect(whole.series).toHaveLength(72 + 12);
    expect(whole.samples).toHaveLength(2 * (72 + 12));
    expect(whole.samples.filter((s) => s.result === 'fail')).toHaveLength(2 * 6);
    const trail = whole.samples.filter((s) => s.check === 'trail-with-iam');
    expect(trail.every((s) => s.detail.startsWith('read 12 iam'))).toBe(true);

    const draw = await drawSample({ ...options(locker), snapshotsPerPart: 100 });
    try {
      // 432 snapshots of the window in parts of at most 100 (a shard never split), and one part for the cross check.
      expect(draw.parts).toBeGreaterThan(5);
      expect(draw.rows.summary).toEqual({
        total: whole.samples.length,
        pass: whole.samples.length - 12,
        fail: 12,
        notApplicable: 0,
        missing: 0,
      });
      expect(draw.rows.seriesCount).toBe(whole.series.length);
    } finally {
      draw.close();
    }
    const split = await runSample({ ...options(locker), snapshotsPerPart: 100 });
    expect(drawn(split)).toEqual(drawn(whole));
    // Another seed draws other days.
    const other = await runSample({ ...options(locker, 'parts-2'), snapshotsPerPart: 100 });
    expect(other.samples.map((s) => s.day)).not.toEqual(whole.samples.map((s) => s.day));
  });

  it('the workpaper, samples.csv and samples.json written from a draw in parts are those of the sample held whole', async () => {
    const { dir, locker } = await lockerOf();
    const whole = await runSample(options(locker));
    const draw = await drawSample({ ...options(locker), snapshotsPerPart: 100 });
    // The synthetic locker stands for S3: the re-check commands name a bucket.
    const s3 = { url: 's3://acme-evidence/org', kind: 's3' as const, worm: true };
    const paper = (report: SampleReport | SampleDraw) => ({
      report: { ...report, locker: s3 },
      checks,
      subject: 'CC7.2',
      generatedAt: new Date('2026-05-07T00:00:00.000Z'),
      seedGenerated: false,
      rerun: 'npx evidence sample --control CC7.2',
    });
    try {
      const a = await writeWorkpaper(path.join(dir, 'whole'), paper(whole));
      const b = await writeWorkpaper(path.join(dir, 'parts'), paper(draw));
      for (const f of ['markdown', 'csv', 'json'] as const)
        expect(readFileSync(b[f], 'utf8')).toBe(readFileSync(a[f], 'utf8'));
      expect(readFileSync(a.json, 'utf8')).toBe(
        `${JSON.stringify(samplesJson({ ...whole, locker: s3 }), null, 2)}\n`,
      );
      expect(readFileSync(a.markdown, 'utf8')).toBe(workpaperMarkdown(paper(whole)));
      // The exceptions are there: the failing account's series, one row each.
      expect(readFileSync(b.markdown, 'utf8')).toContain(
        `| guardduty-check | guardduty/aws-${FAILING}-eu-west-1 | **fail** |`,
      );
    } finally {
      draw.close();
    }
  });

  it('a part reads only its account shards: each leaf of the window is read once over all parts', async () => {
    const { locker } = await lockerOf();
    const roots = (await listDigests(locker)).digests;
    let leaves = 0;
    for (const r of roots) {
      const d = await readDigest(locker, r.key);
      if (d.digest.schema === 'evidence.digest/3') leaves += d.digest.leaves.length;
    }
    const reads: string[] = [];
    const counting = Object.create(locker) as Locker;
    counting.get = (key: string) => {
      reads.push(key);
      return locker.get(key);
    };
    counting.getSigned = (key: string) => {
      reads.push(key);
      return locker.getSigned(key);
    };
    // Only the checks of one collector each: no cross-collector part.
    const alone = checks.filter((c) => !c.reads);
    const split = await runSample({ ...options(counting), checks: alone, snapshotsPerPart: 100 });
    const leafReads = reads.filter((k) => k.startsWith('leaves/') && !k.endsWith('.sig'));
    expect(new Set(leafReads).size).toBe(leafReads.length);
    expect(leafReads.length).toBe(leaves);
    expect(split.samples).toHaveLength(2 * 72);
  });

  it('the chain of roots is read once for all the parts, with or without a cross-collector part', async () => {
    const { locker } = await lockerOf();
    const roots = (await listDigests(locker)).digests;
    for (const which of [checks.filter((c) => !c.reads), checks]) {
      const tally = countRequests(locker);
      let parts = 0;
      const draw = await drawSample({ ...options(locker), checks: which, snapshotsPerPart: 100 });
      parts = draw.parts;
      draw.close();
      expect(parts).toBeGreaterThan(4);
      // Each root and its signature once (and the head's chain link), whatever the number of parts.
      expect(tally.get('GET digests/ signature')).toBe(roots.length);
      expect(tally.get('GET digests/')).toBe(roots.length + 1);
      expect(tally.get('LIST digests/')).toBe(1);
    }
  });

  it('a leaf altered and a snapshot altered are flagged in parts as in one piece', async () => {
    const { dir, locker } = await lockerOf();
    const root = await readDigest(locker, (await listDigests(locker)).digests[1]!.key);
    if (root.digest.schema !== 'evidence.digest/3') throw new Error('expected a root');
    // The leaf of GuardDuty for one shard of the second day: altered, so it seals nothing.
    const ref = root.digest.leaves.find((l) => l.collector === 'guardduty')!;
    writeFileSync(path.join(dir, ...ref.key.split('/')), '{"tampered":true}');
    // And one IAM snapshot's bytes differ from what its leaf sealed.
    const iamKey = (await runSample(options(locker))).samples.find((s) => s.collector === 'iam')!.key!;
    const tampered = Object.create(locker) as Locker;
    tampered.get = async (key: string) => {
      const got = await locker.get(key);
      return key === iamKey ? { ...got, body: Buffer.concat([got.body, Buffer.from(' ')]) } : got;
    };
    const every = { kind: 'all' as const, n: 6 };
    const whole = await runSample({ ...options(tampered), plan: every });
    const split = await runSample({ ...options(tampered), plan: every, snapshotsPerPart: 100 });
    expect(drawn(split)).toEqual(drawn(whole));
    expect(split.samples.find((s) => s.key === iamKey)).toMatchObject({
      result: 'fail',
      integrity: 'hash-mismatch',
    });
    const unsealed = split.samples.filter(
      (s) => s.collector === 'guardduty' && s.day === root.digest.day && shardOf(s.scope) === ref.shard,
    );
    expect(unsealed.length).toBeGreaterThan(0);
    for (const s of unsealed) expect(s).toMatchObject({ result: 'fail', integrity: 'not-sealed' });
    expect(split.chain.problems.map((p) => `${p.key} ${p.problem}`)).toContain(`${ref.key} corrupt`);
  });
});
