/** Where in the request a problem is, e.g. `body.rules[0].clauses[1].op`, and what it is. */
export type ErrorDetail = { path: string; message: string };

/**
 * A refusal by a domain rule. Services throw these and know nothing of HTTP; `http/error-handler.ts`
 * maps each kind to its status code and JSON answer in one place.
 */
export abstract class DomainError extends Error {
  /** The machine-readable code of the JSON answer, e.g. `not_found`. */
  abstract readonly code: string;

  constructor(
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}
