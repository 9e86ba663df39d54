/**
 * The files a run hands out (`report --out`, `sample --out`) are written into a staging
 * directory beside the target first, hashed, named with their SHA-256 in the run's signed record,
 * and only then moved into place: nothing is handed out unrecorded, and `evidence verify-report`
 * ties every file back to the record.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../concurrency.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Locker } from '../locker/types.js';
import { sampleRunKey } from './record.js';
import { EXCEPTIONS_FILE, type WrittenWorkpaper } from './workpaper.js';

/** A new staging directory's path beside `dir` (same file system, so the files move by rename). */
export function stagingDir(dir: string): string {
  return `${path.resolve(dir)}.writing-${randomBytes(4).toString('hex')}`;
}

/** Every file under `dir`, "/"-separated relative paths, sorted, each with its SHA-256. */
export async function hashedFiles(dir: string): Promise<{ path: string; sha256: string }[]> {
  return mapLimit(await filesUnder(dir), 4, async (rel) => ({
    path: rel,
    sha256: await fileSha256(path.join(dir, ...rel.split('/'))),
  }));
}

/** Every entry under `dir` that is not a directory (links included, never followed), "/"-separated, sorted. */
export async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, child)));
    else out.push(child);
  }
  return out.sort();
}

/** SHA-256 of a file, read in chunks (a workpaper of an organization is gigabytes). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The key the run's record will have, to be named in its files before it is written: another run
 * in the same millisecond already holds the plain one, this one takes a random suffix.
 */
export async function freeRunKey(locker: Locker, ranAt: Date, from: string, to: string): Promise<string> {
  const key = sampleRunKey(ranAt, from, to);
  try {
    await locker.head(key);
  } catch (err) {
    if (err instanceof NotFoundError) return key;
    throw err;
  }
  return sampleRunKey(ranAt, from, to, `-${randomBytes(4).toString('hex')}`);
}

/** Move the staged workpaper files into `out` (never over a workpaper written there meanwhile). */
export async function handOutWorkpaper(
  stage: string,
  out: string,
  recordKey: string,
): Promise<WrittenWorkpaper> {
  await mkdir(out, { recursive: true });
  const names = await readdir(stage);
  if (names.some((n) => existsSync(path.join(out, n))))
    throw new UsageError(
      `--out ${out} received a workpaper while this one was written (recorded as ${recordKey}; its files are in ${stage})`,
    );
  for (const n of names) await rename(path.join(stage, n), path.join(out, n));
  await rmdir(stage);
  return {
    dir: out,
    markdown: path.join(out, 'workpaper.md'),
    csv: path.join(out, 'samples.csv'),
    json: path.join(out, 'samples.json'),
    // A summarized workpaper's complete list of exception groups (workpaper.ts `summarize`).
    ...(names.includes(EXCEPTIONS_FILE) && { exceptions: path.join(out, EXCEPTIONS_FILE) }),
  };
}
