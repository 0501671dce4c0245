import { DomainError } from './domain-error.ts';

/** A well-formed definition that refers to things that do not exist, or loops (e.g. a prerequisite cycle). */
export class InvalidDefinitionError extends DomainError {
  readonly code = 'invalid_definition';
}
