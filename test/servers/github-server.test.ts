/**
 * The local GitHub server executes real GraphQL over GitHub's published schema and keeps
 * GitHub's rules: validation errors, first/last required and at most 100, opaque cursors,
 * the documented point cost, RATE_LIMITED when the points are spent.
 */
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubServer,
  makeGitHubOrg,
  queryCost,
  startGitHubServer,
} from './github-server.js';

describe('local GitHub server', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const post = async (
    query: string,
    variables: Record<string, unknown> = {},
    token = DEFAULT_GITHUB_TOKEN,
  ) => {
    const res = await fetch(server!.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as {
        data: {
          rateLimit: { cost: number; remaining: number };
          organization: {
            repositories: {
              pageInfo: { hasNextPage: boolean; endCursor: string };
              nodes: { name: string }[];
            };
          };
        };
        errors?: { message: string; type?: string }[];
      },
    };
  };

  it('rejects queries the schema does not allow, and unbounded or oversized connections', async () => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 3 }));
    expect((await post('{ organization(login: "example") { nope } }')).body.errors?.[0]?.message).toMatch(
      /Cannot query field "nope" on type "Organization"/,
    );
    expect(
      (await post('{ organization(login: "example") { repositories { totalCount } } }')).body.errors?.[0]
        ?.message,
    ).toMatch(/You must provide a `first` or `last` value/);
    expect(
      (await post('{ organization(login: "example") { repositories(first: 101) { totalCount } } }')).body
        .errors?.[0]?.message,
    ).toMatch(/exceeds the `first` limit of 100 records/);
    expect((await post('{ viewer { login } }', {}, 'ghp_wrong')).status).toBe(401);
  });

  it('pages with opaque cursors and reports the documented cost', async () => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 5 }));
    const q = `query($after: String) { rateLimit { cost remaining } organization(login: "example") {
      repositories(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } } } }`;
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body, headers } = await post(q, { after });
      expect(body.data.rateLimit.cost).toBe(1);
      expect(headers.get('x-ratelimit-resource')).toBe('graphql');
      names.push(...body.data.organization.repositories.nodes.map((n: { name: string }) => n.name));
      const info = body.data.organization.repositories.pageInfo;
      if (!info.hasNextPage) break;
      expect(info.endCursor).not.toMatch(/repo-/);
      after = info.endCursor;
    }
    expect(names).toEqual(['repo-0001', 'repo-0002', 'repo-0003', 'repo-0004', 'repo-0005']);
    expect((await post(q, { after: 'Zm9vOjE=' })).body.errors?.[0]?.message).toMatch(
      /does not appear to be a valid cursor/,
    );
  });

  it('computes cost as GitHub documents it: requests per connection / 100', () => {
    const nested = parse(
      '{ organization(login: "x") { repositories(first: 100) { nodes { issues(first: 50) { totalCount } } } } }',
    );
    expect(queryCost(nested, {})).toBe(1); // (1 + 100) / 100
    const deep = parse(
      '{ organization(login: "x") { repositories(first: 100) { nodes { pullRequests(first: 100) { nodes { comments(first: 10) { totalCount } } } } } } }',
    );
    expect(queryCost(deep, {})).toBe(101); // (1 + 100 + 100 × 100) / 100
  });

  it('answers RATE_LIMITED once the points are spent', async () => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 1 }), {
      points: { limit: 1, windowSeconds: 3600 },
    });
    const q = '{ rateLimit { remaining } }';
    expect((await post(q)).body.data.rateLimit.remaining).toBe(0);
    const limited = await post(q);
    expect(limited.body.errors?.[0]?.type).toBe('RATE_LIMITED');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(server.stats.rateLimited).toBe(1);
  });

  it('serves each ruleset’s bypass actors from the fixture, by rule and by nodes(ids:)', async () => {
    const org = makeGitHubOrg({ repos: 1, style: () => 'ruleset' });
    org.repos[0]!.rulesets![0]!.bypassActors = [
      { type: 'OrganizationAdmin', bypassMode: 'ALWAYS' },
      { type: 'Team', name: 'release-managers', bypassMode: 'PULL_REQUEST' },
    ];
    server = await startGitHubServer(org);
    const actors =
      '{ totalCount nodes { bypassMode organizationAdmin actor { __typename ... on Team { slug } } } }';
    const byRule = (await post(
      `{ organization(login: "example") { repositories(first: 1) { nodes { defaultBranchRef { rules(first: 1) { nodes { repositoryRuleset { id bypassActors(first: 10) ${actors} } } } } } } } }`,
    )) as unknown as {
      body: {
        data: {
          organization: {
            repositories: {
              nodes: { defaultBranchRef: { rules: { nodes: { repositoryRuleset: { id: string } }[] } } }[];
            };
          };
        };
      };
    };
    const ruleset = byRule.body.data.organization.repositories.nodes[0]!.defaultBranchRef.rules.nodes[0]!
      .repositoryRuleset as { id: string; bypassActors: unknown };
    const expected = {
      totalCount: 2,
      nodes: [
        { bypassMode: 'ALWAYS', organizationAdmin: true, actor: null },
        {
          bypassMode: 'PULL_REQUEST',
          organizationAdmin: false,
          actor: { __typename: 'Team', slug: 'release-managers' },
        },
      ],
    };
    expect(ruleset.bypassActors).toEqual(expected);

    const byId = (await post(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on RepositoryRuleset { name bypassActors(first: 10) ${actors} } } }`,
      { ids: [ruleset.id, 'RRS_nope'] },
    )) as unknown as { body: { data: { nodes: unknown[] } } };
    expect(byId.body.data.nodes).toEqual([{ name: 'protect-main', bypassActors: expected }, null]);
  });

  it('can leave requests unanswered (the client must time out)', async () => {
    server = await startGitHubServer(makeGitHubOrg({ repos: 1 }), { inject: { noAnswerFromRequest: 2 } });
    expect((await post('{ viewer { login } }')).status).toBe(200);
    await expect(
      fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { authorization: `bearer ${DEFAULT_GITHUB_TOKEN}` },
        body: JSON.stringify({ query: '{ rateLimit { cost } }' }),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow(/timeout/i);
    expect(server.stats.unanswered).toBe(1);
  });
});
