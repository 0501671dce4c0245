import type { FastifyServerOptions } from 'fastify';

type LoggerOption = FastifyServerOptions['logger'];
type LoggerObject = Exclude<LoggerOption, boolean | undefined>;
type RequestSerializer = NonNullable<NonNullable<LoggerObject['serializers']>['req']>;

const CENSOR = '[redacted]';
const SECRET_FIELDS = ['secret', 'signingSecret', 'sdkKey', 'adminToken', 'password', 'token', 'csrfToken'];

/** What buildApp censors in any log it is given (the same as the production logger of server.ts). */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

/** A parameter name worth keeping in a log: short and plain, and not the `sy_` start of a secret sent as a name. */
const PLAIN_NAME = /^(?!sy_)[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/**
 * A path whose rest is a credential: a trigger's URL (`/triggers/<secret>`), however it is spelled on
 * the way to the router (any case, doubled slashes, an absolute-form request target).
 */
const SECRET_IN_PATH = /^((?:[a-z][a-z0-9+.-]*:\/\/[^/?]*)?\/+triggers\/+)/i;

/** The path with its percent-encoded ASCII decoded, as the router reads it: `/%74riggers/` reaches /triggers/. */
const decodeAscii = (path: string) =>
  path.replace(/%([0-7][0-9a-f])/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/**
 * The URL as a log may keep it: the secret of a trigger URL censored (`/triggers/[redacted]`), and
 * every query value censored (`/sdk/snapshot?sdkKey=[redacted]`): keys are refused in query strings,
 * but clients still send them there, and a log must not keep them.
 */
export function redactUrl(url: string): string {
  const end = url.indexOf('?');
  const path = end < 0 ? url : url.slice(0, end);
  const secretAt = SECRET_IN_PATH.exec(decodeAscii(path));
  return redactQuery(secretAt ? `${secretAt[1]}${CENSOR}${end < 0 ? '' : url.slice(end)}` : url);
}

function redactQuery(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const params = url
    .slice(start + 1)
    .split('&')
    .map((param) => {
      const name = param.split('=', 1)[0]!;
      return `${PLAIN_NAME.test(name) ? name : CENSOR}${param.length > name.length ? `=${CENSOR}` : ''}`;
    });
  return `${url.slice(0, start)}?${params.join('&')}`;
}

/** Fastify's own request serializer, without the `accept-version` header nobody here uses. */
const serializeRequest: RequestSerializer = (req) => ({
  method: req.method,
  url: req.url,
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket?.remotePort,
});

/**
 * The logger options with REDACTED_PATHS added to whatever redaction they already have, and every
 * logged request URL passed through redactUrl, so that an app built with any logger (tests
 * included) censors credentials as production does.
 */
export function withRedaction(logger: LoggerOption): LoggerOption {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  const current = options.redact;
  const paths = Array.isArray(current) ? current : (current?.paths ?? []);
  const extra = Array.isArray(current) || current === undefined ? { censor: CENSOR } : current;
  const request = options.serializers?.req ?? serializeRequest;
  return {
    ...options,
    redact: { ...extra, paths: [...new Set([...paths, ...REDACTED_PATHS])] },
    serializers: {
      ...options.serializers,
      req: (req) => {
        const shown = request(req);
        return typeof shown.url === 'string' ? { ...shown, url: redactUrl(shown.url) } : shown;
      },
    },
  };
}
