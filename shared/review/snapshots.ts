/**
 * A system's snapshots over some days, each proven against the digest that sealed it (as sample
 * does): the chain walked with the trusted keys, each snapshot's bytes compared with its sealed
 * entry. A campaign is built only from snapshots that are sealed and intact; a removal is
 * proven only by one.
 */
import { mapLimit } from '../concurrency.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { sha256Hex } from '../evidence/canonical.js';
import { compareSealed, walkChain } from '../evidence/digest.js';
import { listSnapshots } from '../evidence/listing.js';
import { parseJson } from '../evidence/read.js';
import { signingSettingsOf, trustedKeys } from '../evidence/signing.js';
import { parseSnapshotKey, type Snapshot, SnapshotEnvelope } from '../evidence/snapshot.js';
import type { Locker } from '../locker/types.js';

export type SnapshotIntegrity =
  | 'sealed'
  | 'not-sealed'
  | 'hash-mismatch'
  | 'deleted'
  | 'chain-broken'
  | 'corrupt';

export interface ReadSnapshot {
  key: string;
  collector: string;
  scope: string;
  day: string;
  integrity: SnapshotIntegrity;
  detail: string;
  sha256: string | null;
  digest: string | null;
  /** The envelope, when sealed and intact. */
  snapshot?: Snapshot;
}

/** Every snapshot of `collectors` over [from, to] the locker lists or the chain seals, judged. */
export async function readSealedSnapshots(
  locker: Locker,
  config: Config,
  window: { from: string; to: string; collectors: readonly string[] },
): Promise<{ snapshots: ReadSnapshot[]; notes: string[] }> {
  const { from, to, collectors } = window;
  const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
  const inWindow = (key: string) => {
    const p = parseSnapshotKey(key);
    return p !== undefined && p.day >= from && p.day <= to && collectors.includes(p.collector);
  };
  const chain = await walkChain(locker, {
    trusted: trusted.keys,
    leavesFor: (day) => day >= from && day <= to,
    keep: (entry) => inWindow(entry.key),
  });
  const broken = new Map<string, string>();
  for (const p of chain.problems) broken.set(p.key, `${p.problem}: ${p.detail}`);
  const keys = new Set<string>();
  for (const o of await listSnapshots(locker, from, to, { collectors: [...collectors] })) keys.add(o.key);
  for (const key of chain.sealed.keys()) if (inWindow(key)) keys.add(key);

  const snapshots = await mapLimit([...keys].sort(), 8, async (key): Promise<ReadSnapshot> => {
    const p = parseSnapshotKey(key)!;
    const entry = chain.sealed.get(key);
    const digest = chain.sealedBy.get(key)?.key ?? null;
    const base = { key, collector: p.collector, scope: p.scope, day: p.day, digest };
    let body: Buffer;
    let versionId: string | undefined;
    try {
      const got = await locker.get(key);
      body = got.body;
      versionId = got.info.versionId;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return {
        ...base,
        integrity: 'deleted',
        sha256: null,
        detail: `sealed by ${digest}, no longer in the locker`,
      };
    }
    const sha256 = sha256Hex(body);
    if (!entry)
      return {
        ...base,
        sha256,
        integrity: 'not-sealed',
        detail: `not sealed by any digest: run evidence seal --day ${p.day} first`,
      };
    const altered = compareSealed(
      { key, sha256: entry.sha256, ...(entry.versionId && { versionId: entry.versionId }) },
      { sha256, ...(versionId && { versionId }) },
      digest!,
    );
    if (altered)
      return {
        ...base,
        sha256,
        integrity: 'hash-mismatch',
        detail: `altered after sealing: ${altered.detail}`,
      };
    const link = broken.get(digest!);
    if (link)
      return {
        ...base,
        sha256,
        integrity: 'chain-broken',
        detail: `sealed by ${digest}, whose place in the chain cannot be shown (${link})`,
      };
    let parsed: ReturnType<typeof SnapshotEnvelope.safeParse>;
    try {
      parsed = SnapshotEnvelope.safeParse(parseJson(key, body));
    } catch {
      return { ...base, sha256, integrity: 'corrupt', detail: 'sealed, but not JSON' };
    }
    if (!parsed.success)
      return { ...base, sha256, integrity: 'corrupt', detail: 'sealed, but not a snapshot envelope' };
    return {
      ...base,
      sha256,
      integrity: 'sealed',
      detail: 'sealed and intact',
      snapshot: parsed.data as Snapshot,
    };
  });
  return { snapshots, notes: [...trusted.notes, ...chain.notes] };
}
