/**
 * The S3 locker: every object is written with Object Lock in COMPLIANCE mode and an
 * explicit retain-until date (GOVERNANCE only on a bucket whose own default is GOVERNANCE: a
 * trial locker, `locker.trial`, whose policy refuses anything else; verify flags such objects
 * unless the configuration says trial), with S3 storing its SHA-256 checksum, and with
 * `If-None-Match: *` so an existing key is never overwritten. A bucket without Object
 * Lock is refused before the first write.
 */
import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { countRequests, s3ClientOptions } from '../aws/clients.js';
import { AlreadyExistsError, LockerUnavailableError, NotFoundError } from '../errors.js';
import { base64ToHex, sha256Base64, sha256Hex } from '../evidence/canonical.js';
import {
  assertSafeKey,
  type ListedObject,
  type Locker,
  type LockMode,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  SIGNATURE_METADATA,
  SIGNATURE_SUFFIX,
  type SignedRead,
  signatureFromMetadata,
} from './types.js';

/** Bytes of a signature stored as user metadata: base64 of 1,024 bytes is 1,368 characters, under S3's 2 KB. */
const MAX_METADATA_SIGNATURE = 1024;

export interface S3LockerOptions {
  client?: S3Client;
  region?: string;
}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m?.[1])
    throw new LockerUnavailableError(`invalid S3 locker URL ${url}: expected s3://bucket[/prefix]`);
  const prefix = m[2] ? `${m[2].replace(/\/+$/, '')}/` : '';
  return { bucket: m[1], prefix };
}

export class S3Locker implements Locker {
  readonly kind = 's3' as const;
  readonly worm = true;
  readonly stats = { requests: 0 };
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private checked: Promise<void> | undefined;
  /** The lock mode of every write: COMPLIANCE, or the bucket's default when that is GOVERNANCE (a trial locker). */
  private mode: LockMode = 'COMPLIANCE';

