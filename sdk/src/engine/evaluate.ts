/**
 * evaluate / isEnabled / allFlags. This is the hot path: no allocation on success (results are
 * pre-built and frozen at preparation), no closures, no spreads, monomorphic prepared structures.
 */
import type { Context, ErrorKind, EvaluationDetail, Snapshot } from '../model/index.ts';
import { KIND_BOOLEAN, KIND_JSON, KIND_NUMBER, KIND_STRING } from './codes.ts';
import { countError } from './counters.ts';
import { clausesMatch } from './match-clauses.ts';
import { prepareSnapshot } from './prepare/snapshot.ts';
import type { Detail, PreparedFlag, PreparedRollout, PreparedServe } from './prepared.ts';
import { isPreparedSnapshot, PreparedSnapshot } from './prepared.ts';
import { ERROR_REASONS } from './reasons.ts';
import { hashFraction } from './sha1.ts';

function errorDetail<T>(value: T, kind: ErrorKind): EvaluationDetail<T> {
  return { value, variationIndex: null, reason: ERROR_REASONS[kind] };
}

// ---- snapshot preparation cache -------------------------------------------------------------------

const CACHE = new WeakMap<object, PreparedSnapshot>();

function prepared(snapshot: Snapshot | PreparedSnapshot): PreparedSnapshot {
  if (snapshot instanceof PreparedSnapshot || isPreparedSnapshot(snapshot)) return snapshot;
  let p = CACHE.get(snapshot);
  if (p === undefined) {
    p = prepareSnapshot(snapshot);
    CACHE.set(snapshot, p);
  }
  return p;
}

// ---- rollouts -------------------------------------------------------------------------------------

function rolloutBucket(r: PreparedRollout, ctx: Context, key: string): number {
  const v = r.byKey ? key : ctx[r.bucketBy];
  if (typeof v === 'string') return hashFraction(r.prefix, v);
  if (typeof v === 'number' && Number.isInteger(v)) return hashFraction(r.prefix, String(v));
  return 0;
}

function serve(s: PreparedServe, ctx: Context, key: string): Detail | null {
  const r = s.rollout;
  if (r === null) return s.detail;
  const b = rolloutBucket(r, ctx, key);
  const th = r.thresholds;
  const last = th.length - 1;
  for (let i = 0; i < last; i++) if (b < th[i]!) return r.details[i]!;
  // The last entry also takes buckets past the end (rounding, or weights summing to less than 100%).
  return r.details[last]!;
}

// ---- flags ----------------------------------------------------------------------------------------

/** The result for a well-formed flag, or null when the result is malformed. */
function evalFlag(snap: PreparedSnapshot, flag: PreparedFlag, ctx: Context, key: string): Detail | null {
  if (!flag.on) return flag.offDetail;
  const prereqs = flag.prerequisites;
  for (let i = 0; i < prereqs.length; i++) {
    const p = prereqs[i]!;
    const pf = p.flag;
    if (pf === undefined || pf.malformed || !pf.on) return p.failed;
    const d = evalFlag(snap, pf, ctx, key);
    if (d === null || d.variationIndex !== p.variation) return p.failed;
  }
  const targets = flag.targets;
  if (targets !== null) {
    const d = targets.get(key);
    if (d !== undefined) return d;
  }
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (clausesMatch(snap, rule.clauses, ctx, key)) return serve(rule.serve, ctx, key);
  }
  return serve(flag.fallthrough, ctx, key);
}

function defaultFits(kind: number, d: unknown): boolean {
  if (d === undefined || d === null || kind === KIND_JSON) return true;
  switch (kind) {
    case KIND_BOOLEAN:
      return typeof d === 'boolean';
    case KIND_STRING:
      return typeof d === 'string';
    case KIND_NUMBER:
      return typeof d === 'number';
    default:
      return false;
  }
}

function contextKey(context: Context): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const key = context.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

// ---- counting (./counters.ts): only snapshots prepared with counters have non-null `counts` -------

function failed<T>(snap: PreparedSnapshot, flagKey: string, value: T, kind: ErrorKind): EvaluationDetail<T> {
  countError(snap, flagKey, kind);
  return errorDetail(value, kind);
}

/** Counts an EXCEPTION from inside a catch, where nothing may throw again. */
function countException(snapshot: Snapshot | PreparedSnapshot, flagKey: string): void {
  try {
    if (isPreparedSnapshot(snapshot)) countError(snapshot, flagKey, 'EXCEPTION');
  } catch {
    // counting is best effort; the evaluation's answer is what matters
  }
}

/** A counted evaluation of a guarded flag served `d`: tells the snapshot's listener (guarded-release exposures). */
function exposed(snap: PreparedSnapshot, flag: PreparedFlag, d: Detail, key: string): void {
  try {
    snap.counters?.onExposure(flag, d.variationIndex!, key);
  } catch {
    // the listener is the client's; its failure must not change the evaluation
  }
}

