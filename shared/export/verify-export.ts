/**
 * `evidence verify-export DIR`: everything an auditor checks in an export, offline (no AWS,
 * no network: only the directory and the fingerprint the auditor was given). Each problem
 * names the file, and the line of evidence.jsonl, it is about.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { Digest, Leaf, parseDigestKey } from '../evidence/digest.js';
import { RECORD_KINDS, recordPrefixOf } from '../evidence/records.js';
import { parseSnapshotKey } from '../evidence/snapshot.js';
import { parseSampleRunKey } from '../sample/record.js';
import { checkChain } from './chain.js';
import { EXPECTED_SCHEMA, type ExpectedSeriesDocument, incompleteDays } from './expected.js';
import { EXPORT_FILES, walk } from './export.js';

const EXPORT_PROBLEMS = [
  'missing-file',
  'unlisted-file',
  'altered-file',
  'bad-signature',
  'unsigned',
  'untrusted-key',
  'key-not-pinned',
  'chain-break',
  'record-mismatch',
  'not-sealed',
  'deleted',
  'removed-record',
  'extra-snapshot',
  'digest-chain-broken',
  'missing-day',
  'corrupt',
] as const;
export type ExportProblemKind = (typeof EXPORT_PROBLEMS)[number];

export interface ExportProblem {
  problem: ExportProblemKind;
  /** The file of the export it is about, relative to the export directory. */
  file: string;
  /** 1-based line of evidence.jsonl, when it is about one. */
  line?: number;
  detail: string;
}

export interface VerifyExportResult {
  schema: 'evidence.verify-export/1';
  dir: string;
  ok: boolean;
  records: number;
  head: string | null;
  fingerprint: string | null;
  /** Where trust in the key came from; null when it is not trusted. */
  trustedBy: string | null;
  window: { from: string; to: string } | null;
  digests: number;
  files: number;
  problems: ExportProblem[];
  notes: string[];
}

export interface VerifyExportOptions {
  dir: string;
  /** Fingerprints the verifier trusts, each with where it came from (--fingerprint, a key file). */
  trusted: ReadonlyMap<string, string>;
}

