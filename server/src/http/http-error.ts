import type { ErrorDetail } from '../errors/index.ts';

/** An error that becomes a JSON answer `{ error, message, details }` with its status code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) =>
  new HttpError(400, 'bad_request', message, details);
export const unauthorized = (message = 'A valid token is required: send it as "Authorization: Bearer <token>"') =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details: ErrorDetail[] = [], extra: Record<string, unknown> = {}) =>
  new HttpError(409, 'conflict', message, details, extra);
export const unprocessable = (message: string, details: ErrorDetail[]) =>
  new HttpError(422, 'invalid_definition', message, details);
export const preconditionFailed = (currentVersion: number) =>
  new HttpError(
    412,
    'version_mismatch',
    `The resource changed since you read it: its current version is ${currentVersion}. Read it again and retry.`,
    [{ path: 'headers.if-match', message: `stale version; current version is ${currentVersion}` }],
    { currentVersion },
  );
export const serviceUnavailable = (message: string) => new HttpError(503, 'unavailable', message);
