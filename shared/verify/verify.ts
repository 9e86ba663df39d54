/**
 * The verifier: over a window of evidence days, prove that every expected series has
 * evidence on every day (or an acknowledgement), and that nothing was altered, removed,
 * left unsealed, or stored without its lock.
 *
 * Cost (docs/verify.md): one LIST per day of the window, the digest listing and one GET per
 * digest, one LIST of acknowledgements/ and one GET per acknowledgement in the window. A
 * snapshot is read only when a problem class needs it: it is not sealed yet (its status,
 * lock and write time are not recorded anywhere else), its digest entry predates the
 * recorded fields, or the listing disagrees with its digest entry (size or write time
 * changed: then its bytes are hashed). `deep` reads every snapshot of the window instead.
 */

import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import { COLLECTORS } from '../collectors/registry.js';
import { selectCollectors } from '../collectors/runner.js';
import type { AnyCollector } from '../collectors/types.js';
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { AlreadyExistsError, CorruptEvidenceError, NotFoundError } from '../errors.js';
import {
  addDays,
  addDaysToInstant,
  compactInstant,
  dayStart,
  daysBetween,
  parseCompactInstant,
} from '../evidence/days.js';
import { checkEntry, type DigestEntry, describeSealed, verifyChain } from '../evidence/digest.js';
import { listSnapshots } from '../evidence/listing.js';
import { parseSnapshotKey, seriesId } from '../evidence/snapshot.js';
import { writeRecord } from '../evidence/write.js';
import type { ListedObject, Locker } from '../locker/types.js';
import { type Logger, silentLogger } from '../log.js';
import { TOOL } from '../version.js';
import { ACK_PREFIX, parseAcknowledgementKey, readAcknowledgement } from './acknowledgements.js';
import { type ExpectedSeries, expectedSeries, resolveScopeEnvironment } from './expected.js';

export const PROBLEMS = [
  'hash-mismatch',
  'not-sealed',
  'chain-broken',
  'retention-missing',
  'retention-too-short',
  'not-compliance-mode',
  'backdated',
  'deleted',
  'corrupt',
] as const;
export type ProblemKind = (typeof PROBLEMS)[number];

export interface IntegrityProblem {
  key: string;
  problem: ProblemKind;
  detail: string;
  /** `<collector>/<scope>` when the key is a snapshot. */
  series?: string;
}

export interface AcknowledgedDay {
  day: string;
  reason: string;
  by: string;
  key: string;
}

export interface SeriesReport {
  collector: string;
  scope: string;
  /** First day evidence is expected: auditPeriod.start, or the series' first snapshot if later. */
  expectedFrom: string;
  /** Days of the window on which evidence was expected. */
  expectedDays: number;
  presentDays: number;
  missing: string[];
  failed: string[];
  acknowledged: string[];
  acknowledgements: AcknowledgedDay[];
  controls: string[];
}

export interface VerifyResult {
  schema: 'evidence.verify/1';
  from: string;
  to: string;
  ok: boolean;
  store: string;
  verifiedAt: string;
  series: SeriesReport[];
  integrity: IntegrityProblem[];
  /** Object Lock retention and backdating are checked on S3 only; a directory cannot hold them. */
  retention: 'checked' | 'not-applicable';
  deep: boolean;
  /** Series found in the locker that the configuration does not ask for (not judged). */
  unexpected: string[];
  notes: string[];
  stats: {
    requests: number;
    days: number;
    snapshots: number;
    digests: number;
    acknowledgements: number;
    objectsRead: number;
  };
  tool: { name: string; version: string };
}

export interface VerifyOptions {
  locker: Locker;
  config: Config;
  from: string;
  to: string;
  clock?: Clock;
  logger?: Logger;
  /** Candidate collectors (default: the registry); those whose source is configured are expected. */
  collectors?: readonly AnyCollector[];
  /** The AWS account of the credentials in use (STS); when absent or failing, inferred from the locker. */
  callerAccount?: () => Promise<string>;
  /** Read every snapshot of the window (one request each) instead of trusting matching digest entries. */
  deep?: boolean;
  concurrency?: number;
}

interface Facts {
  status?: 'ok' | 'partial' | 'error';
  collectedAt?: string;
  lastModified?: string;
  lockMode?: string;
  retainUntil?: string;
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { locker, config, from, to } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const width = options.concurrency ?? 16;
  const now = clock.now();
  const startRequests = locker.stats.requests;
  const notes: string[] = [];
  const integrity: IntegrityProblem[] = [];
  const report = (p: IntegrityProblem) => integrity.push(p);
  let objectsRead = 0;
  let incomplete = 0;

  await locker.check();

