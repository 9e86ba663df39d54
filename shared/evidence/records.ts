/**
 * Signed records: the one writer of every record that proves or excuses something besides a
 * snapshot (acknowledgements, retirements, verify reports, sample and report runs, access reviews). Like
 * CloudTrail's digest files, each goes through the same path: canonical bytes written once
 * (retention from its own time), a signature `<key>.sig` by the digests' key next to it, and a
 * key under one of RECORD_PREFIXES whose last segment starts with the instant it claims, so
 * that `seal` of that instant's day lists it in the day's digest (digest `records`). A record
 * is then evidence of the same grade as a snapshot: deleted -> `deleted`, unsealed ->
 * `not-sealed`, altered -> `hash-mismatch`, claiming an earlier time than the store wrote it
 * (S3 LastModified; on a directory, the sealing time) -> `backdated`.
 *
 * The configuration a seal or verification ran under is stored here too, content-addressed:
 * configs/<sha256 of its canonical bytes>.json.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError } from '../errors.js';
import type { Locker } from '../locker/types.js';
import { redactDeep } from '../secrets.js';
import { canonicalBytes, sha256Hex } from './canonical.js';
import { compactInstant, dayOf, parseCompactInstant } from './days.js';
import { type Signer, writeSignature } from './signing.js';
import { writeRecord } from './write.js';

export const ACK_PREFIX = 'acknowledgements/';
export const RETIREMENT_PREFIX = 'retirements/';
export const VERIFY_REPORT_PREFIX = 'reports/verify/';
export const SAMPLE_RUN_PREFIX = 'reports/sample/';
export const CONFIG_PREFIX = 'configs/';
/** Access reviews (shared/review/): reviews/<campaign>/<instant>-<kind>.json, campaign, decisions, refusals, closes. */
export const REVIEW_PREFIX = 'reviews/';

/** Every prefix under which the chain seals signed records, and what each holds. */
export const RECORD_PREFIXES = [
  ACK_PREFIX,
  RETIREMENT_PREFIX,
  VERIFY_REPORT_PREFIX,
  SAMPLE_RUN_PREFIX,
  REVIEW_PREFIX,
] as const;
export type RecordPrefix = (typeof RECORD_PREFIXES)[number];

export const RECORD_KINDS: Record<RecordPrefix, string> = {
  [ACK_PREFIX]: 'acknowledgement',
  [RETIREMENT_PREFIX]: 'retirement',
  [VERIFY_REPORT_PREFIX]: 'verify report',
  [SAMPLE_RUN_PREFIX]: 'sample run',
  [REVIEW_PREFIX]: 'access review record',
};

/** The prefix of a record key; undefined for any other key (and for signatures). */
export function recordPrefixOf(key: string): RecordPrefix | undefined {
  if (!key.endsWith('.json')) return undefined;
  return RECORD_PREFIXES.find((p) => key.startsWith(p));
}

const INSTANT_RE = /^(\d{8}T\d{9}Z)(?:[-_.]|$)/;

/**
 * The instant a record's key claims (the start of its last segment), as ISO text; undefined
 * when the key names none (then the record is corrupt: it can belong to no day).
 */
export function recordInstant(key: string): string | undefined {
  const last = key.slice(key.lastIndexOf('/') + 1);
  const m = INSTANT_RE.exec(last);
  return m ? parseCompactInstant(m[1]!) : undefined;
}

/** The day whose seal lists the record: the UTC day of the instant its key claims. */
export function recordDay(key: string): string | undefined {
  const at = recordInstant(key);
  return at ? dayOf(new Date(at)) : undefined;
}

export interface SignedRecordInput {
  /** The key to write; its last segment must start with compactInstant(at). */
  key: string;
  value: unknown;
  /** The instant the record claims: retention counts from it; the key names it. */
  at: Date;
  retentionDays: number;
  signer: Signer;
  /**
   * When the key exists already (two records in the same millisecond): 'suffix' retries once
   * with `-<8 hex>` after the instant; 'throw' (default) lets AlreadyExistsError through.
   */
  onExists?: 'suffix' | 'throw';
}

export interface WrittenRecord {
  key: string;
  sha256: string;
  /** The signature written next to it, and the signing key's fingerprint. */
  signature: { key: string; fingerprint: string };
}

/**
 * Write a record once, signed with the digests' key, under a key that `seal` lists for the
 * day of `at`. The one way acknowledgements, retirements, verify reports and sample runs are written.
 */
export async function writeSignedRecord(locker: Locker, input: SignedRecordInput): Promise<WrittenRecord> {
  const instant = compactInstant(input.at);
  const last = input.key.slice(input.key.lastIndexOf('/') + 1);
  if (!recordPrefixOf(input.key) || !last.startsWith(instant))
    throw new Error(
      `signed record key ${input.key} must lie under ${RECORD_PREFIXES.join(', ')} and start its name with ${instant}`,
    );
  let written: Awaited<ReturnType<typeof writeRecord>>;
  try {
    written = await writeRecord(locker, input.key, input.value, input.at, input.retentionDays);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError) || input.onExists !== 'suffix') throw err;
    const dir = input.key.slice(0, input.key.lastIndexOf('/') + 1);
    const key = `${dir}${instant}-${randomBytes(4).toString('hex')}${last.slice(instant.length)}`;
    written = await writeRecord(locker, key, input.value, input.at, input.retentionDays);
  }
  // The signature covers exactly the stored bytes (writeRecord's canonical, redacted form).
  const body = canonicalBytes(redactDeep(input.value));
  const signature = await writeSignature(
    locker,
    input.signer,
    written.key,
    body,
    input.at,
    input.retentionDays,
  );
  return { key: written.key, sha256: written.sha256, signature };
}

/** The configuration a seal or a verification ran under, as recorded in the locker. */
export interface RecordedConfiguration {
  /** SHA-256 of the canonical bytes of the effective configuration (defaults applied, secrets never). */
  sha256: string;
  /** SHA-256 of the configuration file's bytes; null when it came inline (EVIDENCE_CONFIG_JSON). */
  fileSha256: string | null;
  /** configs/<sha256>.json: the canonical effective configuration. */
  key: string;
}

/** The record of a configuration: its canonical bytes (secrets redacted) and their SHA-256. */
export function describeConfiguration(
  config: unknown,
  fileBytes?: Uint8Array,
): RecordedConfiguration & { body: Buffer } {
  const body = canonicalBytes(redactDeep(config));
  const sha256 = sha256Hex(body);
  return {
    sha256,
    fileSha256: fileBytes ? sha256Hex(fileBytes) : null,
    key: `${CONFIG_PREFIX}${sha256}.json`,
    body,
  };
}

/**
 * Store the configuration once under configs/<sha256>.json (content-addressed: the same
 * configuration is stored once; a copy already there is left as it is, and its name is its
 * hash, so a changed copy shows). Returns what a digest or a report records.
 */
export async function recordConfiguration(
  locker: Locker,
  config: unknown,
  options: { at: Date; retentionDays: number; fileBytes?: Uint8Array },
): Promise<RecordedConfiguration> {
  const described = describeConfiguration(config, options.fileBytes);
  try {
    await writeRecord(locker, described.key, config, options.at, options.retentionDays);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  return { sha256: described.sha256, fileSha256: described.fileSha256, key: described.key };
}
