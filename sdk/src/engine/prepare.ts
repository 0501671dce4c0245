/**
 * prepareSnapshot: turn a snapshot (plain JSON data) into structures that make evaluation cheap:
 * Maps and Sets for targets, `in` lists and segment lists, compiled regular expressions, parsed dates
 * and versions, pre-hashed bucketing prefixes, resolved segment and prerequisite references, and
 * pre-built frozen results. Everything that can make a flag malformed is found here, once.
 *
 * The input is only read, never written (not even frozen). Nothing here throws for bad data: a flag
 * with an invalid piece is marked malformed (it evaluates to ERROR/MALFORMED_FLAG), a segment with an
 * invalid piece makes every flag that can reach it malformed.
 */
import type { EvaluationDetail, Reason } from './types.ts';
import type { Snapshot } from '../schema/schemas.ts';
import { OPERATORS, clauseValueProblem, type OperatorName } from './operators.ts';
import { compileSafeRegex } from './regex.ts';
import { parseSemVer, type SemVer } from './semver.ts';
import { toInstant } from './dates.ts';
import { createHashPrefix, type HashPrefix } from './sha1.ts';

// ---- operator codes -------------------------------------------------------------------------------
export const OP_IN = 0;
export const OP_STARTS_WITH = 1;
export const OP_ENDS_WITH = 2;
export const OP_CONTAINS = 3;
export const OP_MATCHES = 4;
export const OP_LESS_THAN = 5;
export const OP_LESS_THAN_OR_EQUAL = 6;
export const OP_GREATER_THAN = 7;
export const OP_GREATER_THAN_OR_EQUAL = 8;
export const OP_BEFORE = 9;
export const OP_AFTER = 10;
export const OP_SEMVER_EQUAL = 11;
export const OP_SEMVER_LESS_THAN = 12;
export const OP_SEMVER_GREATER_THAN = 13;
export const OP_SEGMENT_MATCH = 14;

const OP_CODES: ReadonlyMap<string, number> = new Map(OPERATORS.map((op, i) => [op, i]));

// ---- kinds ----------------------------------------------------------------------------------------
export const KIND_BOOLEAN = 0;
export const KIND_STRING = 1;
export const KIND_NUMBER = 2;
export const KIND_JSON = 3;
const KIND_CODES: ReadonlyMap<string, number> = new Map([
  ['boolean', KIND_BOOLEAN],
  ['string', KIND_STRING],
  ['number', KIND_NUMBER],
  ['json', KIND_JSON],
]);

// ---- shared frozen reasons ------------------------------------------------------------------------
export const REASON_OFF: Reason = Object.freeze({ kind: 'OFF' });
export const REASON_FALLTHROUGH: Reason = Object.freeze({ kind: 'FALLTHROUGH' });
export const REASON_TARGET_MATCH: Reason = Object.freeze({ kind: 'TARGET_MATCH' });

export type Detail = EvaluationDetail<unknown>;

/** Thrown (and caught) inside preparation to mark the flag or segment being prepared as malformed. */
class Malformed extends Error {}

function fail(message: string): never {
  throw new Malformed(message);
}

// ---- prepared structures (classes so that every instance has one shape) ----------------------------

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
    readonly regexes: readonly RegExp[],
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
    /** Per rollout entry: its variation index. */
    readonly variations: readonly number[],
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
  ) {}

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

// ---- helpers --------------------------------------------------------------------------------------


function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function arrayField(o: Record<string, unknown>, field: string): unknown[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(`${field} must be an array`);
  return v;
}

function optionalArrayField(o: Record<string, unknown>, field: string): unknown[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`${field} must be an array`);
  return v;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const v of value) if (!isJsonValue(v, depth + 1)) return false;
    return true;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const v of Object.values(value as object)) if (!isJsonValue(v, depth + 1)) return false;
    return true;
  }
  return false;
}

function fitsKind(kind: number, value: unknown): boolean {
  switch (kind) {
    case KIND_BOOLEAN:
      return typeof value === 'boolean';
    case KIND_STRING:
      return typeof value === 'string';
    case KIND_NUMBER:
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return isJsonValue(value, 0);
  }
}

function isVariationIndex(x: unknown, count: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < count;
}

// ---- clauses --------------------------------------------------------------------------------------

