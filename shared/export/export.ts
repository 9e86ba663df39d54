/**
 * `evidence export`: the window's evidence as one directory an auditor verifies offline with
 * python3, openssl and sha256sum alone (the procedure of the flag-change source document):
 *
 *   evidence.jsonl         one line per snapshot, in time order, hash-chained (chain.ts)
 *   evidence.jsonl.sig     ECDSA P-256 / SHA-256 signature (DER) of evidence.jsonl
 *   evidence-public.pem    the public key (SPKI PEM); its fingerprint is printed in VERIFY.md
 *   SHA256SUMS             sha256sum lines for every other file of the export
 *   SHA256SUMS.sig         its signature, same key
 *   VERIFY.md              registering the key, and a ready bash block per step (verify-md.ts)
 *   expected-series.json   what was expected each day and why, and the exceptions (expected.ts)
 *   locker/<key>           every snapshot, digest (and its .sig; a root with each leaf it names),
 *                          acknowledgement, retirement, verify and sample report of the window,
 *                          every record of an access review campaign of the window,
 *                          the configuration in force (configs/<sha256>.json) and the locker's
 *                          public keys, under their locker keys
 *
 * The export never judges the evidence: a snapshot that is not sealed, or whose bytes differ
 * from its digest, is exported as found and `verify-export` names it.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { constants, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../clock.js';
import { mapLimit } from '../concurrency.js';
import { NotFoundError, UsageError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { parseCompactInstant } from '../evidence/days.js';
import {
  type ChainRoots,
  chainRoots,
  type DigestEntry,
  envelopeFields,
  type LeafRef,
  leafKeyOf,
  parseDigestKey,
  type ReadDigest,
  walkChain,
} from '../evidence/digest.js';
import {
  cachedRoots,
  cutParts,
  linesOf,
  listedOf,
  rangeOwns,
  spillListing,
  walkRootsOnce,
  wholeRange,
} from '../evidence/listing-spill.js';
import {
  type Signer,
  signatureKey,
  signFileWith,
  type TrustedKey,
  type TrustedKeys,
  trustedKeys,
} from '../evidence/signing.js';
import { parseSnapshotKey, seriesId } from '../evidence/snapshot.js';
import { LineWriter, mergeLines, writeStream } from '../lines.js';
import type { Locker } from '../locker/types.js';
import { reviewExportKeys } from '../review/records.js';
import { writeJson } from '../text/json.js';
import type { VerifyResult } from '../verify/types.js';
import { TOOL } from '../version.js';
import { chainLine, GENESIS } from './chain.js';
import { expectedSeriesDocument } from './expected.js';
import { verifyMarkdown } from './verify-md.js';

export const EXPORT_FILES = {
  jsonl: 'evidence.jsonl',
  jsonlSig: 'evidence.jsonl.sig',
  publicKey: 'evidence-public.pem',
  sums: 'SHA256SUMS',
  sumsSig: 'SHA256SUMS.sig',
  verify: 'VERIFY.md',
  expected: 'expected-series.json',
  lockerDir: 'locker',
} as const;

/** One line of evidence.jsonl before chaining. */
export interface ExportRecord {
  /** 1-based position in time order. */
  seq: number;
  key: string;
  series: string;
  collector: string;
  scope: string;
  day: string;
  collectedAt: string;
  status: 'ok' | 'partial' | 'error' | 'unreadable';
  /** SHA-256 of the bytes exported under locker/<key>; null when the object was gone. */
  sha256: string | null;
  size: number | null;
  /** S3 version id; null in a directory locker. */
  versionId: string | null;
  /** The digest that sealed the snapshot (a daily root in the form that scales); null when none did. */
  digest: string | null;
  /** The root's leaf that lists the snapshot (`locker.digestForm` 3); null for the old form or unsealed. */
  leaf: string | null;
}

export interface ExportOptions {
  locker: Locker;
  from: string;
  to: string;
  /** Directory to create; must not exist, or be empty. */
  out: string;
  /** The same key and algorithm as the digests. */
  signer: Signer;
  clock: Clock;
  concurrency?: number;
  /** Keys trusted to sign digests (as sample and verify trust them); the export's signer is trusted too. Default: from the environment. */
  trusted?: TrustedKeys;
  /**
   * A verification of the same window (read-only, verify()): the export then carries
   * expected-series.json (what was expected each day and why, what was excused by whom) and the
   * configuration it ran under. Without it the export cannot be checked for completeness offline.
   */
  verification?: VerifyResult;
  /** The configuration in force, as describeConfiguration gives it: written as locker/<key> (never read from the locker). */
  configuration?: { key: string; body: Uint8Array };
  /** At most this many snapshots of the window per part (default EXPORT_SNAPSHOTS_PER_PART). */
  snapshotsPerPart?: number;
}

