/**
 * The directory locker: the embedded default (./evidence-locker). Same key layout as S3.
 * Files are created exclusively (link(2) of a fully written temporary file, which fails if
 * the key exists) and made read-only. A directory cannot be WORM: anyone with the
 * permissions can still change a file. Tampering is detected through the digests.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AlreadyExistsError, LockerUnavailableError, NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import {
  assertSafeKey,
  type ListedObject,
  type Locker,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
} from './types.js';

const TMP_DIR = '.tmp';

export class DirectoryLocker implements Locker {
  readonly kind = 'directory' as const;
  readonly worm = false;
  readonly stats = { requests: 0 };

  constructor(readonly url: string) {}

  private file(key: string): string {
    assertSafeKey(key);
    return path.join(this.url, ...key.split('/'));
  }

  async check(): Promise<void> {
    this.stats.requests++;
    try {
      await mkdir(this.url, { recursive: true });
      const s = await stat(this.url);
      if (!s.isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new LockerUnavailableError(
        `locker directory ${this.url} cannot be used (${(err as Error).message}); pass --store with a writable directory or an s3:// URL`,
        { cause: err },
      );
    }
  }

  async put(key: string, body: Uint8Array, _options: PutOptions): Promise<PutResult> {
    const target = this.file(key);
    this.stats.requests++;
    const tmpDir = path.join(this.url, TMP_DIR);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await mkdir(tmpDir, { recursive: true });
    } catch (err) {
      throw new LockerUnavailableError(
        `cannot write to locker directory ${this.url}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const tmp = path.join(tmpDir, `${randomUUID()}.part`);
    const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await chmod(tmp, 0o444);
      await link(tmp, target); // atomic, and refuses an existing target
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(key, { cause: err });
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return { key, size: body.byteLength, sha256: sha256Hex(body) };
  }

  async get(key: string): Promise<{ body: Buffer; info: ObjectInfo }> {
    const file = this.file(key);
    this.stats.requests++;
    try {
      const [body, s] = await Promise.all([readFile(file), stat(file)]);
      return { body, info: { key, size: body.byteLength, lastModified: s.mtime, sha256: sha256Hex(body) } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key, { cause: err });
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    // The directory keeps no checksum of its own: reading the bytes is the only way to know it.
    return (await this.get(key)).info;
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    // Walk the deepest directory that the prefix names in full, then filter by the prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    const keys: ListedObject[] = [];
    await this.walk(base, prefix, keys);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  private async walk(dirKey: string, prefix: string, out: ListedObject[]): Promise<void> {
    const dir = dirKey === '' ? this.url : path.join(this.url, ...dirKey.split('/'));
    this.stats.requests++;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      if (dirKey === '' && entry.name === TMP_DIR) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const s = await stat(path.join(dir, entry.name));
        out.push({ key, size: s.size, lastModified: s.mtime });
      }
    }
  }
}
