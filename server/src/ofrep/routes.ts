import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { NotFoundError } from '../errors/index.ts';
import { allowAnyOrigin, answerPreflight } from '../http/cors.ts';
import { notModified, sendNotModified } from '../http/etag.ts';
import { HttpError, unauthorized } from '../http/http-error.ts';
import {
  BulkQuerySchema,
  bulkResponses,
  EvaluationRequestSchema,
  EventStreamQuerySchema,
  FlagKeyParamsSchema,
  singleResponses,
} from './schemas.ts';
import type { Audience, KeyEnvironment, OfrepService } from './service.ts';

const tags = ['ofrep'];
const PREFLIGHT_HEADERS = 'Authorization, Content-Type, If-None-Match, X-API-Key';

/**
 * The spec's other way to send a key (`X-API-Key`), taken as the bearer token when no Authorization header came.
 * A callback hook, not an async one: it waits for nothing, and an async hook costs every request a promise.
 */
function apiKeyAsBearer(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const apiKey = request.headers['x-api-key'];
  if (request.headers.authorization === undefined && typeof apiKey === 'string' && apiKey !== '') {
    request.headers.authorization = `Bearer ${apiKey}`;
  }
  done();
}

function callerOf(request: FastifyRequest): { environment: KeyEnvironment; audience: Audience; tokenId: string } {
  const principal = request.principal;
  if (!principal?.environmentKey || !principal.environmentId) throw unauthorized('This key belongs to no environment');
  return {
    environment: { key: principal.environmentKey, id: principal.environmentId },
    audience: principal.kind === 'server' ? 'server' : 'client',
    tokenId: principal.tokenId,
  };
}

/** The key's environment was deleted after the key was issued: for the key's holder that is a bad key (401). */
function asKeyError(err: unknown): unknown {
  return err instanceof NotFoundError ? unauthorized("This key's environment no longer exists") : err;
}

/** Sends text that is already JSON as is, without a second serialization. */
function sendJson(reply: FastifyReply, json: string, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(json);
}

/**
 * OFREP's error bodies for what OFREP defines (a body that is no JSON: PARSE_ERROR; a bad context:
 * INVALID_CONTEXT; a failure of ours: GENERAL); the rest (401, 403, 413, 415, 429) goes to the app's handler.
 */
function ofrepError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) {
  // The event stream is no evaluation: its refusals keep the app's usual body.
  if (request.method !== 'POST') throw error;
  const key = (request.params as { key?: unknown } | undefined)?.key;
  const withKey = typeof key === 'string' ? { key } : {};
  if (hasZodFastifySchemaValidationErrors(error) && error.validationContext === 'body') {
    const problems = error.validation.map((issue) => {
      const path =
        (issue.params as { issue?: { path?: PropertyKey[] } } | undefined)?.issue?.path ?? issue.instancePath.split('/').filter(Boolean);
      return { path: ['body', ...path].map(String).join('.'), message: issue.message ?? 'invalid value', inContext: path[0] === 'context' };
    });
    const errorCode = problems.every((p) => p.inContext) ? 'INVALID_CONTEXT' : 'PARSE_ERROR';
    const errorDetails = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return reply.code(400).send({ ...withKey, errorCode, errorDetails });
  }
  if (error instanceof HttpError && error.statusCode === 400) {
    const inBody = error.details.length > 0 && error.details.every((d) => d.path === 'body' || d.path.startsWith('body.'));
    const inContext = inBody && error.details.every((d) => d.path.startsWith('body.context'));
    if (inBody) {
      return reply.code(400).send({ ...withKey, errorCode: inContext ? 'INVALID_CONTEXT' : 'PARSE_ERROR', errorDetails: error.message });
    }
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status < 500) throw error;
  request.log.error({ err: error }, 'OFREP evaluation failed');
  return reply.code(500).send({ ...withKey, errorCode: 'GENERAL', errorDetails: 'Internal server error' });
}

