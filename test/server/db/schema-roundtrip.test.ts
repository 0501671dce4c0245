import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../../server/src/db/migrate.ts';
import { createPrisma, type PrismaClient } from '../../../server/src/db/prisma.ts';
import { createEmptyDatabase, query } from '../../helpers/database.ts';
import { type PrismaSchema, parsePrismaSchema, type SchemaField } from './prisma-schema.ts';

// The migration SQL is written by hand (Prisma's schema engine cannot run offline), so these tests
// are what proves it and prisma/schema.prisma describe the same database.

let url: string;
let drop: () => Promise<void>;
let prisma: PrismaClient;
let schema: PrismaSchema;

beforeAll(async () => {
  ({ url, drop } = await createEmptyDatabase(inject('databaseUrl')));
  await migrate(url);
  prisma = createPrisma(url, 2);
  schema = await parsePrismaSchema();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await drop?.();
});

const queryMigrated = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => query<T>(url, sql, params);

/** The information_schema description a Prisma field must have under Prisma's PostgreSQL mapping. */
function expectedColumn(field: SchemaField, model: string): { data_type: string; udt_name: string; is_nullable?: string } {
  const scalar: Record<string, [string, string]> = {
    String: ['text', 'text'],
    Int: ['integer', 'int4'],
    BigInt: ['bigint', 'int8'],
    Boolean: ['boolean', 'bool'],
    DateTime: ['timestamp without time zone', 'timestamp'],
    Json: ['jsonb', 'jsonb'],
    Float: ['double precision', 'float8'],
  };
  const base = field.kind === 'enum' ? ['USER-DEFINED', field.type] : scalar[field.type];
  if (!base) throw new Error(`No expected column type for ${model}.${field.name} (${field.type})`);
  // Prisma leaves list columns nullable in the SQL it generates; everything else follows `?`.
  if (field.list) return { data_type: 'ARRAY', udt_name: `_${base[1]}` };
  return { data_type: base[0]!, udt_name: base[1]!, is_nullable: field.optional ? 'YES' : 'NO' };
}

describe('schema.prisma and the migrations agree', () => {
  it('on the columns of every table: names, types and nullability', async () => {
    const columns = await queryMigrated<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map<string, Record<string, string>>();
    for (const c of columns)
      actual.set(`${c.table_name}.${c.column_name}`, { data_type: c.data_type, udt_name: c.udt_name, is_nullable: c.is_nullable });

    const expected = new Map<string, ReturnType<typeof expectedColumn>>();
    for (const model of schema.models)
      for (const field of model.fields) expected.set(`${model.name}.${field.name}`, expectedColumn(field, model.name));

    expect([...actual.keys()].sort(), 'columns in the database vs fields in schema.prisma').toEqual([...expected.keys()].sort());
    for (const [column, description] of expected) expect(actual.get(column), column).toMatchObject(description);
  });

  it('on the values of every enum', async () => {
    const rows = await queryMigrated<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    expect(new Map(rows.map((r) => [r.typname, r.labels]))).toEqual(schema.enums);
  });

  it('on the unique constraints and indexes', async () => {
    const rows = await queryMigrated<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    // Prisma has no partial indexes: these are written in the migrations only (and commented there).
    const partial = ['ReleasePlan_one_active'];
    const expected = [...schema.models.flatMap((m) => [`${m.name}_pkey`, ...m.indexes]), ...partial];
    expect(rows.map((r) => r.indexname).sort()).toEqual(expected.sort());
  });
});

