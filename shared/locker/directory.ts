/**
 * The directory locker: the embedded default (./evidence-locker). Same key layout as S3.
 * Files are created exclusively (link(2) of a fully written temporary file, which fails if
 * the key exists) and made read-only. A directory cannot be WORM: anyone with the
 * permissions can still change a file. Tampering is detected through the digests.
 *
 * A signature stored with its object (PutOptions.signature: user metadata on S3) is kept in a
 * side file `.meta/<key>` (`{"signature":"<base64>"}`), written exclusively after the object;
 * `getSigned` reads it and also the `<key>.sig` object, and says when the two disagree.
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
  SIGNATURE_METADATA,
  SIGNATURE_SUFFIX,
  type SignedRead,
  signatureFromMetadata,
} from './types.js';

const TMP_DIR = '.tmp';
/** Side files holding what S3 keeps as an object's user metadata (the signature). */
const META_DIR = '.meta';

export class DirectoryLocker implements Locker {
  readonly kind = 'directory' as const;
  readonly worm = false;
  readonly stats = { requests: 0 };

  constructor(readonly url: string) {}

  private file(key: string): string {
    assertSafeKey(key);
    const top = key.split('/')[0];
    if (top === TMP_DIR || top === META_DIR)
      throw new Error(
        `invalid locker key ${JSON.stringify(key)}: ${top}/ holds the directory locker's own files`,
      );
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

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<PutResult> {
    const target = this.file(key);
    this.stats.requests++;
    await this.writeOnce(key, target, body);
    if (options.signature) {
      const meta = { [SIGNATURE_METADATA]: Buffer.from(options.signature).toString('base64') };
      await this.writeOnce(key, this.metaFile(key), Buffer.from(JSON.stringify(meta)));
    }
    return { key, size: body.byteLength, sha256: sha256Hex(body) };
  }

  private metaFile(key: string): string {
    assertSafeKey(key);
    return path.join(this.url, META_DIR, ...key.split('/'));
  }

  /** Create `target` with `body`, exclusively (AlreadyExistsError naming `key` when it exists). */
  private async writeOnce(key: string, target: string, body: Uint8Array): Promise<void> {
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
  }

  async getSigned(key: string): Promise<SignedRead> {
    // Through this.get, so that a wrapper of get (a test counting reads) sees both reads.
    const { body, info } = await this.get(key);
    let copy: Buffer | undefined;
    try {
      copy = (await this.get(`${key}${SIGNATURE_SUFFIX}`)).body;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    let meta: Buffer | undefined;
    try {
      meta = await readFile(this.metaFile(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (meta === undefined)
      return copy ? { body, info, signature: copy, from: 'object' } : { body, info, from: 'none' };
    let stored: unknown;
    try {
      stored = (JSON.parse(meta.toString('utf8')) as Record<string, unknown>)[SIGNATURE_METADATA];
    } catch {
      stored = undefined;
    }
    // A side file that is not what put writes: its bytes, which verify nothing (a bad signature).
    const signature = typeof stored === 'string' ? signatureFromMetadata(stored) : meta;
    return {
      body,
      info,
      signature,
      from: 'metadata',
      ...(!copy
        ? { copy: 'missing' as const }
        : copy.equals(signature)
          ? {}
          : { copy: 'different' as const }),
    };
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
      if (dirKey === '' && (entry.name === TMP_DIR || entry.name === META_DIR)) continue;
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
