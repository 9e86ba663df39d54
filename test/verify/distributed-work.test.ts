/**
 * The work objects of a verification in parts (shared/verify/distributed.ts), each tried the
 * way someone who may write to the work bucket could: the plan, the shares, the chain and the
 * results, on the emulator's S3 (real SDK) over a small synthetic locker (4 accounts, one day:
 * 16 snapshots), so that every check is fast enough to run per mutant. Whatever is refused,
 * missing or not this plan's makes the run fail closed (`part-not-verified`, or a refusal), never
 * a pass. test/verify/distributed.test.ts runs the same functions over a larger locker.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import { fixedClock } from '../../shared/clock.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import { NotFoundError } from '../../shared/errors.js';
import { addDays } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import {
  fileSigner,
  judgeSignature,
  loadSigner,
  type Signer,
  trustedKeys,
} from '../../shared/evidence/signing.js';
import {
  mergeVerifyRun,
  PART_RESULT_SCHEMA,
  PLAN_SCHEMA,
  parseRoots,
  planVerifyRun,
  readPlan,
  runVerifyPart,
  s3WorkStore,
  serializeRoots,
  type VerifyPlan,
  WorkRefusedError,
  type WorkStore,
} from '../../shared/verify/distributed.js';
import type { VerifyResult } from '../../shared/verify/types.js';
import { verify, writeVerifyReport } from '../../shared/verify/verify.js';
import { createBucket } from '../helpers/aws.js';
import { type SyntheticLocker, sealedAwsLocker } from '../helpers/synthetic-locker.js';

const ACCOUNTS = Array.from({ length: 4 }, (_, i) => String(300_000_000_000 + i));
const REGIONS = ['eu-west-1'];
const DAY = '2026-05-01';
/** The first verification, whose signed report the next day's digest seals. */
const REPORT_AT = `${addDays(DAY, 1)}T06:00:00.000Z`;
/** Past the seal grace of DAY: a snapshot no leaf seals is `not-sealed` by now, not pending. */
const NOW = `${addDays(DAY, 3)}T06:00:00.000Z`;
const PER_PART = 4;
const collectors = COLLECTORS.filter((c) => ['guardduty', 'aws-config', 'iam', 'cloudtrail'].includes(c.id));
const config = parseConfig({
  locker: { retentionDays: 730 },
  aws: { regions: REGIONS, accounts: ACCOUNTS.slice(1).map((id) => ({ id })) },
  auditPeriod: { start: DAY },
});
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex = (n: number) => n.toString(16).padStart(2, '0');

/** What a verification judged, in one order. */
const judged = (r: VerifyResult) => ({
  ok: r.ok,
  series: [...r.series].sort((a, b) => (`${a.collector}/${a.scope}` < `${b.collector}/${b.scope}` ? -1 : 1)),
  integrity: r.integrity,
  chain: r.chain,
  verifiedAt: r.verifiedAt,
});

