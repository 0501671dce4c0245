import { METRICS_LIMITS, type MetricsReport } from '@switchyard/sdk/model';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { environmentId, makeReport, postReport } from './reports.ts';

describe('POST /sdk/metrics (an SDK reports what it counted)', () => {
  let t: TestApp;
  let serverKey: string;
  let clientKey: string;

  const inbox = () => t.db.prisma.metricsReport.findMany({ orderBy: { receivedAt: 'asc' } });

  beforeAll(async () => {
    t = await createTestApp({ metrics: { foldIntervalMs: 0 } });
    serverKey = await t.createToken('server', 'production');
    clientKey = await t.createToken('client', 'staging');
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.db.prisma.metricsReport.deleteMany();
  });

  it('stores a report from a server key in the inbox, for the key’s environment, before answering 202', async () => {
    const report = makeReport({ evaluations: [{ flag: 'new-checkout', variation: 1, count: 12 }] });
    const res = await postReport(t, serverKey, report);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true, duplicate: false });
    const [row, ...others] = await inbox();
    expect(others).toEqual([]);
    expect(row).toMatchObject({ id: report.reportId, environmentId: await environmentId(t.db.prisma, 'production'), foldedAt: null });
    expect(row!.payload).toEqual(report);
    expect(Math.abs(row!.receivedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('accepts a client key too (browser SDKs report), for the client key’s environment', async () => {
    const report = makeReport({
      sdk: { name: '@switchyard/browser', version: '1.0.0', instanceId: 'tab-1', mode: 'remote', snapshotVersion: null },
    });
    const res = await postReport(t, clientKey, report);
    expect(res.statusCode).toBe(202);
    expect((await inbox())[0]?.environmentId).toBe(await environmentId(t.db.prisma, 'staging'));
  });

  it('keeps each report id once: a retry is answered duplicate and changes nothing', async () => {
    const report = makeReport({ evaluations: [{ flag: 'new-checkout', variation: 0, count: 3 }] });
    expect((await postReport(t, serverKey, report)).json()).toEqual({ accepted: true, duplicate: false });
    const [before] = await inbox();
    const retry = await postReport(t, serverKey, { ...report, evaluations: [{ flag: 'new-checkout', variation: 0, count: 300 }] });
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ accepted: true, duplicate: true });
    expect(await inbox()).toEqual([before]);
  });

  it('keeps one of two concurrent posts of the same report', async () => {
    const report = makeReport({ evaluations: [{ flag: 'new-checkout', variation: 0, count: 5 }] });
    const answers = await Promise.all([
      postReport(t, serverKey, report),
      postReport(t, serverKey, report),
      postReport(t, clientKey, report),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(answers.map((a) => a.json().duplicate).sort()).toEqual([false, true, true]);
    expect(await inbox()).toHaveLength(1);
  });

  it('takes the environment from the key: a report cannot name one', async () => {
    const res = await postReport(t, serverKey, { ...makeReport(), environment: 'staging' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'body', message: expect.stringContaining('environment') }]);
    expect(await inbox()).toEqual([]);
  });

  describe('refuses an invalid report with 400 naming the field, and stores nothing', () => {
    const evaluation = { flag: 'new-checkout', variation: 0, count: 1 };
    const event = { key: 'checkout-completed', count: 1, valueCount: 1, sum: 2, sumSquares: 4 };
    const cases: [string, (r: MetricsReport) => unknown, string][] = [
      ['no reportId', ({ reportId: _, ...r }) => r, 'body.reportId'],
      ['a reportId that is no UUID', (r) => ({ ...r, reportId: 'report-1' }), 'body.reportId'],
      ['an unknown SDK mode', (r) => ({ ...r, sdk: { ...r.sdk, mode: 'telepathy' } }), 'body.sdk.mode'],
      ['an empty instanceId', (r) => ({ ...r, sdk: { ...r.sdk, instanceId: '' } }), 'body.sdk.instanceId'],
      ['a window that ends before it starts', (r) => ({ ...r, window: { start: 2000, end: 1000 } }), 'body.window.end'],
      ['a window longer than a day', (r) => ({ ...r, window: { start: 0, end: METRICS_LIMITS.maxWindowMs + 1 } }), 'body.window.end'],
      ['a window start that is not epoch milliseconds', (r) => ({ ...r, window: { ...r.window, start: 1.5 } }), 'body.window.start'],
      ['a negative count', (r) => ({ ...r, evaluations: [{ ...evaluation, count: -1 }] }), 'body.evaluations[0].count'],
      ['a fractional count', (r) => ({ ...r, evaluations: [{ ...evaluation, count: 1.5 }] }), 'body.evaluations[0]'],
      [
        'a variation beyond the last possible',
        (r) => ({ ...r, evaluations: [{ ...evaluation, variation: 100 }] }),
        'body.evaluations[0].variation',
      ],
      [
        'an evaluation with both variation and error',
        (r) => ({ ...r, evaluations: [{ ...evaluation, error: 'WRONG_TYPE' }] }),
        'body.evaluations[0]',
      ],
      ['an unknown error kind', (r) => ({ ...r, evaluations: [{ flag: 'x', error: 'OOPS', count: 1 }] }), 'body.evaluations[0]'],
      ['the same flag and variation twice', (r) => ({ ...r, evaluations: [evaluation, evaluation] }), 'body.evaluations[1]'],
      ['an empty flag key', (r) => ({ ...r, evaluations: [{ ...evaluation, flag: '' }] }), 'body.evaluations[0].flag'],
      ['an event key with a space', (r) => ({ ...r, events: [{ ...event, key: 'checkout completed' }] }), 'body.events[0].key'],
      ['a sum that is not a number', (r) => ({ ...r, events: [{ ...event, sum: '2' }] }), 'body.events[0].sum'],
      ['a negative sum of squares', (r) => ({ ...r, events: [{ ...event, sumSquares: -4 }] }), 'body.events[0].sumSquares'],
      ['the same event key twice', (r) => ({ ...r, events: [event, event] }), 'body.events[1].key'],
      [
        'a context hash that is not 16 lowercase hex digits',
        (r) => ({ ...r, guarded: [{ flag: 'new-search', variation: 0, exposures: ['ABCDEF0123456789'], metrics: [] }] }),
        'body.guarded[0].exposures[0]',
      ],
      ['missing dropped counts', (r) => ({ ...r, dropped: { evaluations: 0, events: 0, contexts: 0 } }), 'body.dropped.reports'],
      [
        'too many evaluation entries',
        (r) => ({
          ...r,
          evaluations: Array.from({ length: METRICS_LIMITS.maxEvaluationEntries + 1 }, (_, i) => ({
            flag: `f${i}`,
            variation: 0,
            count: 1,
          })),
        }),
        'body.evaluations',
      ],
      ['a list instead of a report', (r) => [r], 'body'],
    ];
    it.each(cases)('%s', async (_name, mutate, path) => {
      const res = await postReport(t, serverKey, mutate(makeReport()));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('validation_failed');
      expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
      expect(await inbox()).toEqual([]);
    });

    it('a body that is not JSON', async () => {
      const res = await t.request('POST', '/sdk/metrics', {
        token: serverKey,
        body: '{"reportId":',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_json', details: [{ path: 'body' }] });
      expect(await inbox()).toEqual([]);
    });
  });

  it('accepts a report of up to 2 MiB (more than other routes take), and refuses a larger body with 413', async () => {
    const flag = (i: number) => `${'f'.repeat(50)}-${i}`;
    const big = makeReport({
      evaluations: Array.from({ length: METRICS_LIMITS.maxEvaluationEntries }, (_, i) => ({ flag: flag(i), variation: 0, count: 1 })),
    });
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(size).toBeGreaterThan(1024 * 1024);
    expect(size).toBeLessThan(METRICS_LIMITS.maxReportBytes);
    expect((await postReport(t, serverKey, big)).statusCode).toBe(202);
    await t.db.prisma.metricsReport.deleteMany();

    const tooBig = { ...makeReport(), sdk: { ...makeReport().sdk, name: 'x'.repeat(METRICS_LIMITS.maxReportBytes) } };
    const res = await postReport(t, serverKey, tooBig);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large', details: [{ path: 'body' }] });
    expect(await inbox()).toEqual([]);
  });

  describe('needs a server or client key', () => {
    it('refuses a request without a token (401) and an admin token (403)', async () => {
      const anonymous = await t.request('POST', '/sdk/metrics', { token: null, body: makeReport() });
      expect(anonymous.statusCode).toBe(401);
      const admin = await postReport(t, t.adminToken, makeReport());
      expect(admin.statusCode).toBe(403);
      expect(admin.json().message).toBe('This route needs a server SDK key or a client key; an admin token cannot use it');
      expect(await inbox()).toEqual([]);
    });

    it('refuses an unknown or revoked key (401)', async () => {
      expect((await postReport(t, 'sy_server_not-a-key', makeReport())).statusCode).toBe(401);
      const key = await t.createToken('server', 'production', 'to be revoked');
      const { id } = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'to be revoked' } });
      expect((await t.request('DELETE', `/api/tokens/${id}`)).statusCode).toBe(200);
      const res = await postReport(t, key, makeReport());
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toBe('The token is unknown or has been revoked');
      expect(await inbox()).toEqual([]);
    });

    it('refuses a key whose environment was deleted (401), as the other SDK routes do', async () => {
      expect((await t.request('POST', '/api/environments', { body: { key: 'doomed', name: 'Doomed' } })).statusCode).toBe(201);
      const key = await t.createToken('client', 'doomed');
      expect((await postReport(t, key, makeReport())).statusCode).toBe(202); // the key is known to this replica now
      await t.db.prisma.metricsReport.deleteMany();
      // Deleted behind the replica's back (no change notice), so its key cache still knows the key.
      await t.db.prisma.environment.delete({ where: { key: 'doomed' } });
      const res = await postReport(t, key, makeReport());
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toBe("This key's environment no longer exists");
      expect(await inbox()).toEqual([]);
    });
  });

  it('is open to browsers on any origin, preflight included', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/sdk/metrics',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Authorization, Content-Type',
    });
    const accepted = await postReport(t, clientKey, makeReport());
    expect(accepted.headers['access-control-allow-origin']).toBe('*');
    const refused = await t.request('POST', '/sdk/metrics', { token: null, body: makeReport() });
    expect(refused.headers['access-control-allow-origin']).toBe('*');
  });

  it('is documented in the OpenAPI document with the report’s schema', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    const post = doc.paths['/sdk/metrics'].post;
    expect(post.tags).toEqual(['sdk']);
    const schema = post.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([
      'dropped',
      'evaluations',
      'events',
      'guarded',
      'reportId',
      'sdk',
      'window',
    ]);
    expect(Object.keys(post.responses).sort()).toEqual(['202', '400', '401', '403', '413']);
    expect(doc.paths['/sdk/metrics'].options).toBeUndefined();
  });
});
