/**
 * okta-mfa-enrolled, okta-mfa-required and okta-dormant-users on planted cases: compliant and
 * non-compliant snapshots, the edge cases issue 21 names (a factor PENDING_ACTIVATION only, a
 * security-question-only user, an exempt service account, a DEPROVISIONED user without MFA, a
 * dormant user who never signed in), stale or unread factor state, and unreadable data.
 */
import { describe, expect, it } from 'vitest';
import {
  OKTA_USERS_DATA_SCHEMA,
  type OktaFactor,
  type OktaPolicy,
  type OktaUserRecord,
  type OktaUsersData,
} from '../../shared/collectors/okta-users/data.js';
import { oktaDormantUsersCheck } from '../../shared/collectors/okta-users/okta-dormant-users.js';
import { oktaMfaEnrolledCheck } from '../../shared/collectors/okta-users/okta-mfa-enrolled.js';
import { oktaMfaRequiredCheck } from '../../shared/collectors/okta-users/okta-mfa-required.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { parseConfig } from '../../shared/config.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { makeSnapshot } from '../helpers/snapshots.js';

const COLLECTED = '2026-04-20T00:05:00.000Z';

function config(okta: Record<string, unknown> = {}) {
  return parseConfig(
    {
      locker: { retentionDays: 730 },
      auditPeriod: { start: '2026-01-01' },
      okta: { orgUrl: 'https://acme.okta.com', ...okta },
    },
    'test',
    COLLECTORS,
  );
}

const f = (type: string, status = 'ACTIVE'): OktaFactor => ({
  id: `ufs${type}${status}`,
  type,
  provider: type === 'webauthn' ? 'FIDO' : 'OKTA',
  status,
  created: '2025-02-01T10:00:00.000Z',
});

function user(login: string, over: Partial<OktaUserRecord> = {}): OktaUserRecord {
  return {
    id: `00u${login.split('@')[0]!.replace(/[^a-z0-9]/g, '')}`,
    login,
    status: 'ACTIVE',
    created: '2025-01-15T09:30:00.000Z',
    activated: '2025-01-15T09:30:00.000Z',
    statusChanged: '2025-01-15T09:30:00.000Z',
    lastLogin: '2026-04-18T08:00:00.000Z',
    passwordChanged: '2025-01-15T09:30:00.000Z',
    profile: { department: 'Engineering' },
    factors: [f('push')],
    factorsReadAt: '2026-04-20T00:04:00.000Z',
    ...over,
  };
}

const EVERYONE = '00geveryone0000000';
const people = { people: { groups: { include: [EVERYONE] } } };

function policies(
  overrides: { signOn?: Record<string, unknown>; admin?: Record<string, unknown> } = {},
): OktaPolicy[] {
  return [
    {
      id: '00psignon000000000',
      name: 'Default Policy',
      type: 'OKTA_SIGN_ON',
      status: 'ACTIVE',
      priority: 1,
      system: true,
      rules: [
        {
          id: '0prsignon000000000',
          name: 'Require MFA',
          status: 'ACTIVE',
          priority: 1,
          system: false,
          type: 'SIGN_ON',
          conditions: people,
          actions: { signon: { access: 'ALLOW', requireFactor: true, ...overrides.signOn } },
        },
        {
          id: '0prdeny0000000000',
          name: 'Block outside',
          status: 'ACTIVE',
          priority: 2,
          system: false,
          type: 'SIGN_ON',
          conditions: people,
          actions: { signon: { access: 'DENY' } },
        },
      ],
    },
    ...(['Okta Dashboard', 'Okta Admin Console'] as const).map((name, i) => ({
      id: `00paccess${i}00000000`,
      name,
      type: 'ACCESS_POLICY',
      status: 'ACTIVE',
      priority: 1,
      system: false,
      rules: [
        {
          id: `0praccess${i}00000000`,
          name: 'Catch-all',
          status: 'ACTIVE',
          priority: 1,
          system: false,
          type: 'ACCESS_POLICY',
          conditions: people,
          actions: {
            appSignOn: {
              access: 'ALLOW',
              verificationMethod: {
                type: 'ASSURANCE',
                factorMode: '2FA',
                ...(i === 1 ? overrides.admin : {}),
              },
            },
          },
        },
      ],
    })),
  ];
}

