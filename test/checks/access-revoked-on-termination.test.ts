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

// Written for the surviving mutants of `npm run mutation` (docs/threat-model.md, "Mutation
// testing", "The checks of identity and change, continued"): every way a leaver's access could
// slip past, at the SLA's bound, and the sentences word for word.
describe('access-revoked-on-termination, every link and every list', () => {
  const gone = (login: string, changed = '2026-04-01T00:00:00.000Z') => user(login, 'DEPROVISIONED', changed);

  it('an unreadable snapshot and an Okta user list not read to the end fail naming okta:users, leavers or not', () => {
    const bad = makeSnapshot({
      collector: 'okta-users',
      scope: 'okta-acme.okta.com',
      collectedAt: COLLECTED,
      data: { schema: 'x' },
    });
    const unreadable = check.run(bad as never, config(), related(github()));
    expect(unreadable.failing).toEqual(['okta:users']);
    expect(unreadable.detail).toMatch(/^the snapshot cannot be judged: .+\.$/);
    // Nobody DEPROVISIONED among the users read: the ones not read may be; never "not applicable".
    const short = check.run(
      okta([user('ana@acme.example', 'ACTIVE', null)], { usersComplete: false }),
      config(),
      related(),
    );
    expect(short.result).toBe('fail');
    expect(short.failing).toEqual(['okta:users']);
    expect(short.detail).toBe('the Okta user list was not read to the end: leavers not read are not judged.');
  });

  it('each list of the other systems not read to the end fails, named, even with no leaver read', () => {
    const quiet = okta([user('ana@acme.example', 'ACTIVE', null)]);
    const cases: [Snapshot, string, string][] = [
      [
        github({ membersComplete: false }),
        'github:acme:members',
        'the GitHub member list of acme was not read to the end',
      ],
      [
        github({ outsideCollaboratorsComplete: false }),
        'github:acme:outside-collaborators',
        'the outside collaborators of acme were not all read',
      ],
      [
        github({ saml: { ssoUrl: null, complete: false, identities: [] } }),
        'github:acme:saml',
        'the SAML identities of acme were not read to the end',
      ],
      [
        { ...identityCenter([]), status: 'partial', errors: ['ListUsers: AccessDenied'] } as Snapshot,
        'aws-identity-center:aws-111122223333',
        'aws-identity-center aws-111122223333 is partial (ListUsers: AccessDenied)',
      ],
      [
        { ...iam([]), status: 'partial', errors: [] } as Snapshot,
        'iam:aws-111122223333',
        'iam aws-111122223333 is partial (no reason given)',
      ],
    ];
    for (const [snapshot, id, why] of cases) {
      const out = check.run(quiet, config(), related(snapshot));
      expect(out.result, id).toBe('fail');
      expect(out.failing, id).toEqual([id]);
      expect(out.detail, id).toBe(`${why}.`);
    }
  });

  it('at exactly the SLA a leaver’s access passes, a millisecond later it fails; hours shown to one decimal below 10', () => {
    // github() is collected at 00:06:00.000Z.
    const at = (changed: string) =>
      check.run(okta([gone('olaf@acme.example', changed)]), config(), related(github()));
    const bound = at('2026-04-19T00:06:00.000Z');
    expect(bound.result).toBe('pass');
    expect(bound.detail).toBe(
      '1 DEPROVISIONED or SUSPENDED Okta user(s); none has access left beyond the 24 h SLA (compared with github-members: github-acme). Still to be removed within the SLA: olaf@acme.example: GitHub acme 24 h after DEPROVISIONED (2026-04-19T00:06:00.000Z), within the 24 h SLA.',
    );
    const late = at('2026-04-19T00:05:59.999Z');
    expect(late.result).toBe('fail');
    expect(late.detail).toBe(
      'olaf@acme.example: GitHub acme: org member olaf-gh (linked by SAML identity), 24 h after DEPROVISIONED (2026-04-19T00:05:59.999Z), beyond the 24 h SLA.',
    );
    expect(at('2026-04-19T14:06:00.000Z').detail).toContain(' 10 h after DEPROVISIONED');
    expect(at('2026-04-19T14:12:00.000Z').detail).toContain(' 9.9 h after DEPROVISIONED');
    // A status change after the snapshot saw the access counts as 0 h, not negative.
    expect(at('2026-04-20T01:00:00.000Z').detail).toContain(' 0.0 h after DEPROVISIONED');
  });

  it('a leaver with access and no status change time fails by item; failing items sorted and once each', () => {
    const out = check.run(
      okta([user('zoe@acme.example', 'SUSPENDED', null), gone('olaf@acme.example')]),
      config(),
      related(
        github({
          members: [
            { login: 'olaf-gh', role: 'MEMBER', twoFactorEnabled: true, samlNameId: 'olaf@acme.example' },
            { login: 'olaf-old', role: 'MEMBER', twoFactorEnabled: true, samlNameId: 'olaf@acme.example' },
            { login: 'zoe-gh', role: 'ADMIN', twoFactorEnabled: true, samlNameId: 'zoe@acme.example' },
          ],
        }),
      ),
    );
    expect(out.failing).toEqual(['olaf@acme.example:github:acme', 'zoe@acme.example:github:acme']);
    expect(out.detail).toMatch(
      /^zoe@acme\.example \(SUSPENDED, when unknown: Okta gave no statusChanged\): GitHub acme: org owner zoe-gh \(linked by SAML identity\); olaf@acme\.example: GitHub acme: org member olaf-gh/,
    );
  });

  it('links a GitHub login by SAML identity, by the member’s own name id, or by the profile attribute (trimmed, any case); nothing else', () => {
    const leaver = gone('Olaf@Acme.example');
    // The member row names no SAML identity; the org's SAML identities link the login.
    const bySaml = check.run(
      okta([leaver]),
      config(),
      related(
        github({
          members: [{ login: 'olaf-gh', role: 'MEMBER', twoFactorEnabled: true, samlNameId: null }],
          outsideCollaborators: [
            {
              login: 'OLAF-GH',
              repositories: [
                { repository: 'acme/api', permission: 'WRITE' },
                { repository: 'acme/web', permission: 'READ' },
              ],
            },
            { login: 'stranger', repositories: [{ repository: 'acme/api', permission: 'ADMIN' }] },
          ],
        }),
      ),
    );
    expect(bySaml.result).toBe('fail');
    expect(bySaml.failing).toEqual([
      'Olaf@Acme.example:github:acme',
      'Olaf@Acme.example:github:acme:outside-collaborator',
    ]);
    expect(bySaml.detail).toContain(
      'Olaf@Acme.example: GitHub acme: outside collaborator OLAF-GH on acme/api WRITE, acme/web READ (linked by SAML identity), ',
    );
    expect(bySaml.detail).not.toContain('stranger');
    // An identity without a GitHub login links nothing; the member's own name id still does.
    const byNameId = check.run(
      okta([leaver]),
      config(),
      related(
        github({
          saml: {
            ssoUrl: null,
            complete: true,
            identities: [{ nameId: 'olaf@acme.example', username: null, login: null }],
          },
        }),
      ),
    );
    expect(byNameId.failing).toEqual(['Olaf@Acme.example:github:acme']);
    expect(byNameId.detail).toContain('org member olaf-gh (linked by SAML identity)');
    // Linked both ways: the SAML identity is named.
    const both = check.run(
      okta(
        [gone('olaf@acme.example', '2026-04-01T00:00:00.000Z')].map((u) => ({
          ...u,
          profile: { githubLogin: 'olaf-gh' },
        })),
      ),
      config(),
      related(
        github({ members: [{ login: 'olaf-gh', role: 'MEMBER', twoFactorEnabled: true, samlNameId: null }] }),
      ),
    );
    expect(both.detail).toContain('org member olaf-gh (linked by SAML identity)');
    // The profile attribute, padded: trimmed; blank or not a string: no link.
    const noSaml = {
      saml: null,
      members: [{ login: 'sam-dev', role: 'MEMBER' as const, twoFactorEnabled: true, samlNameId: null }],
    };
    const withAttribute = (value: unknown) =>
      check.run(
        okta([{ ...gone('sam@acme.example'), profile: { githubLogin: value as string } }]),
        config(),
        related(github(noSaml)),
      );
    expect(withAttribute('  Sam-Dev ').failing).toEqual(['sam@acme.example:github:acme']);
    expect(withAttribute('   ').result).toBe('pass');
    expect(withAttribute(42).result).toBe('pass');
    expect(withAttribute(['sam-dev']).result).toBe('pass');
  });

  it('Identity Center: a DISABLED user is skipped even with an assignment; each account names only its own permission sets', () => {
    const ic = identityCenter([
      { userId: 'u-ida', userName: 'ida@acme.example', displayName: null, emails: [], status: null },
      { userId: 'u-dan', userName: 'dan@acme.example', displayName: null, emails: [], status: 'DISABLED' },
    ]) as Snapshot<IdentityCenterData>;
    const instance = ic.data.instances[0]!;
    instance.groups = [{ groupId: 'g-eng', displayName: 'engineers', members: ['u-ida', 'u-dan'] }];
    instance.assignments.push({
      accountId: '444455556666',
      permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-1/ps-billing',
      permissionSetName: null,
      principalType: 'USER',
      principalId: 'u-dan',
      principalName: null,
    });
    const out = check.run(okta([gone('ida@acme.example'), gone('dan@acme.example')]), config(), related(ic));
    expect(out.failing).toEqual([
      'ida@acme.example:aws-identity-center:444455556666',
      'ida@acme.example:aws-identity-center:777788889999',
    ]);
    expect(out.detail).toContain(
      'ida@acme.example: AWS IAM Identity Center 444455556666: user ida@acme.example with AdministratorAccess (linked by user name), ',
    );
    expect(out.detail).toContain(
      'ida@acme.example: AWS IAM Identity Center 777788889999: user ida@acme.example with ReadOnly (through group engineers) (linked by user name), ',
    );
  });

  it('IAM: the email tag among other tags, no credential report row, a password and two keys, each named', () => {
    const snapshot = iam([
      { userName: 'kim', tags: { team: 'platform', EMAIL: 'kim@acme.example' }, password: true, key: true },
      { userName: 'lee@acme.example', password: false, key: false },
      { userName: 'max', tags: { email: 'max@acme.example' }, password: false, key: false },
    ]) as Snapshot<IamData>;
    const rows = snapshot.data.credentialReport.rows;
    rows[0]!.accessKey2 = { ...rows[0]!.accessKey2, active: true };
    // lee has no credential report row: what credentials remain is unknown.
    snapshot.data.credentialReport.rows = rows.filter((r) => r.user !== 'lee@acme.example');
    const out = check.run(
      okta([gone('kim@acme.example'), gone('lee@acme.example'), gone('max@acme.example')]),
      config(),
      related(snapshot),
    );
    expect(out.failing).toEqual(['kim@acme.example:iam:111122223333', 'lee@acme.example:iam:111122223333']);
    expect(out.detail).toContain(
      'kim@acme.example: AWS IAM 111122223333: IAM user kim with a console password and active access key 1 and active access key 2 (linked by tag email), ',
    );
    expect(out.detail).toContain(
      'lee@acme.example: AWS IAM 111122223333: IAM user lee@acme.example with no credential report row (credentials unknown) (linked by user name), ',
    );
  });

  it('the systems compared, word for word: each collected one with its scopes, or none', () => {
    const leaver = okta([gone('nobody@acme.example')]);
    expect(check.run(leaver, config(), related()).detail).toBe(
      '1 DEPROVISIONED or SUSPENDED Okta user(s); none has access left beyond the 24 h SLA (no GitHub or AWS system is collected to compare with).',
    );
    const second = { ...iam([]), scope: 'aws-444455556666' } as Snapshot;
    expect(check.run(leaver, config(), related(github(), iam([]), second)).detail).toBe(
      '1 DEPROVISIONED or SUSPENDED Okta user(s); none has access left beyond the 24 h SLA (compared with github-members: github-acme; iam: aws-111122223333, aws-444455556666).',
    );
    expect(check.run(okta([]), config(), related(identityCenter([]))).detail).toBe(
      'no Okta user is DEPROVISIONED or SUSPENDED on this day (compared with aws-identity-center: aws-111122223333)',
    );
  });
});
