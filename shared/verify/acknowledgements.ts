/**
 * Acknowledgements: an immutable, explained record of a known gap ("a gap must be
 * documented, never hidden"). One write-once object per acknowledgement of a range of days:
 * acknowledgements/<first day>/<collector>/<scope>/<compact now>.json. An acknowledged day is
 * reported as acknowledged: never as missing, never as present. Only days that have ended,
 * of a series the configuration expects or the locker holds, can be acknowledged.
 */
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { CorruptEvidenceError, UsageError } from '../errors.js';
import { compactInstant, dayOf, isDay } from '../evidence/days.js';
import { parseSeriesId } from '../evidence/ids.js';
import { parseJson } from '../evidence/read.js';
import { ACK_PREFIX, recordInstant, writeSignedRecord } from '../evidence/records.js';
import type { Signer } from '../evidence/signing.js';
import { KeySegment, seriesId } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';
import { TOOL } from '../version.js';

export const ACK_SCHEMA = 'evidence.acknowledgement/1';
export { ACK_PREFIX };

const Acknowledgement = z.object({
  schema: z.literal(ACK_SCHEMA),
  collector: KeySegment,
  scope: KeySegment,
  /** First day acknowledged (the key's day). */
  day: z.string().refine(isDay, 'expected a date as YYYY-MM-DD'),
  /** Last day acknowledged (inclusive); absent for a single day. */
  to: z.string().refine(isDay, 'expected a date as YYYY-MM-DD').optional(),
  reason: z.string().min(1),
  by: z.string().min(1),
  acknowledgedAt: z.iso.datetime(),
  tool: z.object({ name: z.string(), version: z.string() }),
});
export type Acknowledgement = z.infer<typeof Acknowledgement>;

export interface StoredAcknowledgement extends Acknowledgement {
  key: string;
}

/** Parse `<collector>/<scope>` as commands take it; UsageError naming the problem otherwise. */
export function parseSeries(text: string): { collector: string; scope: string } {
  return parseSeriesId(text, '--series');
}

export function acknowledgementKey(day: string, collector: string, scope: string, at: Date): string {
  return `${ACK_PREFIX}${day}/${collector}/${scope}/${compactInstant(at)}.json`;
}

const ACK_KEY_RE = /^acknowledgements\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/([^/]+)\/[^/]+\.json$/;

export function parseAcknowledgementKey(
  key: string,
): { day: string; collector: string; scope: string } | undefined {
  const m = ACK_KEY_RE.exec(key);
  return m ? { day: m[1]!, collector: m[2]!, scope: m[3]! } : undefined;
}

export interface AcknowledgeInput {
  series: string;
  /** First day; `day` is accepted for a single day. */
  from?: string;
  to?: string;
  day?: string;
  reason: string;
  by: string;
}

export interface AcknowledgeOptions {
  clock: Clock;
  retentionDays: number;
  /** Signs the record (the digests' key): an unsigned acknowledgement excuses nothing. */
  signer: Signer;
  /**
   * Whether the series may be acknowledged: expected by the configuration or present in the
   * locker. Returns undefined when it may, else the reason it may not (a UsageError names it).
   */
  knownSeries: (series: string) => Promise<string | undefined>;
}

/** Validate the input and write the record once; returns what was written. */
export async function acknowledge(
  locker: Locker,
  input: AcknowledgeInput,
  options: AcknowledgeOptions,
): Promise<{ key: string; sha256: string; record: Acknowledgement }> {
  const { collector, scope } = parseSeries(input.series);
  const from = input.from ?? input.day;
  const to = input.to ?? input.day ?? from;
  if (from === undefined || !isDay(from))
    throw new UsageError(`--from ${JSON.stringify(from ?? '')}: expected a date as YYYY-MM-DD`);
  if (to === undefined || !isDay(to))
    throw new UsageError(`--to ${JSON.stringify(to ?? '')}: expected a date as YYYY-MM-DD`);
  if (to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
  const today = dayOf(options.clock.now());
  if (to >= today)
    throw new UsageError(
      `--to ${to}: that day has not ended (today is ${today}, UTC); a gap can only be acknowledged once it has happened`,
    );
  const reason = input.reason.trim();
  const by = input.by.trim();
  if (!reason)
    throw new UsageError('--reason is empty: say why the evidence is missing, e.g. "GuardDuty API outage"');
  if (!by) throw new UsageError('--by is empty: name the person accountable for this acknowledgement');
  const refused = await options.knownSeries(seriesId(collector, scope));
  if (refused !== undefined) throw new UsageError(`--series ${seriesId(collector, scope)}: ${refused}`);
  const now = options.clock.now();
  const record: Acknowledgement = {
    schema: ACK_SCHEMA,
    collector,
    scope,
    day: from,
    ...(to !== from && { to }),
    reason,
    by,
    acknowledgedAt: now.toISOString(),
    tool: { name: TOOL.name, version: TOOL.version },
  };
  await locker.check();
  const written = await writeSignedRecord(locker, {
    key: acknowledgementKey(from, collector, scope, now),
    value: record,
    at: now,
    retentionDays: options.retentionDays,
    signer: options.signer,
  });
  return { key: written.key, sha256: written.sha256, record };
}

/** Read one acknowledgement; CorruptEvidenceError when it is not one or its key disagrees. */
export async function readAcknowledgement(locker: Locker, key: string): Promise<StoredAcknowledgement> {
  return parseAcknowledgement(key, (await locker.get(key)).body);
}

/**
 * Parse one acknowledgement's bytes; CorruptEvidenceError when it is not one, or its key names
 * another series, first day or instant than its body.
 */
export function parseAcknowledgement(key: string, body: Buffer): StoredAcknowledgement {
  const parsed = Acknowledgement.safeParse(parseJson(key, body));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CorruptEvidenceError(
      key,
      `not an acknowledgement (${first?.path.join('.')}: ${first?.message})`,
    );
  }
  const where = parseAcknowledgementKey(key);
  const a = parsed.data;
  if (
    !where ||
    where.day !== a.day ||
    where.collector !== a.collector ||
    where.scope !== a.scope ||
    (a.to !== undefined && a.to < a.day) ||
    recordInstant(key) !== new Date(a.acknowledgedAt).toISOString()
  ) {
    throw new CorruptEvidenceError(
      key,
      `acknowledges ${seriesId(a.collector, a.scope)} on ${a.day} at ${a.acknowledgedAt}, which its key does not name`,
    );
  }
  return { key, ...a };
}

/**
 * Every readable acknowledgement in the locker, for the workpapers' exception evaluation. One
 * that cannot be read as an acknowledgement is left out here; verify reports it (and checks every
 * acknowledgement's signature).
 */
export async function listAcknowledgements(locker: Locker): Promise<StoredAcknowledgement[]> {
  const out: StoredAcknowledgement[] = [];
  for await (const item of locker.list(ACK_PREFIX)) {
    if (!item.key.endsWith('.json')) continue;
    try {
      out.push(await readAcknowledgement(locker, item.key));
    } catch (err) {
      if (!(err instanceof CorruptEvidenceError)) throw err;
    }
  }
  return out;
}
