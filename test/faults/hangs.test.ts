/**
 * Hanging endpoints (issue 12). An AWS endpoint that accepts connections and never answers:
 * every AWS request has a timeout (the SDK's request handler); scope resolution hanging for
 * AWS never delays Okta or GitHub; and the run's deadline turns what is not done into a
 * recorded error snapshot instead of a missing day.
 */

import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsTimeouts, setAwsTimeouts } from '../../shared/aws/clients.js';
import { callerAccountId } from '../../shared/aws/identity.js';
import { SourceUnavailableError } from '../../shared/errors.js';
import { S3Locker } from '../../shared/locker/s3.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../servers/okta-server.js';

const ENV = [
  'AWS_ENDPOINT_URL',
  'OKTA_API_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_API_URL',
  'GITHUB_GRAPHQL_URL',
] as const;

/** Accepts every request and never answers it (until stopped). */
async function startHangingServer(): Promise<{ url: string; pending: () => number; stop(): Promise<void> }> {
  let pending = 0;
  const server: Server = createServer((req, res) => {
    pending++;
    req.resume();
    res.on('close', () => pending--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pending: () => pending,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function snapshotsUnder(
  dir: string,
): Promise<{ collector: string; status: string; errors: string[] }[]> {
  const out = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    if (entry.isFile() && entry.name.endsWith('.json') && entry.parentPath.includes('snapshots'))
      out.push(JSON.parse(await readFile(path.join(entry.parentPath, entry.name), 'utf8')));
  return out;
}

describe('hanging endpoints', () => {
  const saved: Record<string, string | undefined> = {};
  const stops: (() => Promise<void>)[] = [];
  const { connectionTimeout, requestTimeout } = awsTimeouts();
  beforeEach(() => {
    for (const k of ENV) saved[k] = process.env[k];
  });
  afterEach(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    for (const stop of stops.splice(0)) await stop();
    setAwsTimeouts({ connectionTimeout, requestTimeout });
    forgetSecrets();
  });

  it('an STS that never answers: the call fails on its timeout with a clear error', async () => {
    const hang = await startHangingServer();
    stops.push(hang.stop);
    process.env.AWS_ENDPOINT_URL = hang.url;
    setAwsTimeouts({ requestTimeout: 200 });
    const err = await callerAccountId().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect(String(err)).toMatch(/cannot tell which AWS account/);
  });

  it('an S3 locker that never answers: check() fails on its timeout instead of blocking', async () => {
    const hang = await startHangingServer();
    stops.push(hang.stop);
    process.env.AWS_ENDPOINT_URL = hang.url;
    setAwsTimeouts({ requestTimeout: 200 });
    const locker = new S3Locker('s3://evidence-hang');
    await expect(locker.check()).rejects.toThrow();
  });

  it('STS hangs: Okta and GitHub snapshots are written meanwhile, and the deadline records the AWS failure', async () => {
    const hang = await startHangingServer();
    stops.push(hang.stop);
    const okta = await startOktaServer(makeOktaOrg());
    stops.push(okta.stop);
    const github = await startGitHubServer(makeGitHubOrg({ repos: 3 }));
    stops.push(github.stop);
    process.env.AWS_ENDPOINT_URL = hang.url;
    process.env.OKTA_API_TOKEN = DEFAULT_OKTA_TOKEN;
    process.env.GITHUB_TOKEN = DEFAULT_GITHUB_TOKEN;
    process.env.GITHUB_API_URL = github.url;
    process.env.GITHUB_GRAPHQL_URL = github.graphqlUrl;
    // An AWS request timeout far beyond the deadline: the deadline is what ends the wait.
    setAwsTimeouts({ requestTimeout: 600_000 });
    const dir = await mkdtemp(path.join(tmpdir(), 'hang-'));
    const config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1'] },
        okta: { orgUrl: okta.url },
        github: { org: 'example' },
        auditPeriod: { start: '2026-01-01' },
      }),
    );
    const store = path.join(dir, 'locker');

    const run = runCli(['collect', '--deadline', '6s', '--store', store, '--config', config, '--json'], {
      clock: { now: () => new Date() },
    });
    // While STS still hangs, Okta and GitHub are already in the locker.
    await vi.waitFor(
      async () => {
        const written = (await snapshotsUnder(store)).map((s) => s.collector).sort();
        expect(written).toEqual(['github', 'github-members', 'okta', 'okta-users']);
        expect(hang.pending()).toBeGreaterThan(0);
      },
      { timeout: 5_500, interval: 50 },
    );

    const done = await run;
    expect(done.code).not.toBe(0);
    // No AWS scope is known without the account: the AWS collectors are reported as skipped,
    // and why: the deadline came first.
    const doc = JSON.parse(done.stdout);
    expect(doc.skipped).toEqual([
      expect.objectContaining({
        source: 'aws',
        reason: expect.stringMatching(/the run's deadline .* came before resolving the AWS account/),
      }),
    ]);
    const snapshots = await snapshotsUnder(store);
    expect(snapshots.map((s) => `${s.collector} ${s.status}`).sort()).toEqual([
      'github ok',
      'github-members ok',
      'okta ok',
      'okta-users ok',
    ]);
  });
});
