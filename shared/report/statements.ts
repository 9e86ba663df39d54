/**
 * What the report states about itself besides the results, each derived, never assumed: whether
 * the store is write-once, what is out of scope (subservice organisations, criteria without a
 * configured collector), when in the day the snapshots judged were taken, and the exceptions
 * with every criterion they bear on (one exception, counted once). Pure: no I/O.
 */
import type { AnyCheck } from '../checks/types.js';
import { selectCollectors } from '../collectors/runner.js';
import { type AnyCollector, SOURCES } from '../collectors/types.js';
import type { Config } from '../config.js';
import { parseCompactInstant } from '../evidence/days.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { CONTROL_NAMES } from '../sample/controls.js';
import type { SampleResult } from '../sample/run.js';
import type { ExceptionGroup } from '../sample/workpaper.js';
import type { VerifyResult } from '../verify/types.js';

export interface WriteOnce {
  /** True only for S3 Object Lock in COMPLIANCE mode with every object of the window locked as configured. */
  writeOnce: boolean;
  label: string;
  detail: string;
}

const LOCK_PROBLEMS = new Set(['not-compliance-mode', 'retention-too-short', 'retention-missing']);

export function writeOnceOf(
  locker: Pick<Locker, 'kind' | 'worm'>,
  config: Pick<Config, 'locker'>,
  verified: Pick<VerifyResult, 'integrity'>,
): WriteOnce {
  if (locker.kind !== 's3' || !locker.worm)
    return {
      writeOnce: false,
      label: 'not write-once: tamper-evident only',
      detail:
        'A directory locker: anyone with access to the directory can change or delete a file. The signed, ' +
        'hash-chained digests make a change or a deletion detectable (evidence verify), not impossible. ' +
        'Evidence that must be write-once belongs in the S3 locker (Object Lock in COMPLIANCE mode).',
    };
  const days = config.locker.retentionDays;
  const bad = verified.integrity.filter((p) => LOCK_PROBLEMS.has(p.problem));
  if (bad.length)
    return {
      writeOnce: false,
      label: 'write-once not shown',
      detail: `S3 with Object Lock, but ${bad.length} object(s) lack COMPLIANCE retention of ${days} days (${[...new Set(bad.map((p) => p.problem))].join(', ')}): see the integrity problems.`,
    };
  return {
    writeOnce: true,
    label: 'write-once: S3 Object Lock, COMPLIANCE mode',
    detail:
      `Every object is locked in COMPLIANCE mode for ${days} days from its own time (locker.retentionDays): ` +
      'no one, the account root user included, can overwrite or delete it before then. Verify checked the lock ' +
      'mode and retention of every object of the window.',
  };
}

/** The Trust Services Criteria's common criteria (AICPA 2017, revised points of focus 2022). */
export const COMMON_CRITERIA = [
  ...['CC1.1', 'CC1.2', 'CC1.3', 'CC1.4', 'CC1.5'],
  ...['CC2.1', 'CC2.2', 'CC2.3'],
  ...['CC3.1', 'CC3.2', 'CC3.3', 'CC3.4'],
  ...['CC4.1', 'CC4.2'],
  ...['CC5.1', 'CC5.2', 'CC5.3'],
  ...['CC6.1', 'CC6.2', 'CC6.3', 'CC6.4', 'CC6.5', 'CC6.6', 'CC6.7', 'CC6.8'],
  ...['CC7.1', 'CC7.2', 'CC7.3', 'CC7.4', 'CC7.5'],
  'CC8.1',
  ...['CC9.1', 'CC9.2'],
] as const;

const SUBSERVICE: Record<(typeof SOURCES)[number], string> = {
  aws: 'Amazon Web Services (infrastructure: data centres, hardware, the services configured)',
  okta: 'Okta (identity provider: authentication, the directory)',
  github: 'GitHub (source code hosting, reviews, branch protection enforcement)',
};

export interface OutOfScope {
  /** Subservice organisations whose own controls this report does not test (carve-out). */
  subservice: string[];
  /** Criteria with a collector of this tool that the configuration does not turn on. */
  notConfigured: { id: string; name: string; collectors: string[] }[];
  /** Common criteria no collector of this tool evidences. */
  noCollector: string[];
}

