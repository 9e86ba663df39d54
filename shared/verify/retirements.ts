/**
 * Retirements: the one way a series stops being expected. A series leaves the report only
 * through an explicit, immutable record naming the first day it is no longer expected, why
 * and who says so (`evidence retire`), never by editing the configuration. One write-once
 * object per retirement: retirements/<collector>/<scope>/<compact now>.json.
 */
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { CorruptEvidenceError, UsageError } from '../errors.js';
import { compactInstant, isDay, laterDay } from '../evidence/days.js';
import { parseJson } from '../evidence/read.js';
import { RETIREMENT_PREFIX, recordInstant, writeSignedRecord } from '../evidence/records.js';
import type { Signer } from '../evidence/signing.js';
import { KeySegment, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { TOOL } from '../version.js';
import { parseSeries } from './acknowledgements.js';

const RETIREMENT_SCHEMA = 'evidence.retirement/1';

const Retirement = z.object({
  schema: z.literal(RETIREMENT_SCHEMA),
  collector: KeySegment,
  scope: KeySegment,
  /** First day on which the series is no longer expected. */
  from: z.string().refine(isDay, 'expected a date as YYYY-MM-DD'),
  reason: z.string().min(1),
  by: z.string().min(1),
  retiredAt: z.iso.datetime(),
  tool: z.object({ name: z.string(), version: z.string() }),
});
export type Retirement = z.infer<typeof Retirement>;
export interface StoredRetirement extends Retirement {
  key: string;
}

export function retirementKey(collector: string, scope: string, at: Date): string {
  return `${RETIREMENT_PREFIX}${collector}/${scope}/${compactInstant(at)}.json`;
}

const RETIREMENT_KEY_RE = /^retirements\/([^/]+)\/([^/]+)\/[^/]+\.json$/;

export async function retire(
  locker: Locker,
  input: { series: string; from: string; reason: string; by: string },
  options: {
    clock: Clock;
    retentionDays: number;
    /** Signs the record (the digests' key): an unsigned retirement retires nothing. */
    signer: Signer;
    knownSeries: (series: string) => Promise<string | undefined>;
  },
): Promise<{ key: string; sha256: string; record: Retirement }> {
  const { collector, scope } = parseSeries(input.series);
  if (!isDay(input.from))
    throw new UsageError(`--from ${JSON.stringify(input.from)}: expected a date as YYYY-MM-DD`);
  const reason = input.reason.trim();
  const by = input.by.trim();
  if (!reason) throw new UsageError('--reason is empty: say why the series is no longer collected');
  if (!by) throw new UsageError('--by is empty: name the person accountable for retiring the series');
  const refused = await options.knownSeries(seriesId(collector, scope));
  if (refused !== undefined) throw new UsageError(`--series ${seriesId(collector, scope)}: ${refused}`);
  const now = options.clock.now();
  const record: Retirement = {
    schema: RETIREMENT_SCHEMA,
    collector,
    scope,
    from: input.from,
    reason,
    by,
    retiredAt: now.toISOString(),
    tool: { name: TOOL.name, version: TOOL.version },
  };
  await locker.check();
  const written = await writeSignedRecord(locker, {
    key: retirementKey(collector, scope, now),
    value: record,
    at: now,
    retentionDays: options.retentionDays,
    signer: options.signer,
  });
  return { key: written.key, sha256: written.sha256, record };
}

/**
 * Parse one retirement's bytes; CorruptEvidenceError when it is not one, or its key names
 * another series or instant than its body.
 */
export function parseRetirement(key: string, body: Buffer): StoredRetirement {
  const where = RETIREMENT_KEY_RE.exec(key);
  const parsed = Retirement.safeParse(parseJson(key, body));
  if (
    !parsed.success ||
    !where ||
    where[1] !== parsed.data.collector ||
    where[2] !== parsed.data.scope ||
    recordInstant(key) !== new Date(parsed.data.retiredAt).toISOString()
  )
    throw new CorruptEvidenceError(key, 'not a retirement, or its key names another series or instant');
  return { key, ...parsed.data };
}

/** The day a retirement takes effect: its `from`, but never before the day it was written. */
export function effectiveFrom(r: Pick<Retirement, 'from' | 'retiredAt'>): string {
  const written = r.retiredAt.slice(0, 10);
  return laterDay(r.from, written);
}
