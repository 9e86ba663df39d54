/**
 * okta-users against the local Okta server (real HTTP client, payloads of Okta's OpenAPI shapes):
 * every user of every status, factors per user, policies and rules; a user whose factors cannot
 * be read is named in a partial snapshot; never more than half of an endpoint's budget.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createOktaUsersCollector } from '../../shared/collectors/okta-users/collector.js';
import { type OktaUsersData, readOktaUsersData } from '../../shared/collectors/okta-users/data.js';
import { type UsersSettings, UsersSettingsSchema } from '../../shared/collectors/okta-users/settings.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { isEnabled } from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import {
  accessPolicy,
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  type OktaServer,
  oktaId,
  startOktaServer,
} from '../servers/okta-server.js';

const ssws = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });
const EVERY_STATUS = [
  'ACTIVE',
  'PROVISIONED',
  'STAGED',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
];

function everyStatusOrg(extra: Parameters<typeof makeOktaOrg>[0] = {}) {
  return makeOktaOrg({
    groups: 2,
    membersPerGroup: 3,
    ...extra,
    named: [
      {
        name: 'Every status',
        members: EVERY_STATUS.map((status) => ({
          login: `${status.toLowerCase()}@example.com`,
          status,
          profile: { department: 'Sales', employeeType: 'Contractor', title: 'AE', costCenter: 42 },
          factors: [factor('webauthn'), factor('sms', 'PENDING_ACTIVATION')],
        })),
      },
      ...(extra.named ?? []),
    ],
  });
}

describe('okta-users collector', () => {
  let server: OktaServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const setup = async (
    org: ReturnType<typeof makeOktaOrg>,
    options: Parameters<typeof startOktaServer>[1] = {},
    settings: unknown = undefined,
  ) => {
    const timer = manualTimer();
    server = await startOktaServer(org, { clock: timer, ...options });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [] } });
    const ctx = {
      ...collectorContext(config),
      settings: (settings === undefined ? undefined : UsersSettingsSchema.parse(settings)) as UsersSettings,
    };
    const collector = createOktaUsersCollector({ timer, auth: ssws });
    const scope = collector.scopes(config, {})[0]!;
    return { timer, config, ctx, collector, scope };
  };

  it('is on whenever the config has okta, with the okta scope', () => {
    const collector = COLLECTORS.find((c) => c.id === 'okta-users')!;
    const base = { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' } };
    expect(isEnabled(collector, parseConfig(base, 'test', COLLECTORS))).toBe(false);
    const config = parseConfig({ ...base, okta: { orgUrl: 'https://Acme.okta.com' } }, 'test', COLLECTORS);
    expect(isEnabled(collector, config)).toBe(true);
    expect(collector.scopes(config, {}).map((s: { id: string }) => s.id)).toEqual(['okta-acme.okta.com']);
    // okta.users is validated with the rest: a bad attribute name is refused, naming the key.
    expect(() =>
      parseConfig(
        {
          ...base,
          okta: { orgUrl: 'https://acme.okta.com', users: { profileAttributes: ['dept; rm -rf'] } },
        },
        'test',
        COLLECTORS,
      ),
    ).toThrow(/okta\.users\.profileAttributes\.0/);
  });

  it('reads every user of every status (DEPROVISIONED too), their factors, policies and rules', async () => {
    const org = everyStatusOrg();
    const { ctx, collector, scope } = await setup(org);

    const out = await collector.collect(scope, ctx);

    expect(out.status).toBe('ok');
    expect(out.errors).toEqual([]);
    const data = readOktaUsersData(out.data);
    expect(data.users.map((u) => u.id).sort()).toEqual(org.users.map((u) => u.id).sort());
    expect(new Set(data.users.map((u) => u.status))).toEqual(new Set(EVERY_STATUS));
    const gone = data.users.find((u) => u.login === 'deprovisioned@example.com')!;
    expect(gone).toMatchObject({
      status: 'DEPROVISIONED',
      created: '2025-01-15T09:30:00.000Z',
      activated: '2025-01-15T09:30:00.000Z',
      statusChanged: '2026-02-01T00:00:00.000Z',
      lastLogin: '2026-04-10T12:00:00.000Z',
      passwordChanged: '2025-01-15T09:30:00.000Z',
      // The default attributes only (costCenter is not asked for); manager absent: not recorded.
      profile: { department: 'Sales', employeeType: 'Contractor', title: 'AE' },
      factorsReadAt: '2026-04-20T00:05:00.000Z',
    });
    expect(gone.factors!.map((f) => [f.type, f.provider, f.status])).toEqual([
      ['webauthn', 'FIDO', 'ACTIVE'],
      ['sms', 'OKTA', 'PENDING_ACTIVATION'],
    ]);
    expect(data.totals.byStatus.DEPROVISIONED).toBe(1);
    expect(data.factorReads).toEqual({
      mode: 'full',
      read: org.users.length,
      carried: 0,
      deferred: 0,
      budget: 3600,
      // The default schedule: the daily run and 7 more (schedule.collectAgain), 3,600 reads each.
      capacity: { runsPerDay: 8, readsPerDay: 28_800, neededPerDay: org.users.length, enough: true },
    });
    // The whole list was read (no earlier snapshot that day to build on).
    expect(data.userListing).toEqual({
      mode: 'full',
      listedAt: '2026-04-20T00:05:00.000Z',
      readAt: '2026-04-20T00:05:00.000Z',
    });

    // Policies of the four types, each with its rules; the admin apps' policies; group names.
    expect(data.policies.map((p) => p.type)).toEqual([
      'OKTA_SIGN_ON',
      'ACCESS_POLICY',
      'ACCESS_POLICY',
      'MFA_ENROLL',
      'PASSWORD',
    ]);
    expect(Object.values(data.policyTypes).every((t) => t.complete)).toBe(true);
    const signOn = data.policies[0]!;
    expect(signOn.rules![0]).toMatchObject({
      name: 'Require MFA',
      status: 'ACTIVE',
      type: 'SIGN_ON',
      actions: { signon: { access: 'ALLOW', requireFactor: true } },
    });
    expect(data.apps).toEqual([
      { app: 'okta_enduser', label: 'Okta Dashboard', accessPolicyId: oktaId('00p', 2) },
      { app: 'saasure', label: 'Okta Admin Console', accessPolicyId: oktaId('00p', 3) },
    ]);
    expect(data.groupNames).toEqual({ [org.groups[0]!.id]: 'Everyone' });

    // Requests: 2 user lists, one factor list per user, 4 policy lists, 5 rule lists, 2 apps, 1 group.
    expect(server!.stats.byEndpoint).toEqual({
      listUsers: 2,
      listFactors: org.users.length,
      listPolicies: 4,
      listPolicyRules: 5,
      listApplications: 2,
      getGroup: 1,
    });
    expect(ctx.stats.requests).toBe(server!.stats.requests);
  });

  it('records the profile attributes okta.users.profileAttributes names', async () => {
    const { ctx, collector, scope } = await setup(
      everyStatusOrg(),
      {},
      {
        profileAttributes: ['costCenter', 'department'],
      },
    );
    const data = (await collector.collect(scope, ctx)).data as OktaUsersData;
    expect(data.profileAttributes).toEqual(['costCenter', 'department']);
    expect(data.users.find((u) => u.login === 'active@example.com')!.profile).toEqual({
      costCenter: 42,
      department: 'Sales',
    });
  });

  it('a user whose factors cannot be read is named in a partial snapshot, never dropped', async () => {
    const org = everyStatusOrg();
    const broken = org.users.find((u) => u.login === 'locked_out@example.com')!;
    broken.factorsStatus = 404;
    const { ctx, collector, scope } = await setup(org);

    const out = await collector.collect(scope, ctx);

    expect(out.status).toBe('partial');
    expect(out.errors!.join(' ')).toContain(`locked_out@example.com (${broken.id})`);
    const data = readOktaUsersData(out.data);
    const user = data.users.find((u) => u.id === broken.id)!;
    expect(user.factors).toBeNull();
    expect(user.factorsReadAt).toBeNull();
    expect(user.factorsError).toMatch(/404/);
    expect(data.users).toHaveLength(org.users.length);
    expect(data.factorReads.read).toBe(org.users.length - 1);
  });

  it('a user list that breaks off makes the snapshot partial with the reason', async () => {
    const org = everyStatusOrg({ users: 450, groups: 1, membersPerGroup: 1 });
    // Request 1 and 2: the first two pages of the default list; the third answers garbage.
    const { ctx, collector, scope } = await setup(org, {
      inject: { rawAnswer: { atRequest: [3], status: 200, contentType: 'text/html', body: '<html>' } },
    });
    const out = await collector.collect(scope, ctx);
    expect(out.status).toBe('partial');
    const data = out.data as OktaUsersData;
    expect(data.usersComplete).toBe(false);
    expect(out.errors![0]).toMatch(/^the user list stopped after 400 users/);
    // The DEPROVISIONED list still ran.
    expect(data.users.some((u) => u.status === 'DEPROVISIONED')).toBe(true);
  });

  it("never spends more than half of an endpoint's per-minute budget, and draws no 429", async () => {
    const org = makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 95 });
    const { timer, ctx, collector, scope } = await setup(org, {
      rateLimit: { limit: 40, windowSeconds: 60 },
    });

    const out = await collector.collect(scope, ctx);

    expect(out.status).toBe('ok');
    expect(server!.stats.rateLimited).toBe(0);
    // 95 factor reads at most 20 a window (half of 40): at least five windows.
    expect(server!.stats.peakPerWindow.listFactors).toBeLessThanOrEqual(20);
    expect(timer.now() - Date.parse('2026-04-20T00:05:00.000Z')).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it('a rule allowing one factor is recorded as Okta returned it, with the groups it applies to', async () => {
    const org = everyStatusOrg();
    const contractors = {
      id: oktaId('00g', 900),
      name: 'Contractors',
      description: null,
      type: 'OKTA_GROUP',
      memberIds: [],
    };
    org.groups.push(contractors);
    org.policies!.push(
      accessPolicy(oktaId('00p', 9), 'Contractor apps', oktaId('0pr', 9), '1FA', {
        groups: { include: [contractors.id] },
      }),
    );
    const { ctx, collector, scope } = await setup(org);
    const data = (await collector.collect(scope, ctx)).data as OktaUsersData;
    const policy = data.policies.find((p) => p.name === 'Contractor apps')!;
    expect(policy.rules![0]!.actions).toMatchObject({
      appSignOn: { verificationMethod: { factorMode: '1FA' } },
    });
    expect(data.groupNames[contractors.id]).toBe('Contractors');
  });

  it('OAuth: asks for the scopes it needs (policies, apps and the System Log besides users and groups)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const timer = manualTimer();
    const org = everyStatusOrg();
    server = await startOktaServer(org, {
      clock: timer,
      oauthClients: [
        {
          clientId: '0oa1serviceapp',
          publicKey: await exportJWK(publicKey),
          scopes: [
            'okta.users.read',
            'okta.groups.read',
            'okta.policies.read',
            'okta.apps.read',
            'okta.logs.read',
          ],
        },
      ],
    });
    const config = testConfig({
      okta: { orgUrl: server.url, privilegedGroups: [], clientId: '0oa1serviceapp' },
    });
    const collector = createOktaUsersCollector({
      timer,
      auth: () => ({ kind: 'oauth', clientId: '0oa1serviceapp', privateKey: pem }),
    });
    const out = await collector.collect(collector.scopes(config, {})[0]!, {
      ...collectorContext(config),
      settings: UsersSettingsSchema.parse({}),
    });
    expect(out.status).toBe('ok');
    expect((out.data as OktaUsersData).auth).toBe('oauth');
    expect(server.stats.unauthorized).toBe(0);
  });

  it('the reader refuses what it cannot vouch for', () => {
    expect(() => readOktaUsersData({ schema: 'evidence.okta-users/9' })).toThrow(/newer Evidence Locker/);
    expect(() => readOktaUsersData({ schema: 'evidence.okta-users/1', users: 'all' })).toThrow(/malformed/);
    expect(() => readOktaUsersData(null)).toThrow(/null/);
  });
});
