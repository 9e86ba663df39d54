/**
 * The CLI's output layer: the only place that writes to stdout/stderr. With --json,
 * stdout carries exactly one JSON document; messages go to stderr. Everything written goes
 * through `terminalStreams` (main.ts): no control character from a locker key or a vendor's
 * text reaches the terminal raw.
 */
import { terminalText } from '../text/escape.js';

export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress is shown only then. */
  interactive: boolean;
  /** The progress line's own control sequence, written as it is (terminalStreams sets it). */
  control?: (sequence: string) => void;
}

/**
 * The streams every command writes to: stdout and stderr with each control character escaped
 * (terminalText; LF and TAB kept), and `control` for the one sequence the CLI writes itself.
 */
export function terminalStreams(raw: Streams): Streams {
  return {
    stdout: (t) => raw.stdout(terminalText(t)),
    stderr: (t) => raw.stderr(terminalText(t)),
    interactive: raw.interactive,
    control: raw.stderr,
  };
}

export const processStreams: Streams = {
  // Once the reader is gone (`evidence … | head`), the rest of the output goes nowhere.
  stdout: (t) => {
    if (!process.stdout.destroyed) process.stdout.write(t);
  },
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};

/**
 * `evidence … | head`: the reader closing stdout early is no failure. The command runs to its
 * end (a seal or collection is never cut short by it) and its output goes nowhere; any other
 * error on stdout still ends the process as before.
 */
export function ignoreClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

/** A plain-text table with left-aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n')}\n`;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The same text as `json(value)` for an object, written piece by piece (text/json.ts). */
export { writeJson } from '../text/json.js';

/** One-line progress on a terminal ("\r" rewrites it); nothing when not interactive. */
export function progress(streams: Streams, text: string, final = false): void {
  if (!streams.interactive) return;
  streams.control?.('\r\x1b[2K');
  streams.stderr(`${text}${final ? '\n' : ''}`);
}
