/**
 * A deterministic simulator of guarded release plans: a seeded PRNG, a virtual clock in minutes, no
 * real waiting. It shows what the guard's statistics (server/src/releases/) do over a whole plan:
 * how often a plan with no regression is rolled back anyway, and how soon a real regression is caught.
 *
 * One plan: each minute `trafficPerMinute` new distinct contexts arrive; each lands in the new
 * variation with the stage's share (a binomial draw, as hashing buckets do), and each exposed context
 * has its arm's probability of at least one event (binary metric) or one value drawn from its arm's
 * normal distribution (numeric metric). Every minute the guard is judged on the statistics accumulated
 * since the plan started, and the plan moves by the server's own rules (plan-machine.ts `decide`): a
 * stage advances when its hold has elapsed and the verdict is 'healthy' ('waiting' holds it longer);
 * 'regression' rolls the plan back. Reaching the 100 % stage completes it (there is no old variation
 * left to compare with).
 *
 * Simplifications: a context's outcome is drawn when it arrives (in production a context exposed
 * earlier may convert later); contexts never come back (in production a returning context first served
 * the old variation may be served the new one at a later stage and count in both arms); rates do not
 * drift over the day (a drift combined with a growing share biases any pooled comparison).
 */
import { fixedSampleBoundary, meanDifferenceInterval, rateDifferenceInterval } from '../../server/src/releases/confidence-sequence.ts';
import {
  type ArmStatistics,
  type GuardMetric,
  type GuardVerdict,
  judgeGuard,
  MINIMUM_VALUES_PER_VARIATION,
} from '../../server/src/releases/guard-verdict.ts';
import { decide, type PlanPosition } from '../../server/src/releases/plan-machine.ts';

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = () => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1), 32 bits. */
  next(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /**
   * Binomial(n, p). Exact inversion (walking the distribution function from 0) while the smaller of
   * n·p and n·(1-p) is under 40, which covers every error count of the scenarios; above that, the normal
   * approximation N(np, np(1-p)) rounded to the nearest integer and clamped to [0, n] (only the split of
   * a minute's traffic between the variations at the larger shares, where it errs by far less than the
   * split's own spread).
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const mean = n * p;
    if (mean >= 40) return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * this.normal())));
    const u = this.next();
    const odds = p / (1 - p);
    let k = 0;
    let probability = (1 - p) ** n;
    let cumulative = probability;
    while (u > cumulative && k < n) {
      probability *= ((n - k) / (k + 1)) * odds;
      k++;
      cumulative += probability;
    }
    return k;
  }

  /** Gamma(shape, 1), Marsaglia and Tsang's method (exact). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /**
   * Count, sum and sum of squares of `n` values from N(mean, sd²), drawn exactly without drawing each
   * value: the sample mean is N(mean, sd²/n) and, independently, (n-1)·s²/sd² is chi-squared with n-1
   * degrees of freedom (a Gamma((n-1)/2, 2)).
   */
  normalMoments(n: number, mean: number, sd: number): { sum: number; sumSquares: number } {
    if (n <= 0) return { sum: 0, sumSquares: 0 };
    const sampleMean = mean + (sd / Math.sqrt(n)) * this.normal();
    const squaredDeviations = n >= 2 ? sd * sd * 2 * this.gamma((n - 1) / 2) : 0;
    return { sum: n * sampleMean, sumSquares: squaredDeviations + n * sampleMean * sampleMean };
  }
}

export type Stage = { percent: number; holdMinutes: number };

/** What one exposed context does: an event with this probability, or one value from this normal distribution. */
export type ArmBehaviour = { kind: 'binary'; rate: number } | { kind: 'numeric'; mean: number; sd: number };

export type Scenario = {
  name: string;
  /** New distinct contexts per minute, both variations together. */
  trafficPerMinute: number;
  stages: readonly Stage[];
  metric: GuardMetric;
  control: ArmBehaviour;
  treatment: ArmBehaviour;
  /** A plan still short of 100 % after this long is counted as stalled. */
  maxMinutes?: number;
};

type GuardInput = Parameters<typeof judgeGuard>[0];
/** The judgement applied every minute; `judgeGuard` unless a comparison says otherwise. */
export type Judge = (metrics: GuardInput) => GuardVerdict['outcome'];

export type PlanResult = {
  outcome: 'completed' | 'rolled-back' | 'stalled';
  /** Minutes from the start to the rollback, the completion or the give-up. */
  minutes: number;
  /** The stage's percentage when the plan ended. */
  percent: number;
  treatmentContexts: number;
};

export type ScenarioSummary = {
  name: string;
  trafficPerMinute: number;
  metric: string;
  effect: string;
  tolerance: string;
  plans: number;
  rolledBack: number;
  rolledBackBefore50: number;
  completed: number;
  stalled: number;
  medianMinutesToDetect: number | null;
  medianNewContextsAtDetection: number | null;
  medianMinutesToComplete: number | null;
};

