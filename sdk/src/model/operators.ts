/**
 * The clause operators, keyed by name, each with the check of the values it takes. This table is the
 * only list of operators: the schemas' enum and the engine's dispatch are derived from it by name, so
 * adding, removing or reordering an entry cannot make them disagree. Both the schemas (which refuse a
 * bad value with a message) and the engine (which marks a flag with one MALFORMED_FLAG) use these checks.
 */
import { toInstant } from './dates.ts';
import { compileSafeRegex } from './regex.ts';
import { parseSemVer } from './semver.ts';

/** A clause value: a string, a finite number or a boolean (which of these an operator takes: its entry below). */
export type ClauseValue = string | number | boolean;

/** Why `value` is not a value the operator `op` takes, or undefined when it is. */
type ValueCheck = (value: ClauseValue, op: string) => string | undefined;

function describe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const anyValue: ValueCheck = () => undefined;

const strings: ValueCheck = (v, op) => (typeof v === 'string' ? undefined : `${op} takes string values, got ${describe(v)}`);

const safePatterns: ValueCheck = (v) => {
  if (typeof v !== 'string') return `matches takes regular expression strings, got ${describe(v)}`;
  const r = compileSafeRegex(v);
  return r.ok ? undefined : r.message;
};

const numbers: ValueCheck = (v, op) => (typeof v === 'number' ? undefined : `${op} takes number values, got ${describe(v)}`);

const instants: ValueCheck = (v, op) =>
  typeof v !== 'boolean' && toInstant(v) !== undefined
    ? undefined
    : `${op} takes an ISO-8601 date or date-time with an offset, or epoch milliseconds, got ${describe(v)}`;

const semVers: ValueCheck = (v, op) =>
  typeof v === 'string' && parseSemVer(v) !== undefined
    ? undefined
    : `${op} takes semantic versions such as "1.2.3" or "2.0.0-rc.1", got ${describe(v)}`;

const segmentKeys: ValueCheck = (v) =>
  typeof v === 'string' && v.length > 0 ? undefined : `segmentMatch takes segment keys, got ${describe(v)}`;

export const OPERATOR_TABLE = {
  /** Equal to one of the values (strings, numbers and booleans never equal each other). */
  in: { valueProblem: anyValue },
  startsWith: { valueProblem: strings },
  endsWith: { valueProblem: strings },
  contains: { valueProblem: strings },
  /** The attribute matches one of the patterns (unanchored, see ./regex.ts). */
  matches: { valueProblem: safePatterns },
  lessThan: { valueProblem: numbers },
  lessThanOrEqual: { valueProblem: numbers },
  greaterThan: { valueProblem: numbers },
  greaterThanOrEqual: { valueProblem: numbers },
  /** Instants (./dates.ts) compared with the attribute read as an instant. */
  before: { valueProblem: instants },
  after: { valueProblem: instants },
  /** Semantic versions (./semver.ts) compared by precedence. */
  semVerEqual: { valueProblem: semVers },
  semVerLessThan: { valueProblem: semVers },
  semVerGreaterThan: { valueProblem: semVers },
  /** The context is in one of the segments named by the values (the clause's attribute is ignored). */
  segmentMatch: { valueProblem: segmentKeys },
} as const satisfies Record<string, { readonly valueProblem: ValueCheck }>;

export type Operator = keyof typeof OPERATOR_TABLE;

/** The operators' names, in the table's order. */
export const OPERATORS = Object.keys(OPERATOR_TABLE) as readonly Operator[];

export function isOperator(name: unknown): name is Operator {
  return typeof name === 'string' && Object.hasOwn(OPERATOR_TABLE, name);
}

/** Why `value` is not an acceptable clause value for `op`, or undefined when it is. */
export function clauseValueProblem(op: Operator, value: unknown): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return `clause values must be finite numbers, got ${describe(value)}`;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return `a clause value must be a string, a number or a boolean, got ${describe(value)}`;
  }
  return isOperator(op) ? OPERATOR_TABLE[op].valueProblem(value, op) : `unknown operator ${describe(op)}`;
}
