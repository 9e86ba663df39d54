/**
 * JSON written piece by piece: the same text as `JSON.stringify(value, null, space)` plus a newline,
 * with each element of the named arrays (or any iterable, read once) written on its own, so
 * that no string of the whole document is ever built (a verify report of 36,000 series, a
 * sample of a million days, are tens to hundreds of MB of JSON).
 */
export function writeJson(
  write: (text: string) => void,
  value: Record<string, unknown>,
  streamed: readonly string[] = [],
  /** Spaces per level, as JSON.stringify's third argument. */
  space = 2,
): void {
  const one = ' '.repeat(space);
  const two = one + one;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    write('{}\n');
    return;
  }
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  write('{\n');
  entries.forEach(([key, v], i) => {
    write(`${one}${JSON.stringify(key)}: `);
    if (streamed.includes(key) && isIterable(v)) {
      let n = 0;
      for (const item of v)
        write(
          `${n++ === 0 ? '[\n' : ',\n'}${two}${indent(JSON.stringify(item, null, space) ?? 'null', two)}`,
        );
      write(n === 0 ? '[]' : `\n${one}]`);
    } else write(indent(JSON.stringify(v, null, space), one));
    write(i < entries.length - 1 ? ',\n' : '\n');
  });
  write('}\n');
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}