/** 1 % -> 5 % -> 10 % -> 25 % -> 50 % -> 100 %, each held 30 minutes: 2.5 hours when nothing is wrong. */
export const DEFAULT_STAGES: readonly Stage[] = Object.freeze([
  { percent: 1, holdMinutes: 30 },
  { percent: 5, holdMinutes: 30 },
  { percent: 10, holdMinutes: 30 },
  { percent: 25, holdMinutes: 30 },
  { percent: 50, holdMinutes: 30 },
  { percent: 100, holdMinutes: 0 },
]);

export const sequentialJudge: Judge = (metrics) => judgeGuard(metrics).outcome;

/**
 * What the guard would do with the ordinary fixed-sample 95 % interval looked at every minute: the same
 * estimates, variances, minimums and thresholds as judgeMetric, with z(1 - α/2)² in place of the
 * always-valid boundary (and no widening for a relative threshold's own uncertainty).
 */
export function fixedSampleJudge(alpha = 0.05): Judge {
  const boundary = fixedSampleBoundary(alpha);
  return (metrics) => {
    let waiting = false;
    for (const { metric, control, treatment } of metrics) {
      const binary = metric.kind === 'binary';
      const enoughValues =
        binary || (control.valueCount >= MINIMUM_VALUES_PER_VARIATION && treatment.valueCount >= MINIMUM_VALUES_PER_VARIATION);
      const minimum = Math.max(1, metric.minimumContexts);
      if (control.exposedContexts < minimum || treatment.exposedContexts < minimum || !enoughValues) {
        waiting = true;
        continue;
      }
      const rate = (s: ArmStatistics) => ({ events: s.contextsWithEvent, trials: s.exposedContexts });
      const values = (s: ArmStatistics) => ({ count: s.valueCount, sum: s.sum, sumSquares: s.sumSquares });
      const { interval } = binary
        ? rateDifferenceInterval(rate(control), rate(treatment), boundary)
        : meanDifferenceInterval(values(control), values(treatment), boundary);
      const controlEstimate = binary ? control.contextsWithEvent / control.exposedContexts : control.sum / control.valueCount;
      const tolerated = metric.tolerance.kind === 'relative' ? metric.tolerance.value * Math.abs(controlEstimate) : metric.tolerance.value;
      const regression = metric.direction === 'lower-is-better' ? interval[0] > tolerated : interval[1] < -tolerated;
      if (regression) return 'regression';
    }
    return waiting ? 'waiting' : 'healthy';
  };
}

const emptyArm = (): ArmStatistics => ({ exposedContexts: 0, contextsWithEvent: 0, valueCount: 0, sum: 0, sumSquares: 0 });

function expose(random: Random, arm: ArmStatistics, contexts: number, behaviour: ArmBehaviour): void {
  arm.exposedContexts += contexts;
  if (behaviour.kind === 'binary') {
    arm.contextsWithEvent += random.binomial(contexts, behaviour.rate);
    return;
  }
  const moments = random.normalMoments(contexts, behaviour.mean, behaviour.sd);
  arm.contextsWithEvent += contexts;
  arm.valueCount += contexts;
  arm.sum += moments.sum;
  arm.sumSquares += moments.sumSquares;
}

const MINUTE_MS = 60_000;

/**
 * One plan, minute by minute on a virtual clock, moved by the server's own rules (`decide` of
 * server/src/releases/plan-machine.ts, the guard looked at every minute): a stage is held at least its
 * duration, a regression rolls the plan back, a guard without a verdict holds it. Reaching the 100 %
 * stage completes it (nobody is left on the old variation to compare with).
 */
