/**
 * Runs before each test file (the first of vitest's setupFiles): every temporary directory the
 * file makes goes under one directory of its own, removed when the file ends, so a test run
 * leaves nothing in the system's temporary directory.
 *
 * TMPDIR (which `os.tmpdir()` reads on every call) points there for the file's process and the
 * processes it starts, so this covers what the tests make themselves (`mkdtemp(path.join(tmpdir(),
 * …))`, whether or not they remove it), what the code under test makes (CDK's `cdk.out*`, the
 * configuration layer's directory, the spill directories of sample, export and verify), the
 * default signing key's config directory (emulator-env.ts) and the CLI processes a test runs.
 * Nothing a test proves depends on where the system keeps temporary files. The removal runs
 * after the file's own afterAll hooks (vitest runs after-hooks in reverse order, these first
 * registered).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const root = mkdtempSync(path.join(tmpdir(), 'evidence-test-'));
process.env.TMPDIR = root;

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
