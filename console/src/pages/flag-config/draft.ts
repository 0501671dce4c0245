import type { EditableConfig, FullFlagConfig, Prerequisite } from './api.ts';
import { clauseIsValid, type RuleDraft, ruleDraftOf, ruleOf } from './rule-draft.ts';
import { type ServeDraft, serveDraftOf, serveOf } from './serve-draft.ts';

/** What the form holds: the fallthrough's serve draft, and one entry a variation for targets. */
export type Draft = ServeDraft & {
  offVariation: number;
  targets: string[];
  rules: RuleDraft[];
  prerequisites: Prerequisite[];
};

export const editable = (config: FullFlagConfig): EditableConfig => ({
  prerequisites: config.prerequisites,
  targets: config.targets,
  rules: config.rules,
  fallthrough: config.fallthrough,
  offVariation: config.offVariation,
});

export function draftOf(config: EditableConfig, variationCount: number): Draft {
  const targets = Array.from({ length: variationCount }, (_, i) =>
    config.targets
      .filter((t) => t.variation === i)
      .flatMap((t) => t.values)
      .join('\n'),
  );
  return {
    ...serveDraftOf(config.fallthrough, variationCount),
    offVariation: config.offVariation,
    targets,
    rules: config.rules.map((rule) => ruleDraftOf(rule, variationCount)),
    prerequisites: config.prerequisites,
  };
}

export function configOf(draft: Draft): EditableConfig {
  const targets = draft.targets
    .map((text, variation) => ({
      variation,
      values: text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    }))
    .filter((t) => t.values.length > 0);
  return {
    prerequisites: draft.prerequisites,
    targets,
    rules: draft.rules.map(ruleOf),
    fallthrough: serveOf(draft),
    offVariation: draft.offVariation,
  };
}

const FIELDS = ['prerequisites', 'targets', 'rules', 'fallthrough', 'offVariation'] as const;

/** The fields of `edited` that differ from `base`: what a save writes. */
export function changedFields(base: EditableConfig, edited: EditableConfig): Partial<EditableConfig> {
  const patch: Partial<EditableConfig> = {};
  for (const field of FIELDS) {
    if (JSON.stringify(base[field]) !== JSON.stringify(edited[field])) Object.assign(patch, { [field]: edited[field] });
  }
  return patch;
}

/** Whether every clause and prerequisite is complete and valid: the form refuses to save otherwise. */
export const draftIsValid = (draft: Draft) =>
  draft.rules.every((rule) => rule.clauses.every(clauseIsValid)) && draft.prerequisites.every((p) => p.key !== '');
