/**
 * Verify in parts across invocations: the deployed verify's Step Functions run
 * (infra/constructs/verify-run.ts) as plain functions, used the same way by the handlers
 * (functions/verify.ts, functions/verify-part.ts) and the tests.
 *
 * - plan (`planVerifyRun`): the window's listing read once, the chain of roots walked and
 *   checked once and the signed records listed once, as verifyInParts does; the parts cut
 *   (ranges of account shards). The records' listing travels in the signed plan. Each part's
 *   share (its listing lines and its leaf references) goes to one object of the work store, the
 *   walked chain to another, and the plan names both with their SHA-256 and is signed with the
 *   stack's key. One part: no plan, the caller verifies in one invocation (`verify`).
 * - part (`runVerifyPart`): the plan's signature checked against the trusted keys, the share and
 *   the chain checked against the plan's SHA-256, then `verify` of the part (its leaves only); its
 *   result written next to the plan, naming the plan's SHA-256 and its place, and signed.
 * - merge (`mergeVerifyRun`): the plan's signature checked, every part's result read, its
 *   signature checked and its plan and place compared; the results merged as verifyInParts merges
 *   them. A part without a result that passes these checks (failed, missing, altered, replaced
 *   with another run's) is a `part-not-verified` problem naming its shards: never a pass.
 *
 * Work objects live outside the locker (they are not evidence and expire): whoever may write
 * there can make a run fail, not pass, because nothing is taken from there unsigned (the plan,
 * each result) or unhashed (the shares and the chain, hashed in the signed plan).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AnyCollector } from '../collectors/types.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { compactInstant } from '../evidence/days.js';
import type { ChainDigest, ChainRoots, SealedRecord } from '../evidence/digest.js';
import type { RecordedConfiguration } from '../evidence/records.js';
import { judgeSignature, type Signer, type TrustedKeys } from '../evidence/signing.js';
import { parseS3Url } from '../locker/s3.js';
import type { Locker, ObjectInfo } from '../locker/types.js';
import {
  cutParts,
  mergeParts,
  type PartRange,
  partInput,
  SNAPSHOTS_PER_PART,
  shareOf,
  spillListing,
  walkRootsOnce,
} from './parts.js';
import { hashRecords, listRecords, type RecordListing } from './records.js';
import type { IntegrityProblem, VerifyResult } from './types.js';
import { verify } from './verify.js';

export const PLAN_SCHEMA = 'evidence.verify-plan/1';
export const PART_RESULT_SCHEMA = 'evidence.verify-part/1';

/** Where a run's work objects go: a bucket that is not the locker (they expire; nothing there is evidence). */
export interface WorkStore {
  readonly url: string;
  put(key: string, body: Uint8Array): Promise<void>;
  /** NotFoundError when there is no such object. */
  get(key: string): Promise<Buffer>;
}

/** The work store of an `s3://bucket[/prefix]` URL. */
export function s3WorkStore(client: S3Client, url: string): WorkStore {
  const { bucket, prefix } = parseS3Url(url);
  const at = (key: string) => `${prefix}${key}`;
  return {
    url,
    async put(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: at(key),
          Body: body,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: at(key) }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
          throw new NotFoundError(at(key), { cause: err });
        throw err;
      }
    },
  };
}

/** One part of the plan: its shards, and the object holding its share with that object's SHA-256. */
export interface PlannedPart extends PartRange {
  part: number;
  key: string;
  sha256: string;
}

/** The signed plan of a verification in parts. */
export interface VerifyPlan {
  schema: typeof PLAN_SCHEMA;
  runId: string;
  from: string;
  to: string;
  /** The instant every part judges at (the report's verifiedAt). */
  verifiedAt: string;
  /** The credentials' AWS account (STS), asked once; null when it could not be asked. */
  callerAccount: string | null;
  configuration?: RecordedConfiguration;
  /** Snapshots of the window listed, and the misfiled keys the listing found (reported by the merge). */
  total: number;
  misfiled: IntegrityProblem[];
  /** Requests the plan made (listing and chain), added to the parts' by the merge. */
  requests: number;
  /**
   * The signed records (acknowledgements, retirements, reports, sample runs, reviews), listed
   * once for every part: each listed record as [key, size, lastModified in ms, SHA-256 (absent
   * in plans written before 2026-12-07, or for a record gone before it was hashed)], and the
   * signatures listed. A part reads those it uses, and refuses one gone or changed since: other
   * bytes of the same size, even signed again by a trusted key, are refused by their SHA-256.
   */
  records?: { listed: ([string, number, number] | [string, number, number, string])[]; signatures: string[] };
  chain: { key: string; sha256: string };
  parts: PlannedPart[];
}