describe('verify in parts: the work objects refused when they are not what the plan signed', () => {
  let dir: string;
  let locker: SyntheticLocker;
  let work: WorkStore;
  let signer: Signer;
  let stranger: Signer;
  let trusted: Awaited<ReturnType<typeof trustedKeys>>;
  let report: string;
  const s3 = new S3Client(s3ClientOptions());
  let bucket: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'verify-work-'));
    signer = await loadSigner();
    locker = await sealedAwsLocker({
      dir,
      from: DAY,
      to: DAY,
      accounts: ACCOUNTS,
      regions: REGIONS,
      form: 3,
      signer,
    });
    // A signed record, sealed the next day: the plan lists it, the chain carries it.
    const first = await verify({
      locker,
      config,
      from: DAY,
      to: DAY,
      clock: fixedClock(REPORT_AT),
      collectors,
    });
    report = (await writeVerifyReport(locker, first, 730, signer)).key;
    await seal(locker, {
      day: addDays(DAY, 1),
      clock: fixedClock(`${addDays(DAY, 2)}T03:00:00.000Z`),
      retentionDays: 730,
      form: 3,
      signer,
    });
    bucket = await createBucket({ objectLock: false });
    work = s3WorkStore(s3, `s3://${bucket}/work/`);
    stranger = await fileSigner(path.join(dir, 'stranger.pem'), { create: true });
    trusted = await trustedKeys(locker);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (runId: string | undefined, over: Partial<Parameters<typeof planVerifyRun>[0]> = {}) =>
    planVerifyRun({
      locker,
      work,
      config,
      from: DAY,
      to: DAY,
      now: new Date(NOW),
      signer,
      trusted,
      callerAccount: async () => ACCOUNTS[0]!,
      snapshotsPerPart: PER_PART,
      runId,
      ...over,
    });
  const part = (planKey: string, n: number) =>
    runVerifyPart({ locker, work, config, plan: planKey, part: n, signer, trusted, collectors });
  const merge = (planKey: string, told: readonly unknown[]) =>
    mergeVerifyRun({ work, plan: planKey, told, trusted: trusted.keys });
  const planDoc = async (key: string) => JSON.parse((await work.get(key)).toString('utf8')) as VerifyPlan;
  /** Write straight into the work bucket, as anyone with write access to it could. */
  const put = (key: string, body: string | Uint8Array) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: `work/${key}`, Body: body }));
  const remove = (key: string) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `work/${key}` }));
  /** Every part run, then merged. */
  const runAll = async (runId: string) => {
    const planned = (await plan(runId))!;
    const told = [];
    for (const n of planned.parts) told.push(await part(planned.plan, n));
    return { planned, told };
  };

  it('the plan: signed, naming the window, the shares and the chain by SHA-256, the records listed', async () => {
    const before = locker.stats.requests;
    const planned = (await plan('plan'))!;
    const made = locker.stats.requests - before;
    expect(planned.plan).toBe('verify/plan/plan.json');
    const body = await work.get(planned.plan);
    expect(planned.sha256).toBe(sha(body));
    expect(judgeSignature(body, await work.get('verify/plan/plan.json.sig'), trusted.keys).status).toBe(
      'valid',
    );
    const doc = await planDoc(planned.plan);
    expect(doc).toMatchObject({
      schema: PLAN_SCHEMA,
      runId: 'plan',
      from: DAY,
      to: DAY,
      verifiedAt: NOW,
      callerAccount: ACCOUNTS[0],
      total: 16,
      misfiled: [],
    });
    expect(doc.configuration).toBeUndefined();
    // The plan's own requests (listing, chain, records), not the locker's count since it was opened.
    expect(doc.requests).toBeGreaterThan(0);
    expect(doc.requests).toBe(made);
    expect(doc.chain).toEqual({
      key: 'verify/plan/chain.json',
      sha256: sha(await work.get('verify/plan/chain.json')),
    });
    expect(doc.parts.map((p) => p.part)).toEqual(planned.parts);
    expect(planned.parts).toEqual([0, 1, 2, 3]);
    let snapshots = 0;
    for (const p of doc.parts) {
      expect(p.key).toBe(`verify/plan/part-${p.part}.tsv`);
      const share = await work.get(p.key);
      expect(p.sha256).toBe(sha(share));
      const lines = share.toString('utf8').split('\n');
      expect(lines.at(-1)).toBe('');
      expect(lines.slice(0, -1).every((l) => /^[LR]\t/.test(l))).toBe(true);
      // Four snapshots of one account, and the leaf references of its shard.
      expect(lines.filter((l) => l.startsWith('L\t'))).toHaveLength(p.snapshots);
      expect(lines.filter((l) => l.startsWith('R\t')).length).toBeGreaterThan(0);
      snapshots += p.snapshots;
      expect(p.first).toBeLessThanOrEqual(p.last);
    }
    expect(snapshots).toBe(16);
    const [listed] = doc.records!.listed.filter(([key]) => key === report);
    expect(listed).toHaveLength(4);
    expect(listed![3]).toBe(sha((await locker.get(report)).body));
    expect(doc.records!.signatures).toContain(`${report}.sig`);
  });

  it('the run id: the instant and 8 hex digits unless named; the configuration and an unknown account recorded as given', async () => {
    const configuration = { sha256: 'a'.repeat(64), fileSha256: null, key: 'configs/x.json' };
    const planned = (await plan(undefined, {
      callerAccount: async () => Promise.reject(new Error('no STS')),
      configuration,
    }))!;
    expect(planned.plan).toMatch(/^verify\/20260504T060000000Z-[0-9a-f]{8}\/plan\.json$/);
    const doc = await planDoc(planned.plan);
    expect(doc.callerAccount).toBeNull();
    expect(doc.configuration).toEqual(configuration);
    // The part judges under the configuration the plan recorded, not its own reading of it.
    const judgedUnder = JSON.parse((await work.get((await part(planned.plan, 0)).key)).toString('utf8'));
    expect(judgedUnder.result.configuration).toMatchObject(configuration);
    const none = (await plan('no-account', { callerAccount: undefined }))!;
    expect((await planDoc(none.plan)).callerAccount).toBeNull();
  });

  it('one part: no plan when the window fits the bound, a plan a snapshot over it', async () => {
    expect(await plan('fits', { snapshotsPerPart: 16 })).toBeUndefined();
    expect((await plan('over', { snapshotsPerPart: 15 }))!.parts.length).toBeGreaterThan(1);
  });

  it('plan, parts, merge: the judgement of one verification; requests and snapshots counted once', async () => {
    const { planned, told } = await runAll('same');
    const merged = await merge(planned.plan, [
      null,
      'x',
      7,
      { part: '0', failure: { Error: 'not a place' } },
      ...told,
    ]);
    expect(merged.notVerified).toEqual([]);
    const whole = await verify({
      locker,
      config,
      from: DAY,
      to: DAY,
      clock: fixedClock(NOW),
      collectors,
      callerAccount: async () => ACCOUNTS[0]!,
    });
    expect(whole.ok).toBe(true);
    expect(judged(merged.result)).toEqual(judged(whole));
    expect(merged.result.stats.snapshots).toBe(16);
    const doc = await planDoc(planned.plan);
    let requests = doc.requests;
    for (const t of told) {
      const result = JSON.parse((await work.get(t.key)).toString('utf8'));
      requests += result.result.stats.requests;
    }
    expect(merged.result.stats.requests).toBe(requests);
  });

  it("a part's result: signed, next to the plan, naming the plan's SHA-256 and its place", async () => {
    // A run named like the plan's file: only the file name at the end is replaced.
    const planned = (await plan('plan.json'))!;
    const out = await part(planned.plan, 2);
    expect(out.part).toBe(2);
    expect(out.key).toBe('verify/plan.json/result-2.json');
    const merged = await merge(planned.plan, [{ part: 0, failure: { Error: 'E', Cause: 'C' } }]);
    expect(merged.notVerified).toEqual([0, 1, 3]);
    expect(merged.result.integrity.map((p) => p.detail.replace(/^.* was not verified: /, ''))).toEqual([
      'the part failed (E: C). Its series are not judged in this report',
      'no result verify/plan.json/result-1.json (the run did not report the part). Its series are not judged in this report',
      'no result verify/plan.json/result-3.json (the run did not report the part). Its series are not judged in this report',
    ]);
    const body = await work.get(out.key);
    expect(out.sha256).toBe(sha(body));
    expect(judgeSignature(body, await work.get(`${out.key}.sig`), trusted.keys).status).toBe('valid');
    const doc = JSON.parse(body.toString('utf8'));
    expect(doc).toMatchObject({ schema: PART_RESULT_SCHEMA, plan: planned.sha256, part: 2 });
    expect(doc.result).toMatchObject({ from: DAY, to: DAY, verifiedAt: NOW, ok: true });
    // Its own account shards only: the series of the other accounts are not its to judge.
    expect(doc.result.series.length).toBeGreaterThan(0);
    expect(doc.result.series.length).toBeLessThan(16);
  });

  it('a plan unsigned, signed by a stranger, or signed but no plan: refused by the part and the merge', async () => {
    const planned = (await plan('forged'))!;
    const body = await work.get(planned.plan);
    await put('verify/unsigned/plan.json', body);
    await expect(readPlan(work, 'verify/unsigned/plan.json', trusted.keys)).rejects.toThrow(
      new WorkRefusedError('the plan verify/unsigned/plan.json is not signed (unsigned): refused'),
    );
    await put('verify/stranger/plan.json', body);
    await put('verify/stranger/plan.json.sig', await stranger.sign(body));
    await expect(part('verify/stranger/plan.json', 0)).rejects.toThrow(
      new WorkRefusedError(
        'the plan verify/stranger/plan.json is not signed by a trusted key (bad-signature): refused',
      ),
    );
    await expect(merge('verify/stranger/plan.json', [])).rejects.toThrow(WorkRefusedError);
    const other = Buffer.from(
      JSON.stringify({ ...(await planDoc(planned.plan)), schema: PART_RESULT_SCHEMA }),
    );
    await put('verify/schema/plan.json', other);
    await put('verify/schema/plan.json.sig', await signer.sign(other));
    await expect(readPlan(work, 'verify/schema/plan.json', trusted.keys)).rejects.toThrow(
      new WorkRefusedError('verify/schema/plan.json: not a verify plan (evidence.verify-part/1)'),
    );
    const read = await readPlan(work, planned.plan, trusted.keys);
    expect(read.sha256).toBe(planned.sha256);
    expect(read.plan.runId).toBe('forged');
  });

  it('a part the plan does not name, a share or the chain altered: the part refuses to run', async () => {
    const planned = (await plan('refuse'))!;
    await expect(part(planned.plan, 4)).rejects.toThrow(
      new WorkRefusedError('verify/refuse/plan.json has no part 4'),
    );
    const doc = await planDoc(planned.plan);
    const share = await work.get(doc.parts[0]!.key);
    await put(doc.parts[0]!.key, Buffer.concat([share, Buffer.from('L\t')]));
    await expect(part(planned.plan, 0)).rejects.toThrow(
      new RegExp(
        `^verify/refuse/part-0\\.tsv hashes to [0-9a-f]{64}, the signed plan names ${doc.parts[0]!.sha256}: refused$`,
      ),
    );
    const chain = await work.get(doc.chain.key);
    await put(doc.chain.key, Buffer.concat([chain, Buffer.from(' ')]));
    await expect(part(planned.plan, 1)).rejects.toThrow(WorkRefusedError);
  });

  describe('the merge: a part without a result it can trust is part-not-verified, naming why', () => {
    const problems = (r: VerifyResult) => r.integrity.filter((p) => p.problem === 'part-not-verified');

    it('failed (its error cut at 500 characters), missing as reported or not reported: each named, with its shards', async () => {
      const { planned, told } = await runAll('missing');
      const doc = await planDoc(planned.plan);
      await remove(told[2]!.key);
      const said = [
        { part: 0, failure: { Error: 'Lambda.Unknown', Cause: 'x'.repeat(600) } },
        { part: 1, failure: { Error: 'States.Timeout' } },
        told[2],
        told[3],
      ];
      const merged = await merge(planned.plan, said);
      expect(merged.result.ok).toBe(false);
      expect(merged.notVerified).toEqual([0, 1, 2]);
      const found = problems(merged.result);
      const p = doc.parts;
      const where = (i: number) =>
        `part ${i + 1} of 4 (account shards ${hex(p[i]!.first)}..${hex(p[i]!.last)}, ${p[i]!.snapshots} snapshot(s) of the window) was not verified: `;
      expect(found.map((f) => f.key)).toEqual(
        p.slice(0, 3).map((x) => `shards/${hex(x.first)}..${hex(x.last)}`),
      );
      expect(found.map((f) => f.detail)).toEqual([
        `${where(0)}the part failed (${`Lambda.Unknown: ${'x'.repeat(600)}`.slice(0, 500)}). Its series are not judged in this report`,
        `${where(1)}the part failed (States.Timeout: ). Its series are not judged in this report`,
        `${where(2)}no result verify/missing/result-2.json. Its series are not judged in this report`,
      ]);
      // The parts verified still judge their series; the others' are not judged, never passed.
      expect(merged.result.series.length).toBeGreaterThan(0);
    });

    it('nothing verified: the merge throws, naming every part, rather than report nothing', async () => {
      const planned = (await plan('none'))!;
      await expect(merge(planned.plan, [])).rejects.toThrow(
        /^no part of verify\/none\/plan\.json was verified \(part 1 of 4 .*no result verify\/none\/result-0\.json \(the run did not report the part\).*; part 4 of 4 .*\): there is nothing to report$/,
      );
    });

    it("unsigned, signed by a stranger, or another part's result in its place: refused", async () => {
      const { planned, told } = await runAll('refused');
      const body = (i: number) => work.get(told[i]!.key);
      // 0: its signature removed.
      await remove(`${told[0]!.key}.sig`);
      // 1: altered and signed by a stranger.
      const altered = JSON.parse((await body(1)).toString('utf8'));
      altered.result.integrity = [];
      const alteredBytes = Buffer.from(JSON.stringify(altered));
      await put(told[1]!.key, alteredBytes);
      await put(`${told[1]!.key}.sig`, await stranger.sign(alteredBytes));
      // 3: part 2's result (validly signed) in part 3's place.
      const two = await part(planned.plan, 2);
      const twoBytes = await work.get(two.key);
      await put(told[3]!.key, twoBytes);
      await put(`${told[3]!.key}.sig`, await signer.sign(twoBytes));
      const merged = await merge(planned.plan, told);
      expect(merged.notVerified).toEqual([0, 1, 3]);
      const why = problems(merged.result).map((p) => p.detail.replace(/^.* was not verified: /, ''));
      expect(why).toEqual([
        'the part result verify/refused/result-0.json is not signed (unsigned): refused. Its series are not judged in this report',
        'the part result verify/refused/result-1.json is not signed by a trusted key (bad-signature): refused. Its series are not judged in this report',
        `verify/refused/result-3.json is not the result of part 3 of this plan (it names plan ${planned.sha256}, part 2). Its series are not judged in this report`,
      ]);
    });

    it('signed by the trusted key but not JSON, of another schema, another plan, or without a result: refused', async () => {
      const { planned, told } = await runAll('shapes');
      const doc = JSON.parse((await work.get(told[0]!.key)).toString('utf8'));
      const signedPut = async (key: string, bytes: Buffer) => {
        await put(key, bytes);
        await put(`${key}.sig`, await signer.sign(bytes));
      };
      await signedPut(told[0]!.key, Buffer.from('not json'));
      await signedPut(told[1]!.key, Buffer.from(JSON.stringify({ ...doc, part: 1, schema: PLAN_SCHEMA })));
      await signedPut(told[2]!.key, Buffer.from(JSON.stringify({ ...doc, part: 2, plan: 'b'.repeat(64) })));
      const why = async () =>
        problems((await merge(planned.plan, told)).result).map((p) =>
          p.detail.replace(/^.* was not verified: /, ''),
        );
      const tail = '. Its series are not judged in this report';
      expect(await why()).toEqual([
        `verify/shapes/result-0.json does not parse${tail}`,
        `verify/shapes/result-1.json is not the result of part 1 of this plan (it names plan ${planned.sha256}, part 1)${tail}`,
        `verify/shapes/result-2.json is not the result of part 2 of this plan (it names plan ${'b'.repeat(64)}, part 2)${tail}`,
      ]);
      const { result: _, ...without } = doc;
      await signedPut(told[0]!.key, Buffer.from(JSON.stringify(without)));
      expect((await why())[0]).toBe(
        `verify/shapes/result-0.json is not the result of part 0 of this plan (it names plan ${planned.sha256}, part 0)${tail}`,
      );
    });
  });

  it("the plan's records: the part judges the listing the plan signed, each record as listed, none dropped or added", async () => {
    const planned = (await plan('records'))!;
    const doc = await planDoc(planned.plan);
    /** The plan with its records edited, signed by the trusted key (as only the stack could), and part 0 run under it. */
    const under = async (
      name: string,
      edit: (r: NonNullable<VerifyPlan['records']>) => void,
      none = false,
    ) => {
      const records = structuredClone(doc.records!);
      edit(records);
      const { records: _, ...rest } = doc;
      const body = Buffer.from(JSON.stringify({ ...rest, runId: name, ...(!none && { records }) }));
      await put(`verify/${name}/plan.json`, body);
      await put(`verify/${name}/plan.json.sig`, await signer.sign(body));
      const out = await part(`verify/${name}/plan.json`, 0);
      return JSON.parse((await work.get(out.key)).toString('utf8')).result as VerifyResult;
    };
    type Records = NonNullable<VerifyPlan['records']>;
    const at = (r: Records) => r.listed.findIndex(([key]) => key === report);
    const problems = (r: VerifyResult) => r.integrity.map((p) => `${p.key} ${p.problem}: ${p.detail}`);
    // A plan written before plans carried the records (a run across an upgrade): the part lists them.
    const older = await under('records-none', () => {}, true);
    expect(older.integrity).toEqual([]);
    expect(older.chain.checkedAgainst).toBe(report);
    // As signed: nothing wrong, and the report listed anchors the chain.
    const honest = await under('records-honest', () => {});
    expect(honest.ok).toBe(true);
    expect(honest.integrity).toEqual([]);
    expect(honest.chain.checkedAgainst).toBe(report);
    // Each record read as the plan lists it, not listed again by the part: another SHA-256 ...
    const other = await under('records-sha', (r) => {
      r.listed[at(r)]![3] = 'f'.repeat(64);
    });
    expect(other.ok).toBe(false);
    expect(problems(other)).toEqual([
      `${report} hash-mismatch: verify report with SHA-256 ${sha((await locker.get(report)).body)} when read, ${'f'.repeat(64)} when the verification was planned: changed while verified`,
    ]);
    // ... another size ...
    const size = await under('records-size', (r) => {
      r.listed[at(r)]![1] += 1;
    });
    const bytes = (await locker.get(report)).body.byteLength;
    expect(problems(size)).toEqual([
      `${report} hash-mismatch: verify report of ${bytes} bytes when read, ${bytes + 1} when listed: changed while verified`,
    ]);
    // ... its signature not listed ...
    const unsigned = await under('records-unsigned', (r) => {
      r.signatures = r.signatures.filter((k) => k !== `${report}.sig`);
    });
    expect(problems(unsigned)).toEqual([
      `${report} unsigned: verify report without a signature ${report}.sig: it excuses nothing; it cannot anchor the chain`,
    ]);
    // ... the record dropped: the part does not find it (no anchor) ...
    const dropped = await under('records-dropped', (r) => {
      r.listed.splice(at(r), 1);
    });
    expect(dropped.chain.checkedAgainst).toBeNull();
    // ... a record added that the locker does not hold: listed when planned, gone when read.
    const gone = 'reports/verify/20260502T070000000Z.json';
    const added = await under('records-added', (r) => {
      r.listed.push([gone, 10, r.listed[at(r)]![2], 'a'.repeat(64)]);
      r.signatures.push(`${gone}.sig`);
    });
    expect(added.ok).toBe(false);
    expect(problems(added)).toContain(
      `${gone} deleted: verify report listed when the verification was planned, then gone when read`,
    );
  });

  it('the chain of roots as JSON and back: the same text, dates as dates, a record naming no digest dropped', async () => {
    const planned = (await plan('roots'))!;
    const doc = await planDoc(planned.plan);
    const text = (await work.get(doc.chain.key)).toString('utf8');
    const roots = parseRoots(text);
    expect(serializeRoots(roots)).toBe(text);
    expect(roots.digests.length).toBe(2);
    for (const d of roots.digests) {
      expect(d.info?.lastModified).toBeInstanceOf(Date);
      expect(d.info?.retainUntil).toBeInstanceOf(Date);
    }
    expect([...roots.records.keys()]).toContain(report);
    expect(roots.records.get(report)!.digest.day).toBe(addDays(DAY, 1));
    const raw = JSON.parse(text);
    raw.records = raw.records.map(([key, entry]: [string, unknown]) => [key, entry, 9]);
    expect(parseRoots(JSON.stringify(raw)).records.size).toBe(0);
    // A digest read without its object's information (none kept), one kept with no retention
    // (a directory locker), and a record whose digest is not in the chain: dropped on the way
    // out, never attached to another digest (the first, or the one after it).
    const [first, second] = roots.digests;
    const { retainUntil: _, ...unretained } = second!.info!;
    const odd = {
      ...roots,
      digests: [
        { ...first!, info: undefined },
        { ...second!, info: unretained },
      ],
      records: new Map([
        ...roots.records,
        [
          'reports/verify/elsewhere.json',
          { ...roots.records.get(report)!, digest: { ...first!, key: 'digests/none' } },
        ],
      ]),
    };
    const back = parseRoots(serializeRoots(odd));
    expect(back.digests[0]!.info).toBeUndefined();
    expect(back.digests[1]!.info).toEqual(unretained);
    expect('retainUntil' in back.digests[1]!.info!).toBe(false);
    expect([...back.records.keys()]).toEqual([...roots.records.keys()]);
  });

  it('the S3 work store: keys under its prefix; a missing object NotFoundError; any other error thrown as it is', async () => {
    await work.put('verify/store/x.json', Buffer.from('x'));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'work/verify/store/x.json' }));
    expect(await got.Body!.transformToString()).toBe('x');
    expect((await work.get('verify/store/x.json')).toString()).toBe('x');
    await expect(work.get('verify/store/none.json')).rejects.toThrow(NotFoundError);
    const failing = new S3Client(s3ClientOptions());
    failing.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('injected'), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        });
      },
      { step: 'initialize' },
    );
    const err = await s3WorkStore(failing, `s3://${bucket}/work/`)
      .get('verify/store/x.json')
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect((err as Error).name).toBe('InternalError');
    // Missing either way S3 may say it: the error's name alone, or the status alone.
    for (const [name, status] of [
      ['NoSuchKey', undefined],
      ['NotFound', 404],
    ] as const) {
      const answering = new S3Client(s3ClientOptions());
      const thrown = Object.assign(new Error('injected'), { name, $metadata: { httpStatusCode: status } });
      answering.middlewareStack.add(
        () => async () => {
          throw thrown;
        },
        { step: 'initialize' },
      );
      const missing = await s3WorkStore(answering, `s3://${bucket}/work/`)
        .get('verify/store/x.json')
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect((missing as Error).message).toContain('work/verify/store/x.json');
      expect((missing as Error).cause).toBe(thrown);
    }
    // An error with no HTTP status at all (the connection lost): thrown as it is.
    const offline = new S3Client(s3ClientOptions());
    const lost = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    offline.middlewareStack.add(
      () => async () => {
        throw lost;
      },
      { step: 'initialize' },
    );
    expect(
      await s3WorkStore(offline, `s3://${bucket}/work/`)
        .get('verify/store/x.json')
        .catch((e: unknown) => e),
    ).toBe(lost);
    // Each work object is written with its SHA-256, which S3 checks on receipt.
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'work/verify/store/x.json', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumSHA256).toBe(createHash('sha256').update('x').digest('base64'));
  });
});
