/**
 * A new user runs `collect` before setting any credentials: each source says what is missing,
 * and nothing is written that cannot be attributed to a series (no `aws-unresolved`).
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../../shared/secrets.js';
import { runCli } from '../helpers/cli.js';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
];

describe('evidence collect without any credentials', () => {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const name of CREDENTIAL_VARIABLES) saved.set(name, process.env[name]);
    for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
    // No credentials file, no profile, no instance metadata: the SDK's chain finds nothing.
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    forgetSecrets();
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('names what is missing per source, writes no unattributable snapshot, exits 3', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'collect-nocreds-'));
    const store = path.join(dir, 'locker');
    const config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1'] },
        okta: { orgUrl: 'https://acme.okta.com' },
        github: { org: 'acme' },
        auditPeriod: { start: '2026-01-01' },
      }),
    );
    const run = await runCli(['collect', '--store', store, '--config', config], {
      clock: '2026-04-20T00:05:00.000Z',
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/aws: nothing collected \(guardduty, iam, aws-config, cloudtrail\)/);
    expect(run.stderr).toMatch(/set AWS credentials/);
    expect(run.stderr).toMatch(/OKTA_API_TOKEN is not set/);
    expect(run.stderr).toMatch(/GITHUB_TOKEN is not set/);

    const files = (await readdir(store, { recursive: true })).filter((f) => f.endsWith('.json'));
    expect(files.some((f) => f.includes('unresolved'))).toBe(false);
    // Okta's and GitHub's failures belong to a known series: they are recorded, as every failure is.
    expect(files.map((f) => f.split(path.sep).slice(2, 4).join('/')).sort()).toEqual([
      'github-members/github-acme',
      'github/github-acme',
      'okta-users/okta-acme.okta.com',
      'okta/okta-acme.okta.com',
    ]);
  });
});