export default async function ofrepRoutes(fastify: FastifyInstance, opts: { service: OfrepService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const ofrep = opts.service;
  app.setErrorHandler(ofrepError);

  // Browsers on any origin call OFREP (static-context providers), like /sdk/evaluate.
  for (const url of ['/evaluate/flags/:key', '/evaluate/flags']) {
    app.options(url, { schema: { hide: true } }, async (_request, reply) => answerPreflight(reply, 'POST, OPTIONS', PREFLIGHT_HEADERS));
  }

  app.post(
    '/evaluate/flags/:key',
    {
      onRequest: [allowAnyOrigin, apiKeyAsBearer, app.requireSdkKey],
      schema: {
        tags,
        summary: 'OFREP: evaluate one flag for a context',
        description:
          'OpenFeature Remote Evaluation Protocol, single flag (server-side providers). `Authorization: Bearer <key>` or `X-API-Key`: ' +
          'a client key sees only flags marked client-side available, a server SDK key every flag. 404 FLAG_NOT_FOUND, ' +
          '400 TARGETING_KEY_MISSING / INVALID_CONTEXT / PARSE_ERROR, 500 GENERAL. Reasons and errors: docs/ofrep.md.',
        params: FlagKeyParamsSchema,
        body: EvaluationRequestSchema,
        response: singleResponses,
      },
    },
    async (request, reply) => {
      const { environment, audience } = callerOf(request);
      try {
        const answer = await ofrep.evaluateFlag(environment, audience, request.params.key, request.body.context);
        return sendJson(reply, JSON.stringify(answer.body), answer.status);
      } catch (err) {
        throw asKeyError(err);
      }
    },
  );

  app.post(
    '/evaluate/flags',
    {
      onRequest: [allowAnyOrigin, apiKeyAsBearer, app.requireSdkKey],
      schema: {
        tags,
        summary: 'OFREP: evaluate every flag for a context (bulk)',
        description:
          'OpenFeature Remote Evaluation Protocol, bulk (static-context providers: browsers, mobile). Answers an `ETag`; send it ' +
          'back in `If-None-Match` to get 304 while nothing changed. `eventStreams` names a server-sent event stream that tells ' +
          'of every change (`refetchEvaluation`). Cached like /sdk/evaluate by environment version and a hash of the request.',
        querystring: BulkQuerySchema,
        body: EvaluationRequestSchema,
        response: bulkResponses,
      },
    },
    async (request, reply) => {
      const { environment, audience, tokenId } = callerOf(request);
      try {
        const answer = await ofrep.evaluateAll(environment, audience, request.body.context, (etag) => notModified(request, etag));
        reply.header('ETag', answer.etag).header('Cache-Control', 'no-cache').header('Access-Control-Expose-Headers', 'ETag');
        if (answer.notModified) return sendNotModified(reply);
        reply.header('X-Switchyard-Cache', answer.from ? 'hit' : 'miss');
        // The cached JSON ends with its closing brace; the stream URL is added per key, never cached.
        const json = `${answer.json.slice(0, -1)},"eventStreams":${ofrep.eventStreamsJson(environment, tokenId)}}`;
        return sendJson(reply, json);
      } catch (err) {
        throw asKeyError(err);
      }
    },
  );

  app.get(
    '/events',
    {
      onRequest: allowAnyOrigin,
      schema: {
        tags,
        summary: 'OFREP event stream (server-sent events) of an environment',
        description:
          'The URL comes from a bulk answer (`eventStreams`); its `token` grants only the change notices of the key’s environment ' +
          '(never the key itself: EventSource cannot send headers). Events: `id: <version>` and ' +
          '`data: {"type":"refetchEvaluation","etag":"<version>"}`; send `Last-Event-ID` when reconnecting. ' +
          'A comment every 15 s keeps proxies from closing it. 401 when the token is bad, expired or its key revoked.',
        querystring: EventStreamQuerySchema,
      },
    },
    async (request, reply) => {
      const { token } = request.query;
      const authorized = token ? await ofrep.authorizeStream(token) : null;
      if (!authorized) throw unauthorized('The stream token is unknown, expired or its key was revoked: fetch the bulk evaluation again');
      const lastEventId = request.headers['last-event-id'];
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'Content-Type': 'text/event-stream; charset=utf-8',
        // no-transform: no proxy may compress (and so buffer) the stream.
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        // nginx buffers proxied answers unless told not to.
        'X-Accel-Buffering': 'no',
      });
      request.raw.socket.setNoDelay(true);
      request.raw.socket.setKeepAlive(true);
      ofrep.openStream(response, authorized.grant, authorized.version, typeof lastEventId === 'string' ? lastEventId : undefined);
    },
  );
}
