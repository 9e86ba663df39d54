/**
 * Test runs leave nothing in the system's temporary directory (test/helpers/temp-dirs.ts): each
 * file's temporary directories, its own, the code's and its child processes', are under one
 * directory of the file's, removed when the file ends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('temporary directories of a test file', () => {
  it("are under the file's own directory, in this process and in the processes it starts", () => {
    const root = tmpdir();
    expect(path.basename(root)).toMatch(/^evidence-test-[A-Za-z0-9]{6}$/);
    expect(existsSync(root)).toBe(true);
    const made = mkdtempSync(path.join(tmpdir(), 'temp-dirs-'));
    expect(path.dirname(made)).toBe(root);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], {
      encoding: 'utf8',
    });
    expect(child.stdout).toBe(root);
    // The signing key's default directory (emulator-env.ts) too.
    expect(path.dirname(process.env.XDG_CONFIG_HOME!)).toBe(root);
  });
});
