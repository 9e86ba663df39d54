/**
 * The hash chain of `evidence.jsonl`, exactly as the flag-change export of the source
 * documents defines it (test/fixtures/seeds/flag-change-export.md):
 *
 *   hash = sha256(prev_hash + ":" + json.dumps(record_without_hash_fields, sort_keys=True,
 *                                               separators=(",", ":")))
 *
 * with prev_hash of the first record 64 zeros. `pythonJson` writes what Python's `json.dumps`
 * writes with those arguments (and its default ensure_ascii=True: every character outside
 * printable ASCII as \uXXXX, surrogate pairs for the rest), so the seed's own Python check
 * recomputes the same hashes.
 */
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

/** Python's json.dumps(value, sort_keys=True, separators=(",", ":")) for JSON data (integers only). */
export function pythonJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value))
        throw new TypeError(
          `evidence.jsonl holds integers only (Python and JavaScript print floats differently): got ${value}`,
        );
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(pythonJson).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        // Python sorts str keys by code point; for the ASCII keys of the export that is UTF-16 order.
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${pythonString(k)}:${pythonJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`evidence.jsonl cannot hold a ${typeof value}`);
  }
}

function pythonString(text: string): string {
  // JSON.stringify escapes ", \ and C0 controls as Python does (\b \f \n \r \t, else \u00XX);
  // Python with ensure_ascii also escapes DEL and every non-ASCII UTF-16 code unit.
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The record's hash given its predecessor's: sha256(prev + ":" + pythonJson(record)). */
export function chainHash(prev: string, record: object): string {
  return createHash('sha256')
    .update(`${prev}:${pythonJson(record)}`, 'utf8')
    .digest('hex');
}

export type Chained<R> = R & { prev_hash: string; hash: string };

/** One record chained after `prev`: its line (ending in "\n") and its hash (the next one's prev). */
export function chainLine<R extends object>(prev: string, record: R): { line: string; hash: string } {
  const hash = chainHash(prev, record);
  return { line: `${pythonJson({ ...record, prev_hash: prev, hash })}\n`, hash };
}

/** Chain records in the order given; returns the lines (each ending in "\n") and the head. */
export function chainRecords<R extends object>(
  records: readonly R[],
): { lines: string[]; chained: Chained<R>[]; head: string } {
  let prev = GENESIS;
  const chained: Chained<R>[] = [];
  for (const record of records) {
    if ('hash' in record || 'prev_hash' in record)
      throw new TypeError('a record to chain must not carry hash or prev_hash itself');
    const hash = chainHash(prev, record);
    chained.push({ ...record, prev_hash: prev, hash });
    prev = hash;
  }
  return { lines: chained.map((c) => `${pythonJson(c)}\n`), chained, head: prev };
}

export interface ChainBreak {
  /** 1-based line number, as the seed's check counts. */
  line: number;
  problem: 'not-json' | 'not-a-record' | 'prev-hash-mismatch' | 'hash-mismatch';
  detail: string;
}

/**
 * Check the chain as the seed's Python does (prev_hash links, recomputed hash), without
 * stopping at the first break: every line is judged against the line before it as written.
 */
export function checkChain(text: string): {
  records: (Record<string, unknown> | undefined)[];
  breaks: ChainBreak[];
  head: string;
} {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const breaks: ChainBreak[] = [];
  const records: (Record<string, unknown> | undefined)[] = [];
  let prev = GENESIS;
  lines.forEach((line, i) => {
    const n = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      breaks.push({ line: n, problem: 'not-json', detail: (err as Error).message });
      records.push(undefined);
      prev = '';
      return;
    }
    if (
      parsed === null ||
      typeof parsed !== 'object' ||
      Array.isArray(parsed) ||
      typeof (parsed as Record<string, unknown>).hash !== 'string' ||
      typeof (parsed as Record<string, unknown>).prev_hash !== 'string'
    ) {
      breaks.push({ line: n, problem: 'not-a-record', detail: 'expected an object with hash and prev_hash' });
      records.push(undefined);
      prev = '';
      return;
    }
    const { hash, prev_hash, ...rest } = parsed as Record<string, unknown> & {
      hash: string;
      prev_hash: string;
    };
    records.push(parsed as Record<string, unknown>);
    if (prev_hash !== prev) {
      breaks.push({
        line: n,
        problem: 'prev-hash-mismatch',
        detail: `prev_hash is ${prev_hash}, the record before it hashes to ${prev || '(unreadable)'}: a line before it was removed, added or reordered`,
      });
    }
    let computed: string;
    try {
      computed = chainHash(prev_hash, rest);
    } catch (err) {
      breaks.push({ line: n, problem: 'hash-mismatch', detail: (err as Error).message });
      prev = hash;
      return;
    }
    if (computed !== hash) {
      breaks.push({
        line: n,
        problem: 'hash-mismatch',
        detail: `its content hashes to ${computed}, the line says ${hash}: the line was altered`,
      });
    }
    prev = hash;
  });
  return { records, breaks, head: prev };
}
