/**
 * The commit the tool was built from, for the report and the run records that name what made
 * them. A Lambda bundle has it stamped at build time (esbuild `define` of __EVIDENCE_COMMIT__,
 * infra/constructs/evidence-function.ts), so nothing runs git there; from a checkout it is read
 * from the .git files themselves (HEAD, the ref, packed-refs; a worktree's `gitdir:` file), never
 * by running git. 'unknown' when neither is there (an npm install without .git).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

declare const __EVIDENCE_COMMIT__: string | undefined;

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const SHA_RE = /^[0-9a-f]{40}$/;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The commit HEAD names in the checkout at `root`, read from .git's files; undefined when there is none. */
export function readGitCommit(root: string = REPO_ROOT): string | undefined {
  const dotGit = path.join(root, '.git');
  if (!existsSync(dotGit)) return undefined;
  let gitDir = dotGit;
  if (statSync(dotGit).isFile()) {
    const m = /^gitdir: (.+)$/m.exec(read(dotGit) ?? '');
    if (!m) return undefined;
    gitDir = path.resolve(root, m[1]!);
  }
  // A worktree keeps HEAD in its own directory and refs in the common one.
  const common = read(path.join(gitDir, 'commondir'));
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  const head = read(path.join(gitDir, 'HEAD'));
  if (!head) return undefined;
  if (SHA_RE.test(head)) return head;
  const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  for (const dir of [gitDir, commonDir]) {
    const sha = read(path.join(dir, ...ref.split('/')));
    if (sha && SHA_RE.test(sha)) return sha;
  }
  for (const line of (read(path.join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha && SHA_RE.test(sha)) return sha;
  }
  return undefined;
}

let cached: string | undefined;

/** The tool's commit: stamped at build time, else read from the checkout, else 'unknown'. */
export function toolCommit(): string {
  if (typeof __EVIDENCE_COMMIT__ === 'string' && __EVIDENCE_COMMIT__) return __EVIDENCE_COMMIT__;
  cached ??= readGitCommit() ?? 'unknown';
  return cached;
}
