import { describe, expect, it } from 'vitest';
import { sameValue } from '../../web/src/equal.ts';

describe('sameValue: deep equality of JSON flag values', () => {
  it('compares primitives, arrays and objects by content, whatever the key order', () => {
    expect(sameValue(true, true)).toBe(true);
    expect(sameValue({ a: [1, { b: 'x' }], c: null }, { c: null, a: [1, { b: 'x' }] })).toBe(true);
    expect(sameValue([1, 2], [1, 2])).toBe(true);
  });

  it('tells different values apart', () => {
    expect(sameValue(true, false)).toBe(false);
    expect(sameValue(1, '1')).toBe(false);
    expect(sameValue({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameValue({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue([1], { 0: 1 })).toBe(false);
    expect(sameValue(null, {})).toBe(false);
    expect(sameValue(undefined, false)).toBe(false);
  });
});
