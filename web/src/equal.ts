import type { FlagValue } from './types.ts';

/** Deep equality of JSON values (key order of objects does not matter). */
export function sameValue(a: FlagValue | undefined, b: FlagValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(b, key) && sameValue((a as Record<string, FlagValue>)[key], (b as Record<string, FlagValue>)[key]),
  );
}
