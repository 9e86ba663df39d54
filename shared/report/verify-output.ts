/**
 * `evidence verify-report DIR`: re-check a report's (or a `sample --out` run's) files against the
 * signed run record that names them. The record (reports/sample/…json in the locker, named by
 * report.html or workpaper.md, or by --record) holds the SHA-256 of every file the run wrote; its
 * signature is judged against the keys verify trusts (never a key found only in the locker). Then
 * every file: one altered, missing, not a regular file, or present but not listed (a file claiming
 * to be part of the run) is a problem naming it. A path in the record that would leave the
 * directory (`../`, absolute, empty segments) is a problem and is never read.
 *
 * The same check an auditor can do with `sha256sum` against the record's `files`, but with the
 * record's signature and the completeness of the listing judged too.
 */
import type { KeyObject } from 'node:crypto';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, UsageError } from '../errors.js';
import { judgeSignature, lockerKeys, signatureKey, type TrustedKeys } from '../evidence/signing.js';
import type { Locker } from '../locker/types.js';
import { fileSha256, filesUnder } from '../sample/files.js';
import { parseSampleRunKey, type RecordSignature } from '../sample/record.js';

export type OutputProblemKind =
  | 'record-not-named'
  | 'record-missing'
  | 'record-unreadable'
  | 'unsigned'
  | 'bad-signature'
  | 'untrusted-key'
  | 'no-files-listed'
  | 'unsafe-path'
  | 'missing'
  | 'altered'
  | 'not-a-file'
  | 'extra'
  | 'other-run';

export interface OutputProblem {
  problem: OutputProblemKind;
  /** The file concerned, relative to the directory ("/"-separated), or the record's key. */
  file: string;
  detail: string;
}

export interface OutputCheckResult {
  dir: string;
  /** The run record's key in the locker (null when none could be named). */
  record: string | null;
  /** Where the record's key came from: a file of the directory, or --record. */
  namedBy: string | null;
  signature: RecordSignature | null;
  /** The fingerprint of the key whose signature verifies the record (trusted or not). */
  fingerprint?: string;
  /** What the record says of the run. */
  run?: { ranAt: string; from: string; to: string; subject: string };
  /** Files the record lists, and of them how many match their SHA-256. */
  listed: number;
  matched: number;
  ok: boolean;
  problems: OutputProblem[];
}

/** The files that name the run's record, and how: report.html (report), workpaper.md (sample --out, day or population). */
const NAMERS: readonly { file: string; re: RegExp }[] = [
  { file: 'report.html', re: /<th>This run, recorded<\/th><td><code>([^<]*)<\/code>/ },
  { file: 'workpaper.md', re: /^\| Run recorded in the locker \| `([^`]*)`/m },
];
/** Every workpaper names its run in its header table, within its first bytes. */
const HEADER_BYTES = 64 * 1024;

/** Check the run output in `dir` against its signed record. */
export async function verifyOutput(input: {
  dir: string;
  locker: Locker;
  trusted: TrustedKeys;
  /** The record's key, given by the user: otherwise the one the directory's files name. */
  record?: string;
}): Promise<OutputCheckResult> {
  const dir = path.resolve(input.dir);
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory())
    throw new UsageError(`${input.dir}: not a directory; name a report's --out directory`);
  const problems: OutputProblem[] = [];
  const result: OutputCheckResult = {
    dir,
    record: null,
    namedBy: null,
    signature: null,
    listed: 0,
    matched: 0,
    ok: false,
    problems,
  };

  // 1. The record: given, or named by the directory's report.html / workpaper.md.
  if (input.record !== undefined) {
    if (!parseSampleRunKey(input.record))
      throw new UsageError(
        `--record ${JSON.stringify(input.record)}: expected a run record key, reports/sample/<YYYYMMDDTHHMMSSmmmZ>_<from>_<to>.json`,
      );
    result.record = input.record;
    result.namedBy = '--record';
  } else {
    const named = await namedRecord(dir);
    if (named === undefined)
      throw new UsageError(
        `${input.dir}: holds neither report.html nor workpaper.md: not the output of \`evidence report\` or \`evidence sample --out\` (or name its record with --record KEY)`,
      );
    if (named.key === null || !parseSampleRunKey(named.key)) {
      problems.push({
        problem: 'record-not-named',
        file: named.file,
        detail:
          named.key === null
            ? `${named.file} names no run record where a report or day sample names it: altered, or not tied to files by its run (one written before runs recorded their files)`
            : `${named.file} names ${JSON.stringify(named.key)}, which is not a run record key`,
      });
      return done(result);
    }
    result.record = named.key;
    result.namedBy = named.file;
  }
  const key = result.record;

  // 2. Its bytes and signature, judged as verify judges signed records.
  let body: Buffer;
  try {
    body = (await input.locker.get(key)).body;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    // S3 answers 404 for a missing bucket too: a listing tells an unreachable locker (exit 3).
    for await (const _ of input.locker.list(key)) break;
    problems.push({
      problem: 'record-missing',
      file: key,
      detail: `the run record is not in the locker ${input.locker.url}: nothing vouches for these files`,
    });
    return done(result);
  }
  let sig: Buffer | undefined;
  try {
    sig = (await input.locker.get(signatureKey(key))).body;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  let judged = judgeSignature(body, sig, input.trusted);
  if (judged.status === 'bad-signature') {
    // Name an untrusted signer rather than calling its signature bad.
    const candidates: Map<string, KeyObject> = await lockerKeys(input.locker);
    judged = judgeSignature(body, sig, input.trusted, candidates);
  }
  result.signature = judged.status;
  if ('fingerprint' in judged && judged.fingerprint) result.fingerprint = judged.fingerprint;
  if (judged.status !== 'valid')
    problems.push({
      problem: judged.status,
      file: key,
      detail:
        judged.status === 'unsigned'
          ? `the run record has no signature (${signatureKey(key)}): anyone could have written it`
          : judged.status === 'untrusted-key'
            ? `the run record is signed by key ${judged.fingerprint}, which is not trusted (not the configured key, the key file or a pinned fingerprint)`
            : 'the run record or its signature was altered: no trusted key verifies it',
    });

  const listed = parseRecord(body);
  if (typeof listed === 'string') {
    problems.push({ problem: 'record-unreadable', file: key, detail: listed });
    return done(result);
  }
  result.run = listed.run;
  if (listed.files.length === 0) {
    problems.push({
      problem: 'no-files-listed',
      file: key,
      detail:
        'the run record lists no file (a sample run without --out, or a run recorded before runs listed their files): these files cannot be tied to it',
    });
  }

  // 3. Every file the record lists, then every file it does not.
  const root = await realpath(dir);
  const claimed = new Set<string>();
  for (const f of listed.files) {
    if (claimed.has(f.path)) {
      problems.push({ problem: 'unsafe-path', file: f.path, detail: 'listed twice in the run record' });
      continue;
    }
    claimed.add(f.path);
    const unsafe = unsafePath(f.path);
    if (unsafe) {
      problems.push({ problem: 'unsafe-path', file: f.path, detail: `${unsafe}; not read` });
      continue;
    }
    result.listed++;
    const file = path.join(root, ...f.path.split('/'));
    const st = await lstat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!st) {
      problems.push({
        problem: 'missing',
        file: f.path,
        detail: 'listed in the run record, not in the directory',
      });
      continue;
    }
    // A symbolic link (or a directory on the way that is one) could point anywhere.
    if (!st.isFile() || (await realpath(file)) !== file) {
      problems.push({
        problem: 'not-a-file',
        file: f.path,
        detail: 'not a regular file inside the directory (a link or a directory); not read',
      });
      continue;
    }
    const sha256 = await fileSha256(file);
    if (sha256 !== f.sha256) {
      problems.push({
        problem: 'altered',
        file: f.path,
        detail: `SHA-256 ${sha256}; the run record says ${f.sha256}`,
      });
      continue;
    }
    result.matched++;
  }
  for (const rel of await filesUnder(root)) {
    if (claimed.has(rel)) continue;
    problems.push({
      problem: 'extra',
      file: rel,
      detail: 'not in the run record: the run did not write it (check a copy holding only the run’s files)',
    });
  }

  // 4. Each workpaper names the run too: one from another run says which (its bytes differ as well).
  for (const rel of claimed) {
    if (!/(^|\/)workpaper\.md$/.test(rel) || unsafePath(rel)) continue;
    const named = await namedIn(path.join(root, ...rel.split('/')), NAMERS[1]!.re);
    if (named !== undefined && named !== null && named !== key)
      problems.push({ problem: 'other-run', file: rel, detail: `names the run ${named}, not ${key}` });
  }
  return done(result);
}

