/**
 * The local Okta server answers with Okta's shapes: listGroups and listGroupUsers
 * payloads validated against the response schemas of Okta's OpenAPI description, vendored
 * (the two operations and what they reference) in test/fixtures/okta/management-subset.yaml.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nextLink } from '../../shared/vendors/okta-client.js';
import {
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  type OktaServer,
  parseUserExpression,
  startOktaServer,
} from './okta-server.js';

const EVERY_STATUS = [
  'ACTIVE',
  'PROVISIONED',
  'STAGED',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

const SPEC = path.resolve(import.meta.dirname, '../fixtures/okta/management-subset.yaml');

interface Operation {
  operationId: string;
  parameters?: { name?: string; schema?: { maximum?: number; default?: number } }[];
}

describe('local Okta server against the Okta Management OpenAPI description', () => {
  let server: OktaServer;
  let ajv: Ajv;
  let spec: { paths: Record<string, { get?: Operation }> };
  beforeAll(async () => {
    spec = parse(readFileSync(SPEC, 'utf8'), { maxAliasCount: -1 });
    ajv = new Ajv({ strict: false, allErrors: true, discriminator: false });
    addFormats.default(ajv);
    // Only the schemas, without examples (their sample documents carry templated $id URLs).
    const { components } = spec as unknown as { components: { schemas: unknown } };
    ajv.addSchema({
      $id: 'https://okta.test/management.json',
      components: { schemas: withoutExamples(components.schemas) },
      paths: withoutExamples(spec.paths),
    });
    server = await startOktaServer(
      makeOktaOrg({
        groups: 3,
        membersPerGroup: 5,
        named: [
          {
            name: 'Administrators',
            members: [{ login: 'gone@example.com', status: 'DEPROVISIONED', lastLogin: null }],
          },
          {
            name: 'Every status',
            members: EVERY_STATUS.map((status) => ({
              login: `${status.toLowerCase()}@example.com`,
              status,
              profile: { department: status === 'ACTIVE' ? 'R&D "Labs"' : 'Sales', employeeType: 'Employee' },
              factors: [
                factor('push'),
                factor('webauthn'),
                factor('question'),
                factor('sms', 'PENDING_ACTIVATION'),
              ],
            })),
          },
        ],
      }),
    );
  });
  afterAll(() => server?.stop());

  const responseValidator = (specPath: string) => {
    const pointer = `https://okta.test/management.json#/paths/${specPath.replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;
    return ajv.compile({ $ref: pointer });
  };
  const schemaValidator = (name: string) =>
    ajv.compile({ $ref: `https://okta.test/management.json#/components/schemas/${name}` });
  const logins = async (query: string) => {
    const res = await get(`/api/v1/users?${query}`);
    return { status: res.status, body: (await res.json()) as { profile: { login: string } }[] };
  };
  const get = (p: string, token = DEFAULT_OKTA_TOKEN) =>
    fetch(`${server.url}${p}`, { headers: { authorization: `SSWS ${token}`, accept: 'application/json' } });

  it('the operations exist as the collector uses them', () => {
    expect(spec.paths['/api/v1/groups']!.get!.operationId).toBe('listGroups');
    expect(spec.paths['/api/v1/groups/{groupId}/users']!.get!.operationId).toBe('listGroupUsers');
    const limit = spec.paths['/api/v1/groups']!.get!.parameters!.find((p) => p.name === 'limit');
    expect(limit!.schema!.maximum).toBeGreaterThanOrEqual(200); // the collector's page size is allowed
  });

  it('listGroups pages validate against the Group schema, with Link rel="next"', async () => {
    const validateGroups = responseValidator('/api/v1/groups');
    const first = await get('/api/v1/groups?limit=2');
    const body = await first.json();
    expect(validateGroups(body), JSON.stringify(validateGroups.errors)).toBe(true);
    expect(body).toHaveLength(2);
    expect(first.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);
    const next = nextLink(first.headers.get('link'));
    expect(next).toMatch(/\/api\/v1\/groups\?after=[^&]+&limit=2$/);
    const second = (await (await get(new URL(next!).pathname + new URL(next!).search)).json()) as {
      profile: { name: string };
    }[];
    expect(validateGroups(second)).toBe(true);
    expect(second.map((g) => g.profile.name)).toEqual(['Group 0002', 'Administrators']);
  });

  it('listGroupUsers pages validate against the User schema', async () => {
    const validateUsers = responseValidator('/api/v1/groups/{groupId}/users');
    const groups = await (await get('/api/v1/groups')).json();
    for (const g of groups as { id: string }[]) {
      const users = await (await get(`/api/v1/groups/${g.id}/users?limit=200`)).json();
      expect(validateUsers(users), JSON.stringify(validateUsers.errors)).toBe(true);
    }
    // A deliberately wrong payload is refused: the validation can fail.
    expect(validateUsers([{ id: 1, status: 'NOT_A_STATUS' }])).toBe(false);
  });

  it('listUsers leaves DEPROVISIONED out by default; filter and search return every status', async () => {
    const validateUsers = responseValidator('/api/v1/users');
    const all = await logins('limit=200');
    expect(validateUsers(all.body), JSON.stringify(validateUsers.errors)).toBe(true);
    const statuses = (body: { status?: string }[]) => new Set(body.map((u) => u.status));
    expect(statuses(all.body as never).has('DEPROVISIONED')).toBe(false);
    expect(all.body.map((u) => u.profile.login)).toContain('suspended@example.com');

    const gone = await logins(`filter=${encodeURIComponent('status eq "DEPROVISIONED"')}`);
    expect(gone.body.map((u) => u.profile.login).sort()).toEqual([
      'deprovisioned@example.com',
      'gone@example.com',
    ]);
    // Okta's documented "not equal" by lt/gt, in search:
    const notStaged = await logins(
      `search=${encodeURIComponent('(status lt "STAGED" or status gt "STAGED")')}`,
    );
    expect(statuses(notStaged.body as never)).toEqual(new Set(EVERY_STATUS.filter((s) => s !== 'STAGED')));
    // Search values are case-insensitive, profile attributes searchable; filter values are not.
    const rd = await logins(`search=${encodeURIComponent('profile.department eq "r&d \\"labs\\""')}`);
    expect(rd.body.map((u) => u.profile.login)).toEqual(['active@example.com']);
    expect((await logins(`filter=${encodeURIComponent('status eq "deprovisioned"')}`)).body).toEqual([]);
    // What Okta refuses: filter on a profile attribute, co on a custom one, garbage.
    for (const bad of [
      'filter=profile.department eq "Sales"',
      'search=profile.department co "Sa"',
      'search=status eq',
      'filter=status ne "ACTIVE"',
    ]) {
      const [key, value] = bad.split(/=(.*)/s);
      const res = await logins(`${key}=${encodeURIComponent(value!)}`);
      expect(res.status, bad).toBe(400);
    }
  });

  it("the expression parser matches Okta's documented examples", () => {
    const user = makeOktaOrg({ groups: 1, membersPerGroup: 1 }).users[0]!;
    expect(
      parseUserExpression(
        'profile.department eq "Engineering" and (created lt "2026-01-01T00:00:00.000Z" or status eq "ACTIVE")',
        'search',
      )(user),
    ).toBe(true);
    expect(
      parseUserExpression(
        'lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")',
        'filter',
      )(user),
    ).toBe(false);
    expect(parseUserExpression('profile.login sw "USER0"', 'search')(user)).toBe(true);
    expect(parseUserExpression('profile.manager pr', 'search')(user)).toBe(false);
  });

  it('listFactors, listPolicies, listPolicyRules, listApplications and getGroup validate against the schemas', async () => {
    const users = (await (
      await get(`/api/v1/users?filter=${encodeURIComponent('profile.login eq "locked_out@example.com"')}`)
    ).json()) as { id: string }[];
    const factors = await (await get(`/api/v1/users/${users[0]!.id}/factors`)).json();
    const validateFactors = responseValidator('/api/v1/users/{userId}/factors');
    expect(validateFactors(factors), JSON.stringify(validateFactors.errors)).toBe(true);
    expect(
      (factors as { factorType: string; status: string }[]).map((f) => `${f.factorType}:${f.status}`),
    ).toEqual(['push:ACTIVE', 'webauthn:ACTIVE', 'question:ACTIVE', 'sms:PENDING_ACTIVATION']);
    expect(validateFactors([{ factorType: 'carrier-pigeon' }])).toBe(false);

    const validatePolicies = responseValidator('/api/v1/policies');
    const validateRules = responseValidator('/api/v1/policies/{policyId}/rules');
    const subtype: Record<string, [string, string | undefined]> = {
      OKTA_SIGN_ON: ['OktaSignOnPolicy', 'OktaSignOnPolicyRule'],
      ACCESS_POLICY: ['AccessPolicy', 'AccessPolicyRule'],
      MFA_ENROLL: ['AuthenticatorEnrollmentPolicy', undefined],
      PASSWORD: ['PasswordPolicy', 'PasswordPolicyRule'],
    };
    for (const [type, [policySchema, ruleSchema]] of Object.entries(subtype)) {
      const policies = (await (await get(`/api/v1/policies?type=${type}`)).json()) as {
        id: string;
        type: string;
      }[];
      expect(policies.length, type).toBeGreaterThan(0);
      expect(validatePolicies(policies), JSON.stringify(validatePolicies.errors)).toBe(true);
      const validatePolicy = schemaValidator(policySchema);
      for (const policy of policies) {
        expect(policy.type).toBe(type);
        expect(validatePolicy(policy), JSON.stringify(validatePolicy.errors)).toBe(true);
        const rules = (await (await get(`/api/v1/policies/${policy.id}/rules`)).json()) as unknown[];
        expect(validateRules(rules), JSON.stringify(validateRules.errors)).toBe(true);
        if (!ruleSchema) continue;
        const validateRule = schemaValidator(ruleSchema);
        for (const rule of rules) expect(validateRule(rule), JSON.stringify(validateRule.errors)).toBe(true);
      }
    }
    const signOnRule = schemaValidator('OktaSignOnPolicyRule');
    expect(signOnRule({ type: 'SIGN_ON', actions: { signon: { access: 'MAYBE' } } })).toBe(false);
    expect((await get('/api/v1/policies')).status).toBe(400); // type is required

    const validateApps = responseValidator('/api/v1/apps');
    const apps = (await (
      await get(`/api/v1/apps?filter=${encodeURIComponent('name eq "saasure"')}`)
    ).json()) as {
      name: string;
      _links: { accessPolicy: { href: string } };
    }[];
    expect(validateApps(apps), JSON.stringify(validateApps.errors)).toBe(true);
    expect(apps.map((a) => a.name)).toEqual(['saasure']);
    expect(apps[0]!._links.accessPolicy.href).toMatch(/\/api\/v1\/policies\/00p/);

    const groups = (await (await get('/api/v1/groups')).json()) as { id: string }[];
    const group = await (await get(`/api/v1/groups/${groups[0]!.id}`)).json();
    const validateGroup = schemaValidator('Group');
    expect(validateGroup(group), JSON.stringify(validateGroup.errors)).toBe(true);
    expect((await get('/api/v1/groups/00gnope00000000000')).status).toBe(404);
  });

  it('a bad token gets 401 E0000011; a tampered cursor gets 400', async () => {
    const denied = await get('/api/v1/groups', 'nope-nope-nope');
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({
      errorCode: 'E0000011',
      errorSummary: 'Invalid token provided',
    });
    expect((await get('/api/v1/groups?after=bogus')).status).toBe(400);
  });
});

function withoutExamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExamples);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'example' && k !== 'examples')
      .map(([k, v]) => [k, withoutExamples(v)]),
  );
}
