import { describe, expect, it } from 'vitest';
import {
  base64ToHex,
  canonicalBytes,
  canonicalJson,
  hexToBase64,
  sha256Base64,
  sha256Hex,
} from '../../shared/evidence/canonical.js';

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

// What a mutant of canonical.ts changed without a test failing (docs/threat-model.md,
// "Mutation testing": the evidence primitives). A changed byte is a changed SHA-256.
describe('canonical JSON: every kind of value, byte for byte', () => {
  it('writes null, true, false, a Date and an array hole', () => {
    expect(canonicalJson({ n: null, t: true, f: false })).toBe('{"f":false,"n":null,"t":true}');
    expect(canonicalJson([null, false, true])).toBe('[null,false,true]');
    expect(canonicalJson({ at: new Date('2026-04-20T00:05:12.345Z') })).toBe(
      '{"at":"2026-04-20T00:05:12.345Z"}',
    );
    expect(canonicalJson([1, undefined, 'x'])).toBe('[1,null,"x"]');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('sorts keys by UTF-16 code units, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, '\u{1F600}': 4, '\uFFFD': 5, '10': 6, '9': 7 })).toBe(
      '{"10":6,"9":7,"B":2,"b":1,"é":3,"\u{1F600}":4,"\uFFFD":5}',
    );
  });

  it('names where a value JSON cannot hold is, through arrays and objects', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.POSITIVE_INFINITY }] })).toThrow(
      'canonical JSON: $.a[1].b is Infinity, not a finite number',
    );
    expect(() => canonicalJson([0, 1n])).toThrow('canonical JSON: $[1] is a bigint, which JSON cannot hold');
  });

  it('the hash forms: base64 for S3, hex for digests, and back', () => {
    expect(sha256Base64('')).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(sha256Base64(Buffer.from('{"z":"ï"}', 'utf8'))).toBe(hexToBase64(sha256Hex('{"z":"ï"}')));
    expect(hexToBase64('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toBe(
      '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    );
    expect(base64ToHex('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(canonicalBytes({ z: 'ï' }).toString('hex')).toBe(Buffer.from('{"z":"ï"}', 'utf8').toString('hex'));
  });
});