function fingerprintOf(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function verifies(key: KeyObject, body: Uint8Array, signature: Uint8Array): boolean {
  try {
    return cryptoVerify('sha256', body, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

export async function verifyExport(options: VerifyExportOptions): Promise<VerifyExportResult> {
  const dir = path.resolve(options.dir);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new UsageError(`${options.dir}: not an export directory (${(err as Error).message})`, {
      cause: err,
    });
  }
  const problems: ExportProblem[] = [];
  const notes: string[] = [];
  const report = (p: ExportProblem) => problems.push(p);
  const files = await walk(dir);
  const present = new Set(files);
  const read = async (rel: string): Promise<Buffer | undefined> =>
    present.has(rel) ? readFile(path.join(dir, ...rel.split('/'))) : undefined;

  // 1. The key and the signatures.
  const { jsonl: J, jsonlSig, publicKey: P, sums: S, sumsSig, lockerDir } = EXPORT_FILES;
  let key: KeyObject | undefined;
  let fingerprint: string | null = null;
  let trustedBy: string | null = null;
  const pem = await read(P);
  if (!pem) report({ problem: 'missing-file', file: P, detail: 'the public key is not in the export' });
  else {
    try {
      key = createPublicKey(pem.toString('utf8'));
      fingerprint = fingerprintOf(key);
      trustedBy = options.trusted.get(fingerprint) ?? null;
      if (!trustedBy) {
        report(
          options.trusted.size === 0
            ? {
                problem: 'key-not-pinned',
                file: P,
                detail: `the export is signed by key ${fingerprint}; a key that travels with the export proves nothing by itself: pass --fingerprint with the fingerprint you were given`,
              }
            : {
                problem: 'untrusted-key',
                file: P,
                detail: `the export is signed by key ${fingerprint}, which is not a trusted key (${[...options.trusted.keys()].join(', ')})`,
              },
        );
      }
    } catch (err) {
      report({ problem: 'corrupt', file: P, detail: `not a public key (${(err as Error).message})` });
    }
  }
  const checkSignature = async (file: string, sigFile: string) => {
    const body = await read(file);
    const sig = await read(sigFile);
    if (!body) return report({ problem: 'missing-file', file, detail: 'not in the export' });
    if (!sig) return report({ problem: 'unsigned', file, detail: `${sigFile} is not in the export` });
    if (key && !verifies(key, body, sig))
      report({
        problem: 'bad-signature',
        file,
        detail: `${sigFile} is not a valid signature of ${file} by key ${fingerprint}: the file or the signature was changed or swapped`,
      });
  };
  await checkSignature(J, jsonlSig);
  await checkSignature(S, sumsSig);

  // 2. SHA256SUMS: every file listed matches; every file is listed.
  const sums = await read(S);
  const listed = new Map<string, string>();
  if (sums) {
    sums
      .toString('utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line === '') return;
        const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
        if (m) listed.set(m[2]!, m[1]!);
        else
          report({
            problem: 'corrupt',
            file: S,
            line: i + 1,
            detail: `not a sha256sum line: ${JSON.stringify(line.slice(0, 80))}`,
          });
      });
    for (const [file, expected] of listed) {
      const body = await read(file);
      if (!body) report({ problem: 'missing-file', file, detail: `listed in ${S} but not in the export` });
      else if (sha256Hex(body) !== expected)
        report({
          problem: 'altered-file',
          file,
          detail: `SHA-256 is ${sha256Hex(body)}, ${S} lists ${expected}`,
        });
    }
    for (const file of files) {
      if (file === S || file === sumsSig) continue;
      if (!listed.has(file))
        report({
          problem: 'unlisted-file',
          file,
          detail: `not listed in ${S}: added after the export was signed`,
        });
    }
  }

  // 3. The chain of evidence.jsonl.
  const jsonl = await read(J);
  const chain = jsonl ? checkChain(jsonl.toString('utf8')) : { records: [], breaks: [], head: '' };
  for (const b of chain.breaks) {
    const rec = chain.records[b.line - 1];
    report({
      problem: b.problem === 'not-json' || b.problem === 'not-a-record' ? 'corrupt' : 'chain-break',
      file: J,
      line: b.line,
      detail: `${rec && typeof rec.key === 'string' ? `${rec.key}: ` : ''}${b.problem}: ${b.detail}`,
    });
  }

  // 4. Digests of the export: parsed, signatures (when the locker signed them), the chain inside the window.
  const digests = new Map<string, Digest>();
  const digestSha = new Map<string, string>();
  for (const file of files) {
    const rel = file.slice(lockerDir.length + 1);
    if (!file.startsWith(`${lockerDir}/digests/`) || !parseDigestKey(rel)) continue;
    const body = (await read(file))!;
    digestSha.set(rel, sha256Hex(body));
    try {
      const parsed = Digest.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
      digests.set(rel, parsed.data);
    } catch (err) {
      report({ problem: 'corrupt', file, detail: `not a digest (${(err as Error).message})` });
      continue;
    }
    const sig = await read(`${file}.sig`);
    if (sig && key && !verifies(key, body, sig))
      report({
        problem: 'bad-signature',
        file,
        detail: `${file}.sig is not a valid signature of it by key ${fingerprint}`,
      });
  }
  // Digests are signed when sealed; one without its signature is not proven (fail closed).
  for (const k of digests.keys()) {
    if (!present.has(`${lockerDir}/${k}.sig`))
      report({
        problem: 'unsigned',
        file: `${lockerDir}/${k}`,
        detail: `${lockerDir}/${k}.sig is not in the export: the digest is not signed`,
      });
  }
  // Signed records (sample runs, day and population samples alike; acknowledgements,
  // retirements, verify reports, access reviews) are signed when written: one altered, or
  // without its signature, is not what was recorded.
  for (const file of files) {
    const rel = file.slice(lockerDir.length + 1);
    if (!file.startsWith(`${lockerDir}/`)) continue;
    const prefix = recordPrefixOf(rel);
    if (!prefix && !parseSampleRunKey(rel)) continue;
    const kind = prefix ? RECORD_KINDS[prefix] : 'sample run';
    const sig = await read(`${file}.sig`);
    if (!sig)
      report({
        problem: 'unsigned',
        file,
        detail: `${file}.sig is not in the export: the ${kind}'s record is not signed`,
      });
    else if (key && !verifies(key, (await read(file))!, sig))
      report({
        problem: 'bad-signature',
        file,
        detail: `${file}.sig is not a valid signature of it by key ${fingerprint}: the ${kind}'s record or its signature was changed`,
      });
  }
  // The form that scales: each root's leaves, against the root (SHA-256), signed, and what they seal.
  const sealedEntries = new Map<
    string,
    { digest: string; leaf?: string; sha256: string; versionId?: string }
  >();
  for (const [k, d] of digests) {
    if (d.schema !== 'evidence.digest/3') {
      for (const e of d.snapshots)
        sealedEntries.set(e.key, {
          digest: k,
          sha256: e.sha256,
          ...(e.versionId ? { versionId: e.versionId } : {}),
        });
      continue;
    }
    for (const ref of d.leaves) {
      const file = `${lockerDir}/${ref.key}`;
      const body = await read(file);
      if (!body) {
        report({
          problem: 'missing-file',
          file,
          detail: `a leaf of ${lockerDir}/${k} is not in the export: the ${ref.entries} snapshot(s) it seals are not shown sealed`,
        });
        continue;
      }
      if (sha256Hex(body) !== ref.sha256) {
        report({
          problem: 'record-mismatch',
          file,
          detail: `SHA-256 is ${sha256Hex(body)}, its root ${lockerDir}/${k} sealed ${ref.sha256}: the leaf was altered or replaced, so it seals nothing`,
        });
        continue;
      }
      let leaf: Leaf;
      try {
        const parsed = Leaf.safeParse(JSON.parse(body.toString('utf8')));
        if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
        leaf = parsed.data;
      } catch (err) {
        report({ problem: 'corrupt', file, detail: `not a digest leaf (${(err as Error).message})` });
        continue;
      }
      if (
        leaf.day !== d.day ||
        leaf.sealedAt !== d.sealedAt ||
        leaf.collector !== ref.collector ||
        leaf.shard !== ref.shard
      ) {
        report({
          problem: 'corrupt',
          file,
          detail: `the leaf says ${leaf.collector}/${leaf.shard} of ${leaf.day} sealed at ${leaf.sealedAt}; its root names ${ref.collector}/${ref.shard} of ${d.day} sealed at ${d.sealedAt}`,
        });
        continue;
      }
      const sig = await read(`${file}.sig`);
      if (!sig)
        report({
          problem: 'unsigned',
          file,
          detail: `${file}.sig is not in the export: the leaf is not signed`,
        });
      else if (key && !verifies(key, body, sig))
        report({
          problem: 'bad-signature',
          file,
          detail: `${file}.sig is not a valid signature of it by key ${fingerprint}`,
        });
      for (const e of leaf.snapshots)
        sealedEntries.set(e.key, {
          digest: k,
          leaf: ref.key,
          sha256: e.sha256,
          ...(e.versionId ? { versionId: e.versionId } : {}),
        });
    }
  }
  const entering: string[] = [];
  for (const [k, d] of digests) {
    if (!d.previous) continue;
    const prevSha = digestSha.get(d.previous.key);
    if (prevSha === undefined) entering.push(k);
    else if (prevSha !== d.previous.sha256)
      report({
        problem: 'digest-chain-broken',
        file: `${lockerDir}/${k}`,
        detail: `previous digest ${d.previous.key} hashes to ${prevSha}, not the recorded ${d.previous.sha256}`,
      });
  }
  if (entering.length > 1)
    notes.push(
      `${entering.length} digests of the window follow digests outside it (late seals, or sealing out of day order): ${entering.join(', ')}`,
    );

  // 5. Each record against its file and its digest; each sealed snapshot of the window has a record.
  const days = chain.records.flatMap((r) => (r && typeof r.day === 'string' ? [r.day] : []));
  const digestDays = [...digests.keys()].map((k) => parseDigestKey(k)!.day);
  const all = [...days, ...digestDays].sort();
  const window = all.length ? { from: all[0]!, to: all.at(-1)! } : null;
  const recorded = new Set<string>();
  chain.records.forEach((rec, i) => {
    if (!rec) return;
    const line = i + 1;
    const k = rec.key;
    if (typeof k !== 'string' || !parseSnapshotKey(k)) {
      report({ problem: 'corrupt', file: J, line, detail: `key ${JSON.stringify(k)} is not a snapshot key` });
      return;
    }
    recorded.add(k);
    const file = `${lockerDir}/${k}`;
    if (rec.sha256 === null) {
      report({
        problem: 'deleted',
        file,
        line,
        detail: `${k} was sealed but was no longer in the locker when exported`,
      });
      return;
    }
    if (!present.has(file))
      report({
        problem: 'missing-file',
        file,
        line,
        detail: `the snapshot of line ${line} is not in the export`,
      });
    const sealed = sealedEntries.get(k);
    if (rec.digest === null || rec.digest === undefined) {
      report({
        problem: 'not-sealed',
        file,
        line,
        detail: `${k} was not sealed by any digest when exported: its integrity cannot be shown`,
      });
    } else if (!sealed || sealed.digest !== rec.digest || (sealed.leaf ?? null) !== (rec.leaf ?? null)) {
      report({
        problem: present.has(`${lockerDir}/${String(rec.digest)}`) ? 'record-mismatch' : 'missing-file',
        file: `${lockerDir}/${String(rec.digest)}`,
        line,
        detail: `line ${line} says ${k} is sealed by ${String(rec.digest)}${rec.leaf ? ` (leaf ${String(rec.leaf)})` : ''}, which ${present.has(`${lockerDir}/${String(rec.digest)}`) ? (sealed ? `does not: ${sealed.leaf ?? sealed.digest} lists it` : 'does not list it') : 'is not in the export'}`,
      });
    } else if (sealed.sha256 !== rec.sha256) {
      report({
        problem: 'record-mismatch',
        file,
        line,
        detail: `line ${line} gives SHA-256 ${String(rec.sha256)}, ${rec.digest} sealed ${sealed.sha256}: the snapshot was altered after sealing`,
      });
    } else if (sealed.versionId && rec.versionId && sealed.versionId !== rec.versionId) {
      report({
        problem: 'record-mismatch',
        file,
        line,
        detail: `line ${line} gives version ${String(rec.versionId)}, ${rec.digest} sealed version ${sealed.versionId}`,
      });
    }
    const body = present.has(file) ? listed.get(file) : undefined;
    if (body !== undefined && body !== rec.sha256)
      report({
        problem: 'record-mismatch',
        file,
        line,
        detail: `line ${line} gives SHA-256 ${String(rec.sha256)}, ${S} lists ${body}`,
      });
  });
  for (const [k, s] of sealedEntries) {
    const day = parseSnapshotKey(k)?.day;
    if (!recorded.has(k) && day && window && day >= window.from && day <= window.to)
      report({
        problem: 'removed-record',
        file: J,
        detail: `${s.digest} sealed ${k} (SHA-256 ${s.sha256}), but no line of ${J} records it`,
      });
  }
  for (const file of files) {
    const k = file.slice(lockerDir.length + 1);
    if (file.startsWith(`${lockerDir}/snapshots/`) && parseSnapshotKey(k) && !recorded.has(k))
      report({ problem: 'extra-snapshot', file, detail: `no line of ${J} records this snapshot` });
  }

  // 6. Completeness: every expected day of expected-series.json has a sealed ok/partial record
  // or an acknowledgement; the configuration in force is the file its name says.
  const expectedBody = await read(EXPORT_FILES.expected);
  if (expectedBody) {
    let doc: ExpectedSeriesDocument | undefined;
    try {
      const parsed = JSON.parse(expectedBody.toString('utf8')) as ExpectedSeriesDocument;
      if (parsed.schema !== EXPECTED_SCHEMA || !Array.isArray(parsed.series))
        throw new Error(`not ${EXPECTED_SCHEMA}`);
      doc = parsed;
    } catch (err) {
      report({ problem: 'corrupt', file: EXPORT_FILES.expected, detail: (err as Error).message });
    }
    if (doc) {
      const gaps = incompleteDays(doc, chain.records);
      for (const g of gaps)
        report({
          problem: 'missing-day',
          file: EXPORT_FILES.expected,
          detail: `${g.series} was expected on ${g.day}: ${g.found} in ${J}, and no acknowledgement`,
        });
      const config = doc.configuration;
      if (config && !present.has(`${lockerDir}/${config.key}`))
        report({
          problem: 'missing-file',
          file: `${lockerDir}/${config.key}`,
          detail: `the configuration in force (${EXPORT_FILES.expected}) is not in the export`,
        });
    }
  } else notes.push(`no ${EXPORT_FILES.expected}: completeness cannot be checked from this export alone`);
  for (const file of files) {
    const m = new RegExp(`^${lockerDir}/configs/([0-9a-f]{64})\\.json$`).exec(file);
    if (m && sha256Hex((await read(file))!) !== m[1])
      report({
        problem: 'altered-file',
        file,
        detail: `its SHA-256 is not the one its name gives (${m[1]})`,
      });
  }

  problems.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1));
  return {
    schema: 'evidence.verify-export/1',
    dir,
    ok: problems.length === 0,
    records: chain.records.length,
    head: jsonl ? chain.head : null,
    fingerprint,
    trustedBy,
    window,
    digests: digests.size,
    files: files.length,
    problems,
    notes,
  };
}
