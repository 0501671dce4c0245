import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InProcessChangeBus } from '../../../server/src/changes/change-bus.ts';
import { ChangeWriter } from '../../../server/src/changes/write-unit.ts';
import { ConflictError, InvalidDefinitionError } from '../../../server/src/errors/index.ts';
import { SegmentService } from '../../../server/src/segments/service.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { whileLockHeld } from '../../helpers/hold-lock.ts';

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

  /** Starts `writes` while another transaction holds the named segments' rows, and releases them once `waiting` statements wait. */
  const whileRowsLocked = <T>(keys: string[], waiting: number, writes: () => Promise<T>) =>
    whileLockHeld(db, (tx) => tx.$queryRaw`SELECT "id" FROM "Segment" WHERE "key" = ANY(${keys}) FOR UPDATE`, waiting, writes);

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
