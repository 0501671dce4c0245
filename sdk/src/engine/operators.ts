/**
 * The clause operators and what values each accepts. Zod-free so that both the schemas (which refuse
 * bad values with a message) and the engine (which marks flags with bad values MALFORMED_FLAG) use the
 * same rules.
 */
import { compileSafeRegex } from './regex.ts';
import { parseSemVer } from './semver.ts';
import { toInstant } from './dates.ts';

export const OPERATORS = [
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'before',
  'after',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
  'segmentMatch',
] as const;

export type OperatorName = (typeof OPERATORS)[number];

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Why `value` is not an acceptable clause value for `op`, or undefined when it is. */
export function clauseValueProblem(op: OperatorName, value: unknown): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `clause values must be finite numbers, got ${describe(value)}`;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return `a clause value must be a string, a number or a boolean, got ${describe(value)}`;
  }
  switch (op) {
    case 'in':
      return undefined;
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      return typeof value === 'string' ? undefined : `${op} takes string values, got ${describe(value)}`;
    case 'matches': {
      if (typeof value !== 'string') return `matches takes regular expression strings, got ${describe(value)}`;
      const r = compileSafeRegex(value);
      return r.ok ? undefined : r.message;
    }
    case 'lessThan':
    case 'lessThanOrEqual':
    case 'greaterThan':
    case 'greaterThanOrEqual':
      return typeof value === 'number' ? undefined : `${op} takes number values, got ${describe(value)}`;
    case 'before':
    case 'after':
      return typeof value !== 'boolean' && toInstant(value) !== undefined
        ? undefined
        : `${op} takes an ISO-8601 date or date-time with an offset, or epoch milliseconds, got ${describe(value)}`;
    case 'semVerEqual':
    case 'semVerLessThan':
    case 'semVerGreaterThan':
      return typeof value === 'string' && parseSemVer(value) !== undefined
        ? undefined
        : `${op} takes semantic versions such as "1.2.3" or "2.0.0-rc.1", got ${describe(value)}`;
    case 'segmentMatch':
      return typeof value === 'string' && value.length > 0 ? undefined : `segmentMatch takes segment keys, got ${describe(value)}`;
    default:
      return `unknown operator ${describe(op)}`;
  }
}
