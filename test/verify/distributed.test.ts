/**
 * Verify in parts across invocations (shared/verify/distributed.ts: what the deployed verify's
 * state machine runs): plan, parts and merge with their work objects in the emulator's S3 (real
 * SDK), on the synthetic locker. The merge of N parts is verifyInParts' and verify's judgement; a
 * part missing, failed, altered or replaced fails the run closed (`part-not-verified`).
 */
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { sha256Hex } from '../../shared/evidence/canonical.js';
import { addDays } from '../../shared/evidence/days.js';
import { loadSigner, type Signer, trustedKeys } from '../../shared/evidence/signing.js';
import {
  mergeVerifyRun,
  planVerifyRun,
  runVerifyPart,
  s3WorkStore,
  type VerifyPlan,
  WorkRefusedError,
  type WorkStore,
} from '../../shared/verify/distributed.js';
import { verifyInParts } from '../../shared/verify/parts.js';
import type { VerifyResult } from '../../shared/verify/types.js';
import { verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { countRequests, type SyntheticLocker, sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(300_000_000_000 + i));
const REGIONS = ['eu-west-1', 'us-east-1'];
const FROM = '2026-05-01';
const TO = '2026-05-03';
const NOW = `${addDays(TO, 1)}T06:00:00.000Z`;
const collectors = COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id));
const config = parseConfig({
  locker: { retentionDays: 730 },
  aws: { regions: REGIONS, accounts: ACCOUNTS.slice(1).map((id) => ({ id })) },
  auditPeriod: { start: FROM },
});
const base = (locker: SyntheticLocker) => ({
  locker,
  config,
  from: FROM,
  to: TO,
  clock: fixedClock(NOW),
  collectors,
  callerAccount: async () => ACCOUNTS[0]!,
});

/** What a verification judged, in one order. */
const judged = (r: VerifyResult) => ({
  ok: r.ok,
  series: [...r.series].sort((a, b) =>
    `${a.origin}${a.collector}/${a.scope}` < `${b.origin}${b.collector}/${b.scope}` ? -1 : 1,
  ),
  integrity: r.integrity,
  unexpected: [...r.unexpected].sort(),
  chain: r.chain,
  exceptions: r.exceptions,
  verifiedAt: r.verifiedAt,
});

