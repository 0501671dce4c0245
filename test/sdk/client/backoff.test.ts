import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../sdk/src/client/backoff.ts';

describe('Backoff', () => {
  it('doubles its ceiling from 250 ms up to 30 s and draws each delay uniformly below it (full jitter)', () => {
    const ceilings: number[] = [];
    const b = new Backoff(250, 30_000, () => 0.999999);
    for (let i = 0; i < 10; i++) {
      ceilings.push(b.ceilingMs);
      expect(b.next()).toBe(Math.floor(0.999999 * ceilings[i]!));
    }
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(new Backoff(250, 30_000, () => 0).next()).toBe(0);
  });

  it('spreads delays across the whole range, and starts over after reset()', () => {
    const b = new Backoff(1000, 1000);
    const delays = Array.from({ length: 2000 }, () => b.next());
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(900);
    expect(delays.every((d) => d >= 0 && d < 1000)).toBe(true);

    const c = new Backoff(250, 30_000);
    for (let i = 0; i < 20; i++) c.next();
    expect(c.ceilingMs).toBe(30_000);
    c.reset();
    expect(c.ceilingMs).toBe(250);
  });
});
