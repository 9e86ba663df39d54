import { describe, expect, it } from 'vitest';
import type { OktaData, OktaGroupEvidence } from '../../shared/collectors/okta/collector.js';
import { oktaPrivilegedGroupsCheck } from '../../shared/collectors/okta/okta-privileged-groups.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { testConfig } from '../helpers/vendors.js';

const config = testConfig({
  okta: { orgUrl: 'https://example.okta.com', privilegedGroups: ['Administrators', 'Production Access'] },
});

function group(name: string, members: [string, string][], membersComplete = true): OktaGroupEvidence {
  return {
    id: `00g${name.length}`,
    name,
    type: 'OKTA_GROUP',
    description: null,
    members: members.map(([login, status], i) => ({ id: `00u${i}`, login, status, lastLogin: null })),
    membersComplete,
  };
}

function snapshot(groups: OktaGroupEvidence[], groupsComplete = true) {
  const data: OktaData = {
    orgUrl: 'https://example.okta.com',
    auth: 'ssws',
    groupsComplete,
    groups,
    totals: { groups: groups.length, memberships: 0, distinctUsers: 0 },
  };
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
        group('Administrators', [
          ['ada@example.com', 'ACTIVE'],
          ['bob@example.com', 'LOCKED_OUT'],
        ]),
        group('production access', [['cy@example.com', 'ACTIVE']]),
        group('Everyone', [['gone@example.com', 'DEPROVISIONED']]),
      ]),
      config,
    );
    expect(out).toEqual({
      result: 'pass',
      detail: expect.stringMatching(/3 member\(s\) of 2 privileged group/),
      failing: [],
    });
  });

  it('Noncompliance: a deprovisioned user left in a privileged group fails with the login named', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([
        group('Administrators', [
          ['ada@example.com', 'ACTIVE'],
          ['mallory@example.com', 'DEPROVISIONED'],
        ]),
        group('Production Access', [['sus@example.com', 'SUSPENDED']]),
      ]),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['mallory@example.com', 'sus@example.com']);
    expect(out.detail).toMatch(/mallory@example\.com is DEPROVISIONED but still in "Administrators"/);
  });

  it('Noncompliance: a missing group or an incomplete member list cannot pass', () => {
    const out = oktaPrivilegedGroupsCheck.run(
      snapshot([group('Administrators', [['ada@example.com', 'ACTIVE']], false)], false),
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
    expect(out.result).toBe('fail');
    expect(out.detail).toMatch(/okta\.privilegedGroups/);
  });
});
