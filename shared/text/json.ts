/**
 * JSON written piece by piece: the same text as `JSON.stringify(value, null, 2)` plus a newline,
 * with each element of the named arrays (or any iterable, read once) written on its own, so
 * that no string of the whole document is ever built (a verify report of 36,000 series, a
 * sample of a million days, are tens to hundreds of MB of JSON).
 */
export function writeJson(
  write: (text: string) => void,
  value: Record<string, unknown>,
  streamed: readonly string[] = [],
): void {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    write('{}\n');
    return;
  }
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  write('{\n');
  entries.forEach(([key, v], i) => {
    write(`  ${JSON.stringify(key)}: `);
    if (streamed.includes(key) && isIterable(v)) {
      let n = 0;
      for (const item of v)
        write(`${n++ === 0 ? '[\n' : ',\n'}    ${indent(JSON.stringify(item, null, 2) ?? 'null', '    ')}`);
      write(n === 0 ? '[]' : '\n  ]');
    } else write(indent(JSON.stringify(v, null, 2), '  '));
    write(i < entries.length - 1 ? ',\n' : '\n');
  });
  write('}\n');
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}
