/**
 * The verifier: over a window of evidence days, prove that every expected series has usable
 * evidence on every day (or an acknowledgement), and that nothing was altered, removed,
 * misfiled, written late, left unsealed, signed by an untrusted key, cut off the chain's end,
 * or stored without its lock.
 *
 * The pieces: inputs.ts reads (chain with signatures, listing, acknowledgements,
 * retirements, anchor); facts.ts says what each snapshot is; problems.ts holds one function
 * per problem class; series.ts judges each series and day; this file ties them together and
 * writes the report.
 *
 * Cost (docs/verify.md): the digest listing, one GET per digest and one per signature, one
 * LIST per month of the window, a listing of acknowledgements/ and retirements/ with one GET
 * per record, a listing of reports/verify/ and one GET of the latest report. A snapshot is
 * read only when no digest recorded what the verifier needs, or the listing disagrees with
 * its digest entry; `deep` reads every snapshot of the window instead.
 */

import { type Clock, systemClock } from '../clock.js';
import { COLLECTORS } from '../collectors/declarations.generated.js';
import { selectCollectors } from '../collectors/runner.js';
import { type AnyCollector, SOURCES } from '../collectors/types.js';
import type { Config } from '../config.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { compactInstant, daysBetween, laterDay } from '../evidence/days.js';
import { describeConfiguration, type RecordedConfiguration, writeSignedRecord } from '../evidence/records.js';
import type { Signer, TrustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { type Logger, silentLogger } from '../log.js';
import { judgeReviews } from '../review/cadence.js';
import { TOOL } from '../version.js';
import { expectedSeries, resolveScopeEnvironment } from './expected.js';
import { gatherFacts, type SnapshotFacts } from './facts.js';
import { type Anchor, gatherInputs, REPORT_PREFIX, type VerifyPartInput } from './inputs.js';
import { deriveFromOrganization, ORGANIZATION_SERIES } from './organization.js';
import { PROBLEM_CHECKS } from './problems.js';
import { effectiveFrom } from './retirements.js';
import { judgeSeries, seriesToJudge } from './series.js';
import type { IntegrityProblem, VerifyResult } from './types.js';
import { judgeWindowedSeries } from './windows.js';

export type {
  AcknowledgedDay,
  DayRun,
  DayState,
  IntegrityProblem,
  ProblemKind,
  SeriesReport,
  VerifyResult,
} from './types.js';
export { DAY_STATES, PROBLEMS } from './types.js';
export { REPORT_PREFIX };

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
  /** Keys trusted to sign digests; default: from outside the locker (KMS key, key file, pinned fingerprints). */
  trusted?: TrustedKeys;
  /** Read every snapshot of the window (one request each) instead of trusting matching digest entries. */
  deep?: boolean;
  /**
   * The configuration as recorded in the locker (CliContext.recordConfiguration); default: its
   * canonical form described, not stored (a read-only verification).
   */
  configuration?: RecordedConfiguration;
  concurrency?: number;
  /**
   * One part of a verification in parts (parts.ts, `verifyInParts`): only the series whose
   * scope the part owns are read and judged, the listing is the part's share of one pass.
   */
  part?: VerifyPartInput;
}

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const { locker, config, from, to } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const width = options.concurrency ?? 16;
  const now = clock.now();
  const startRequests = locker.stats.requests;
  // A configuration without a source expects nothing: a verification of nothing would say OK.
  if (!SOURCES.some((source) => config[source] !== undefined))
    throw new ConfigError(
      `the configuration names no source (${SOURCES.join(', ')}): verify has nothing to expect, so it cannot say the evidence is complete; add the section of each source this locker collects`,
    );
  await locker.check();

  // 1. Read: chain and signatures, the window's listing, acknowledgements, retirements, anchor.
  const inputs = await gatherInputs({
    locker,
    config,
    from,
    to,
    concurrency: width,
    now,
    ...(options.trusted && { trusted: options.trusted }),
    ...(options.part && { part: options.part }),
  });
  const notes = [...inputs.notes];
  const integrity: IntegrityProblem[] = [...inputs.problems, ...inputs.chain.problems];
  // Access reviews: every review record's signature, and with `reviews` the cadence (review/cadence.ts).
  const reviews = await judgeReviews({
    locker,
    config,
    now,
    from,
    to,
    standings: inputs.records,
    listing: inputs.recordListing,
    trusted: inputs.trusted.keys,
  });
  integrity.push(...reviews.problems);

  // 2. Facts per snapshot of the window (reading only what no digest recorded).
  const facts = await gatherFacts(
    locker,
    inputs.listed,
    inputs.chain,
    { from, to },
    {
      deep: Boolean(options.deep),
      concurrency: width,
    },
  );
  integrity.push(...facts.problems);
  if (facts.incomplete > 0)
    notes.push(
      `${facts.incomplete} sealed snapshot(s) have no status, write time or lock recorded in their digest (a body that is no envelope, or a sealer without s3:GetObjectRetention): they were read one by one`,
    );

  if (config.locker.trial)
    notes.push(
      'locker.trial: a rehearsal locker (GOVERNANCE retention accepted, deletable): what it holds is not evidence for an audit',
    );

  // 3. One function per problem class.
  const altered = new Set(facts.problems.filter((p) => p.problem === 'hash-mismatch').map((p) => p.key));
  for (const check of PROBLEM_CHECKS) {
    integrity.push(
      ...check.check({
        config,
        locker,
        now,
        from,
        to,
        facts: facts.facts,
        chain: inputs.chain,
        altered,
        ...(inputs.anchor && { anchor: inputs.anchor }),
      }),
    );
  }

  // 4. Expected series: the configuration's (with aws.organization, each day's from that day's
  // organization snapshot), plus what the locker holds.
  const windowEnd = config.auditPeriod.end && config.auditPeriod.end < to ? config.auditPeriod.end : to;
  const { expected, seen, derived } = await deriveExpected(
    options,
    inputs.listed.keys(),
    inputs.chain.sealed.keys(),
    inputs.scopesSeen,
    notes,
    { facts: facts.facts, problemsByKey: groupByKey(integrity), windowEnd, concurrency: width },
  );
  integrity.push(...derived.problems);
  // Series with a snapshot in the window, listed or sealed (in a part: the part's own).
  const owns = (series: string) => !options.part || options.part.owns(series.slice(series.indexOf('/') + 1));
  const found = [...seen].filter((id) => id !== undefined && owns(id));
  const auditStart = config.auditPeriod.start;
  const judged = seriesToJudge(
    expected.filter((s) => owns(s.series)),
    found,
    inputs.retirements,
    auditStart,
  );

  // `since` cannot hide evidence: a series with sealed evidence before its configured `since`
  // is judged from that evidence on (within the audit period), and the contradiction reported.
  for (const s of judged) {
    if (s.ranges || s.since <= auditStart) continue;
    const seen = inputs.evidenceSeen.get(s.series);
    if (!seen || seen.first >= s.since) continue;
    const from = laterDay(seen.first, auditStart);
    integrity.push({
      key: seen.firstKey,
      problem: 'since-contradicts-evidence',
      detail: `${s.sinceReason} says ${s.series} starts ${s.since}, but the locker holds sealed evidence of it from ${seen.first}: it is judged from ${from}`,
      series: s.series,
    });
    s.sinceReason = `first sealed evidence (${seen.first}); ${s.sinceReason} says ${s.since}`;
    s.since = from;
  }
  // A retirement that evidence after its `from` contradicts: reported (the days stay judged to its effect).
  for (const r of inputs.retirements) {
    const seen = inputs.evidenceSeen.get(seriesId(r.collector, r.scope));
    if (seen && seen.last >= r.from)
      integrity.push({
        key: r.key,
        problem: 'retirement-contradicted',
        detail: `retires ${seriesId(r.collector, r.scope)} from ${r.from} (written ${r.retiredAt}, by ${r.by}), but the locker holds sealed evidence of it up to ${seen.last}`,
        series: seriesId(r.collector, r.scope),
      });
  }

  // 5. Per series and day.
  const snapshots = new Map<string, SnapshotFacts[]>();
  for (const f of facts.facts.values()) {
    const id = `${f.series}@${f.parts.day}`;
    snapshots.set(id, [...(snapshots.get(id) ?? []), f]);
  }
  const byKey = groupByKey(integrity);
  const judgedReports = judged.map((s) =>
    judgeSeries(s, { from, to: windowEnd }, snapshots, byKey, byKey, inputs.acknowledgements, auditStart),
  );
  // Windowed series (a period per snapshot) are judged by their windows' coverage (windows.ts).
  const windowed = await judgeWindowedSeries({
    locker,
    config,
    now,
    from,
    to: windowEnd,
    collectors: options.collectors ?? COLLECTORS,
    judged,
    reports: judgedReports,
    facts: facts.facts,
    problemsByKey: byKey,
    acknowledgements: inputs.acknowledgements,
    concurrency: width,
  });
  integrity.push(...windowed.problems);
  notes.push(...windowed.notes);
  const series = judgedReports.map((s) => windowed.reports.get(seriesId(s.collector, s.scope)) ?? s);
  const expectedIds = new Set(expected.map((s) => s.series));
  const unexpected = judged.filter((s) => !expectedIds.has(s.series)).map((s) => s.series);
  if (unexpected.length)
    notes.push(
      `the locker holds series the configuration does not name; they are judged until retired (evidence retire --series S --from D --reason ... --by ...): ${unexpected.join(', ')}`,
    );

  const configuration = await configurationOf(locker, config, options.configuration, inputs.anchor);
  const refused: VerifyResult['refused'] = [
    ...inputs.refusedAcknowledgements.map(({ record: a, why }) => ({
      kind: 'acknowledgement' as const,
      key: a.key,
      series: seriesId(a.collector, a.scope),
      days: a.to ? `${a.day}..${a.to}` : a.day,
      by: a.by,
      at: a.acknowledgedAt,
      reason: a.reason,
      why,
    })),
    ...inputs.refusedRetirements.map(({ record: r, why }) => ({
      kind: 'retirement' as const,
      key: r.key,
      series: seriesId(r.collector, r.scope),
      days: `${r.from}..`,
      by: r.by,
      at: r.retiredAt,
      reason: r.reason,
      why,
    })),
  ];

  integrity.sort((a, b) => (a.key === b.key ? (a.problem < b.problem ? -1 : 1) : a.key < b.key ? -1 : 1));
  const ok = integrity.length === 0 && series.every((s) => s.missing.length === 0 && s.failed.length === 0);
  const head = inputs.chain.head ?? null;
  const truncated = integrity.some((p) => p.problem === 'chain-truncated');
  const result: VerifyResult = {
    schema: 'evidence.verify/2',
    from,
    to,
    ok,
    store: locker.url,
    verifiedAt: now.toISOString(),
    series,
    integrity,
    retention: locker.worm ? 'checked' : 'not-applicable',
    deep: Boolean(options.deep),
    chain: {
      head,
      // A cut chain keeps the earlier head as the anchor, so the next verification says so again.
      anchor: truncated && inputs.anchor ? inputs.anchor.head : head,
      checkedAgainst: inputs.anchor?.report ?? null,
      trustedKeys: [...inputs.trusted.keys.values()].map((k) => ({
        fingerprint: k.fingerprint,
        source: k.source,
      })),
    },
    unexpected,
    retired: inputs.retirements.map((r) => ({
      series: seriesId(r.collector, r.scope),
      from: r.from,
      effectiveFrom: effectiveFrom(r),
      reason: r.reason,
      by: r.by,
      at: r.retiredAt,
      key: r.key,
    })),
    refused,
    configuration,
    exceptions: {
      acknowledgedDays: series.reduce((n, s) => n + s.acknowledged.length, 0),
      retiredSeries: new Set(inputs.retirements.map((r) => seriesId(r.collector, r.scope))).size,
      daysBeforeSince: series.reduce((n, s) => n + s.beforeSince, 0),
    },
    notes,
    ...((reviews.cadence.expected || reviews.cadence.campaigns.length > 0) && { reviews: reviews.cadence }),
    stats: {
      requests: locker.stats.requests - startRequests,
      days: daysBetween(from, to).length,
      snapshots: inputs.listed.size,
      digests: inputs.chain.digests.length,
      acknowledgements: inputs.acknowledgements.length,
      objectsRead: facts.objectsRead + derived.objectsRead + windowed.objectsRead,
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

/**
 * The seam where expected series are derived: the configuration × scopes (with the scope
 * environment from STS or the locker), and the series seen in the locker. With
 * aws.organization, the AWS collectors' series come day by day from the day's organization
 * snapshot instead (organization.ts).
 */
async function deriveExpected(
  options: VerifyOptions,
  listedKeys: Iterable<string>,
  /** The window's sealed keys. */
  sealedKeys: Iterable<string>,
  /** Every scope the chain seals, with its last day. */
  scopesSeen: ReadonlyMap<string, string>,
  notes: string[],
  window: {
    facts: ReadonlyMap<string, SnapshotFacts>;
    problemsByKey: ReadonlyMap<string, IntegrityProblem[]>;
    windowEnd: string;
    concurrency: number;
  },
) {
  const { config, from, to } = options;
  const lastSeen = new Map<string, string>(scopesSeen);
  const seen = new Set<string>();
  const see = (key: string, inWindowOnly: boolean) => {
    const p = parseSnapshotKey(key);
    if (!p) return;
    const last = lastSeen.get(p.scope);
    if (!last || p.day > last) lastSeen.set(p.scope, p.day);
    if (!inWindowOnly || (p.day >= from && p.day <= to)) seen.add(seriesId(p.collector, p.scope));
  };
  for (const key of sealedKeys) see(key, true);
  for (const key of listedKeys) see(key, true);
  const collectors = selectCollectors(config, undefined, options.collectors ?? COLLECTORS);
  const organization = config.aws?.organization !== undefined;
  const byOrganization = organization
    ? collectors.filter((c) => c.source === 'aws' && c.id !== ORGANIZATION_SERIES.collector)
    : [];
  const rest = collectors.filter((c) => !byOrganization.includes(c));
  const resolution = await resolveScopeEnvironment(
    config,
    // With an organization no remaining AWS scope needs the default account.
    organization ? rest.filter((c) => c.source !== 'aws') : rest,
    async () => lastSeen,
    options.callerAccount,
  );
  notes.push(...resolution.notes);
  const expected = expectedSeries(config, rest, resolution.env);
  notes.push(...expected.notes);
  const derived = await deriveFromOrganization({
    locker: options.locker,
    config,
    collectors: byOrganization,
    window: { from, to: window.windowEnd },
    facts: window.facts,
    problemsByKey: window.problemsByKey,
    concurrency: window.concurrency,
  });
  notes.push(...derived.notes);
  if (collectors.length === 0)
    notes.push(
      'no collector is configured (or registered): only series found in the locker and integrity are checked',
    );
  return { expected: [...expected.series, ...derived.series], seen, derived };
}

/**
 * The configuration this verification ran under and, when the previous signed report ran
 * under another, which top-level keys differ (read from configs/<sha256>.json of that one).
 */
async function configurationOf(
  locker: Locker,
  config: Config,
  recorded: RecordedConfiguration | undefined,
  anchor: Anchor | undefined,
): Promise<VerifyResult['configuration']> {
  const own = recorded ?? (({ body: _body, ...rest }) => rest)(describeConfiguration(config));
  const previous = anchor?.configuration;
  if (!previous || typeof previous.sha256 !== 'string' || previous.sha256 === own.sha256) return own;
  let keys: string[];
  try {
    const before = JSON.parse((await locker.get(previous.key)).body.toString('utf8')) as unknown;
    keys = changedKeys(before, JSON.parse(JSON.stringify(config)) as unknown);
  } catch (err) {
    if (!(err instanceof NotFoundError) && !(err instanceof SyntaxError)) throw err;
    keys = [`(the previous configuration ${previous.key} cannot be read)`];
  }
  return { ...own, changed: { report: anchor!.report, sha256: previous.sha256, keys } };
}

/** Dotted paths whose values differ between two JSON values (arrays compared whole). */
export function changedKeys(a: unknown, b: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedKeys(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(all)'];
}

function groupByKey(problems: readonly IntegrityProblem[]): Map<string, IntegrityProblem[]> {
  const out = new Map<string, IntegrityProblem[]>();
  for (const p of problems) out.set(p.key, [...(out.get(p.key) ?? []), p]);
  return out;
}

/** How many days without usable evidence (missing or failed), not acknowledged. */
export function gapDays(result: Pick<VerifyResult, 'series'>): number {
  return result.series.reduce((n, s) => n + s.missing.length + s.failed.length, 0);
}

/**
 * Write the result into the locker (reports/verify/<compact verifiedAt>.json), write-once,
 * signed with the digests' key and listed for sealing like every record (evidence/records.ts):
 * the monitoring itself leaves evidence, and its chain anchor is what the next verification
 * checks (only from a report whose signature verifies). A second report in the same
 * millisecond gets a random suffix.
 */
export async function writeVerifyReport(
  locker: Locker,
  result: VerifyResult,
  retentionDays: number,
  signer: Signer,
): Promise<{ key: string; sha256: string }> {
  const at = new Date(result.verifiedAt);
  const written = await writeSignedRecord(locker, {
    key: `${REPORT_PREFIX}${compactInstant(at)}.json`,
    value: result,
    at,
    retentionDays,
    signer,
    onExists: 'suffix',
  });
  return { key: written.key, sha256: written.sha256 };
}
