import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccessDeniedException,
  CreateDetectorCommand,
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListMembersCommand,
} from '@aws-sdk/client-guardduty';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountScopes,
  awsCall,
  credentialsFor,
  forgetAwsCredentials,
  ROLE_SESSION_NAME,
  regionalScopes,
} from '../../shared/aws/accounts.js';
import { fixedClock } from '../../shared/clock.js';
import { guardDutyCollector } from '../../shared/collectors/guardduty/collector.js';
import { createIamCollector } from '../../shared/collectors/iam/collector.js';
import { runCollectors } from '../../shared/collectors/runner.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { createStreamLogger } from '../../shared/log.js';
import { REDACTED, redact, registerSecret } from '../../shared/secrets.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig, denyRegion } from '../helpers/aws-collectors.js';

const SECOND = '210987654321';

describe('AWS scopes', () => {
  const config = awsTestConfig({
    regions: ['us-east-1', 'eu-west-1'],
    roleName: 'AuditReader',
    accounts: [
      { id: '222222222222', name: 'prod', externalId: 'ext-prod-1' },
      { id: '333333333333', roleName: 'Custom' },
      { id: '111111111111' },
    ],
  });

  it('the credentials own account always, then each entry by AssumeRole; pure', () => {
    const env = { defaultAccountId: '111111111111' };
    expect(accountScopes(config, env)).toEqual([
      { id: 'aws-111111111111', accountId: '111111111111', regions: ['us-east-1', 'eu-west-1'] },
      {
        id: 'aws-222222222222',
        accountId: '222222222222',
        name: 'prod',
        roleArn: 'arn:aws:iam::222222222222:role/AuditReader',
        externalId: 'ext-prod-1',
        regions: ['us-east-1', 'eu-west-1'],
      },
      {
        id: 'aws-333333333333',
        accountId: '333333333333',
        roleArn: 'arn:aws:iam::333333333333:role/Custom',
        regions: ['us-east-1', 'eu-west-1'],
      },
    ]);
    expect(regionalScopes(config, env).map((s) => s.id)).toEqual([
      'aws-111111111111-us-east-1',
      'aws-111111111111-eu-west-1',
      'aws-222222222222-us-east-1',
      'aws-222222222222-eu-west-1',
      'aws-333333333333-us-east-1',
      'aws-333333333333-eu-west-1',
    ]);
    expect(accountScopes(config, env)).toEqual(accountScopes(config, env));
  });

  it('without the default account (STS did not answer) scopes throw a SourceUnavailableError', () => {
    expect(() => accountScopes(config, {})).toThrow(/account of the credentials in use is unknown/);
  });
});

describe('awsCall', () => {
  const own = { accountId: '111111111111' };
  it('missing or rejected credentials: SourceUnavailableError saying how to set them', async () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    await expect(
      awsCall(own, 'eu-west-1', 'guardduty:ListDetectors', () => Promise.reject(err)),
    ).rejects.toMatchObject({
      name: 'SourceUnavailableError',
      message: expect.stringMatching(
        /^no usable AWS credentials for account 111111111111 in eu-west-1 \(CredentialsProviderError: Could not load credentials from any providers\); set AWS credentials/,
      ),
    });
  });

  it('anything else passes through unchanged (the runner records it)', async () => {
    const boom = Object.assign(new Error('internal'), { name: 'InternalServerErrorException' });
    await expect(
      awsCall(own, 'eu-west-1', 'guardduty:ListDetectors', () => Promise.reject(boom)),
    ).rejects.toBe(boom);
  });
});

