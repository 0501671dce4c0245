import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isUniqueViolation } from '../db/errors.ts';
import { lockForTransaction } from '../db/locks.ts';
import type { Prisma } from '../db/prisma.ts';
import { requireEnvironment } from '../environments/service.ts';
import { conflict, preconditionFailed, unprocessable } from '../http/http-error.ts';
import { errorResponses } from '../http/schemas.ts';
import { expectedVersion, setVersionHeaders } from '../http/etag.ts';
import { toConfigView } from './config-repository.ts';
import configRoutes from './config-routes.ts';
import { defaultFlagConfig } from './defaults.ts';
import { validationFailed } from './errors.ts';
import {
  lockFlag,
  lockPrerequisiteGraph,
  refuseIfDependedOn,
  requireFlag,
  toFlagView,
  touchAllEnvironments,
  variationsOf,
} from './repository.ts';
import { CreateFlagSchema, FlagDetailSchema, FlagListSchema, FlagParamsSchema, FlagSchema, ListFlagsQuerySchema, UpdateFlagSchema } from './schemas.ts';
import { BOOLEAN_VARIATIONS, variationProblems } from './variations.ts';

const tags = ['flags'];
const ifMatch = 'Optional If-Match: the flag version (ETag) you read; a stale one is refused with 412 and changes nothing.';

