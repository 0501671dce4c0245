import type { Fallthrough, Rollout } from './api.ts';

/** Rollout weights are thousandths of a percent: 100 % is 100000. */
export const TOTAL_WEIGHT = 100_000;

/** What the fallthrough or a rule serves, as the form holds it: one weight a variation. */
export type ServeDraft = {
  mode: 'fixed' | 'rollout';
  variation: number;
  weights: number[];
  /** bucketBy and seed of the rollout read, kept as they were. */
  rolloutExtras: Omit<Rollout, 'variations'>;
  /**
   * What was read, written back as it was while the choices made from it are unchanged (a rollout read
   * may leave out variations or list them in another order, which the inputs cannot show).
   */
  read?: { serve: Fallthrough; choices: string };
};

const choicesOf = (draft: Pick<ServeDraft, 'mode' | 'variation' | 'weights'>) =>
  JSON.stringify([draft.mode, draft.variation, draft.weights]);

export function serveDraftOf(serve: Fallthrough, variationCount: number): ServeDraft {
  const weights = Array.from({ length: variationCount }, () => 0);
  let rolloutExtras: ServeDraft['rolloutExtras'] = {};
  let variation = 0;
  if ('rollout' in serve) {
    const { variations, ...extras } = serve.rollout;
    rolloutExtras = extras;
    for (const v of variations) if (v.variation < variationCount) weights[v.variation] = v.weight;
    variation = variations.reduce((best, v) => (v.weight > (weights[best] ?? 0) ? v.variation : best), 0);
  } else {
    variation = serve.variation;
    weights[variation] = TOTAL_WEIGHT;
  }
  const mode = 'rollout' in serve ? 'rollout' : 'fixed';
  // Only what is served: `serve` may be a whole rule.
  const read: Fallthrough = 'rollout' in serve ? { rollout: serve.rollout } : { variation: serve.variation };
  return { mode, variation, weights, rolloutExtras, read: { serve: read, choices: choicesOf({ mode, variation, weights }) } };
}

export function serveOf(draft: ServeDraft): Fallthrough {
  if (draft.read && draft.read.choices === choicesOf(draft)) return draft.read.serve;
  return draft.mode === 'fixed'
    ? { variation: draft.variation }
    : { rollout: { variations: draft.weights.map((weight, variation) => ({ variation, weight })), ...draft.rolloutExtras } };
}

/**
 * Sets one variation's weight and gives the last variation what is left, so the weights always add up
 * to 100 %; the value is clamped to what the others (but the last) leave free.
 */
export function setWeight(weights: readonly number[], index: number, weight: number): number[] {
  const last = weights.length - 1;
  const next = [...weights];
  const others = next.reduce((sum, w, i) => (i === index || i === last ? sum : sum + w), 0);
  next[index] = Math.min(Math.max(0, Math.round(weight)), TOTAL_WEIGHT - others);
  next[last] = TOTAL_WEIGHT - next.reduce((sum, w, i) => (i === last ? sum : sum + w), 0);
  return next;
}

export const percentOf = (weight: number) => weight / 1000;
