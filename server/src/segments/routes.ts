import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses, PaginationQuerySchema, page } from '../http/schemas.ts';
import { CreateSegmentSchema, ReplaceSegmentSchema, SegmentListParamsSchema, SegmentParamsSchema, SegmentSchema } from './schemas.ts';
import type { SegmentService } from './service.ts';

const tags = ['segments'];

/** Mounted at /api/environments/:env/segments. */
export default async function segmentRoutes(fastify: FastifyInstance, opts: { service: SegmentService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const segments = opts.service;

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List the segments of an environment',
        params: SegmentListParamsSchema,
        querystring: PaginationQuerySchema,
        response: { 200: page(SegmentSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      return { ...(await segments.list(request.params.env, { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/:segmentKey',
    {
      schema: {
        tags,
        summary: 'Get a segment',
        description: 'The answer carries `ETag: "<version>"`; send it back as If-Match when replacing the segment.',
        params: SegmentParamsSchema,
        response: { 200: SegmentSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const segment = await segments.get(request.params.env, request.params.segmentKey);
      setVersionHeaders(reply, segment.version);
      return segment;
    },
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a segment',
        description: 'segmentMatch clauses may only name other existing segments of the environment, without cycles (422 otherwise).',
        params: SegmentListParamsSchema,
        body: CreateSegmentSchema,
        response: { 201: SegmentSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const created = await segments.create(actorName(request.principal), request.params.env, request.body);
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    },
  );

  app.put(
    '/:segmentKey',
    {
      schema: {
        tags,
        summary: 'Replace a segment',
        description:
          'Replaces the whole segment (omitted optional fields become empty). ' +
          'With `If-Match: "<version>"` the write only happens if the segment is still at that version; ' +
          'otherwise 412 with `currentVersion`.',
        params: SegmentParamsSchema,
        body: ReplaceSegmentSchema,
        response: { 200: SegmentSchema, ...errorResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const { env, segmentKey } = request.params;
      const updated = await segments.replace(actorName(request.principal), env, segmentKey, request.body, expected);
      setVersionHeaders(reply, updated.version);
      return updated;
    },
  );

  app.delete(
    '/:segmentKey',
    {
      schema: {
        tags,
        summary: 'Delete a segment',
        description:
          'Refused (409) while flag rules or other segments of the environment use it through segmentMatch; the answer names each of them.',
        params: SegmentParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await segments.delete(actorName(request.principal), request.params.env, request.params.segmentKey);
      return reply.code(204).send(null);
    },
  );
}
