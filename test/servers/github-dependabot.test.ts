/**
 * The local GitHub serves Dependabot alerts as GitHub documents them: REST payloads validated
 * against GitHub's OpenAPI description (the operations and what they reference, vendored in
 * test/fixtures/github/dependabot-subset.json from @octokit/openapi 23.0.2), cursor paging
 * through the Link header, the state/severity filters, the vulnerability-alerts switch, and
 * GraphQL `vulnerabilityAlerts` / `hasVulnerabilityAlertsEnabled` over GitHub's schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCursor } from '../../shared/vendors/github-client.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubServer,
  makeGitHubOrg,
  startGitHubServer,
} from './github-server.js';

const SPEC = path.resolve(import.meta.dirname, '../fixtures/github/dependabot-subset.json');
const STATES = ['open', 'fixed', 'dismissed', 'auto_dismissed'] as const;

describe('local GitHub: Dependabot alerts against GitHub’s REST description', () => {
  let server: GitHubServer;
  let ajv: Ajv;
  let validateAlert: ReturnType<Ajv['compile']>;
  beforeAll(async () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { components: unknown };
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    // OpenAPI 3.0's `nullable: true` admits null whatever `enum` lists (GitHub sends
    // `dismissed_reason: null` on every open alert); JSON Schema's enum needs null listed.
    ajv.addSchema({ $id: 'https://github.test/rest.json', components: nullableEnums(spec.components) });
    validateAlert = ajv.compile({
      $ref: 'https://github.test/rest.json#/components/schemas/dependabot-alert-with-repository',
    });
    const org = makeGitHubOrg({ repos: 3, archived: 1 });
    org.repos[0]!.alerts = Array.from({ length: 130 }, (_, i) => ({
      number: i + 1,
      state: STATES[i % 4]!,
      severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4]!,
      package: `pkg-${i}`,
      ghsaId: `GHSA-${i}-aaaa-bbbb`,
      cveId: i % 2 ? `CVE-2026-${i}` : null,
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 3600_000).toISOString(),
      ...(STATES[i % 4] === 'fixed' ? { fixedAt: '2026-03-01T00:00:00Z' } : {}),
      ...(STATES[i % 4] === 'dismissed'
        ? {
            dismissedAt: '2026-03-02T00:00:00Z',
            dismissedBy: 'alice',
            dismissedReason: 'tolerable_risk' as const,
            dismissedComment: null,
          }
        : {}),
      ...(STATES[i % 4] === 'auto_dismissed' ? { autoDismissedAt: '2026-03-03T00:00:00Z' } : {}),
    }));
    org.repos[1]!.dependabotAlerts = false;
    org.repos[1]!.alerts = [
      {
        number: 1,
        state: 'open',
        severity: 'high',
        package: 'x',
        ghsaId: 'GHSA-x',
        createdAt: '2026-01-01T00:00:00Z',
      },
    ];
    server = await startGitHubServer(org);
  });
  afterAll(() => server.stop());

  const get = async (pathAndQuery: string) => {
    const res = await fetch(`${server.url}${pathAndQuery}`, {
      headers: { authorization: `token ${DEFAULT_GITHUB_TOKEN}`, accept: 'application/vnd.github+json' },
    });
    return {
      status: res.status,
      link: res.headers.get('link') ?? '',
      headers: res.headers,
      body: res.status === 204 ? null : await res.json(),
    };
  };

  it('answers the org’s alerts in every state, each valid against dependabot-alert-with-repository', async () => {
    const seen: Record<string, number> = {};
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(
        `/orgs/example/dependabot/alerts?per_page=50${cursor ? `&after=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.headers.get('x-ratelimit-resource')).toBe('core');
      for (const alert of page.body as { state: string }[]) {
        const valid = validateAlert(alert);
        expect(ajv.errorsText(validateAlert.errors), JSON.stringify(alert).slice(0, 200)).toBe('No errors');
        expect(valid).toBe(true);
        seen[alert.state] = (seen[alert.state] ?? 0) + 1;
      }
      cursor = nextCursor(page.link);
      pages++;
    } while (cursor && pages < 10);
    // 130 alerts on repo-0001; the switched-off repository's alert is not listed.
    expect(pages).toBe(3);
    expect(seen).toEqual({ open: 33, fixed: 33, dismissed: 32, auto_dismissed: 32 });
  });

  it('filters by state and severity, sorts by update, and refuses what GitHub refuses', async () => {
    const open = await get('/orgs/example/dependabot/alerts?state=open&severity=low&per_page=100');
    expect(
      (open.body as { state: string; security_advisory: { severity: string } }[]).every(
        (a) => a.state === 'open' && a.security_advisory.severity === 'low',
      ),
    ).toBe(true);
    expect((open.body as unknown[]).length).toBe(33);
    expect(open.link).toBe('');
    const closed = await get(
      '/orgs/example/dependabot/alerts?state=fixed,dismissed&sort=updated&direction=desc&per_page=5',
    );
    const updated = (closed.body as { updated_at: string; state: string }[]).map((a) => a.updated_at);
    expect(updated).toEqual([...updated].sort().reverse());
    expect(closed.link).toMatch(/rel="next"/);
    expect((await get('/orgs/example/dependabot/alerts?state=closed')).status).toBe(400);
    expect((await get('/orgs/example/dependabot/alerts?per_page=101')).status).toBe(422);
    expect((await get('/orgs/example/dependabot/alerts?page=2')).status).toBe(400);
    expect((await get('/orgs/nobody/dependabot/alerts')).status).toBe(404);
  });

  it('answers each repository’s switch 204 or 404, and its alerts 403 while they are off', async () => {
    expect((await get('/repos/example/repo-0001/vulnerability-alerts')).status).toBe(204);
    expect((await get('/repos/example/repo-0002/vulnerability-alerts')).status).toBe(404);
    const off = await get('/repos/example/repo-0002/dependabot/alerts');
    expect(off.status).toBe(403);
    const on = await get('/repos/example/repo-0001/dependabot/alerts?state=dismissed&per_page=100');
    expect((on.body as { dismissed_by: { login: string }; dismissed_reason: string }[])[0]).toMatchObject({
      dismissed_by: { login: 'alice' },
      dismissed_reason: 'tolerable_risk',
    });
  });

  it('serves the same alerts over GraphQL (vulnerabilityAlerts by state, hasVulnerabilityAlertsEnabled)', async () => {
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `bearer ${DEFAULT_GITHUB_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ organization(login: "example") { repositories(first: 10) { nodes { name hasVulnerabilityAlertsEnabled
          vulnerabilityAlerts(first: 100, states: [DISMISSED]) { totalCount nodes { number state dismissReason dismisser { login }
            securityVulnerability { severity package { name ecosystem } advisory { ghsaId } } } } } } } }`,
      }),
    });
    const body = (await res.json()) as {
      data: {
        organization: {
          repositories: {
            nodes: {
              name: string;
              hasVulnerabilityAlertsEnabled: boolean;
              vulnerabilityAlerts: {
                totalCount: number;
                nodes: { state: string; dismisser: { login: string } }[];
              };
            }[];
          };
        };
      };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    const byName = new Map(body.data.organization.repositories.nodes.map((n) => [n.name, n]));
    const [first, second] = [byName.get('repo-0001'), byName.get('repo-0002')];
    expect(first).toMatchObject({
      hasVulnerabilityAlertsEnabled: true,
      vulnerabilityAlerts: { totalCount: 32 },
    });
    expect(first!.vulnerabilityAlerts.nodes[0]).toMatchObject({
      state: 'DISMISSED',
      dismisser: { login: 'alice' },
    });
    expect(second).toMatchObject({
      hasVulnerabilityAlertsEnabled: false,
      vulnerabilityAlerts: { totalCount: 0 },
    });
  });
});

function nullableEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableEnums);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = nullableEnums(v);
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null))
    out.enum = [...out.enum, null];
  return out;
}
