import { DomainError } from './domain-error.ts';

/** A request the domain cannot act on for a reason other than a field's shape, e.g. an unknown page cursor. */
export class BadRequestError extends DomainError {
  readonly code = 'bad_request';
}
