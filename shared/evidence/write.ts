/**
 * Writing evidence: canonical bytes, secrets scrubbed, retain-until = the record's own
 * time + retentionDays, written once.
 */
import type { Locker, PutResult } from '../locker/types.js';
import { redactDeep } from '../secrets.js';
import { canonicalBytes } from './canonical.js';
import { addDaysToInstant } from './days.js';
import { type Snapshot, SnapshotEnvelope, snapshotKey } from './snapshot.js';

/** Write any JSON record once, with retention counted from `at`. */
export async function writeRecord(
  locker: Locker,
  key: string,
  value: unknown,
  at: Date,
  retentionDays: number,
): Promise<PutResult & { retainUntil: Date }> {
  const body = canonicalBytes(redactDeep(value));
  const retainUntil = addDaysToInstant(at, retentionDays);
  const result = await locker.put(key, body, { retainUntil });
  return { ...result, retainUntil };
}

/** Validate and write a snapshot under its key. */
export async function writeSnapshot(locker: Locker, snapshot: Snapshot, retentionDays: number) {
  SnapshotEnvelope.parse(snapshot);
  const key = snapshotKey(snapshot);
  return writeRecord(locker, key, snapshot, new Date(snapshot.collectedAt), retentionDays);
}
