/**
 * The judgement of a release plan's guard: from the cumulative statistics of the old variation
 * (control) and the new one (treatment), does any guard metric show a regression beyond its tolerance?
 * Pure code: no clock, no database. The statistics are confidence-sequence.ts's; this file decides what
 * is enough data, where the threshold lies and what to tell people.
 */
import {
  DEFAULT_TIGHTEST_AT,
  type DifferenceInterval,
  effectiveCount,
  meanDifferenceInterval,
  mixtureBoundary,
  rateDifferenceInterval,
} from './confidence-sequence.ts';

export type GuardMetric = {
  /** Event key. */
  key: string;
  /** binary: share of exposed contexts with >= 1 event; numeric: mean of event values. */
  kind: 'binary' | 'numeric';
  direction: 'lower-is-better' | 'higher-is-better';
  /** absolute: in the metric's units (binary: a share, 0.005 = +0.5 points); relative: 0.1 = 10 % of the control's estimate. */
  tolerance: { kind: 'absolute' | 'relative'; value: number };
  /** Exposed contexts per variation before any decision. */
  minimumContexts: number;
};

export type ArmStatistics = { exposedContexts: number; contextsWithEvent: number; valueCount: number; sum: number; sumSquares: number };

export type MetricVerdict = {
  metricKey: string;
  outcome: 'regression' | 'no-regression' | 'insufficient-data';
  /** Rate (binary) or mean (numeric); null while the arm has nothing to estimate from. */
  control: { contexts: number; estimate: number | null };
  treatment: { contexts: number; estimate: number | null };
  /** treatment - control. */
  difference: number | null;
  /** Always-valid (1 - α) confidence sequence for the difference; null until the metric is judged. */
  interval: [number, number] | null;
  /** The worst tolerated difference (signed: + for lower-is-better, - for higher-is-better). */
  threshold: number | null;
  /** For people, e.g. 'waiting for 200 exposed contexts per variation (new: 37, old: 412)'. */
  reason: string;
};

export type GuardVerdict = { outcome: 'regression' | 'healthy' | 'waiting'; metrics: MetricVerdict[]; reason: string };

export type GuardOptions = {
  /** 1 - α is the probability that the interval holds the true difference at every minute's look together. */
  alpha?: number;
  /** Effective sample size at which the interval is narrowest (confidence-sequence.ts). */
  tightestAt?: number;
};

export const DEFAULT_GUARD_ALPHA = 0.05;

/**
 * Values per variation a numeric metric needs before it is judged, on top of its `minimumContexts`:
 * the interval takes the mean as normal and its variance from the values themselves, and with fewer
 * values of a skewed metric (latencies) neither holds well.
 */
export const MINIMUM_VALUES_PER_VARIATION = 100;

