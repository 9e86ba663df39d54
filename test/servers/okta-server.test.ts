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
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, type OktaServer, startOktaServer } from './okta-server.js';

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
      paths: withoutExamples({
        '/api/v1/groups': spec.paths['/api/v1/groups'],
        '/api/v1/groups/{groupId}/users': spec.paths['/api/v1/groups/{groupId}/users'],
      }),
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
        ],
      }),
    );
  });
  afterAll(() => server?.stop());

  const responseValidator = (specPath: string) => {
    const pointer = `https://okta.test/management.json#/paths/${specPath.replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;
    return ajv.compile({ $ref: pointer });
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