export function simulatePlan(scenario: Scenario, random: Random, judge: Judge = sequentialJudge): PlanResult {
  const control = emptyArm();
  const treatment = emptyArm();
  const input: GuardInput = [{ metric: scenario.metric, control, treatment }];
  const maxMinutes = scenario.maxMinutes ?? 7 * 24 * 60;
  let stageIndex = 0;
  let stageStartedAt = new Date(0);
  for (let minute = 1; minute <= maxMinutes; minute++) {
    const stage = scenario.stages[stageIndex]!;
    const treated = random.binomial(scenario.trafficPerMinute, stage.percent / 100);
    expose(random, treatment, treated, scenario.treatment);
    expose(random, control, scenario.trafficPerMinute - treated, scenario.control);
    const now = new Date(minute * MINUTE_MS);
    const verdict: GuardVerdict = { outcome: judge(input), reason: 'simulated', metrics: [] };
    const position: PlanPosition = {
      stageIndex,
      stageCount: scenario.stages.length,
      stage: { percentage: stage.percent, holdMinutes: stage.holdMinutes, segments: [], requireApproval: false, guarded: true },
      stageStartedAt,
      approvedStage: -1,
      guarded: true,
    };
    const decision = decide(position, now, verdict, MINUTE_MS);
    const ended = (result: PlanResult['outcome']): PlanResult => ({
      outcome: result,
      minutes: minute,
      percent: scenario.stages[stageIndex]!.percent,
      treatmentContexts: treatment.exposedContexts,
    });
    if (decision.kind === 'regression') return ended('rolled-back');
    if (decision.kind === 'complete') return ended('completed');
    if (decision.kind === 'advance') {
      stageIndex++;
      stageStartedAt = now;
      if (scenario.stages[stageIndex]!.percent >= 100) return ended('completed');
    }
  }
  return {
    outcome: 'stalled',
    minutes: maxMinutes,
    percent: scenario.stages[stageIndex]!.percent,
    treatmentContexts: treatment.exposedContexts,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function describeArm(behaviour: ArmBehaviour): string {
  if (behaviour.kind === 'binary') return `${Number((behaviour.rate * 100).toPrecision(4))} %`;
  return `${behaviour.mean} ms (sd ${behaviour.sd})`;
}

function describeTolerance(metric: GuardMetric): string {
  const { kind, value } = metric.tolerance;
  if (kind === 'relative') return `relative ${Number((value * 100).toPrecision(4))} %`;
  return metric.kind === 'binary' ? `absolute ${Number((value * 100).toPrecision(4))} points` : `absolute ${value}`;
}

/** `plans` plans of one scenario, all from one seeded stream: the same seed gives the same summary. */
export function simulateScenario(scenario: Scenario, options: { plans: number; seed: number; judge?: Judge }): ScenarioSummary {
  const random = new Random(options.seed);
  const detected: PlanResult[] = [];
  const completed: PlanResult[] = [];
  let stalled = 0;
  for (let i = 0; i < options.plans; i++) {
    const result = simulatePlan(scenario, random, options.judge);
    if (result.outcome === 'rolled-back') detected.push(result);
    else if (result.outcome === 'completed') completed.push(result);
    else stalled++;
  }
  return {
    name: scenario.name,
    trafficPerMinute: scenario.trafficPerMinute,
    metric: `${scenario.metric.key} (${scenario.metric.kind})`,
    effect: `${describeArm(scenario.control)} -> ${describeArm(scenario.treatment)}`,
    tolerance: describeTolerance(scenario.metric),
    plans: options.plans,
    rolledBack: detected.length,
    rolledBackBefore50: detected.filter((r) => r.percent < 50).length,
    completed: completed.length,
    stalled,
    medianMinutesToDetect: median(detected.map((r) => r.minutes)),
    medianNewContextsAtDetection: median(detected.map((r) => r.treatmentContexts)),
    medianMinutesToComplete: median(completed.map((r) => r.minutes)),
  };
}

/** checkout-error: share of exposed contexts with at least one error; any increase the data shows counts. */
export const ERROR_RATE_METRIC: GuardMetric = Object.freeze({
  key: 'checkout-error',
  kind: 'binary',
  direction: 'lower-is-better',
  tolerance: Object.freeze({ kind: 'absolute', value: 0 }),
  minimumContexts: 200,
});

/** checkout-latency-ms: mean latency, one value per exposed context; 5 % slower is tolerated. */
export const LATENCY_METRIC: GuardMetric = Object.freeze({
  key: 'checkout-latency-ms',
  kind: 'numeric',
  direction: 'lower-is-better',
  tolerance: Object.freeze({ kind: 'relative', value: 0.05 }),
  minimumContexts: 200,
});

const errorRate = (name: string, trafficPerMinute: number, control: number, treatment: number, metric = ERROR_RATE_METRIC): Scenario => ({
  name,
  trafficPerMinute,
  stages: DEFAULT_STAGES,
  metric,
  control: { kind: 'binary', rate: control },
  treatment: { kind: 'binary', rate: treatment },
});

const latency = (name: string, trafficPerMinute: number, treatmentMean: number): Scenario => ({
  name,
  trafficPerMinute,
  stages: DEFAULT_STAGES,
  metric: LATENCY_METRIC,
  control: { kind: 'numeric', mean: 250, sd: 100 },
  treatment: { kind: 'numeric', mean: treatmentMean, sd: 100 },
});

/** The two scenarios the guard must pass (test/server/releases/guard-simulation.test.ts). */
export const NO_REGRESSION = errorRate('no regression', 1000, 0.01, 0.01);
export const DOUBLED_ERRORS = errorRate('errors doubled', 1000, 0.01, 0.02);

/** The table in bench/README.md: the two required scenarios, then where detection gets weak. */
export const SCENARIOS: readonly Scenario[] = Object.freeze([
  NO_REGRESSION,
  DOUBLED_ERRORS,
  errorRate('no regression, low traffic', 100, 0.01, 0.01),
  errorRate('errors doubled', 30, 0.01, 0.02),
  errorRate('errors doubled', 100, 0.01, 0.02),
  errorRate('errors doubled', 300, 0.01, 0.02),
  errorRate('errors doubled', 3000, 0.01, 0.02),
  errorRate('errors +50 %', 1000, 0.01, 0.015),
  errorRate('errors +25 %', 1000, 0.01, 0.0125),
  errorRate('errors +0.2 points, 0.5 tolerated', 1000, 0.01, 0.012, {
    ...ERROR_RATE_METRIC,
    tolerance: { kind: 'absolute', value: 0.005 },
  }),
  latency('latency unchanged', 1000, 250),
  latency('latency +10 %', 1000, 275),
  latency('latency +10 %', 30, 275),
]);
