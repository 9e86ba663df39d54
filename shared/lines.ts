/**
 * Line files for commands that spill what they draw at organization size (sample, export):
 * written in batches, read back line by line, merged in order. Synchronous, so that nothing is
 * buffered ahead of the disk; a line never holds a newline (JSON and TSV lines).
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';

const CHUNK = 1 << 16;

/** Lines appended to a file in batches of about 64 KB. */
export class LineWriter {
  private pending: string[] = [];
  private size = 0;
  lines = 0;
  constructor(readonly file: string) {
    appendFileSync(file, '');
  }
  write(line: string): void {
    this.pending.push(line, '\n');
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.pending.length === 0) return;
    appendFileSync(this.file, this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
}

/** The lines of a file, read 64 KB at a time (UTF-8, split on the newline byte). */
export function* readLines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let rest: Buffer = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      let chunk = Buffer.concat([rest, buffer.subarray(0, n)]);
      let at = chunk.indexOf(10);
      while (at >= 0) {
        yield chunk.subarray(0, at).toString('utf8');
        chunk = chunk.subarray(at + 1);
        at = chunk.indexOf(10);
      }
      rest = Buffer.from(chunk);
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Merge files whose lines are each in order (by `compare`) into one sequence in order: one line
 * of each file held at a time. Equal lines keep the order of the files.
 */
export function* mergeLines(
  files: readonly string[],
  compare: (a: string, b: string) => number,
): Generator<string> {
  const heads = files.map((f) => {
    const it = readLines(f);
    const first = it.next();
    return { it, line: first.done ? undefined : first.value };
  });
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) if (h.line !== undefined && (!best || compare(h.line, best.line!) < 0)) best = h;
    if (!best) return;
    yield best.line!;
    const next = best.it.next();
    best.line = next.done ? undefined : next.value;
  }
}

/** A new file (never over one), written piece by piece in chunks of about 64 KB. */
export function writeStream(file: string, body: (write: (text: string) => void) => void): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'wx', 0o644);
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      if (pending.length) writeSync(fd, pending.join(''));
      pending = [];
      size = 0;
    };
    body((text) => {
      pending.push(text);
      size += text.length;
      if (size >= CHUNK) flush();
    });
    flush();
  } finally {
    closeSync(fd);
  }
}
