import { describe, expect, it } from 'vitest';
import type { RelatedSnapshots } from '../../shared/checks/types.js';
import type { IdentityCenterData } from '../../shared/collectors/aws-identity-center/declaration.js';
import type { GitHubMembersData } from '../../shared/collectors/github-members/declaration.js';
import type { IamData } from '../../shared/collectors/iam/collector.js';
import { accessRevokedOnTerminationCheck as check } from '../../shared/collectors/okta-users/access-revoked-on-termination.js';
import {
  OKTA_USERS_DATA_SCHEMA,
  type OktaUserRecord,
  type OktaUsersData,
} from '../../shared/collectors/okta-users/data.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const DAY = '2026-04-20';
const COLLECTED = `${DAY}T00:05:00.000Z`;
const config = (extra: Record<string, unknown> = {}) =>
  parseConfig(
    {
      locker: { retentionDays: 730 },
      auditPeriod: { start: '2026-01-01' },
      okta: { orgUrl: 'https://acme.okta.com', users: { githubLoginAttribute: 'githubLogin' } },
      github: { org: 'acme' },
      ...extra,
    },
    'test',
    COLLECTORS,
  );

function user(login: string, status: string, statusChanged: string | null, profile = {}): OktaUserRecord {
  return {
    id: `00u${login.replace(/\W/g, '')}`,
    login,
    status,
    created: '2025-01-01T00:00:00.000Z',
    activated: '2025-01-01T00:00:00.000Z',
    statusChanged,
    lastLogin: null,
    passwordChanged: null,
    profile,
    factors: [],
    factorsReadAt: COLLECTED,
  };
}

function okta(users: OktaUserRecord[], over: Partial<OktaUsersData> = {}): Snapshot<OktaUsersData> {
  const data: OktaUsersData = {
    schema: OKTA_USERS_DATA_SCHEMA,
    orgUrl: 'https://acme.okta.com',
    auth: 'ssws',
    profileAttributes: ['department', 'githubLogin'],
    usersComplete: true,
    users,
    policyTypes: {
      OKTA_SIGN_ON: { complete: true },
      ACCESS_POLICY: { complete: true },
      MFA_ENROLL: { complete: true },
      PASSWORD: { complete: true },
    },
    policies: [],
    apps: [],
    groupNames: {},
    factorReads: { mode: 'full', read: users.length, carried: 0 },
    totals: { users: users.length, byStatus: {}, policies: 0, rules: 0 },
    ...over,
  };
  return makeSnapshot({
    collector: 'okta-users',
    scope: 'okta-acme.okta.com',
    collectedAt: COLLECTED,
    data,
  }) as Snapshot<OktaUsersData>;
}

function github(over: Partial<GitHubMembersData> = {}, collectedAt = `${DAY}T00:06:00.000Z`): Snapshot {
  return makeSnapshot({
    collector: 'github-members',
    scope: 'github-acme',
    collectedAt,
    data: {
      org: 'acme',
      apiUrl: 'https://api.github.com',
      requiresTwoFactorAuthentication: true,
      totalMembers: 2,
      membersComplete: true,
      members: [
        { login: 'ana-gh', role: 'ADMIN', twoFactorEnabled: true, samlNameId: 'ana@acme.example' },
        { login: 'olaf-gh', role: 'MEMBER', twoFactorEnabled: true, samlNameId: 'olaf@acme.example' },
      ],
      saml: {
        ssoUrl: null,
        complete: true,
        identities: [
          { nameId: 'ana@acme.example', username: null, login: 'ana-gh' },
          { nameId: 'olaf@acme.example', username: null, login: 'olaf-gh' },
        ],
      },
      outsideCollaborators: [],
      outsideCollaboratorsComplete: true,
      repositories: 3,
      rateLimit: { cost: 1, remaining: 4999, resetAt: null },
      ...over,
    } satisfies GitHubMembersData,
  });
}

