/**
 * evaluate / isEnabled / allFlags. This is the hot path: no allocation on success (results are
 * pre-built and frozen at preparation), no closures, no spreads, monomorphic prepared structures.
 */
import type { Context, ErrorKind, EvaluationDetail, Reason } from './types.ts';
import type { Snapshot } from '../schema/schemas.ts';
import {
  KIND_BOOLEAN,
  KIND_JSON,
  KIND_NUMBER,
  KIND_STRING,
  OP_AFTER,
  OP_BEFORE,
  OP_CONTAINS,
  OP_ENDS_WITH,
  OP_GREATER_THAN,
  OP_GREATER_THAN_OR_EQUAL,
  OP_IN,
  OP_LESS_THAN,
  OP_LESS_THAN_OR_EQUAL,
  OP_MATCHES,
  OP_SEGMENT_MATCH,
  OP_SEMVER_EQUAL,
  OP_SEMVER_GREATER_THAN,
  OP_SEMVER_LESS_THAN,
  OP_STARTS_WITH,
  isPreparedSnapshot,
  prepareSnapshot,
  type Detail,
  type PreparedClause,
  type PreparedFlag,
  type PreparedRollout,
  type PreparedSegment,
  type PreparedServe,
  PreparedSnapshot,
} from './prepare.ts';
import { compareSemVer, parseSemVer } from './semver.ts';
import { toInstant } from './dates.ts';
import { hashFraction } from './sha1.ts';

