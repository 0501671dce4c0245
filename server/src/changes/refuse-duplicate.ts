import { isUniqueViolation } from '../db/errors.ts';
import type { ConflictError } from '../errors/index.ts';

/** Runs a write that inserts a keyed resource; a unique-key violation becomes `conflict()` (409 naming the key). */
export async function refuseDuplicate<T>(write: () => Promise<T>, conflict: () => ConflictError): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