describe('verify in parts across invocations (work objects on S3)', () => {
  let dir: string;
  let locker: SyntheticLocker;
  let work: WorkStore;
  let signer: Signer;
  let trusted: Awaited<ReturnType<typeof trustedKeys>>;
  const s3 = new S3Client(s3ClientOptions());
  let bucket: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-run-'));
    locker = await sealedAwsLocker({
      dir,
      from: FROM,
      to: TO,
      accounts: ACCOUNTS,
      regions: REGIONS,
      form: 3,
    });
    bucket = await createBucket({ objectLock: false });
    work = s3WorkStore(s3, `s3://${bucket}/work`);
    signer = await loadSigner();
    trusted = await trustedKeys(locker);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (runId: string) =>
    planVerifyRun({
      locker,
      work,
      config,
      from: FROM,
      to: TO,
      now: new Date(NOW),
      signer,
      trusted,
      callerAccount: async () => ACCOUNTS[0]!,
      snapshotsPerPart: 40,
      runId,
    });
  const part = (planKey: string, n: number) =>
    runVerifyPart({ locker, work, config, plan: planKey, part: n, signer, trusted, collectors });

  it('plan, parts, merge: the same judgement as verifyInParts and as one verification', async () => {
    const planned = await plan('same');
    expect(planned).toBeDefined();
    expect(planned!.parts.length).toBeGreaterThan(3);
    const told = [];
    for (const n of planned!.parts) told.push(await part(planned!.plan, n));
    const merged = await mergeVerifyRun({ work, plan: planned!.plan, told, trusted: trusted.keys });
    expect(merged.notVerified).toEqual([]);
    const whole = await verify(base(locker));
    const split = await verifyInParts({ ...base(locker), snapshotsPerPart: 40 });
    expect(whole.ok).toBe(true);
    expect(judged(merged.result)).toEqual(judged(split));
    expect(judged(merged.result)).toEqual(judged(whole));
    expect(merged.result.stats.snapshots).toBe(whole.stats.snapshots);
  });

  it('a window that fits one part has no plan: one invocation verifies it', async () => {
    const planned = await planVerifyRun({
      locker,
      work,
      config,
      from: FROM,
      to: TO,
      now: new Date(NOW),
      signer,
      trusted,
    });
    expect(planned).toBeUndefined();
  });

  it('a part missing or failed: part-not-verified naming its shards, never a pass', async () => {
    const planned = (await plan('missing'))!;
    const told: unknown[] = [];
    for (const n of planned.parts.slice(2)) told.push(await part(planned.plan, n));
    // Part 0 failed after its retries (the state machine's catch), part 1 never reported.
    told.push({ part: 0, failure: { Error: 'Lambda.Unknown', Cause: 'out of memory' } });
    const merged = await mergeVerifyRun({ work, plan: planned.plan, told, trusted: trusted.keys });
    expect(merged.result.ok).toBe(false);
    expect(merged.notVerified).toEqual([0, 1]);
    const missing = merged.result.integrity.filter((p) => p.problem === 'part-not-verified');
    expect(missing).toHaveLength(2);
    expect(missing[0]!.detail).toMatch(/part 1 of \d+ .*the part failed \(Lambda.Unknown: out of memory\)/);
    expect(missing[1]!.detail).toMatch(/part 2 of \d+ .*no result/);
  });

  it('a part result altered in the work bucket (a problem removed, re-uploaded): refused, the part counts as not verified', async () => {
    const planned = (await plan('altered'))!;
    const told = [];
    for (const n of planned.parts) told.push(await part(planned.plan, n));
    const victim = told[1]!;
    const doc = JSON.parse((await work.get(victim.key)).toString('utf8')) as { result: VerifyResult };
    doc.result.series = [];
    doc.result.ok = true;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `work/${victim.key}`, Body: JSON.stringify(doc) }),
    );
    const merged = await mergeVerifyRun({ work, plan: planned.plan, told, trusted: trusted.keys });
    expect(merged.result.ok).toBe(false);
    expect(merged.notVerified).toEqual([victim.part]);
    expect(merged.result.integrity.find((p) => p.problem === 'part-not-verified')!.detail).toMatch(
      /not signed by a trusted key/,
    );
  });

  it("another run's result in a part's place (validly signed, another plan): refused", async () => {
    const first = (await plan('first'))!;
    const second = (await plan('second'))!;
    const told = [];
    for (const n of second.parts) told.push(await part(second.plan, n));
    const other = await part(first.plan, 0);
    // Copy the first run's result (and its signature) over the second run's part 0.
    for (const suffix of ['', '.sig'])
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `work/${told[0]!.key}${suffix}`,
          Body: await work.get(`${other.key}${suffix}`),
        }),
      );
    const merged = await mergeVerifyRun({ work, plan: second.plan, told, trusted: trusted.keys });
    expect(merged.notVerified).toEqual([0]);
    expect(merged.result.ok).toBe(false);
  });

  it("a part's share or the chain altered in the work bucket: the part refuses to run", async () => {
    const planned = (await plan('share'))!;
    const key = `verify/share/part-${planned.parts[0]}.tsv`;
    const body = (await work.get(key)).toString('utf8');
    // Drop one leaf reference: the part would not read that leaf.
    const lines = body.split('\n');
    const cut = lines.findIndex((l) => l.startsWith('R\t'));
    lines.splice(cut, 1);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `work/${key}`, Body: lines.join('\n') }));
    await expect(part(planned.plan, planned.parts[0]!)).rejects.toThrow(WorkRefusedError);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'work/verify/share/chain.json', Body: '{"digests":[]}' }),
    );
    await expect(part(planned.plan, planned.parts[1]!)).rejects.toThrow(/chain\.json hashes to/);
  });

  it('the signed records are listed once, in the plan: a record gone or changed after the plan is caught by the part that reads it', async () => {
    // A locker of its own: the verify report written here is the anchor every later run reads.
    const own = await mkdtemp(path.join(tmpdir(), 'verify-run-records-'));
    try {
      const at = await sealedAwsLocker({
        dir: own,
        from: FROM,
        to: TO,
        accounts: ACCOUNTS,
        regions: REGIONS,
        form: 3,
      });
      const first = await verifyInParts({ ...base(at), snapshotsPerPart: 40 });
      expect(first.ok).toBe(true);
      const report = await writeVerifyReport(at, first, 730, signer);
      const run = async (runId: string, after: () => Promise<void>) => {
        const planned = (await planVerifyRun({
          locker: at,
          work,
          config,
          from: FROM,
          to: TO,
          now: new Date(NOW),
          signer,
          trusted,
          callerAccount: async () => ACCOUNTS[0]!,
          snapshotsPerPart: 40,
          runId,
        }))!;
        const doc = JSON.parse((await work.get(planned.plan)).toString('utf8')) as VerifyPlan;
        expect(doc.records?.listed.map(([key]) => key)).toContain(report.key);
        await after();
        const tally = countRequests(at);
        const told = [];
        for (const n of planned.parts)
          told.push(
            await runVerifyPart({
              locker: at,
              work,
              config,
              plan: planned.plan,
              part: n,
              signer,
              trusted,
              collectors,
            }),
          );
        const merged = await mergeVerifyRun({ work, plan: planned.plan, told, trusted: trusted.keys });
        return { ...merged, tally, parts: planned.parts.length, plan: planned.plan };
      };
      // As planned: the report anchors the chain; no part lists the records, each reads the
      // report and its signature.
      const clean = await run('records-clean', async () => {});
      expect(clean.result.ok).toBe(true);
      for (const prefix of ['acknowledgements/', 'retirements/', 'reports/', 'reviews/'])
        expect(clean.tally.get(`LIST ${prefix}`), prefix).toBeUndefined();
      expect(clean.tally.get('GET reports/')).toBe(clean.parts);
      expect(clean.tally.get('GET reports/ signature')).toBe(clean.parts);
      // The plan's records edited (the report dropped, so that no part would read the anchor),
      // not signed again: refused.
      const edited = JSON.parse((await work.get(clean.plan)).toString('utf8')) as VerifyPlan;
      edited.records = { listed: [], signatures: [] };
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: `work/${clean.plan}`, Body: JSON.stringify(edited) }),
      );
      await expect(
        runVerifyPart({ locker: at, work, config, plan: clean.plan, part: 0, signer, trusted, collectors }),
      ).rejects.toThrow(/not signed by a trusted key/);
      // Changed after the plan (a byte added): each part that reads it refuses it.
      const file = path.join(own, ...report.key.split('/'));
      const bytes = await readFile(file);
      const written = await stat(file);
      const changed = await run('records-changed', async () => {
        await chmod(file, 0o644);
        await writeFile(file, Buffer.concat([bytes, Buffer.from(' ')]));
      });
      expect(changed.result.ok).toBe(false);
      expect(changed.result.integrity.filter((p) => p.key === report.key).map((p) => p.problem)).toEqual([
        'hash-mismatch',
      ]);
      // Gone after the plan: deleted, not silently no anchor.
      // Put back as written (bytes and write time), then removed after the next plan.
      await writeFile(file, bytes);
      await utimes(file, written.atime, written.mtime);
      const gone = await run('records-gone', () => rm(file));
      expect(gone.result.ok).toBe(false);
      expect(gone.result.integrity.find((p) => p.key === report.key)).toMatchObject({
        problem: 'deleted',
        detail: expect.stringContaining('listed when the verification was planned, then gone'),
      });
      // Replaced after the plan by other bytes of the same size, signed again by the trusted key,
      // not sealed yet (the report's day is not sealed): the plan's SHA-256 refuses it.
      await writeFile(file, bytes);
      await utimes(file, written.atime, written.mtime);
      const forged = Buffer.from(
        bytes
          .toString('utf8')
          .replace(`"verifiedAt":"${NOW}"`, `"verifiedAt":"${NOW.replace('.000Z', '.001Z')}"`),
      );
      expect(forged.byteLength).toBe(bytes.byteLength);
      expect(forged.equals(bytes)).toBe(false);
      const sigFile = `${file}.sig`;
      const sig = await readFile(sigFile);
      const replaced = await run('records-replaced', async () => {
        await writeFile(file, forged);
        await chmod(sigFile, 0o644);
        await writeFile(sigFile, await signer.sign(forged));
      });
      const planned = JSON.parse((await work.get(replaced.plan)).toString('utf8')) as VerifyPlan;
      expect(planned.records?.listed.find(([key]) => key === report.key)?.[3]).toBe(sha256Hex(bytes));
      expect(replaced.result.ok).toBe(false);
      expect(replaced.result.integrity.find((p) => p.key === report.key)).toMatchObject({
        problem: 'hash-mismatch',
        detail: expect.stringContaining('when the verification was planned: changed while verified'),
      });
      await writeFile(file, bytes);
      await writeFile(sigFile, sig);
      await utimes(file, written.atime, written.mtime);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('a plan not signed by a trusted key: parts and merge refuse it', async () => {
    const planned = (await plan('forged'))!;
    const body = JSON.parse((await work.get(planned.plan)).toString('utf8')) as { parts: unknown[] };
    body.parts = body.parts.slice(0, 1);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `work/${planned.plan}`, Body: JSON.stringify(body) }),
    );
    await expect(part(planned.plan, 0)).rejects.toThrow(WorkRefusedError);
    await expect(
      mergeVerifyRun({ work, plan: planned.plan, told: [], trusted: trusted.keys }),
    ).rejects.toThrow(/not signed by a trusted key/);
  });
});
