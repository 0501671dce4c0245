/** Preparing one flag as a whole: kind and variations, on/off, prerequisites, targets, rules and fallthrough. */
import { EVENT_KEY_PATTERN, METRICS_LIMITS, type Reason, variationValueFitsKind } from '../../model/index.ts';
import { kindCode } from '../codes.ts';
import { type Detail, type PreparedFlag, PreparedRule } from '../prepared.ts';
import { REASON_FALLTHROUGH, REASON_OFF, REASON_TARGET_MATCH } from '../reasons.ts';
import { prepareClauses } from './clause.ts';
import { type FlagBuild, makeDetail } from './flag-build.ts';
import { preparePrerequisites } from './prerequisites.ts';
import { arrayField, fail, isRecord, isVariationIndex, optionalArrayField } from './read.ts';
import { prepareServe } from './serve.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function prepareTargets(b: FlagBuild, raw: Record<string, unknown>): void {
  const flag = b.flag;
  const count = b.variations.length;
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
}

function prepareRules(b: FlagBuild, raw: Record<string, unknown>): void {
  const flag = b.flag;
  optionalArrayField(raw, 'rules').forEach((r, i) => {
    if (!isRecord(r)) fail('a rule must be an object');
    if (typeof r.id !== 'string') fail(`rules[${i}] needs an id`);
    const clauses = prepareClauses(r.clauses, flag.segmentRefs);
    const reason: Reason = Object.freeze({ kind: 'RULE_MATCH', ruleIndex: i, ruleId: r.id });
    flag.rules.push(new PreparedRule(clauses, prepareServe(b, r, reason, `rules[${i}]`)));
  });
}

/**
 * The event keys of a guarded release: valid keys only, each once, at most METRICS_LIMITS.maxGuardedMetrics.
 * They do not affect evaluation, so a bad list never makes the flag malformed; what cannot be read is ignored.
 */
function guardedMetrics(raw: unknown): readonly string[] {
  if (!Array.isArray(raw)) return [];
  const keys = raw.filter(
    (k): k is string => typeof k === 'string' && k.length <= METRICS_LIMITS.maxEventKeyLength && EVENT_KEY_PATTERN.test(k),
  );
  return Object.freeze([...new Set(keys)].slice(0, METRICS_LIMITS.maxGuardedMetrics));
}

/** Fills `flag` from the raw definition stored under `key`; throws Malformed at the first invalid piece. */
export function prepareFlag(key: string, raw: unknown, flag: PreparedFlag): void {
  flag.key = key;
  if (!isRecord(raw)) fail('a flag must be an object');
  if (raw.key !== key) fail(`flag stored under ${JSON.stringify(key)} has key ${JSON.stringify(raw.key)}`);
  flag.guardedMetrics = guardedMetrics(raw.guardedMetrics);
  flag.guarded = flag.guardedMetrics.length > 0;
  flag.clientSideAvailable = raw.clientSideAvailable === true;
  const kind = kindCode(raw.kind);
  if (kind < 0) fail(`unknown kind ${String(raw.kind)}`);
  flag.kind = kind;
  const rawVariations = arrayField(raw, 'variations');
  flag.variationCount = rawVariations.length;
  if (rawVariations.length === 0) fail('a flag needs at least one variation');
  const fits = rawVariations.map((v) => variationValueFitsKind(raw.kind as string, v));
  // Results hand out variation values; give out frozen copies so callers cannot alter the snapshot.
  const variations = rawVariations.map((v, i) => (fits[i] && typeof v === 'object' && v !== null ? deepFreeze(structuredClone(v)) : v));
  if (typeof raw.salt !== 'string') fail('salt must be a string');
  flag.salt = raw.salt;
  const b: FlagBuild = { flag, variations, fits, flagPrefix: null, salt: raw.salt };

  if (typeof raw.on !== 'boolean') fail('on must be a boolean');
  flag.on = raw.on;
  if (!isVariationIndex(raw.offVariation, variations.length)) fail(`offVariation ${String(raw.offVariation)} out of range`);
  const off = raw.offVariation;
  flag.offDetail = makeDetail(b, off, REASON_OFF);
  preparePrerequisites(b, raw, off);
  prepareTargets(b, raw);
  prepareRules(b, raw);
  flag.fallthrough = prepareServe(b, raw.fallthrough, REASON_FALLTHROUGH, 'fallthrough');
}
