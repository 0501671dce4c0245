/** Checks of variation values, shared by the schemas (which refuse them) and the engine (which marks the flag malformed). */
import type { FlagKind } from './flag.ts';

/** Whether `value` is JSON data: null, a string, a boolean, a finite number, or plain arrays and objects of those (at most 64 deep). */
function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const v of value) if (!isJsonValue(v, depth + 1)) return false;
    return true;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const v of Object.values(value as object)) if (!isJsonValue(v, depth + 1)) return false;
    return true;
  }
  return false;
}

/** Whether a variation value fits a flag kind (`json` takes any JSON value; an unknown kind takes nothing). */
export function variationValueFitsKind(kind: FlagKind | string, value: unknown): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'json':
      return isJsonValue(value);
    default:
      return false;
  }
}
