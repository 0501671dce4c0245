import {
  BadRequestError,
  ConflictError,
  type DomainError,
  InvalidDefinitionError,
  InvalidInputError,
  NotFoundError,
  VersionMismatchError,
} from '../errors/index.ts';

/** The one place where each kind of domain refusal gets its HTTP status. */
const STATUS_CODES: readonly [new (...args: never[]) => DomainError, number][] = [
  [InvalidInputError, 400],
  [BadRequestError, 400],
  [NotFoundError, 404],
  [ConflictError, 409],
  [VersionMismatchError, 412],
  [InvalidDefinitionError, 422],
];

export type ErrorAnswer = {
  statusCode: number;
  body: { error: string; message: string; details: DomainError['details']; currentVersion?: number };
};

export function domainErrorAnswer(error: DomainError): ErrorAnswer {
  const statusCode = STATUS_CODES.find(([kind]) => error instanceof kind)?.[1] ?? 400;
  const body: ErrorAnswer['body'] = { error: error.code, message: error.message, details: error.details };
  if (error instanceof VersionMismatchError) body.currentVersion = error.currentVersion;
  return { statusCode, body };
}
