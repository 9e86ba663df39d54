/**
 * export in bounded memory: the chain is walked end to end from genesis to head whatever the
 * window, but only the window's digest entries are kept; a problem anywhere in the chain is
 * said in the export's notes (verify-export checks only the window's digests).
 * Memory itself is measured in bench/, not here.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { addDays, daysBetween } from '../../shared/evidence/days.js';
import { type ChainWalk, listDigests, seal, walkChain } from '../../shared/evidence/digest.js';
import { fileSigner, type Signer } from '../../shared/evidence/signing.js';
import { exportEvidence } from '../../shared/export/export.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { alterDigest } from '../helpers/digests.js';
import { writeFake } from '../sample/fakes.js';

vi.mock('../../shared/evidence/digest.js', async (original) => {
  const actual = await original<typeof import('../../shared/evidence/digest.js')>();
  return { ...actual, walkChain: vi.fn(actual.walkChain) };
});

const FROM = '2026-04-01';
const TO = '2026-04-10';
const SCOPES = ['github-acme', 'github-beta'];

describe('export streams the chain', () => {
  let root: string;
  let dir: string;
  let locker: DirectoryLocker;
  let signer: Signer;
  beforeEach(async () => {
    vi.mocked(walkChain).mockClear();
    root = await mkdtemp(path.join(tmpdir(), 'export-stream-'));
    dir = path.join(root, 'locker');
    locker = new DirectoryLocker(dir);
    signer = await fileSigner(path.join(root, 'signing-key.pem'), { create: true });
    for (const day of daysBetween(FROM, TO)) {
      for (const scope of SCOPES) await writeFake(locker, scope, `${day}T00:05:00.000Z`);
      await seal(locker, {
        day,
        clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
        retentionDays: 730,
        signer,
      });
    }
  });

  const exportWindow = (out: string) =>
    exportEvidence({
      locker,
      from: '2026-04-09',
      to: TO,
      out: path.join(root, out),
      signer,
      clock: fixedClock('2026-04-13T00:00:00Z'),
    });

  it("keeps every digest of the chain, compact, and only the window's entries", async () => {
    const result = await exportWindow('clean');
    expect(result.records).toBe(2 * SCOPES.length);
    expect(result.notes).toEqual([]);
    const { digests } = await listDigests(locker);
    expect(result.digestHead?.key).toBe(digests.at(-1)!.key);
    expect(walkChain).toHaveBeenCalledTimes(1);
    const walk = (await vi.mocked(walkChain).mock.results[0]!.value) as ChainWalk;
    expect(walk.digests.map((d) => d.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(walk.digests[0]).not.toHaveProperty('body');
    expect(walk.digests[0]).not.toHaveProperty('digest');
    const kept = [...walk.sealed.keys()].map((k) => k.slice(10, 20));
    expect(kept).toHaveLength(2 * SCOPES.length);
    expect(new Set(kept)).toEqual(new Set(['2026-04-09', '2026-04-10']));
    // Each exported record names the digest of its day.
    const lines = (await readFile(path.join(root, 'clean', 'evidence.jsonl'), 'utf8')).trim().split('\n');
    for (const line of lines) {
      const rec = JSON.parse(line);
      expect(rec.digest.startsWith(`digests/${rec.day}/`)).toBe(true);
    }
  });

  it('a digest altered long before the window is still found: the chain is checked from its start', async () => {
    const { digests } = await listDigests(locker);
    const third = digests.find((d) => d.key.startsWith('digests/2026-04-03/'))!.key;
    const second = await alterDigest(dir, '2026-04-02');
    const result = await exportWindow('broken');
    expect(result.records).toBe(2 * SCOPES.length);
    expect(result.notes.map((n) => n.split(':')[1]?.trim().split(' ').slice(0, 2).join(' ')).sort()).toEqual(
      [`${second} bad-signature`, `${third} chain-broken`].sort(),
    );
    expect(result.chainProblems).toBe(2);
    // The auditor's packet says so too: verify-export cannot see outside the window.
    const verifyMd = await readFile(path.join(root, 'broken', 'VERIFY.md'), 'utf8');
    expect(verifyMd).toContain('## Problems found when exporting (2)');
    expect(verifyMd).toContain(second);
    expect(verifyMd).toContain(third);
  });

  it('a clean export says in VERIFY.md that no problem was found', async () => {
    const result = await exportWindow('clean');
    expect(result.chainProblems).toBe(0);
    const verifyMd = await readFile(path.join(root, 'clean', 'VERIFY.md'), 'utf8');
    expect(verifyMd).toContain('No problem was found in the locker when exporting');
    expect(verifyMd).not.toContain('Problems found when exporting');
  });
});
