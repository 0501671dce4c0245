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
  MetricsReport,
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
  CONTEXT_HASH_PATTERN,
  clauseValueProblem,
  compareSemVer,
  compileSafeRegex,
  LIMITS,
  MAX_REGEX_LENGTH,
  METRICS_ERROR_KINDS,
  METRICS_LIMITS,
  OPERATORS,
  parseIsoDate,
  parseSemVer,
  SDK_MODES,
  TOTAL_WEIGHT,
  unsafeRegexReason,
  variationValueFitsKind,
} from '../model/index.ts';
export {
  DroppedCountsSchema,
  EvaluationCountSchema,
  EventKeySchema,
  EventSummarySchema,
  GuardedMetricSummarySchema,
  GuardedVariationSummarySchema,
  MetricsReportSchema,
  SdkIdentitySchema,
} from './metrics.ts';
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