  // 1. Digests: the chain, and every snapshot key any digest seals.
  const chain = await verifyChain(locker);
  for (const p of chain.problems) report({ key: p.key, problem: p.problem, detail: p.detail });
  const sealed = new Map<string, DigestEntry>();
  for (const d of chain.digests) for (const e of d.digest.snapshots) sealed.set(e.key, e);

  // 2. The window's snapshots: a listing per month (keys are day-first), per day for a short window.
  const days = daysBetween(from, to);
  const listed = new Map<string, ListedObject>();
  for (const o of await listSnapshots(locker, from, to, { concurrency: width })) listed.set(o.key, o);

  // 3. Acknowledgements of the window: rare, so one listing of them all.
  const ackKeys: string[] = [];
  for await (const item of locker.list(ACK_PREFIX)) {
    const where = parseAcknowledgementKey(item.key);
    if (where && where.day >= from && where.day <= to) ackKeys.push(item.key);
  }
  const acks = new Map<string, AcknowledgedDay[]>();
  const readAcks = await mapLimit(ackKeys, width, async (key) => {
    try {
      return await readAcknowledgement(locker, key);
    } catch (err) {
      if (err instanceof CorruptEvidenceError) {
        report({ key, problem: 'corrupt', detail: err.message });
        return undefined;
      }
      throw err;
    }
  });
  for (const a of readAcks) {
    if (!a) continue;
    const id = `${seriesId(a.collector, a.scope)}@${a.day}`;
    acks.set(id, [...(acks.get(id) ?? []), { day: a.day, reason: a.reason, by: a.by, key: a.key }]);
  }

  // 4. Expected series: configuration × scopes; first day seen per series from the whole chain.
  const firstSeen = new Map<string, string>();
  const lastSeen = new Map<string, string>();
  const see = (key: string) => {
    const p = parseSnapshotKey(key);
    if (!p) return;
    const id = seriesId(p.collector, p.scope);
    const first = firstSeen.get(id);
    if (!first || p.day < first) firstSeen.set(id, p.day);
    const last = lastSeen.get(p.scope);
    if (!last || p.day > last) lastSeen.set(p.scope, p.day);
  };
  for (const key of sealed.keys()) see(key);
  for (const key of listed.keys()) see(key);

  const collectors = selectCollectors(config, undefined, options.collectors ?? COLLECTORS);
  const resolution = await resolveScopeEnvironment(
    config,
    collectors,
    async () => lastSeen,
    options.callerAccount,
  );
  notes.push(...resolution.notes);
  const expected = expectedSeries(config, collectors, resolution.env);
  notes.push(...expected.notes);
  if (collectors.length === 0)
    notes.push(
      'no collector is configured (or registered): no series is expected, only integrity is checked',
    );

  // 5. Each snapshot of the window: what the digest recorded, or what the store says now.
  const facts = new Map<string, Facts>();
  const read = async (key: string) => {
    objectsRead++;
    const { body, info } = await locker.get(key);
    return describeSealed(key, body, info);
  };
  await mapLimit([...listed.values()], width, async (object) => {
    const key = object.key;
    const entry = sealed.get(key);
    try {
      if (entry) {
        const changed =
          object.size !== entry.size ||
          (entry.lastModified !== undefined &&
            !sameTime(object.lastModified, entry.lastModified, locker.worm));
        // Recorded fields missing: a digest older than them, a body that was no envelope, or
        // (S3) a sealer without s3:GetObjectRetention, which makes GET omit the lock.
        const legacy =
          entry.status === undefined ||
          entry.lastModified === undefined ||
          (locker.worm && entry.lockMode === undefined);
        if (legacy) incomplete++;
        if (options.deep && !changed && !legacy) {
          objectsRead++;
          const problem = await checkEntry(locker, entry);
          if (problem) report({ ...problem, series: seriesOf(key) });
          facts.set(key, entry);
          return;
        }
        if (changed || legacy || options.deep) {
          const current = await read(key);
          if (current.sha256 !== entry.sha256) {
            report({
              key,
              problem: 'hash-mismatch',
              detail: `SHA-256 is ${current.sha256} (${current.size} bytes), the digest sealed ${entry.sha256} (${entry.size} bytes)`,
              series: seriesOf(key),
            });
          } else if (entry.versionId && current.versionId && current.versionId !== entry.versionId) {
            report({
              key,
              problem: 'hash-mismatch',
              detail: `current version is ${current.versionId}, the digest sealed version ${entry.versionId}`,
              series: seriesOf(key),
            });
          }
          // The sealed record is what the evidence was; the store's view fills what it lacks.
          facts.set(key, { ...current, ...definedOnly(entry) });
          return;
        }
        facts.set(key, entry);
        return;
      }
      // Not sealed: its status, lock and write time are recorded nowhere else.
      facts.set(key, await read(key));
      const due = new Date(
        dayStart(addDays(parseSnapshotKey(key)!.day, 1)).getTime() + config.locker.sealGraceHours * 3_600_000,
      );
      if (now >= due) {
        report({
          key,
          problem: 'not-sealed',
          detail: `no digest covers it ${config.locker.sealGraceHours} h after the end of its day (due ${due.toISOString()}); run evidence seal --day ${parseSnapshotKey(key)!.day}`,
          series: seriesOf(key),
        });
      }
    } catch (err) {
      if (err instanceof NotFoundError) {
        // Listed a moment ago, gone now: treat like a sealed object that is gone.
        report({
          key,
          problem: 'deleted',
          detail: 'listed, then no longer in the locker',
          series: seriesOf(key),
        });
        return;
      }
      throw err;
    }
  });