export interface ExportResult {
  dir: string;
  from: string;
  to: string;
  records: number;
  /** hash of the last line of evidence.jsonl (the chain head). */
  head: string;
  /** Head of the locker's digest chain at export time. */
  digestHead: { key: string; sha256: string } | null;
  files: number;
  fingerprint: string;
  /** Things found while exporting that verify-export will report (unsealed, deleted). */
  notes: string[];
  /** Problems of the locker's digest chain anywhere from genesis to head (they are in `notes`). */
  chainProblems: number;
  requests: number;
}

/** Snapshots of the window one part of an export holds at most (as verify's and sample's parts). */
export const EXPORT_SNAPSHOTS_PER_PART = 60_000;

/**
 * Export the window in bounded memory. The window's listing is read once and spilled per
 * account shard (evidence/listing-spill.ts); a window of more than `snapshotsPerPart` snapshots
 * is exported in parts (ranges of account shards), the chain of roots walked and checked once
 * for all of them (walkRootsOnce), each part reading only its shards' leaves, copying its
 * snapshots and spilling its records in time order; the parts' records are merged
 * into evidence.jsonl, which is hash-chained, written and signed as a stream, as are
 * SHA256SUMS and expected-series.json. The export is the same document in parts or in one piece.
 */
export async function exportEvidence(options: ExportOptions): Promise<ExportResult> {
  const { locker, from, to, signer } = options;
  const width = options.concurrency ?? 16;
  const limit = options.snapshotsPerPart ?? EXPORT_SNAPSHOTS_PER_PART;
  const dir = path.resolve(options.out);
  const startRequests = locker.stats.requests;
  await assertEmptyDir(dir);
  await locker.check();
  const notes: string[] = [];
  const inWindow = (day: string | undefined) => day !== undefined && day >= from && day <= to;

  // Digests: the whole chain is read and checked from its start (the window's snapshots are
  // sealed by digests of their days, and a late snapshot by a later digest of the same day),
  // but only the window's entries (of the part) are kept: memory follows the part, not the history.
  const trusted = new Map<string, TrustedKey>(options.trusted ?? (await trustedKeys(locker)).keys);
  if (!trusted.has(signer.fingerprint))
    trusted.set(signer.fingerprint, {
      fingerprint: signer.fingerprint,
      key: createPublicKey(signer.publicKeyPem()),
      source: signer.source,
    });
  // The form that scales: the leaves each root of the window names travel with it.
  const leavesOf = new Map<string, string[]>();
  const configsOf = new Map<string, string>();
  const onRead = (d: ReadDigest) => {
    if (!inWindow(d.digest.day)) return;
    if (d.digest.schema === 'evidence.digest/3')
      leavesOf.set(
        d.key,
        d.digest.leaves.map((l) => l.key),
      );
    if (d.digest.configuration) configsOf.set(d.key, d.digest.configuration.key);
  };
  const writeOut = (key: string, body: Uint8Array) =>
    writeExclusive(path.join(dir, EXPORT_FILES.lockerDir, ...key.split('/')), body);

  // Snapshots of the window: listed once, spilled per account shard.
  const spillDir = mkdtempSync(path.join(tmpdir(), 'evidence-export-'));
  // The chain as walked, without a part's entries (a part's walk is let go when the part ends).
  let chain: ChainRoots | undefined;
  const chainProblems = new Set<string>();
  let recordCount = 0;
  let head = GENESIS;
  let example: ExportRecord | undefined;
  try {
    const spill = await spillListing(locker, from, to, spillDir, width);
    const ranges = spill.total <= limit ? [wholeRange(spill.total)] : cutParts(spill.counts, limit);
    // In parts, the chain of roots is walked and checked once for all of them (each root and its
    // signature read once); each part then reads only its shards' leaves.
    const roots =
      ranges.length > 1
        ? await walkRootsOnce(locker, { from, to, trusted, concurrency: width, dir: spillDir, onRead })
        : undefined;
    const runs: string[] = [];
    for (const [n, range] of ranges.entries()) {
      const owns = ranges.length > 1 ? rangeOwns(range) : undefined;
      const walked = await walkChain(locker, {
        trusted,
        concurrency: width,
        leavesFor: (day) => inWindow(day),
        ...(owns && { leafFilter: (leaf: LeafRef) => owns.ownsShard(leaf.shard) }),
        ...(roots && { roots: cachedRoots(roots.chain, linesOf(range, roots.leaves)) }),
        keep: (entry) => {
          const p = parseSnapshotKey(entry.key);
          return p !== undefined && inWindow(p.day) && (!owns || owns.owns(p.scope));
        },
        ...(!roots && { onRead }),
      });
      chain = chainRoots(walked);
      // verify-export checks only the window's digests: a problem elsewhere in the chain is said
      // here (the chain's own once, each part's leaves' by that part).
      for (const p of walked.problems) {
        const note = `digest chain: ${p.key} ${p.problem}: ${p.detail} (run evidence verify)`;
        chainProblems.add(note);
        notes.push(note);
      }
      const sealedBy = new Map<string, { digest: string; leaf: string | null; entry: DigestEntry }>();
      for (const [key, entry] of walked.sealed) {
        const root = walked.sealedBy.get(key)!;
        sealedBy.set(key, { digest: root.key, leaf: leafKeyOf(root, key) ?? null, entry });
      }
      // Listed, plus sealed ones the listing no longer shows.
      const keys = new Set(listedOf(linesOf(range, spill.listing)).keys());
      for (const key of sealedBy.keys()) keys.add(key);
      const records = await mapLimit(
        [...keys],
        width,
        (key): Promise<Omit<ExportRecord, 'seq'>> =>
          copySnapshot(locker, key, sealedBy.get(key), writeOut, notes),
      );
      records.sort(byTime);
      const run = new LineWriter(path.join(spillDir, `records-${n}.tsv`));
      for (const r of records)
        run.write(`${JSON.stringify(r.collectedAt)}\t${JSON.stringify(r.key)}\t${JSON.stringify(r)}`);
      run.flush();
      runs.push(run.file);
    }

    // evidence.jsonl: the parts' records merged in time order, numbered and hash-chained as written.
    const jsonl = path.join(dir, EXPORT_FILES.jsonl);
    writeStream(jsonl, (write) => {
      for (const line of mergeLines(runs, compareRun)) {
        const record: ExportRecord = {
          seq: ++recordCount,
          ...(JSON.parse(line.slice(nthTab(line, 2) + 1)) as Omit<ExportRecord, 'seq'>),
        };
        if (!example && record.sha256 && record.digest) example = record;
        const chained = chainLine(head, record);
        head = chained.hash;
        write(chained.line);
      }
    });
    await writeExclusive(path.join(dir, EXPORT_FILES.jsonlSig), await signFileWith(signer, jsonl));
  } finally {
    rmSync(spillDir, { recursive: true, force: true });
  }
  const walked = chain!;
  const last = walked.digests.at(-1);

  // Everything else of the window, copied as stored (signatures included).
  const others: string[] = [];
  for await (const item of locker.list('digests/'))
    if (inWindow(parseDigestKey(item.key.replace(/\.sig$/, ''))?.day)) others.push(item.key);
  for await (const item of locker.list('acknowledgements/'))
    if (inWindow(item.key.split('/')[1])) others.push(item.key);
  // Retirements are few and each may bear on the window: all of them, signatures included.
  for await (const item of locker.list('retirements/')) others.push(item.key);
  for await (const item of locker.list('keys/')) others.push(item.key);
  const chained = new Set(walked.digests.map((d) => d.key));
  const leafKeys: string[] = [];
  for (const [root, leaves] of leavesOf) if (chained.has(root)) leafKeys.push(...leaves);
  // The configuration in force: what the window's seals and the verification ran under.
  const configs = new Set<string>();
  for (const [digest, key] of configsOf) if (chained.has(digest)) configs.add(key);
  if (options.verification?.configuration) configs.add(options.verification.configuration.key);
  if (options.configuration) {
    configs.delete(options.configuration.key);
    await writeOut(options.configuration.key, options.configuration.body);
  }
  others.push(...configs);
  others.push(...(await reviewExportKeys(locker, inWindow)));
  const reports: string[] = [];
  for await (const item of locker.list('reports/')) reports.push(item.key);
  const reportJson = reports.filter((k) => k.endsWith('.json'));
  const overlapping = await mapLimit(reportJson, width, async (key) =>
    (await reportOverlaps(locker, key, from, to)) ? key : undefined,
  );
  for (const key of overlapping) {
    if (!key) continue;
    others.push(key);
    if (reports.includes(`${key}.sig`)) others.push(`${key}.sig`);
  }
  await mapLimit(others, width, async (key) => {
    try {
      await writeOut(key, (await locker.get(key)).body);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      notes.push(`${key}: listed, then no longer in the locker`);
    }
  });
  // Each leaf with the signature it carries (its metadata; `<leaf>.sig` for a leaf sealed before
  // signatures travelled with leaves), written as `<leaf>.sig` for openssl: one GET a leaf. When
  // the locker saw its `<leaf>.sig` missing or not that signature (the directory locker reads
  // both), one of the two was replaced: no `<leaf>.sig` is exported, so verify-export fails too.
  await mapLimit(leafKeys, width, async (key) => {
    let read: Awaited<ReturnType<Locker['getSigned']>>;
    try {
      read = await locker.getSigned(key);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      notes.push(`${key}: named by its root, no longer in the locker`);
      return;
    }
    await writeOut(key, read.body);
    if (read.copy)
      notes.push(
        `${signatureKey(key)}: ${read.copy === 'missing' ? 'missing' : 'not the signature in the leaf metadata'}, so the export holds no signature of the leaf (run evidence verify)`,
      );
    else if (read.signature) await writeOut(signatureKey(key), read.signature);
  });

  // expected-series.json (written series by series), the key, the instructions, the checksums.
  const expected = options.verification ? expectedSeriesDocument(options.verification) : undefined;
  if (expected)
    writeStream(path.join(dir, EXPORT_FILES.expected), (write) =>
      writeJson(write, expected as unknown as Record<string, unknown>, ['series'], 1),
    );
  await writeExclusive(path.join(dir, EXPORT_FILES.publicKey), Buffer.from(signer.publicKeyPem(), 'utf8'));
  const digestHead = last ? { key: last.key, sha256: last.sha256 } : null;
  await writeExclusive(
    path.join(dir, EXPORT_FILES.verify),
    Buffer.from(
      verifyMarkdown({
        from,
        to,
        records: recordCount,
        head,
        fingerprint: signer.fingerprint,
        exportedAt: options.clock.now().toISOString(),
        store: locker.url,
        digestHead,
        tool: `${TOOL.name} ${TOOL.version}`,
        example,
        problems: [...new Set(notes)].sort(),
        ...(expected && { expected }),
      }),
      'utf8',
    ),
  );
  const sumsFile = path.join(dir, EXPORT_FILES.sums);
  const files = await sha256Sums(dir, sumsFile);
  await writeExclusive(path.join(dir, EXPORT_FILES.sumsSig), await signFileWith(signer, sumsFile));
  return {
    dir,
    from,
    to,
    records: recordCount,
    head,
    digestHead,
    files: files + 2,
    fingerprint: signer.fingerprint,
    notes: [...new Set(notes)].sort(),
    chainProblems: chainProblems.size,
    requests: locker.stats.requests - startRequests,
  };
}

