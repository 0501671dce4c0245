import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.ts';
import { hashSecret } from './secrets.ts';

/** The console's session cookie: HttpOnly, SameSite=Strict, Path=/ (sessions/routes.ts sets it). */
export const SESSION_COOKIE = 'sy_session';
/** The header every write made with the cookie must carry (the session's CSRF token). */
export const CSRF_HEADER = 'x-csrf-token';

/** The session cookie's value, or null when the request has none. */
export function sessionCookieSecret(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(at + 1).trim();
    return value === '' ? null : value;
  }
  return null;
}

/** `Secure` only over https (request.protocol follows X-Forwarded-Proto from trusted proxies only). */
function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, secret: string, maxAgeSeconds: number): void {
  reply.header('set-cookie', cookie(request, secret, maxAgeSeconds));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', cookie(request, '', 0));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write made with the session cookie must echo the session's CSRF token in X-CSRF-Token: a page of
 * another site can make the browser send the cookie (SameSite=Strict aside), never read the token.
 * Compared as hashes, so timing tells nothing of how much of it matched.
 */
export function refuseWithoutCsrfToken(request: FastifyRequest, expected: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const given = request.headers[CSRF_HEADER];
  const matches =
    typeof given === 'string' && timingSafeEqual(Buffer.from(hashSecret(given), 'hex'), Buffer.from(hashSecret(expected), 'hex'));
  if (!matches) {
    throw new HttpError(
      403,
      'csrf',
      'A write made with the session cookie needs the X-CSRF-Token header: the csrfToken that POST or GET /api/session answered',
    );
  }
}
