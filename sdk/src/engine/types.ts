/**
 * Types of the evaluation engine that are not shapes of stored data (those are `z.infer` of the
 * schemas in ../schema/schemas.ts and are re-exported here as types only).
 */

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
} from '../schema/schemas.ts';

/**
 * An evaluation context: a non-empty `key` plus attributes. Attribute values must be strings, finite
 * numbers, booleans, or arrays of those; any other value is treated as if the attribute were missing.
 */
export type Context = { key?: string; [attr: string]: unknown };

export type ErrorKind = 'FLAG_NOT_FOUND' | 'MALFORMED_FLAG' | 'USER_NOT_SPECIFIED' | 'WRONG_TYPE' | 'EXCEPTION';

export type Reason =
  | { kind: 'OFF' }
  | { kind: 'FALLTHROUGH' }
  | { kind: 'TARGET_MATCH' }
  | { kind: 'RULE_MATCH'; ruleIndex: number; ruleId: string }
  | { kind: 'PREREQUISITE_FAILED'; prerequisiteKey: string }
  | { kind: 'ERROR'; errorKind: ErrorKind };

export type EvaluationDetail<T> = { value: T; variationIndex: number | null; reason: Reason };
