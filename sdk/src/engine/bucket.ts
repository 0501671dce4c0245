/**
 * LaunchDarkly's published bucketing, exported for tests and documentation.
 */
import { createHashPrefix, hashFraction } from './sha1.ts';

export { sha1Hex } from './sha1.ts';

/**
 * The bucket in [0, 1) of a value for a flag:
 * `parseInt(sha1Hex(hashInput).substring(0, 15), 16) / 0xFFFFFFFFFFFFFFF` with
 * `hashInput = flagKey + '.' + salt + '.' + value`, or `seed + '.' + value` when a seed is given.
 * Strings are used as they are and integers as their decimal string; any other value
 * (floats, booleans, null, undefined, arrays, objects) is in bucket 0.
 */
export function bucket(flagKey: string, salt: string, value: unknown, seed?: number): number {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' && Number.isInteger(value)) s = String(value);
  else return 0;
  const prefix = seed === undefined || seed === null ? `${flagKey}.${salt}.` : `${seed}.`;
  return hashFraction(createHashPrefix(prefix), s);
}
