import {
  type ClauseValue,
  clauseValueProblem,
  compileSafeRegex,
  LIMITS,
  type Operator,
  parseSemVer,
  toInstant,
} from '@switchyard/sdk/model';

/**
 * How a clause's values are typed, by operator: lists of text (one a line), or one input a value of the
 * operator's kind (patterns, numbers, date-times, versions), or segments picked by name.
 */
export type ValueInput = 'list' | 'pattern' | 'number' | 'date' | 'semver' | 'segment';

const INPUT_OF: Record<Operator, ValueInput> = {
  in: 'list',
  startsWith: 'list',
  endsWith: 'list',
  contains: 'list',
  matches: 'pattern',
  lessThan: 'number',
  lessThanOrEqual: 'number',
  greaterThan: 'number',
  greaterThanOrEqual: 'number',
  before: 'date',
  after: 'date',
  semVerEqual: 'semver',
  semVerLessThan: 'semver',
  semVerGreaterThan: 'semver',
  segmentMatch: 'segment',
};

export const valueInputOf = (op: Operator): ValueInput => INPUT_OF[op];

/** What people read in the operator picker. */
export const OPERATOR_LABELS: Record<Operator, string> = {
  in: 'is one of',
  startsWith: 'starts with',
  endsWith: 'ends with',
  contains: 'contains',
  matches: 'matches the regular expression',
  lessThan: 'is less than',
  lessThanOrEqual: 'is at most',
  greaterThan: 'is greater than',
  greaterThanOrEqual: 'is at least',
  before: 'is before',
  after: 'is after',
  semVerEqual: 'is version',
  semVerLessThan: 'is a version below',
  semVerGreaterThan: 'is a version above',
  segmentMatch: 'is in the segment',
};

/** The JSON type the values of an `in` clause are compared as (strings, numbers and booleans never equal each other). */
export type ListType = 'string' | 'number' | 'boolean';

export type ParsedValue = { value: ClauseValue; problem?: undefined } | { value?: undefined; problem: string };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant as a datetime-local input shows it: the browser's own time zone, to the second (left out when 0, as the input does). */
function localDateTime(instant: number): string {
  const d = new Date(instant);
  const seconds = d.getSeconds() === 0 ? '' : `:${pad(d.getSeconds())}`;
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}${seconds}`;
}

/** A stored clause value as its input shows it. */
export function textOfValue(input: ValueInput, value: ClauseValue): string {
  if (input === 'date') {
    const instant = toInstant(value);
    return instant === undefined ? String(value) : localDateTime(instant);
  }
  return String(value);
}

/**
 * One value as typed, as the model stores it, or why it cannot be: the input's own reading first, then
 * the model's check of the operator's values (the one the server applies, so what passes here passes there).
 */
export function parseValue(op: Operator, listType: ListType, typed: string): ParsedValue {
  const input = valueInputOf(op);
  // A list shows one value a line, where spaces around a value cannot be seen: they are not kept.
  const text = input === 'list' ? typed.trim() : typed;
  let value: ClauseValue = text;
  if (input === 'number' || (input === 'list' && listType === 'number')) {
    const trimmed = text.trim();
    const number = trimmed === '' ? Number.NaN : Number(trimmed);
    if (!Number.isFinite(number)) return { problem: `“${text}” is not a number` };
    value = number;
  } else if (input === 'list' && listType === 'boolean') {
    if (text.trim() !== 'true' && text.trim() !== 'false') return { problem: `“${text}” is neither true nor false` };
    value = text.trim() === 'true';
  } else if (input === 'date') {
    // A datetime-local value has no offset: it is read in the browser's time zone and stored in UTC.
    const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? new Date(text).getTime() : Number.NaN;
    if (!Number.isFinite(instant)) return { problem: 'Give a date and a time' };
    value = new Date(instant).toISOString();
  } else if (input === 'semver') {
    if (parseSemVer(text.trim()) === undefined) return { problem: `“${text}” is not a semantic version such as 1.2.3 or 2.0.0-rc.1` };
    value = text.trim();
  } else if (input === 'pattern') {
    const compiled = compileSafeRegex(text);
    if (!compiled.ok) return { problem: compiled.message.replace(/^./, (c) => c.toUpperCase()) };
  }
  if (typeof value === 'string' && value.length > LIMITS.maxClauseValueLength) {
    return { problem: `A value can be at most ${LIMITS.maxClauseValueLength} characters long` };
  }
  const problem = clauseValueProblem(op, value);
  return problem === undefined ? { value } : { problem };
}

/** The type an `in` clause's stored values share (the first value's; text when there are none). */
export function listTypeOf(values: readonly ClauseValue[]): ListType {
  const first = values[0];
  return typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'string';
}
