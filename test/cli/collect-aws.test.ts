import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../../shared/secrets.js';
import { createBucket, testAccountId } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';

const AT = '2026-04-20T00:05:00.000Z';

describe('evidence collect (AWS collectors, end to end against the emulator)', () => {
  let dir: string;
  let store: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'collect-aws-'));
    store = path.join(dir, 'locker');
    config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1', 'eu-west-1'] },
        auditPeriod: { start: '2026-01-01' },
      }),
    );
    const bucket = await createBucket({ objectLock: false });
    const gd = new GuardDutyClient({ region: 'us-east-1' });
    await gd.send(new CreateDetectorCommand({ Enable: true }));
    gd.destroy();
    const iam = new IAMClient({ region: 'us-east-1' });
    await iam.send(new CreateUserCommand({ UserName: 'console-no-mfa' }));
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'console-no-mfa', Password: 'Correct-Horse-9-Battery' }),
    );
    // A report already generated (as IAM keeps one for 4 hours): the CLI's collector, whose
    // sleeper cannot be injected through main(), then never waits on the wall clock.
    await iam.send(new GenerateCredentialReportCommand({}));
    iam.destroy();
    const ct = new CloudTrailClient({ region: 'us-east-1' });
    await ct.send(
      new CreateTrailCommand({
        Name: 'audit',
        S3BucketName: bucket,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
      }),
    );
    await ct.send(new StartLoggingCommand({ Name: 'audit' }));
    ct.destroy();
    const cfg = new ConfigServiceClient({ region: 'us-east-1' });
    await cfg.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: { name: 'default', roleARN: `arn:aws:iam::${testAccountId()}:role/config` },
      }),
    );
    await cfg.send(
      new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: bucket } }),
    );
    await cfg.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
    cfg.destroy();
    // As the CLI does at start (shared/env.ts) for the credentials it runs with.
    registerSecret(process.env.AWS_SECRET_ACCESS_KEY);
    registerSecret(process.env.AWS_SESSION_TOKEN);
  });

  it('--json: one snapshot per scope written; GuardDuty partial on the emulator, so exit 1', async () => {
    const run = await runCli(['collect', '--store', store, '--config', config, '--json'], { clock: AT });
    const doc = JSON.parse(run.stdout);
    const account = testAccountId();
    const rows = doc.results.map((r: { collector: string; scope: string; status: string }) => [
      r.collector,
      r.scope,
      r.status,
    ]);
    expect(rows.sort()).toEqual(
      [
        ['aws-config', `aws-${account}-eu-west-1`, 'ok'],
        ['aws-config', `aws-${account}-us-east-1`, 'ok'],
        // No vault: ListProtectedResources (which moto lacks) is not asked, so ok.
        // The account's enabled regions (regions-covered judges them; collecting is ok).
        ['aws-regions', `aws-${account}`, 'ok'],
        ['backup', `aws-${account}-eu-west-1`, 'ok'],
        ['backup', `aws-${account}-us-east-1`, 'ok'],
        ['cloudtrail', `aws-${account}`, 'ok'],
        ['encryption', `aws-${account}-eu-west-1`, 'ok'],
        ['encryption', `aws-${account}-us-east-1`, 'ok'],
        // moto has no ListMembers / GetFindingsStatistics: the region with a detector is partial.
        ['guardduty', `aws-${account}-eu-west-1`, 'ok'],
        ['guardduty', `aws-${account}-us-east-1`, 'partial'],
        ['iam', `aws-${account}`, 'ok'],
        ['inspector', `aws-${account}-eu-west-1`, 'ok'],
        ['inspector', `aws-${account}-us-east-1`, 'ok'],
      ].sort(),
    );
    expect(run.code).toBe(1);
    for (const r of doc.results) {
      expect(r).toMatchObject({
        key: expect.stringMatching(/^snapshots\/2026-04-20\//),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(r.requests).toBeGreaterThan(0);
      const written = JSON.parse(await readFile(path.join(store, r.key), 'utf8'));
      expect(written).toMatchObject({
        collector: r.collector,
        scope: r.scope,
        status: r.status,
        collectedAt: AT,
      });
    }
    const iam = doc.results.find((r: { collector: string }) => r.collector === 'iam');
    const snapshot = JSON.parse(await readFile(path.join(store, iam.key), 'utf8'));
    expect(snapshot.data.credentialReport.rows).toEqual([
      expect.objectContaining({ user: 'console-no-mfa', passwordEnabled: true, mfaActive: false }),
    ]);
    expect(snapshot.controls).toEqual(['CC6.1', 'CC6.2', 'CC6.3']);
  });

  it('--only: a table of the chosen collectors, exit 0; no credential in any output or file', async () => {
    const run = await runCli(
      ['collect', '--only', 'iam,cloudtrail,aws-config', '--store', store, '--config', config],
      { clock: '2026-04-21T00:05:00.000Z' },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^collector\s+scope\s+status\s+requests\s+items\s+duration\n/);
    expect(run.stdout).toMatch(
      new RegExp(`cloudtrail\\s+aws-${testAccountId()}\\s+ok\\s+\\d+\\s+1\\s+\\d+ ms`),
    );
    expect(run.stdout).not.toMatch(/guardduty/);
    expect(run.stderr).toMatch(/run [0-9a-f]+: 4 snapshot\(s\) written/);

    const files = (await readdir(store, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    const bytes = (
      await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name), 'utf8')))
    ).join('\n');
    for (const secret of [process.env.AWS_SECRET_ACCESS_KEY!, process.env.AWS_SESSION_TOKEN!]) {
      expect(bytes).not.toContain(secret);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('--only with an unknown collector: exit 2 naming the known ones', async () => {
    const run = await runCli(['collect', '--only', 'guardduty,nope', '--store', store, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /unknown collector nope in --only; known collectors: .*guardduty.*iam.*aws-config.*cloudtrail/,
    );
  });
});
