import { formatPath } from '../errors/index.ts';
import { HttpError } from '../http/http-error.ts';

/** A 400 shaped like the schema validator's, for body checks that need stored state (e.g. the flag's kind). */
export function validationFailed(problems: { path: PropertyKey[]; message: string }[]): HttpError {
  const details = problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message }));
  return new HttpError(400, 'validation_failed', `Invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}
