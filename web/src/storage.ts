import type { EvaluationContext, FlagValue, StorageLike } from './types.ts';

/**
 * The name the last values are kept under: the client key's public prefix (its `sy_client_` marker and 4
 * characters, as the admin API shows it; it tells environments apart and is no secret) and the user's
 * identity. The key itself is never stored.
 */
export function storageKey(clientKey: string, context: EvaluationContext): string {
  const marker = /^sy_[a-z]+_/.exec(clientKey)?.[0] ?? '';
  const identity = context.targetingKey ?? context.key;
  return `switchyard:${clientKey.slice(0, marker.length + 4)}:${typeof identity === 'string' ? identity : ''}`;
}

/** The values stored for `key`, or null (nothing stored, unreadable, or storage that throws). */
export function readValues(storage: StorageLike | null, key: string, report: (error: unknown) => void): Record<string, FlagValue> | null {
  try {
    const stored = storage?.getItem(key);
    if (!stored) return null;
    const values: unknown = JSON.parse(stored);
    return values && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, FlagValue>) : null;
  } catch (error) {
    report(error);
    return null;
  }
}

export function writeValues(
  storage: StorageLike | null,
  key: string,
  values: Record<string, FlagValue>,
  report: (error: unknown) => void,
): void {
  try {
    storage?.setItem(key, JSON.stringify(values));
  } catch (error) {
    report(error);
  }
}