  if (incomplete > 0)
    notes.push(
      `${incomplete} sealed snapshot(s) have no status, write time or lock recorded in their digest (sealed by an older version, or by a sealer without s3:GetObjectRetention): they were read one by one`,
    );

  // 6. Sealed snapshots of the window that the listing no longer shows.
  const gone = [...sealed.values()].filter((e) => {
    const p = parseSnapshotKey(e.key);
    return p && p.day >= from && p.day <= to && !listed.has(e.key);
  });
  await mapLimit(gone, width, async (entry) => {
    objectsRead++;
    const problem = await checkEntry(locker, entry);
    if (problem) report({ ...problem, series: seriesOf(entry.key) });
  });

  // 7. Lock and write time (S3 only: a directory has neither Object Lock nor a trustworthy write time).
  // Digests are evidence too: their lock and write time come with the GET that read them.
  if (locker.worm) {
    const toleranceMs = config.locker.backdateToleranceMinutes * 60_000;
    const locked: [string, Facts][] = [...facts];
    for (const d of chain.digests) {
      const f: Facts = { collectedAt: d.digest.sealedAt };
      if (d.info) {
        f.lastModified = d.info.lastModified.toISOString();
        if (d.info.lockMode) f.lockMode = d.info.lockMode;
        if (d.info.retainUntil) f.retainUntil = d.info.retainUntil.toISOString();
      }
      locked.push([d.key, f]);
    }
    for (const [key, f] of locked) {
      const series = seriesOf(key);
      const collectedAt = f.collectedAt ?? keyInstant(key);
      if (!f.lockMode) {
        report({ key, problem: 'retention-missing', detail: 'stored without Object Lock retention', series });
      } else if (f.lockMode !== 'COMPLIANCE') {
        report({
          key,
          problem: 'not-compliance-mode',
          detail: `Object Lock mode is ${f.lockMode}, not COMPLIANCE: a privileged user can shorten or remove it`,
          series,
        });
      }
      if (f.lockMode && collectedAt) {
        const required = addDaysToInstant(new Date(collectedAt), config.locker.retentionDays);
        const until = f.retainUntil ? new Date(f.retainUntil) : undefined;
        if (!until || until.getTime() < required.getTime() - 1000) {
          report({
            key,
            problem: 'retention-too-short',
            detail: `retained until ${until?.toISOString() ?? '(no date)'}, earlier than ${collectedAt} + ${config.locker.retentionDays} days (${required.toISOString()}); extend it with s3api put-object-retention`,
            series,
          });
        }
      }
      if (collectedAt && f.lastModified) {
        const drift = new Date(f.lastModified).getTime() - new Date(collectedAt).getTime();
        if (Math.abs(drift) > toleranceMs) {
          report({
            key,
            problem: 'backdated',
            detail:
              drift > 0
                ? `it claims ${collectedAt}, ${minutes(drift)} before the store wrote it (${f.lastModified}); tolerance ${config.locker.backdateToleranceMinutes} min`
                : `it claims ${collectedAt}, ${minutes(-drift)} after the store wrote it (${f.lastModified}); tolerance ${config.locker.backdateToleranceMinutes} min`,
            series,
          });
        }
      }
    }
  }
  const mismatched = new Set(integrity.filter((p) => p.problem === 'hash-mismatch').map((p) => p.key));
  for (const [key, f] of facts) {
    if (f.status === undefined && !mismatched.has(key))
      report({ key, problem: 'corrupt', detail: 'not a snapshot envelope', series: seriesOf(key) });
  }

