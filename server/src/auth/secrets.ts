import { createHash, randomBytes } from 'node:crypto';

export type TokenKind = 'admin' | 'server' | 'client';

const PREFIX_LENGTH = 12;

/** A new secret: a readable kind prefix and 256 bits of randomness, e.g. `sy_server_Xk3...`. */
export function generateSecret(kind: TokenKind): string {
  return `sy_${kind}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Secrets are stored only as SHA-256. They carry 256 bits of entropy, so a slow password hash
 * adds nothing; lookups go by the hash through a unique index, so no secret is ever compared
 * byte by byte in application code.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The part of a secret that is safe to show so people can tell tokens apart. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, PREFIX_LENGTH + 4);
}
