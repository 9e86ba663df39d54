import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson, sha256Hex } from '../../shared/evidence/canonical.js';

describe('canonical JSON', () => {
  it('gives the same bytes and hash whatever the key order', () => {
    const a = { b: 1, a: { y: [1, { q: 'x', p: null }], x: true }, c: 'é' };
    const b = { c: 'é', a: { x: true, y: [1, { p: null, q: 'x' }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(sha256Hex(canonicalBytes(a))).toBe(sha256Hex(canonicalBytes(b)));
  });

  it('sorts keys, has no white space, and is UTF-8', () => {
    const text = canonicalJson({ z: 'naïve', a: [1, 2], m: { k: 'v' } });
    expect(text).toBe('{"a":[1,2],"m":{"k":"v"},"z":"naïve"}');
    expect(canonicalBytes({ z: 'ï' }).equals(Buffer.from('{"z":"ï"}', 'utf8'))).toBe(true);
  });

  it('drops undefined properties and refuses values JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });

  it('hashes exactly the bytes', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
