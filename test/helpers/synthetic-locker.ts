/**
 * A synthetic locker: the snapshots of a window of days × series are generated on demand (never
 * stored, so the size of a locker does not depend on the disk), everything written (digests,
 * signatures, chain links, reports) goes to a real directory locker underneath. It stands where
 * an S3 locker would: write-once, every object locked (COMPLIANCE) with a version id and the
 * store's SHA-256, and it counts requests and bytes read. Used by bench/org-verify.bench.ts at
 * organization size and by tests at small size; two instances with the same spec and directory
 * see the same locker (the bench seals in one process and verifies in another).
 */
import { createHash } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { fixedClock } from '../../shared/clock.js';
import { AlreadyExistsError } from '../../shared/errors.js';
import { canonicalBytes, sha256Hex } from '../../shared/evidence/canonical.js';
import { addDays, addDaysToInstant, compactInstant, daysBetween } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import type { Signer } from '../../shared/evidence/signing.js';
import {
  SNAPSHOT_PREFIX,
  SNAPSHOT_SCHEMA,
  type Snapshot,
  snapshotKey,
} from '../../shared/evidence/snapshot.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import type {
  ListedObject,
  Locker,
  ObjectInfo,
  PutOptions,
  PutResult,
  SignedRead,
} from '../../shared/locker/types.js';

export interface SyntheticSeries {
  collector: string;
  scope: string;
}

export interface SyntheticSpec {
  /** Directory of the objects written (digests, signatures, links, reports). */
  dir: string;
  /** First and last day with snapshots (one per series and day, collected at 00:05 UTC). */
  from: string;
  to: string;
  series: readonly SyntheticSeries[];
  /** The configuration's locker.retentionDays: a written object's write time is its retain-until less this. */
  retentionDays: number;
}

/** The AWS series of `accounts` accounts × `regions`: regional collectors per region, the others per account. */
export function awsSeries(
  accounts: readonly string[],
  regions: readonly string[],
  collectors: { regional: readonly string[]; account: readonly string[] },
): SyntheticSeries[] {
  const out: SyntheticSeries[] = [];
  for (const a of accounts) {
    for (const c of collectors.account) out.push({ collector: c, scope: `aws-${a}` });
    for (const c of collectors.regional)
      for (const r of regions) out.push({ collector: c, scope: `aws-${a}-${r}` });
  }
  return out;
}

/**
 * A synthetic locker of the four AWS collectors (GuardDuty and AWS Config per region, IAM and
 * CloudTrail per account) of `accounts` × `regions`, retention 730 days, every day from `from` to
 * `to` sealed at 03:00 UTC the day after (in `form`, with `signer`: the defaults when not given).
 */
export async function sealedAwsLocker(spec: {
  dir: string;
  from: string;
  to: string;
  accounts: readonly string[];
  regions: readonly string[];
  form?: 2 | 3;
  signer?: Signer;
}): Promise<SyntheticLocker> {
  const locker = new SyntheticLocker({
    dir: spec.dir,
    from: spec.from,
    to: spec.to,
    retentionDays: 730,
    series: awsSeries(spec.accounts, spec.regions, {
      regional: ['guardduty', 'aws-config'],
      account: ['iam', 'cloudtrail'],
    }),
  });
  for (const day of daysBetween(spec.from, spec.to))
    await seal(locker, {
      day,
      clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
      retentionDays: 730,
      form: spec.form,
      signer: spec.signer,
    });
  return locker;
}

const RUN_ID = 'synthetic';

export class SyntheticLocker implements Locker {
  readonly kind = 's3' as const;
  readonly worm = true;
  readonly stats = { requests: 0, bytesRead: 0 };
  readonly url: string;
  private readonly written: DirectoryLocker;
  private readonly days: string[];
  private readonly daySet: Set<string>;
  /** Keys of one day's snapshots in listing order, without the day (the same every day). */
  private readonly suffixes: string[];
  private readonly bySuffix = new Map<string, SyntheticSeries>();
  /** A series' snapshot size (the same every day: a day is always 10 characters). */
  private readonly sizes = new Map<string, number>();

