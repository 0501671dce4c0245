import { DomainError, type ErrorDetail } from './domain-error.ts';
import { formatPath } from './format-path.ts';

/**
 * Input that fails a check needing stored state (e.g. a variation value against the flag's kind),
 * shaped like the schema validator's answer so clients handle both alike.
 */
export class InvalidInputError extends DomainError {
  readonly code = 'validation_failed';

  constructor(details: ErrorDetail[]) {
    super(`Invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }

  /** From problems whose paths are relative to the request body. */
  static inBody(problems: readonly { path: readonly PropertyKey[]; message: string }[]): InvalidInputError {
    return new InvalidInputError(problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message })));
  }
}