function identityCenter(users: IdentityCenterData['instances'][number]['users']): Snapshot {
  const data: IdentityCenterData = {
    accountId: '111122223333',
    region: 'us-east-1',
    instances: [
      {
        instanceArn: 'arn:aws:sso:::instance/ssoins-1',
        identityStoreId: 'd-1',
        ownerAccountId: '111122223333',
        name: null,
        status: 'ACTIVE',
        users,
        groups: [{ groupId: 'g-eng', displayName: 'engineers', members: ['u-pia'] }],
        permissionSets: [],
        assignments: [
          {
            accountId: '444455556666',
            permissionSetArn: 'ps-admin',
            permissionSetName: 'AdministratorAccess',
            principalType: 'USER',
            principalId: 'u-ida',
            principalName: 'ida@acme.example',
          },
          {
            accountId: '777788889999',
            permissionSetArn: 'ps-ro',
            permissionSetName: 'ReadOnly',
            principalType: 'GROUP',
            principalId: 'g-eng',
            principalName: 'engineers',
          },
        ],
      },
    ],
  };
  return makeSnapshot({
    collector: 'aws-identity-center',
    scope: 'aws-111122223333',
    collectedAt: `${DAY}T00:07:00.000Z`,
    data,
  });
}

function iam(
  users: { userName: string; tags?: Record<string, string>; password: boolean; key: boolean }[],
): Snapshot {
  const key = (active: boolean) => ({
    active,
    lastRotated: null,
    lastUsedDate: null,
    lastUsedRegion: null,
    lastUsedService: null,
  });
  const data = {
    accountId: '111122223333',
    credentialReport: {
      generatedTime: COLLECTED,
      rows: users.map((u) => ({
        user: u.userName,
        arn: `arn:aws:iam::111122223333:user/${u.userName}`,
        userCreationTime: null,
        passwordEnabled: u.password,
        passwordLastUsed: null,
        passwordLastChanged: null,
        passwordNextRotation: null,
        mfaActive: true,
        accessKey1: key(u.key),
        accessKey2: key(false),
        cert1: { active: false, lastRotated: null },
        cert2: { active: false, lastRotated: null },
      })),
    },
    passwordPolicy: null,
    accountSummary: {},
    authorization: {
      users: users.map((u) => ({
        userName: u.userName,
        userId: null,
        arn: `arn:aws:iam::111122223333:user/${u.userName}`,
        path: '/',
        createDate: null,
        groups: [],
        attachedPolicies: [],
        inlinePolicies: [],
        permissionsBoundary: null,
        tags: u.tags ?? {},
      })),
      groups: [],
      roles: [],
      policies: {},
    },
  } satisfies IamData;
  return makeSnapshot({
    collector: 'iam',
    scope: 'aws-111122223333',
    collectedAt: `${DAY}T00:08:00.000Z`,
    data,
  });
}

const related = (...snapshots: Snapshot[]): RelatedSnapshots => {
  const map = new Map<string, Snapshot[]>();
  for (const s of snapshots) map.set(s.collector, [...(map.get(s.collector) ?? []), s]);
  return map;
};