function prepareClause(raw: unknown, segmentRefs: string[]): PreparedClause {
  if (!isRecord(raw)) fail('a clause must be an object');
  const opName = raw.op;
  const op = typeof opName === 'string' ? OP_CODES.get(opName) : undefined;
  if (op === undefined) fail(`unknown operator ${String(opName)}`);
  const negate = raw.negate;
  if (negate !== undefined && typeof negate !== 'boolean') fail('negate must be a boolean');
  const attribute = raw.attribute;
  if (op !== OP_SEGMENT_MATCH && typeof attribute !== 'string') fail('a clause needs an attribute name');
  const values = arrayField(raw, 'values');
  for (const v of values) {
    const problem = clauseValueProblem(opName as OperatorName, v);
    if (problem !== undefined) fail(problem);
  }
  const strings: string[] = [];
  const numbers: number[] = [];
  const regexes: RegExp[] = [];
  const semvers: SemVer[] = [];
  let inStrings: Set<string> | null = null;
  let inNumbers: Set<number> | null = null;
  let inTrue = false;
  let inFalse = false;
  switch (op) {
    case OP_IN:
      for (const v of values) {
        if (typeof v === 'string') (inStrings ??= new Set()).add(v);
        else if (typeof v === 'number') (inNumbers ??= new Set()).add(v);
        else if (v === true) inTrue = true;
        else inFalse = true;
      }
      break;
    case OP_STARTS_WITH:
    case OP_ENDS_WITH:
    case OP_CONTAINS:
      for (const v of values) strings.push(v as string);
      break;
    case OP_SEGMENT_MATCH:
      for (const v of values) {
        strings.push(v as string);
        segmentRefs.push(v as string);
      }
      break;
    case OP_MATCHES:
      for (const v of values) {
        const r = compileSafeRegex(v as string);
        if (!r.ok) fail(r.message);
        regexes.push(r.regex);
      }
      break;
    case OP_LESS_THAN:
    case OP_LESS_THAN_OR_EQUAL:
    case OP_GREATER_THAN:
    case OP_GREATER_THAN_OR_EQUAL:
      for (const v of values) numbers.push(v as number);
      break;
    case OP_BEFORE:
    case OP_AFTER:
      for (const v of values) numbers.push(toInstant(v)!);
      break;
    default:
      for (const v of values) semvers.push(parseSemVer(v as string)!);
  }
  const attr = typeof attribute === 'string' ? attribute : '';
  return new PreparedClause(
    op,
    attr,
    attr === 'key',
    negate === true,
    strings,
    numbers,
    regexes,
    semvers,
    inStrings,
    inNumbers,
    inTrue,
    inFalse,
    [],
  );
}

function prepareClauses(raw: unknown, segmentRefs: string[]): PreparedClause[] {
  if (!Array.isArray(raw)) fail('clauses must be an array');
  return raw.map((c) => prepareClause(c, segmentRefs));
}

// ---- flags ----------------------------------------------------------------------------------------

interface FlagBuild {
  flag: PreparedFlag;
  variations: readonly unknown[];
  fits: readonly boolean[];
  flagPrefix: HashPrefix | null;
  salt: string;
}

function makeDetail(b: FlagBuild, variation: number, reason: Reason): Detail | null {
  if (!b.fits[variation]) return null;
  return Object.freeze({ value: b.variations[variation], variationIndex: variation, reason });
}

function prepareServe(b: FlagBuild, raw: unknown, reason: Reason, what: string): PreparedServe {
  if (!isRecord(raw)) fail(`${what} must be an object`);
  const count = b.variations.length;
  const hasVariation = raw.variation !== undefined;
  const hasRollout = raw.rollout !== undefined;
  if (hasVariation === hasRollout) fail(`${what} needs exactly one of variation and rollout`);
  if (hasVariation) {
    if (!isVariationIndex(raw.variation, count)) fail(`${what}: variation ${String(raw.variation)} out of range`);
    return new PreparedServe(makeDetail(b, raw.variation, reason), null);
  }
  const rollout = raw.rollout;
  if (!isRecord(rollout)) fail(`${what}: rollout must be an object`);
  const entries = arrayField(rollout, 'variations');
  if (entries.length === 0) fail(`${what}: empty rollout`);
  const thresholds: number[] = [];
  const variations: number[] = [];
  const details: (Detail | null)[] = [];
  let sum = 0;
  for (const e of entries) {
    if (!isRecord(e)) fail(`${what}: a rollout entry must be an object`);
    if (!isVariationIndex(e.variation, count)) fail(`${what}: rollout variation ${String(e.variation)} out of range`);
    const w = e.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) fail(`${what}: invalid rollout weight ${String(w)}`);
    sum += w / 100000;
    thresholds.push(sum);
    variations.push(e.variation);
    details.push(makeDetail(b, e.variation, reason));
  }
  const bucketBy = rollout.bucketBy;
  if (bucketBy !== undefined && typeof bucketBy !== 'string') fail(`${what}: bucketBy must be a string`);
  const seed = rollout.seed;
  let prefix: HashPrefix;
  if (seed !== undefined && seed !== null) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(`${what}: seed must be a number`);
    prefix = createHashPrefix(`${seed}.`);
  } else {
    prefix = b.flagPrefix ??= createHashPrefix(`${b.flag.key}.${b.salt}.`);
  }
  const by = bucketBy ?? 'key';
  return new PreparedServe(null, new PreparedRollout(prefix, by, by === 'key', thresholds, variations, details));
}