/** One snapshot copied into the export, and its record (as found: gone, unsealed, unreadable). */
async function copySnapshot(
  locker: Locker,
  key: string,
  sealed: { digest: string; leaf: string | null; entry: DigestEntry } | undefined,
  writeOut: (key: string, body: Uint8Array) => Promise<void>,
  notes: string[],
): Promise<Omit<ExportRecord, 'seq'>> {
  const parts = parseSnapshotKey(key)!;
  const base = {
    key,
    series: seriesId(parts.collector, parts.scope),
    collector: parts.collector,
    scope: parts.scope,
    day: parts.day,
    digest: sealed?.digest ?? null,
    leaf: sealed?.leaf ?? null,
  };
  try {
    const { body, info } = await locker.get(key);
    await writeOut(key, body);
    const envelope = envelopeFields(body);
    if (!sealed) notes.push(`${key}: not sealed by any digest (run evidence seal --day ${parts.day})`);
    return {
      ...base,
      collectedAt:
        envelope?.collectedAt ??
        sealed?.entry.collectedAt ??
        instantOfKey(parts.file) ??
        `${parts.day}T00:00:00.000Z`,
      status: envelope?.status ?? 'unreadable',
      sha256: sha256Hex(body),
      size: body.byteLength,
      versionId: info.versionId ?? null,
    };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    notes.push(`${key}: sealed by ${sealed?.digest ?? 'a digest'} but no longer in the locker`);
    return {
      ...base,
      collectedAt: sealed?.entry.collectedAt ?? instantOfKey(parts.file) ?? `${parts.day}T00:00:00.000Z`,
      status: sealed?.entry.status ?? 'unreadable',
      sha256: null,
      size: null,
      versionId: sealed?.entry.versionId ?? null,
    };
  }
}

