/**
 * The comparison of an object as read now with the digest entry that sealed it, and the
 * problems a digest check reports.
 */

import { NotFoundError } from '../../errors.js';
import type { Locker } from '../../locker/types.js';
import { sha256Hex } from '../canonical.js';
import type { DigestEntry } from './format.js';

export type DigestProblemKind =
  | 'hash-mismatch'
  | 'deleted'
  | 'chain-broken'
  | 'corrupt'
  | 'unsigned'
  | 'bad-signature'
  | 'untrusted-key';

export interface DigestProblem {
  problem: DigestProblemKind;
  key: string;
  detail: string;
}

/**
 * The one comparison of an object as read now with what sealed it: bytes (SHA-256) and, on
 * S3, the version. Used by seal's callers, verify and sample alike. Undefined when they match.
 */
export function compareSealed(
  entry: Pick<DigestEntry, 'key' | 'sha256' | 'versionId'> & { size?: number },
  current: { sha256: string; size?: number; versionId?: string },
  sealedBy = 'the digest',
): DigestProblem | undefined {
  if (current.sha256 !== entry.sha256) {
    return {
      problem: 'hash-mismatch',
      key: entry.key,
      detail: `SHA-256 is ${current.sha256}${current.size !== undefined ? ` (${current.size} bytes)` : ''}, ${sealedBy} sealed ${entry.sha256}${entry.size !== undefined ? ` (${entry.size} bytes)` : ''}`,
    };
  }
  if (entry.versionId && current.versionId && current.versionId !== entry.versionId) {
    return {
      problem: 'hash-mismatch',
      key: entry.key,
      detail: `current version is ${current.versionId}, ${sealedBy} sealed version ${entry.versionId}`,
    };
  }
  return undefined;
}

/** Compare one object in the locker with its digest entry; undefined when it matches. */
export async function checkEntry(locker: Locker, entry: DigestEntry): Promise<DigestProblem | undefined> {
  try {
    if (locker.worm) {
      const info = await locker.head(entry.key);
      const sha256 = info.sha256 ?? sha256Hex((await locker.get(entry.key)).body);
      return compareSealed(entry, { sha256, ...(info.versionId && { versionId: info.versionId }) });
    }
    const { body } = await locker.get(entry.key);
    return compareSealed(entry, { sha256: sha256Hex(body), size: body.byteLength });
  } catch (err) {
    if (err instanceof NotFoundError) {
      return { problem: 'deleted', key: entry.key, detail: 'sealed by a digest but no longer in the locker' };
    }
    throw err;
  }
}
