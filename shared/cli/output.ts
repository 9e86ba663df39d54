/**
 * The CLI's output layer: the only place that writes to stdout/stderr. With --json,
 * stdout carries exactly one JSON document; messages go to stderr.
 */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress is shown only then. */
  interactive: boolean;
}

export const processStreams: Streams = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};

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

/** One-line progress on a terminal ("\r" rewrites it); nothing when not interactive. */
export function progress(streams: Streams, text: string, final = false): void {
  if (!streams.interactive) return;
  streams.stderr(`\r\x1b[2K${text}${final ? '\n' : ''}`);
}