/** Time order: collectedAt, then key. */
function byTime(a: { collectedAt: string; key: string }, b: { collectedAt: string; key: string }): number {
  return a.collectedAt !== b.collectedAt
    ? a.collectedAt < b.collectedAt
      ? -1
      : 1
    : a.key < b.key
      ? -1
      : a.key > b.key
        ? 1
        : 0;
}

/** Two spilled records' lines (JSON collectedAt, JSON key, record) in time order. */
function compareRun(a: string, b: string): number {
  const ta = nthTab(a, 1);
  const tb = nthTab(b, 1);
  return byTime(
    { collectedAt: a.slice(0, ta), key: a.slice(ta + 1, nthTab(a, 2)) },
    { collectedAt: b.slice(0, tb), key: b.slice(tb + 1, nthTab(b, 2)) },
  );
}

/** The index of the n-th tab of a line (1-based). */
function nthTab(line: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) at = line.indexOf('\t', at + 1);
  return at;
}

function instantOfKey(file: string): string | undefined {
  return parseCompactInstant(file);
}

/** A report (verify, sample) whose window overlaps [from, to]. */
async function reportOverlaps(locker: Locker, key: string, from: string, to: string): Promise<boolean> {
  try {
    const doc = JSON.parse((await locker.get(key)).body.toString('utf8')) as { from?: unknown; to?: unknown };
    return typeof doc.from === 'string' && typeof doc.to === 'string' && doc.from <= to && doc.to >= from;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof SyntaxError) return false;
    throw err;
  }
}

