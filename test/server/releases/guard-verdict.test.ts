/**
 * The guard's judgement of one metric and of a whole guard: when it waits, when it sees a regression,
 * how tolerances and directions set the threshold, and that odd input never throws or yields NaN.
 */
import { describe, expect, it } from 'vitest';
import {
  type ArmStatistics,
  DEFAULT_GUARD_ALPHA,
  type GuardMetric,
  judgeGuard,
  judgeMetric,
  type MetricVerdict,
  MINIMUM_VALUES_PER_VARIATION,
} from '../../../server/src/releases/guard-verdict.ts';

const errors: GuardMetric = {
  key: 'checkout-error',
  kind: 'binary',
  direction: 'lower-is-better',
  tolerance: { kind: 'absolute', value: 0 },
  minimumContexts: 200,
};
const conversion: GuardMetric = {
  key: 'checkout-completed',
  kind: 'binary',
  direction: 'higher-is-better',
  tolerance: { kind: 'absolute', value: 0.005 },
  minimumContexts: 200,
};
const latency: GuardMetric = {
  key: 'checkout-latency-ms',
  kind: 'numeric',
  direction: 'lower-is-better',
  tolerance: { kind: 'relative', value: 0.1 },
  minimumContexts: 200,
};

/** `contexts` exposed, `events` of them with the event (no values). */
const rates = (contexts: number, events: number): ArmStatistics => ({
  exposedContexts: contexts,
  contextsWithEvent: events,
  valueCount: 0,
  sum: 0,
  sumSquares: 0,
});

/** `contexts` exposed, each with one value; the values' mean and sample standard deviation. */
const values = (contexts: number, mean: number, sd: number): ArmStatistics => ({
  exposedContexts: contexts,
  contextsWithEvent: contexts,
  valueCount: contexts,
  sum: contexts * mean,
  sumSquares: (contexts - 1) * sd * sd + contexts * mean * mean,
});

function numbersOf(verdict: MetricVerdict): number[] {
  return [
    verdict.control.contexts,
    verdict.control.estimate,
    verdict.treatment.contexts,
    verdict.treatment.estimate,
    verdict.difference,
    verdict.threshold,
    ...(verdict.interval ?? []),
  ].filter((n): n is number => n !== null);
}

const expectNoNaN = (verdict: MetricVerdict) => {
  for (const n of numbersOf(verdict)) expect(Number.isNaN(n)).toBe(false);
};

describe('judgeMetric: waiting for data', () => {
  it('waits, without NaN, when neither variation has been exposed', () => {
    const verdict = judgeMetric(errors, rates(0, 0), rates(0, 0));
    expect(verdict).toEqual({
      metricKey: 'checkout-error',
      outcome: 'insufficient-data',
      control: { contexts: 0, estimate: null },
      treatment: { contexts: 0, estimate: null },
      difference: null,
      interval: null,
      threshold: 0,
      reason: 'waiting for 200 exposed contexts per variation (new: 0, old: 0)',
    });
  });

  it('waits while one variation is empty, showing the estimate of the other', () => {
    const verdict = judgeMetric(errors, rates(412, 4), rates(0, 0));
    expect(verdict.outcome).toBe('insufficient-data');
    expect(verdict.control).toEqual({ contexts: 412, estimate: 4 / 412 });
    expect(verdict.treatment).toEqual({ contexts: 0, estimate: null });
    expect(verdict.difference).toBeNull();
    expect(verdict.reason).toBe('waiting for 200 exposed contexts per variation (new: 0, old: 412)');
  });

  it('waits below minimumContexts on either variation, even with a glaring difference', () => {
    const verdict = judgeMetric(errors, rates(412, 0), rates(37, 30));
    expect(verdict.outcome).toBe('insufficient-data');
    expect(verdict.difference).toBeCloseTo(30 / 37, 15);
    expect(verdict.interval).toBeNull();
    expect(verdict.reason).toBe('waiting for 200 exposed contexts per variation (new: 37, old: 412)');
  });

  it(`waits for ${MINIMUM_VALUES_PER_VARIATION} values per variation of a numeric metric`, () => {
    const treatment = { ...values(MINIMUM_VALUES_PER_VARIATION - 1, 400, 50), exposedContexts: 300 };
    const verdict = judgeMetric(latency, values(500, 200, 50), treatment);
    expect(verdict.outcome).toBe('insufficient-data');
    expect(verdict.treatment.estimate).toBeCloseTo(400, 10);
    expect(verdict.reason).toBe(`waiting for ${MINIMUM_VALUES_PER_VARIATION} values per variation (new: 99, old: 500)`);
    expect(judgeMetric(latency, values(500, 200, 50), { ...values(100, 400, 50), exposedContexts: 300 }).outcome).toBe('regression');
  });

  it('waits for one context when minimumContexts is 0', () => {
    expect(judgeMetric({ ...errors, minimumContexts: 0 }, rates(0, 0), rates(0, 0)).reason).toBe(
      'waiting for 1 exposed contexts per variation (new: 0, old: 0)',
    );
    expect(judgeMetric({ ...errors, minimumContexts: 0 }, rates(1, 0), rates(1, 0)).outcome).toBe('no-regression');
  });
});