  constructor(readonly spec: SyntheticSpec) {
    this.url = `synthetic://${spec.dir}`;
    this.written = new DirectoryLocker(spec.dir);
    this.days = daysBetween(spec.from, spec.to);
    this.daySet = new Set(this.days);
    for (const s of spec.series) {
      const suffix = snapshotKey({ ...s, collectedAt: `${spec.from}T00:05:00.000Z`, runId: RUN_ID }).slice(
        SNAPSHOT_PREFIX.length + 11,
      );
      // The file name carries the day's instant: kept apart, the rest is the same every day.
      const series = suffix.slice(0, suffix.lastIndexOf('/') + 1);
      this.bySuffix.set(series, s);
    }
    this.suffixes = [...this.bySuffix.keys()].sort(byteOrder);
  }

  /** The snapshot the locker holds for a series on a day (what a GET returns). */
  snapshot(series: SyntheticSeries, day: string): Snapshot {
    return {
      schema: SNAPSHOT_SCHEMA,
      collector: series.collector,
      scope: series.scope,
      day,
      collectedAt: `${day}T00:05:00.000Z`,
      controls: ['CC7.2'],
      status: 'ok',
      errors: [],
      stats: { requests: 1, items: 1, pages: 1, durationMs: 100 },
      tool: { name: 'synthetic', version: '0' },
      runId: RUN_ID,
      data: { detectors: 1 },
    };
  }

  private generated(key: string): { snapshot: Snapshot; body: Buffer; info: ObjectInfo } | undefined {
    if (!key.startsWith(SNAPSHOT_PREFIX)) return undefined;
    const day = key.slice(SNAPSHOT_PREFIX.length, SNAPSHOT_PREFIX.length + 10);
    if (!this.daySet.has(day)) return undefined;
    const rest = key.slice(SNAPSHOT_PREFIX.length + 11);
    const series = this.bySuffix.get(rest.slice(0, rest.lastIndexOf('/') + 1));
    if (!series) return undefined;
    const snapshot = this.snapshot(series, day);
    if (snapshotKey(snapshot) !== key) return undefined;
    const body = canonicalBytes(snapshot);
    const lastModified = new Date(`${day}T00:05:01.000Z`);
    return {
      snapshot,
      body,
      info: {
        key,
        size: body.byteLength,
        lastModified,
        versionId: versionOf(key),
        sha256: sha256Hex(body),
        lockMode: 'COMPLIANCE',
        retainUntil: addDaysToInstant(lastModified, this.spec.retentionDays),
      },
    };
  }

  async check(): Promise<void> {
    this.stats.requests++;
    await this.written.check();
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<PutResult> {
    this.stats.requests++;
    if (this.generated(key)) throw new AlreadyExistsError(key);
    const result = await this.written.put(key, body, options);
    // The store's write time is the record's own (sealedAt, ...), as on S3 written under that clock.
    const at = addDaysToInstant(options.retainUntil, -this.spec.retentionDays);
    await utimes(path.join(this.spec.dir, ...key.split('/')), at, at);
    return { ...result, versionId: versionOf(key) };
  }

  async get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    this.stats.requests++;
    const made = this.generated(key);
    if (made) {
      this.stats.bytesRead += made.body.byteLength;
      return { body: made.body, info: made.info };
    }
    const { body, info } = await this.written.get(key);
    this.stats.bytesRead += body.byteLength;
    return { body, info: this.locked(info, body) };
  }

