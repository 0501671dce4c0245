import { DomainError } from './domain-error.ts';

/** The request is valid but clashes with the current state: a duplicate key, an archived flag, a dependent flag. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}
