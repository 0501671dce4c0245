import type { ErrorDetail } from '../errors/index.ts';

/**
 * A refusal that only HTTP knows of (a missing or wrong credential, a malformed header or body, a
 * rate limit): it becomes a JSON answer `{ error, message, details }` with its status code. The
 * domains' refusals are DomainErrors (server/src/errors/).
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new HttpError(400, 'bad_request', message, details);
export const unauthorized = (message = 'A valid token is required: send it as "Authorization: Bearer <token>"') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
