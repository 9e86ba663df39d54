import path from 'node:path';
import { DirectoryLocker } from './directory.js';
import { S3Locker, type S3LockerOptions } from './s3.js';
import type { Locker } from './types.js';

export const DEFAULT_STORE = './evidence-locker';

/** Open the locker named by `--store`: s3://bucket[/prefix] or a directory path. */
export function openLocker(store: string = DEFAULT_STORE, options: S3LockerOptions = {}): Locker {
  if (store.startsWith('s3://')) return new S3Locker(store, options);
  return new DirectoryLocker(path.resolve(store));
}

export type { Locker } from './types.js';