/** Why isEnabled gives false before evaluating (in evaluate's order), counted. */
function notEnabled(snap: PreparedSnapshot, flag: PreparedFlag | undefined, flagKey: string, context: Context): false {
  let kind: ErrorKind;
  if (flag === undefined) kind = 'FLAG_NOT_FOUND';
  else if (contextKey(context) === undefined) kind = 'USER_NOT_SPECIFIED';
  else if (flag.malformed) kind = 'MALFORMED_FLAG';
  else kind = 'WRONG_TYPE';
  countError(snap, flagKey, kind);
  return false;
}

/**
 * Evaluate one flag for a context. Never throws, never modifies its arguments. Successful results are
 * shared, frozen objects (and JSON variation values are frozen copies); error results carry the
 * caller's default.
 */
export function evaluate<T>(
  snapshot: Snapshot | PreparedSnapshot,
  flagKey: string,
  context: Context,
  defaultValue: T,
): EvaluationDetail<T> {
  try {
    const snap = prepared(snapshot);
    const flag = snap.flags.get(flagKey);
    if (flag === undefined) return failed(snap, flagKey, defaultValue, 'FLAG_NOT_FOUND');
    const key = contextKey(context);
    if (key === undefined) return failed(snap, flagKey, defaultValue, 'USER_NOT_SPECIFIED');
    if (flag.malformed) return failed(snap, flagKey, defaultValue, 'MALFORMED_FLAG');
    if (!defaultFits(flag.kind, defaultValue)) return failed(snap, flagKey, defaultValue, 'WRONG_TYPE');
    const d = evalFlag(snap, flag, context, key);
    if (d === null) return failed(snap, flagKey, defaultValue, 'MALFORMED_FLAG');
    const counts = flag.counts;
    if (counts !== null) {
      counts[d.variationIndex!]!++;
      if (flag.guarded) exposed(snap, flag, d, key);
    }
    return d as EvaluationDetail<T>;
  } catch {
    countException(snapshot, flagKey);
    return errorDetail(defaultValue, 'EXCEPTION');
  }
}

/**
 * True only when the flag exists, is a boolean flag, and the evaluation succeeds with `true`; false for
 * unknown, non-boolean (including json flags serving `true`) and errored flags. For boolean flags it
 * equals `evaluate(snapshot, flagKey, context, false).value === true`, without allocating.
 */
export function isEnabled(snapshot: Snapshot | PreparedSnapshot, flagKey: string, context: Context): boolean {
  try {
    const snap = prepared(snapshot);
    const flag = snap.flags.get(flagKey);
    if (flag === undefined || flag.malformed || flag.kind !== KIND_BOOLEAN) return notEnabled(snap, flag, flagKey, context);
    const key = contextKey(context);
    if (key === undefined) return notEnabled(snap, flag, flagKey, context);
    const d = evalFlag(snap, flag, context, key);
    if (d === null) {
      countError(snap, flagKey, 'MALFORMED_FLAG');
      return false;
    }
    const counts = flag.counts;
    if (counts !== null) {
      counts[d.variationIndex!]!++;
      if (flag.guarded) exposed(snap, flag, d, key);
    }
    return d.value === true;
  } catch {
    countException(snapshot, flagKey);
    return false;
  }
}

/**
 * The variation `flag` serves `context`, or null when it serves none (an error): for attributing a
 * track() call to a guarded flag's variation. Not counted as an evaluation.
 */
export function servedVariation(snap: PreparedSnapshot, flag: PreparedFlag, context: Context): number | null {
  try {
    const key = contextKey(context);
    if (key === undefined || flag.malformed) return null;
    return evalFlag(snap, flag, context, key)?.variationIndex ?? null;
  } catch {
    return null;
  }
}

export interface AllFlagsOptions {
  /** Only flags with clientSideAvailable: true (for client-side / remote evaluation). */
  clientSideOnly?: boolean;
}

/**
 * Evaluate every flag (in snapshot order) with a `null` default, so errors have value null.
 */
export function allFlags(
  snapshot: Snapshot | PreparedSnapshot,
  context: Context,
  options?: AllFlagsOptions,
): Record<string, EvaluationDetail<unknown>> {
  const clientSideOnly = options?.clientSideOnly === true;
  const entries: [string, EvaluationDetail<unknown>][] = [];
  let snap: PreparedSnapshot;
  try {
    snap = prepared(snapshot);
  } catch {
    return {};
  }
  for (const [key, flag] of snap.flags) {
    if (clientSideOnly && !flag.clientSideAvailable) continue;
    entries.push([key, evaluate<unknown>(snap, key, context, null)]);
  }
  // fromEntries defines properties, so a flag named "__proto__" cannot change the prototype.
  return Object.fromEntries(entries);
}
