/**
 * The locker: a write-once key/value store for evidence. Two backends share this
 * contract: S3 with Object Lock (production) and a directory (the embedded default).
 */

export type LockMode = 'COMPLIANCE' | 'GOVERNANCE';

/** What the store itself says about one stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** The store's own write time (S3 LastModified; file mtime). */
  lastModified: Date;
  /** S3 version id; undefined in the directory locker. */
  versionId?: string;
  /** Lower-case hex SHA-256 as the store keeps it (S3 ChecksumSHA256); undefined when it keeps none. */
  sha256?: string;
  /** Object Lock mode; undefined when the object has no retention (always so in the directory locker). */
  lockMode?: LockMode;
  retainUntil?: Date;
}

/** One entry of a listing: only what a listing returns without reading each object. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutResult {
  key: string;
  size: number;
  sha256: string;
  versionId?: string;
}

export interface PutOptions {
  /** Retain-until date for this object (collectedAt + retentionDays). */
  retainUntil: Date;
  contentType?: string;
  /**
   * The object's signature (DER), stored with the object itself: S3 user metadata
   * (`x-amz-meta-evidence-signature`, base64; part of the object version, so locked with it), a
   * side file under `.meta/` in the directory locker. `getSigned` returns it from the same read.
   */
  signature?: Uint8Array;
}

/**
 * An object read with its signature. `signature` is the one stored with the object when it has
 * one (`from: 'metadata'`), else the `<key>.sig` object (`from: 'object'`: objects written
 * before signatures travelled with them), else none.
 */
export interface SignedRead {
  body: Buffer;
  info: ObjectInfo;
  signature?: Buffer;
  from: 'metadata' | 'object' | 'none';
  /**
   * Set only by a locker that also read the `<key>.sig` object although the metadata held a
   * signature (the directory locker: its reads cost no request, and its files are not WORM):
   * `missing` when there is no `.sig`, `different` when it holds other bytes. The S3 locker does
   * not read it (that is the request saved): under Object Lock neither can change after the seal.
   */
  copy?: 'missing' | 'different';
}

export interface Locker {
  /** The URL the locker was opened with: s3://bucket[/prefix] or an absolute path. */
  readonly url: string;
  readonly kind: 's3' | 'directory';
  /** True when the store itself refuses deletion and overwrite (S3 Object Lock). */
  readonly worm: boolean;
  /** Requests made so far (S3 API calls; file-system operations in the directory locker). */
  readonly stats: { requests: number };

  /** Verify that the locker exists and is usable for write-once evidence; throws LockerUnavailableError. */
  check(): Promise<void>;
  /** Write once. Throws AlreadyExistsError when the key exists: nothing is ever overwritten. */
  put(key: string, body: Uint8Array, options: PutOptions): Promise<PutResult>;
  /** Read an object and what the store says about it. Throws NotFoundError. */
  get(key: string): Promise<{ body: Buffer; info: ObjectInfo }>;
  /**
   * Read an object and its signature in one request when the signature travels with it (see
   * SignedRead; a second read of `<key>.sig` otherwise). Throws NotFoundError for the object only.
   */
  getSigned(key: string): Promise<SignedRead>;
  /** What the store says about an object, without its bytes. Throws NotFoundError. */
  head(key: string): Promise<ObjectInfo>;
  /** Every key that starts with `prefix`, in ascending (UTF-8 byte) order. */
  list(prefix: string): AsyncIterable<ListedObject>;
}

/** `<key>.sig`: the object holding a record's signature (read by openssl, and by older verifiers). */
export const SIGNATURE_SUFFIX = '.sig';

/** The user-metadata name of a signature stored with its object (S3: `x-amz-meta-evidence-signature`). */
export const SIGNATURE_METADATA = 'evidence-signature';

/**
 * A signature from its metadata text: the DER bytes of strict base64; anything else (cut, padded
 * oddly, not base64) comes back as its raw bytes, which verify no signature: a bad signature,
 * never a missing one.
 */
export function signatureFromMetadata(text: string): Buffer {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text) && text !== ''
    ? Buffer.from(text, 'base64')
    : Buffer.from(text, 'utf8');
}

/** Collect a listing into an array. */
export async function listAll(locker: Locker, prefix: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const item of locker.list(prefix)) out.push(item);
  return out;
}

export function assertSafeKey(key: string): void {
  if (
    key === '' ||
    key.startsWith('/') ||
    key.split('/').some((part) => part === '..' || part === '.' || part === '')
  ) {
    throw new Error(`invalid locker key ${JSON.stringify(key)}: expected relative segments separated by "/"`);
  }
}
