import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createFlag, detailPaths } from '../flags/helpers.ts';
import { compactHour, foldReport, reportAt } from './rollups.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const at = (time: string) => new Date(`2026-03-10T${time}Z`);
const url = (flag: string, query = '', env = 'production') => `/api/insights/flags/${flag}/environments/${env}${query}`;

describe('insights: a flag’s evaluations in an environment', () => {
  let t: TestApp;
  const get = async (path: string) => {
    const res = await t.request('GET', path);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ insights: { clock: () => NOW } });
    await createFlag(t, { key: 'checkout' });
    const fold = (time: string, evaluations: object[], sdk = {}) =>
      foldReport(t.db.prisma, 'production', ...reportAt(at(time), { evaluations: evaluations as never, sdk }));
    // Two hours ago, then compacted into one hour row; then a late report lands in that hour as a minute row.
    await fold('09:10:00', [{ flag: 'checkout', variation: 0, count: 10 }]);
    await fold('09:40:00', [{ flag: 'checkout', variation: 0, count: 6 }]);
    await compactHour(t.db.prisma, 'production', at('09:00:00'));
    await fold('09:20:00', [{ flag: 'checkout', variation: 1, count: 1 }]);
    // The last hour, per minute.
    await fold('11:00:05', [
      { flag: 'checkout', variation: 0, count: 5 },
      { flag: 'checkout', variation: 1, count: 2 },
    ]);
    await fold('11:01:30', [
      { flag: 'checkout', variation: 0, count: 3 },
      { flag: 'checkout', error: 'WRONG_TYPE', count: 1 },
    ]);
    await fold('11:59:10', [{ flag: 'checkout', variation: 1, count: 4 }], { instanceId: 'instance-2', version: '1.1.0' });
    // Elsewhere: another environment, and keys that are no flag.
    await foldReport(t.db.prisma, 'staging', ...reportAt(at('11:00:00'), { evaluations: [{ flag: 'checkout', variation: 1, count: 99 }] }));
    await fold('11:30:00', [{ flag: 'ghost-flag', error: 'FLAG_NOT_FOUND', count: 7 }]);
    await fold('11:31:00', [{ flag: 'Weird Key!', error: 'FLAG_NOT_FOUND', count: 2 }]);
  });
  afterAll(async () => t?.close());

  it('counts per minute bucket, per variation (with its value) and per error, with totals over the range', async () => {
    const body = await get(url('checkout', '?from=2026-03-10T11:00:00Z&to=2026-03-10T12:00:00Z&granularity=minute'));
    expect(body).toMatchObject({
      flagKey: 'checkout',
      environmentKey: 'production',
      exists: true,
      from: '2026-03-10T11:00:00.000Z',
      to: '2026-03-10T12:00:00.000Z',
      granularity: 'minute',
      totals: {
        evaluations: 15,
        variations: [
          { variation: 0, value: true, count: 8 },
          { variation: 1, value: false, count: 6 },
        ],
        errors: [{ errorKind: 'WRONG_TYPE', count: 1 }],
      },
    });
    expect(body.buckets).toHaveLength(60);
    expect(body.buckets[0]).toEqual({
      start: '2026-03-10T11:00:00.000Z',
      evaluations: 7,
      variations: [
        { variation: 0, count: 5 },
        { variation: 1, count: 2 },
      ],
      errors: [{ errorKind: 'WRONG_TYPE', count: 0 }],
    });
    expect(body.buckets[1]).toMatchObject({
      start: '2026-03-10T11:01:00.000Z',
      evaluations: 4,
      errors: [{ errorKind: 'WRONG_TYPE', count: 1 }],
    });
    expect(body.buckets[2]).toMatchObject({ start: '2026-03-10T11:02:00.000Z', evaluations: 0 });
    expect(body.buckets[59]).toMatchObject({ start: '2026-03-10T11:59:00.000Z', variations: [{ count: 0 }, { count: 4 }] });
  });

  it('sums minutes per hour and adds the hour rows of compacted data in an hourly series', async () => {
    const body = await get(url('checkout', '?from=2026-03-10T08:00:00Z&to=2026-03-10T12:00:00Z&granularity=hour'));
    expect(body.buckets.map((b: { start: string; evaluations: number }) => [b.start.slice(11, 16), b.evaluations])).toEqual([
      ['08:00', 0],
      ['09:00', 17],
      ['10:00', 0],
      ['11:00', 15],
    ]);
    expect(body.buckets[1].variations).toEqual([
      { variation: 0, count: 16 },
      { variation: 1, count: 1 },
    ]);
    expect(body.totals).toEqual({
      evaluations: 32,
      variations: [
        { variation: 0, value: true, count: 24 },
        { variation: 1, value: false, count: 7 },
      ],
      errors: [{ errorKind: 'WRONG_TYPE', count: 1 }],
    });
  });

  it('shows per minute only what is still kept per minute', async () => {
    const body = await get(url('checkout', '?from=2026-03-10T09:00:00Z&to=2026-03-10T10:00:00Z&granularity=minute'));
    expect(body.totals.evaluations).toBe(1);
    expect(body.buckets[20]).toMatchObject({ start: '2026-03-10T09:20:00.000Z', variations: [{ count: 0 }, { count: 1 }] });
  });

  it('widens the range to whole buckets and picks minutes up to 6 hours, hours beyond', async () => {
    const widened = await get(url('checkout', '?from=2026-03-10T11:00:30Z&to=2026-03-10T11:01:10Z'));
    expect(widened).toMatchObject({ granularity: 'minute', from: '2026-03-10T11:00:30.000Z', to: '2026-03-10T11:01:10.000Z' });
    expect(widened.buckets.map((b: { start: string }) => b.start)).toEqual(['2026-03-10T11:00:00.000Z', '2026-03-10T11:01:00.000Z']);
    expect(widened.totals.evaluations).toBe(11);

    const sixHours = await get(url('checkout', '?from=2026-03-10T06:00:00Z'));
    expect(sixHours).toMatchObject({ granularity: 'minute', to: NOW.toISOString() });
    expect(sixHours.buckets).toHaveLength(360);
    const longer = await get(url('checkout', '?from=2026-03-10T05:59:59Z'));
    expect(longer.granularity).toBe('hour');
    expect(longer.buckets).toHaveLength(7);
  });

  it('defaults to the last 24 hours per hour, with the last evaluation, the status and the SDKs seen', async () => {
    const body = await get(url('checkout'));
    expect(body).toMatchObject({ from: '2026-03-09T12:00:00.000Z', to: NOW.toISOString(), granularity: 'hour' });
    expect(body.buckets).toHaveLength(24);
    expect(body.totals.evaluations).toBe(32);
    expect(body.lastEvaluatedAt).toBe('2026-03-10T11:59:20.000Z');
    expect(body.status).toEqual({
      status: 'active',
      firstEvaluatedAt: '2026-03-10T09:10:00.000Z',
      lastEvaluatedAt: '2026-03-10T11:59:20.000Z',
    });
    expect(body.sdks).toEqual([
      { name: '@switchyard/sdk', version: '1.0.0', instances: 1, lastSeenAt: '2026-03-10T11:31:10.000Z' },
      { name: '@switchyard/sdk', version: '1.1.0', instances: 1, lastSeenAt: '2026-03-10T11:59:20.000Z' },
    ]);
    const staging = await get(url('checkout', '', 'staging'));
    expect(staging.totals.variations).toEqual([
      { variation: 0, value: true, count: 0 },
      { variation: 1, value: false, count: 99 },
    ]);
  });

  it('shows what was counted for keys that are no flag, and for a flag after it is deleted', async () => {
    const ghost = await get(url('ghost-flag'));
    expect(ghost).toMatchObject({
      exists: false,
      totals: { evaluations: 7, variations: [], errors: [{ errorKind: 'FLAG_NOT_FOUND', count: 7 }] },
      status: { status: 'active' },
    });
    const weird = await get(url(encodeURIComponent('Weird Key!')));
    expect(weird).toMatchObject({ flagKey: 'Weird Key!', exists: false, totals: { evaluations: 2 } });

    await createFlag(t, { key: 'old-banner', kind: 'string', variations: ['red', 'blue'] });
    await foldReport(
      t.db.prisma,
      'production',
      ...reportAt(at('11:10:00'), { evaluations: [{ flag: 'old-banner', variation: 1, count: 3 }] }),
    );
    expect((await get(url('old-banner'))).totals.variations).toEqual([
      { variation: 0, value: 'red', count: 0 },
      { variation: 1, value: 'blue', count: 3 },
    ]);
    expect((await t.request('DELETE', '/api/flags/old-banner')).statusCode).toBe(204);
    const deleted = await get(url('old-banner'));
    expect(deleted).toMatchObject({ exists: false, totals: { evaluations: 3, variations: [{ variation: 1, count: 3 }] } });
    expect(deleted.totals.variations[0]).not.toHaveProperty('value');
  });

  it('answers 404 for an unknown environment, and for a key that is no flag and was never counted there', async () => {
    const noEnv = await t.request('GET', url('checkout', '', 'nowhere'));
    expect(noEnv.statusCode).toBe(404);
    expect(noEnv.json().message).toContain('Environment "nowhere"');
    const never = await t.request('GET', url('never-seen'));
    expect(never.statusCode).toBe(404);
    expect(never.json().message).toContain('Flag "never-seen"');
    // Counted in production only: in staging it is unknown.
    expect((await t.request('GET', url('ghost-flag', '', 'staging'))).statusCode).toBe(404);
    // A flag that exists but was never evaluated there is no 404: zeros, status new.
    await createFlag(t, { key: 'quiet' });
    expect(await get(url('quiet'))).toMatchObject({
      exists: true,
      totals: { evaluations: 0 },
      lastEvaluatedAt: null,
      status: { status: 'new' },
    });
  });

  it('answers 400 naming the parameter for a bad or too large range', async () => {
    for (const [query, path, message] of [
      ['?from=2026-03-10T12:00:01Z', 'query.from', 'must not be after now'],
      ['?from=2026-03-10T11:00:00Z&to=2026-03-10T10:00:00Z', 'query.from', 'must not be after query.to'],
      ['?from=2026-03-08T12:00:00Z&granularity=minute', 'query.from', 'granularity=hour'],
      ['?from=2026-01-01T00:00:00Z', 'query.from', 'more than 1500'],
      ['?from=yesterday', 'query.from', ''],
      ['?to=2026-03-10', 'query.to', ''],
      ['?to=2026-03-10T12:00:00', 'query.to', ''],
      ['?from=1969-12-31T23:00:00Z', 'query.from', '1970'],
      ['?to=9999-12-31T23:59:59-01:00', 'query.to', '9999'],
      ['?granularity=day', 'query.granularity', ''],
    ] as const) {
      const res = await t.request('GET', url('checkout', query));
      expect(res.statusCode, query).toBe(400);
      expect(detailPaths(res.json()), query).toEqual([path]);
      expect(res.json().details[0].message, query).toContain(message);
    }
    // 1,500 buckets is the most: exactly 1,500 hours is allowed.
    expect((await t.request('GET', url('checkout', '?from=2026-01-07T00:00:00Z&to=2026-03-10T12:00:00Z'))).statusCode).toBe(200);
    expect((await t.request('GET', url('checkout', '?from=2026-01-06T23:59:59Z&to=2026-03-10T12:00:00Z'))).statusCode).toBe(400);
  });
});
