/**
 * `expected-series.json` of an export: for every series the verification judged, which days of
 * the window evidence was expected and why (the configuration, the day's organization snapshot,
 * a later `since`, a retirement), and which days were excused, by whom, when and why. With
 * `evidence.jsonl` it lets an auditor check completeness offline (VERIFY.md step 8): every
 * expected day has a sealed `ok` or `partial` record, or an acknowledgement listed here.
 *
 * Pure: built from a verification's result, no I/O.
 */
import { addDays, daysBetween } from '../evidence/days.js';
import { seriesId } from '../evidence/snapshot.js';
import type { SeriesReport, VerifyResult } from '../verify/types.js';

export const EXPECTED_SCHEMA = 'evidence.expected-series/1';

/** A run of consecutive days of the window with one answer to "was evidence expected, and why". */
export interface ExpectationRun {
  from: string;
  to: string;
  expected: boolean;
  why: string;
}

export interface ExpectedSeriesEntry {
  series: string;
  collector: string;
  scope: string;
  /** `config`: the configuration names it; `locker`: found in the locker only, judged until retired. */
  origin: 'config' | 'locker';
  controls: string[];
  /** First day expected, and the configuration key (or evidence) that says so. */
  expectedFrom: string;
  expectedFromReason: string;
  /** Every day of the window, in runs. */
  days: ExpectationRun[];
  /** What the verification found on the expected days (present, missing, failed, acknowledged ...), in runs. */
  judged: SeriesReport['days'];
  /** Expected days excused by a signed, sealed acknowledgement written after the day ended. */
  acknowledged: { day: string; by: string; at: string; reason: string; key: string }[];
  retired?: VerifyResult['retired'][number];
}

export interface ExpectedSeriesDocument {
  schema: typeof EXPECTED_SCHEMA;
  from: string;
  to: string;
  /** When the verification that derived the list ran, and with which tool. */
  verifiedAt: string;
  tool: { name: string; version: string };
  /** The configuration in force (its canonical bytes are `locker/<key>` in the export). */
  configuration: VerifyResult['configuration'];
  /** Expected series-days of the window, and how many are excused. */
  totals: {
    series: number;
    expectedDays: number;
    acknowledgedDays: number;
    retiredSeries: number;
    daysBeforeSince: number;
  };
  series: ExpectedSeriesEntry[];
  /** Acknowledgements and retirements that excuse nothing (unsigned, unsealed, late, contradicted ...). */
  refused: VerifyResult['refused'];
  notes: string[];
}

/** The expectation runs of one series over the window. */
export function expectationRuns(
  s: Pick<SeriesReport, 'expectedFrom' | 'expectedFromReason' | 'expectedTo' | 'expectedOn' | 'origin'>,
  from: string,
  to: string,
  retired?: VerifyResult['retired'][number],
): ExpectationRun[] {
  const on = s.expectedOn;
  const inOrganization = (day: string) => !on || on.some((r) => day >= r.from && day <= r.to);
  const why = (day: string): { expected: boolean; why: string } => {
    if (day < s.expectedFrom)
      return {
        expected: false,
        why:
          s.expectedFromReason === 'auditPeriod.start'
            ? `before the audit period (auditPeriod.start ${s.expectedFrom})`
            : `before ${s.expectedFrom}: ${s.expectedFromReason}`,
      };
    if (s.expectedTo !== undefined && day > s.expectedTo)
      return {
        expected: false,
        why: retired
          ? `retired from ${retired.effectiveFrom} by ${retired.by} (written ${retired.at}): ${retired.reason}`
          : `retired after ${s.expectedTo}`,
      };
    if (!inOrganization(day))
      return {
        expected: false,
        why: "the account is not in that day's organization snapshot (aws.organization)",
      };
    const base =
      s.origin === 'locker'
        ? 'found in the locker though the configuration does not name it: judged until retired'
        : `configured (from ${s.expectedFrom}: ${s.expectedFromReason})`;
    return { expected: true, why: on ? `${base}; in that day's organization snapshot` : base };
  };
  const runs: ExpectationRun[] = [];
  for (const day of daysBetween(from, to)) {
    const w = why(day);
    const last = runs.at(-1);
    if (last && last.expected === w.expected && last.why === w.why && addDays(last.to, 1) === day)
      last.to = day;
    else runs.push({ from: day, to: day, ...w });
  }
  return runs;
}

export function expectedSeriesDocument(v: VerifyResult): ExpectedSeriesDocument {
  const retiredBy = new Map(v.retired.map((r) => [r.series, r]));
  const series = v.series
    .map((s): ExpectedSeriesEntry => {
      const id = seriesId(s.collector, s.scope);
      const retired = retiredBy.get(id);
      return {
        series: id,
        collector: s.collector,
        scope: s.scope,
        origin: s.origin,
        controls: [...s.controls],
        expectedFrom: s.expectedFrom,
        expectedFromReason: s.expectedFromReason,
        days: expectationRuns(s, v.from, v.to, retired),
        judged: s.days.map((d) => ({ ...d })),
        acknowledged: s.acknowledgements.map((a) => ({
          day: a.day,
          by: a.by,
          at: a.at,
          reason: a.reason,
          key: a.key,
        })),
        ...(retired && { retired }),
      };
    })
    .sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : 0));
  return {
    schema: EXPECTED_SCHEMA,
    from: v.from,
    to: v.to,
    verifiedAt: v.verifiedAt,
    tool: v.tool,
    configuration: v.configuration,
    totals: {
      series: series.length,
      expectedDays: v.series.reduce((n, s) => n + s.expectedDays, 0),
      acknowledgedDays: v.exceptions.acknowledgedDays,
      retiredSeries: v.exceptions.retiredSeries,
      daysBeforeSince: v.exceptions.daysBeforeSince,
    },
    series,
    refused: v.refused,
    notes: v.notes,
  };
}

/** A record of evidence.jsonl as the completeness check reads it. */
export interface CompletenessRecord {
  series?: unknown;
  day?: unknown;
  status?: unknown;
  sha256?: unknown;
  digest?: unknown;
}

/**
 * Expected series-days with no sealed `ok`/`partial` record and no acknowledgement: what
 * VERIFY.md's completeness step prints, computed the same way (verify-export).
 */
export function incompleteDays(
  doc: Pick<ExpectedSeriesDocument, 'series'>,
  records: readonly (CompletenessRecord | undefined)[],
): { series: string; day: string; found: string }[] {
  const present = new Set<string>();
  const seen = new Map<string, string[]>();
  for (const r of records) {
    if (!r || typeof r.series !== 'string' || typeof r.day !== 'string') continue;
    const id = `${r.series}@${r.day}`;
    seen.set(id, [...(seen.get(id) ?? []), String(r.status)]);
    if (
      (r.status === 'ok' || r.status === 'partial') &&
      typeof r.sha256 === 'string' &&
      typeof r.digest === 'string'
    )
      present.add(id);
  }
  const out: { series: string; day: string; found: string }[] = [];
  for (const s of doc.series) {
    const excused = new Set(s.acknowledged.map((a) => a.day));
    for (const run of s.days) {
      if (!run.expected) continue;
      for (const day of daysBetween(run.from, run.to)) {
        const id = `${s.series}@${day}`;
        if (present.has(id) || excused.has(day)) continue;
        const found = seen.get(id);
        out.push({
          series: s.series,
          day,
          found: found ? `only ${found.join(', ')} record(s), none sealed ok or partial` : 'no record',
        });
      }
    }
  }
  return out;
}
