/**
 * Switchyard's evaluation details in OFREP's words: reasons, variants, metadata and error codes (the
 * mapping is documented in docs/ofrep.md).
 */
import type { EvaluationDetail, FlagDefinition, MetricsErrorKind } from '@switchyard/sdk/model';

type Detail = EvaluationDetail<unknown>;

export type OfrepErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export type OfrepSuccess = { key: string; value: unknown; reason: string; variant: string; metadata: Record<string, string | number> };
export type OfrepFailure = { key: string; errorCode: OfrepErrorCode; errorDetails: string };

const ERROR_CODES: Record<string, OfrepErrorCode> = {
  FLAG_NOT_FOUND: 'FLAG_NOT_FOUND',
  USER_NOT_SPECIFIED: 'TARGETING_KEY_MISSING',
  MALFORMED_FLAG: 'PARSE_ERROR',
  // Remote evaluation asks with no default, so the engine never finds a wrong type; the providers check types.
  WRONG_TYPE: 'GENERAL',
  EXCEPTION: 'GENERAL',
};

const ERROR_DETAILS: Record<OfrepErrorCode, string> = {
  FLAG_NOT_FOUND: 'No such flag for this key',
  TARGETING_KEY_MISSING: 'The context has no targetingKey',
  PARSE_ERROR: "The flag's stored configuration could not be read",
  INVALID_CONTEXT: 'The context is not valid',
  GENERAL: 'The flag could not be evaluated',
};

/** Back from an OFREP error code to the engine's error kind, for the counts of a cached answer. */
const ERROR_KINDS: Record<string, MetricsErrorKind> = {
  FLAG_NOT_FOUND: 'FLAG_NOT_FOUND',
  TARGETING_KEY_MISSING: 'USER_NOT_SPECIFIED',
  PARSE_ERROR: 'MALFORMED_FLAG',
  GENERAL: 'EXCEPTION',
};

export function failure(key: string, errorCode: OfrepErrorCode, errorDetails = ERROR_DETAILS[errorCode]): OfrepFailure {
  return { key, errorCode, errorDetails };
}

/** A serve (rule or fallthrough) that draws from a percentage rollout. */
const isSplit = (serve: object | undefined) => serve !== undefined && 'rollout' in serve;

function reasonOf(detail: Detail, flag: FlagDefinition): string {
  const reason = detail.reason;
  switch (reason.kind) {
    case 'OFF':
      return 'DISABLED';
    case 'TARGET_MATCH':
      return 'TARGETING_MATCH';
    case 'RULE_MATCH':
      return isSplit(flag.rules[reason.ruleIndex]) ? 'SPLIT' : 'TARGETING_MATCH';
    case 'FALLTHROUGH':
      if (isSplit(flag.fallthrough)) return 'SPLIT';
      return flag.rules.length === 0 && flag.targets.length === 0 && flag.prerequisites.length === 0 ? 'STATIC' : 'DEFAULT';
    case 'PREREQUISITE_FAILED':
      return 'PREREQUISITE_FAILED';
    case 'ERROR':
      return 'ERROR';
  }
}

/** One evaluated flag as OFREP puts it: a success, or a failure with its error code. */
export function ofrepEntry(key: string, detail: Detail, flag: FlagDefinition | undefined): OfrepSuccess | OfrepFailure {
  const reason = detail.reason;
  if (reason.kind === 'ERROR' || flag === undefined || detail.variationIndex === null) {
    return failure(key, reason.kind === 'ERROR' ? (ERROR_CODES[reason.errorKind] ?? 'GENERAL') : 'GENERAL');
  }
  const metadata: Record<string, string | number> = { flagVersion: flag.version };
  if (reason.kind === 'RULE_MATCH') metadata.ruleId = reason.ruleId;
  else if (reason.kind === 'PREREQUISITE_FAILED') metadata.prerequisiteKey = reason.prerequisiteKey;
  return { key, value: detail.value, reason: reasonOf(detail, flag), variant: String(detail.variationIndex), metadata };
}

/** What a cached OFREP bulk answer served, flag by flag (a variation index or an error kind), for the counts. */
export function servedOfBulk(json: string): { flags: string[]; outcomes: (number | string)[] } {
  const answer = JSON.parse(json) as { flags: (Partial<OfrepSuccess> & Partial<OfrepFailure> & { key: string })[] };
  const flags: string[] = [];
  const outcomes: (number | string)[] = [];
  for (const entry of answer.flags) {
    flags.push(entry.key);
    outcomes.push(entry.errorCode !== undefined ? (ERROR_KINDS[entry.errorCode] ?? 'EXCEPTION') : Number(entry.variant));
  }
  return { flags, outcomes };
}
