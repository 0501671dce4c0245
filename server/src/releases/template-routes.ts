import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses } from '../http/schemas.ts';
import { CreateReleaseTemplateSchema, ReleaseTemplateParamsSchema, ReleaseTemplateSchema, UpdateReleaseTemplateSchema } from './schemas.ts';
import type { ReleaseTemplateService } from './template-service.ts';

const tags = ['release plans'];

/** /api/release-templates: reusable stage lists. */
export default async function releaseTemplateRoutes(fastify: FastifyInstance, opts: { service: ReleaseTemplateService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const templates = opts.service;

  app.get(
    '/',
    { schema: { tags, summary: 'List release templates', response: { 200: z.array(ReleaseTemplateSchema), ...errorResponses(401, 403) } } },
    () => templates.list(),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a release template',
        description: 'Stages are ordered; percentages never go down (contexts only move forward).',
        body: CreateReleaseTemplateSchema,
        response: { 201: ReleaseTemplateSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { key, ...content } = request.body;
      const view = await templates.create(actorName(request.principal), key, content);
      setVersionHeaders(reply, view.version);
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Get a release template',
        params: ReleaseTemplateParamsSchema,
        response: { 200: ReleaseTemplateSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const view = await templates.get(request.params.key);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.patch(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Change a release template',
        description: 'Plans already started from it keep the stages they were started with. Optional If-Match: the version you read.',
        params: ReleaseTemplateParamsSchema,
        body: UpdateReleaseTemplateSchema,
        response: { 200: ReleaseTemplateSchema, ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const view = await templates.update(actorName(request.principal), request.params.key, expectedVersion(request), request.body);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.delete(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Delete a release template',
        description: 'Plans started from it are not affected. Optional If-Match: the version you read.',
        params: ReleaseTemplateParamsSchema,
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await templates.delete(actorName(request.principal), request.params.key, expectedVersion(request));
      return reply.code(204).send(null);
    },
  );
}
