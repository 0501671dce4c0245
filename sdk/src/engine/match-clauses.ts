/**
 * Matching a context against prepared clauses (segments included). Hot path: see ./evaluate.ts.
 */
import { type Context, compareSemVer, parseSemVer, toInstant } from '../model/index.ts';
import {
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
} from './codes.ts';
import type { PreparedClause, PreparedSegment, PreparedSnapshot } from './prepared.ts';

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
      if (typeof v === 'string') return c.inStrings?.has(v) ? MATCH : NO_MATCH;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) return WRONG;
        return c.inNumbers?.has(v) ? MATCH : NO_MATCH;
      }
      if (typeof v === 'boolean') return (v ? c.inTrue : c.inFalse) ? MATCH : NO_MATCH;
      return WRONG;
    case OP_STARTS_WITH:
    case OP_ENDS_WITH:
    case OP_CONTAINS:
      return typeof v === 'string' ? anyString(c, v) : WRONG;
    case OP_MATCHES: {
      if (typeof v !== 'string') return WRONG;
      const ps = c.patterns;
      for (let i = 0; i < ps.length; i++) if (ps[i]!.test(v)) return MATCH;
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

export function clausesMatch(snap: PreparedSnapshot, clauses: readonly PreparedClause[], ctx: Context, key: string): boolean {
  for (let i = 0; i < clauses.length; i++) if (!clauseMatches(snap, clauses[i]!, ctx, key)) return false;
  return true;
}
