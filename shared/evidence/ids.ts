/**
 * The one identifier grammar (SPEC.md "Keys"). Collector ids, scopes, series, evidence days
 * and run ids are parsed here and nowhere else: by the config, by CLI options and by the
 * locker-key parser. A locker key that does not follow the grammar is `misfiled`: reported
 * as a problem, never sampled, never carried into a workpaper.
 *
 *   collector  [a-z][a-z0-9-]{0,31}             guardduty, aws-config
 *   scope      [a-z0-9][a-z0-9._-]{0,127}        aws-123456789012-us-east-1, okta-example.okta.com
 *   series     <collector>/<scope>
 *   day        YYYY-MM-DD, a date that exists (UTC calendar)
 *   run id     [a-z0-9][a-z0-9-]{0,63}           3f9a0c1b2d4e
 *   campaign   <okta|github|aws>-<day>-<8 hex>  okta-2026-03-31-3f9a0c1b (an access review)
 *
 * Nothing in the grammar can carry a "/", whitespace, a control character, Markdown or
 * shell syntax, or a "." / ".." path segment.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';

const COLLECTOR_ID_RE = /^[a-z][a-z0-9-]{0,31}$/;
const SCOPE_ID_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const RUN_ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const CAMPAIGN_ID_RE = /^(?:okta|github|aws)-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/;
const DAY_SHAPE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The compact instant at the start of a snapshot file name: 20260420T000512345Z. */
const COMPACT_INSTANT_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

export type IdKind = 'collector' | 'scope' | 'series' | 'day' | 'runId' | 'campaign';

const EXPECTED: Record<IdKind, string> = {
  collector: 'a collector id: a lower-case letter, then up to 31 lower-case letters, digits or "-"',
  scope: 'a scope: a lower-case letter or digit, then up to 127 lower-case letters, digits, ".", "-" or "_"',
  series: '<collector>/<scope>, e.g. guardduty/aws-123456789012-us-east-1',
  day: 'a date as YYYY-MM-DD',
  runId: 'a run id: a lower-case letter or digit, then up to 63 lower-case letters, digits or "-"',
  campaign:
    'an access review campaign id: <okta|github|aws>-<YYYY-MM-DD>-<8 hex>, e.g. okta-2026-03-31-3f9a0c1b',
};

/** Why `text` is not a valid evidence day (undefined when it is one). Tells shape from existence. */
export function dayProblem(text: string): string | undefined {
  const m = DAY_SHAPE_RE.exec(text);
  if (!m) return EXPECTED.day;
  const [year, month, dom] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, dom));
  if (
    month < 1 ||
    month > 12 ||
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== dom
  )
    return `the date ${text} does not exist (YYYY-MM-DD, month 01-12, day within the month)`;
  return undefined;
}

/** Why `text` is not a valid identifier of this kind; undefined when it is valid. */
export function idProblem(kind: IdKind, text: string): string | undefined {
  switch (kind) {
    case 'collector':
      return COLLECTOR_ID_RE.test(text) ? undefined : `expected ${EXPECTED.collector}`;
    case 'scope':
      return SCOPE_ID_RE.test(text) ? undefined : `expected ${EXPECTED.scope}`;
    case 'runId':
      return RUN_ID_RE.test(text) ? undefined : `expected ${EXPECTED.runId}`;
    case 'campaign':
      return CAMPAIGN_ID_RE.test(text) && dayProblem(text.slice(-19, -9)) === undefined
        ? undefined
        : `expected ${EXPECTED.campaign}`;
    case 'day': {
      const problem = dayProblem(text);
      return problem === EXPECTED.day ? `expected ${problem}` : problem;
    }
    case 'series': {
      const parts = text.split('/');
      if (parts.length !== 2) return `expected ${EXPECTED.series}`;
      const inner = idProblem('collector', parts[0]!) ?? idProblem('scope', parts[1]!);
      return inner ? `expected ${EXPECTED.series} (${inner})` : undefined;
    }
  }
}

/** The error an invalid identifier raises: a usage error (exit 2). */
export class InvalidIdentifierError extends UsageError {
  override name = 'InvalidIdentifierError';
  constructor(
    readonly kind: IdKind,
    readonly value: string,
    readonly label: string,
  ) {
    super(`${label} ${JSON.stringify(value)}: ${idProblem(kind, value) ?? 'invalid'}`);
  }
}

