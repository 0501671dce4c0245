/** What preparing the parts of one flag shares: its variations, which of them fit its kind, and its bucketing prefix. */
import type { Reason } from '../../model/index.ts';
import type { Detail, PreparedFlag } from '../prepared.ts';
import type { HashPrefix } from '../sha1.ts';

export interface FlagBuild {
  flag: PreparedFlag;
  variations: readonly unknown[];
  fits: readonly boolean[];
  /** The hashed `flagKey.salt.` prefix, made when the first rollout without a seed needs it. */
  flagPrefix: HashPrefix | null;
  salt: string;
}

/** The frozen result serving `variation` for `reason`, or null when the variation's value does not fit the flag's kind. */
export function makeDetail(b: FlagBuild, variation: number, reason: Reason): Detail | null {
  if (!b.fits[variation]) return null;
  return Object.freeze({ value: b.variations[variation], variationIndex: variation, reason });
}
