import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createOktaCollector, type OktaData } from '../../shared/collectors/okta/collector.js';
import { readOktaData } from '../../shared/collectors/okta/data.js';
import { oktaPrivilegedGroupsCheck } from '../../shared/collectors/okta/okta-privileged-groups.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { createStreamLogger } from '../../shared/log.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { nextLink } from '../../shared/vendors/okta-client.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext, manualTimer, testConfig } from '../helpers/vendors.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, type OktaServer, startOktaServer } from '../servers/okta-server.js';

const ssws = () => ({ kind: 'ssws' as const, token: DEFAULT_OKTA_TOKEN });

describe('okta collector', () => {
  let server: OktaServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const setup = async (
    org: ReturnType<typeof makeOktaOrg>,
    options: Parameters<typeof startOktaServer>[1] = {},
    concurrency = 3,
  ) => {
    const timer = manualTimer();
    server = await startOktaServer(org, { clock: timer, ...options });
    const config = testConfig({ okta: { orgUrl: server.url, privilegedGroups: [], concurrency } });
    return { timer, config, ctx: collectorContext(config) };
  };

  it('collects every group and every member across pages (200 per page)', async () => {
    const org = makeOktaOrg({ groups: 7, membersPerGroup: 450, users: 1200 });
    const { timer, config, ctx } = await setup(org);
    const collector = createOktaCollector({ timer, auth: ssws });
    const [scope] = collector.scopes(config, {});
    expect(scope!.id).toBe('okta-127.0.0.1');

    const out = await collector.collect(scope!, ctx);

    expect(out.status).toBe('ok');
    expect(out.errors).toEqual([]);
    const data = out.data as OktaData;
    expect(data.schema).toBe('evidence.okta/2');
    expect(data.groups.map((g) => g.id)).toEqual(org.groups.map((g) => g.id));
    for (const [i, group] of data.groups.entries()) {
      expect(group.membersComplete).toBe(true);
      expect(group.memberIds).toEqual(org.groups[i]!.memberIds);
    }
    expect(data.groups[1]).toMatchObject({ name: 'Group 0001', type: 'OKTA_GROUP' });
    // Each user once (1,200 users, 3,150 memberships: some users are in several groups).
    const memberIds = new Set(org.groups.flatMap((g) => g.memberIds));
    expect(Object.keys(data.users).sort()).toEqual([...memberIds].sort());
    expect(data.users[org.users[450]!.id]).toEqual({
      login: org.users[450]!.login,
      status: 'ACTIVE',
      lastLogin: org.users[450]!.lastLogin,
    });
    expect(data.totals).toEqual({ groups: 7, memberships: 7 * 450, distinctUsers: memberIds.size });
    expect(memberIds.size).toBeLessThan(7 * 450);
    // 1 page of groups + 3 pages (200 + 200 + 50) for each of the 7 groups.
    expect(ctx.stats.pages).toBe(1 + 7 * 3);
    expect(ctx.stats.requests).toBe(server!.stats.requests);
    expect(server!.stats.authorizations.every((a) => a === `SSWS ${DEFAULT_OKTA_TOKEN}`)).toBe(true);
  });

  it('collected evidence judged by okta-privileged-groups: the deprovisioned admin is named', async () => {
    const org = makeOktaOrg({
      groups: 3,
      membersPerGroup: 2,
      named: [
        {
          name: 'Administrators',
          members: [{ login: 'ana@example.com' }, { login: 'olaf@example.com', status: 'DEPROVISIONED' }],
        },
      ],
    });
    const { timer, ctx } = await setup(org);
    const config = testConfig({ okta: { orgUrl: server!.url, privilegedGroups: ['Administrators'] } });
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, { ...ctx, config });
    const snapshot = makeSnapshot({
      collector: 'okta',
      scope: 'okta-127.0.0.1',
      collectedAt: '2026-04-20T00:05:00.000Z',
      data: out.data,
    }) as Snapshot<OktaData>;
    const verdict = oktaPrivilegedGroupsCheck.run(snapshot, config);

    expect(verdict.result).toBe('fail');
    expect(verdict.failing).toEqual(['olaf@example.com']);
  });

  it('waits out a 429 in the middle of pagination until X-Rate-Limit-Reset, and the snapshot is complete', async () => {
    const org = makeOktaOrg({ groups: 2, membersPerGroup: 1000, users: 2000 });
    // Request 1 lists the groups; the 3rd request is a page in the middle of a member list.
    const { timer, config, ctx } = await setup(
      org,
      { inject: { status429AtRequest: [3], resetAfterSeconds: 30 } },
      1,
    );
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(server!.stats.rateLimited).toBe(1);
    expect(out.status).toBe('ok');
    const data = out.data as OktaData;
    expect(data.groups.every((g) => g.membersComplete && g.memberIds.length === 1000)).toBe(true);
    // It waited at least until the reset (30 s) before retrying, once.
    expect(timer.sleeps.filter((ms) => ms >= 30_000)).toHaveLength(1);
  });

  it('slows down before the budget reaches zero instead of drawing 429s', async () => {
    const org = makeOktaOrg({ groups: 40, membersPerGroup: 3 });
    const { timer, config, ctx } = await setup(org, { rateLimit: { limit: 15, windowSeconds: 60 } });
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(out.status).toBe('ok');
    expect((out.data as OktaData).groups.every((g) => g.memberIds.length === 3)).toBe(true);
    expect(server!.stats.rateLimited).toBe(0);
    expect(timer.sleeps.length).toBeGreaterThan(0);
  });

  it("never spends more than half of an endpoint's per-minute budget (other integrations keep the rest)", async () => {
    const org = makeOktaOrg({ groups: 60, membersPerGroup: 1 });
    const { timer, config, ctx } = await setup(org, { rateLimit: { limit: 40, windowSeconds: 60 } });
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(out.status).toBe('ok');
    expect(server!.stats.rateLimited).toBe(0);
    // 60 member listings at most 20 a window (half of 40), never the 36 a 10 % reserve allowed.
    expect(server!.stats.peakPerWindow.listGroupUsers).toBeLessThanOrEqual(20);
    expect(server!.stats.peakPerWindow.listGroupUsers).toBeGreaterThan(0);
  });

  it('retries a 5xx blip', async () => {
    const org = makeOktaOrg({ groups: 3, membersPerGroup: 2 });
    const { timer, config, ctx } = await setup(org, { inject: { status5xxAtRequest: [2] } });
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(server!.stats.serverErrors).toBe(1);
    expect(out.status).toBe('ok');
    expect((out.data as OktaData).totals.memberships).toBe(6);
  });

  it('a member list that cannot be completed makes the snapshot partial, naming the group', async () => {
    const org = makeOktaOrg({ groups: 2, membersPerGroup: 500, users: 1000 });
    // Request 1: groups; 2-4: group 1; from 5 on the second group's list keeps being refused.
    const { timer, config, ctx } = await setup(
      org,
      { inject: { status429AtRequest: [6, 7, 8, 9, 10, 11, 12], resetAfterSeconds: 5 } },
      1,
    );
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(out.status).toBe('partial');
    const data = out.data as OktaData;
    expect(data.groups[0]!.membersComplete).toBe(true);
    expect(data.groups[1]!.membersComplete).toBe(false);
    // The page read before the list stopped is kept (marked incomplete), each id with its user.
    expect(data.groups[1]!.memberIds).toEqual(org.groups[1]!.memberIds.slice(0, 200));
    expect(readOktaData(data).groups[1]!.members()).toHaveLength(200);
    expect(out.errors!.join('\n')).toMatch(
      /members of group "Group 0001" \(00g0+2\) could not be read to the end/,
    );
    expect(out.errors!.join('\n')).toMatch(/429/);
  });

  it('a body that is no JSON is named by its status and type, never quoted (it may hold a token)', async () => {
    const leaked = '00LeakedOktaTokenLookingValue0000000000001';
    const org = makeOktaOrg({ groups: 2, membersPerGroup: 2 });
    // Request 1: groups; 2: the first group's members, answered with garbage called JSON.
    const { timer, config, ctx } = await setup(
      org,
      {
        inject: {
          rawAnswer: {
            atRequest: [2],
            status: 200,
            contentType: 'application/json',
            body: `${leaked} <html>`,
          },
        },
      },
      1,
    );
    const collector = createOktaCollector({ timer, auth: ssws });

    const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(out.status).toBe('partial');
    expect(out.errors!.join('\n')).toMatch(
      /Okta answered http:\/\/127\.0\.0\.1:\d+\/api\/v1\/groups\/[^ ]+ with HTTP 200 and a body that is no JSON \(application\/json\)/,
    );
    expect(JSON.stringify(out)).not.toContain(leaked.slice(0, 8));
  });

  it.each([
    [
      'an HTML page (a captive portal, a proxy)',
      'text/html',
      '<html><body>Sign in to continue</body></html>',
      /a body that is no JSON \(text\/html\)/,
    ],
    ['a non-array body', 'application/json', '{"items":[]}', /a non-array body \(application\/json\)/],
  ])(
    'an org answering its first call with %s: the collection fails (an error snapshot), never a partial with 0 groups',
    async (_what, contentType, body, message) => {
      const org = makeOktaOrg({ groups: 2, membersPerGroup: 2 });
      const { timer, config, ctx } = await setup(
        org,
        { inject: { rawAnswer: { atRequest: [1], status: 200, contentType, body } } },
        1,
      );
      const collector = createOktaCollector({ timer, auth: ssws });
      await expect(collector.collect(collector.scopes(config, {})[0]!, ctx)).rejects.toThrow(message);
    },
  );

  it('keeps at most okta.concurrency requests in flight', async () => {
    const org = makeOktaOrg({ groups: 12, membersPerGroup: 2 });
    const { timer, config, ctx } = await setup(org, { latencyMs: 5 }, 2);
    const collector = createOktaCollector({ timer, auth: ssws });

    await collector.collect(collector.scopes(config, {})[0]!, ctx);

    expect(server!.stats.maxConcurrent).toBe(2);
  });

  it('an invalid token is a SourceUnavailableError naming OKTA_API_TOKEN and the fix', async () => {
    const { timer, config, ctx } = await setup(makeOktaOrg());
    const collector = createOktaCollector({
      timer,
      auth: () => ({ kind: 'ssws', token: 'expired-token-value-123' }),
    });

    const run = collector.collect(collector.scopes(config, {})[0]!, ctx);

    await expect(run).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(run).rejects.toThrow(
      /401 E0000011 Invalid token provided.*OKTA_API_TOKEN.*Security > API > Tokens/,
    );
  });

  describe('OAuth 2.0 service app (private_key_jwt)', () => {
    it('gets an access token with a PEM key and reads with Bearer tokens', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportPKCS8(privateKey);
      const { timer, config, ctx } = await setup(makeOktaOrg({ groups: 3, membersPerGroup: 2 }), {
        oauthClients: [{ clientId: '0oa1serviceapp', publicKey: await exportJWK(publicKey) }],
      });
      const lines: string[] = [];
      const collector = createOktaCollector({
        timer,
        auth: () => ({ kind: 'oauth', clientId: '0oa1serviceapp', privateKey: pem }),
      });

      const out = await collector.collect(collector.scopes(config, {})[0]!, {
        ...ctx,
        logger: createStreamLogger({ level: 'debug', write: (l) => lines.push(l) }),
      });

      expect(out.status).toBe('ok');
      expect((out.data as OktaData).auth).toBe('oauth');
      expect(server!.stats.tokenRequests).toBe(1);
      expect(server!.stats.authorizations.every((a) => a.startsWith('Bearer oat'))).toBe(true);
      const accessToken = server!.stats.authorizations[0]!.slice('Bearer '.length);
      expect(JSON.stringify(out)).not.toContain(accessToken);
      expect(lines.join('')).not.toContain(accessToken);
    });

    it.each(['ES256', 'ES384'] as const)(
      'an EC %s key in PKCS#8 PEM (the format the error message asks for): the algorithm comes from the key',
      async (alg) => {
        const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
        const pem = await exportPKCS8(privateKey);
        expect(pem).toContain('BEGIN PRIVATE KEY');
        const { timer, config, ctx } = await setup(makeOktaOrg({ groups: 1, membersPerGroup: 1 }), {
          oauthClients: [{ clientId: '0oa4ecapp', publicKey: await exportJWK(publicKey) }],
        });
        const collector = createOktaCollector({
          timer,
          auth: () => ({ kind: 'oauth', clientId: '0oa4ecapp', privateKey: pem }),
        });

        const out = await collector.collect(collector.scopes(config, {})[0]!, ctx);

        expect(out.status).toBe('ok');
        expect(server!.stats.tokenRequests).toBe(1);
      },
    );

    it('accepts a JWK private key (with kid) and reports a missing scope with the fix', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k1' };
      const { timer, config, ctx } = await setup(makeOktaOrg(), {
        oauthClients: [
          { clientId: '0oa2app', publicKey: await exportJWK(publicKey), scopes: ['okta.groups.read'] },
        ],
      });
      const collector = createOktaCollector({
        timer,
        auth: () => ({ kind: 'oauth', clientId: '0oa2app', privateKey: JSON.stringify(jwk) }),
      });

      const run = collector.collect(collector.scopes(config, {})[0]!, ctx);

      await expect(run).rejects.toThrow(/invalid_scope.*okta\.users\.read.*Okta API Scopes/);
    });

    it('a key that does not match the registered public key is refused with a clear message', async () => {
      const registered = await generateKeyPair('RS256', { extractable: true });
      const other = await generateKeyPair('RS256', { extractable: true });
      const { timer, config, ctx } = await setup(makeOktaOrg(), {
        oauthClients: [{ clientId: '0oa3app', publicKey: await exportJWK(registered.publicKey) }],
      });
      const pem = await exportPKCS8(other.privateKey);
      const wrongKey = createOktaCollector({
        timer,
        auth: () => ({ kind: 'oauth', clientId: '0oa3app', privateKey: pem }),
      });

      const run = wrongKey.collect(wrongKey.scopes(config, {})[0]!, ctx);

      await expect(run).rejects.toBeInstanceOf(SourceUnavailableError);
      await expect(run).rejects.toThrow(
        /invalid_client: The client_assertion signature is invalid.*OKTA_PRIVATE_KEY matches the public key/,
      );
    });
  });

  it('reads rel="next" from a Link header with several links, and nothing else', () => {
    const self = '<https://example.okta.com/api/v1/groups?limit=200>; rel="self"';
    const next = '<https://example.okta.com/api/v1/groups?after=00gX&limit=200>; rel="next"';
    expect(nextLink(`${self}, ${next}`)).toBe('https://example.okta.com/api/v1/groups?after=00gX&limit=200');
    expect(nextLink(self)).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it('refuses a plain-http org URL that is not a local test server', () => {
    const collector = createOktaCollector({ auth: ssws });
    const config = testConfig({ okta: { orgUrl: 'http://example.okta.com', privilegedGroups: [] } });
    return expect(
      collector.collect(collector.scopes(config, {})[0]!, collectorContext(config)),
    ).rejects.toThrow(/must use https:\/\//);
  });
});
