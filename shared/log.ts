/**
 * One structured logger interface: keys, not sentences. In Lambda the handlers pass a
 * Powertools Logger; the CLI uses a JSON-lines logger on stderr so that stdout stays
 * clean for --json. Every line passes through the secret redactor.
 */
import { optionalEnv } from './env.js';
import { redact, redactDeep } from './secrets.js';
import { terminalText } from './text/escape.js';

export type LogExtra = Record<string, unknown>;

export interface Logger {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON lines on a writable stream (stderr by default), redacted. */
export function createStreamLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: LogExtra } = {},
): Logger {
  // Default: errors only. The CLI reports outcomes itself (tables, notes); set EVIDENCE_LOG_LEVEL=info
  // (or debug) for the structured log of every request batch and retry.
  const level = options.level ?? (optionalEnv('EVIDENCE_LOG_LEVEL') as LogLevel | undefined) ?? 'error';
  const threshold = LEVELS[level] ?? LEVELS.error;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, extra?: LogExtra) => {
    if (LEVELS[lvl] < threshold) return;
    const record = { level: lvl, time: new Date().toISOString(), message, ...options.fields, ...extra };
    // terminalText: still the same JSON, with no control character a terminal would act on.
    write(`${terminalText(redact(JSON.stringify(record, errorReplacer)))}\n`);
  };
  return {
    debug: (m, e) => emit('debug', m, e),
    info: (m, e) => emit('info', m, e),
    warn: (m, e) => emit('warn', m, e),
    error: (m, e) => emit('error', m, e),
  };
}

/** Wrap any logger with the same methods (e.g. Powertools Logger) so its extras are redacted. */
export function redactingLogger(inner: Logger): Logger {
  const wrap = (fn: (m: string, e?: LogExtra) => void) => (m: string, e?: LogExtra) =>
    fn(
      redact(m),
      e === undefined ? undefined : redactDeep(JSON.parse(JSON.stringify(e, errorReplacer)) as LogExtra),
    );
  return {
    debug: wrap(inner.debug.bind(inner)),
    info: wrap(inner.info.bind(inner)),
    warn: wrap(inner.warn.bind(inner)),
    error: wrap(inner.error.bind(inner)),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
