/**
 * `@switchyard/sdk/schema`: zod schemas, limits and cross-reference validators for flags, segments,
 * snapshots and contexts. This entry point imports zod; the engine (`@switchyard/sdk/engine`) and the
 * model (`@switchyard/sdk/model`) do not.
 */

// The model's vocabulary that the schemas speak, for callers that import only this entry point.
export type {
  Clause,
  Context,
  ContextValue,
  ErrorKind,
  EvaluationDetail,
  FlagConfig,
  FlagDefinition,
  FlagKind,
  Operator,
  Prerequisite,
  Reason,
  Rollout,
  Rule,
  SegmentDefinition,
  SegmentRule,
  SemVer,
  Snapshot,
  Target,
  ValidContext,
  VariationOrRollout,
  WeightedVariation,
} from '../model/index.ts';
export {
  clauseValueProblem,
  compareSemVer,
  compileSafeRegex,
  LIMITS,
  MAX_REGEX_LENGTH,
  OPERATORS,
  parseIsoDate,
  parseSemVer,
  TOTAL_WEIGHT,
  unsafeRegexReason,
  variationValueFitsKind,
} from '../model/index.ts';
export type { ValidationProblem } from './problem.ts';
export {
  ClauseSchema,
  ContextSchema,
  ContextValueSchema,
  FlagConfigSchema,
  FlagDefinitionSchema,
  FlagKindSchema,
  KeySchema,
  OperatorSchema,
  PrerequisiteSchema,
  RolloutSchema,
  RuleSchema,
  SegmentDefinitionSchema,
  SegmentRuleSchema,
  SegmentRulesSchema,
  SnapshotSchema,
  TargetSchema,
  VariationOrRolloutSchema,
  WeightedVariationSchema,
} from './schemas.ts';
export type { FlagConfigValidationContext, SegmentValidationContext } from './validate.ts';
export { validateFlagConfig, validateSegment, validateSnapshot } from './validate.ts';
