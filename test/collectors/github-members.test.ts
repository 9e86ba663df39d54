import { validate } from '@octokit/graphql-schema';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createGitHubMembersCollector,
  ORG_MEMBERS_QUERY,
  REPO_OUTSIDE_COLLABORATORS_QUERY,
} from '../../shared/collectors/github-members/collector.js';
import type { GitHubMembersData } from '../../shared/collectors/github-members/declaration.js';
import { githubMembers2faCheck } from '../../shared/collectors/github-members/github-members-2fa.js';
import type { Snapshot } from '../../shared/evidence/snapshot.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { makeSnapshot } from '../helpers/snapshots.js';
import { collectorContext, testConfig } from '../helpers/vendors.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubOrgFixture,
  type GitHubServer,
  type MemberFixture,
  makeGitHubOrg,
  startGitHubServer,
} from '../servers/github-server.js';

const pacing = { retryAfterBaseMs: 0, graphqlMinTimeMs: 0 };
const token = () => ({ kind: 'token' as const, token: DEFAULT_GITHUB_TOKEN });

function members(n: number, extra: (i: number) => Partial<MemberFixture> = () => ({})): MemberFixture[] {
  return Array.from({ length: n }, (_, i) => ({
    login: `user-${String(i + 1).padStart(4, '0')}`,
    ...extra(i),
  }));
}

describe('github-members queries', () => {
  it('validate against GitHub’s published GraphQL schema', () => {
    expect(validate(ORG_MEMBERS_QUERY)).toEqual([]);
    expect(validate(REPO_OUTSIDE_COLLABORATORS_QUERY)).toEqual([]);
  });
});

describe('github-members collector', () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    forgetSecrets();
  });

  const run = async (org: GitHubOrgFixture, options: Parameters<typeof startGitHubServer>[1] = {}) => {
    server = await startGitHubServer(org, options);
    const config = testConfig({ github: { org: 'Example' } });
    const collector = createGitHubMembersCollector({ pacing, auth: token, apiUrl: server.url });
    const [scope] = collector.scopes(config, {});
    const ctx = collectorContext(config);
    const out = await collector.collect(scope!, ctx);
    return { out, data: out.data as GitHubMembersData, ctx, scope: scope! };
  };

  it('reads members with role and 2FA, SAML links and outside collaborators, three connections per request', async () => {
    const org = makeGitHubOrg({ repos: 130 });
    org.members = members(250, (i) => ({ role: i === 0 ? 'ADMIN' : 'MEMBER', twoFactor: i !== 7 }));
    org.saml = {
      identities: [
        ...org.members.slice(0, 120).map((m) => ({ nameId: `${m.login}@example.com`, login: m.login })),
        { nameId: 'invited@example.com', login: null },
      ],
    };
    org.repos[3]!.outsideCollaborators = [
      { login: 'contractor-a', permission: 'WRITE' },
      { login: 'contractor-b', permission: 'READ' },
    ];
    org.repos[120]!.outsideCollaborators = [{ login: 'contractor-a', permission: 'ADMIN' }];
    org.repos[5]!.archived = true;
    org.repos[5]!.outsideCollaborators = [{ login: 'contractor-c', permission: 'READ' }];

    const { out, data, ctx, scope } = await run(org);

    expect(scope.id).toBe('github-example');
    expect(out.status).toBe('ok');
    expect(out.errors).toEqual([]);
    // 250 members: 3 pages; 121 identities: 2 pages; 130 repositories: 2 pages; read side by side.
    expect(server!.stats.graphql).toBe(3);
    expect(ctx.stats.requests).toBe(3);
    expect(data.rateLimit.cost).toBe(server!.stats.pointsUsed);
    expect(data.requiresTwoFactorAuthentication).toBe(true);
    expect(data.totalMembers).toBe(250);
    expect(data.membersComplete).toBe(true);
    expect(data.members).toHaveLength(250);
    expect(data.members[0]).toEqual({
      login: 'user-0001',
      role: 'ADMIN',
      twoFactorEnabled: true,
      samlNameId: 'user-0001@example.com',
    });
    expect(data.members[7]).toMatchObject({ login: 'user-0008', twoFactorEnabled: false });
    expect(data.members[200]).toMatchObject({ role: 'MEMBER', samlNameId: null });
    expect(data.saml?.complete).toBe(true);
    expect(data.saml?.identities).toHaveLength(121);
    expect(data.saml?.identities.at(-1)).toEqual({
      nameId: 'invited@example.com',
      username: null,
      login: null,
    });
    expect(data.repositories).toBe(130);
    expect(data.outsideCollaboratorsComplete).toBe(true);
    expect(data.outsideCollaborators).toEqual([
      {
        login: 'contractor-a',
        repositories: [
          { repository: 'example/repo-0004', permission: 'WRITE' },
          { repository: 'example/repo-0121', permission: 'ADMIN' },
        ],
      },
      { login: 'contractor-b', repositories: [{ repository: 'example/repo-0004', permission: 'READ' }] },
      // Archived repositories still grant read access: they are read too.
      { login: 'contractor-c', repositories: [{ repository: 'example/repo-0006', permission: 'READ' }] },
    ]);
  });

  it('records no SAML for an org without SAML SSO', async () => {
    const org = makeGitHubOrg({ repos: 1 });
    org.members = members(3);
    const { out, data } = await run(org);
    expect(out.status).toBe('ok');
    expect(data.saml).toBeNull();
    expect(data.members.every((m) => m.samlNameId === null)).toBe(true);
  });

  it('follows a repository with more than 100 outside collaborators', async () => {
    const org = makeGitHubOrg({ repos: 2 });
    org.repos[1]!.outsideCollaborators = Array.from({ length: 230 }, (_, i) => ({
      login: `ext-${i}`,
      permission: 'READ' as const,
    }));
    const { out, data } = await run(org);
    expect(out.status).toBe('ok');
    expect(server!.stats.graphql).toBe(3);
    expect(data.outsideCollaborators).toHaveLength(230);
  });

  it('records null 2FA when the credentials are not an owner’s', async () => {
    const org = makeGitHubOrg({ repos: 1 });
    org.members = members(2);
    org.viewerIsOwner = false;
    const { data } = await run(org);
    expect(data.requiresTwoFactorAuthentication).toBeNull();
    expect(data.members.map((m) => m.twoFactorEnabled)).toEqual([null, null]);
  });

  it('a member page failing after the first makes a partial snapshot naming the lists cut short', async () => {
    const org = makeGitHubOrg({ repos: 1 });
    org.members = members(250);
    const { out, data } = await run(org, { inject: { status5xxAtRequest: [2, 3, 4, 5] } });
    expect(out.status).toBe('partial');
    expect(data.membersComplete).toBe(false);
    expect(data.members).toHaveLength(100);
    expect(out.errors!.join(' ')).toMatch(/members list stopped after page 1/);
  });

  it('a GitHub that repeats an endCursor stops instead of looping', async () => {
    const org = makeGitHubOrg({ repos: 1 });
    org.members = members(350);
    const { out, data } = await run(org, { inject: { repeatEndCursor: true } });
    expect(out.status).toBe('partial');
    expect(data.membersComplete).toBe(false);
    expect(out.errors!.join(' ')).toMatch(/repeats one already followed/);
  });

  it('an unknown org is an error, naming the org', async () => {
    const org = makeGitHubOrg({ login: 'other', repos: 1 });
    await expect(run(org)).rejects.toThrow(/organization "Example" was not found/);
  });
});

