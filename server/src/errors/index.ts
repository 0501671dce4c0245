export { BadRequestError } from './bad-request-error.ts';
export { ConflictError } from './conflict-error.ts';
export { DomainError, type ErrorDetail } from './domain-error.ts';
export { formatPath } from './format-path.ts';
export { InvalidDefinitionError } from './invalid-definition-error.ts';
export { InvalidInputError } from './invalid-input-error.ts';
export { NotFoundError } from './not-found-error.ts';
export { VersionMismatchError } from './version-mismatch-error.ts';