describe('every model round-trips through Prisma Client', () => {
  const at = (iso: string) => new Date(iso);

  it('creates, reads, updates and deletes one row of every model with every field set', async () => {
    const seen = new Set<string>();
    /** Every column of the row came back set, so no field of the model went untested. */
    const expectFullRow = (model: string, row: Record<string, unknown>) => {
      seen.add(model);
      const fields = schema.models.find((m) => m.name === model)!.fields.map((f) => f.name);
      expect(Object.keys(row).sort(), model).toEqual([...fields].sort());
      for (const field of fields) expect(row[field], `${model}.${field}`).not.toBeNull();
    };

    const environment = await prisma.environment.create({
      data: { key: 'rt-env', name: 'Round trip', version: 5, createdAt: at('2026-01-02T03:04:05.678Z') },
    });
    expectFullRow('Environment', environment);
    expect(await prisma.environment.findUniqueOrThrow({ where: { key: 'rt-env' } })).toEqual(environment);
    expect(environment).toMatchObject({ version: 5, createdAt: at('2026-01-02T03:04:05.678Z') });

    const variations = [{ nested: { list: [1, 2.5, 'three', null, true] } }, 'plain', 42, null, false];
    const flag = await prisma.flag.create({
      data: {
        key: 'rt-flag',
        name: 'Round trip flag',
        description: 'ünïcödé ✓',
        kind: 'json',
        variations,
        tags: ['alpha', 'beta gamma', ''],
        temporary: false,
        archived: true,
        archivedAt: at('2026-02-04T00:00:00.001Z'),
        salt: 'c0ffee',
        clientSideAvailable: true,
        version: 9,
        createdAt: at('2026-02-03T04:05:06.789Z'),
      },
    });
    expectFullRow('Flag', flag);
    expect(await prisma.flag.findUniqueOrThrow({ where: { key: 'rt-flag' } })).toEqual(flag);
    expect(flag).toMatchObject({
      kind: 'json',
      variations,
      tags: ['alpha', 'beta gamma', ''],
      temporary: false,
      archived: true,
      clientSideAvailable: true,
    });

    const flagEnvironment = await prisma.flagEnvironment.create({
      data: {
        flagId: flag.id,
        environmentId: environment.id,
        on: true,
        offVariation: 1,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 60000 },
              { variation: 1, weight: 40000 },
            ],
            bucketBy: 'key',
          },
        },
        targets: [{ variation: 0, values: ['user-1', 'user-2'] }],
        rules: [{ id: 'r1', clauses: [{ attribute: 'country', op: 'in', values: ['NL'], negate: false }], variation: 2 }],
        prerequisites: [{ key: 'other', variation: 0 }],
        guardedMetrics: ['checkout-error', 'checkout-latency-ms'],
        version: 4,
      },
    });
    expectFullRow('FlagEnvironment', flagEnvironment);
    expect(
      await prisma.flagEnvironment.findUniqueOrThrow({
        where: { flagId_environmentId: { flagId: flag.id, environmentId: environment.id } },
      }),
    ).toEqual(flagEnvironment);

    const segment = await prisma.segment.create({
      data: {
        environmentId: environment.id,
        key: 'beta-users',
        name: 'Beta users',
        description: 'people who opted in',
        included: ['u1', 'u2'],
        excluded: ['u3'],
        rules: [{ clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }] }],
        version: 3,
        createdAt: at('2026-03-04T05:06:07.891Z'),
      },
    });
    expectFullRow('Segment', segment);
    expect(
      await prisma.segment.findUniqueOrThrow({ where: { environmentId_key: { environmentId: environment.id, key: 'beta-users' } } }),
    ).toEqual(segment);

    const token = await prisma.apiToken.create({
      data: {
        name: 'server key',
        kind: 'server',
        environmentId: environment.id,
        secretHash: 'a'.repeat(64),
        prefix: 'sy_server_abcd',
        configuredBy: 'SWITCHYARD_ADMIN_TOKEN',
        role: 'viewer',
        environmentRoles: { staging: 'editor', 'rt-env': 'admin' },
        createdAt: at('2026-04-05T06:07:08.912Z'),
        lastUsedAt: at('2026-04-06T00:00:00.001Z'),
        revokedAt: at('2026-04-07T00:00:00.002Z'),
      },
    });
    expectFullRow('ApiToken', token);
    expect(await prisma.apiToken.findUniqueOrThrow({ where: { secretHash: 'a'.repeat(64) } })).toEqual(token);
    expect(token).toMatchObject({ role: 'viewer', environmentRoles: { staging: 'editor', 'rt-env': 'admin' } });
    const defaults = await prisma.apiToken.create({ data: { name: 'person', kind: 'admin', secretHash: 'd'.repeat(64), prefix: 'dddd' } });
    expect(defaults).toMatchObject({ role: 'admin', environmentRoles: {} }); // tokens from before roles stay admins
    await prisma.apiToken.delete({ where: { id: defaults.id } });

    const session = await prisma.session.create({
      data: {
        id: 'b'.repeat(64),
        tokenId: token.id,
        csrfToken: 'csrf-token',
        createdAt: at('2026-04-06T01:00:00.000Z'),
        expiresAt: at('2026-04-06T13:00:00.000Z'),
        lastSeenAt: at('2026-04-06T02:00:00.000Z'),
      },
    });
    expectFullRow('Session', session);
    expect(await prisma.session.findUniqueOrThrow({ where: { id: 'b'.repeat(64) } })).toEqual(session);

    const bigId = 2n ** 40n; // beyond 32 bits: the column must really be a bigint
    const audit = await prisma.auditEvent.create({
      data: {
        id: bigId,
        createdAt: at('2026-05-06T07:08:09.123Z'),
        actor: 'admin token',
        action: 'flag.updated',
        resourceType: 'flag',
        resourceKey: 'rt-flag',
        flagKey: 'rt-flag',
        environmentKey: 'rt-env',
        before: { on: false },
        after: { on: true, nested: [1, { deep: 'yes' }] },
      },
    });
    expectFullRow('AuditEvent', audit);
    expect(audit.id).toBe(bigId);
    expect(await prisma.auditEvent.findUniqueOrThrow({ where: { id: bigId } })).toEqual(audit);
    const generated = await prisma.auditEvent.create({ data: { actor: 'a', action: 'b', resourceType: 'c', resourceKey: 'd' } });
    expect(typeof generated.id).toBe('bigint');
    expect(generated).toMatchObject({ flagKey: null, environmentKey: null, before: null, after: null });

    const change = await prisma.environmentChange.create({
      data: {
        id: bigId + 1n,
        environmentId: environment.id,
        version: 6,
        resourceType: 'segment',
        resourceKey: 'beta-users',
        createdAt: at('2026-06-07T08:09:10.234Z'),
      },
    });
    expectFullRow('EnvironmentChange', change);
    expect(
      await prisma.environmentChange.findUniqueOrThrow({ where: { environmentId_version: { environmentId: environment.id, version: 6 } } }),
    ).toEqual(change);

    const bucketStart = at('2026-07-01T10:11:00.000Z');
    const envId = environment.id;
    const report = await prisma.metricsReport.create({
      data: { id: '7f1a4c1e-2b0c-4f5e-9d3a-0123456789ab', environmentId: envId, payload: { evaluations: [] }, foldedAt: bucketStart },
    });
    expectFullRow('MetricsReport', report);
    expect(await prisma.metricsReport.findUniqueOrThrow({ where: { id: report.id } })).toEqual(report);
    const big = 2n ** 40n + 7n;
    const evaluations = await prisma.flagEvaluationRollup.create({
      data: {
        environmentId: envId,
        flagKey: 'rt-flag',
        granularity: 'minute',
        bucketStart,
        variation: -1,
        errorKind: 'FLAG_NOT_FOUND',
        count: big,
      },
    });
    expectFullRow('FlagEvaluationRollup', evaluations);
    expect(evaluations.count).toBe(big);
    const served = await prisma.flagServed.create({
      data: {
        environmentId: envId,
        flagKey: 'rt-flag',
        variation: 2,
        errorKind: '',
        firstAt: bucketStart,
        lastAt: at('2026-07-02T00:00:00.000Z'),
      },
    });
    expectFullRow('FlagServed', served);
    const events = await prisma.customEventRollup.create({
      data: {
        environmentId: envId,
        eventKey: 'checkout-latency-ms',
        granularity: 'hour',
        bucketStart,
        count: big,
        valueCount: 3n,
        sum: 1234.5,
        sumSquares: 1e300,
      },
    });
    expectFullRow('CustomEventRollup', events);
    expect(events).toMatchObject({ sum: 1234.5, sumSquares: 1e300 });
    const exposure = await prisma.guardedExposure.create({
      data: { environmentId: envId, flagKey: 'rt-flag', variation: 1, contextHash: '0123456789abcdef', firstAt: bucketStart },
    });
    expectFullRow('GuardedExposure', exposure);
    const metricContext = await prisma.guardedMetricContext.create({
      data: {
        environmentId: envId,
        flagKey: 'rt-flag',
        metricKey: 'checkout-error',
        variation: 1,
        contextHash: 'fedcba9876543210',
        firstAt: bucketStart,
      },
    });
    expectFullRow('GuardedMetricContext', metricContext);
    const guardedRollup = await prisma.guardedMetricRollup.create({
      data: {
        environmentId: envId,
        flagKey: 'rt-flag',
        metricKey: 'checkout-latency-ms',
        variation: 0,
        bucketStart,
        count: 5n,
        valueCount: 4n,
        sum: -2.25,
        sumSquares: 9.5,
      },
    });
    expectFullRow('GuardedMetricRollup', guardedRollup);
    const instance = await prisma.sdkInstance.create({
      data: {
        environmentId: envId,
        instanceId: 'i-1',
        sdkName: '@switchyard/sdk',
        sdkVersion: '0.1.0',
        mode: 'streaming',
        snapshotVersion: 12,
        firstSeenAt: bucketStart,
        lastSeenAt: at('2026-07-03T00:00:00.000Z'),
        droppedEvaluations: big,
        droppedEvents: 1n,
        droppedContexts: 2n,
        droppedReports: 3n,
      },
    });
    expectFullRow('SdkInstance', instance);
    expect(
      await prisma.sdkInstance.findUniqueOrThrow({ where: { environmentId_instanceId: { environmentId: envId, instanceId: 'i-1' } } }),
    ).toEqual(instance);

    const later = at('2026-08-01T00:00:00.000Z');
    const template = await prisma.releaseTemplate.create({
      data: {
        key: 'rt-template',
        name: 'Canary',
        description: 'internal, then 10 %',
        stages: [{ percentage: 10, segments: [], holdMinutes: 60, requireApproval: false, guarded: true }],
        guard: { metrics: [], onRegression: 'rollback' },
        version: 2,
      },
    });
    expectFullRow('ReleaseTemplate', template);
    expect(await prisma.releaseTemplate.findUniqueOrThrow({ where: { key: 'rt-template' } })).toEqual(template);
    const plan = await prisma.releasePlan.create({
      data: {
        flagId: flag.id,
        environmentId: envId,
        status: 'running',
        templateKey: 'rt-template',
        definition: { variation: 0, controlVariation: 1, stages: [], guard: null },
        stageIndex: 1,
        stageStartedAt: bucketStart,
        approvedStage: 0,
        nextCheckAt: later,
        waitingFor: 'approval',
        lastVerdict: { outcome: 'waiting' },
        baseConfig: { on: false },
        configVersion: 7,
        version: 3,
        createdBy: 'admin',
        startedAt: bucketStart,
        endedAt: later,
      },
    });
    expectFullRow('ReleasePlan', plan);
    expect(await prisma.releasePlan.findUniqueOrThrow({ where: { id: plan.id } })).toEqual(plan);
    const scheduled = await prisma.scheduledChange.create({
      data: {
        flagId: flag.id,
        environmentId: envId,
        dueAt: later,
        instructions: [{ kind: 'turnOn' }],
        comment: 'launch day',
        status: 'applied',
        outcome: 'applied',
        baseVersion: 4,
        version: 2,
        createdBy: 'admin',
        appliedAt: later,
      },
    });
    expectFullRow('ScheduledChange', scheduled);
    expect(await prisma.scheduledChange.findUniqueOrThrow({ where: { id: scheduled.id } })).toEqual(scheduled);
    const trigger = await prisma.flagTrigger.create({
      data: {
        flagId: flag.id,
        environmentId: envId,
        name: 'pagerduty',
        action: 'turn-off',
        secretHash: 'a'.repeat(64),
        secretPrefix: 'trg_abcd',
        createdBy: 'admin',
        revokedAt: later,
        lastCalledAt: later,
        calls: 3,
      },
    });
    expectFullRow('FlagTrigger', trigger);
    expect(await prisma.flagTrigger.findUniqueOrThrow({ where: { secretHash: 'a'.repeat(64) } })).toEqual(trigger);
    const webhook = await prisma.webhook.create({
      data: {
        name: 'slack',
        url: 'https://hooks.example.com/x',
        events: ['*'],
        format: 'slack',
        signingSecret: 'whsec_x',
        enabled: false,
        version: 2,
        createdBy: 'admin',
      },
    });
    expectFullRow('Webhook', webhook);
    const delivery = await prisma.webhookDelivery.create({
      data: {
        webhookId: webhook.id,
        event: 'flag.toggled',
        payload: { event: 'flag.toggled' },
        status: 'failed',
        attempts: 8,
        lastStatusCode: 500,
        lastError: 'HTTP 500',
        nextAttemptAt: later,
        lastAttemptAt: later,
        deliveredAt: later,
      },
    });
    expectFullRow('WebhookDelivery', delivery);
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toEqual(delivery);
    const attempt = await prisma.webhookDeliveryAttempt.create({
      data: {
        deliveryId: delivery.id,
        attemptedAt: later,
        durationMs: 10_000,
        statusCode: 500,
        error: 'HTTP 500',
        responseSnippet: 'ünïcödé ✓ {"error":"busy"}',
      },
    });
    expectFullRow('WebhookDeliveryAttempt', attempt);
    expect(await prisma.webhookDeliveryAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).toEqual(attempt);
    expect(typeof attempt.id).toBe('bigint');

    expect([...seen].sort(), 'every model of schema.prisma has a round trip here').toEqual(schema.models.map((m) => m.name).sort());

    // Updates, including a nullable field back to null, and @updatedAt moving forward.
    const renamed = await prisma.environment.update({
      where: { id: environment.id },
      data: { name: 'Renamed', version: { increment: 1 } },
    });
    expect(renamed).toMatchObject({ name: 'Renamed', version: 6 });
    expect(renamed.updatedAt.getTime()).toBeGreaterThanOrEqual(environment.updatedAt.getTime());
    expect(
      await prisma.flag.update({ where: { id: flag.id }, data: { tags: [], variations: [true, false], kind: 'boolean' } }),
    ).toMatchObject({ tags: [], variations: [true, false], kind: 'boolean' });
    expect(await prisma.flagEnvironment.update({ where: { id: flagEnvironment.id }, data: { on: false, rules: [] } })).toMatchObject({
      on: false,
      rules: [],
    });
    expect(await prisma.segment.update({ where: { id: segment.id }, data: { included: { push: 'u4' } } })).toMatchObject({
      included: ['u1', 'u2', 'u4'],
    });
    expect(await prisma.apiToken.update({ where: { id: token.id }, data: { revokedAt: null } })).toMatchObject({ revokedAt: null });
    expect(await prisma.auditEvent.update({ where: { id: bigId }, data: { before: { replaced: true } } })).toMatchObject({
      before: { replaced: true },
    });
    expect(await prisma.environmentChange.update({ where: { id: change.id }, data: { resourceKey: 'other' } })).toMatchObject({
      resourceKey: 'other',
    });

    // Deleting the environment cascades to everything that belongs to it; the flag and audit log stay.
    await prisma.environment.delete({ where: { id: environment.id } });
    expect(await prisma.flagEnvironment.count()).toBe(0);
    expect(await prisma.segment.count()).toBe(0);
    expect(await prisma.apiToken.count()).toBe(0);
    expect(await prisma.session.count()).toBe(0); // with its token
    expect(await prisma.environmentChange.count()).toBe(0);
    expect(await prisma.flag.count()).toBe(1);

    expect(await prisma.releasePlan.count()).toBe(0);
    expect(await prisma.scheduledChange.count()).toBe(0);
    expect(await prisma.flagTrigger.count()).toBe(0);
    await prisma.webhook.delete({ where: { id: webhook.id } });
    expect(await prisma.webhookDelivery.count()).toBe(0);
    expect(await prisma.webhookDeliveryAttempt.count()).toBe(0);

    await prisma.flag.delete({ where: { id: flag.id } });
    await prisma.auditEvent.deleteMany({ where: { id: { in: [bigId, generated.id] } } });
    expect(await prisma.flag.findUnique({ where: { id: flag.id } })).toBeNull();
    expect(await prisma.auditEvent.count()).toBe(0);
  });

  it('rejects what the schema forbids: a duplicate unique key, and a row pointing at a missing parent', async () => {
    await prisma.flag.create({ data: { key: 'dup', name: 'x', kind: 'boolean', variations: [true, false], salt: 's' } });
    await expect(
      prisma.flag.create({ data: { key: 'dup', name: 'y', kind: 'boolean', variations: [true, false], salt: 't' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      prisma.segment.create({ data: { environmentId: '00000000-0000-0000-0000-000000000000', key: 'orphan', name: 'orphan' } }),
    ).rejects.toMatchObject({ code: 'P2003' });
  });
});
