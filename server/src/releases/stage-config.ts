import { type FlagConfig, type Rule, TOTAL_WEIGHT } from '@switchyard/sdk/schema';
import type { ReleaseDefinition } from './schemas.ts';

/** The id of the rule a plan owns while one of its stages names segments. */
export const planRuleId = (planId: string) => `release-plan:${planId}`;

/** A percentage (thousandths allowed) as a rollout weight (thousandths of a percent). */
const weightOf = (percentage: number) => Math.round(percentage * 1000);

/**
 * The segments served the new variation at stage `index`: the stage's own and every earlier stage's,
 * so that internal users who got the new variation first keep it when the next stage names none.
 */
export function segmentsUpTo(definition: ReleaseDefinition, index: number): string[] {
  return [...new Set(definition.stages.slice(0, index + 1).flatMap((stage) => stage.segments))];
}

/**
 * The configuration with stage `index` of the plan applied to `current`: the plan's rule (serving the
 * new variation to the segments of this and earlier stages) first, or none when no stage so far names
 * one; the fallthrough a
 * rollout of the new variation (first) and the control variation (the rest); guardedMetrics the
 * guard's metrics. Everything else (targets, other rules, prerequisites, on/off) stays as it is.
 *
 * Contexts only ever move forward: segments once named stay; the new variation always takes the first
 * slice of the buckets, and the flag's salt and bucketing attribute never change, so a context in the
 * first p % is in the first q % for every q > p (the engine's bucketing, sdk/src/engine/bucket.ts).
 */
export function configForStage(current: FlagConfig, planId: string, definition: ReleaseDefinition, index: number): FlagConfig {
  const stage = definition.stages[index]!;
  const segments = segmentsUpTo(definition, index);
  const ruleId = planRuleId(planId);
  const others = current.rules.filter((rule) => rule.id !== ruleId);
  const rules: Rule[] =
    segments.length > 0
      ? [
          {
            id: ruleId,
            description: `Release plan ${planId}: ${stage.name ?? `${stage.percentage} %`}`,
            clauses: [{ attribute: '', op: 'segmentMatch', values: segments }],
            variation: definition.variation,
          },
          ...others,
        ]
      : others;
  const bucketBy = 'rollout' in current.fallthrough ? current.fallthrough.rollout.bucketBy : undefined;
  const newWeight = weightOf(stage.percentage);
  const next: FlagConfig = {
    ...current,
    rules,
    fallthrough: {
      rollout: {
        variations: [
          { variation: definition.variation, weight: newWeight },
          { variation: definition.controlVariation, weight: TOTAL_WEIGHT - newWeight },
        ],
        ...(bucketBy === undefined ? {} : { bucketBy }),
      },
    },
  };
  const metrics = definition.guard?.metrics.map((metric) => metric.key);
  if (metrics && metrics.length > 0) next.guardedMetrics = [...new Set(metrics)];
  return next;
}

/** The configuration without what the plan added for its guard (when it ends without a rollback). */
export function withoutGuard(current: FlagConfig): FlagConfig {
  const { guardedMetrics: _dropped, ...rest } = current;
  return rest;
}

/** The variation `config`'s fallthrough serves most: the plan's default control variation. */
export function mainFallthroughVariation(config: FlagConfig): number {
  if ('variation' in config.fallthrough) return config.fallthrough.variation;
  let best = config.fallthrough.rollout.variations[0];
  for (const slice of config.fallthrough.rollout.variations) if (best === undefined || slice.weight > best.weight) best = slice;
  return best?.variation ?? config.offVariation;
}
