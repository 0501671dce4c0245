import { createHash, randomBytes } from 'node:crypto';

export type TokenKind = 'admin' | 'server' | 'client';

/** What each kind of token is called in messages, with its article. */
export const TOKEN_KIND_NAMES: Record<TokenKind, string> = { admin: 'an admin token', server: 'a server SDK key', client: 'a client key' };

/** The public marker every generated secret starts with, e.g. `sy_server_`: it tells the kind, not the secret. */
const GENERATED_MARKER = /^sy_(?:admin|server|client)_/;

/**
 * How many characters of a secret's own content are kept for display: after the marker of a generated
 * secret, or at the start of one someone chose (SWITCHYARD_ADMIN_TOKEN). Enough to tell a handful of
 * tokens apart; a chosen secret may be as short as 24 characters, and each character shown is one
 * fewer to guess.
 */
const SHOWN_CHARACTERS = 4;

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

/**
 * The part of a secret that is safe to store and show so people can tell tokens apart: the marker of
 * a generated secret and 4 characters (`sy_admin_Xk3q`), or the first 4 characters of a chosen one.
 */
export function displayPrefix(secret: string): string {
  const marker = GENERATED_MARKER.exec(secret)?.[0] ?? '';
  return secret.slice(0, marker.length + SHOWN_CHARACTERS);
}
