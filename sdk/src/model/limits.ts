/**
 * Size limits enforced by the schemas. They keep a single flag or segment small enough to evaluate
 * quickly in every SDK and to fit comfortably in a streamed snapshot.
 */
import { MAX_REGEX_LENGTH } from './regex.ts';

export const LIMITS = Object.freeze({
  /** Flag, segment, prerequisite and environment keys. */
  maxKeyLength: 100,
  /** Context keys (in targets, segment included/excluded lists and contexts). */
  maxContextKeyLength: 1024,
  /** Rules per flag. */
  maxRules: 200,
  /** Clauses per rule (flag rules and segment rules). */
  maxClausesPerRule: 50,
  /** Values per clause. */
  maxValuesPerClause: 1000,
  /** Length of one string clause value. */
  maxClauseValueLength: 1024,
  /** Length of a clause's attribute name and of a rollout's bucketBy. */
  maxAttributeNameLength: 256,
  /** Target entries per flag. */
  maxTargets: 100,
  /** Context keys across all targets of one flag. */
  maxTargetsValues: 10000,
  /** Variations per flag (and weighted variations per rollout). */
  maxVariations: 100,
  /** Size of one variation's value, as JSON (UTF-16 code units). */
  maxVariationValueLength: 10000,
  /** Prerequisites per flag. */
  maxPrerequisites: 50,
  /** Length of a `matches` pattern. */
  maxRegexLength: MAX_REGEX_LENGTH,
  /** Length of rule ids. */
  maxRuleIdLength: 128,
  /** Length of rule descriptions. */
  maxDescriptionLength: 1000,
  /** Length of a flag's salt. */
  maxSaltLength: 256,
  /** Rules per segment. */
  maxSegmentRules: 200,
  /** Context keys in a segment's included list, and separately in its excluded list. */
  maxSegmentKeys: 10000,
  /** Attributes per context (including `key`). */
  maxContextAttributes: 100,
  /** Elements of one array-valued context attribute. */
  maxContextArrayLength: 1000,
  /** Length of one string context attribute value. */
  maxContextStringLength: 10000,
} as const);

/** Sum of the weights of a rollout (weights are in thousandths of a percent). */
export const TOTAL_WEIGHT = 100000;
