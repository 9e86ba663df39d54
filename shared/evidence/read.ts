/** Reading evidence back: bytes, their SHA-256, and the parsed, validated envelope. */
import { CorruptEvidenceError } from '../errors.js';
import type { Locker, ObjectInfo } from '../locker/types.js';
import { sha256Hex } from './canonical.js';
import { type Snapshot, SnapshotEnvelope } from './snapshot.js';

export interface ReadSnapshot<D = unknown> {
  snapshot: Snapshot<D>;
  /** SHA-256 of the bytes as read. */
  sha256: string;
  info: ObjectInfo;
}

export function parseJson(key: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CorruptEvidenceError(key, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

export async function readSnapshot<D = unknown>(locker: Locker, key: string): Promise<ReadSnapshot<D>> {
  const { body, info } = await locker.get(key);
  const parsed = SnapshotEnvelope.safeParse(parseJson(key, body));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CorruptEvidenceError(
      key,
      `not a snapshot envelope (${first?.path.join('.')}: ${first?.message})`,
    );
  }
  return { snapshot: parsed.data as Snapshot<D>, sha256: sha256Hex(body), info };
}
