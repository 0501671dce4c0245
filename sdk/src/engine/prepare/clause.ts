/** Compiling a clause: its operator's code and its values in the form that operator compares against. */
import {
  clauseValueProblem,
  compileSafeRegex,
  isOperator,
  type PatternMatcher,
  parseSemVer,
  type SemVer,
  toInstant,
} from '../../model/index.ts';
import { operatorCode } from '../codes.ts';
import { PreparedClause } from '../prepared.ts';
import { arrayField, fail, isRecord } from './read.ts';

/** Compiles one clause; the segment keys it names are added to `segmentRefs`. */
function prepareClause(raw: unknown, segmentRefs: string[]): PreparedClause {
  if (!isRecord(raw)) fail('a clause must be an object');
  const opName = raw.op;
  if (!isOperator(opName)) fail(`unknown operator ${String(opName)}`);
  const negate = raw.negate;
  if (negate !== undefined && typeof negate !== 'boolean') fail('negate must be a boolean');
  const attribute = raw.attribute;
  if (opName !== 'segmentMatch' && typeof attribute !== 'string') fail('a clause needs an attribute name');
  const values = arrayField(raw, 'values');
  for (const v of values) {
    const problem = clauseValueProblem(opName, v);
    if (problem !== undefined) fail(problem);
  }
  const strings: string[] = [];
  const numbers: number[] = [];
  const patterns: PatternMatcher[] = [];
  const semvers: SemVer[] = [];
  let inStrings: Set<string> | null = null;
  let inNumbers: Set<number> | null = null;
  let inTrue = false;
  let inFalse = false;
  switch (opName) {
    case 'in':
      for (const v of values) {
        if (typeof v === 'string') (inStrings ??= new Set()).add(v);
        else if (typeof v === 'number') (inNumbers ??= new Set()).add(v);
        else if (v === true) inTrue = true;
        else inFalse = true;
      }
      break;
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      for (const v of values) strings.push(v as string);
      break;
    case 'segmentMatch':
      for (const v of values) {
        strings.push(v as string);
        segmentRefs.push(v as string);
      }
      break;
    case 'matches':
      for (const v of values) {
        const r = compileSafeRegex(v as string);
        if (!r.ok) fail(r.message);
        patterns.push(r.matcher);
      }
      break;
    case 'lessThan':
    case 'lessThanOrEqual':
    case 'greaterThan':
    case 'greaterThanOrEqual':
      for (const v of values) numbers.push(v as number);
      break;
    case 'before':
    case 'after':
      for (const v of values) numbers.push(toInstant(v)!);
      break;
    case 'semVerEqual':
    case 'semVerLessThan':
    case 'semVerGreaterThan':
      for (const v of values) semvers.push(parseSemVer(v as string)!);
      break;
    default:
      // Every operator of the model's table has a case above.
      opName satisfies never;
  }
  const attr = typeof attribute === 'string' ? attribute : '';
  return new PreparedClause(
    operatorCode(opName),
    attr,
    attr === 'key',
    negate === true,
    strings,
    numbers,
    patterns,
    semvers,
    inStrings,
    inNumbers,
    inTrue,
    inFalse,
    [],
  );
}

/** Compiles a rule's clauses; the segment keys they name are added to `segmentRefs`. */
export function prepareClauses(raw: unknown, segmentRefs: string[]): PreparedClause[] {
  if (!Array.isArray(raw)) fail('clauses must be an array');
  return raw.map((c) => prepareClause(c, segmentRefs));
}