describe('access-revoked-on-termination', () => {
  it('reads the same day’s github-members, aws-identity-center and iam snapshots', () => {
    expect(check.reads).toEqual(['github-members', 'aws-identity-center', 'iam']);
    expect(check.controls).toEqual(['CC6.2', 'CC6.3']);
  });

  it('Noncompliance: a leaver found through the SAML link, beyond the SLA, names system, account and hours', () => {
    const out = check.run(
      okta([
        user('olaf@acme.example', 'DEPROVISIONED', '2026-04-17T00:06:00.000Z'),
        user('ana@acme.example', 'ACTIVE', null),
      ]),
      config(),
      related(github()),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['olaf@acme.example:github:acme']);
    expect(out.detail).toContain(
      'olaf@acme.example: GitHub acme: org member olaf-gh (linked by SAML identity), 72 h after DEPROVISIONED (2026-04-17T00:06:00.000Z), beyond the 24 h SLA',
    );
  });

  it('Noncompliance: a leaver found through the profile attribute (no SAML), also as outside collaborator', () => {
    const out = check.run(
      okta([user('sam@acme.example', 'SUSPENDED', '2026-04-01T00:00:00.000Z', { githubLogin: 'Sam-Dev' })]),
      config(),
      related(
        github({
          saml: null,
          members: [{ login: 'sam-dev', role: 'MEMBER', twoFactorEnabled: true, samlNameId: null }],
          outsideCollaborators: [
            { login: 'SAM-DEV', repositories: [{ repository: 'acme/api', permission: 'WRITE' }] },
          ],
        }),
      ),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual([
      'sam@acme.example:github:acme',
      'sam@acme.example:github:acme:outside-collaborator',
    ]);
    expect(out.detail).toMatch(/org member sam-dev \(linked by profile attribute githubLogin\)/);
    expect(out.detail).toMatch(/outside collaborator SAM-DEV on acme\/api WRITE/);
  });

  it('Compliance: a leaver still a member within the SLA passes, named in the detail; one removed passes', () => {
    const out = check.run(
      okta([
        user('olaf@acme.example', 'DEPROVISIONED', `${DAY}T00:00:00.000Z`),
        user('gone@acme.example', 'DEPROVISIONED', '2026-03-01T00:00:00.000Z'),
      ]),
      config(),
      related(github()),
    );
    expect(out.result).toBe('pass');
    expect(out.detail).toMatch(
      /2 DEPROVISIONED or SUSPENDED Okta user\(s\); none has access left beyond the 24 h SLA/,
    );
    expect(out.detail).toMatch(
      /Still to be removed within the SLA: olaf@acme\.example: GitHub acme 0\.1 h after DEPROVISIONED/,
    );
    // A longer SLA (access.revocationSlaHours) lets an older leaver pass too.
    const older = okta([user('olaf@acme.example', 'DEPROVISIONED', '2026-04-17T00:06:00.000Z')]);
    expect(check.run(older, config(), related(github())).result).toBe('fail');
    expect(check.run(older, config({ access: { revocationSlaHours: 96 } }), related(github())).result).toBe(
      'pass',
    );
  });

  it('Identity Center: an enabled user with an assignment (directly or through a group) fails; a DISABLED one passes', () => {
    const leavers = okta([
      user('ida@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z'),
      user('pia@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z'),
      user('dan@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z'),
    ]);
    const out = check.run(
      leavers,
      config(),
      related(
        identityCenter([
          { userId: 'u-ida', userName: 'ida@acme.example', displayName: null, emails: [], status: 'ENABLED' },
          { userId: 'u-pia', userName: 'pia', displayName: null, emails: ['PIA@acme.example'], status: null },
          {
            userId: 'u-dan',
            userName: 'dan@acme.example',
            displayName: null,
            emails: [],
            status: 'DISABLED',
          },
        ]),
      ),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual([
      'ida@acme.example:aws-identity-center:444455556666',
      'pia@acme.example:aws-identity-center:777788889999',
    ]);
    expect(out.detail).toMatch(
      /AWS IAM Identity Center 444455556666: ENABLED user ida@acme\.example with AdministratorAccess \(linked by user name\)/,
    );
    expect(out.detail).toMatch(/ReadOnly \(through group engineers\) \(linked by e-mail\)/);
  });

  it('IAM: a user tagged with the e-mail (or named the login) with a password or active key fails; one without passes', () => {
    const out = check.run(
      okta([
        user('kim@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z'),
        user('lee@acme.example', 'SUSPENDED', '2026-04-01T00:00:00.000Z'),
        user('max@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z'),
      ]),
      config(),
      related(
        iam([
          { userName: 'kim', tags: { Email: 'kim@acme.example' }, password: false, key: true },
          { userName: 'lee@acme.example', password: true, key: false },
          { userName: 'max', tags: { email: 'max@acme.example' }, password: false, key: false },
        ]),
      ),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['kim@acme.example:iam:111122223333', 'lee@acme.example:iam:111122223333']);
    expect(out.detail).toMatch(
      /AWS IAM 111122223333: IAM user kim with active access key 1 \(linked by tag email\)/,
    );
    expect(out.detail).toMatch(/IAM user lee@acme\.example with a console password \(linked by user name\)/);
  });

  it('unknown is no pass: no status change time, a member list not read to the end, an unreadable snapshot', () => {
    const noTime = check.run(
      okta([user('olaf@acme.example', 'DEPROVISIONED', null)]),
      config(),
      related(github()),
    );
    expect(noTime.result).toBe('fail');
    expect(noTime.detail).toMatch(/when unknown/);
    const short = check.run(
      okta([user('zed@acme.example', 'DEPROVISIONED', '2026-04-01T00:00:00.000Z')]),
      config(),
      related(github({ membersComplete: false })),
    );
    expect(short.result).toBe('fail');
    expect(short.failing).toEqual(['github:acme:members']);
    const bad = makeSnapshot({
      collector: 'okta-users',
      scope: 'okta-acme.okta.com',
      collectedAt: COLLECTED,
      data: { schema: 'x' },
    });
    expect(check.run(bad as never, config(), related()).result).toBe('fail');
  });

  it('not applicable: nobody DEPROVISIONED or SUSPENDED that day', () => {
    const out = check.run(okta([user('ana@acme.example', 'ACTIVE', null)]), config(), related(github()));
    expect(out.result).toBe('not-applicable');
    expect(out.detail).toMatch(/compared with github-members: github-acme/);
  });
});