export function outOfScope(
  config: Config,
  registered: readonly AnyCollector[],
  checks: readonly Pick<AnyCheck, 'controls'>[],
): OutOfScope {
  const configured = new Set(selectCollectors(config, undefined, registered).map((c) => c.id));
  const tested = new Set(checks.flatMap((c) => c.controls));
  const byCriterion = new Map<string, string[]>();
  for (const c of registered)
    for (const id of c.controls) byCriterion.set(id, [...(byCriterion.get(id) ?? []), c.id]);
  const notConfigured = [...byCriterion]
    .filter(([id, ids]) => !tested.has(id) && !ids.some((c) => configured.has(c)))
    .map(([id, ids]) => ({ id, name: CONTROL_NAMES[id] ?? '', collectors: ids.sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    subservice: SOURCES.filter((s) => config[s] !== undefined).map((s) => SUBSERVICE[s]),
    notConfigured,
    noCollector: COMMON_CRITERIA.filter((id) => !byCriterion.has(id) && !tested.has(id)),
  };
}

/** HH:MM (UTC) of a snapshot key's collection, from its file name. */
function timeOfKey(key: string): string | undefined {
  const parts = parseSnapshotKey(key);
  const at = parts ? parseCompactInstant(parts.file) : undefined;
  return at?.slice(11, 16);
}

/** When in the day the snapshots judged for each control were taken: "00:05 UTC" or "00:04–00:09 UTC". */
export function snapshotTimes(
  samples: Iterable<Pick<SampleResult, 'check' | 'key'>>,
  controlsOf: (check: string) => readonly string[],
): Record<string, string> {
  const times = new Map<string, Set<string>>();
  for (const s of samples) addSnapshotTime(times, s, controlsOf);
  return snapshotTimesOf(times);
}

/** One judged snapshot's time, added to the distinct times of its controls (at most 1,440 a control). */
export function addSnapshotTime(
  times: Map<string, Set<string>>,
  s: Pick<SampleResult, 'check' | 'key'>,
  controlsOf: (check: string) => readonly string[],
): void {
  const t = s.key ? timeOfKey(s.key) : undefined;
  if (!t) return;
  for (const c of controlsOf(s.check)) {
    const set = times.get(c) ?? new Set<string>();
    times.set(c, set);
    set.add(t);
  }
}

/** The distinct times per control, as the report words them. */
export function snapshotTimesOf(times: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [c, ts] of times) {
    const sorted = [...ts].sort();
    out[c] = sorted.length === 1 ? `${sorted[0]} UTC` : `${sorted[0]}–${sorted.at(-1)} UTC`;
  }
  return out;
}

/** An exception with every criterion whose workpaper lists it. */
export interface SharedException extends ExceptionGroup {
  controls: string[];
}

/** One row per exception (check, series, cause and days), naming every criterion it bears on: counted once. */
export function sharedExceptions(
  controls: readonly { id: string; exceptions: readonly ExceptionGroup[] }[],
): SharedException[] {
  const rows = new Map<string, SharedException>();
  for (const c of controls)
    for (const e of c.exceptions) {
      const id = [e.check, e.series, e.result, e.cause, e.days.join(',')].join('\u0000');
      const row = rows.get(id);
      if (row) {
        if (!row.controls.includes(c.id)) row.controls.push(c.id);
      } else rows.set(id, { ...e, days: [...e.days], controls: [c.id] });
    }
  return [...rows.values()];
}

/** The exceptions verify's OK carries, each with who, when and why (issue 20: never a bare OK). */
export interface Excused {
  acknowledged: { series: string; day: string; by: string; at: string; reason: string; key: string }[];
  retired: VerifyResult['retired'];
  beforeSince: { series: string; expectedFrom: string; reason: string; days: number }[];
  refused: VerifyResult['refused'];
}

export function excusedOf(v: Pick<VerifyResult, 'series' | 'retired' | 'refused'>): Excused {
  return {
    acknowledged: v.series.flatMap((s) =>
      s.acknowledgements.map((a) => ({
        series: `${s.collector}/${s.scope}`,
        day: a.day,
        by: a.by,
        at: a.at,
        reason: a.reason,
        key: a.key,
      })),
    ),
    retired: v.retired,
    beforeSince: v.series
      .filter((s) => s.beforeSince > 0)
      .map((s) => ({
        series: `${s.collector}/${s.scope}`,
        expectedFrom: s.expectedFrom,
        reason: s.expectedFromReason,
        days: s.beforeSince,
      })),
    refused: v.refused,
  };
}
