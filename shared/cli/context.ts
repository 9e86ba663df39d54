/** What every command gets: the global options resolved, and the edges (clock, streams, logger). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Clock } from '../clock.js';
import { COLLECTORS } from '../collectors/registry.js';
import { type Config, configPath, configSourceBytes, loadConfig } from '../config.js';
import { optionalEnv } from '../env.js';
import { UsageError } from '../errors.js';
import { lastCompleteDay } from '../evidence/days.js';
import { idProblem } from '../evidence/ids.js';
import {
  describeConfiguration,
  type RecordedConfiguration,
  recordConfiguration,
} from '../evidence/records.js';
import { DEFAULT_STORE, openLocker } from '../locker/index.js';
import type { Locker } from '../locker/types.js';
import type { Logger } from '../log.js';
import type { Streams } from './output.js';

export interface CliEnvironment {
  streams: Streams;
  clock: Clock;
  logger: Logger;
}

export interface GlobalOptions {
  store: string;
  config?: string;
  json: boolean;
}

export class CliContext {
  private config?: Config;
  private locker?: Locker;

  constructor(
    readonly options: GlobalOptions,
    readonly env: CliEnvironment,
  ) {}

  get json(): boolean {
    return this.options.json;
  }

  get clock(): Clock {
    return this.env.clock;
  }

  get logger(): Logger {
    return this.env.logger;
  }

  loadConfig(): Config {
    this.config ??= loadConfig(this.options.config, COLLECTORS);
    return this.config;
  }

  /** The configuration file in force (absolute); undefined when the configuration came inline (EVIDENCE_CONFIG_JSON). */
  configFile(): string | undefined {
    if (this.options.config === undefined && optionalEnv('EVIDENCE_CONFIG_JSON') !== undefined)
      return undefined;
    return configPath(this.options.config);
  }

  /**
   * Store the configuration in force in the locker (configs/<sha256>.json, once) and return what
   * a digest or a verify report records of it: the SHA-256 of its canonical effective form and
   * of the bytes it was read from.
   */
  async recordConfiguration(locker: Locker): Promise<RecordedConfiguration> {
    const config = this.loadConfig();
    return recordConfiguration(locker, config, {
      at: this.clock.now(),
      retentionDays: config.locker.retentionDays,
      fileBytes: configSourceBytes(this.options.config),
    });
  }

  /** The configuration in force as recordConfiguration would store it, without writing it (read-only commands). */
  describeConfiguration(): ReturnType<typeof describeConfiguration> {
    return describeConfiguration(this.loadConfig(), configSourceBytes(this.options.config));
  }

  /**
   * The locker of --store. `create`: the command writes evidence and may create a directory
   * locker that is not there yet (it says so on stderr); reading commands never create one.
   */
  openLocker(options: { create?: boolean } = {}): Locker {
    if (!this.locker) {
      const create = options.create === true;
      const fresh =
        create && !this.options.store.startsWith('s3://') && !existsSync(path.resolve(this.options.store));
      this.locker = openLocker(this.options.store, { create });
      if (fresh) this.note(`creating a new directory locker at ${this.locker.url}\n`);
    }
    return this.locker;
  }

  /** Write to stdout: the command's result. */
  out(text: string): void {
    this.env.streams.stdout(text);
  }

  /** Write to stderr: messages for a person. */
  note(text: string): void {
    this.env.streams.stderr(text);
  }
}

export function globalOptions(command: Command): GlobalOptions {
  const o = command.optsWithGlobals() as { store?: string; config?: string; json?: boolean };
  return { store: o.store ?? DEFAULT_STORE, config: o.config, json: Boolean(o.json) };
}

/** Parse a --day/--from/--to value, naming the option in the error. */
export function parseDayOption(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = idProblem('day', value);
  if (problem) throw new UsageError(`${option} ${JSON.stringify(value)}: ${problem}`);
  return value;
}

/**
 * Collect a repeatable --fingerprint HEX (the SHA-256 of a public key's DER, as openssl prints
 * it), lower-cased; anything but 64 hex digits is a usage error naming the value and how to get one.
 */
export function fingerprintOption(value: string, previous: string[] = []): string[] {
  const fp = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(fp))
    throw new UsageError(
      `--fingerprint ${JSON.stringify(value)}: expected 64 hex digits (openssl pkey -pubin -in KEY.pem -outform DER | sha256sum)`,
    );
  return [...previous, fp];
}

/**
 * The window of --from / --to: from defaults to auditPeriod.start, to to the last complete day
 * (yesterday UTC, or auditPeriod.end when earlier). `checkOrder: false` leaves the empty-window
 * check to the caller (verify explains an audit period that has not had a complete day yet).
 */
export function windowOptions(
  options: { from?: unknown; to?: unknown },
  config: Config,
  now: Date,
  { checkOrder = true }: { checkOrder?: boolean } = {},
): { from: string; to: string } {
  const from = parseDayOption('--from', options.from as string | undefined) ?? config.auditPeriod.start;
  const to =
    parseDayOption('--to', options.to as string | undefined) ?? lastCompleteDay(now, config.auditPeriod.end);
  if (checkOrder && from > to)
    throw new UsageError(`--from ${from} is after --to ${to}: the window is empty`);
  return { from, to };
}
