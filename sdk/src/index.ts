/**
 * @switchyard/sdk — the evaluation engine (dependency-free: no zod at runtime) and the SDK client
 * for Node. Schemas and validators live in `@switchyard/sdk/schema`; the engine alone, without the
 * client (no `node:` module, no `ws`), in `@switchyard/sdk/engine`.
 */

export type {
  ClientEvaluationDetail,
  ClientEvents,
  ClientLogger,
  ClientOptions,
  ClientReason,
  ClientStatus,
  WebSocketConstructor,
} from './client/index.ts';
// SDK client (stream, polling fallback, bootstrap, on-disk copy). The OpenFeature provider is in `@switchyard/sdk/openfeature`.
export { createClient, FlagsClient, StreamError } from './client/index.ts';
export type {
  AllFlagsOptions,
  Clause,
  Context,
  ContextValue,
  ErrorKind,
  EvaluationDetail,
  FlagConfig,
  FlagDefinition,
  FlagKind,
  Operator,
  PreparedSnapshot,
  Prerequisite,
  Reason,
  Rollout,
  Rule,
  SegmentDefinition,
  SegmentRule,
  Snapshot,
  Target,
  VariationOrRollout,
  WeightedVariation,
} from './engine/index.ts';
// Evaluation engine.
export { allFlags, bucket, evaluate, isEnabled, isPreparedSnapshot, prepareSnapshot, sha1Hex } from './engine/index.ts';
// The metrics window and report the client sends, for a server that counts its own evaluations (remote
// evaluation) into the same reports: one implementation of the bounds, the hashing and the drop rules.
export { buildReport, givenUp } from './metrics/report.ts';
export { addDrops, MetricsWindow, noDrops } from './metrics/window.ts';
export { enableLinearRegexpFallback } from './runtime/linear-regexp.ts';
