/**
 * Tampering with a sealed digest on a directory locker, as an operator with file-system rights
 * could: the day's digest loses its last snapshot entry (its signature no longer matches, and
 * the next digest's `previous` no longer names it).
 */
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Alter the one digest of `day` in the directory locker at `lockerDir`; its key. */
export async function alterDigest(lockerDir: string, day: string): Promise<string> {
  const dayDir = path.join(lockerDir, 'digests', day);
  const names = (await readdir(dayDir)).filter((f) => f.endsWith('.json'));
  if (names.length !== 1) throw new Error(`expected one digest in ${dayDir}, found ${names.length}`);
  const target = path.join(dayDir, names[0]!);
  const body = JSON.parse(await readFile(target, 'utf8'));
  body.snapshots.pop();
  await chmod(target, 0o644);
  await writeFile(target, JSON.stringify(body));
  return `digests/${day}/${names[0]}`;
}

/** The old form's digest (`evidence.digest/2`), or a test failure naming what was found. */
export function listed<T extends { schema: string }>(digest: T): Extract<T, { schema: 'evidence.digest/2' }> {
  if (digest.schema !== 'evidence.digest/2')
    throw new Error(`expected an evidence.digest/2 digest, found ${digest.schema}`);
  return digest as Extract<T, { schema: 'evidence.digest/2' }>;
}
