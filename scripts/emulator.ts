/**
 * Start and stop the local AWS emulator (moto server, installed into .venv/ by
 * scripts/setup-emulator.sh) on a free 127.0.0.1 port. Used by the test setup, the
 * benchmarks and the demo.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// EVIDENCE_MOTO_SERVER: the mutation run's sandboxes (scripts/mutation.sh) use the repository's own .venv.
const MOTO_SERVER = process.env.EVIDENCE_MOTO_SERVER ?? path.join(ROOT, '.venv/bin/moto_server');

export interface Emulator {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited with code ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto server did not answer on ${url} within 60 s:\n${log()}`);
}

export async function startEmulator(): Promise<Emulator> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `the AWS emulator is not installed (${MOTO_SERVER} is missing): run "npm run setup:emulator" first`,
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  // moto's server through scripts/moto-server.py (three corrections: the credential report's time,
  // and AWS Config's DescribeDeliveryChannelStatus and Inspector's ListCoverage, which moto does not
  // implement).
  const python = path.join(path.dirname(MOTO_SERVER), 'python');
  const child = spawn(
    python,
    [path.join(ROOT, 'scripts/moto-server.py'), '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  try {
    await waitUntilUp(url, child, () => output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Point the AWS SDK of this process at the emulator, in a fresh AWS account of its own
 * (moto ties the keys returned by AssumeRole to the role's account, whose state starts empty).
 * Returns the account id.
 */
export async function useEmulatorAccount(url: string, accountId?: string): Promise<string> {
  process.env.AWS_ENDPOINT_URL = url;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'AKIAEMULATORBOOTSTRAP';
  process.env.AWS_SECRET_ACCESS_KEY = 'emulator-bootstrap-secret';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const account = accountId ?? String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
  const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ region: 'us-east-1' });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/evidence-emulator`,
      RoleSessionName: 'evidence',
    }),
  );
  sts.destroy();
  process.env.AWS_ACCESS_KEY_ID = out.Credentials!.AccessKeyId!;
  process.env.AWS_SECRET_ACCESS_KEY = out.Credentials!.SecretAccessKey!;
  process.env.AWS_SESSION_TOKEN = out.Credentials!.SessionToken!;
  return account;
}
