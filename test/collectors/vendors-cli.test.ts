/**
 * Okta and GitHub through the CLI (`evidence collect --only okta|github`) against the
 * local vendor servers: exit codes, error snapshots, and no token in logs or the locker.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../../shared/secrets.js';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../servers/okta-server.js';

const ENV = ['OKTA_API_TOKEN', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_GRAPHQL_URL'] as const;

async function snapshotsUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith('.json'))
      out.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  return out;
}

describe('collect --only okta / github through the CLI', () => {
  let dir: string;
  const saved: Record<string, string | undefined> = {};
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vendors-cli-'));
    for (const k of ENV) saved[k] = process.env[k];
  });
  afterEach(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    for (const stop of stops.splice(0)) await stop();
    forgetSecrets();
  });

  const configFor = async (section: Record<string, unknown>) => {
    const file = path.join(dir, 'evidence.config.json');
    await writeFile(
      file,
      JSON.stringify({ locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, ...section }),
    );
    return file;
  };

  it('an invalid Okta token: clear message, exit 3, an error snapshot, and the token nowhere', async () => {
    const server = await startOktaServer(makeOktaOrg());
    stops.push(server.stop);
    const bad = 'badtoken-00000000000000000000SECRET';
    process.env.OKTA_API_TOKEN = bad;
    const config = await configFor({ okta: { orgUrl: server.url, privilegedGroups: ['Administrators'] } });
    const store = path.join(dir, 'locker');

    const run = await runCli(['collect', '--only', 'okta', '--store', store, '--config', config, '--json']);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /Okta refused the API token \(401 E0000011 Invalid token provided\).*OKTA_API_TOKEN/,
    );
    const doc = JSON.parse(run.stdout);
    expect(doc.results).toEqual([
      expect.objectContaining({ collector: 'okta', scope: 'okta-127.0.0.1', status: 'error' }),
    ]);
    const snapshots = await snapshotsUnder(store);
    expect(snapshots).toHaveLength(1);
    expect(JSON.parse(snapshots[0]!)).toMatchObject({
      status: 'error',
      errors: [expect.stringMatching(/SourceUnavailableError: Okta refused/)],
    });
    // The token did reach Okta, and nothing else.
    expect(server.stats.authorizations).toContain(`SSWS ${bad}`);
    for (const text of [run.stdout, run.stderr, ...snapshots]) expect(text).not.toContain(bad);
  });

  it('a good Okta token: exit 0, a complete snapshot without the token', async () => {
    const server = await startOktaServer(makeOktaOrg({ groups: 5, membersPerGroup: 250, users: 600 }));
    stops.push(server.stop);
    process.env.OKTA_API_TOKEN = DEFAULT_OKTA_TOKEN;
    const config = await configFor({ okta: { orgUrl: server.url } });
    const store = path.join(dir, 'locker');

    const run = await runCli(['collect', '--only', 'okta', '--store', store, '--config', config, '--json']);

    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout).results;
    expect(result).toMatchObject({ status: 'ok', items: 5, requests: 1 + 5 * 2 });
    const [text] = await snapshotsUnder(store);
    expect(JSON.parse(text!).data.totals.memberships).toBe(5 * 250);
    for (const t of [run.stdout, run.stderr, text!]) expect(t).not.toContain(DEFAULT_OKTA_TOKEN);
  });

  it('GitHub through GITHUB_API_URL / GITHUB_GRAPHQL_URL; a revoked token gives exit 3 and an error snapshot', async () => {
    // 90 repositories: one GraphQL request, so Octokit's 1 s spacing between requests never applies here.
    const server = await startGitHubServer(makeGitHubOrg({ repos: 90 }));
    stops.push(server.stop);
    process.env.GITHUB_API_URL = server.url;
    process.env.GITHUB_GRAPHQL_URL = server.graphqlUrl;
    const config = await configFor({ github: { org: 'example' } });
    const store = path.join(dir, 'locker');

    process.env.GITHUB_TOKEN = DEFAULT_GITHUB_TOKEN;
    const good = await runCli(
      ['collect', '--only', 'github', '--store', store, '--config', config, '--json'],
      {
        clock: '2026-04-20T00:05:00.000Z',
      },
    );
    process.env.GITHUB_TOKEN = 'ghp_revoked_000000000000000000000000';
    const bad = await runCli(
      ['collect', '--only', 'github', '--store', store, '--config', config, '--json'],
      {
        clock: '2026-04-21T00:05:00.000Z',
      },
    );

    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).results[0]).toMatchObject({
      scope: 'github-example',
      status: 'ok',
      items: 90,
      requests: 1,
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/GitHub refused the token \(401 Bad credentials\)/);
    const snapshots = await snapshotsUnder(store);
    expect(snapshots.map((s) => JSON.parse(s).status).sort()).toEqual(['error', 'ok']);
    for (const t of [good.stdout, good.stderr, bad.stdout, bad.stderr, ...snapshots]) {
      expect(t).not.toContain(DEFAULT_GITHUB_TOKEN);
      expect(t).not.toContain('ghp_revoked_000000000000000000000000');
    }
  });
});
