/**
 * The shape of a flag: its per-environment configuration (what the admin API edits) and its definition
 * in a snapshot (the configuration plus what the engine needs to evaluate it). The zod schemas in
 * ../schema/ parse to exactly these types.
 */
import type { ClauseValue, Operator } from './operators.ts';

export const FLAG_KINDS = ['boolean', 'string', 'number', 'json'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export type Clause = {
  /** The context attribute compared (unused by segmentMatch). */
  attribute: string;
  op: Operator;
  /** The clause matches when the attribute matches any of them. */
  values: ClauseValue[];
  negate?: boolean | undefined;
};

/** One slice of a rollout; `weight` is in thousandths of a percent (all weights sum to TOTAL_WEIGHT). */
export type WeightedVariation = { variation: number; weight: number };

export type Rollout = {
  variations: WeightedVariation[];
  /** The context attribute bucketed on (default `key`). */
  bucketBy?: string | undefined;
  /** Buckets by `seed.value` instead of `flagKey.salt.value`. */
  seed?: number | undefined;
};

/** What a rule or the fallthrough serves: a fixed variation or a rollout. */
export type VariationOrRollout = { variation: number } | { rollout: Rollout };

export type Rule = { id: string; description?: string | undefined; clauses: Clause[] } & VariationOrRollout;

/** Context keys served one variation, before any rule. */
export type Target = { variation: number; values: string[] };

/** Another flag that must serve `variation` for this one to be evaluated (else its off variation is served). */
export type Prerequisite = { key: string; variation: number };

/** Per-environment configuration of a flag, as stored and as edited over the admin API. */
export type FlagConfig = {
  on: boolean;
  offVariation: number;
  fallthrough: VariationOrRollout;
  targets: Target[];
  rules: Rule[];
  prerequisites: Prerequisite[];
  /**
   * Set while the flag is under a guarded release in this environment: the custom event keys (metrics)
   * whose `track()` calls SDKs attribute to the variation each context is served. Absent otherwise.
   */
  guardedMetrics?: string[] | undefined;
};

/** One flag in an environment snapshot: its configuration in that environment plus the flag's own fields. */
export type FlagDefinition = OneObject<
  FlagConfig & {
    key: string;
    kind: FlagKind;
    /** Values of the flag's kind (any JSON value for a json flag). */
    variations: unknown[];
    salt: string;
    version: number;
    clientSideAvailable: boolean;
  }
>;

/** An intersection of object types written as one object type (as the schema's `.extend()` infers it). */
type OneObject<T> = { [K in keyof T]: T[K] };