  /**
   * As S3 does it: one GetObject, whose metadata holds the signature of an object written with
   * one; a second GET of `<key>.sig` for an object without (counted, with its bytes).
   */
  async getSigned(key: string): Promise<SignedRead> {
    this.stats.requests++;
    const made = this.generated(key);
    if (made) {
      this.stats.bytesRead += made.body.byteLength;
      this.stats.requests++; // the GET of a `.sig` S3 would find missing
      return { body: made.body, info: made.info, from: 'none' };
    }
    const read = await this.written.getSigned(key);
    this.stats.bytesRead += read.body.byteLength;
    if (read.from !== 'metadata') {
      this.stats.requests++;
      this.stats.bytesRead += read.signature?.byteLength ?? 0;
    }
    return { ...read, info: this.locked(read.info, read.body) };
  }

  async head(key: string): Promise<ObjectInfo> {
    this.stats.requests++;
    const made = this.generated(key);
    if (made) return made.info;
    const { body, info } = await this.written.get(key);
    return this.locked(info, body);
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    // One request per 1,000 keys, as S3's ListObjectsV2.
    let listed = 0;
    this.stats.requests++;
    const count = () => {
      if (++listed % 1000 === 0) this.stats.requests++;
    };
    const generated = this.generatedKeys(prefix);
    const stored = this.written.list(prefix)[Symbol.asyncIterator]();
    let next = await stored.next();
    for (const item of generated) {
      while (!next.done && byteOrder(next.value.key, item.key) < 0) {
        count();
        yield next.value;
        next = await stored.next();
      }
      count();
      yield item;
    }
    while (!next.done) {
      count();
      yield next.value;
      next = await stored.next();
    }
  }

  private *generatedKeys(prefix: string): Generator<ListedObject> {
    for (const day of this.days) {
      const dayPrefix = `${SNAPSHOT_PREFIX}${day}/`;
      if (!dayPrefix.startsWith(prefix) && !prefix.startsWith(dayPrefix)) continue;
      const file = `${compactInstant(new Date(`${day}T00:05:00.000Z`))}-${RUN_ID}.json`;
      const lastModified = new Date(`${day}T00:05:01.000Z`);
      for (const suffix of this.suffixes) {
        const key = `${dayPrefix}${suffix}${file}`;
        if (!key.startsWith(prefix)) continue;
        let size = this.sizes.get(suffix);
        if (size === undefined) {
          size = canonicalBytes(this.snapshot(this.bySuffix.get(suffix)!, day)).byteLength;
          this.sizes.set(suffix, size);
        }
        yield { key, size, lastModified };
      }
    }
  }

  /** A stored object as S3 with Object Lock would describe it. */
  private locked(info: ObjectInfo, body: Buffer): ObjectInfo {
    return {
      ...info,
      versionId: versionOf(info.key),
      sha256: sha256Hex(body),
      lockMode: 'COMPLIANCE',
      retainUntil: addDaysToInstant(info.lastModified, this.spec.retentionDays),
    };
  }
}

function versionOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Count a locker's GETs and LISTs by top prefix (`GET leaves/`, `GET leaves/ signature`,
 * `LIST snapshots/`, ...) from now on: which objects a command reads, and how often.
 */
export function countRequests(locker: Locker): Map<string, number> {
  const tally = new Map<string, number>();
  const add = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);
  const kind = (key: string) => `${key.split('/')[0]}/${key.endsWith('.sig') ? ' signature' : ''}`;
  const get = locker.get.bind(locker);
  locker.get = async (key) => {
    add(`GET ${kind(key)}`);
    return get(key);
  };
  const getSigned = locker.getSigned.bind(locker);
  locker.getSigned = async (key) => {
    add(`GET ${kind(key)}`);
    const read = await getSigned(key);
    // Without a signature in its metadata, S3 is asked for `<key>.sig` too.
    if (read.from !== 'metadata') add(`GET ${kind(`${key}.sig`)}`);
    return read;
  };
  const list = locker.list.bind(locker);
  locker.list = (prefix) => {
    add(`LIST ${prefix.split('/')[0]}/`);
    return list(prefix);
  };
  return tally;
}