async function assertEmptyDir(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0)
      throw new UsageError(
        `--out ${dir} is not empty: an export is never written over another; name a new directory`,
      );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true });
}

/** Create a file that must not exist yet. */
export async function writeExclusive(file: string, body: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  try {
    await handle.writeFile(body);
  } finally {
    await handle.close();
  }
}

/** Every file under `dir`, as "/"-separated paths relative to it, sorted. */
export async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, child)));
    else out.push(child);
  }
  return out.sort();
}

/**
 * `sha256sum` output for every file of the export but SHA256SUMS and its signature, written to
 * `out` line by line as the directory is walked in order; returns the number of files listed.
 */
async function sha256Sums(dir: string, out: string): Promise<number> {
  const sums = new LineWriter(out);
  const skip = new Set<string>([EXPORT_FILES.sums, EXPORT_FILES.sumsSig]);
  let batch: string[] = [];
  const hashBatch = async () => {
    const lines = await mapLimit(
      batch,
      16,
      async (f) => `${await fileSha256(path.join(dir, ...f.split('/')))}  ${f}`,
    );
    for (const line of lines) sums.write(line);
    batch = [];
  };
  for await (const f of walkSorted(dir)) {
    if (skip.has(f)) continue;
    batch.push(f);
    if (batch.length >= 1024) await hashBatch();
  }
  await hashBatch();
  sums.flush();
  return sums.lines;
}

/** SHA-256 of a file: read whole up to 1 MiB (most of an export's files), else in chunks. */
async function fileSha256(file: string): Promise<string> {
  if ((await stat(file)).size <= 1 << 20) return sha256Hex(await readFile(file));
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every file under `dir` in the order of `walk` (paths sorted as strings), one directory read at
 * a time: a directory's entries sorted with a "/" after each subdirectory's name.
 */
export async function* walkSorted(dir: string, rel = ''): AsyncGenerator<string> {
  const entries = (await readdir(path.join(dir, rel), { withFileTypes: true }))
    .map((e) => ({ name: e.name, dir: e.isDirectory(), sortAs: e.isDirectory() ? `${e.name}/` : e.name }))
    .sort((a, b) => (a.sortAs < b.sortAs ? -1 : a.sortAs > b.sortAs ? 1 : 0));
  for (const e of entries) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.dir) yield* walkSorted(dir, child);
    else yield child;
  }
}
