/**
 * `evidence <command>`: the CLI. Each command lives in commands/<name>.ts and is
 * registered in COMMANDS below. Every command gets --help, --store, --config and --json;
 * exit codes come from one place (handle-error.ts).
 */
import { Command, Option } from 'commander';
import { systemClock } from '../clock.js';
import { DEFAULT_STORE } from '../locker/index.js';
import { createStreamLogger } from '../log.js';
import { TOOL } from '../version.js';
import { acknowledgeCommand } from './commands/acknowledge.js';
import { collectCommand } from './commands/collect.js';
import { exportCommand } from './commands/export.js';
import { lsCommand } from './commands/ls.js';
import { policiesCommand } from './commands/policies.js';
import { remediationCommand } from './commands/remediation.js';
import { reportCommand } from './commands/report.js';
import { retireCommand } from './commands/retire.js';
import { REVIEW_COMMANDS } from './commands/review.js';
import { sampleCommand } from './commands/sample.js';
import { sealCommand } from './commands/seal.js';
import { verifyCommand } from './commands/verify.js';
import { verifyExportCommand } from './commands/verify-export.js';
import { verifyReportCommand } from './commands/verify-report.js';
import { CliContext, type CliEnvironment, globalOptions } from './context.js';
import { EXIT, handleError } from './handle-error.js';
import { processStreams, terminalStreams } from './output.js';

/** A command: its definition, and an action that returns the exit code. */
export interface CommandSpec {
  define(program: Command): Command;
  run(ctx: CliContext, options: Record<string, unknown>, command: Command): Promise<number>;
}

const COMMANDS: readonly CommandSpec[] = [
  collectCommand,
  sealCommand,
  lsCommand,
  sampleCommand,
  verifyCommand,
  acknowledgeCommand,
  retireCommand,
  exportCommand,
  verifyExportCommand,
  reportCommand,
  verifyReportCommand,
  remediationCommand,
  policiesCommand,
  ...REVIEW_COMMANDS,
];

export function buildProgram(env: CliEnvironment, onExit: (code: number) => void): Command {
  const program = new Command('evidence')
    .description('Evidence Locker: write-once SOC 2 Type II evidence, collected daily, proven complete.')
    .version(TOOL.version)
    .addOption(
      new Option('--store <url>', 'the locker: s3://bucket[/prefix] or a directory')
        .default(DEFAULT_STORE)
        .env('EVIDENCE_STORE'),
    )
    .option('--config <path>', 'configuration file (default: $EVIDENCE_CONFIG or ./evidence.config.json)')
    .option('--json', 'print one JSON document on stdout and nothing else', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: env.streams.stdout, writeErr: env.streams.stderr });

  for (const spec of COMMANDS) {
    const command = spec.define(program);
    command
      .configureHelp({ showGlobalOptions: true })
      .showHelpAfterError('(run with --help for usage)')
      .exitOverride()
      .configureOutput({ writeOut: env.streams.stdout, writeErr: env.streams.stderr });
    // Commander passes the positional arguments first, then the options and the command.
    command.action(async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      const options = args.at(-2) as Record<string, unknown>;
      const ctx = new CliContext(globalOptions(cmd), env);
      try {
        onExit(await spec.run(ctx, options, cmd));
      } catch (err) {
        onExit(handleError(err, env.streams, ctx.json));
      }
    });
  }
  return program;
}

/** Run the CLI with these arguments (without "node evidence"); resolves to the exit code. */
export async function main(argv: readonly string[], env?: Partial<CliEnvironment>): Promise<number> {
  const streams = terminalStreams(env?.streams ?? processStreams);
  const full: CliEnvironment = {
    streams,
    clock: env?.clock ?? systemClock,
    logger: env?.logger ?? createStreamLogger(),
  };
  let code: number = EXIT.ok;
  const program = buildProgram(full, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    return handleError(err, streams, argv.includes('--json'));
  }
  return code;
}
