/**
 * `collectedBy` in every collector's snapshot: every registered collector's implementation (as
 * the registry loads it) says who it collects as, and the runner writes it into the snapshot,
 * asking once per set of credentials and run. The collectors' own collect() is replaced by a
 * stand-in (each collector's data is tested in its own file); their identify() is the real one,
 * against the emulator (STS) and the local Okta and GitHub servers.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../shared/clock.js';
import { loadCollector } from '../../shared/collectors/implementations.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import type { AnyRunnableCollector, Identity, Scope } from '../../shared/collectors/types.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { testAccountId } from '../helpers/aws.js';
import { testConfig } from '../helpers/vendors.js';
import {
  DEFAULT_GITHUB_TOKEN,
  type GitHubServer,
  makeGitHubOrg,
  startGitHubServer,
} from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, type OktaServer, startOktaServer } from '../servers/okta-server.js';

let okta: OktaServer;
let github: GitHubServer;

beforeAll(async () => {
  okta = await startOktaServer(makeOktaOrg({ groups: 1, membersPerGroup: 1, users: 2 }));
  github = await startGitHubServer({
    ...makeGitHubOrg({ login: 'acme', repos: 1 }),
    viewerLogin: 'acme-evidence-bot',
  });
  vi.stubEnv('OKTA_API_TOKEN', DEFAULT_OKTA_TOKEN);
  vi.stubEnv('GITHUB_TOKEN', DEFAULT_GITHUB_TOKEN);
  vi.stubEnv('GITHUB_API_URL', github.url);
  vi.stubEnv('GITHUB_GRAPHQL_URL', github.graphqlUrl);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  forgetSecrets();
  await okta?.stop();
  await github?.stop();
});

/** A scope of the collector's source, as its declaration would derive it. */
function scopeFor(source: string): Scope & Record<string, unknown> {
  if (source === 'aws')
    return {
      id: `aws-${testAccountId()}`,
      accountId: testAccountId(),
      regions: ['us-east-1'],
      region: 'us-east-1',
    };
  if (source === 'okta') return { id: 'okta-127.0.0.1', orgUrl: okta.url };
  return { id: 'github-acme', org: 'acme' };
}

describe('collectedBy', () => {
  it('every registered collector records who collected its snapshot', async () => {
    const config = testConfig({
      aws: { regions: ['us-east-1'] },
      okta: { orgUrl: okta.url },
      github: { org: 'acme' },
    });
    const resolved: string[] = [];
    const collectors: AnyRunnableCollector[] = await Promise.all(
      COLLECTORS.map(async (declared) => {
        const real = await loadCollector(declared);
        return {
          ...real,
          enabled: () => true,
          scopes: () => [scopeFor(real.source)],
          collect: async () => ({ data: { standIn: true }, items: 0 }),
          identify: (scope: Scope, ctx: Parameters<AnyRunnableCollector['identify']>[1]): Identity => {
            const identity = real.identify(scope, ctx);
            return {
              ...identity,
              resolve: () => {
                resolved.push(real.source);
                return identity.resolve();
              },
            };
          },
        };
      }),
    );
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'collected-by-')));
    const summary = await runCollectors({
      config,
      locker,
      collectors,
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      scopeEnvironment: async () => ({ defaultAccountId: testAccountId() }),
    });
    expect(summary.results.map((r) => r.collector).sort()).toEqual(COLLECTORS.map((c) => c.id).sort());
    for (const r of summary.results) {
      const { snapshot } = await readSnapshot(locker, r.key);
      expect(r.status, `${r.collector}: ${r.error}`).toBe('ok');
      const expected =
        snapshot.collector && COLLECTORS.find((c) => c.id === r.collector)!.source === 'aws'
          ? {
              principal: expect.stringMatching(new RegExp(`^arn:aws:(iam|sts)::${testAccountId()}:`)),
              method: 'sts:GetCallerIdentity',
            }
          : COLLECTORS.find((c) => c.id === r.collector)!.source === 'okta'
            ? {
                principal: 'evidence-reader@example.com (00u1evidencereader01)',
                method: expect.stringContaining('/api/v1/users/me'),
              }
            : { principal: 'acme-evidence-bot', method: expect.stringContaining('viewer') };
      expect(snapshot.collectedBy, r.collector).toEqual(expected);
    }
    // Asked once per set of credentials and run: one AWS principal, one Okta token, one GitHub token.
    expect(resolved.sort()).toEqual(['aws', 'github', 'okta']);
  });

  it('who collected cannot be established: the snapshot is partial and says why, never silently ok', async () => {
    const config = testConfig({ okta: { orgUrl: okta.url } });
    const real = await loadCollector(COLLECTORS.find((c) => c.id === 'okta')!);
    vi.stubEnv('OKTA_API_TOKEN', 'a-token-okta-does-not-know');
    try {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'collected-by-')));
      const summary = await runCollectors({
        config,
        locker,
        collectors: [{ ...real, collect: async () => ({ data: null, items: 0 }) }],
        clock: fixedClock('2026-04-20T00:05:00.000Z'),
      });
      expect(summary.results).toHaveLength(1);
      const { snapshot } = await readSnapshot(locker, summary.results[0]!.key);
      expect(snapshot.status).toBe('partial');
      expect(snapshot.collectedBy).toMatchObject({ principal: null, error: expect.any(String) });
      expect(snapshot.errors.join(' ')).toMatch(/who collected this could not be established/);
      expect(JSON.stringify(snapshot)).not.toContain('a-token-okta-does-not-know');
    } finally {
      vi.stubEnv('OKTA_API_TOKEN', DEFAULT_OKTA_TOKEN);
    }
  });
});
