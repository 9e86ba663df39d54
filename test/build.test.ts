/**
 * The tool's commit without running git: read from .git's files (a plain checkout, a packed
 * ref, a worktree's `gitdir:` file, a detached HEAD), and stamped into every Lambda bundle at
 * build time (esbuild define), so nothing in Lambda needs git.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceBundling } from '../infra/constructs/evidence-function.js';
import { readGitCommit, toolCommit } from '../shared/build.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'git-files-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

describe('readGitCommit', () => {
  it('follows HEAD to a loose ref, then to packed-refs', async () => {
    const loose = await tree({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n` });
    expect(readGitCommit(loose)).toBe(A);
    const packed = await tree({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/packed-refs': `# pack-refs with: peeled\n${B} refs/heads/other\n${A} refs/heads/main\n`,
    });
    expect(readGitCommit(packed)).toBe(A);
  });

  it("reads a worktree's HEAD through its gitdir file and the common directory's refs", async () => {
    const root = await tree({
      'main/.git/refs/heads/rep': `${B}\n`,
      'main/.git/worktrees/rep/HEAD': 'ref: refs/heads/rep\n',
      'main/.git/worktrees/rep/commondir': '../..\n',
      'rep/.git': 'gitdir: ../main/.git/worktrees/rep\n',
    });
    expect(readGitCommit(path.join(root, 'rep'))).toBe(B);
  });

  it('a detached HEAD is the commit; no .git, or a HEAD naming nothing, is undefined', async () => {
    expect(readGitCommit(await tree({ '.git/HEAD': `${A}\n` }))).toBe(A);
    expect(readGitCommit(await tree({ 'x.txt': '' }))).toBeUndefined();
    expect(readGitCommit(await tree({ '.git/HEAD': 'ref: refs/heads/gone\n' }))).toBeUndefined();
  });

  it('this checkout: the same commit the tool reports, stamped into every Lambda bundle', () => {
    const commit = readGitCommit();
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(toolCommit()).toBe(commit);
    expect(evidenceBundling().define).toMatchObject({ __EVIDENCE_COMMIT__: JSON.stringify(commit) });
    expect(evidenceBundling({ id: 'iam', source: 'aws' }).define).toMatchObject({
      __EVIDENCE_COMMIT__: JSON.stringify(commit),
      'process.env.EVIDENCE_COLLECTOR': '"iam"',
    });
  });
});
