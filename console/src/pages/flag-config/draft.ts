import type { EditableConfig, Fallthrough, FullFlagConfig, Rollout } from './api.ts';

/** Rollout weights are thousandths of a percent: 100 % is 100000. */
export const TOTAL_WEIGHT = 100_000;

/** What the form holds: one entry a variation for weights and targets. */
export type Draft = {
  mode: 'fixed' | 'rollout';
  variation: number;
  weights: number[];
  /** bucketBy and seed of the rollout read, kept as they were. */
  rolloutExtras: Omit<Rollout, 'variations'>;
  offVariation: number;
  targets: string[];
};

export const editable = (config: FullFlagConfig): EditableConfig => ({
  fallthrough: config.fallthrough,
  offVariation: config.offVariation,
  targets: config.targets,
});

export function draftOf(config: EditableConfig, variationCount: number): Draft {
  const weights = Array.from({ length: variationCount }, () => 0);
  const fallthrough = config.fallthrough;
  let rolloutExtras: Draft['rolloutExtras'] = {};
  let variation = 0;
  if ('rollout' in fallthrough) {
    const { variations, ...extras } = fallthrough.rollout;
    rolloutExtras = extras;
    for (const v of variations) if (v.variation < variationCount) weights[v.variation] = v.weight;
    variation = variations.reduce((best, v) => (v.weight > (weights[best] ?? 0) ? v.variation : best), 0);
  } else {
    variation = fallthrough.variation;
    weights[variation] = TOTAL_WEIGHT;
  }
  const targets = Array.from({ length: variationCount }, (_, i) =>
    config.targets
      .filter((t) => t.variation === i)
      .flatMap((t) => t.values)
      .join('\n'),
  );
  return {
    mode: 'rollout' in fallthrough ? 'rollout' : 'fixed',
    variation,
    weights,
    rolloutExtras,
    offVariation: config.offVariation,
    targets,
  };
}

export function configOf(draft: Draft): EditableConfig {
  const fallthrough: Fallthrough =
    draft.mode === 'fixed'
      ? { variation: draft.variation }
      : { rollout: { variations: draft.weights.map((weight, variation) => ({ variation, weight })), ...draft.rolloutExtras } };
  const targets = draft.targets
    .map((text, variation) => ({
      variation,
      values: text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    }))
    .filter((t) => t.values.length > 0);
  return { fallthrough, offVariation: draft.offVariation, targets };
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

const FIELDS = ['fallthrough', 'offVariation', 'targets'] as const;

/** The fields of `edited` that differ from `base`: what a save writes. */
export function changedFields(base: EditableConfig, edited: EditableConfig): Partial<EditableConfig> {
  const patch: Partial<EditableConfig> = {};
  for (const field of FIELDS) {
    if (JSON.stringify(base[field]) !== JSON.stringify(edited[field])) Object.assign(patch, { [field]: edited[field] });
  }
  return patch;
}
