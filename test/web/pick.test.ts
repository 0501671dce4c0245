import { describe, expect, it } from 'vitest';
import { pick } from '../../web/src/pick.ts';

describe('pick: a flag value, or the default when the value is missing or of another type', () => {
  it('serves a value of the default’s type', () => {
    expect(pick(true, false)).toBe(true);
    expect(pick('blue', 'green')).toBe('blue');
    expect(pick(3, 0)).toBe(3);
    expect(pick({ layout: 'new' }, {})).toEqual({ layout: 'new' });
    expect(pick([1, 2], [])).toEqual([1, 2]);
  });

  it('serves the default for a missing flag or another type (arrays and objects told apart)', () => {
    expect(pick(undefined, false)).toBe(false);
    expect(pick('true', false)).toBe(false);
    expect(pick(1, true)).toBe(true);
    expect(pick([1], {})).toEqual({});
    expect(pick({}, [])).toEqual([]);
    expect(pick(null, 'fallback')).toBe('fallback');
  });

  it('serves any value for a null or undefined default', () => {
    expect(pick('anything', null)).toBe('anything');
    expect(pick({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(pick(null, null)).toBe(null);
  });
});
