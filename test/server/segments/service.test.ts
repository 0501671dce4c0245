import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import { ChangeWriter } from '../../../server/src/changes/write-unit.ts';
import { ConflictError, InvalidDefinitionError } from '../../../server/src/errors/index.ts';
import { SegmentService } from '../../../server/src/segments/service.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { until } from '../../helpers/wait.ts';

const refersTo = (...keys: string[]) => ({ clauses: [{ attribute: '', op: 'segmentMatch' as const, values: keys }] });

/** Of two concurrent writes, exactly one went through: the other's error. */
function theOneRefusal(results: PromiseSettledResult<unknown>[]): unknown {
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(refused).toHaveLength(results.length - 1);
  return refused[0]?.reason;
}

describe('SegmentService', () => {
  let db: TestDatabase;
  let segments: SegmentService;
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'), inject('templateDatabase'), inject('testRunId'));
    await db.prisma.environment.create({ data: { key: 'production', name: 'Production' } });
    const changes = new ChangeWriter({ prisma: db.prisma, bus: new InProcessChangeBus(), onPublishError: () => {} });
    segments = new SegmentService({ prisma: db.prisma, changes });
  });
  afterAll(async () => db?.drop());

  /**
   * Starts `writes` while another transaction holds the named segments' rows, releases them once
   * `waiting` statements of this database wait for a lock, and returns what the writes return.
   */
  async function whileRowsLocked<T>(keys: string[], waiting: number, writes: () => Promise<T>): Promise<T> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = db.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT "id" FROM "Segment" WHERE "key" = ANY(${keys}) FOR UPDATE`;
        locked();
        await released;
      },
      { timeout: 15_000 },
    );
    await holding;
    const results = writes();
    try {
      await until(`${waiting} statements waiting for a lock`, async () => {
        const [row] = await db.prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        return (row?.n ?? 0) >= waiting;
      });
    } finally {
      release();
      await holder;
    }
    return results;
  }

  it('runs segment writes of one environment one at a time: two concurrent writes cannot together form a cycle', async () => {
    await segments.create('test', 'production', { key: 'a', name: 'A' });
    await segments.create('test', 'production', { key: 'b', name: 'B' });

    // Each write alone is valid; together they would make a -> b -> a. Holding both segment rows makes
    // the writes meet: unserialised, both would check their references before either could update.
    const results = await whileRowsLocked(['a', 'b'], 2, () =>
      Promise.allSettled([
        segments.replace('test', 'production', 'a', { name: 'A', rules: [refersTo('b')] }, null),
        segments.replace('test', 'production', 'b', { name: 'B', rules: [refersTo('a')] }, null),
      ]),
    );

    const refusal = theOneRefusal(results);
    expect(refusal).toBeInstanceOf(InvalidDefinitionError);
    expect(refusal).toMatchObject({ message: expect.stringContaining('cycle') });
  });

  it('refuses the second of two concurrent creates of one key with a conflict naming body.key', async () => {
    const results = await Promise.allSettled([
      segments.create('test', 'production', { key: 'twice', name: 'First' }),
      segments.create('test', 'production', { key: 'twice', name: 'Second' }),
    ]);

    const refusal = theOneRefusal(results);
    expect(refusal).toBeInstanceOf(ConflictError);
    expect(refusal).toMatchObject({ details: [{ path: 'body.key', message: 'already exists' }] });
    expect(await db.prisma.segment.count({ where: { key: 'twice' } })).toBe(1);
  });
});
