import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isUniqueViolation } from '../db/errors.ts';
import { requireEnvironment } from '../environments/service.ts';
import { conflict, preconditionFailed } from '../http/http-error.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { PaginationQuerySchema, errorResponses, page } from '../http/schemas.ts';
import { assertValidReferences, findSegmentUsages, requireSegment, segmentData, toSegmentView } from './repository.ts';
import { CreateSegmentSchema, ReplaceSegmentSchema, SegmentListParamsSchema, SegmentParamsSchema, SegmentSchema } from './schemas.ts';

const tags = ['segments'];

const duplicate = (env: string, key: string) =>
  conflict(`Segment "${key}" already exists in environment "${env}"`, [{ path: 'body.key', message: 'already exists' }]);

/** Mounted at /api/environments/:env/segments. */
export default async function segmentRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/', {
    schema: {
      tags,
      summary: 'List the segments of an environment',
      params: SegmentListParamsSchema,
      querystring: PaginationQuerySchema,
      response: { 200: page(SegmentSchema), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const env = await requireEnvironment(app.prisma, request.params.env);
    const { limit, offset } = request.query;
    const [rows, total] = await Promise.all([
      app.prisma.segment.findMany({ where: { environmentId: env.id }, orderBy: { key: 'asc' }, take: limit, skip: offset }),
      app.prisma.segment.count({ where: { environmentId: env.id } }),
    ]);
    return { items: rows.map((row) => toSegmentView(row, env.key)), total, limit, offset };
  });

  app.get('/:segmentKey', {
    schema: {
      tags,
      summary: 'Get a segment',
      description: 'The answer carries `ETag: "<version>"`; send it back as If-Match when replacing the segment.',
      params: SegmentParamsSchema,
      response: { 200: SegmentSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const env = await requireEnvironment(app.prisma, request.params.env);
    const segment = await requireSegment(app.prisma, env, request.params.segmentKey);
    setVersionHeaders(reply, segment.version);
    return toSegmentView(segment, env.key);
  });

  app.post('/', {
    schema: {
      tags,
      summary: 'Create a segment',
      description: 'segmentMatch clauses may only name other existing segments of the environment, without cycles (422 otherwise).',
      params: SegmentListParamsSchema,
      body: CreateSegmentSchema,
      response: { 201: SegmentSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const { key, ...content } = request.body;
    try {
      const created = await app.changes.run(request.principal?.name ?? 'system', async (w) => {
        const env = await requireEnvironment(w.tx, request.params.env);
        // Bumping the environment first locks its row: segment writes in one environment run one at a
        // time, so two concurrent writes cannot each pass the reference checks and together form a cycle.
        await w.touchEnvironment(env.id, 'segment', key);
        if (await w.tx.segment.findUnique({ where: { environmentId_key: { environmentId: env.id, key } }, select: { id: true } })) {
          throw duplicate(env.key, key);
        }
        const data = segmentData(content);
        await assertValidReferences(w.tx, env.id, key, data.rules);
        const row = await w.tx.segment.create({ data: { environmentId: env.id, key, ...data } });
        const view = toSegmentView(row, env.key);
        await w.audit({ action: 'segment.created', resourceType: 'segment', resourceKey: key, environmentKey: env.key, after: view });
        return view;
      });
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(request.params.env, key);
      throw error;
    }
  });

  app.put('/:segmentKey', {
    schema: {
      tags,
      summary: 'Replace a segment',
      description:
        'Replaces the whole segment (omitted optional fields become empty). With `If-Match: "<version>"` the write only happens if the segment is still at that version; ' +
        'otherwise 412 with `currentVersion`.',
      params: SegmentParamsSchema,
      body: ReplaceSegmentSchema,
      response: { 200: SegmentSchema, ...errorResponses(400, 401, 403, 404, 412, 422) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request);
    const { segmentKey } = request.params;
    const updated = await app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const env = await requireEnvironment(w.tx, request.params.env);
      await w.touchEnvironment(env.id, 'segment', segmentKey); // locks the environment, as in create
      const before = await requireSegment(w.tx, env, segmentKey);
      if (expected !== null && expected !== before.version) throw preconditionFailed(before.version);
      const data = segmentData(request.body);
      await assertValidReferences(w.tx, env.id, segmentKey, data.rules);
      const { count } = await w.tx.segment.updateMany({
        where: { id: before.id, version: expected ?? before.version },
        data: { ...data, version: { increment: 1 } },
      });
      if (count === 0) throw preconditionFailed((await requireSegment(w.tx, env, segmentKey)).version);
      const after = toSegmentView(await requireSegment(w.tx, env, segmentKey), env.key);
      await w.audit({
        action: 'segment.updated',
        resourceType: 'segment',
        resourceKey: segmentKey,
        environmentKey: env.key,
        before: toSegmentView(before, env.key),
        after,
      });
      return after;
    });
    setVersionHeaders(reply, updated.version);
    return updated;
  });

  app.delete('/:segmentKey', {
    schema: {
      tags,
      summary: 'Delete a segment',
      description: 'Refused (409) while flag rules or other segments of the environment use it through segmentMatch; the answer names each of them.',
      params: SegmentParamsSchema,
      response: { 204: z.null().describe('deleted'), ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { segmentKey } = request.params;
    await app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const env = await requireEnvironment(w.tx, request.params.env);
      await w.touchEnvironment(env.id, 'segment', segmentKey); // locks the environment, as in create
      const segment = await requireSegment(w.tx, env, segmentKey);
      const usages = await findSegmentUsages(w.tx, env.id, segmentKey);
      if (usages.details.length > 0) {
        const names = [...usages.flags.map((k) => `flag "${k}"`), ...usages.segments.map((k) => `segment "${k}"`)];
        throw conflict(`Segment "${segmentKey}" is still used by ${names.join(', ')}; remove those references first`, usages.details);
      }
      await w.tx.segment.delete({ where: { id: segment.id } });
      await w.audit({ action: 'segment.deleted', resourceType: 'segment', resourceKey: segmentKey, environmentKey: env.key, before: toSegmentView(segment, env.key) });
    });
    return reply.code(204).send(null);
  });
}