const unique = (values: readonly string[]) => [...new Set(values)];
const asJson = (value: unknown) => value as Prisma.InputJsonValue;
/** Prisma passes `contains` to ILIKE as is: keep "_" and "%" in a search literal. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export default async function flagRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post('/', {
    schema: {
      tags,
      summary: 'Create a flag',
      description: 'The flag starts with its default configuration (off) in every environment.',
      body: CreateFlagSchema,
      response: { 201: FlagSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const body = request.body;
    const variations = body.variations ?? [...BOOLEAN_VARIATIONS];
    try {
      const created = await app.changes.run(request.principal?.name ?? 'system', async (w) => {
        await lockForTransaction(w.tx, 'flagEnvironmentPairs');
        const flag = await w.tx.flag.create({
          data: {
            key: body.key,
            name: body.name,
            description: body.description ?? '',
            kind: body.kind,
            variations: asJson(variations),
            tags: unique(body.tags ?? []),
            temporary: body.temporary ?? true,
            clientSideAvailable: body.clientSideAvailable ?? false,
            salt: randomBytes(16).toString('hex'),
          },
        });
        const environments = await w.tx.environment.findMany({ select: { id: true }, orderBy: { createdAt: 'asc' } });
        await w.tx.flagEnvironment.createMany({
          data: environments.map((env) => ({ flagId: flag.id, environmentId: env.id, ...defaultFlagConfig(variations.length) })),
        });
        for (const env of environments) await w.touchEnvironment(env.id, 'flag', flag.key);
        const view = toFlagView(flag);
        await w.audit({ action: 'flag.created', resourceType: 'flag', resourceKey: flag.key, flagKey: flag.key, after: view });
        return view;
      });
      setVersionHeaders(reply, created.version);
      return reply.code(201).send(created);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Flag "${body.key}" already exists`, [{ path: 'body.key', message: 'already exists' }]);
      throw error;
    }
  });

  app.get('/', {
    schema: { tags, summary: 'List flags', querystring: ListFlagsQuerySchema, response: { 200: FlagListSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const { limit, offset, tag, q, archived, env: envKey } = request.query;
    const env = envKey ? await requireEnvironment(app.prisma, envKey) : null;
    const where: Prisma.FlagWhereInput = {
      ...(archived === 'all' ? {} : { archived: archived === 'true' }),
      ...(tag.length > 0 ? { tags: { hasEvery: tag } } : {}),
      ...(q
        ? { OR: (['key', 'name', 'description'] as const).map((field) => ({ [field]: { contains: escapeLike(q), mode: 'insensitive' as const } })) }
        : {}),
    };
    const [total, rows] = await app.prisma.$transaction([
      app.prisma.flag.count({ where }),
      app.prisma.flag.findMany({ where, orderBy: { key: 'asc' }, skip: offset, take: limit }),
    ]);
    const states = env
      ? new Map(
          (await app.prisma.flagEnvironment.findMany({
            where: { environmentId: env.id, flagId: { in: rows.map((r) => r.id) } },
            select: { flagId: true, on: true },
          })).map((s) => [s.flagId, s.on]),
        )
      : null;
    const items = rows.map((row) => ({ ...toFlagView(row), ...(states ? { on: states.get(row.id) ?? false } : {}) }));
    return { items, total, limit, offset };
  });

  app.get('/:key', {
    schema: {
      tags,
      summary: 'Get a flag',
      description: 'Metadata plus each environment’s on/off state and configuration version. ETag: the flag’s metadata version.',
      params: FlagParamsSchema,
      response: { 200: FlagDetailSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const flag = await requireFlag(app.prisma, request.params.key);
    const configs = await app.prisma.flagEnvironment.findMany({
      where: { flagId: flag.id },
      select: { on: true, version: true, environment: { select: { key: true } } },
      orderBy: { environment: { createdAt: 'asc' } },
    });
    setVersionHeaders(reply, flag.version);
    return { ...toFlagView(flag), environments: Object.fromEntries(configs.map((c) => [c.environment.key, { on: c.on, version: c.version }])) };
  });

  app.patch('/:key', {
    schema: {
      tags,
      summary: 'Update a flag’s metadata',
      description: `Changes name, description, tags, temporary, clientSideAvailable, or the values of the existing variations (same count, of the flag’s kind). ${ifMatch}`,
      params: FlagParamsSchema,
      body: UpdateFlagSchema,
      response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 412, 422) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request);
    const body = request.body;
    const updated = await app.changes.run(request.principal?.name ?? 'system', async (w) => {
      const before = await lockFlag(w.tx, request.params.key, 'update');
      if (expected !== null && expected !== before.version) throw preconditionFailed(before.version);
      if (body.variations !== undefined) {
        const count = variationsOf(before).length;
        if (body.variations.length !== count) {
          throw unprocessable(`Flag "${before.key}" has ${count} variations; configurations refer to them by index, so edits must keep the count`, [
            { path: 'body.variations', message: `must have exactly ${count} values` },
          ]);
        }
        const problems = variationProblems(before.kind, body.variations);
        if (problems.length > 0) throw validationFailed(problems);
      }
      const after = await w.tx.flag.update({
        where: { id: before.id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.tags !== undefined ? { tags: unique(body.tags) } : {}),
          ...(body.temporary !== undefined ? { temporary: body.temporary } : {}),
          ...(body.clientSideAvailable !== undefined ? { clientSideAvailable: body.clientSideAvailable } : {}),
          ...(body.variations !== undefined ? { variations: asJson(body.variations) } : {}),
          version: { increment: 1 },
        },
      });
      await touchAllEnvironments(w.tx, (envId) => w.touchEnvironment(envId, 'flag', before.key));
      const view = toFlagView(after);
      await w.audit({ action: 'flag.updated', resourceType: 'flag', resourceKey: before.key, flagKey: before.key, before: toFlagView(before), after: view });
      return view;
    });
    setVersionHeaders(reply, updated.version);
    return updated;
  });

  const setArchived = (request: FastifyRequest, key: string, archived: boolean) => {
    const expected = expectedVersion(request);
    return app.changes.run(request.principal?.name ?? 'system', async (w) => {
      if (archived) await lockPrerequisiteGraph(w.tx);
      const before = await lockFlag(w.tx, key, 'update');
      if (expected !== null && expected !== before.version) throw preconditionFailed(before.version);
      if (before.archived === archived) return toFlagView(before);
      if (archived) await refuseIfDependedOn(w.tx, before.key, 'archive');
      const after = await w.tx.flag.update({ where: { id: before.id }, data: { archived, version: { increment: 1 } } });
      await touchAllEnvironments(w.tx, (envId) => w.touchEnvironment(envId, 'flag', before.key));
      const view = toFlagView(after);
      await w.audit({
        action: archived ? 'flag.archived' : 'flag.restored',
        resourceType: 'flag',
        resourceKey: before.key,
        flagKey: before.key,
        before: toFlagView(before),
        after: view,
      });
      return view;
    });
  };

  app.post('/:key/archive', {
    schema: {
      tags,
      summary: 'Archive a flag',
      description: `Archived flags leave every environment’s snapshot and their configurations cannot be edited until restored. Refused (409) while active flags use it as a prerequisite. Archiving an archived flag changes nothing. ${ifMatch}`,
      params: FlagParamsSchema,
      response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const view = await setArchived(request, request.params.key, true);
    setVersionHeaders(reply, view.version);
    return view;
  });

  app.post('/:key/restore', {
    schema: {
      tags,
      summary: 'Restore an archived flag',
      description: `The flag returns to every environment’s snapshot with the configurations it had. ${ifMatch}`,
      params: FlagParamsSchema,
      response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const view = await setArchived(request, request.params.key, false);
    setVersionHeaders(reply, view.version);
    return view;
  });

  app.delete('/:key', {
    schema: {
      tags,
      summary: 'Delete a flag',
      description: `Deletes the flag and its configuration in every environment. Refused (409) while active flags use it as a prerequisite. ${ifMatch}`,
      params: FlagParamsSchema,
      response: { 204: z.null().describe('deleted'), ...errorResponses(400, 401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request);
    await app.changes.run(request.principal?.name ?? 'system', async (w) => {
      await lockPrerequisiteGraph(w.tx);
      const flag = await lockFlag(w.tx, request.params.key, 'update');
      if (expected !== null && expected !== flag.version) throw preconditionFailed(flag.version);
      await refuseIfDependedOn(w.tx, flag.key, 'delete');
      const configs = await w.tx.flagEnvironment.findMany({ where: { flagId: flag.id }, include: { environment: { select: { key: true } } } });
      await w.tx.flag.delete({ where: { id: flag.id } });
      await touchAllEnvironments(w.tx, (envId) => w.touchEnvironment(envId, 'flag', flag.key));
      // The configurations go with the flag, so the audit trail keeps them to make the deletion reversible by hand.
      const environments = Object.fromEntries(configs.map((c) => [c.environment.key, toConfigView(c, flag.key, c.environment.key)]));
      await w.audit({ action: 'flag.deleted', resourceType: 'flag', resourceKey: flag.key, flagKey: flag.key, before: { ...toFlagView(flag), environments } });
    });
    return reply.code(204).send(null);
  });

  await app.register(configRoutes);
}
