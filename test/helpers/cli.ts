/** Run the CLI in-process with captured output. */

import { writeFile } from 'node:fs/promises';
import { main } from '../../shared/cli/main.js';
import { type Clock, fixedClock } from '../../shared/clock.js';
import { createStreamLogger } from '../../shared/log.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], options: { clock?: Clock | string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const clock =
    typeof options.clock === 'string' ? fixedClock(options.clock) : (options.clock ?? fixedClock(new Date()));
  const code = await main(argv, {
    streams: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), interactive: false },
    clock,
    logger: createStreamLogger({ level: 'info', write: (line) => (stderr += line) }),
  });
  return { code, stdout, stderr };
}

/**
 * Writes the configuration most CLI tests run under (the GitHub org `acme`, audit period from
 * 2026-02-01), with `overrides` replacing or adding top-level sections; returns the file.
 */
export async function writeAcmeConfig(
  file: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  await writeFile(
    file,
    JSON.stringify({
      locker: { retentionDays: 730 },
      github: { org: 'acme' },
      auditPeriod: { start: '2026-02-01' },
      ...overrides,
    }),
  );
  return file;
}
