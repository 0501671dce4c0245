import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses } from '../http/schemas.ts';
import configRoutes from './config-routes.ts';
import type { FlagConfigService } from './config-service.ts';
import {
  CreateFlagSchema,
  FlagDetailSchema,
  FlagListSchema,
  FlagParamsSchema,
  FlagSchema,
  ListFlagsQuerySchema,
  UpdateFlagSchema,
} from './schemas.ts';
import type { FlagService } from './service.ts';

const tags = ['flags'];
const ifMatch = 'Optional If-Match: the flag version (ETag) you read; a stale one is refused with 412 and changes nothing.';

export default async function flagRoutes(fastify: FastifyInstance, opts: { service: FlagService; configService: FlagConfigService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const flags = opts.service;

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a flag',
        description: 'The flag starts with its default configuration (off) in every environment.',
        body: CreateFlagSchema,
        response: { 201: FlagSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await flags.create(actorName(request.principal), request.body);
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List flags',
        querystring: ListFlagsQuerySchema,
        response: { 200: FlagListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => flags.list(request.query),
  );

  app.get(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Get a flag',
        description: 'Metadata plus each environment’s on/off state and configuration version. ETag: the flag’s metadata version.',
        params: FlagParamsSchema,
        response: { 200: FlagDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const detail = await flags.get(request.params.key);
      setVersionHeaders(reply, detail.version);
      return detail;
    },
  );

  app.patch(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Update a flag’s metadata',
        description:
          'Changes name, description, tags, temporary, clientSideAvailable, ' +
          `or the values of the existing variations (same count, of the flag’s kind). ${ifMatch}`,
        params: FlagParamsSchema,
        body: UpdateFlagSchema,
        response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const updated = await flags.update(actorName(request.principal), request.params.key, expected, request.body);
      setVersionHeaders(reply, updated.version);
      return updated;
    },
  );

  app.post(
    '/:key/archive',
    {
      schema: {
        tags,
        summary: 'Archive a flag',
        description:
          'Archived flags leave every environment’s snapshot and their configurations cannot be edited until restored. ' +
          'Refused (409) while active flags use it as a prerequisite. ' +
          `Archiving an archived flag changes nothing. ${ifMatch}`,
        params: FlagParamsSchema,
        response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const view = await flags.archive(actorName(request.principal), request.params.key, expected);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.post(
    '/:key/restore',
    {
      schema: {
        tags,
        summary: 'Restore an archived flag',
        description: `The flag returns to every environment’s snapshot with the configurations it had. ${ifMatch}`,
        params: FlagParamsSchema,
        response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const view = await flags.restore(actorName(request.principal), request.params.key, expected);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.delete(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Delete a flag',
        description:
          'Deletes the flag and its configuration in every environment. ' +
          `Refused (409) while active flags use it as a prerequisite. ${ifMatch}`,
        params: FlagParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      await flags.delete(actorName(request.principal), request.params.key, expected);
      return reply.code(204).send(null);
    },
  );

  await app.register(configRoutes, { service: opts.configService });
}
