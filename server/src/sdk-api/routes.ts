import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../errors/index.ts';
import { allowAnyOrigin, answerPreflight } from '../http/cors.ts';
import { etagFor, notModified, sendNotModified } from '../http/etag.ts';
import { unauthorized } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import { EvaluateBodySchema, EvaluationResultSchema, SnapshotResponseSchema } from './schemas.ts';
import type { KeyEnvironment, SdkApiService } from './service.ts';

const tags = ['sdk'];

function environmentOf(request: FastifyRequest): KeyEnvironment {
  const key = request.principal?.environmentKey;
  const id = request.principal?.environmentId;
  if (!key || !id) throw unauthorized('This key belongs to no environment');
  return { key, id };
}

/** The key's environment was deleted after the key was issued: for the key's holder that is a bad key (401), not a 404. */
function asKeyError(err: unknown): unknown {
  return err instanceof NotFoundError ? unauthorized("This key's environment no longer exists") : err;
}

/** Sends text that is already JSON as is, without a second serialization. */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

export default async function sdkApiRoutes(fastify: FastifyInstance, opts: { service: SdkApiService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const sdk = opts.service;

  app.get(
    '/snapshot',
    {
      onRequest: app.requireServerKey,
      schema: {
        tags,
        summary: "Snapshot of the key's environment (server SDK key)",
        description:
          'Every flag definition (archived flags excluded) and segment, with `ETag: "<version>"`. ' +
          'Send `If-None-Match` with the ETag you have to get 304 when nothing changed. ' +
          'Served from a cache keyed by version; client keys are refused (403): they must never see rules or segments.',
        response: {
          200: SnapshotResponseSchema,
          304: z.null().describe('Not modified: your ETag is current (no body)'),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      try {
        const snapshot = await sdk.snapshot(environmentOf(request).key);
        const etag = etagFor(snapshot.version);
        reply.header('ETag', etag).header('Cache-Control', 'no-cache');
        if (notModified(request, etag)) return sendNotModified(reply);
        return sendJson(reply, snapshot.json);
      } catch (err) {
        throw asKeyError(err);
      }
    },
  );

  // Remote evaluation is called from browsers on any origin.
  app.options('/evaluate', { schema: { hide: true } }, async (_request, reply) => answerPreflight(reply, 'POST, OPTIONS'));

  app.post(
    '/evaluate',
    {
      onRequest: [allowAnyOrigin, app.requireClientKey],
      schema: {
        tags,
        summary: 'Evaluate client-visible flags for a context (client key)',
        description:
          'For browsers and mobile apps. Returns `{ value, variationIndex, reason }` for every flag marked client-side available ' +
          '(or only the named ones; names that are unknown or not client-visible are left out). ' +
          'Never returns rules, targets, segments or salts. CORS is open on this route. ' +
          'Answers are cached by environment version and a hash of the request, so a change is never answered from a stale cache.',
        body: EvaluateBodySchema,
        response: { 200: EvaluationResultSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      try {
        const answer = await sdk.evaluate(environmentOf(request), request.body);
        reply.header('X-Switchyard-Cache', answer.from ? 'hit' : 'miss');
        return sendJson(reply, answer.json);
      } catch (err) {
        throw asKeyError(err);
      }
    },
  );
}
