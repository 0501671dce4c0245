import type { FlagValue } from './types.ts';

/** `value` when it has the type of `defaultValue` (any value for a null or undefined default), else `defaultValue`. */
export function pick<T>(value: FlagValue | undefined, defaultValue: T): T {
  if (value === undefined || value === null) return value === null && defaultValue == null ? (value as T) : defaultValue;
  if (defaultValue === null || defaultValue === undefined) return value as T;
  return typeof value === typeof defaultValue && Array.isArray(value) === Array.isArray(defaultValue) ? (value as T) : defaultValue;
}
