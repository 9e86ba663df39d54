/**
 * AWS credentials from a profile (shared credentials file) are registered for redaction
 * (issue 12): an endpoint that echoes the session token back in its error message must not
 * put it on stderr, in the logs, or into any snapshot. The endpoint is a local HTTP server
 * that answers every AWS call with an AWS error document quoting the token it received.
 */

import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetAwsCredentials } from '../../shared/aws/accounts.js';
import { forgetSecrets } from '../../shared/secrets.js';
import { runCli } from '../helpers/cli.js';

const ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_ENDPOINT_URL',
] as const;

const TOKEN = 'IQoJb3JpZ2luX2VjEProfileSessionToken0123456789abcdefSECRET';
const SECRET_KEY = 'profileSecretAccessKey0123456789abcdefSECRET';
const ACCOUNT = '111122223333';

/**
 * Answers STS GetCallerIdentity (so the account is known and every AWS collector runs and
 * writes its snapshot), and every other call with an error quoting the session token it got,
 * in the call's own protocol: query XML (IAM), JSON with x-amz-target (Config, CloudTrail),
 * REST JSON (GuardDuty).
 */
async function startEchoServer(): Promise<{ url: string; requests: number; stop(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const token = String(req.headers['x-amz-security-token'] ?? '');
      const message = `The security token included in the request is invalid: ${token}`;
      if (body.includes('Action=GetCallerIdentity')) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${ACCOUNT}:assumed-role/audit/session</Arn><UserId>AROAEXAMPLE:session</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        );
      }
      if (req.headers['x-amz-target']) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message }));
      }
      if (String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
        res.writeHead(403, { 'content-type': 'text/xml' });
        return res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>${message}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
      }
      res.writeHead(403, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'UnrecognizedClientException',
      });
      res.end(JSON.stringify({ message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) out.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  return out;
}

describe('AWS credentials from a profile', () => {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const k of ENV) saved[k] = process.env[k];
    forgetSecrets();
    forgetAwsCredentials();
  });
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    forgetSecrets();
    forgetAwsCredentials();
  });

  it('an endpoint echoing the session token: the token is on no output and in no locker file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aws-profile-'));
    const credentials = path.join(dir, 'credentials');
    await writeFile(
      credentials,
      `[audit]\naws_access_key_id = ASIAPROFILEKEY000001\naws_secret_access_key = ${SECRET_KEY}\naws_session_token = ${TOKEN}\n`,
    );
    await writeFile(path.join(dir, 'config'), '[profile audit]\nregion = us-east-1\n');
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const)
      delete process.env[k];
    process.env.AWS_PROFILE = 'audit';
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
    const server = await startEchoServer();
    process.env.AWS_ENDPOINT_URL = server.url;
    const config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1'] },
        auditPeriod: { start: '2026-01-01' },
      }),
    );
    const store = path.join(dir, 'locker');
    try {
      const run = await runCli(['collect', '--store', store, '--config', config]);
      // The endpoint was reached with the profile's token, and refused it: recorded failures.
      expect(server.requests).toBeGreaterThan(1);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/security token included in the request is invalid/);
      // Every file of the locker is read: one error snapshot per AWS collector at least.
      const files = await filesUnder(store);
      const snapshots = files.filter((text) => text.includes('"schema":"evidence.snapshot/'));
      expect(snapshots.length).toBeGreaterThan(0);
      for (const text of [run.stdout, run.stderr, ...files]) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(SECRET_KEY);
      }
      // The message is kept, with the token taken out, on stderr and in the snapshots.
      expect(run.stderr).toMatch(/request is invalid: \[REDACTED\]/);
      for (const text of snapshots) expect(text).toMatch(/request is invalid: \[REDACTED\]/);
    } finally {
      await server.stop();
    }
  });
});