describe('AssumeRole on the wire', () => {
  it('sends the role, the external id and the tool session name once, and registers the secrets', async () => {
    // The emulator accepts any external id, so the STS requests are recorded by a local
    // forwarding proxy on 127.0.0.1 (AWS_ENDPOINT_URL_STS) and asserted here.
    const target = process.env.AWS_ENDPOINT_URL!;
    const bodies: string[] = [];
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      bodies.push(body.toString());
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>;
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${port}`;
    try {
      forgetAwsCredentials();
      const provider = credentialsFor({
        accountId: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/AuditReader',
        externalId: 'ext-prod-1',
      })!;
      const first = await provider();
      const again = await provider();
      expect(again).toBe(first);
      const assumes = bodies.filter((b) => b.includes('Action=AssumeRole'));
      expect(assumes).toHaveLength(1);
      const form = new URLSearchParams(assumes[0]);
      expect(form.get('RoleArn')).toBe('arn:aws:iam::222222222222:role/AuditReader');
      expect(form.get('RoleSessionName')).toBe('evidence-locker');
      expect(form.get('ExternalId')).toBe('ext-prod-1');
      expect(redact(`x ${first.secretAccessKey} ${first.sessionToken}`)).toBe(`x ${REDACTED} ${REDACTED}`);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
      proxy.close();
      forgetAwsCredentials();
    }
  });
});

describe('a second account by AssumeRole (emulator), and no credential in the locker or the logs', () => {
  let secondUser: string;
  beforeAll(async () => {
    // moto ties the keys AssumeRole returns to the role's account: seed the second account through them.
    const sts = new STSClient({ region: 'us-east-1' });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SECOND}:role/seeder`, RoleSessionName: 'seed' }),
    );
    sts.destroy();
    const credentials = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    secondUser = `second-${testAccountId()}`;
    const iam = new IAMClient({ region: 'us-east-1', credentials });
    await iam.send(new CreateUserCommand({ UserName: secondUser }));
    iam.destroy();
    const gd = new GuardDutyClient({ region: 'eu-west-1', credentials });
    await gd.send(new CreateDetectorCommand({ Enable: true }));
    gd.destroy();
    // The test process's own credentials, registered as the CLI registers them at start.
    registerSecret(process.env.AWS_SECRET_ACCESS_KEY);
    registerSecret(process.env.AWS_SESSION_TOKEN);
    forgetAwsCredentials();
  });
  afterAll(() => forgetAwsCredentials());

  it('the session identifies the tool', async () => {
    const provider = credentialsFor({
      accountId: SECOND,
      roleArn: `arn:aws:iam::${SECOND}:role/EvidenceLockerCollector`,
    })!;
    const sts = new STSClient({ region: 'us-east-1', credentials: provider });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(me.Account).toBe(SECOND);
    expect(me.Arn).toBe(`arn:aws:sts::${SECOND}:assumed-role/EvidenceLockerCollector/${ROLE_SESSION_NAME}`);
  });

  it('collects the second account; a denied region echoing a secret is recorded redacted', async () => {
    const config = awsTestConfig({
      regions: ['us-east-1', 'eu-west-1'],
      accounts: [{ id: SECOND, externalId: 'ext-123' }],
    });
    const dir = await mkdtemp(path.join(tmpdir(), 'aws-accounts-'));
    const locker = new DirectoryLocker(dir);
    let log = '';
    const logger = createStreamLogger({ level: 'debug', write: (line) => (log += line) });
    const token = process.env.AWS_SESSION_TOKEN!;
    // us-east-1 GuardDuty is denied, with a message that (badly) echoes the session token.
    const stub = denyRegion(
      GuardDutyClient,
      [
        ListDetectorsCommand,
        GetDetectorCommand,
        GetAdministratorAccountCommand,
        ListMembersCommand,
        GetFindingsStatisticsCommand,
      ],
      'us-east-1',
      (message) => new AccessDeniedException({ message: `${message} (token ${token})`, $metadata: {} }),
    );
    let summary: Awaited<ReturnType<typeof runCollectors>>;
    try {
      summary = await runCollectors({
        config,
        locker,
        collectors: [createIamCollector({ sleep: async () => {} }), guardDutyCollector],
        clock: fixedClock('2026-04-20T00:05:00.000Z'),
        logger,
        scopeEnvironment: async () => ({ defaultAccountId: testAccountId() }),
      });
    } finally {
      stub.restore();
    }
    const byId = Object.fromEntries(summary.results.map((r) => [`${r.collector}/${r.scope}`, r]));
    expect(Object.keys(byId).sort()).toEqual(
      [
        `guardduty/aws-${SECOND}-eu-west-1`,
        `guardduty/aws-${SECOND}-us-east-1`,
        `guardduty/aws-${testAccountId()}-eu-west-1`,
        `guardduty/aws-${testAccountId()}-us-east-1`,
        `iam/aws-${SECOND}`,
        `iam/aws-${testAccountId()}`,
      ].sort(),
    );
    const secondIam = await readSnapshot<{ credentialReport: { rows: { user: string }[] } }>(
      locker,
      byId[`iam/aws-${SECOND}`]!.key,
    );
    expect(secondIam.snapshot.data.credentialReport.rows.map((r) => r.user)).toEqual([secondUser]);
    const firstIam = await readSnapshot<{ credentialReport: { rows: { user: string }[] } }>(
      locker,
      byId[`iam/aws-${testAccountId()}`]!.key,
    );
    expect(firstIam.snapshot.data.credentialReport.rows.map((r) => r.user)).not.toContain(secondUser);
    const secondGd = await readSnapshot<{ accountId: string; detectors: unknown[] }>(
      locker,
      byId[`guardduty/aws-${SECOND}-eu-west-1`]!.key,
    );
    expect(secondGd.snapshot.data).toMatchObject({ accountId: SECOND, detectors: [expect.anything()] });

    // The denied region: error snapshots in both accounts, the token replaced by [REDACTED].
    const denied = byId[`guardduty/aws-${SECOND}-us-east-1`]!;
    expect(denied).toMatchObject({ status: 'error', sourceUnavailable: true });
    expect(denied.error).toMatch(
      new RegExp(
        `guardduty:ListDetectors failed in account ${SECOND} in us-east-1 .*\\(token \\[REDACTED\\]\\).*check that arn:aws:iam::${SECOND}:role/EvidenceLockerCollector exists`,
      ),
    );

    // No credential anywhere: not in any file written, not in any log line.
    const assumed = await credentialsFor({
      accountId: SECOND,
      roleArn: `arn:aws:iam::${SECOND}:role/EvidenceLockerCollector`,
      externalId: 'ext-123',
    })!();
    const secrets = [
      process.env.AWS_SECRET_ACCESS_KEY!,
      token,
      assumed.secretAccessKey,
      assumed.sessionToken!,
    ];
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThanOrEqual(6);
    const written = (
      await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name), 'utf8')))
    ).join('\n');
    expect(written).toContain(REDACTED);
    expect(log).toContain(REDACTED);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(written).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });
});