function done(result: OutputCheckResult): OutputCheckResult {
  result.ok = result.problems.length === 0;
  return result;
}

/** The record key a file of the directory names: undefined when no naming file exists, null when it names none. */
async function namedRecord(dir: string): Promise<{ file: string; key: string | null } | undefined> {
  for (const { file, re } of NAMERS) {
    const key = await namedIn(path.join(dir, file), re);
    if (key !== undefined) return { file, key };
  }
  return undefined;
}

async function namedIn(file: string, re: RegExp): Promise<string | null | undefined> {
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEADER_BYTES, st.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return re.exec(buf.subarray(0, bytesRead).toString('utf8'))?.[1] ?? null;
  } finally {
    await handle.close();
  }
}

interface ListedRun {
  run: { ranAt: string; from: string; to: string; subject: string };
  files: { path: string; sha256: string }[];
}

/** The record's run and files, or why they cannot be read. */
function parseRecord(body: Buffer): ListedRun | string {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the run record is not JSON';
  }
  if (typeof doc !== 'object' || doc === null) return 'the run record is not a JSON object';
  const d = doc as Record<string, unknown>;
  if (d.schema !== 'evidence.sample-run/1' && d.schema !== 'evidence.population-sample-run/1')
    return `the record's schema is ${JSON.stringify(d.schema)}, not evidence.sample-run/1 (a day sample or a report) or evidence.population-sample-run/1 (a population sample)`;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const files: ListedRun['files'] = [];
  if (d.files !== undefined) {
    if (!Array.isArray(d.files)) return 'the record’s `files` is not a list';
    for (const f of d.files as unknown[]) {
      const entry = f as { path?: unknown; sha256?: unknown } | null;
      if (
        typeof entry !== 'object' ||
        entry === null ||
        typeof entry.path !== 'string' ||
        typeof entry.sha256 !== 'string' ||
        !/^[0-9a-f]{64}$/.test(entry.sha256)
      )
        return `the record’s \`files\` holds ${JSON.stringify(f)}: expected { "path", "sha256" (64 hex digits) }`;
      files.push({ path: entry.path, sha256: entry.sha256 });
    }
  }
  return {
    run: { ranAt: str(d.ranAt), from: str(d.from), to: str(d.to), subject: str(d.subject) },
    files,
  };
}

/** Why a path from the record may not be joined to the directory, or undefined when it may. */
export function unsafePath(p: string): string | undefined {
  if (p === '') return 'an empty path';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL or control character in a path is the point
  if (/[\u0000-\u001f\\]/.test(p)) return 'a control character or backslash in the path';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'an absolute path';
  if (p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'))
    return 'a path that leaves the directory or has an empty, "." or ".." segment';
  return undefined;
}