function prepareFlag(key: string, raw: unknown, flag: PreparedFlag): void {
  flag.key = key;
  if (!isRecord(raw)) fail('a flag must be an object');
  if (raw.key !== key) fail(`flag stored under ${JSON.stringify(key)} has key ${JSON.stringify(raw.key)}`);
  flag.clientSideAvailable = raw.clientSideAvailable === true;
  const kind = typeof raw.kind === 'string' ? KIND_CODES.get(raw.kind) : undefined;
  if (kind === undefined) fail(`unknown kind ${String(raw.kind)}`);
  flag.kind = kind;
  const rawVariations = arrayField(raw, 'variations');
  if (rawVariations.length === 0) fail('a flag needs at least one variation');
  const fits = rawVariations.map((v) => fitsKind(kind, v));
  // Results hand out variation values; give out frozen copies so callers cannot alter the snapshot.
  const variations = rawVariations.map((v, i) => (fits[i] && typeof v === 'object' && v !== null ? deepFreeze(structuredClone(v)) : v));
  if (typeof raw.salt !== 'string') fail('salt must be a string');
  const b: FlagBuild = { flag, variations, fits, flagPrefix: null, salt: raw.salt };
  const count = variations.length;

  if (typeof raw.on !== 'boolean') fail('on must be a boolean');
  flag.on = raw.on;
  if (!isVariationIndex(raw.offVariation, count)) fail(`offVariation ${String(raw.offVariation)} out of range`);
  const off = raw.offVariation;
  flag.offDetail = makeDetail(b, off, REASON_OFF);

  for (const p of optionalArrayField(raw, 'prerequisites')) {
    if (!isRecord(p) || typeof p.key !== 'string') fail('a prerequisite needs a key');
    const v = p.variation;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`prerequisite ${p.key}: invalid variation`);
    const reason: Reason = Object.freeze({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: p.key });
    flag.prerequisites.push(new PreparedPrerequisite(p.key, v, makeDetail(b, off, reason), undefined));
    flag.prerequisiteKeys.push(p.key);
  }

  const targetDetails: (Detail | null | undefined)[] = [];
  for (const t of optionalArrayField(raw, 'targets')) {
    if (!isRecord(t)) fail('a target must be an object');
    if (!isVariationIndex(t.variation, count)) fail(`target variation ${String(t.variation)} out of range`);
    const detail = (targetDetails[t.variation] ??= makeDetail(b, t.variation, REASON_TARGET_MATCH));
    for (const ctxKey of arrayField(t, 'values')) {
      if (typeof ctxKey !== 'string') fail('target values must be context keys (strings)');
      flag.targets ??= new Map();
      // The first target listing a key wins.
      if (!flag.targets.has(ctxKey)) flag.targets.set(ctxKey, detail);
    }
  }

  optionalArrayField(raw, 'rules').forEach((r, i) => {
    if (!isRecord(r)) fail('a rule must be an object');
    if (typeof r.id !== 'string') fail(`rules[${i}] needs an id`);
    const clauses = prepareClauses(r.clauses, flag.segmentRefs);
    const reason: Reason = Object.freeze({ kind: 'RULE_MATCH', ruleIndex: i, ruleId: r.id });
    flag.rules.push(new PreparedRule(clauses, prepareServe(b, r, reason, `rules[${i}]`)));
  });

  flag.fallthrough = prepareServe(b, raw.fallthrough, REASON_FALLTHROUGH, 'fallthrough');
}

// ---- segments -------------------------------------------------------------------------------------

function stringSet(raw: Record<string, unknown>, field: string): Set<string> {
  const set = new Set<string>();
  for (const v of optionalArrayField(raw, field)) {
    if (typeof v !== 'string') fail(`${field} must list context keys (strings)`);
    set.add(v);
  }
  return set;
}

