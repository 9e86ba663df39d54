/**
 * okta-privileged-groups over both data versions: v2 (users once, member ids per group) as the
 * collector writes today, and v1 (members inline), which older lockers hold.
 * test/fixtures/okta/snapshot-v1.json was written by the okta collector at commit 6768ae8 (the
 * last v1 writer) against the local Okta server (the org of the demo: Administrators = ana and
 * the deprovisioned olaf), with the server's URL replaced by https://acme.okta.com.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OktaData, OktaGroupEvidence, OktaUser } from '../../shared/collectors/okta/collector.js';
import { OktaDataError, readOktaData } from '../../shared/collectors/okta/data.js';
import { oktaPrivilegedGroupsCheck } from '../../shared/collectors/okta/okta-privileged-groups.js';
import { type Snapshot, SnapshotEnvelope } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { testConfig } from '../helpers/vendors.js';

const config = testConfig({
  okta: { orgUrl: 'https://example.okta.com', privilegedGroups: ['Administrators', 'Production Access'] },
});

type Members = [login: string, status: string][];

/** v2 data: each login is one user (id derived from the login), groups hold ids. */
function snapshot(groups: [name: string, members: Members, complete?: boolean][], groupsComplete = true) {
  const users: Record<string, OktaUser> = {};
  const idOf = (login: string) => `00u${login.split('@')[0]}`;
  const evidence: OktaGroupEvidence[] = groups.map(([name, members, complete = true], i) => {
    for (const [login, status] of members) users[idOf(login)] = { login, status, lastLogin: null };
    return {
      id: `00g${i}`,
      name,
      type: 'OKTA_GROUP',
      description: null,
      memberIds: members.map(([login]) => idOf(login)),
      membersComplete: complete,
    };
  });
  const data: OktaData = {
    schema: 'evidence.okta/2',
    orgUrl: 'https://example.okta.com',
    auth: 'ssws',
    groupsComplete,
    users,
    groups: evidence,
    totals: {
      groups: evidence.length,
      memberships: evidence.reduce((n, g) => n + g.memberIds.length, 0),
      distinctUsers: Object.keys(users).length,
    },
  };
  return withData(data);
}

function withData(data: unknown) {
  return makeSnapshot({
    collector: 'okta',
    scope: 'okta-example.okta.com',
    collectedAt: '2026-04-20T00:05:00.000Z',
    data,
  }) as Snapshot<OktaData>;
}

