/**
 * `@switchyard/sdk/schema`: zod schemas, limits and cross-reference validators for flags, segments,
 * snapshots and contexts. This entry point imports zod; the engine (`@switchyard/sdk`) does not.
 */
export {
  OPERATORS,
  OperatorSchema,
  KeySchema,
  ClauseSchema,
  WeightedVariationSchema,
  RolloutSchema,
  VariationOrRolloutSchema,
  RuleSchema,
  TargetSchema,
  PrerequisiteSchema,
  FlagConfigSchema,
  FlagKindSchema,
  FlagDefinitionSchema,
  SegmentRuleSchema,
  SegmentRulesSchema,
  SegmentDefinitionSchema,
  SnapshotSchema,
  ContextValueSchema,
  ContextSchema,
  clauseValueProblem,
} from './schemas.ts';
export type {
  Operator,
  Clause,
  WeightedVariation,
  Rollout,
  VariationOrRollout,
  Rule,
  Target,
  Prerequisite,
  FlagConfig,
  FlagKind,
  FlagDefinition,
  SegmentRule,
  SegmentDefinition,
  Snapshot,
  ContextValue,
  ValidContext,
} from './schemas.ts';
export type { Context, Reason, ErrorKind, EvaluationDetail } from '../engine/types.ts';
export { LIMITS, TOTAL_WEIGHT } from './limits.ts';
export { validateFlagConfig, validateSegment, validateSnapshot, variationValueFitsKind } from './validate.ts';
export type { ValidationProblem, FlagConfigValidationContext, SegmentValidationContext } from './validate.ts';
export { MAX_REGEX_LENGTH, compileSafeRegex, unsafeRegexReason } from '../engine/regex.ts';
export { parseSemVer, compareSemVer } from '../engine/semver.ts';
export type { SemVer } from '../engine/semver.ts';
export { parseIsoDate } from '../engine/dates.ts';