function prepareSegment(key: string, raw: unknown, segment: PreparedSegment): void {
  segment.key = key;
  if (!isRecord(raw)) fail('a segment must be an object');
  if (raw.key !== key) fail(`segment stored under ${JSON.stringify(key)} has key ${JSON.stringify(raw.key)}`);
  segment.included = stringSet(raw, 'included');
  segment.excluded = stringSet(raw, 'excluded');
  for (const r of optionalArrayField(raw, 'rules')) {
    if (!isRecord(r)) fail('a segment rule must be an object');
    segment.rules.push(prepareClauses(r.clauses, segment.segmentRefs));
  }
}

// ---- snapshot -------------------------------------------------------------------------------------

function markMalformed(target: PreparedFlag | PreparedSegment, e: unknown): void {
  target.malformed = true;
  target.malformedReason = e instanceof Malformed ? e.message : `unexpected error: ${String(e)}`;
}

function resolveClauses(clauses: readonly PreparedClause[], segments: ReadonlyMap<string, PreparedSegment>): void {
  for (const c of clauses) {
    if (c.op === OP_SEGMENT_MATCH) c.segments = c.strings.map((k) => segments.get(k));
  }
}

/** Flags that lie on a prerequisite cycle (including a flag that is its own prerequisite). */
function flagsOnCycles(flags: ReadonlyMap<string, PreparedFlag>): Set<string> {
  // Tarjan's strongly connected components, iterative.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Set<string>();
  let next = 0;
  for (const start of flags.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = flags.get(frame.node)!.prerequisiteKeys;
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!flags.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        const only = component[0]!;
        if (component.length > 1 || flags.get(only)!.prerequisiteKeys.includes(only)) {
          for (const c of component) result.add(c);
        }
      }
    }
  }
  return result;
}

const EMPTY: Record<string, unknown> = {};

/**
 * Prepare a snapshot for evaluation. Never throws and never modifies `snapshot`; invalid flags are
 * marked malformed, and a value that is not a snapshot at all gives an empty prepared snapshot.
 */
export function prepareSnapshot(snapshot: Snapshot): PreparedSnapshot {
  const raw: Record<string, unknown> = isRecord(snapshot) ? snapshot : EMPTY;
  const rawFlags = isRecord(raw.flags) ? raw.flags : EMPTY;
  const rawSegments = isRecord(raw.segments) ? raw.segments : EMPTY;

  const segments = new Map<string, PreparedSegment>();
  for (const key of Object.keys(rawSegments)) {
    const segment = new PreparedSegment();
    try {
      prepareSegment(key, rawSegments[key], segment);
    } catch (e) {
      markMalformed(segment, e);
    }
    segments.set(key, segment);
  }
  for (const segment of segments.values()) for (const rule of segment.rules) resolveClauses(rule, segments);

  const flags = new Map<string, PreparedFlag>();
  for (const key of Object.keys(rawFlags)) {
    const flag = new PreparedFlag();
    try {
      prepareFlag(key, rawFlags[key], flag);
    } catch (e) {
      markMalformed(flag, e);
    }
    flags.set(key, flag);
  }

  // Malformed segments make every flag that can reach them (through segmentMatch, transitively) malformed.
  const reachesMalformed = (refs: readonly string[], seen: Set<string>): string | undefined => {
    for (const k of refs) {
      if (seen.has(k)) continue;
      seen.add(k);
      const s = segments.get(k);
      if (s === undefined) continue;
      if (s.malformed) return k;
      const deeper = reachesMalformed(s.segmentRefs, seen);
      if (deeper !== undefined) return deeper;
    }
    return undefined;
  };
  const onCycles = flagsOnCycles(flags);
  for (const flag of flags.values()) {
    if (flag.malformed) continue;
    const bad = reachesMalformed(flag.segmentRefs, new Set());
    if (bad !== undefined) {
      markMalformed(flag, new Malformed(`segment ${JSON.stringify(bad)} is malformed: ${segments.get(bad)!.malformedReason}`));
    } else if (onCycles.has(flag.key)) {
      markMalformed(flag, new Malformed('prerequisite cycle'));
    }
  }
  for (const flag of flags.values()) {
    if (flag.malformed) continue;
    for (const rule of flag.rules) resolveClauses(rule.clauses, segments);
    for (const p of flag.prerequisites) p.flag = flags.get(p.key);
  }

  const environment = typeof raw.environment === 'string' ? raw.environment : '';
  const version = typeof raw.version === 'number' ? raw.version : 0;
  return new PreparedSnapshot(environment, version, flags, segments);
}
