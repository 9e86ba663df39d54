/** `verify --json` is written piece by piece (writeJson): the same bytes as the whole document at once. */
import { describe, expect, it } from 'vitest';
import { json, writeJson } from '../../shared/cli/output.js';

describe('writeJson', () => {
  const doc = {
    schema: 'evidence.verify/2',
    ok: false,
    series: [
      {
        collector: 'iam',
        scope: 'aws-111111111111',
        missing: ['2026-05-01'],
        days: [{ from: 'a', to: 'b' }],
      },
      { collector: 'okta', scope: 'okta-example', missing: [], nested: { deep: [1, 2, { x: 'y\n"z"' }] } },
    ],
    integrity: [],
    empty: {},
    nothing: null,
    skipped: undefined,
    notes: ['a "quoted"\u001b note'],
    stats: { requests: 3 },
  };

  it('writes exactly what json() would, streaming the named arrays element by element', () => {
    const pieces: string[] = [];
    writeJson((t) => pieces.push(t), doc, ['series', 'integrity']);
    expect(pieces.join('')).toBe(json(doc));
    // Each series element was its own write: no piece holds two of them.
    expect(pieces.filter((p) => p.includes('"collector"')).length).toBe(2);
    expect(JSON.parse(pieces.join(''))).toEqual(JSON.parse(json(doc)));
  });

  it('an empty object, and a document without streamed arrays', () => {
    const out: string[] = [];
    writeJson((t) => out.push(t), {});
    expect(out.join('')).toBe(json({}));
    const plain: string[] = [];
    writeJson((t) => plain.push(t), { a: [1, 2], b: 'c' });
    expect(plain.join('')).toBe(json({ a: [1, 2], b: 'c' }));
  });
});
