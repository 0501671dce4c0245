/**
 * Statistical and structural properties of bucketing, over 100,000 context keys (fast-check with
 * fixed seeds, so the suite is deterministic).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, evaluate, prepareSnapshot, type Rollout } from '../../../sdk/src/index.ts';
import { flag, snapshot } from './helpers.ts';

const N = 100_000;
const KEYS: string[] = fc.sample(fc.uuid(), { numRuns: N, seed: 20240601 });

function rolloutFlag(key: string, rollout: Rollout, variations: number) {
  return flag(key, {
    kind: 'number',
    variations: Array.from({ length: variations }, (_, i) => i),
    offVariation: 0,
    fallthrough: { rollout },
  });
}

/** Weights (thousandths of a percent) summing to 100000, for 2..5 variations. */
const weightsArb = fc
  .array(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 5 })
  .filter((xs) => xs.some((x) => x > 0))
  .map((xs) => {
    const total = xs.reduce((a, b) => a + b, 0);
    const ws = xs.map((x) => Math.floor((x * 100000) / total));
    ws[0]! += 100000 - ws.reduce((a, b) => a + b, 0);
    return ws;
  });

describe('bucketing properties (100,000 keys)', () => {
  it('is deterministic across processes', () => {
    const keys = KEYS.slice(0, 2000);
    const here = keys.map((k) => bucket('cross-process', 'salt', k));
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/bucket-child.ts', import.meta.url))], {
      input: JSON.stringify({ flagKey: 'cross-process', salt: 'salt', keys }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(here);
  }, 40_000);

  it("each variation's share is within 0.5 points of its weight", () => {
    fc.assert(
      fc.property(weightsArb, fc.string({ minLength: 1, maxLength: 12 }), (weights, salt) => {
        const rollout: Rollout = { variations: weights.map((weight, variation) => ({ variation, weight })) };
        const snap = prepareSnapshot(snapshot([{ ...rolloutFlag('share', rollout, weights.length), salt }]));
        const counts = new Array<number>(weights.length).fill(0);
        for (const key of KEYS) counts[evaluate(snap, 'share', { key }, -1).variationIndex!]!++;
        for (const [i, c] of counts.entries()) expect(Math.abs((c / N) * 100 - weights[i]! / 1000)).toBeLessThan(0.5);
      }),
      { numRuns: 6, seed: 7 },
    );
  });

  it('raising a 2-variation rollout keeps every context that had the smaller side', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100000 }), fc.integer({ min: 0, max: 100000 }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const at = (w: number) =>
          prepareSnapshot(
            snapshot([
              rolloutFlag(
                'grow',
                {
                  variations: [
                    { variation: 1, weight: w },
                    { variation: 0, weight: 100000 - w },
                  ],
                },
                2,
              ),
            ]),
          );
        const before = at(low);
        const after = at(high);
        for (const key of KEYS) {
          if (evaluate(before, 'grow', { key }, -1).value === 1) expect(evaluate(after, 'grow', { key }, -1).value).toBe(1);
        }
      }),
      { numRuns: 3, seed: 11, examples: [[10000, 20000]] },
    );
  });

  it('two flags at 50% agree for about half of the contexts (within 1 point of 50%)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })).filter(([x, y]) => x !== y),
        ([k1, k2]) => {
          const half: Rollout = {
            variations: [
              { variation: 0, weight: 50000 },
              { variation: 1, weight: 50000 },
            ],
          };
          const snap = prepareSnapshot(snapshot([rolloutFlag(k1, half, 2), rolloutFlag(k2, half, 2)]));
          let agree = 0;
          for (const key of KEYS) if (evaluate(snap, k1, { key }, -1).value === evaluate(snap, k2, { key }, -1).value) agree++;
          expect(Math.abs((agree / N) * 100 - 50)).toBeLessThan(1);
        },
      ),
      { numRuns: 3, seed: 13 },
    );
  });

  it('every bucket is in [0, 1)', () => {
    const outside = KEYS.filter((key) => {
      const b = bucket('range', 'salt', key);
      return !(b >= 0 && b < 1);
    });
    expect(outside).toEqual([]);
  });
});