function snapshot(users: OktaUserRecord[], over: Partial<OktaUsersData> = {}): Snapshot<OktaUsersData> {
  const pols = over.policies ?? policies();
  const data: OktaUsersData = {
    schema: OKTA_USERS_DATA_SCHEMA,
    orgUrl: 'https://acme.okta.com',
    auth: 'ssws',
    profileAttributes: ['department'],
    usersComplete: true,
    users,
    policyTypes: {
      OKTA_SIGN_ON: { complete: true },
      ACCESS_POLICY: { complete: true },
      MFA_ENROLL: { complete: true },
      PASSWORD: { complete: true },
    },
    policies: pols,
    apps: [
      { app: 'okta_enduser', label: 'Okta Dashboard', accessPolicyId: '00paccess000000000' },
      { app: 'saasure', label: 'Okta Admin Console', accessPolicyId: '00paccess100000000' },
    ],
    groupNames: { [EVERYONE]: 'Everyone', '00gcontractors0000': 'Contractors' },
    factorReads: { mode: 'full', read: users.length, carried: 0 },
    totals: { users: users.length, byStatus: {}, policies: pols.length, rules: 0 },
    ...over,
  };
  return makeSnapshot({
    collector: 'okta-users',
    scope: 'okta-acme.okta.com',
    controls: ['CC6.1', 'CC6.2', 'CC6.3'],
    collectedAt: COLLECTED,
    data,
  }) as Snapshot<OktaUsersData>;
}

