/** Variation indices out of range: a flag's configuration checked against the number of its variations. */
import type { FlagConfig, VariationOrRollout } from '../model/index.ts';
import type { ValidationProblem } from './problem.ts';

function indexProblem(index: number, count: number): string {
  return `variation ${index} does not exist (the flag has ${count} variation${count === 1 ? '' : 's'}, indices 0..${count - 1})`;
}

function checkServe(v: VariationOrRollout, count: number, path: (string | number)[], out: ValidationProblem[]): void {
  if ('rollout' in v && v.rollout !== undefined) {
    v.rollout.variations.forEach((wv, j) => {
      if (wv.variation >= count)
        out.push({ path: [...path, 'rollout', 'variations', j, 'variation'], message: indexProblem(wv.variation, count) });
    });
  } else if ('variation' in v && v.variation >= count) {
    out.push({ path: [...path, 'variation'], message: indexProblem(v.variation, count) });
  }
}

/** Variation indices out of range in offVariation, fallthrough, targets and rules (and their rollouts). */
export function variationIndexProblems(
  config: Pick<FlagConfig, 'offVariation' | 'fallthrough' | 'targets' | 'rules'>,
  count: number,
): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  if (config.offVariation >= count) out.push({ path: ['offVariation'], message: indexProblem(config.offVariation, count) });
  checkServe(config.fallthrough, count, ['fallthrough'], out);
  config.targets.forEach((t, i) => {
    if (t.variation >= count) out.push({ path: ['targets', i, 'variation'], message: indexProblem(t.variation, count) });
  });
  config.rules.forEach((r, i) => {
    checkServe(r, count, ['rules', i], out);
  });
  return out;
}
