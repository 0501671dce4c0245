import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type ErrorDetail, formatPath } from '../errors/index.ts';
import { HttpError } from './http-error.ts';
import { textProblem } from './storable-text.ts';

/**
 * Refuses, on every route and before any schema or handler sees it, a query parameter whose name or
 * value PostgreSQL could not compare with stored text (`?q=%00`), with the validator's answer:
 * 400 `validation_failed` naming `query.<name>`. The bodies get the same check in json-body.ts.
 */
export default fp(async function queryText(app: FastifyInstance) {
  // A callback hook, not an async one: it runs on every request, the SDK endpoints' included, and
  // needs no promise of its own.
  app.addHook('preValidation', (request, _reply, done) => {
    const problem = firstQueryProblem(request.query);
    if (!problem) return done();
    done(new HttpError(400, 'validation_failed', `Invalid request: ${problem.path}: ${problem.message}`, [problem]));
  });
});

function firstQueryProblem(query: unknown): ErrorDetail | null {
  if (query === null || typeof query !== 'object') return null;
  for (const [name, value] of Object.entries(query)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    const message = textProblem(name) ?? values.map((v) => (typeof v === 'string' ? textProblem(v) : undefined)).find(Boolean);
    if (message) return { path: formatPath(['query', name]), message };
  }
  return null;
}