/** One metric: regression, no regression, or not enough (or not valid) data to say. Never throws. */
export function judgeMetric(metric: GuardMetric, control: ArmStatistics, treatment: ArmStatistics, options?: GuardOptions): MetricVerdict {
  const metricKey = typeof metric?.key === 'string' ? metric.key : '';
  const verdict: MetricVerdict = {
    metricKey,
    outcome: 'insufficient-data',
    control: { contexts: countOrZero(control?.exposedContexts), estimate: null },
    treatment: { contexts: countOrZero(treatment?.exposedContexts), estimate: null },
    difference: null,
    interval: null,
    threshold: null,
    reason: '',
  };
  const problem = metricProblem(metric) ?? optionsProblem(options) ?? armProblem('old', control) ?? armProblem('new', treatment);
  if (problem !== null) return { ...verdict, reason: problem };

  const alpha = options?.alpha ?? DEFAULT_GUARD_ALPHA;
  const tightestAt = options?.tightestAt ?? DEFAULT_TIGHTEST_AT;
  const binary = metric.kind === 'binary';
  const estimateOf = (s: ArmStatistics): number | null => {
    if (binary) return s.exposedContexts >= 1 ? s.contextsWithEvent / s.exposedContexts : null;
    return s.valueCount >= 1 ? s.sum / s.valueCount : null;
  };
  const controlEstimate = estimateOf(control);
  const treatmentEstimate = estimateOf(treatment);
  verdict.control.estimate = controlEstimate;
  verdict.treatment.estimate = treatmentEstimate;
  if (controlEstimate !== null && treatmentEstimate !== null) verdict.difference = treatmentEstimate - controlEstimate;

  const relative = metric.tolerance.kind === 'relative';
  const lowerIsBetter = metric.direction === 'lower-is-better';
  const tolerated = relative
    ? controlEstimate === null
      ? null
      : metric.tolerance.value * Math.abs(controlEstimate)
    : metric.tolerance.value;
  verdict.threshold = tolerated === null ? null : lowerIsBetter ? tolerated : -tolerated;

  const minimumContexts = Math.max(1, Math.ceil(metric.minimumContexts));
  if (control.exposedContexts < minimumContexts || treatment.exposedContexts < minimumContexts) {
    return {
      ...verdict,
      reason: `waiting for ${minimumContexts} exposed contexts per variation (new: ${treatment.exposedContexts}, old: ${control.exposedContexts})`,
    };
  }
  if (!binary && (control.valueCount < MINIMUM_VALUES_PER_VARIATION || treatment.valueCount < MINIMUM_VALUES_PER_VARIATION)) {
    return {
      ...verdict,
      reason: `waiting for ${MINIMUM_VALUES_PER_VARIATION} values per variation (new: ${treatment.valueCount}, old: ${control.valueCount})`,
    };
  }
  // Past the minimums both estimates and the threshold exist; the check only narrows the types.
  if (controlEstimate === null || treatmentEstimate === null || verdict.threshold === null)
    return { ...verdict, reason: 'not enough data' };

  // A relative threshold moves with the control's estimate: its uncertainty widens the interval.
  const controlWeight = relative ? (1 + metric.tolerance.value) ** 2 : 1;
  let judged: DifferenceInterval;
  if (binary) {
    const boundary = mixtureBoundary(effectiveCount(control.exposedContexts, treatment.exposedContexts), { alpha, tightestAt });
    const arm = (s: ArmStatistics) => ({ events: s.contextsWithEvent, trials: s.exposedContexts });
    judged = rateDifferenceInterval(arm(control), arm(treatment), boundary, controlWeight);
  } else {
    const boundary = mixtureBoundary(effectiveCount(control.valueCount, treatment.valueCount), { alpha, tightestAt });
    const arm = (s: ArmStatistics) => ({ count: s.valueCount, sum: s.sum, sumSquares: s.sumSquares });
    judged = meanDifferenceInterval(arm(control), arm(treatment), boundary, controlWeight);
  }
  const interval = judged.interval;
  if (!Number.isFinite(interval[0]) || !Number.isFinite(interval[1])) {
    return { ...verdict, reason: 'the statistics are too large to judge' };
  }
  verdict.interval = interval;

  const threshold = verdict.threshold;
  const regression = lowerIsBetter ? interval[0] > threshold : interval[1] < threshold;
  const show = (value: number) => (binary ? `${formatSigned(value * 100, 2)} points` : formatSigned(value));
  const range = binary
    ? `${formatSigned(interval[0] * 100, 2)} to ${formatSigned(interval[1] * 100, 2)} points`
    : `${formatSigned(interval[0])} to ${formatSigned(interval[1])}`;
  const level = `always-valid ${formatLevel(alpha)} interval ${range}`;
  const compared = `new ${formatEstimate(binary, treatmentEstimate)} vs old ${formatEstimate(binary, controlEstimate)}`;
  const allowed = `tolerated ${lowerIsBetter ? 'up' : 'down'} to ${show(threshold)}`;
  if (regression) {
    const bound = lowerIsBetter ? `at least ${show(interval[0])}` : `at most ${show(interval[1])}`;
    return { ...verdict, outcome: 'regression', reason: `regression: ${compared}, a difference of ${bound} (${level}), ${allowed}` };
  }
  return {
    ...verdict,
    outcome: 'no-regression',
    reason: `no regression shown: ${compared}, a difference of ${show(judged.difference)} (${level}), ${allowed}`,
  };
}

/** regression when any metric regresses; waiting when none does and any has insufficient data; else healthy. A guard with no metrics is healthy. */
export function judgeGuard(
  metrics: readonly { metric: GuardMetric; control: ArmStatistics; treatment: ArmStatistics }[],
  options?: GuardOptions,
): GuardVerdict {
  // Not a list at all is broken input, not "no metrics": it must not let a rollout advance.
  if (!Array.isArray(metrics)) return { outcome: 'waiting', metrics: [], reason: 'invalid guard: metrics must be a list' };
  const verdicts = metrics.map((m) => judgeMetric(m?.metric, m?.control, m?.treatment, options));
  const named = (outcome: MetricVerdict['outcome']) =>
    verdicts
      .filter((v) => v.outcome === outcome)
      .map((v) => `${v.metricKey}: ${v.reason}`)
      .join('; ');
  if (verdicts.some((v) => v.outcome === 'regression')) return { outcome: 'regression', metrics: verdicts, reason: named('regression') };
  if (verdicts.some((v) => v.outcome === 'insufficient-data'))
    return { outcome: 'waiting', metrics: verdicts, reason: named('insufficient-data') };
  const reason =
    verdicts.length === 0 ? 'no guard metrics' : `no regression on ${verdicts.length} metric${verdicts.length === 1 ? '' : 's'}`;
  return { outcome: 'healthy', metrics: verdicts, reason };
}