  // 8. Per series and day: present, missing, failed (only error snapshots), acknowledged.
  const statuses = new Map<string, Facts['status'][]>();
  for (const [key, f] of facts) {
    const p = parseSnapshotKey(key)!;
    const id = `${seriesId(p.collector, p.scope)}@${p.day}`;
    statuses.set(id, [...(statuses.get(id) ?? []), f.status]);
  }
  const windowEnd = config.auditPeriod.end && config.auditPeriod.end < to ? config.auditPeriod.end : to;
  const series = expected.series.map((s) =>
    judgeSeries(s, firstSeen.get(s.series), config.auditPeriod.start, from, windowEnd, statuses, acks),
  );
  const expectedIds = new Set(expected.series.map((s) => s.series));
  const unexpected = [...new Set([...listed.keys()].map((k) => seriesOf(k)!))]
    .filter((id) => !expectedIds.has(id))
    .sort();

  integrity.sort((a, b) => (a.key === b.key ? (a.problem < b.problem ? -1 : 1) : a.key < b.key ? -1 : 1));
  const ok = integrity.length === 0 && series.every((s) => s.missing.length === 0 && s.failed.length === 0);
  const result: VerifyResult = {
    schema: 'evidence.verify/1',
    from,
    to,
    ok,
    store: locker.url,
    verifiedAt: now.toISOString(),
    series,
    integrity,
    retention: locker.worm ? 'checked' : 'not-applicable',
    deep: Boolean(options.deep),
    unexpected,
    notes,
    stats: {
      requests: locker.stats.requests - startRequests,
      days: days.length,
      snapshots: listed.size,
      digests: chain.digests.length,
      acknowledgements: ackKeys.length,
      objectsRead,
    },
    tool: { name: TOOL.name, version: TOOL.version },
  };
  logger.info('verified', {
    from,
    to,
    ok,
    series: series.length,
    problems: integrity.length,
    requests: result.stats.requests,
  });
  return result;
}

function judgeSeries(
  s: ExpectedSeries,
  first: string | undefined,
  auditStart: string,
  from: string,
  to: string,
  statuses: ReadonlyMap<string, Facts['status'][]>,
  acks: ReadonlyMap<string, AcknowledgedDay[]>,
): SeriesReport {
  // Expected from the audit start, or from the series' first snapshot when it was added later.
  const expectedFrom = first && first > auditStart ? first : auditStart;
  const start = expectedFrom > from ? expectedFrom : from;
  const out: SeriesReport = {
    collector: s.collector,
    scope: s.scope,
    expectedFrom,
    expectedDays: 0,
    presentDays: 0,
    missing: [],
    failed: [],
    acknowledged: [],
    acknowledgements: [],
    controls: [...s.controls],
  };
  if (start > to) return out;
  for (const day of daysBetween(start, to)) {
    out.expectedDays++;
    const found = statuses.get(`${s.series}@${day}`) ?? [];
    if (found.some((st) => st === 'ok' || st === 'partial')) {
      out.presentDays++;
      continue;
    }
    const ack = acks.get(`${s.series}@${day}`);
    if (ack) {
      out.acknowledged.push(day);
      out.acknowledgements.push(...ack);
    } else if (found.length > 0) out.failed.push(day);
    else out.missing.push(day);
  }
  return out;
}

function seriesOf(key: string): string | undefined {
  const p = parseSnapshotKey(key);
  return p ? seriesId(p.collector, p.scope) : undefined;
}

/** The instant in a snapshot key's file name (snapshotKey writes collectedAt there). */
function keyInstant(key: string): string | undefined {
  const file = parseSnapshotKey(key)?.file ?? '';
  return /^\d{8}T\d{9}Z-/.test(file) ? parseCompactInstant(file) : undefined;
}

/** S3 gives LastModified to the second in headers (to the millisecond in listings); a file's mtime is exact. */
function sameTime(a: Date, b: string, toTheSecond: boolean): boolean {
  const x = a.getTime();
  const y = new Date(b).getTime();
  return toTheSecond ? Math.floor(x / 1000) === Math.floor(y / 1000) : x === y;
}

function minutes(ms: number): string {
  return ms >= 7_200_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** How many days without usable evidence (missing or failed), not acknowledged. */
export function gapDays(result: Pick<VerifyResult, 'series'>): number {
  return result.series.reduce((n, s) => n + s.missing.length + s.failed.length, 0);
}

export const REPORT_PREFIX = 'reports/verify/';

/**
 * Write the result into the locker (reports/verify/<compact verifiedAt>.json), write-once
 * like all evidence: the monitoring itself leaves evidence. A second report in the same
 * millisecond gets a random suffix rather than failing.
 */
export async function writeVerifyReport(
  locker: Locker,
  result: VerifyResult,
  retentionDays: number,
): Promise<{ key: string; sha256: string }> {
  const at = new Date(result.verifiedAt);
  const base = `${REPORT_PREFIX}${compactInstant(at)}`;
  try {
    return await writeRecord(locker, `${base}.json`, result, at, retentionDays);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    return writeRecord(locker, `${base}-${randomBytes(4).toString('hex')}.json`, result, at, retentionDays);
  }
}