export interface PlanOptions {
  locker: Locker;
  work: WorkStore;
  config: Config;
  from: string;
  to: string;
  now: Date;
  signer: Signer;
  trusted: { keys: TrustedKeys; notes: string[] };
  callerAccount?: () => Promise<string>;
  configuration?: RecordedConfiguration;
  snapshotsPerPart?: number;
  concurrency?: number;
  /** The run's name in the work store (default: the instant and a random suffix). */
  runId?: string;
}

/**
 * Plan a verification in parts; `undefined` when the window fits one part (then `verify` it in
 * one invocation, exactly as verifyInParts would). Returns the plan's key and its parts' places.
 */
export async function planVerifyRun(
  options: PlanOptions,
): Promise<{ plan: string; sha256: string; parts: number[] } | undefined> {
  const { locker, work, from, to } = options;
  const limit = options.snapshotsPerPart ?? SNAPSHOTS_PER_PART;
  const width = options.concurrency ?? 16;
  const start = locker.stats.requests;
  const dir = mkdtempSync(path.join(tmpdir(), 'evidence-verify-plan-'));
  try {
    const window = await spillListing(locker, from, to, dir, width);
    const ranges = cutParts(window.counts, limit);
    if (ranges.length <= 1 && window.total <= limit) return undefined;
    const roots = await walkRootsOnce(locker, {
      from,
      to,
      trusted: options.trusted.keys,
      concurrency: width,
      dir,
    });
    const records = await hashRecords(locker, await listRecords(locker), width);
    const runId = options.runId ?? `${compactInstant(options.now)}-${randomBytes(4).toString('hex')}`;
    const base = `verify/${runId}/`;
    const chainBytes = Buffer.from(serializeRoots(roots.chain));
    const chainKey = `${base}chain.json`;
    await work.put(chainKey, chainBytes);
    const parts: PlannedPart[] = [];
    for (const [part, range] of ranges.entries()) {
      const lines: string[] = [];
      for (let shard = range.first; shard <= range.last; shard++) {
        for (const line of window.listing.lines(shard)) lines.push(`L\t${line}\n`);
        for (const line of roots.leaves.lines(shard)) lines.push(`R\t${line}\n`);
      }
      const body = Buffer.from(lines.join(''));
      const key = `${base}part-${part}.tsv`;
      await work.put(key, body);
      parts.push({ part, ...range, key, sha256: sha256(body) });
    }
    let callerAccount: string | null = null;
    if (options.callerAccount) callerAccount = await options.callerAccount().catch(() => null);
    const plan: VerifyPlan = {
      schema: PLAN_SCHEMA,
      runId,
      from,
      to,
      verifiedAt: options.now.toISOString(),
      callerAccount,
      ...(options.configuration && { configuration: options.configuration }),
      total: window.total,
      misfiled: window.misfiled,
      requests: locker.stats.requests - start,
      records: {
        listed: [...records.listed.values()].map((o) =>
          o.sha256 === undefined
            ? [o.key, o.size, o.lastModified.getTime()]
            : [o.key, o.size, o.lastModified.getTime(), o.sha256],
        ),
        signatures: [...records.signatures],
      },
      chain: { key: chainKey, sha256: sha256(chainBytes) },
      parts,
    };
    const planKey = `${base}plan.json`;
    const planBytes = Buffer.from(JSON.stringify(plan));
    await work.put(planKey, planBytes);
    await work.put(`${planKey}.sig`, await options.signer.sign(planBytes));
    return { plan: planKey, sha256: sha256(planBytes), parts: parts.map((p) => p.part) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A work object whose signature or SHA-256 is not what the run wrote: refused. */
export class WorkRefusedError extends Error {
  override name = 'WorkRefusedError';
}

/** The plan, its signature checked against the trusted keys. */
export async function readPlan(
  work: WorkStore,
  key: string,
  trusted: TrustedKeys,
): Promise<{ plan: VerifyPlan; sha256: string }> {
  const body = await work.get(key);
  await checkSigned(work, key, body, trusted, 'plan');
  const plan = JSON.parse(body.toString('utf8')) as VerifyPlan;
  if (plan.schema !== PLAN_SCHEMA)
    throw new WorkRefusedError(`${key}: not a verify plan (${String(plan.schema)})`);
  return { plan, sha256: sha256(body) };
}

export interface PartOptions {
  locker: Locker;
  work: WorkStore;
  config: Config;
  plan: string;
  part: number;
  signer: Signer;
  trusted: { keys: TrustedKeys; notes: string[] };
  collectors?: readonly AnyCollector[];
  concurrency?: number;
}

/** One part of a planned run: verified, its result written and signed. Returns where. */
export async function runVerifyPart(
  options: PartOptions,
): Promise<{ part: number; key: string; sha256: string }> {
  const { work } = options;
  const { plan, sha256: planSha256 } = await readPlan(work, options.plan, options.trusted.keys);
  const planned = plan.parts.find((p) => p.part === options.part);
  if (!planned) throw new WorkRefusedError(`${options.plan} has no part ${options.part}`);
  const shareBytes = await hashed(work, planned.key, planned.sha256);
  const chain = parseRoots((await hashed(work, plan.chain.key, plan.chain.sha256)).toString('utf8'));
  const listing: string[] = [];
  const leaves: string[] = [];
  for (const line of shareBytes.toString('utf8').split('\n')) {
    if (line.startsWith('L\t')) listing.push(line.slice(2));
    else if (line.startsWith('R\t')) leaves.push(line.slice(2));
  }
  const share = shareOf(listing, leaves);
  const account = plan.callerAccount;
  const result = await verify({
    locker: options.locker,
    config: options.config,
    from: plan.from,
    to: plan.to,
    clock: { now: () => new Date(plan.verifiedAt) },
    ...(account && { callerAccount: async () => account }),
    ...(plan.configuration && { configuration: plan.configuration }),
    ...(options.collectors && { collectors: options.collectors }),
    ...(options.concurrency && { concurrency: options.concurrency }),
    part: partInput(planned, share, chain, options.trusted, recordsOf(plan)),
  });
  const body = Buffer.from(
    JSON.stringify({ schema: PART_RESULT_SCHEMA, plan: planSha256, part: planned.part, result }),
  );
  const key = options.plan.replace(/plan\.json$/, `result-${planned.part}.json`);
  await work.put(key, body);
  await work.put(`${key}.sig`, await options.signer.sign(body));
  return { part: planned.part, key, sha256: sha256(body) };
}

/**
 * The parts' results merged into one verification result, as verifyInParts merges them. `told`
 * is what the state machine collected from the parts (their returns, or their failures): only
 * a result the merge can read, whose signature a trusted key verifies and which names this plan
 * and its own place, counts; every other part is a `part-not-verified` problem. Throws when the
 * plan itself cannot be trusted, or no part can (there is nothing to report on).
 */
export async function mergeVerifyRun(options: {
  work: WorkStore;
  plan: string;
  told: readonly unknown[];
  trusted: TrustedKeys;
}): Promise<{ result: VerifyResult; notVerified: number[] }> {
  const { work } = options;
  const { plan, sha256: planSha256 } = await readPlan(work, options.plan, options.trusted);
  const told = new Map<number, { key?: string; error?: string }>();
  for (const t of options.told) {
    if (typeof t !== 'object' || t === null) continue;
    const item = t as { part?: unknown; key?: unknown; failure?: { Error?: unknown; Cause?: unknown } };
    if (typeof item.part !== 'number') continue;
    told.set(item.part, {
      ...(typeof item.key === 'string' && { key: item.key }),
      ...(item.failure && {
        error: `${String(item.failure.Error)}: ${String(item.failure.Cause ?? '')}`.slice(0, 500),
      }),
    });
  }
  const results: VerifyResult[] = [];
  const failures: IntegrityProblem[] = [];
  const notVerified: number[] = [];
  for (const p of plan.parts) {
    const expected = options.plan.replace(/plan\.json$/, `result-${p.part}.json`);
    const why = await (async (): Promise<string | VerifyResult> => {
      const said = told.get(p.part);
      if (said?.error) return `the part failed (${said.error})`;
      let body: Buffer;
      try {
        body = await work.get(expected);
      } catch (err) {
        if (err instanceof NotFoundError)
          return `no result ${expected}${said ? '' : ' (the run did not report the part)'}`;
        throw err;
      }
      try {
        await checkSigned(work, expected, body, options.trusted, 'part result');
      } catch (err) {
        if (err instanceof WorkRefusedError) return err.message;
        throw err;
      }
      let doc: { schema?: unknown; plan?: unknown; part?: unknown; result?: VerifyResult };
      try {
        doc = JSON.parse(body.toString('utf8')) as typeof doc;
      } catch {
        return `${expected} does not parse`;
      }
      if (doc.schema !== PART_RESULT_SCHEMA || doc.plan !== planSha256 || doc.part !== p.part || !doc.result)
        return `${expected} is not the result of part ${p.part} of this plan (it names plan ${String(doc.plan)}, part ${String(doc.part)})`;
      return doc.result;
    })();
    if (typeof why !== 'string') {
      results.push(why);
      continue;
    }
    notVerified.push(p.part);
    failures.push({
      key: `shards/${hex(p.first)}..${hex(p.last)}`,
      problem: 'part-not-verified',
      detail: `part ${p.part + 1} of ${plan.parts.length} (account shards ${hex(p.first)}..${hex(p.last)}, ${p.snapshots} snapshot(s) of the window) was not verified: ${why}. Its series are not judged in this report`,
    });
  }
  if (results.length === 0)
    throw new Error(
      `no part of ${options.plan} was verified (${failures.map((f) => f.detail).join('; ')}): there is nothing to report`,
    );
  const result = mergeParts(results, [...plan.misfiled, ...failures]);
  result.stats.snapshots = plan.total;
  result.stats.requests += plan.requests;
  return { result, notVerified };
}

/** The signed records as the plan listed them. */
function recordsOf(plan: VerifyPlan): RecordListing | undefined {
  // A plan written before plans carried the records (a run across an upgrade): the part lists them.
  if (!plan.records) return undefined;
  const listed: RecordListing['listed'] = new Map();
  for (const [key, size, modified, sha256] of plan.records.listed)
    listed.set(key, { key, size, lastModified: new Date(modified), ...(sha256 !== undefined && { sha256 }) });
  return { listed, signatures: new Set(plan.records.signatures) };
}

/** The chain walked once, as JSON (dates as ISO strings, records naming their digest by place). */
export function serializeRoots(chain: ChainRoots): string {
  const place = new Map(chain.digests.map((d, i) => [d.key, i]));
  return JSON.stringify({
    ...chain,
    digests: chain.digests.map((d) => ({ ...d, ...(d.info && { info: serializeInfo(d.info) }) })),
    records: [...chain.records].map(([key, r]) => [key, r.entry, place.get(r.digest.key) ?? -1]),
  });
}

export function parseRoots(text: string): ChainRoots {
  const raw = JSON.parse(text) as Omit<ChainRoots, 'digests' | 'records'> & {
    digests: (Omit<ChainDigest, 'info'> & { info?: Record<string, unknown> })[];
    records: [string, SealedRecord['entry'], number][];
  };
  const digests: ChainDigest[] = raw.digests.map((d) => {
    const { info, ...rest } = d;
    return { ...rest, ...(info && { info: parseInfo(info) }) };
  });
  const records = new Map<string, SealedRecord>();
  for (const [key, entry, at] of raw.records) {
    const digest = digests[at];
    if (digest) records.set(key, { entry, digest });
  }
  return { ...raw, digests, records };
}

function serializeInfo(info: ObjectInfo): Record<string, unknown> {
  return {
    ...info,
    lastModified: info.lastModified.toISOString(),
    ...(info.retainUntil && { retainUntil: info.retainUntil.toISOString() }),
  };
}

function parseInfo(info: Record<string, unknown>): ObjectInfo {
  return {
    ...(info as unknown as ObjectInfo),
    lastModified: new Date(info.lastModified as string),
    ...(typeof info.retainUntil === 'string' && { retainUntil: new Date(info.retainUntil) }),
  };
}

async function checkSigned(
  work: WorkStore,
  key: string,
  body: Buffer,
  trusted: TrustedKeys,
  what: string,
): Promise<void> {
  let signature: Buffer | undefined;
  try {
    signature = await work.get(`${key}.sig`);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const status = judgeSignature(body, signature, trusted);
  if (status.status !== 'valid')
    throw new WorkRefusedError(
      `the ${what} ${key} is ${status.status === 'unsigned' ? 'not signed' : 'not signed by a trusted key'} (${status.status}): refused`,
    );
}

/** A work object the signed plan names by SHA-256: refused when its bytes are other. */
async function hashed(work: WorkStore, key: string, expected: string): Promise<Buffer> {
  const body = await work.get(key);
  const actual = sha256(body);
  if (actual !== expected)
    throw new WorkRefusedError(`${key} hashes to ${actual}, the signed plan names ${expected}: refused`);
  return body;
}

function sha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function hex(shard: number): string {
  return shard.toString(16).padStart(2, '0');
}
