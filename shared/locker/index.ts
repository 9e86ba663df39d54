import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { DirectoryLocker } from './directory.js';
import { S3Locker, type S3LockerOptions } from './s3.js';
import type { Locker } from './types.js';

export const DEFAULT_STORE = './evidence-locker';

export interface OpenLockerOptions extends S3LockerOptions {
  /**
   * A directory locker that does not exist yet is created (on check()) only when this is true:
   * for the commands that write evidence. Reading commands refuse a directory that is not there
   * instead of creating an empty locker and reporting every day as missing.
   */
  create?: boolean;
}

/** An S3 bucket name (the general-purpose bucket rules). */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Open the locker named by `--store`: s3://bucket[/prefix] or a directory path. A value that is
 * neither (empty, a URL of another scheme, `s3:/bucket`, a bad bucket name) is a UsageError
 * naming the value and the expected forms; so is a directory that does not exist, unless
 * `create`.
 */
export function openLocker(store: string = DEFAULT_STORE, options: OpenLockerOptions = {}): Locker {
  const { create = false, ...s3Options } = options;
  const expected = 'expected s3://bucket[/prefix] or the path of a directory';
  if (store.trim() === '')
    throw new UsageError(`--store (or EVIDENCE_STORE) is empty: ${expected}, e.g. --store ${DEFAULT_STORE}`);
  if (/^s3:\/\//i.test(store)) {
    const bucket = /^s3:\/\/([^/]*)/i.exec(store)![1]!;
    if (!store.startsWith('s3://') || !BUCKET_RE.test(bucket))
      throw new UsageError(
        `--store ${JSON.stringify(store)}: ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 lower-case letters, digits, "." or "-"); ${expected}`,
      );
    return new S3Locker(store, s3Options);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(store);
  if (scheme)
    throw new UsageError(
      `--store ${JSON.stringify(store)} looks like a URL (${scheme[1]}:) but is not s3://bucket[/prefix]; ${expected} (write ./${store} for a directory of that name)`,
    );
  const dir = path.resolve(store);
  if (!create && !existsSync(dir))
    throw new UsageError(
      `--store ${JSON.stringify(store)}: there is no locker at ${dir} (the directory does not exist); check the path, or run evidence collect first: only collect, seal and acknowledge create a directory locker`,
    );
  return new DirectoryLocker(dir);
}

export type { Locker } from './types.js';
