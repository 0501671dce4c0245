/**
 * @switchyard/sdk — the evaluation engine (dependency-free: no zod at runtime) and the SDK client.
 * Schemas and validators live in the `@switchyard/sdk/schema` entry point.
 */

// Evaluation engine.
export { prepareSnapshot, isPreparedSnapshot, evaluate, isEnabled, allFlags, bucket, sha1Hex } from './engine/index.ts';
export type { PreparedSnapshot, AllFlagsOptions } from './engine/index.ts';
export type {
  Context,
  ContextValue,
  Reason,
  ErrorKind,
  EvaluationDetail,
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
} from './engine/types.ts';

// SDK client (stream, polling fallback, bootstrap, on-disk copy). The OpenFeature provider is in `@switchyard/sdk/openfeature`.
export { createClient, FlagsClient, StreamError } from './client/index.ts';
export { enableLinearRegexpFallback } from './runtime/linear-regexp.ts';
export type {
  ClientOptions,
  ClientStatus,
  ClientLogger,
  ClientEvents,
  ClientReason,
  ClientEvaluationDetail,
  WebSocketConstructor,
} from './client/index.ts';
