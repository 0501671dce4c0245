/**
 * The prepared form of a snapshot that evaluation walks: classes, so that every instance of one has one
 * shape (monomorphic property access on the hot path). Built by prepareSnapshot (./prepare/).
 */
import type { EvaluationDetail, PatternMatcher, SemVer } from '../model/index.ts';
import { KIND_JSON } from './codes.ts';
import type { HashPrefix } from './sha1.ts';

export type Detail = EvaluationDetail<unknown>;

export class PreparedClause {
  constructor(
    readonly op: number,
    readonly attribute: string,
    readonly isKey: boolean,
    readonly negate: boolean,
    /** startsWith / endsWith / contains values, or segment keys for segmentMatch. */
    readonly strings: readonly string[],
    /** Numbers for numeric operators; epoch milliseconds for before / after. */
    readonly numbers: readonly number[],
    /** matches: the native RegExp or the linear-time matcher, whichever runs the pattern safely (model/regex.ts). */
    readonly patterns: readonly PatternMatcher[],
    readonly semvers: readonly SemVer[],
    /** `in`: strings, numbers and booleans are kept apart, so "5" and 5 never collide. */
    readonly inStrings: ReadonlySet<string> | null,
    readonly inNumbers: ReadonlySet<number> | null,
    readonly inTrue: boolean,
    readonly inFalse: boolean,
    /** segmentMatch: the referenced segments, resolved after all segments are prepared. */
    public segments: (PreparedSegment | undefined)[],
  ) {}
}

export class PreparedRollout {
  constructor(
    readonly prefix: HashPrefix,
    readonly bucketBy: string,
    readonly byKey: boolean,
    /** Running sums of weight / 100000, accumulated in order exactly as LaunchDarkly does. */
    readonly thresholds: readonly number[],
    /** Per rollout entry: the result to return, or null when the value does not fit the kind. */
    readonly details: readonly (Detail | null)[],
  ) {}
}

/** What a rule or the fallthrough serves: a fixed result or a rollout. */
export class PreparedServe {
  constructor(
    /** For a fixed variation: its result (null when the value does not fit the kind). */
    readonly detail: Detail | null,
    readonly rollout: PreparedRollout | null,
  ) {}
}

export class PreparedRule {
  constructor(
    readonly clauses: readonly PreparedClause[],
    readonly serve: PreparedServe,
  ) {}
}

export class PreparedPrerequisite {
  constructor(
    readonly key: string,
    readonly variation: number,
    /** The off variation with PREREQUISITE_FAILED (null when the off value does not fit the kind). */
    readonly failed: Detail | null,
    public flag: PreparedFlag | undefined,
  ) {}
}

const NO_METRICS: readonly string[] = Object.freeze([]);

export class PreparedFlag {
  key = '';
  kind = KIND_JSON;
  malformed = false;
  /** Why the flag is malformed (for debugging; not part of the evaluation result). */
  malformedReason = '';
  on = false;
  clientSideAvailable = false;
  offDetail: Detail | null = null;
  prerequisites: PreparedPrerequisite[] = [];
  /** Context key -> result; null when the flag has no targets. */
  targets: Map<string, Detail | null> | null = null;
  rules: PreparedRule[] = [];
  fallthrough: PreparedServe = new PreparedServe(null, null);
  /** Keys of the segments referenced directly by the rules (for malformed-segment propagation). */
  segmentRefs: string[] = [];
  /** Prerequisite keys (for cycle detection). */
  prerequisiteKeys: string[] = [];
  /** The bucketing salt (also the key of the context hashes a guarded flag reports). */
  salt = '';
  /** How many variations the definition has (0 when it could not be read). */
  variationCount = 0;
  /** Event keys attributed to this flag's variations while it is under a guarded release; empty otherwise. */
  guardedMetrics: readonly string[] = NO_METRICS;
  /** guardedMetrics is not empty: counted evaluations also report the context as exposed. */
  guarded = false;
  /**
   * Evaluation counts when the snapshot was prepared with counters (./counters.ts): one slot per
   * variation, then one per error kind. Null otherwise.
   */
  counts: number[] | null = null;
}

export class PreparedSegment {
  key = '';
  malformed = false;
  malformedReason = '';
  included: ReadonlySet<string> = new Set();
  excluded: ReadonlySet<string> = new Set();
  rules: (readonly PreparedClause[])[] = [];
  segmentRefs: string[] = [];
  /** Set while the segment's rules are being evaluated, to catch cycles. */
  visiting = false;
}

/** Told of each counted evaluation of a guarded flag that served a variation (guarded-release exposures). */
export type ExposureListener = (flag: PreparedFlag, variation: number, contextKey: string) => void;

/**
 * The counts of a counted snapshot that do not belong to one of its flags (./counters.ts says why
 * counting lives in the prepared structures, and does the counting).
 */
export class EvaluationCounters {
  /** FLAG_NOT_FOUND evaluations per unknown flag key: at most `maxUnknownKeys` keys. */
  readonly unknownKeys = new Map<string, number>();
  /** Evaluations that could not be counted per flag (unknown keys past the bound). */
  uncounted = 0;

  constructor(
    readonly onExposure: ExposureListener,
    readonly maxUnknownKeys: number,
  ) {}
}

const BRAND = Symbol.for('@switchyard/sdk/PreparedSnapshot');

/** A snapshot prepared for fast evaluation. Immutable from the outside; build it with prepareSnapshot. */
export class PreparedSnapshot {
  readonly [BRAND] = true;
  /** @internal */
  constructor(
    readonly environment: string,
    readonly version: number,
    /** @internal */ readonly flags: ReadonlyMap<string, PreparedFlag>,
    /** @internal */ readonly segments: ReadonlyMap<string, PreparedSegment>,
    /** @internal Present when evaluations of this snapshot are counted (an SDK client reporting metrics). */
    readonly counters: EvaluationCounters | null = null,
    private targets: ReadonlySet<string> | undefined = undefined,
  ) {}

  /** @internal Keys some flag of this snapshot names as a prerequisite (computed once, on first use). */
  prerequisiteTargets(): ReadonlySet<string> {
    if (this.targets === undefined) {
      const targets = new Set<string>();
      for (const flag of this.flags.values()) for (const key of flag.prerequisiteKeys) targets.add(key);
      this.targets = targets;
    }
    return this.targets;
  }

  /** Keys of the flags in the snapshot, in snapshot order. */
  flagKeys(): string[] {
    return [...this.flags.keys()];
  }

  /** Why a flag is malformed, or undefined when it is not (or does not exist). For diagnostics. */
  malformedReason(flagKey: string): string | undefined {
    const f = this.flags.get(flagKey);
    return f?.malformed ? f.malformedReason : undefined;
  }
}

export function isPreparedSnapshot(x: unknown): x is PreparedSnapshot {
  return typeof x === 'object' && x !== null && (x as { [BRAND]?: unknown })[BRAND] === true;
}
