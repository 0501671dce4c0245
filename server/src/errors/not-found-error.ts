import { DomainError, type ErrorDetail } from './domain-error.ts';

/** The named resource does not exist (`what` reads like `Flag "new-checkout"`). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(what: string, details: ErrorDetail[] = []) {
    super(`${what} not found`, details);
  }
}