function countOrZero(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function metricProblem(metric: GuardMetric | undefined): string | null {
  if (typeof metric !== 'object' || metric === null) return 'invalid guard metric: missing';
  if (metric.kind !== 'binary' && metric.kind !== 'numeric') return `invalid guard metric: kind must be binary or numeric`;
  if (metric.direction !== 'lower-is-better' && metric.direction !== 'higher-is-better') {
    return 'invalid guard metric: direction must be lower-is-better or higher-is-better';
  }
  const tolerance = metric.tolerance;
  if (typeof tolerance !== 'object' || tolerance === null || (tolerance.kind !== 'absolute' && tolerance.kind !== 'relative')) {
    return 'invalid guard metric: tolerance kind must be absolute or relative';
  }
  if (typeof tolerance.value !== 'number' || !Number.isFinite(tolerance.value) || tolerance.value < 0) {
    return 'invalid guard metric: tolerance must be a finite number >= 0';
  }
  if (typeof metric.minimumContexts !== 'number' || !Number.isFinite(metric.minimumContexts) || metric.minimumContexts < 0) {
    return 'invalid guard metric: minimumContexts must be a finite number >= 0';
  }
  return null;
}

function optionsProblem(options: GuardOptions | undefined): string | null {
  const alpha = options?.alpha;
  if (alpha !== undefined && !(typeof alpha === 'number' && alpha > 0 && alpha < 1)) return 'invalid alpha: must be between 0 and 1';
  const tightestAt = options?.tightestAt;
  if (tightestAt !== undefined && !(typeof tightestAt === 'number' && tightestAt > 0 && Number.isFinite(tightestAt))) {
    return 'invalid tightestAt: must be a finite number > 0';
  }
  return null;
}

function armProblem(name: 'new' | 'old', arm: ArmStatistics | undefined): string | null {
  const prefix = `invalid statistics for the ${name} variation`;
  if (typeof arm !== 'object' || arm === null) return `${prefix}: missing`;
  for (const field of ['exposedContexts', 'contextsWithEvent', 'valueCount'] as const) {
    const value = arm[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      return `${prefix}: ${field} must be a whole number >= 0 (got ${shown(value)})`;
  }
  if (arm.contextsWithEvent > arm.exposedContexts) {
    return `${prefix}: contextsWithEvent (${arm.contextsWithEvent}) exceeds exposedContexts (${arm.exposedContexts})`;
  }
  if (typeof arm.sum !== 'number' || !Number.isFinite(arm.sum)) return `${prefix}: sum must be a finite number (got ${shown(arm.sum)})`;
  if (typeof arm.sumSquares !== 'number' || !Number.isFinite(arm.sumSquares) || arm.sumSquares < 0) {
    return `${prefix}: sumSquares must be a finite number >= 0 (got ${shown(arm.sumSquares)})`;
  }
  // Cauchy-Schwarz: sum² <= valueCount · sumSquares, up to rounding; also refuses sums whose square overflows.
  if (!(arm.sum * arm.sum <= arm.valueCount * arm.sumSquares * (1 + 1e-9))) {
    return `${prefix}: sum (${arm.sum}) and sumSquares (${arm.sumSquares}) cannot come from ${arm.valueCount} values`;
  }
  return null;
}

/** A value in a message: numbers as they are, anything else by its type (a symbol would throw in a template). */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

function formatLevel(alpha: number): string {
  return `${Number(((1 - alpha) * 100).toPrecision(4))} %`;
}

function formatEstimate(binary: boolean, value: number): string {
  return binary ? `${(value * 100).toFixed(2)} %` : String(Number(value.toPrecision(4)));
}

function formatSigned(value: number, fixed?: number): string {
  const text = fixed === undefined ? String(Number(value.toPrecision(4))) : value.toFixed(fixed);
  return value >= 0 && !text.startsWith('-') ? `+${text}` : text;
}
