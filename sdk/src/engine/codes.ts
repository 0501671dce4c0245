/**
 * The small integers the hot path switches on. Each is its operator's or kind's position in the model's
 * list, looked up by name, so the codes follow the model's table whatever its order.
 */
import { FLAG_KINDS, type FlagKind, OPERATORS, type Operator } from '../model/index.ts';

const OPERATOR_CODES: ReadonlyMap<Operator, number> = new Map(OPERATORS.map((op, i) => [op, i]));

export const operatorCode = (op: Operator): number => OPERATOR_CODES.get(op)!;

export const OP_IN = operatorCode('in');
export const OP_STARTS_WITH = operatorCode('startsWith');
export const OP_ENDS_WITH = operatorCode('endsWith');
export const OP_CONTAINS = operatorCode('contains');
export const OP_MATCHES = operatorCode('matches');
export const OP_LESS_THAN = operatorCode('lessThan');
export const OP_LESS_THAN_OR_EQUAL = operatorCode('lessThanOrEqual');
export const OP_GREATER_THAN = operatorCode('greaterThan');
export const OP_GREATER_THAN_OR_EQUAL = operatorCode('greaterThanOrEqual');
export const OP_BEFORE = operatorCode('before');
export const OP_AFTER = operatorCode('after');
export const OP_SEMVER_EQUAL = operatorCode('semVerEqual');
export const OP_SEMVER_LESS_THAN = operatorCode('semVerLessThan');
export const OP_SEMVER_GREATER_THAN = operatorCode('semVerGreaterThan');
export const OP_SEGMENT_MATCH = operatorCode('segmentMatch');

/** A flag kind's code, or -1 for a value that is not a kind. */
export const kindCode = (kind: unknown): number => FLAG_KINDS.indexOf(kind as FlagKind);

export const KIND_BOOLEAN = kindCode('boolean');
export const KIND_STRING = kindCode('string');
export const KIND_NUMBER = kindCode('number');
export const KIND_JSON = kindCode('json');