  constructor(
    readonly url: string,
    options: S3LockerOptions = {},
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(url));
    this.client = options.client ?? new S3Client(s3ClientOptions(options.region));
    countRequests(this.client, this.stats);
  }

  private fullKey(key: string): string {
    assertSafeKey(key);
    return `${this.prefix}${key}`;
  }

  /** Refuse a bucket that is missing, unreachable, or has no Object Lock. Cached after the first success. */
  check(): Promise<void> {
    this.checked ??= this.checkOnce().catch((err) => {
      this.checked = undefined;
      throw err;
    });
    return this.checked;
  }

  private async checkOnce(): Promise<void> {
    let enabled: string | undefined;
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      enabled = out.ObjectLockConfiguration?.ObjectLockEnabled;
      if (out.ObjectLockConfiguration?.Rule?.DefaultRetention?.Mode === 'GOVERNANCE')
        this.mode = 'GOVERNANCE';
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'ObjectLockConfigurationNotFoundError') enabled = undefined;
      else if (name === 'NoSuchBucket') {
        throw new LockerUnavailableError(
          `bucket ${this.bucket} does not exist: deploy the evidence stack (npx cdk deploy) or pass --store with the locker bucket`,
          { cause: err },
        );
      } else {
        throw new LockerUnavailableError(
          `cannot read the Object Lock configuration of bucket ${this.bucket} (${name}: ${(err as Error).message}); check credentials and s3:GetBucketObjectLockConfiguration`,
          { cause: err },
        );
      }
    }
    if (enabled !== 'Enabled') {
      throw new LockerUnavailableError(
        `bucket ${this.bucket} does not have Object Lock enabled, so evidence written there could be deleted or overwritten; refusing to write. Use the bucket created by the evidence stack, or create one with --object-lock-enabled-for-bucket`,
      );
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<PutResult> {
    // S3 keeps at most 2 KB of user metadata: a DER ECDSA P-256 signature (KMS or a key file) is
    // at most 72 bytes, 96 of base64. Anything near the limit is a programming error, refused here.
    if (options.signature && options.signature.byteLength > MAX_METADATA_SIGNATURE)
      throw new Error(
        `a signature of ${options.signature.byteLength} bytes cannot travel in the metadata of ${key} (at most ${MAX_METADATA_SIGNATURE}: S3 keeps 2 KB of user metadata)`,
      );
    await this.check();
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body,
          ContentType: options.contentType ?? 'application/json',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: sha256Base64(body),
          ObjectLockMode: this.mode,
          ObjectLockRetainUntilDate: options.retainUntil,
          IfNoneMatch: '*',
          // Part of this object version: locked with it, returned by every GetObject of it.
          ...(options.signature && {
            Metadata: { [SIGNATURE_METADATA]: Buffer.from(options.signature).toString('base64') },
          }),
        }),
      );
      const result: PutResult = { key, size: body.byteLength, sha256: sha256Hex(body) };
      if (out.VersionId) result.versionId = out.VersionId;
      return result;
    } catch (err) {
      if (isStatus(err, 412) || (err as Error).name === 'PreconditionFailed')
        throw new AlreadyExistsError(key, { cause: err });
      throw this.unavailable('write', key, err);
    }
  }

  async get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    const { body, info } = await this.getObject(key);
    return { body, info };
  }

  async getSigned(key: string): Promise<SignedRead> {
    const { body, info, metadata } = await this.getObject(key);
    const stored = metadata?.[SIGNATURE_METADATA];
    if (stored !== undefined)
      return { body, info, signature: signatureFromMetadata(stored), from: 'metadata' };
    try {
      return { body, info, signature: (await this.get(`${key}${SIGNATURE_SUFFIX}`)).body, from: 'object' };
    } catch (err) {
      if (err instanceof NotFoundError) return { body, info, from: 'none' };
      throw err;
    }
  }

  private async getObject(
    key: string,
  ): Promise<{ body: Buffer; info: ObjectInfo; metadata: Record<string, string> | undefined }> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, ChecksumMode: 'ENABLED' }),
      );
      const body = Buffer.from(await out.Body!.transformToByteArray());
      return { body, info: toInfo(key, out, body.byteLength), metadata: out.Metadata };
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || isStatus(err, 404))
        throw new NotFoundError(key, { cause: err });
      throw this.unavailable('read', key, err);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const Key = this.fullKey(key);
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key, ChecksumMode: 'ENABLED' }),
      );
      return toInfo(key, out, out.ContentLength ?? 0);
    } catch (err) {
      if ((err as Error).name === 'NotFound' || isStatus(err, 404))
        throw new NotFoundError(key, { cause: err });
      throw this.unavailable('read', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    let ContinuationToken: string | undefined;
    do {
      let out: ListObjectsV2CommandOutput;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: `${this.prefix}${prefix}`,
            ContinuationToken,
          }),
        );
      } catch (err) {
        throw this.unavailable('list', prefix, err);
      }
      for (const o of out.Contents ?? []) {
        if (!o.Key) continue;
        yield {
          key: o.Key.slice(this.prefix.length),
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        };
      }
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  private unavailable(action: string, key: string, err: unknown): Error {
    if (err instanceof LockerUnavailableError) return err;
    const name = err instanceof S3ServiceException ? err.name : (err as Error).name;
    return new LockerUnavailableError(
      `cannot ${action} ${key} in s3://${this.bucket}/${this.prefix} (${name}: ${(err as Error).message})`,
      { cause: err },
    );
  }
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === status;
}

function toInfo(key: string, out: Partial<HeadObjectCommandOutput>, size: number): ObjectInfo {
  const info: ObjectInfo = { key, size, lastModified: out.LastModified ?? new Date(0) };
  if (out.VersionId) info.versionId = out.VersionId;
  if (out.ChecksumSHA256 && !out.ChecksumSHA256.includes('-')) info.sha256 = base64ToHex(out.ChecksumSHA256);
  if (out.ObjectLockMode) info.lockMode = out.ObjectLockMode as LockMode;
  if (out.ObjectLockRetainUntilDate) info.retainUntil = new Date(out.ObjectLockRetainUntilDate);
  return info;
}
