/**
 * The CLI's one exit path for errors: each error class maps to an exit code (README.md, "Commands"):
 * 2 bad usage or bad config; 3 source or store unreachable; anything unexpected is 3 too
 * (the command could not do its job), with its message.
 */
import { CommanderError } from 'commander';
import { optionalEnv } from '../env.js';
import {
  ConfigError,
  CorruptEvidenceError,
  LockerUnavailableError,
  SourceUnavailableError,
  UsageError,
} from '../errors.js';
import { redact } from '../secrets.js';
import { json, type Streams } from './output.js';

export const EXIT = { ok: 0, problems: 1, usage: 2, unavailable: 3 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT.usage;
  if (err instanceof LockerUnavailableError || err instanceof SourceUnavailableError) return EXIT.unavailable;
  if (err instanceof CorruptEvidenceError) return EXIT.problems;
  return EXIT.unavailable;
}

export function handleError(err: unknown, streams: Streams, asJson: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
      ? EXIT.ok
      : EXIT.usage;
  }
  const code = exitCodeFor(err);
  const name = err instanceof Error ? err.name : 'Error';
  const message = redact(err instanceof Error ? err.message : String(err));
  const known = [
    UsageError,
    ConfigError,
    LockerUnavailableError,
    SourceUnavailableError,
    CorruptEvidenceError,
  ].some((cls) => err instanceof cls);
  streams.stderr(`evidence: ${known ? '' : `unexpected ${name}: `}${message}\n`);
  if (!known && optionalEnv('EVIDENCE_DEBUG') && err instanceof Error && err.stack)
    streams.stderr(`${redact(err.stack)}\n`);
  if (asJson) streams.stdout(json({ error: { name, message, exitCode: code } }));
  return code;
}
