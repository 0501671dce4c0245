/**
 * `@switchyard/sdk/model`: the vocabulary shared by the schemas, the engine, the SDK client and the
 * server: the shapes of flags, segments, snapshots and contexts, the operators and the values they
 * take, limits, the stream protocol's messages and close codes. It imports nothing (no zod, no `node:`).
 */

export type { Context, ContextValue, ValidContext } from './context.ts';
export { parseIsoDate, toInstant } from './dates.ts';
export { defaultFlagConfig } from './defaults.ts';
export type { ErrorKind, EvaluationDetail, Reason } from './evaluation.ts';
export type {
  Clause,
  FlagConfig,
  FlagDefinition,
  FlagKind,
  Prerequisite,
  Rollout,
  Rule,
  Target,
  VariationOrRollout,
  WeightedVariation,
} from './flag.ts';
export { FLAG_KINDS } from './flag.ts';
export { LIMITS, TOTAL_WEIGHT } from './limits.ts';
export { MAX_REGEX_STATES } from './linear-regex/nfa.ts';
export {
  CONTEXT_HASH_PATTERN,
  type DroppedCounts,
  EVENT_KEY_PATTERN,
  type EvaluationCount,
  type EventSummary,
  type GuardedMetricSummary,
  type GuardedVariationSummary,
  METRICS_ERROR_KINDS,
  METRICS_LIMITS,
  type MetricsErrorKind,
  type MetricsReport,
  SDK_MODES,
  type SdkIdentity,
  type SdkMode,
} from './metrics.ts';
export { type ClauseValue, clauseValueProblem, isOperator, OPERATOR_TABLE, OPERATORS, type Operator } from './operators.ts';
export {
  type ClientMessage,
  CloseCode,
  type HelloMessage,
  type Patch,
  type PatchMessage,
  type PingMessage,
  type PongMessage,
  type ResyncMessage,
  type ServerMessage,
  type SnapshotMessage,
  VERSION_HEADER,
} from './protocol.ts';
export { compileSafeRegex, MAX_REGEX_LENGTH, type PatternMatcher, unsafeRegexReason } from './regex.ts';
export type { SegmentDefinition, SegmentRule } from './segment.ts';
export { compareSemVer, parseSemVer, type SemVer } from './semver.ts';
export type { Snapshot } from './snapshot.ts';
export { variationValueFitsKind } from './values.ts';
