import { type Clause, type ClauseValue, LIMITS, type Operator, type Rule } from '@switchyard/sdk/model';
import { type ListType, listTypeOf, parseValue, textOfValue, valueInputOf } from './clause-values.ts';
import { type ServeDraft, serveDraftOf, serveOf } from './serve-draft.ts';

/** A clause as the form holds it: its values as typed, one text a value (a line of a list). */
export type ClauseDraft = {
  /** Identifies the clause in the form (React keys, element ids); never stored. */
  uid: string;
  attribute: string;
  op: Operator;
  negate: boolean;
  texts: string[];
  listType: ListType;
  /** The clause as read, and its texts then: values left as read are written back exactly as read. */
  read: { op: Operator; listType: ListType; texts: string[]; values: ClauseValue[] } | null;
};

export type RuleDraft = ServeDraft & {
  /** Identifies the rule in the form (React keys, element ids); never stored. */
  uid: string;
  /** The rule's id, kept as read; a new rule gets a fresh one. */
  id: string;
  description: string | undefined;
  clauses: ClauseDraft[];
};

/** Random hex: crypto.randomUUID needs a secure context, which a console behind plain HTTP is not. */
function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export const newUid = () => randomHex(6);

export function clauseDraftOf(clause: Clause): ClauseDraft {
  const input = valueInputOf(clause.op);
  const texts = clause.values.map((value) => textOfValue(input, value));
  const listType = listTypeOf(clause.values);
  return {
    uid: newUid(),
    attribute: clause.attribute,
    op: clause.op,
    negate: clause.negate ?? false,
    texts,
    listType,
    read: { op: clause.op, listType, texts, values: clause.values },
  };
}

export const newClause = (): ClauseDraft => ({
  uid: newUid(),
  attribute: '',
  op: 'in',
  negate: false,
  texts: [],
  listType: 'string',
  read: null,
});

export function ruleDraftOf(rule: Rule, variationCount: number): RuleDraft {
  return {
    ...serveDraftOf(rule, variationCount),
    uid: newUid(),
    id: rule.id,
    description: rule.description,
    clauses: rule.clauses.map(clauseDraftOf),
  };
}

export const newRule = (variationCount: number): RuleDraft => ({
  ...serveDraftOf({ variation: 0 }, variationCount),
  uid: newUid(),
  id: `rule-${randomHex(4)}`,
  description: undefined,
  clauses: [newClause()],
});

/** The texts that hold a value: blank lines and empty inputs are left out. */
export const filledTexts = (clause: ClauseDraft) => clause.texts.filter((text) => text.trim() !== '');

/** The clause's values as stored; a value that does not parse is kept as typed (the form refuses to save it). */
function valuesOf(clause: ClauseDraft): ClauseValue[] {
  const texts = filledTexts(clause);
  const { read } = clause;
  if (read && read.op === clause.op && read.listType === clause.listType && JSON.stringify(read.texts) === JSON.stringify(texts)) {
    return read.values;
  }
  return texts.map((text) => parseValue(clause.op, clause.listType, text).value ?? text);
}

// Keys in the order the server's schemas write them, so that an untouched rule compares equal to the one read.
export function clauseOf(clause: ClauseDraft): Clause {
  return {
    attribute: clause.op === 'segmentMatch' ? '' : clause.attribute.trim(),
    op: clause.op,
    values: valuesOf(clause),
    ...(clause.negate ? { negate: true } : {}),
  };
}

export function ruleOf(rule: RuleDraft): Rule {
  return {
    id: rule.id,
    ...(rule.description === undefined ? {} : { description: rule.description }),
    clauses: rule.clauses.map(clauseOf),
    ...serveOf(rule),
  };
}

/** Where a problem is shown: the attribute input, one value's input (by index in `texts`), or the values as a whole. */
export type ClauseProblems = { attribute?: string; values: Map<number, string>; clause?: string };

export function clauseProblems(clause: ClauseDraft): ClauseProblems {
  const problems: ClauseProblems = { values: new Map() };
  if (clause.op !== 'segmentMatch' && clause.attribute.trim() === '') problems.attribute = 'Give the context attribute to compare';
  let filled = 0;
  clause.texts.forEach((text, i) => {
    if (text.trim() === '') return;
    filled++;
    const parsed = parseValue(clause.op, clause.listType, text);
    if (parsed.problem !== undefined) problems.values.set(i, parsed.problem);
  });
  if (filled === 0) problems.clause = clause.op === 'segmentMatch' ? 'Pick at least one segment' : 'Give at least one value';
  if (filled > LIMITS.maxValuesPerClause) problems.clause = `A clause can have at most ${LIMITS.maxValuesPerClause} values`;
  return problems;
}

export const clauseIsValid = (clause: ClauseDraft) => {
  const problems = clauseProblems(clause);
  return problems.attribute === undefined && problems.clause === undefined && problems.values.size === 0;
};
