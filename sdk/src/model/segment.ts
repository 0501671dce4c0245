/** The shape of a segment: a named set of contexts that flag rules refer to with `segmentMatch`. */
import type { Clause } from './flag.ts';

/** A context is in the segment when every clause of any one rule matches. */
export type SegmentRule = { id?: string | undefined; clauses: Clause[] };

export type SegmentDefinition = {
  key: string;
  /** Context keys always in the segment (checked before `excluded` and the rules). */
  included: string[];
  /** Context keys never in the segment (checked before the rules). */
  excluded: string[];
  rules: SegmentRule[];
  version: number;
};
