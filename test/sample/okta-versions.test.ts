/**
 * A locker that holds okta snapshots of both data versions (v1 written before evidence.okta/2,
 * v2 after): `sample` judges each day through the real read path (sealed, parsed, checked) and
 * both versions of the same org give the same verdict; a v2 snapshot with a member id that has
 * no user entry is judged a failure that says why. test/fixtures/okta/snapshot-v1.json: see
 * test/checks/okta-privileged-groups.test.ts.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { createOktaCollector } from '../../shared/collectors/okta/collector.js';
import { type OktaData, type OktaUser, readOktaData } from '../../shared/collectors/okta/data.js';
import { oktaPrivilegedGroupsCheck } from '../../shared/collectors/okta/okta-privileged-groups.js';
import { addDays } from '../../shared/evidence/days.js';
import { seal } from '../../shared/evidence/digest.js';
import { type Snapshot, SnapshotEnvelope } from '../../shared/evidence/snapshot.js';
import { writeSnapshot } from '../../shared/evidence/write.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { runSample } from '../../shared/sample/run.js';
import { testConfig } from '../helpers/vendors.js';

/** The same org in v2: each member once in `users`, ids in the groups. */
function toV2(v1: OktaData): OktaData {
  const view = readOktaData(v1);
  const users: Record<string, OktaUser> = {};
  const groups = view.groups.map(({ members, memberCount: _, ...g }) => {
    for (const { id, ...user } of members()) users[id] = user;
    return { ...g, memberIds: members().map((m) => m.id) };
  });
  return { ...v1, schema: 'evidence.okta/2', users, groups };
}

describe('sample over a locker with v1 and v2 okta snapshots', () => {
  it('judges both versions alike, and a v2 snapshot with an unknown member id as a failure', async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'okta-versions-')));
    const v1 = SnapshotEnvelope.parse(
      JSON.parse(await readFile(new URL('../fixtures/okta/snapshot-v1.json', import.meta.url), 'utf8')),
    ) as Snapshot<OktaData>;
    const v2Data = toV2(v1.data);
    const ghost = structuredClone(v2Data);
    ghost.groups.find((g) => g.name === 'Administrators')!.memberIds.push('00uGhost0000000001');
    const on = (day: string, data: unknown): Snapshot => ({
      ...v1,
      day,
      collectedAt: `${day}T00:05:00.000Z`,
      data,
    });
    await writeSnapshot(locker, v1, 730); // 2026-04-20
    await writeSnapshot(locker, on('2026-04-21', v2Data), 730);
    await writeSnapshot(locker, on('2026-04-22', ghost), 730);
    for (const day of ['2026-04-20', '2026-04-21', '2026-04-22'])
      await seal(locker, { day, clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`), retentionDays: 730 });

    const report = await runSample({
      locker,
      config: testConfig({ okta: { orgUrl: 'https://acme.okta.com', privilegedGroups: ['Administrators'] } }),
      checks: [oktaPrivilegedGroupsCheck],
      collectors: [createOktaCollector()],
      seed: 'seed-1',
      from: '2026-04-20',
      to: '2026-04-22',
      plan: { kind: 'all', n: 3 },
    });

    const byDay = Object.fromEntries(report.samples.map((s) => [s.day, s]));
    expect(Object.keys(byDay).sort()).toEqual(['2026-04-20', '2026-04-21', '2026-04-22']);
    for (const day of ['2026-04-20', '2026-04-21']) {
      expect(byDay[day]).toMatchObject({
        integrity: 'sealed',
        result: 'fail',
        failing: ['olaf@acme.example'],
        detail: 'olaf@acme.example is DEPROVISIONED but still in "Administrators".',
      });
    }
    expect(byDay['2026-04-22']).toMatchObject({
      integrity: 'sealed',
      result: 'fail',
      failing: ['Administrators'],
    });
    expect(byDay['2026-04-22']!.detail).toMatch(
      /cannot be judged: member "00uGhost0000000001" of group "Administrators" \([^)]+\) has no entry in users/,
    );
  });
});
