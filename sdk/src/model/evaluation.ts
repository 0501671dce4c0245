/** What an evaluation returns. */

export type ErrorKind = 'FLAG_NOT_FOUND' | 'MALFORMED_FLAG' | 'USER_NOT_SPECIFIED' | 'WRONG_TYPE' | 'EXCEPTION';

export type Reason =
  | { kind: 'OFF' }
  | { kind: 'FALLTHROUGH' }
  | { kind: 'TARGET_MATCH' }
  | { kind: 'RULE_MATCH'; ruleIndex: number; ruleId: string }
  | { kind: 'PREREQUISITE_FAILED'; prerequisiteKey: string }
  | { kind: 'ERROR'; errorKind: ErrorKind };

export type EvaluationDetail<T> = { value: T; variationIndex: number | null; reason: Reason };