describe('github-members-2fa check', () => {
  const snapshot = (data: Partial<GitHubMembersData>): Snapshot<GitHubMembersData> =>
    makeSnapshot({
      collector: 'github-members',
      scope: 'github-example',
      collectedAt: '2026-04-20T00:05:00.000Z',
      data: {
        org: 'example',
        apiUrl: 'https://api.github.com',
        requiresTwoFactorAuthentication: true,
        totalMembers: 2,
        membersComplete: true,
        members: [
          { login: 'alice', role: 'ADMIN', twoFactorEnabled: true, samlNameId: null },
          { login: 'bob', role: 'MEMBER', twoFactorEnabled: true, samlNameId: null },
        ],
        saml: null,
        outsideCollaborators: [],
        outsideCollaboratorsComplete: true,
        repositories: 0,
        rateLimit: { cost: 1, remaining: 4999, resetAt: null },
        ...data,
      },
    }) as Snapshot<GitHubMembersData>;
  const config = testConfig({ github: { org: 'example' } });

  it('Compliance: the org requires 2FA and every member has it', () => {
    const out = githubMembers2faCheck.run(snapshot({}), config);
    expect(out.result).toBe('pass');
    expect(out.detail).toMatch(/all 2 member\(s\)/);
  });

  it('Noncompliance: a member without 2FA is named', () => {
    const out = githubMembers2faCheck.run(
      snapshot({
        members: [
          { login: 'alice', role: 'ADMIN', twoFactorEnabled: true, samlNameId: null },
          { login: 'bob', role: 'MEMBER', twoFactorEnabled: false, samlNameId: null },
        ],
      }),
      config,
    );
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['bob']);
    expect(out.detail).toMatch(/1 of 2 member\(s\) without 2FA: bob/);
  });

  it('Noncompliance: the org does not require 2FA, though every member has it', () => {
    const out = githubMembers2faCheck.run(snapshot({ requiresTwoFactorAuthentication: false }), config);
    expect(out.result).toBe('fail');
    expect(out.failing).toEqual(['org:example']);
  });

  it('Noncompliance: unknown is no pass (non-owner credentials, a member list cut short)', () => {
    const unknown = githubMembers2faCheck.run(
      snapshot({
        requiresTwoFactorAuthentication: null,
        members: [{ login: 'carol', role: 'MEMBER', twoFactorEnabled: null, samlNameId: null }],
      }),
      config,
    );
    expect(unknown.result).toBe('fail');
    expect(unknown.failing).toEqual(['org:example', 'carol']);
    const short = githubMembers2faCheck.run(snapshot({ membersComplete: false, totalMembers: 500 }), config);
    expect(short.result).toBe('fail');
    expect(short.failing).toEqual(['org:example:members']);
  });

  it('says why the org fails and names members sorted, unknown apart (issue 27 item 5)', () => {
    const m = (login: string, twoFactorEnabled: boolean | null) => ({
      login,
      role: 'MEMBER' as const,
      twoFactorEnabled,
      samlNameId: null,
    });
    const out = githubMembers2faCheck.run(
      snapshot({
        requiresTwoFactorAuthentication: false,
        totalMembers: 5,
        members: [m('zed', false), m('carol', null), m('bob', false), m('alice', true), m('aaron', null)],
      }),
      config,
    );
    expect(out.failing).toEqual(['org:example', 'aaron', 'bob', 'carol', 'zed']);
    expect(out.detail).toBe(
      "the organization example does not require two-factor authentication; 2 of 5 member(s) without 2FA: bob, zed; 2 member(s) whose 2FA status GitHub did not show (collect with an owner's credentials): aaron, carol.",
    );
    const unknown = githubMembers2faCheck.run(snapshot({ requiresTwoFactorAuthentication: null }), config);
    expect(unknown.detail).toBe(
      "whether the organization example requires two-factor authentication is unknown (the credentials are not an owner's).",
    );
  });
});
