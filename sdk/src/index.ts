/**
 * @switchyard/sdk — the evaluation engine (dependency-free: no zod at runtime) and the SDK client
 * for Node. Schemas and validators live in `@switchyard/sdk/schema`; the engine alone, without the
 * client (no `node:` module, no `ws`), in `@switchyard/sdk/engine`.
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
} from './engine/index.ts';

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
