import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorName } from '../auth/principal.ts';
import { etagFor, expectedVersion, notModified, sendNotModified, setVersionHeaders } from '../http/etag.ts';
import { errorResponses } from '../http/schemas.ts';
import type { FlagConfigService, FlagConfigTarget } from './config-service.ts';
import { FlagConfigBodySchema, FlagConfigParamsSchema, FlagConfigPatchSchema, FlagConfigResponseSchema, ToggleSchema } from './schemas.ts';

const tags = ['flags'];
const ifMatch = 'Optional If-Match: the configuration version (ETag) you read; a stale one is refused with 412 and changes nothing.';
const configPath = '/:key/environments/:env';

const targetOf = (params: { key: string; env: string }): FlagConfigTarget => ({ flagKey: params.key, environmentKey: params.env });

export default async function configRoutes(fastify: FastifyInstance, opts: { service: FlagConfigService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const configs = opts.service;

  app.get(
    configPath,
    {
      schema: {
        tags,
        summary: 'Get a flag’s configuration in an environment',
        description:
          'ETag: the configuration version; send it back as If-Match when you write. ' +
          'Send `If-None-Match` with the ETag you have to get 304 when nothing changed (how the console watches for changes).',
        params: FlagConfigParamsSchema,
        response: {
          200: FlagConfigResponseSchema,
          304: z.null().describe('Not modified: your ETag is current (no body)'),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const view = await configs.get(targetOf(request.params));
      setVersionHeaders(reply, view.version);
      reply.header('Cache-Control', 'no-cache');
      if (notModified(request, etagFor(view.version))) return sendNotModified(reply);
      return view;
    },
  );

  app.put(
    configPath,
    {
      schema: {
        tags,
        summary: 'Replace a flag’s configuration in an environment',
        description:
          'Variation indices, segments and prerequisites are checked against the flag and the environment ' +
          `(422 with the paths of the problems). ${ifMatch}`,
        params: FlagConfigParamsSchema,
        body: FlagConfigBodySchema,
        response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const view = await configs.replace(actorName(request.principal), targetOf(request.params), expected, request.body);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.patch(
    configPath,
    {
      schema: {
        tags,
        summary: 'Change part of a flag’s configuration in an environment',
        description: `The given top-level fields replace the current ones; the result is validated as a whole, as for PUT. ${ifMatch}`,
        params: FlagConfigParamsSchema,
        body: FlagConfigPatchSchema,
        response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const view = await configs.merge(actorName(request.principal), targetOf(request.params), expected, request.body);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );

  app.post(
    `${configPath}/toggle`,
    {
      schema: {
        tags,
        summary: 'Turn a flag on or off in an environment',
        description:
          'The kill switch: sets `on` to the given value. ' +
          `Setting the current value changes nothing (no new version, no audit event). ${ifMatch}`,
        params: FlagConfigParamsSchema,
        body: ToggleSchema,
        response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const view = await configs.toggle(actorName(request.principal), targetOf(request.params), expected, request.body.on);
      setVersionHeaders(reply, view.version);
      return view;
    },
  );
}