describe('okta-privileged-groups', () => {
  it('Compliance: only active users in the privileged groups', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([
        [
          'Administrators',
          [
            ['ada@example.com', 'ACTIVE'],
            ['bob@example.com', 'LOCKED_OUT'],
          ],
        ],
        ['production access', [['cy@example.com', 'ACTIVE']]],
        ['Everyone', [['gone@example.com', 'DEPROVISIONED']]],
      ]),
      config,
    );
    expect(out).toEqual({
      result: 'pass',
      detail: '3 member(s) of 2 privileged group(s), none deprovisioned or suspended.',
      failing: [],
    });
  });

  it('Noncompliance: a deprovisioned user left in a privileged group fails with the login named', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([
        [
          'Administrators',
          [
            ['ada@example.com', 'ACTIVE'],
            ['mallory@example.com', 'DEPROVISIONED'],
          ],
        ],
        ['Production Access', [['sus@example.com', 'SUSPENDED']]],
      ]),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['mallory@example.com', 'sus@example.com']);
    expect(out.detail).toMatch(/mallory@example\.com is DEPROVISIONED but still in "Administrators"/);
  });

  it('Noncompliance: a missing group or an incomplete member list cannot pass', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([['Administrators', [['ada@example.com', 'ACTIVE']], false]], false),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['Administrators', 'Production Access']);
    expect(out.detail).toMatch(
      /not read to the end.*"Production Access" is not in the snapshot \(the group list was incomplete\)/,
    );
  });

  it('Noncompliance: nothing configured is a finding, not a silent pass', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([]),
      testConfig({ okta: { orgUrl: 'https://example.okta.com' } }),
    );
    expect(out).toEqual({
      result: 'fail',
      detail: 'no privileged groups are configured: list them in okta.privilegedGroups',
      failing: [],
    });
    // A configuration without an okta section at all: the same finding, never a crash or a pass.
    expect(oktaPrivilegedGroupsCheck.run(snapshot([]), testConfig({ github: { org: 'acme' } })).result).toBe(
      'fail',
    );
  });

  it('Noncompliance: a member id with no user entry fails closed, naming the group and the id', () => {
    const snap = snapshot([
      ['Everyone', [['ada@example.com', 'ACTIVE']]],
      ['Administrators', []],
    ]);
    // Even in a group that is not privileged: an inconsistent snapshot cannot be vouched for.
    snap.data.groups[0]!.memberIds.push('00uGhost');

    const out = oktaPrivilegedGroupsCheck.run(snap, config);

    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['Administrators', 'Production Access']);
    expect(out.detail).toMatch(
      /cannot be judged: member "00uGhost" of group "Everyone" \(00g0\) has no entry in users/,
    );
  });

  it('Noncompliance: an unknown data schema or a malformed body is not judged', () => {
    const newer = snapshot([['Administrators', []]]);
    (newer.data as { schema: string }).schema = 'evidence.okta/3';
    const newerOut = oktaPrivilegedGroupsCheck.run(newer, config);
    expect(newerOut.result).toBe('fail');
    expect(newerOut.detail).toMatch(/schema "evidence\.okta\/3"; this version reads evidence\.okta\/2/);

    const noUsers = snapshot([['Administrators', []]]);
    delete (noUsers.data as Partial<OktaData>).users;
    expect(oktaPrivilegedGroupsCheck.run(noUsers, config).detail).toMatch(
      /okta data \(evidence\.okta\/2\) is malformed at users/,
    );
    expect(oktaPrivilegedGroupsCheck.run(withData(null), config).result).toBe('fail');
    expect(oktaPrivilegedGroupsCheck.run(withData({ groups: 'x' }), config).detail).toMatch(
      /\(v1, unversioned\) is malformed/,
    );
  });

  it('a prototype key as a member id is no user entry', () => {
    const snap = snapshot([
      ['Administrators', []],
      ['Production Access', []],
    ]);
    snap.data.groups[0]!.memberIds.push('constructor', 'toString');
    expect(() => readOktaData(snap.data)).toThrow(OktaDataError);
  });

  describe('v1 snapshots (members inline, no schema), as older lockers hold them', () => {
    const v1 = SnapshotEnvelope.parse(
      JSON.parse(readFileSync(new URL('../fixtures/okta/snapshot-v1.json', import.meta.url), 'utf8')),
    ) as Snapshot<OktaData>;
    const acme = (privilegedGroups: string[]) =>
      testConfig({ okta: { orgUrl: 'https://acme.okta.com', privilegedGroups } });

    it('reads as version 1 with every group and member', () => {
      const view = readOktaData(v1.data);
      expect(view.version).toBe(1);
      expect(view.groups.map((g) => [g.name, g.memberCount])).toEqual([
        ['Everyone', 3],
        ['Group 0001', 3],
        ['Administrators', 2],
        ['Production Access', 2],
      ]);
      expect(view.groups[2]!.members().map((m) => [m.login, m.status])).toEqual([
        ['ana@acme.example', 'ACTIVE'],
        ['olaf@acme.example', 'DEPROVISIONED'],
      ]);
    });

    it('Noncompliance: the deprovisioned administrator is named, as when it was written', () => {
      const out = oktaPrivilegedGroupsCheck.run(v1, acme(['Administrators']));
      expect(out.result).toBe('fail');
      expect(out.failing).toEqual(['olaf@acme.example']);
      expect(out.detail).toMatch(/olaf@acme\.example is DEPROVISIONED but still in "Administrators"/);
    });

    it('Compliance: a privileged group of active users passes', () => {
      const out = oktaPrivilegedGroupsCheck.run(v1, acme(['production access']));
      expect(out).toEqual({
        result: 'pass',
        detail: expect.stringMatching(/2 member\(s\) of 1 privileged group/),
        failing: [],
      });
    });

    it('the same org in v2 gets the same verdicts', () => {
      const view = readOktaData(v1.data);
      const users: Record<string, OktaUser> = {};
      const groups = view.groups.map(({ members, memberCount: _, ...g }) => {
        for (const { id, ...user } of members()) users[id] = user;
        return { ...g, memberIds: members().map((m) => m.id) };
      });
      const v2 = withData({ ...v1.data, schema: 'evidence.okta/2', users, groups });
      for (const wanted of [['Administrators'], ['Production Access'], ['Everyone', 'Administrators']])
        expect(oktaPrivilegedGroupsCheck.run(v2, acme(wanted))).toEqual(
          oktaPrivilegedGroupsCheck.run(v1, acme(wanted)),
        );
    });
  });
});