describe('okta-mfa-enrolled', () => {
  it('Compliant: everyone who can sign in has an active accepted factor; a DEPROVISIONED user without MFA is no failure', () => {
    const out = oktaMfaEnrolledCheck.run(
      snapshot([
        user('ana@acme.com'),
        user('bo@acme.com', { status: 'LOCKED_OUT', factors: [f('webauthn')] }),
        user('gone@acme.com', { status: 'DEPROVISIONED', factors: [] }),
        user('parked@acme.com', { status: 'SUSPENDED', factors: [] }),
        user('new@acme.com', { status: 'STAGED', factors: [], activated: null }),
      ]),
      config(),
    );
    expect(out.result).toBe('pass');
    expect(out.detail).toContain('2 user(s) who can sign in');
    expect(out.detail).toContain('No exemptions');
  });

  it('Noncompliant: PENDING_ACTIVATION only, security question only, no factor, unread and stale factors fail, named', () => {
    const out = oktaMfaEnrolledCheck.run(
      snapshot([
        user('ana@acme.com'),
        user('pending@acme.com', { factors: [f('sms', 'PENDING_ACTIVATION')] }),
        user('question@acme.com', { status: 'PASSWORD_EXPIRED', factors: [f('question')] }),
        user('none@acme.com', { status: 'RECOVERY', factors: [] }),
        user('unread@acme.com', { factors: null, factorsReadAt: null, factorsError: 'Okta answered 500' }),
        user('stale@acme.com', { factorsReadAt: '2026-04-11T00:00:00.000Z' }),
      ]),
      config(),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual([
      'pending@acme.com',
      'question@acme.com',
      'none@acme.com',
      'unread@acme.com',
      'stale@acme.com',
    ]);
    expect(out.detail).toContain(
      'pending@acme.com (ACTIVE): no ACTIVE accepted factor (has: sms PENDING_ACTIVATION)',
    );
    expect(out.detail).toContain(
      'question@acme.com (PASSWORD_EXPIRED): no ACTIVE accepted factor (has: question ACTIVE)',
    );
    expect(out.detail).toContain(
      'unread@acme.com (ACTIVE): factors unknown: they could not be read (Okta answered 500)',
    );
    expect(out.detail).toMatch(
      /stale@acme\.com \(ACTIVE\): factors unknown: its factors were last read at 2026-04-11T00:00:00\.000Z, 216 h \(9 days\) before the collection \(at most 192 h, checks\.freshnessHours\.oktaFactors\)/,
    );
  });

  it('factor state read exactly 8 days before is still known', () => {
    const out = oktaMfaEnrolledCheck.run(
      snapshot([user('ana@acme.com', { factorsReadAt: '2026-04-12T00:05:00.000Z' })]),
      config(),
    );
    expect(out.result).toBe('pass');
  });

  it('an exempt service account passes and is listed in the detail; an exempt login that is no user is named too', () => {
    const out = oktaMfaEnrolledCheck.run(
      snapshot([user('ana@acme.com'), user('svc-backup@acme.com', { factors: [] })]),
      config({ mfa: { exempt: ['SVC-backup@acme.com', 'svc-old@acme.com'] } }),
    );
    expect(out.result).toBe('pass');
    expect(out.detail).toContain('Exempt from MFA (okta.mfa.exempt): svc-backup@acme.com (ACTIVE)');
    expect(out.detail).toContain('exempt login(s) that are no Okta user: svc-old@acme.com');
    // Without the exemption it fails: the exemption is what passes it.
    expect(
      oktaMfaEnrolledCheck.run(snapshot([user('svc-backup@acme.com', { factors: [] })]), config()).result,
    ).toBe('fail');
  });

  it('okta.mfa.acceptedFactors and okta.mfa.phishingResistant narrow what counts', () => {
    const users = [user('push@acme.com'), user('key@acme.com', { factors: [f('webauthn')] })];
    const strict = oktaMfaEnrolledCheck.run(snapshot(users), config({ mfa: { phishingResistant: true } }));
    expect(strict.failing).toEqual(['push@acme.com']);
    const noPush = oktaMfaEnrolledCheck.run(
      snapshot(users),
      config({ mfa: { acceptedFactors: ['webauthn', 'signed_nonce'] } }),
    );
    expect(noPush.failing).toEqual(['push@acme.com']);
    expect(() => config({ mfa: { acceptedFactors: ['webauthn', 'carrier-pigeon'] } })).toThrow(
      /okta\.mfa\.acceptedFactors\.1/,
    );
  });

  it('an incomplete user list or unreadable data is a failure, never a pass', () => {
    expect(
      oktaMfaEnrolledCheck.run(snapshot([user('ana@acme.com')], { usersComplete: false }), config()).result,
    ).toBe('fail');
    const broken = {
      ...snapshot([]),
      data: { schema: 'evidence.okta-users/7' },
    } as unknown as Snapshot<OktaUsersData>;
    const out = oktaMfaEnrolledCheck.run(broken, config());
    expect(out.result).toBe('fail');
    expect(out.detail).toMatch(/cannot be judged/);
  });
});

describe('okta-mfa-required', () => {
  it('Compliant: sign-on requires a factor, the Dashboard and Admin Console require two', () => {
    const out = oktaMfaRequiredCheck.run(snapshot([]), config());
    expect(out.result).toBe('pass');
    expect(out.detail).toContain('Okta Dashboard and Okta Admin Console (two factors)');
  });

  it('Noncompliant: a sign-on rule without requireFactor and an Admin Console rule allowing one factor, named with their groups', () => {
    const out = oktaMfaRequiredCheck.run(
      snapshot([], {
        policies: policies({ signOn: { requireFactor: false }, admin: { factorMode: '1FA' } }),
      }),
      config(),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['Default Policy / Require MFA', 'Okta Admin Console / Catch-all']);
    expect(out.detail).toContain(
      'rule "Require MFA" of OKTA_SIGN_ON policy "Default Policy" allows access without a second factor (requireFactor false; applies to groups Everyone)',
    );
    expect(out.detail).toContain(
      'rule "Catch-all" of ACCESS_POLICY policy "Okta Admin Console" (Okta Admin Console) allows one factor (factorMode "1FA"; applies to groups Everyone)',
    );
  });

  it('inactive rules and policies are not judged; a rule that cannot be read or told fails', () => {
    const pols = policies({ signOn: { requireFactor: false } });
    pols[0]!.rules![0]!.status = 'INACTIVE';
    expect(oktaMfaRequiredCheck.run(snapshot([], { policies: pols }), config()).result).toBe('pass');
    const unread = policies();
    unread[2]!.rules = null;
    const out = oktaMfaRequiredCheck.run(snapshot([], { policies: unread }), config());
    expect(out.result).toBe('fail');
    expect(out.detail).toContain('the rules of ACCESS_POLICY policy "Okta Admin Console" were not read');
    const chain = policies({ admin: { type: 'AUTH_METHOD_CHAIN' } });
    expect(oktaMfaRequiredCheck.run(snapshot([], { policies: chain }), config()).result).toBe('fail');
  });

  it('Classic Engine (no app authentication policies) is judged on the sign-on policies alone; a policy type not listed fails', () => {
    const classic = snapshot([], {
      policies: policies().slice(0, 1),
      apps: [{ app: 'saasure', label: 'Okta Admin Console', accessPolicyId: null }],
    });
    const out = oktaMfaRequiredCheck.run(classic, config());
    expect(out.result).toBe('pass');
    expect(out.detail).toContain('Classic Engine');
    const incomplete = snapshot([], {
      policyTypes: {
        OKTA_SIGN_ON: { complete: false, error: 'Okta kept answering 429' },
        ACCESS_POLICY: { complete: true },
        MFA_ENROLL: { complete: true },
        PASSWORD: { complete: true },
      },
    });
    expect(oktaMfaRequiredCheck.run(incomplete, config()).failing).toContain('OKTA_SIGN_ON policies');
    expect(oktaMfaRequiredCheck.run(snapshot([], { policies: [] }), config()).result).toBe('fail');
  });
});

describe('okta-dormant-users', () => {
  it('Compliant: everyone who can sign in did so within 90 days', () => {
    const out = oktaDormantUsersCheck.run(
      snapshot([
        user('ana@acme.com'),
        user('gone@acme.com', { status: 'DEPROVISIONED', lastLogin: '2024-01-01T00:00:00.000Z' }),
        user('fresh@acme.com', { lastLogin: null, activated: '2026-04-01T00:00:00.000Z' }),
      ]),
      config(),
    );
    expect(out.result).toBe('pass');
  });

  it('Noncompliant: a dormant admin, and a user who never signed in counted from activation', () => {
    const out = oktaDormantUsersCheck.run(
      snapshot([
        user('ana@acme.com'),
        user('old-admin@acme.com', { lastLogin: '2025-12-01T10:00:00.000Z' }),
        user('never@acme.com', { lastLogin: null, activated: '2026-01-10T00:00:00.000Z' }),
        user('nodates@acme.com', { lastLogin: null, activated: null }),
      ]),
      config(),
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['old-admin@acme.com', 'never@acme.com', 'nodates@acme.com']);
    expect(out.detail).toContain(
      'old-admin@acme.com (ACTIVE): last signed in 2025-12-01T10:00:00.000Z: 139 days ago',
    );
    expect(out.detail).toContain(
      'never@acme.com (ACTIVE): never signed in, activated 2026-01-10T00:00:00.000Z: 100 days ago',
    );
    expect(out.detail).toContain('nodates@acme.com (ACTIVE): no last login and no activation date');
  });

  it('okta.users.dormantDays moves the line (exactly N days is dormant)', () => {
    const users = [user('ana@acme.com', { lastLogin: '2026-03-21T00:05:00.000Z' })]; // 30 days
    expect(oktaDormantUsersCheck.run(snapshot(users), config({ users: { dormantDays: 30 } })).result).toBe(
      'fail',
    );
    expect(oktaDormantUsersCheck.run(snapshot(users), config({ users: { dormantDays: 31 } })).result).toBe(
      'pass',
    );
  });
});

// Written for the surviving mutants of `npm run mutation` (docs/threat-model.md, "Mutation
// testing"): the exact counts, failing items and sentences of both checks.
describe('okta-mfa-enrolled and okta-dormant-users, word for word', () => {
  const broken = () =>
    ({ ...snapshot([]), data: { schema: 'evidence.okta-users/7' } }) as unknown as Snapshot<OktaUsersData>;

  it('unreadable data fails naming the okta users item, in both checks', () => {
    for (const check of [oktaMfaEnrolledCheck, oktaDormantUsersCheck]) {
      const out = check.run(broken(), config());
      expect(out.result, check.id).toBe('fail');
      expect(out.failing, check.id).toEqual(['okta users']);
      expect(out.detail, check.id).toMatch(/^the snapshot cannot be judged: .+\.$/);
    }
  });

  it('an incomplete user list fails both checks naming it, even when every user read passes', () => {
    for (const check of [oktaMfaEnrolledCheck, oktaDormantUsersCheck]) {
      const out = check.run(snapshot([user('ana@acme.com')], { usersComplete: false }), config());
      expect(out.result, check.id).toBe('fail');
      expect(out.failing, check.id).toEqual(['okta users']);
      expect(out.detail, check.id).toMatch(
        /^the user list was not read to the end: users missing from it cannot be judged[ .]/,
      );
    }
  });

  it('okta-mfa-enrolled counts only the users it judged, and names what it accepts', () => {
    const users = [
      user('ana@acme.com'),
      user('bo@acme.com', { factors: [f('webauthn')] }),
      user('gone@acme.com', { status: 'DEPROVISIONED', factors: [] }),
      user('svc@acme.com', { factors: [] }),
    ];
    const out = oktaMfaEnrolledCheck.run(snapshot(users), config({ mfa: { exempt: ['svc@acme.com'] } }));
    expect(out.result).toBe('pass');
    expect(out.detail).toMatch(
      /^2 user\(s\) who can sign in each have an ACTIVE accepted factor \(accepted: [a-z0-9_:, ]*push[a-z0-9_:, ]*\)\. Exempt from MFA \(okta\.mfa\.exempt\): svc@acme\.com \(ACTIVE\)\.$/,
    );
    const strict = oktaMfaEnrolledCheck.run(
      snapshot([user('bo@acme.com', { factors: [f('webauthn')] })]),
      config({ mfa: { phishingResistant: true, acceptedFactors: ['webauthn'] } }),
    );
    expect(strict.detail).toBe(
      '1 user(s) who can sign in each have an ACTIVE accepted factor (phishing-resistant only; accepted: webauthn). No exemptions (okta.mfa.exempt is empty).',
    );
  });

  it('okta-mfa-enrolled names an exemption of a user who cannot sign in, and a failure keeps the exemptions', () => {
    const parked = [
      user('ana@acme.com', { factors: [] }),
      user('svc@acme.com', { status: 'SUSPENDED', factors: [] }),
    ];
    const out = oktaMfaEnrolledCheck.run(snapshot(parked), config({ mfa: { exempt: ['svc@acme.com'] } }));
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['ana@acme.com']);
    expect(out.detail).toBe(
      'ana@acme.com (ACTIVE): no ACTIVE accepted factor (has: (none)). Exempt from MFA (okta.mfa.exempt): (none of them can sign in).',
    );
  });

  it('okta-dormant-users counts only the users it judged and says the bound', () => {
    const out = oktaDormantUsersCheck.run(
      snapshot([
        user('ana@acme.com'),
        user('bo@acme.com'),
        user('gone@acme.com', { status: 'DEPROVISIONED', lastLogin: '2024-01-01T00:00:00.000Z' }),
      ]),
      config(),
    );
    expect(out.result).toBe('pass');
    expect(out.detail).toBe('2 user(s) who can sign in each signed in (or were activated) within 90 days.');
    const dormant = oktaDormantUsersCheck.run(
      snapshot([user('old@acme.com', { lastLogin: '2025-12-01T10:00:00.000Z' })]),
      config(),
    );
    expect(dormant.detail).toBe(
      'old@acme.com (ACTIVE): last signed in 2025-12-01T10:00:00.000Z: 139 days ago (dormant after 90 days).',
    );
  });
});

