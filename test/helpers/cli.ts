/** Run the CLI in-process with captured output. */

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