describe('judgeMetric: binary, lower is better', () => {
  it('sees no regression when neither variation has any event', () => {
    const verdict = judgeMetric(errors, rates(5000, 0), rates(500, 0));
    expect(verdict.outcome).toBe('no-regression');
    expect(verdict.difference).toBe(0);
    expect(verdict.control.estimate).toBe(0);
    const [low, high] = verdict.interval!;
    expect(low).toBeLessThan(0);
    expect(high).toBeGreaterThan(0);
    expect(high).toBeLessThan(0.05);
    expectNoNaN(verdict);
  });

  it('sees a regression when the interval lies above the tolerance', () => {
    const verdict = judgeMetric(errors, rates(20_000, 200), rates(2000, 60));
    expect(verdict.outcome).toBe('regression');
    expect(verdict.control.estimate).toBe(0.01);
    expect(verdict.treatment.estimate).toBe(0.03);
    expect(verdict.difference).toBeCloseTo(0.02, 15);
    expect(verdict.threshold).toBe(0);
    expect(verdict.interval![0]).toBeGreaterThan(0);
    expect(verdict.reason).toMatch(
      /^regression: new 3\.00 % vs old 1\.00 %, a difference of at least \+\d\.\d\d points \(always-valid 95 % interval/,
    );
  });

  it('does not call an increase a regression before the interval shows it', () => {
    // +0.5 points on 1,000 contexts: the estimate is worse, the evidence is not there yet.
    const verdict = judgeMetric(errors, rates(20_000, 200), rates(1000, 15));
    expect(verdict.outcome).toBe('no-regression');
    expect(verdict.difference).toBeGreaterThan(0);
    expect(verdict.interval![0]).toBeLessThan(0);
    expect(verdict.reason).toMatch(/^no regression shown: new 1\.50 % vs old 1\.00 %, a difference of \+0\.50 points/);
  });

  it('calls a regression only when the lower bound exceeds the tolerance, strictly', () => {
    const control = rates(20_000, 200);
    const treatment = rates(2000, 60);
    const lowerBound = judgeMetric(errors, control, treatment).interval![0];
    const withTolerance = (value: number) => judgeMetric({ ...errors, tolerance: { kind: 'absolute', value } }, control, treatment);
    expect(withTolerance(lowerBound).outcome).toBe('no-regression');
    expect(withTolerance(lowerBound).threshold).toBe(lowerBound);
    expect(withTolerance(lowerBound * (1 - 1e-9)).outcome).toBe('regression');
    expect(withTolerance(lowerBound).interval).toEqual(judgeMetric(errors, control, treatment).interval);
  });

  it('takes a relative tolerance as a share of the control rate', () => {
    const relative = { ...errors, tolerance: { kind: 'relative' as const, value: 0.5 } };
    const verdict = judgeMetric(relative, rates(20_000, 200), rates(4000, 48));
    expect(verdict.threshold).toBeCloseTo(0.005, 15);
    expect(verdict.outcome).toBe('no-regression');
    expect(judgeMetric(relative, rates(20_000, 200), rates(4000, 120)).outcome).toBe('regression');
  });
});

describe('judgeMetric: higher is better', () => {
  it('sees a regression when the upper bound lies below the negative tolerance', () => {
    const verdict = judgeMetric(conversion, rates(20_000, 2000), rates(3000, 210));
    expect(verdict.threshold).toBe(-0.005);
    expect(verdict.outcome).toBe('regression');
    expect(verdict.interval![1]).toBeLessThan(-0.005);
    expect(verdict.reason).toMatch(/^regression: new 7\.00 % vs old 10\.00 %, a difference of at most -\d\.\d\d points/);
  });

  it('sees none when the new variation does better, or only a little worse', () => {
    expect(judgeMetric(conversion, rates(20_000, 2000), rates(3000, 390)).outcome).toBe('no-regression');
    expect(judgeMetric(conversion, rates(20_000, 2000), rates(3000, 297)).outcome).toBe('no-regression');
  });

  it('is the mirror of lower-is-better: the same drop is no regression of a lower-is-better metric', () => {
    const dropped = [rates(20_000, 2000), rates(3000, 210)] as const;
    expect(judgeMetric({ ...conversion, direction: 'lower-is-better' }, ...dropped).outcome).toBe('no-regression');
  });
});

describe('judgeMetric: numeric', () => {
  it('takes a relative tolerance as a share of the control mean', () => {
    const control = values(5000, 200, 50);
    const slower = judgeMetric(latency, control, values(5000, 215, 50));
    expect(slower.threshold).toBeCloseTo(20, 10);
    expect(slower.difference).toBeCloseTo(15, 8);
    // 15 ms slower, clearly (the interval excludes 0), but within the 10 % tolerated.
    expect(slower.interval![0]).toBeGreaterThan(0);
    expect(slower.outcome).toBe('no-regression');
    expect(judgeMetric(latency, control, values(5000, 240, 50)).outcome).toBe('regression');
  });

  it("widens the interval for the uncertainty of a relative threshold's control mean", () => {
    const control = values(2000, 200, 50);
    const treatment = values(2000, 210, 50);
    const relative = judgeMetric(latency, control, treatment).interval!;
    const absolute = judgeMetric({ ...latency, tolerance: { kind: 'absolute', value: 20 } }, control, treatment).interval!;
    expect(relative[1] - relative[0]).toBeGreaterThan(absolute[1] - absolute[0]);
  });

  it('negates a relative threshold for higher-is-better, from the absolute control mean', () => {
    const throughput: GuardMetric = { ...latency, key: 'items-per-order', direction: 'higher-is-better' };
    const verdict = judgeMetric(throughput, values(5000, -4, 1), values(5000, -5, 1));
    expect(verdict.threshold).toBeCloseTo(-0.4, 12);
    expect(verdict.outcome).toBe('regression');
  });

  it('judges values that never vary on a point interval, without NaN', () => {
    const same = judgeMetric(latency, values(300, 4, 0), values(300, 4, 0));
    expect(same.outcome).toBe('no-regression');
    expect(same.interval).toEqual([0, 0]);
    const worse = judgeMetric(latency, values(300, 4, 0), values(300, 5, 0));
    expect(worse.outcome).toBe('regression');
    expectNoNaN(worse);
  });
});

describe('judgeMetric: α', () => {
  it(`defaults to ${DEFAULT_GUARD_ALPHA}; a smaller α widens the interval`, () => {
    const control = rates(20_000, 200);
    const treatment = rates(2000, 40);
    const byDefault = judgeMetric(errors, control, treatment);
    expect(byDefault).toEqual(judgeMetric(errors, control, treatment, { alpha: 0.05 }));
    const strict = judgeMetric(errors, control, treatment, { alpha: 0.01 });
    expect(strict.interval![0]).toBeLessThan(byDefault.interval![0]);
    expect(strict.interval![1]).toBeGreaterThan(byDefault.interval![1]);
    expect(strict.reason).toContain('always-valid 99 % interval');
  });
});

describe('judgeMetric: odd input', () => {
  const good = rates(1000, 10);
  const cases: [string, () => MetricVerdict, RegExp][] = [
    [
      'NaN contexts',
      () => judgeMetric(errors, rates(Number.NaN, 0), good),
      /old variation: exposedContexts must be a whole number >= 0 \(got NaN\)/,
    ],
    ['negative contexts', () => judgeMetric(errors, good, rates(-5, 0)), /new variation: exposedContexts must be a whole number >= 0/],
    ['fractional events', () => judgeMetric(errors, good, rates(100, 2.5)), /contextsWithEvent must be a whole number/],
    [
      'more events than contexts',
      () => judgeMetric(errors, good, rates(100, 101)),
      /contextsWithEvent \(101\) exceeds exposedContexts \(100\)/,
    ],
    [
      'infinite sum',
      () => judgeMetric(latency, values(500, 1, 1), { ...values(500, 1, 1), sum: Number.POSITIVE_INFINITY }),
      /sum must be a finite number/,
    ],
    [
      'NaN sum of squares',
      () => judgeMetric(latency, values(500, 1, 1), { ...values(500, 1, 1), sumSquares: Number.NaN }),
      /sumSquares must be/,
    ],
    [
      'negative sum of squares',
      () => judgeMetric(latency, values(500, 1, 1), { ...values(500, 1, 1), sumSquares: -1 }),
      /sumSquares must be/,
    ],
    [
      'impossible sums',
      () => judgeMetric(latency, values(500, 1, 1), { ...values(500, 1, 1), sumSquares: 1 }),
      /cannot come from 500 values/,
    ],
    ['sums of no values', () => judgeMetric(latency, values(500, 1, 1), { ...rates(500, 0), sum: 3 }), /cannot come from 0 values/],
    [
      'negative tolerance',
      () => judgeMetric({ ...errors, tolerance: { kind: 'absolute', value: -0.1 } }, good, good),
      /tolerance must be a finite number >= 0/,
    ],
    [
      'NaN tolerance',
      () => judgeMetric({ ...errors, tolerance: { kind: 'relative', value: Number.NaN } }, good, good),
      /tolerance must be/,
    ],
    ['NaN minimumContexts', () => judgeMetric({ ...errors, minimumContexts: Number.NaN }, good, good), /minimumContexts must be/],
    ['unknown kind', () => judgeMetric({ ...errors, kind: 'ratio' as never }, good, good), /kind must be binary or numeric/],
    ['unknown direction', () => judgeMetric({ ...errors, direction: 'up' as never }, good, good), /direction must be/],
    ['α of 1', () => judgeMetric(errors, good, good, { alpha: 1 }), /invalid alpha/],
    ['NaN α', () => judgeMetric(errors, good, good, { alpha: Number.NaN }), /invalid alpha/],
    ['no metric', () => judgeMetric(undefined as never, good, good), /invalid guard metric: missing/],
    ['no arm', () => judgeMetric(errors, null as never, good), /old variation: missing/],
    ['a symbol for a count', () => judgeMetric(errors, good, { ...good, exposedContexts: Symbol('n') as never }), /\(got symbol\)/],
    ['a string for a sum', () => judgeMetric(latency, values(500, 1, 1), { ...values(500, 1, 1), sum: '3' as never }), /\(got string\)/],
  ];

  it.each(cases)('%s: insufficient data with a reason, never a throw or NaN', (_, judge, reason) => {
    const verdict = judge();
    expect(verdict.outcome).toBe('insufficient-data');
    expect(verdict.reason).toMatch(reason);
    expect(verdict.interval).toBeNull();
    expectNoNaN(verdict);
  });
});

describe('judgeGuard', () => {
  const regressing = { metric: errors, control: rates(20_000, 200), treatment: rates(2000, 60) };
  const fine = { metric: conversion, control: rates(20_000, 2000), treatment: rates(2000, 200) };
  const waiting = { metric: latency, control: values(500, 200, 50), treatment: values(37, 200, 50) };

  it('is healthy with no metrics', () => {
    expect(judgeGuard([])).toEqual({ outcome: 'healthy', metrics: [], reason: 'no guard metrics' });
  });

  it('is healthy when every metric shows no regression', () => {
    const verdict = judgeGuard([fine, { ...fine, metric: { ...conversion, key: 'add-to-cart' } }]);
    expect(verdict.outcome).toBe('healthy');
    expect(verdict.reason).toBe('no regression on 2 metrics');
  });

  it('waits when any metric lacks data and none regresses', () => {
    const verdict = judgeGuard([fine, waiting]);
    expect(verdict.outcome).toBe('waiting');
    expect(verdict.metrics.map((m) => m.outcome)).toEqual(['no-regression', 'insufficient-data']);
    expect(verdict.reason).toBe('checkout-latency-ms: waiting for 200 exposed contexts per variation (new: 37, old: 500)');
  });

  it('is a regression when any metric regresses, even while another waits', () => {
    const verdict = judgeGuard([waiting, fine, regressing]);
    expect(verdict.outcome).toBe('regression');
    expect(verdict.reason).toMatch(/^checkout-error: regression: new 3\.00 % vs old 1\.00 %/);
  });

  it('passes α on to every metric', () => {
    expect(judgeGuard([regressing], { alpha: 0.01 }).metrics[0]).toEqual(
      judgeMetric(errors, regressing.control, regressing.treatment, { alpha: 0.01 }),
    );
  });

  it('waits, never healthy, when handed something that is not a list', () => {
    expect(judgeGuard(null as never).outcome).toBe('waiting');
  });
});
