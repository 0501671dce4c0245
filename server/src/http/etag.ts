import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from './http-error.ts';

export const etagFor = (version: number) => `"${version}"`;

export function setVersionHeaders(reply: FastifyReply, version: number): void {
  reply.header('ETag', etagFor(version));
}

/** True when `If-None-Match` names the current ETag (`"7"`, `W/"7"`, a list, or `*`). */
export function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

/** 304 without a payload: `send(null)` would declare `content-length: 4` (for "null") on an answer that has no body. */
export function sendNotModified(reply: FastifyReply): FastifyReply {
  return reply.code(304).send();
}

/**
 * Reads `If-Match` as the version the client last saw. Absent: null (the write is unconditional).
 * Accepts `"3"`, `W/"3"` and `3`; anything else is a 400 naming the header.
 */
export function expectedVersion(request: FastifyRequest): number | null {
  const header = request.headers['if-match'];
  if (header === undefined || header === '*') return null;
  const match = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(Array.isArray(header) ? (header[0] ?? '') : header);
  if (!match)
    throw badRequest('If-Match must be the ETag you read, such as "3"', [
      { path: 'headers.if-match', message: 'must be a version ETag such as "3"' },
    ]);
  return Number(match[1]);
}
