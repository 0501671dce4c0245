import { describe, expect, it } from 'vitest';
import { readValues, storageKey, writeValues } from '../../web/src/storage.ts';

const KEY = 'sy_client_Xk3qSECRETSECRETSECRETSECRETSECRETSECRET';

function memoryStorage() {
  const items = new Map<string, string>();
  return { items, getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
}

const throwing = {
  getItem(): string | null {
    throw new Error('storage is blocked');
  },
  setItem(): void {
    throw new Error('quota exceeded');
  },
};

describe('the last values kept for the next page load', () => {
  it('are stored under the key’s public prefix and the user, never under the key itself', () => {
    expect(storageKey(KEY, { targetingKey: 'user-42' })).toBe('switchyard:sy_client_Xk3q:user-42');
    expect(storageKey(KEY, {})).toBe('switchyard:sy_client_Xk3q:');
    expect(storageKey('chosen-secret-value', { targetingKey: 'ana' })).toBe('switchyard:chos:ana');
    expect(storageKey(KEY, { targetingKey: 'ana' })).not.toContain(KEY.slice(14));
  });

  it('read back what was written', () => {
    const storage = memoryStorage();
    const errors: unknown[] = [];
    writeValues(storage, 'k', { checkout: true, layout: { v: 2 } }, (e) => errors.push(e));
    expect(readValues(storage, 'k', (e) => errors.push(e))).toEqual({ checkout: true, layout: { v: 2 } });
    expect(readValues(storage, 'other', (e) => errors.push(e))).toBeNull();
    expect(errors).toEqual([]);
  });

  it('read as nothing when unreadable or not an object', () => {
    const storage = memoryStorage();
    for (const stored of ['{not json', '[1,2]', 'true', 'null']) {
      storage.items.set('k', stored);
      expect(readValues(storage, 'k', () => {})).toBeNull();
    }
  });

  it('never throw when the storage does: the error is reported', () => {
    const errors: unknown[] = [];
    expect(readValues(throwing, 'k', (e) => errors.push(e))).toBeNull();
    expect(() => writeValues(throwing, 'k', { a: true }, (e) => errors.push(e))).not.toThrow();
    expect(errors.map((e) => (e as Error).message)).toEqual(['storage is blocked', 'quota exceeded']);
  });
});
