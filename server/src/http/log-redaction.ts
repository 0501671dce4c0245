import type { FastifyServerOptions } from 'fastify';

type LoggerOption = FastifyServerOptions['logger'];

const SECRET_FIELDS = ['secret', 'sdkKey', 'adminToken', 'password'];

/** What buildApp censors in any log it is given (the same as the production logger of server.ts). */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

/**
 * The logger options with REDACTED_PATHS added to whatever redaction they already have, so that an
 * app built with any logger (tests included) censors credentials as production does.
 */
export function withRedaction(logger: LoggerOption): LoggerOption {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  const current = options.redact;
  const paths = Array.isArray(current) ? current : (current?.paths ?? []);
  const extra = Array.isArray(current) || current === undefined ? { censor: '[redacted]' } : current;
  return { ...options, redact: { ...extra, paths: [...new Set([...paths, ...REDACTED_PATHS])] } };
}
