/**
 * samples.csv: RFC 4180 (CRLF line ends; a field holding a comma, a double quote, CR or LF is
 * enclosed in double quotes, with its double quotes doubled), UTF-8 with a byte-order mark so
 * that Excel opens it as UTF-8 rather than the local code page (LibreOffice, Numbers and
 * Python's csv module with encoding="utf-8-sig" read it as well).
 *
 * A cell that starts with =, +, -, @ (after blanks) would be run as a formula by a spreadsheet
 * (OWASP "CSV injection"); user names and repository names come from outside, so such a cell
 * gets a leading apostrophe. Control characters (ESC, CR, LF, TAB ...) become spaces: one
 * record per line, nothing for a terminal to act on. samples.json keeps every value exactly
 * as found.
 */
import { seriesId } from '../evidence/snapshot.js';
import { csvCell } from '../text/escape.js';
import type { SampleResult } from './run.js';

export const CSV_BOM = '\uFEFF';

const CSV_COLUMNS = [
  'check',
  'series',
  'collector',
  'scope',
  'day',
  'result',
  'detail',
  'failing',
  'key',
  'version_id',
  'sha256',
  'snapshot_status',
  'integrity',
  'lock_mode',
  'retain_until',
  'snapshots_that_day',
  'stratum',
  'rank',
] as const;

/** One field: control characters out, formula guard, quoted when it must be (shared/text/escape.ts). */
export function csvField(value: string | number | null): string {
  return csvCell(value);
}

export function csvRow(values: readonly (string | number | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function samplesCsv(samples: Iterable<SampleResult>): string {
  return [...samplesCsvRows(samples)].join('');
}

/** samples.csv row by row (the first with the byte-order mark and the header). */
export function* samplesCsvRows(samples: Iterable<SampleResult>): Generator<string> {
  yield CSV_BOM + csvRow(CSV_COLUMNS);
  for (const s of samples) {
    yield csvRow([
      s.check,
      seriesId(s.collector, s.scope),
      s.collector,
      s.scope,
      s.day,
      s.result,
      s.detail,
      s.failing.join('; '),
      s.key,
      s.versionId,
      s.sha256,
      s.snapshotStatus,
      s.integrity,
      s.lockMode,
      s.retainUntil,
      s.snapshotsThatDay,
      s.stratum,
      s.rank,
    ]);
  }
}
