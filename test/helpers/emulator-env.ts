/**
 * Runs before each test file: points the AWS SDK at the run's emulator, in a fresh AWS
 * account of the file's own (see useEmulatorAccount), so that no file sees another's
 * buckets, detectors or users: the per-file reset, without racing parallel files.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, inject } from 'vitest';
import { useEmulatorAccount } from '../../scripts/emulator.js';

process.env.AWS_ENDPOINT_URL = inject('awsEndpoint');
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The default signing key lives under the user's config directory: never the real one in tests.
process.env.XDG_CONFIG_HOME = mkdtempSync(path.join(tmpdir(), 'evidence-config-'));

beforeAll(async () => {
  process.env.EVIDENCE_TEST_ACCOUNT_ID = await useEmulatorAccount(inject('awsEndpoint'));
});
