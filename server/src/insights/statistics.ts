/** What a rollup keeps of numeric values: how many calls, how many with a value, their sum and sum of squares. */
export type ValueSums = { count: number; valueCount: number; sum: number; sumSquares: number };

/**
 * Mean of the values (when there is at least one) and their sample variance (n - 1 in the
 * denominator, when there are at least two), from the sums alone. Rounding can make
 * sumSquares - sum²/n a hair below zero for identical values: the variance is never negative.
 */
export function describeValues(sums: ValueSums): ValueSums & { mean?: number; variance?: number } {
  const n = sums.valueCount;
  if (n === 0) return { ...sums };
  const mean = sums.sum / n;
  if (n === 1) return { ...sums, mean };
  const variance = Math.max(0, (sums.sumSquares - (sums.sum * sums.sum) / n) / (n - 1));
  return { ...sums, mean, variance };
}

export const addSums = (a: ValueSums, b: ValueSums): ValueSums => ({
  count: a.count + b.count,
  valueCount: a.valueCount + b.valueCount,
  sum: a.sum + b.sum,
  sumSquares: a.sumSquares + b.sumSquares,
});

export const NO_VALUES: ValueSums = Object.freeze({ count: 0, valueCount: 0, sum: 0, sumSquares: 0 });
