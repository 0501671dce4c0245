import { createHmac } from 'node:crypto';

/**
 * How a context key of a guarded flag leaves the process: the first 16 hex digits (64 bits) of
 * HMAC-SHA-256 keyed by the flag's salt over the UTF-8 key. Exposures and event contexts of one flag
 * hash alike, so the server can relate them, and nobody can tell the keys from the digests.
 */
export function contextHash(salt: string, contextKey: string): string {
  return createHmac('sha256', salt).update(contextKey, 'utf8').digest('hex').slice(0, 16);
}
