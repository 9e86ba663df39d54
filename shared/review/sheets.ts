/**
 * Review sheets: one CSV per reviewer (RFC 4180, UTF-8 with a byte-order mark, CRLF, the
 * spreadsheet-formula guard of shared/text/escape.ts), header `account,decision,note` and then
 * read-only context columns; and the parser that reads a filled-in sheet back as decisions.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { CSV_BOM, csvRow } from '../sample/csv.js';
import { oneLine } from '../text/escape.js';
import type { Campaign, Decision } from './records.js';
import { DECISIONS } from './records.js';
import type { Assignment } from './reviewers.js';

/** Columns a reviewer fills in; every other column is context and is ignored when read back. */
export const SHEET_INPUT_COLUMNS = ['account', 'decision', 'note'] as const;

export interface Sheet {
  reviewer: string;
  /** A file name made only of safe characters (the reviewer's name comes from outside). */
  file: string;
  csv: string;
  accounts: number;
}

/** One sheet per reviewer, accounts in name order. */
export function reviewSheets(campaign: Campaign): Sheet[] {
  const byReviewer = new Map<string, Assignment[]>();
  for (const a of campaign.assignments)
    byReviewer.set(a.reviewer, [...(byReviewer.get(a.reviewer) ?? []), a]);
  const accounts = new Map(campaign.population.map((a) => [a.account, a]));
  const contextKeys = [...new Set(campaign.population.flatMap((a) => Object.keys(a.context)))].sort();
  const used = new Set<string>();
  return [...byReviewer.keys()].sort().map((reviewer) => {
    const rows = byReviewer.get(reviewer)!.sort((a, b) => (a.account < b.account ? -1 : 1));
    let csv =
      CSV_BOM +
      csvRow([
        ...SHEET_INPUT_COLUMNS,
        'kind',
        'scope',
        'reviewer',
        'assigned_by',
        ...contextKeys.map((k) => `context_${k}`),
      ]);
    for (const r of rows) {
      const a = accounts.get(r.account)!;
      csv += csvRow([
        a.account,
        '',
        '',
        a.kind,
        a.scope,
        reviewer,
        r.via,
        ...contextKeys.map((k) => a.context[k] ?? ''),
      ]);
    }
    return { reviewer, file: sheetFileName(reviewer, used), csv, accounts: rows.length };
  });
}

function sheetFileName(reviewer: string, used: Set<string>): string {
  const safe =
    reviewer
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 60) || 'reviewer';
  let name = `sheet-${safe}.csv`;
  if (used.has(name) || safe !== reviewer.toLowerCase())
    name = `sheet-${safe}-${createHash('sha256').update(reviewer).digest('hex').slice(0, 8)}.csv`;
  used.add(name);
  return name;
}

/** RFC 4180: fields, quoted fields with doubled quotes, CRLF or LF line ends; a leading BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith(CSV_BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && s[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new UsageError('the decisions file ends inside a quoted field: it is not valid CSV');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

/** The formula guard's apostrophe (csvCell) taken off again: the sheet shows `'=x`, the account is `=x`. */
function unguard(value: string): string {
  return /^'\s*[=+\-@]/.test(value) ? value.slice(1) : value;
}

export interface SheetDecision {
  account: string;
  decision: Decision;
  note: string;
  /** The line of the file (1-based, the header is line 1). */
  line: number;
}

/**
 * The decisions of a filled-in sheet: rows with an empty decision are left undecided; an
 * unknown decision, a `change` without a note, an account twice, or a header without
 * `account` and `decision` is refused (UsageError naming the line and value).
 */
export function parseDecisions(text: string, file: string): SheetDecision[] {
  const rows = parseCsv(text);
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (col('account') < 0 || col('decision') < 0)
    throw new UsageError(
      `--decisions ${file}: the first line must be a header with the columns account,decision,note (a sheet from evidence review start)`,
    );
  const seen = new Map<string, number>();
  const out: SheetDecision[] = [];
  const problems: string[] = [];
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    const account = unguard((r[col('account')] ?? '').trim());
    const decision = (r[col('decision')] ?? '').trim().toLowerCase();
    const note = col('note') >= 0 ? oneLine(unguard((r[col('note')] ?? '').trim())) : '';
    if (!account) return;
    if (!decision) return;
    if (!(DECISIONS as readonly string[]).includes(decision)) {
      problems.push(
        `line ${line}: decision ${JSON.stringify(oneLine(decision))} for ${JSON.stringify(oneLine(account))} is not one of ${DECISIONS.join(', ')}`,
      );
      return;
    }
    if (decision === 'change' && !note) {
      problems.push(
        `line ${line}: "change" for ${JSON.stringify(oneLine(account))} needs a note saying what is to change`,
      );
      return;
    }
    if (seen.has(account)) {
      problems.push(
        `line ${line}: ${JSON.stringify(oneLine(account))} is decided twice (also line ${seen.get(account)})`,
      );
      return;
    }
    seen.set(account, line);
    out.push({ account, decision: decision as Decision, note, line });
  });
  if (problems.length)
    throw new UsageError(
      `--decisions ${file}: refused, nothing written:\n  ${problems.slice(0, 20).join('\n  ')}`,
    );
  return out;
}
