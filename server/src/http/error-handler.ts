import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable, isTransactionTimeout } from '../db/errors.ts';
import { DomainError, type ErrorDetail, formatPath } from '../errors/index.ts';
import { domainErrorAnswer } from './domain-error-answer.ts';
import { HttpError } from './http-error.ts';
import { redactUrl } from './log-redaction.ts';

/**
 * Every error leaves as JSON `{ error, message, details }`. Validation problems name the field
 * (`body.rules[0].op`); client mistakes never become a 500.
 */
export default fp(async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof DomainError) {
      const answer = domainErrorAnswer(error);
      return reply.code(answer.statusCode).send(answer.body);
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: error.code, message: error.message, details: error.details });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      // Fastify calls the query string "querystring"; answers name it as the docs do: query.limit.
      const context = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'body');
      const details: ErrorDetail[] = error.validation.map((issue) => {
        const params = issue.params as { issue?: { path?: PropertyKey[] } } | undefined;
        // The zod provider flattens the issue path into instancePath ("/rules/0/op"); indices become numbers again.
        const parts =
          params?.issue?.path ??
          issue.instancePath
            .split('/')
            .filter(Boolean)
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        return { path: formatPath([context, ...parts]), message: issue.message ?? 'invalid value' };
      });
      return reply.code(400).send({
        error: 'validation_failed',
        message: `Invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return reply.code(500).send({ error: 'internal', message: 'Internal server error', details: [] });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, 'database unavailable');
      return reply
        .code(503)
        .send({ error: 'unavailable', message: 'The database is unavailable; nothing was changed. Retry shortly.', details: [] });
    }
    if (isTransactionTimeout(error)) {
      request.log.warn({ err: error }, 'transaction timed out');
      return reply
        .code(503)
        .header('Retry-After', '1')
        .send({ error: 'unavailable', message: 'The database is busy; nothing was changed. Retry shortly.', details: [] });
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'payload_too_large'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'unsupported_media_type'
            : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
              ? 'bad_request'
              : status === 429
                ? 'rate_limited'
                : error.name === 'SyntaxError' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
                  ? 'invalid_json'
                  : 'bad_request';
      return reply.code(status).send({ error: code, message: error.message, details: [{ path: 'body', message: error.message }] });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'Internal server error', details: [] });
  });

  // The path as a log would keep it (a misspelt trigger URL holds its secret), without the query.
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `Route ${request.method} ${redactUrl(request.url).split('?')[0]} not found`, details: [] }),
  );
});