// Written for the surviving mutants of okta-mfa-required.ts (docs/threat-model.md, "Mutation
// testing", "The checks of identity and change, continued"): every rule shape that is not a
// clear ALLOW-with-MFA fails, named; inactive and denying rules and policies are not judged.
describe('okta-mfa-required, rule by rule and word for word', () => {
  const rule = (name: string, actions: unknown, conditions: unknown = people) => ({
    id: `0pr${name.replace(/\W/g, '')}`,
    name,
    status: 'ACTIVE',
    priority: 1,
    system: false,
    type: 'SIGN_ON',
    conditions,
    actions,
  });
  const run = (over: Partial<OktaUsersData>) => oktaMfaRequiredCheck.run(snapshot([], over), config());

  it('the pass says what it judged: the rules, the sign-on policies and the two apps', () => {
    expect(oktaMfaRequiredCheck.run(snapshot([]), config()).detail).toBe(
      '3 active rule(s) allowing access require MFA: 1 sign-on policy(ies) and the authentication policies of Okta Dashboard and Okta Admin Console (two factors).',
    );
    const classic = run({
      policies: policies().slice(0, 1),
      apps: [{ app: 'saasure', label: 'Okta Admin Console', accessPolicyId: null }],
    });
    expect(classic.detail).toBe(
      '1 active rule(s) allowing access require MFA: 1 sign-on policy(ies) (Classic Engine: no app authentication policies).',
    );
    // One app with an authentication policy is Identity Engine.
    const one = run({
      policies: policies().slice(0, 2),
      apps: [
        { app: 'okta_enduser', label: 'Okta Dashboard', accessPolicyId: '00paccess000000000' },
        { app: 'saasure', label: 'Okta Admin Console', accessPolicyId: null },
      ],
    });
    expect(one.detail).toBe(
      '2 active rule(s) allowing access require MFA: 1 sign-on policy(ies) and the authentication policies of Okta Dashboard and Okta Admin Console (two factors).',
    );
  });

  it('unreadable data fails naming the okta policies item', () => {
    const broken = {
      ...snapshot([]),
      data: { schema: 'evidence.okta-users/7' },
    } as unknown as Snapshot<OktaUsersData>;
    const out = oktaMfaRequiredCheck.run(broken, config());
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['okta policies']);
    expect(out.detail).toMatch(/^the snapshot cannot be judged: .+\.$/);
  });

  it('policies not read to the end fail with the reason, or saying none was recorded', () => {
    const out = run({
      policyTypes: {
        OKTA_SIGN_ON: { complete: true },
        ACCESS_POLICY: { complete: false },
        MFA_ENROLL: { complete: true },
        PASSWORD: { complete: true },
      },
    });
    expect(out.failing).toEqual(['ACCESS_POLICY policies']);
    expect(out.detail).toBe('the ACCESS_POLICY policies were not read to the end (no reason recorded).');
    const signOn = run({
      policies: [],
      apps: [],
      policyTypes: {
        OKTA_SIGN_ON: { complete: false, error: 'Okta kept answering 429' },
        ACCESS_POLICY: { complete: true },
        MFA_ENROLL: { complete: true },
        PASSWORD: { complete: true },
      },
    });
    // Not read: no second finding that no active policy is recorded.
    expect(signOn.failing).toEqual(['OKTA_SIGN_ON policies']);
    expect(signOn.detail).toBe(
      'the OKTA_SIGN_ON policies were not read to the end (Okta kept answering 429).',
    );
  });

  it('no active sign-on policy fails, even with the apps’ policies requiring two factors; an inactive one is not judged', () => {
    const accessOnly = run({ policies: policies().slice(1) });
    expect(accessOnly.result).toBe('fail');
    expect(accessOnly.failing).toEqual(['OKTA_SIGN_ON policies']);
    expect(accessOnly.detail).toBe(
      'no active OKTA_SIGN_ON policy is recorded: nothing shows that sign-on requires MFA.',
    );
    const inactive = policies({ signOn: { requireFactor: false } });
    inactive[0]!.status = 'INACTIVE';
    expect(run({ policies: inactive }).failing).toEqual(['OKTA_SIGN_ON policies']);
    // An inactive sign-on policy that allows one factor beside an active one that requires MFA: passes.
    const both = [
      ...policies(),
      { ...policies({ signOn: { requireFactor: false } })[0]!, id: '00pold', status: 'INACTIVE' },
    ];
    expect(run({ policies: both }).result).toBe('pass');
  });

  it('a sign-on rule whose access is neither ALLOW nor DENY, or has no actions, cannot be judged: it fails', () => {
    const pols = policies();
    pols[0]!.rules = [
      rule('Challenge', { signon: { access: 'CHALLENGE', requireFactor: true } }),
      rule('Empty', {}),
      rule('Null', null, { people: { groups: { include: [EVERYONE], exclude: ['00gcontractors0000'] } } }),
      rule('Nobody named', { signon: { access: 'ALLOW' } }, null),
      rule('Deny', { signon: { access: 'DENY' } }),
    ];
    const out = run({ policies: pols });
    expect(out.failing).toEqual([
      'Default Policy / Challenge',
      'Default Policy / Empty',
      'Default Policy / Null',
      'Default Policy / Nobody named',
    ]);
    expect(out.detail).toBe(
      [
        'rule "Challenge" of OKTA_SIGN_ON policy "Default Policy" has no recognizable access action: it cannot be judged (groups Everyone)',
        'rule "Empty" of OKTA_SIGN_ON policy "Default Policy" has no recognizable access action: it cannot be judged (groups Everyone)',
        'rule "Null" of OKTA_SIGN_ON policy "Default Policy" has no recognizable access action: it cannot be judged (groups Everyone except Contractors)',
        'rule "Nobody named" of OKTA_SIGN_ON policy "Default Policy" allows access without a second factor (requireFactor null; applies to every user).',
      ].join('; '),
    );
  });

  it('an app rule that does not ALLOW with an ASSURANCE method cannot be judged; DENY rules and inactive policies are not judged', () => {
    const pols = policies();
    pols[1]!.rules = [
      rule('Challenge', {
        appSignOn: { access: 'CHALLENGE', verificationMethod: { type: 'ASSURANCE', factorMode: '2FA' } },
      }),
      rule('No method', { appSignOn: { access: 'ALLOW' } }),
      rule('Empty', {}),
      rule('Null', null),
      rule('Chain', { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'AUTH_METHOD_CHAIN' } } }),
      rule('One factor', { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE' } } }),
      rule('Deny', { appSignOn: { access: 'DENY' } }),
    ];
    const out = run({ policies: pols });
    const name = (r: string) => `rule "${r}" of ACCESS_POLICY policy "Okta Dashboard" (Okta Dashboard)`;
    expect(out.failing).toEqual([
      'Okta Dashboard / Challenge',
      'Okta Dashboard / No method',
      'Okta Dashboard / Empty',
      'Okta Dashboard / Null',
      'Okta Dashboard / Chain',
      'Okta Dashboard / One factor',
    ]);
    expect(out.detail).toBe(
      [
        `${name('Challenge')} has a verification method that cannot be judged ("ASSURANCE"; applies to groups Everyone)`,
        `${name('No method')} has a verification method that cannot be judged (null; applies to groups Everyone)`,
        `${name('Empty')} has a verification method that cannot be judged (null; applies to groups Everyone)`,
        `${name('Null')} has a verification method that cannot be judged (null; applies to groups Everyone)`,
        `${name('Chain')} has a verification method that cannot be judged ("AUTH_METHOD_CHAIN"; applies to groups Everyone)`,
        `${name('One factor')} allows one factor (factorMode null; applies to groups Everyone).`,
      ].join('; '),
    );
    // Only DENY beside the catch-all: passes. The Admin Console's policy inactive: not judged.
    const deny = policies({ admin: { factorMode: '1FA' } });
    deny[1]!.rules!.push(rule('Deny', { appSignOn: { access: 'DENY' } }));
    deny[2]!.status = 'INACTIVE';
    const quiet = run({ policies: deny });
    expect(quiet.result).toBe('pass');
    expect(quiet.detail).toMatch(/^2 active rule\(s\)/);
  });

  it('an app whose authentication policy is missing from the snapshot, or whose rules were not read, fails, named', () => {
    const out = run({
      policies: policies().slice(0, 2),
    });
    expect(out.failing).toEqual(['Okta Admin Console policy']);
    expect(out.detail).toBe(
      'the authentication policy of Okta Admin Console (00paccess100000000) is not in the snapshot.',
    );
    const unread = policies();
    unread[2]!.rules = null;
    const rules = run({ policies: unread });
    expect(rules.failing).toEqual(['Okta Admin Console rules']);
    expect(rules.detail).toBe('the rules of ACCESS_POLICY policy "Okta Admin Console" were not read.');
  });
});