/**
 * `text` when it is a valid identifier of this kind; throws InvalidIdentifierError naming
 * `label` (an option such as "--collector", or a config key) otherwise.
 */
export function requireId(kind: IdKind, text: string, label: string = kind): string {
  if (idProblem(kind, text) !== undefined) throw new InvalidIdentifierError(kind, text, label);
  return text;
}

/** Parse `<collector>/<scope>`; throws InvalidIdentifierError naming `label` otherwise. */
export function parseSeriesId(text: string, label = '--series'): { collector: string; scope: string } {
  requireId('series', text, label);
  const [collector, scope] = text.split('/') as [string, string];
  return { collector, scope };
}

/** zod schemas for the same grammar (config files, envelopes). */
const zodId = (kind: IdKind) =>
  z.string().superRefine((value, ctx) => {
    const problem = idProblem(kind, value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
export const CollectorIdSchema = zodId('collector');
export const ScopeIdSchema = zodId('scope');
export const RunIdSchema = zodId('runId');
export const DaySchema = zodId('day');

// ---------------------------------------------------------------- locker keys

const SNAPSHOT_KEY_PREFIX = 'snapshots/';

export interface ParsedSnapshotKey {
  kind: 'snapshot';
  day: string;
  collector: string;
  scope: string;
  /** The file name: <compact collectedAt>-<runId>.json */
  file: string;
  /** collectedAt as the key records it (ISO instant). */
  collectedAt: string;
  runId: string;
}

export interface MisfiledKey {
  kind: 'misfiled';
  key: string;
  /** Why the key does not follow the layout, e.g. `scope "x\necho" is not ...`. */
  reason: string;
}

/**
 * Parse a snapshot key: snapshots/<day>/<collector>/<scope>/<compact collectedAt>-<runId>.json.
 * Anything under snapshots/ that does not follow this grammar exactly is `misfiled`, with the
 * reason; so is a key outside snapshots/. Never throws.
 */
export function parseSnapshotLockerKey(key: string): ParsedSnapshotKey | MisfiledKey {
  const misfiled = (reason: string): MisfiledKey => ({ kind: 'misfiled', key, reason });
  if (!key.startsWith(SNAPSHOT_KEY_PREFIX)) return misfiled(`not under ${SNAPSHOT_KEY_PREFIX}`);
  const parts = key.slice(SNAPSHOT_KEY_PREFIX.length).split('/');
  if (parts.length !== 4)
    return misfiled(
      `expected snapshots/<day>/<collector>/<scope>/<collectedAt>-<runId>.json (4 segments after snapshots/, found ${parts.length})`,
    );
  const [day, collector, scope, file] = parts as [string, string, string, string];
  const dayIssue = idProblem('day', day);
  if (dayIssue) return misfiled(`day segment ${JSON.stringify(day)}: ${dayIssue}`);
  const collectorIssue = idProblem('collector', collector);
  if (collectorIssue) return misfiled(`collector segment ${JSON.stringify(collector)}: ${collectorIssue}`);
  const scopeIssue = idProblem('scope', scope);
  if (scopeIssue) return misfiled(`scope segment ${JSON.stringify(scope)}: ${scopeIssue}`);
  if (!file.endsWith('.json'))
    return misfiled(`file name ${JSON.stringify(file)}: expected <collectedAt>-<runId>.json`);
  const stem = file.slice(0, -'.json'.length);
  const dash = stem.indexOf('-');
  const compact = dash < 0 ? stem : stem.slice(0, dash);
  const runId = dash < 0 ? '' : stem.slice(dash + 1);
  const m = COMPACT_INSTANT_RE.exec(compact);
  if (!m)
    return misfiled(
      `file name ${JSON.stringify(file)}: expected <collectedAt as 20260420T000512345Z>-<runId>.json`,
    );
  const collectedAt = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
  const instant = new Date(collectedAt);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== collectedAt)
    return misfiled(`file name ${JSON.stringify(file)}: ${compact} is not a real instant`);
  if (collectedAt.slice(0, 10) !== day)
    return misfiled(
      `file name ${JSON.stringify(file)}: collected on ${collectedAt.slice(0, 10)}, filed under ${day}`,
    );
  const runIssue = idProblem('runId', runId);
  if (runIssue) return misfiled(`run id ${JSON.stringify(runId)} in ${JSON.stringify(file)}: ${runIssue}`);
  return { kind: 'snapshot', day, collector, scope, file, collectedAt, runId };
}