const ERROR_REASONS: Readonly<Record<ErrorKind, Reason>> = Object.freeze({
  FLAG_NOT_FOUND: Object.freeze({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' }),
  MALFORMED_FLAG: Object.freeze({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' }),
  USER_NOT_SPECIFIED: Object.freeze({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' }),
  WRONG_TYPE: Object.freeze({ kind: 'ERROR', errorKind: 'WRONG_TYPE' }),
  EXCEPTION: Object.freeze({ kind: 'ERROR', errorKind: 'EXCEPTION' }),
} as const);

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

// ---- clause matching ------------------------------------------------------------------------------

/** matchValue results. */
const WRONG = 0; // value missing, invalid, or of a type the operator does not take
const NO_MATCH = 1;
const MATCH = 2;

function isContextPrimitive(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v as number));
}

function anyString(c: PreparedClause, v: string): number {
  const xs = c.strings;
  const n = xs.length;
  switch (c.op) {
    case OP_STARTS_WITH:
      for (let i = 0; i < n; i++) if (v.startsWith(xs[i]!)) return MATCH;
      return NO_MATCH;
    case OP_ENDS_WITH:
      for (let i = 0; i < n; i++) if (v.endsWith(xs[i]!)) return MATCH;
      return NO_MATCH;
    default:
      for (let i = 0; i < n; i++) if (v.includes(xs[i]!)) return MATCH;
      return NO_MATCH;
  }
}

function anyNumber(c: PreparedClause, v: number): number {
  const xs = c.numbers;
  const n = xs.length;
  switch (c.op) {
    case OP_LESS_THAN:
    case OP_BEFORE:
      for (let i = 0; i < n; i++) if (v < xs[i]!) return MATCH;
      return NO_MATCH;
    case OP_LESS_THAN_OR_EQUAL:
      for (let i = 0; i < n; i++) if (v <= xs[i]!) return MATCH;
      return NO_MATCH;
    case OP_GREATER_THAN:
    case OP_AFTER:
      for (let i = 0; i < n; i++) if (v > xs[i]!) return MATCH;
      return NO_MATCH;
    default:
      for (let i = 0; i < n; i++) if (v >= xs[i]!) return MATCH;
      return NO_MATCH;
  }
}

/** Match one attribute value (not an array) against a non-segment clause. */
function matchValue(c: PreparedClause, v: unknown): number {
  switch (c.op) {
    case OP_IN:
      if (typeof v === 'string') return c.inStrings !== null && c.inStrings.has(v) ? MATCH : NO_MATCH;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return WRONG;
        return c.inNumbers !== null && c.inNumbers.has(v) ? MATCH : NO_MATCH;
      }
      if (typeof v === 'boolean') return (v ? c.inTrue : c.inFalse) ? MATCH : NO_MATCH;
      return WRONG;
    case OP_STARTS_WITH:
    case OP_ENDS_WITH:
    case OP_CONTAINS:
      return typeof v === 'string' ? anyString(c, v) : WRONG;
    case OP_MATCHES: {
      if (typeof v !== 'string') return WRONG;
      const rs = c.regexes;
      for (let i = 0; i < rs.length; i++) if (rs[i]!.test(v)) return MATCH;
      return NO_MATCH;
    }
    case OP_LESS_THAN:
    case OP_LESS_THAN_OR_EQUAL:
    case OP_GREATER_THAN:
    case OP_GREATER_THAN_OR_EQUAL:
      return typeof v === 'number' && Number.isFinite(v) ? anyNumber(c, v) : WRONG;
    case OP_BEFORE:
    case OP_AFTER: {
      if (typeof v !== 'number' && typeof v !== 'string') return WRONG;
      const t = toInstant(v);
      return t === undefined ? WRONG : anyNumber(c, t);
    }
    case OP_SEMVER_EQUAL:
    case OP_SEMVER_LESS_THAN:
    case OP_SEMVER_GREATER_THAN: {
      if (typeof v !== 'string') return WRONG;
      const sv = parseSemVer(v);
      if (sv === undefined) return WRONG;
      const xs = c.semvers;
      for (let i = 0; i < xs.length; i++) {
        const cmp = compareSemVer(sv, xs[i]!);
        if (c.op === OP_SEMVER_EQUAL ? cmp === 0 : c.op === OP_SEMVER_LESS_THAN ? cmp < 0 : cmp > 0) return MATCH;
      }
      return NO_MATCH;
    }
    default:
      return WRONG;
  }
}

function matchArray(c: PreparedClause, arr: readonly unknown[]): boolean {
  const n = arr.length;
  // An empty array is a present value that matches nothing (so a negated clause matches it).
  if (n === 0) return c.negate;
  // An array with an invalid element is an invalid value: treated as missing.
  for (let i = 0; i < n; i++) if (!isContextPrimitive(arr[i])) return false;
  let applicable = false;
  for (let i = 0; i < n; i++) {
    const r = matchValue(c, arr[i]);
    if (r === MATCH) return !c.negate;
    if (r === NO_MATCH) applicable = true;
  }
  // No element of a type the operator takes: like a wrong-typed attribute, false even when negated.
  return applicable ? c.negate : false;
}

function segmentContains(snap: PreparedSnapshot, s: PreparedSegment, ctx: Context, key: string): boolean {
  if (s.included.has(key)) return true;
  if (s.excluded.has(key)) return false;
  const rules = s.rules;
  if (rules.length === 0) return false;
  s.visiting = true;
  try {
    for (let i = 0; i < rules.length; i++) if (clausesMatch(snap, rules[i]!, ctx, key)) return true;
    return false;
  } finally {
    s.visiting = false;
  }
}

function matchSegments(snap: PreparedSnapshot, c: PreparedClause, ctx: Context, key: string): boolean {
  const segs = c.segments;
  const n = segs.length;
  // A reference back into a segment that is being evaluated (a cycle) makes the clause false.
  for (let i = 0; i < n; i++) if (segs[i] !== undefined && segs[i]!.visiting) return false;
  let member = false;
  for (let i = 0; i < n; i++) {
    const s = segs[i];
    // An unknown segment contains nobody.
    if (s !== undefined && segmentContains(snap, s, ctx, key)) {
      member = true;
      break;
    }
  }
  return member !== c.negate;
}

function clauseMatches(snap: PreparedSnapshot, c: PreparedClause, ctx: Context, key: string): boolean {
  if (c.op === OP_SEGMENT_MATCH) return matchSegments(snap, c, ctx, key);
  const v = c.isKey ? key : ctx[c.attribute];
  if (Array.isArray(v)) return matchArray(c, v);
  const r = matchValue(c, v);
  if (r === WRONG) return false;
  return (r === MATCH) !== c.negate;
}

function clausesMatch(snap: PreparedSnapshot, clauses: readonly PreparedClause[], ctx: Context, key: string): boolean {
  for (let i = 0; i < clauses.length; i++) if (!clauseMatches(snap, clauses[i]!, ctx, key)) return false;
  return true;
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
    if (flag === undefined) return errorDetail(defaultValue, 'FLAG_NOT_FOUND');
    const key = contextKey(context);
    if (key === undefined) return errorDetail(defaultValue, 'USER_NOT_SPECIFIED');
    if (flag.malformed) return errorDetail(defaultValue, 'MALFORMED_FLAG');
    if (!defaultFits(flag.kind, defaultValue)) return errorDetail(defaultValue, 'WRONG_TYPE');
    const d = evalFlag(snap, flag, context, key);
    if (d === null) return errorDetail(defaultValue, 'MALFORMED_FLAG');
    return d as EvaluationDetail<T>;
  } catch {
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
    if (flag === undefined || flag.malformed || flag.kind !== KIND_BOOLEAN) return false;
    const key = contextKey(context);
    if (key === undefined) return false;
    const d = evalFlag(snap, flag, context, key);
    return d !== null && d.value === true;
  } catch {
    return false;
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
