import { FlagConfigSchema, type FlagConfig } from '@switchyard/sdk/schema';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Prisma } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { formatPath } from '../errors/index.ts';
import { conflict, preconditionFailed, unprocessable } from '../http/http-error.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { errorResponses } from '../http/schemas.ts';
import { configOf, crossReferenceProblems, lockFlagConfig, requireFlagConfig, toConfigView } from './config-repository.ts';
import { validationFailed } from './errors.ts';
import { lockFlag, lockPrerequisiteGraph, requireFlag } from './repository.ts';
import {
  FlagConfigBodySchema,
  FlagConfigParamsSchema,
  FlagConfigPatchSchema,
  FlagConfigResponseSchema,
  ToggleSchema,
  type FlagConfigView,
} from './schemas.ts';

const tags = ['flags'];
const ifMatch = 'Optional If-Match: the configuration version (ETag) you read; a stale one is refused with 412 and changes nothing.';
const configPath = '/:key/environments/:env';

type Change = {
  action: 'flag.configuration.updated' | 'flag.toggled';
  /** The new configuration, from the current one; `null` when the request changes nothing. */
  next(current: FlagConfig): FlagConfig | null;
  /** Whether the result needs the cross-reference checks (a toggle cannot break them, and must always work). */
  validate: boolean;
  /** Whether the result may have prerequisites, and so needs the prerequisite-graph lock. */
  mayHavePrerequisites: boolean;
};

export default async function configRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** One configuration write: locks, If-Match, archived check, validation, versioned update, snapshot touch, audit. */
  const writeConfig = (request: FastifyRequest, params: { key: string; env: string }, change: Change): Promise<FlagConfigView> => {
    const expected = expectedVersion(request);
    return app.changes.run(request.principal?.name ?? 'system', async (w) => {
      if (change.mayHavePrerequisites) await lockPrerequisiteGraph(w.tx);
      const env = await requireEnvironment(w.tx, params.env);
      const flag = await lockFlag(w.tx, params.key, 'share');
      const row = await lockFlagConfig(w.tx, flag.id, env.id, `Configuration of flag "${flag.key}" in environment "${env.key}"`);
      if (expected !== null && expected !== row.version) throw preconditionFailed(row.version);
      if (flag.archived) throw conflict(`Flag "${flag.key}" is archived; restore it before changing its configuration`, [{ path: 'params.key', message: 'archived' }]);

      const before = toConfigView(row, flag.key, env.key);
      const next = change.next(configOf(before));
      if (next === null) return before;
      if (change.validate) {
        const problems = await crossReferenceProblems(w.tx, flag, env.id, next);
        if (problems.length > 0) {
          throw unprocessable(
            `The configuration refers to things that do not exist or loop: ${problems.map((p) => `${formatPath(['body', ...p.path])}: ${p.message}`).join('; ')}`,
            problems.map((p) => ({ path: formatPath(['body', ...p.path]), message: p.message })),
          );
        }
      }

      const written = await w.tx.flagEnvironment.updateMany({
        where: { id: row.id, version: row.version },
        data: {
          on: next.on,
          offVariation: next.offVariation,
          fallthrough: next.fallthrough as Prisma.InputJsonValue,
          targets: next.targets as Prisma.InputJsonValue,
          rules: next.rules as Prisma.InputJsonValue,
          prerequisites: next.prerequisites as Prisma.InputJsonValue,
          version: { increment: 1 },
        },
      });
      if (written.count !== 1) {
        throw preconditionFailed((await requireFlagConfig(w.tx, flag.id, env.id, 'Configuration')).version);
      }
      const after = toConfigView(await requireFlagConfig(w.tx, flag.id, env.id, 'Configuration'), flag.key, env.key);
      await w.touchEnvironment(env.id, 'flag', flag.key);
      await w.audit({ action: change.action, resourceType: 'flag', resourceKey: flag.key, flagKey: flag.key, environmentKey: env.key, before, after });
      return after;
    });
  };

  app.get(configPath, {
    schema: {
      tags,
      summary: 'Get a flag’s configuration in an environment',
      description: 'ETag: the configuration version; send it back as If-Match when you write.',
      params: FlagConfigParamsSchema,
      response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const flag = await requireFlag(app.prisma, request.params.key);
    const env = await requireEnvironment(app.prisma, request.params.env);
    const row = await requireFlagConfig(app.prisma, flag.id, env.id, `Configuration of flag "${flag.key}" in environment "${env.key}"`);
    setVersionHeaders(reply, row.version);
    return toConfigView(row, flag.key, env.key);
  });

  app.put(configPath, {
    schema: {
      tags,
      summary: 'Replace a flag’s configuration in an environment',
      description: `Variation indices, segments and prerequisites are checked against the flag and the environment (422 with the paths of the problems). ${ifMatch}`,
      params: FlagConfigParamsSchema,
      body: FlagConfigBodySchema,
      response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
    },
  }, async (request, reply) => {
    const body = request.body;
    const view = await writeConfig(request, request.params, {
      action: 'flag.configuration.updated',
      next: () => body,
      validate: true,
      mayHavePrerequisites: body.prerequisites.length > 0,
    });
    setVersionHeaders(reply, view.version);
    return view;
  });

  app.patch(configPath, {
    schema: {
      tags,
      summary: 'Change part of a flag’s configuration in an environment',
      description: `The given top-level fields replace the current ones; the result is validated as a whole, as for PUT. ${ifMatch}`,
      params: FlagConfigParamsSchema,
      body: FlagConfigPatchSchema,
      response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 422) },
    },
  }, async (request, reply) => {
    const body = request.body;
    const view = await writeConfig(request, request.params, {
      action: 'flag.configuration.updated',
      next: (current) => {
        const merged = FlagConfigSchema.safeParse({ ...current, ...body });
        if (!merged.success) throw validationFailed(merged.error.issues);
        return merged.data;
      },
      validate: true,
      mayHavePrerequisites: body.prerequisites === undefined || body.prerequisites.length > 0,
    });
    setVersionHeaders(reply, view.version);
    return view;
  });

  app.post(`${configPath}/toggle`, {
    schema: {
      tags,
      summary: 'Turn a flag on or off in an environment',
      description: `The kill switch: sets \`on\` to the given value. Setting the current value changes nothing (no new version, no audit event). ${ifMatch}`,
      params: FlagConfigParamsSchema,
      body: ToggleSchema,
      response: { 200: FlagConfigResponseSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const { on } = request.body;
    const view = await writeConfig(request, request.params, {
      action: 'flag.toggled',
      next: (current) => (current.on === on ? null : { ...current, on }),
      validate: false,
      mayHavePrerequisites: false,
    });
    setVersionHeaders(reply, view.version);
    return view;
  });
}
