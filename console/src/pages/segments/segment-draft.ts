import { type ClauseValue, clauseValueProblem, type Operator } from '@switchyard/sdk/model';
import type { Clause, Segment, SegmentContent, SegmentRule } from './segments-api.ts';

/** How an `in` clause's lines are read: context attributes of another type never equal them. */
export type ListType = 'text' | 'number' | 'boolean';

/** A clause as edited: its values one a line, read by the operator's kind when saved. */
export type ClauseDraft = { id: number; attribute: string; op: Operator; values: string; listType: ListType; negate: boolean };
export type RuleDraft = { id: number; ruleId: string | undefined; clauses: ClauseDraft[] };
export type SegmentDraft = { name: string; description: string; included: string; excluded: string; rules: RuleDraft[] };

/** The kind of value each operator takes, and what the editor says about it. */
const VALUE_KINDS: Record<Operator, { kind: 'list' | 'number' | 'instant' | 'text'; hint: string }> = {
  in: { kind: 'list', hint: 'The attribute equals one of these.' },
  startsWith: { kind: 'text', hint: 'The attribute starts with one of these.' },
  endsWith: { kind: 'text', hint: 'The attribute ends with one of these.' },
  contains: { kind: 'text', hint: 'The attribute contains one of these.' },
  matches: { kind: 'text', hint: 'Regular expressions, unanchored; the attribute matches one of them.' },
  lessThan: { kind: 'number', hint: 'Numbers.' },
  lessThanOrEqual: { kind: 'number', hint: 'Numbers.' },
  greaterThan: { kind: 'number', hint: 'Numbers.' },
  greaterThanOrEqual: { kind: 'number', hint: 'Numbers.' },
  before: { kind: 'instant', hint: 'ISO-8601 dates or date-times with an offset (2026-01-31T12:00:00Z), or epoch milliseconds.' },
  after: { kind: 'instant', hint: 'ISO-8601 dates or date-times with an offset (2026-01-31T12:00:00Z), or epoch milliseconds.' },
  semVerEqual: { kind: 'text', hint: 'Semantic versions such as 1.2.3 or 2.0.0-rc.1.' },
  semVerLessThan: { kind: 'text', hint: 'Semantic versions such as 1.2.3 or 2.0.0-rc.1.' },
  semVerGreaterThan: { kind: 'text', hint: 'Semantic versions such as 1.2.3 or 2.0.0-rc.1.' },
  segmentMatch: { kind: 'text', hint: 'Keys of other segments of this environment; the attribute is not used.' },
};

export const valueHint = (op: Operator): string => VALUE_KINDS[op].hint;
export const takesListType = (op: Operator): boolean => VALUE_KINDS[op].kind === 'list';
export const usesAttribute = (op: Operator): boolean => op !== 'segmentMatch';

let nextId = 0;
const newId = () => ++nextId;

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

function listTypeOf(values: ClauseValue[]): ListType {
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return 'number';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return 'text';
}

export const emptyClause = (): ClauseDraft => ({ id: newId(), attribute: '', op: 'in', values: '', listType: 'text', negate: false });
export const emptyRule = (): RuleDraft => ({ id: newId(), ruleId: undefined, clauses: [emptyClause()] });

const clauseDraft = (clause: Clause): ClauseDraft => ({
  id: newId(),
  attribute: clause.attribute,
  op: clause.op,
  values: clause.values.map(String).join('\n'),
  listType: listTypeOf(clause.values),
  negate: clause.negate ?? false,
});

export const draftOf = (segment: Segment): SegmentDraft => ({
  name: segment.name,
  description: segment.description,
  included: segment.included.join('\n'),
  excluded: segment.excluded.join('\n'),
  rules: segment.rules.map((rule) => ({ id: newId(), ruleId: rule.id, clauses: rule.clauses.map(clauseDraft) })),
});

/** One line as the value the operator takes (a number stays text when it does not read as one: the check says so). */
function parseLine(clause: ClauseDraft, line: string): ClauseValue {
  const { kind } = VALUE_KINDS[clause.op];
  const asNumber = (text: string): ClauseValue => (text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
  if (kind === 'number') return asNumber(line);
  if (kind === 'instant') return /^-?\d+$/.test(line) ? Number(line) : line;
  if (kind === 'list' && clause.listType === 'number') return asNumber(line);
  if (kind === 'list' && clause.listType === 'boolean') return line === 'true' ? true : line === 'false' ? false : line;
  return line;
}

export const clauseValues = (clause: ClauseDraft): ClauseValue[] => lines(clause.values).map((line) => parseLine(clause, line));

/** Why the clause cannot be saved, checked with the SDK's own rules; empty when it can. */
export function clauseProblems(clause: ClauseDraft): string[] {
  const problems: string[] = [];
  if (usesAttribute(clause.op) && clause.attribute.trim() === '') problems.push(`${clause.op} needs an attribute name`);
  const values = clauseValues(clause);
  if (values.length === 0) problems.push('a clause needs at least one value');
  if (takesListType(clause.op) && clause.listType === 'boolean') {
    for (const v of values) if (typeof v !== 'boolean') problems.push(`“${v}” is neither true nor false`);
  }
  if (takesListType(clause.op) && clause.listType === 'number') {
    for (const v of values) if (typeof v !== 'number') problems.push(`“${v}” is not a number`);
  }
  for (const v of values) {
    const problem = clauseValueProblem(clause.op, v);
    if (problem) problems.push(problem);
  }
  return problems;
}

export const draftProblems = (draft: SegmentDraft): number =>
  draft.rules.reduce((sum, rule) => sum + rule.clauses.reduce((n, clause) => n + clauseProblems(clause).length, 0), 0);

export function contentOf(draft: SegmentDraft): SegmentContent {
  const rules: SegmentRule[] = draft.rules.map((rule) => ({
    ...(rule.ruleId ? { id: rule.ruleId } : {}),
    clauses: rule.clauses.map((clause) => ({
      attribute: usesAttribute(clause.op) ? clause.attribute.trim() : '',
      op: clause.op,
      values: clauseValues(clause),
      ...(clause.negate ? { negate: true } : {}),
    })),
  }));
  return {
    name: draft.name.trim(),
    description: draft.description.trim(),
    included: lines(draft.included),
    excluded: lines(draft.excluded),
    rules,
  };
}
