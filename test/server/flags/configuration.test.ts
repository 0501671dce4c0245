import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { auditActions, createFlag, detailPaths, dumpFlagState, environmentVersions } from './helpers.ts';

const validConfig = {
  on: true,
  offVariation: 1,
  fallthrough: {
    rollout: {
      variations: [
        { variation: 0, weight: 25_000 },
        { variation: 1, weight: 75_000 },
      ],
      bucketBy: 'orgId',
    },
  },
  targets: [{ variation: 0, values: ['alice', 'bob'] }],
  rules: [
    { id: 'beta', description: 'beta testers', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }], variation: 0 },
    {
      id: 'big',
      clauses: [{ attribute: 'seats', op: 'greaterThan', values: [100], negate: true }],
      rollout: { variations: [{ variation: 1, weight: 100_000 }] },
    },
  ],
  prerequisites: [],
};

describe('flags API: per-environment configuration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('gets the default configuration with its version as ETag', async () => {
    await createFlag(t, { key: 'get-me' });
    const res = await t.request('GET', '/api/flags/get-me/environments/production');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    expect(body).toEqual({
      flagKey: 'get-me',
      environmentKey: 'production',
      on: false,
      offVariation: 1,
      fallthrough: { variation: 0 },
      targets: [],
      rules: [],
      prerequisites: [],
      version: 1,
      updatedAt: expect.any(String),
    });
    expect((await t.request('GET', '/api/flags/nope/environments/production')).statusCode).toBe(404);
    expect((await t.request('GET', '/api/flags/get-me/environments/nowhere')).statusCode).toBe(404);
  });

  it('answers 304 without a body while If-None-Match names the current version, and the configuration once it changed', async () => {
    await createFlag(t, { key: 'watch-me' });
    const path = '/api/flags/watch-me/environments/production';
    const unchanged = await t.request('GET', path, { headers: { 'if-none-match': '"1"' } });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe('"1"');
    expect((await t.request('GET', path, { headers: { 'if-none-match': 'W/"1"' } })).statusCode).toBe(304);

    await t.request('POST', `${path}/toggle`, { body: { on: true } });
    const changed = await t.request('GET', path, { headers: { 'if-none-match': '"1"' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.json()).toMatchObject({ on: true, version: 2 });
  });

  describe('PUT', () => {
    it('replaces the configuration, bumps its version and the environment version, and audits before/after once', async () => {
      await createFlag(t, { key: 'put-me' });
      const envBefore = await environmentVersions(t);
      const res = await t.request('PUT', '/api/flags/put-me/environments/staging', { body: validConfig, headers: { 'if-match': '"1"' } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({ ...validConfig, flagKey: 'put-me', environmentKey: 'staging', version: 2 });
      expect((await t.request('GET', '/api/flags/put-me/environments/staging')).json()).toMatchObject({ ...validConfig, version: 2 });

      const envAfter = await environmentVersions(t);
      expect(envAfter).toEqual({ ...envBefore, staging: envBefore.staging! + 1 });
      const change = await t.db.prisma.environmentChange.findFirst({ where: { resourceKey: 'put-me' }, orderBy: { id: 'desc' } });
      expect(change).toMatchObject({ resourceType: 'flag', version: envAfter.staging });

      const events = await t.db.prisma.auditEvent.findMany({ where: { flagKey: 'put-me', action: 'flag.configuration.updated' } });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ environmentKey: 'staging', resourceType: 'flag', resourceKey: 'put-me' });
      expect(events[0]!.before).toMatchObject({ on: false, version: 1 });
      expect(events[0]!.after).toMatchObject({ on: true, version: 2, rules: validConfig.rules });

      // Other environments are untouched.
      expect((await t.request('GET', '/api/flags/put-me/environments/production')).json()).toMatchObject({ on: false, version: 1 });
      // Without If-Match the write still happens, one version further.
      const again = await t.request('PUT', '/api/flags/put-me/environments/staging', { body: { ...validConfig, on: false } });
      expect(again.json().version).toBe(3);
    });

    it('answers 400 with field paths for bad bodies, changing nothing', async () => {
      await createFlag(t, { key: 'strict' });
      const before = await dumpFlagState(t);
      const rule = validConfig.rules[0]!;
      const cases: [unknown, string[]][] = [
        [{ ...validConfig, on: 'yes' }, ['body.on']],
        [{ ...validConfig, offVariation: -1 }, ['body.offVariation']],
        [{ ...validConfig, extra: 1 }, ['body']],
        [
          { ...validConfig, rules: [{ ...rule, clauses: [{ attribute: 'email', op: 'sortaEquals', values: ['x'] }] }] },
          ['body.rules[0].clauses[0].op'],
        ],
        [
          { ...validConfig, rules: [{ ...rule, clauses: [{ attribute: 'seats', op: 'lessThan', values: ['many'] }] }] },
          ['body.rules[0].clauses[0].values[0]'],
        ],
        [
          {
            ...validConfig,
            fallthrough: {
              rollout: {
                variations: [
                  { variation: 0, weight: 50_000 },
                  { variation: 1, weight: 40_000 },
                ],
              },
            },
          },
          ['body.fallthrough.rollout.variations'],
        ],
        [
          { ...validConfig, fallthrough: { variation: 0, rollout: { variations: [{ variation: 0, weight: 100_000 }] } } },
          ['body.fallthrough.rollout'],
        ],
        [{ ...validConfig, targets: [{ variation: 0, values: 'alice' }] }, ['body.targets[0].values']],
        [{ on: true }, ['body.fallthrough', 'body.offVariation', 'body.prerequisites', 'body.rules', 'body.targets']],
      ];
      for (const [body, paths] of cases) {
        const res = await t.request('PUT', '/api/flags/strict/environments/production', { body: body as object });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error).toBe('validation_failed');
        expect(detailPaths(res.json()), JSON.stringify(body)).toEqual(paths);
      }
      expect(await dumpFlagState(t)).toBe(before);
    });

    it('answers 422 invalid_definition with body paths for out-of-range variations and unknown segments, changing nothing', async () => {
      await createFlag(t, { key: 'xref' });
      const before = await dumpFlagState(t);
      const outOfRange = await t.request('PUT', '/api/flags/xref/environments/production', {
        body: { ...validConfig, offVariation: 2, targets: [{ variation: 5, values: ['a'] }] },
      });
      expect(outOfRange.statusCode).toBe(422);
      expect(outOfRange.json().error).toBe('invalid_definition');
      expect(detailPaths(outOfRange.json())).toEqual(['body.offVariation', 'body.targets[0].variation']);

      const segmentRule = { id: 'seg', clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta-users'] }], variation: 0 };
      const unknownSegment = await t.request('PUT', '/api/flags/xref/environments/production', {
        body: { ...validConfig, rules: [segmentRule] },
      });
      expect(unknownSegment.statusCode).toBe(422);
      expect(unknownSegment.json().details).toEqual([
        { path: 'body.rules[0].clauses[0].values[0]', message: 'unknown segment "beta-users"' },
      ]);
      expect(await dumpFlagState(t)).toBe(before);

      // A segment of another environment does not count; one of this environment does.
      const staging = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'staging' } });
      const production = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
      await t.db.prisma.segment.create({ data: { environmentId: staging.id, key: 'beta-users', name: 'Beta users' } });
      expect(
        (await t.request('PUT', '/api/flags/xref/environments/production', { body: { ...validConfig, rules: [segmentRule] } })).statusCode,
      ).toBe(422);
      await t.db.prisma.segment.create({ data: { environmentId: production.id, key: 'beta-users', name: 'Beta users' } });
      const ok = await t.request('PUT', '/api/flags/xref/environments/production', { body: { ...validConfig, rules: [segmentRule] } });
      expect(ok.statusCode, ok.body).toBe(200);
    });

    it('checks prerequisites: unknown or archived flags, variations out of range, and cycles are 422', async () => {
      await createFlag(t, { key: 'flag-a' });
      await createFlag(t, { key: 'flag-b' });
      await createFlag(t, { key: 'gone', kind: 'string', variations: ['x', 'y'] });
      await t.request('POST', '/api/flags/gone/archive');
      const put = (key: string, prerequisites: unknown[]) =>
        t.request('PUT', `/api/flags/${key}/environments/production`, { body: { ...validConfig, prerequisites } });

      const unknown = await put('flag-a', [{ key: 'no-such-flag', variation: 0 }]);
      expect(unknown.statusCode).toBe(422);
      expect(unknown.json().details).toEqual([{ path: 'body.prerequisites[0].key', message: 'unknown flag "no-such-flag"' }]);
      expect((await put('flag-a', [{ key: 'gone', variation: 0 }])).statusCode).toBe(422);
      expect(detailPaths((await put('flag-a', [{ key: 'flag-b', variation: 2 }])).json())).toEqual(['body.prerequisites[0].variation']);
      expect(detailPaths((await put('flag-a', [{ key: 'flag-a', variation: 0 }])).json())).toEqual(['body.prerequisites[0].key']);

      expect((await put('flag-a', [{ key: 'flag-b', variation: 0 }])).statusCode).toBe(200);
      const before = await dumpFlagState(t);
      const cycle = await put('flag-b', [{ key: 'flag-a', variation: 0 }]);
      expect(cycle.statusCode).toBe(422);
      expect(cycle.json().details).toEqual([
        { path: 'body.prerequisites[0].key', message: expect.stringMatching(/^prerequisite cycle: flag-b -> flag-a -> flag-b/) },
      ]);
      expect(await dumpFlagState(t)).toBe(before);
      // Prerequisites are per environment: the same edge elsewhere is no cycle.
      expect(
        (
          await t.request('PUT', '/api/flags/flag-b/environments/staging', {
            body: { ...validConfig, prerequisites: [{ key: 'flag-a', variation: 0 }] },
          })
        ).statusCode,
      ).toBe(200);
    });

    it('never lets two concurrent writes close a prerequisite cycle', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b] = [`loop-a${round}`, `loop-b${round}`];
        await createFlag(t, { key: a });
        await createFlag(t, { key: b });
        const results = await Promise.all([
          t.request('PUT', `/api/flags/${a}/environments/production`, {
            body: { ...validConfig, prerequisites: [{ key: b, variation: 0 }] },
          }),
          t.request('PUT', `/api/flags/${b}/environments/production`, {
            body: { ...validConfig, prerequisites: [{ key: a, variation: 0 }] },
          }),
        ]);
        expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422]);
      }
    });

    it('answers 412 version_mismatch with the current version for a stale If-Match, changing nothing', async () => {
      await createFlag(t, { key: 'race' });
      await t.request('PUT', '/api/flags/race/environments/production', { body: validConfig });
      const before = await dumpFlagState(t);
      const stale = await t.request('PUT', '/api/flags/race/environments/production', {
        body: validConfig,
        headers: { 'if-match': '"1"' },
      });
      expect(stale.statusCode).toBe(412);
      expect(stale.json()).toMatchObject({ error: 'version_mismatch', currentVersion: 2, details: [{ path: 'headers.if-match' }] });
      expect(await dumpFlagState(t)).toBe(before);
      const fresh = await t.request('PUT', '/api/flags/race/environments/production', {
        body: validConfig,
        headers: { 'if-match': 'W/"2"' },
      });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.headers.etag).toBe('"3"');
    });
  });

  describe('PATCH', () => {
    it('merges the given fields, validates the result as a whole, and audits once', async () => {
      await createFlag(t, { key: 'partial', kind: 'string', variations: ['a', 'b', 'c'] });
      const res = await t.request('PATCH', '/api/flags/partial/environments/development', {
        body: { fallthrough: { variation: 2 } },
        headers: { 'if-match': '"1"' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ on: false, offVariation: 2, fallthrough: { variation: 2 }, version: 2 });

      const before = await dumpFlagState(t);
      expect((await t.request('PATCH', '/api/flags/partial/environments/development', { body: { offVariation: 3 } })).statusCode).toBe(422);
      expect((await t.request('PATCH', '/api/flags/partial/environments/development', { body: {} })).statusCode).toBe(400);
      expect((await t.request('PATCH', '/api/flags/partial/environments/development', { body: { version: 9 } })).statusCode).toBe(400);
      expect(
        (await t.request('PATCH', '/api/flags/partial/environments/development', { body: { on: true }, headers: { 'if-match': '"1"' } }))
          .statusCode,
      ).toBe(412);
      expect(await dumpFlagState(t)).toBe(before);
      expect(await auditActions(t, 'partial')).toEqual(['flag.created', 'flag.configuration.updated']);
    });
  });

  describe('toggle', () => {
    it('sets on/off, bumping the configuration and environment versions, auditing flag.toggled; repeating it changes nothing', async () => {
      await createFlag(t, { key: 'kill-switch' });
      const envBefore = await environmentVersions(t);
      const on = await t.request('POST', '/api/flags/kill-switch/environments/production/toggle', { body: { on: true } });
      expect(on.statusCode).toBe(200);
      expect(on.headers.etag).toBe('"2"');
      expect(on.json()).toMatchObject({ on: true, version: 2, offVariation: 1, fallthrough: { variation: 0 } });
      expect(await environmentVersions(t)).toEqual({ ...envBefore, production: envBefore.production! + 1 });

      const events = await t.db.prisma.auditEvent.findMany({ where: { flagKey: 'kill-switch', action: 'flag.toggled' } });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ environmentKey: 'production' });
      expect(events[0]!.before).toMatchObject({ on: false, version: 1 });
      expect(events[0]!.after).toMatchObject({ on: true, version: 2 });

      const before = await dumpFlagState(t);
      const repeat = await t.request('POST', '/api/flags/kill-switch/environments/production/toggle', { body: { on: true } });
      expect(repeat.statusCode).toBe(200);
      expect(repeat.json()).toMatchObject({ on: true, version: 2 });
      expect(await dumpFlagState(t)).toBe(before);

      const off = await t.request('POST', '/api/flags/kill-switch/environments/production/toggle', {
        body: { on: false },
        headers: { 'if-match': '"2"' },
      });
      expect(off.json()).toMatchObject({ on: false, version: 3 });
      expect(await auditActions(t, 'kill-switch')).toEqual(['flag.created', 'flag.toggled', 'flag.toggled']);
    });

    it('refuses bad bodies (400), stale If-Match (412) and unknown flags or environments (404), changing nothing', async () => {
      await createFlag(t, { key: 'toggle-errors' });
      const before = await dumpFlagState(t);
      const url = '/api/flags/toggle-errors/environments/production/toggle';
      for (const body of [{}, { on: 'true' }, { on: true, force: true }]) {
        const res = await t.request('POST', url, { body });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().details[0].path).toMatch(/^body/);
      }
      const stale = await t.request('POST', url, { body: { on: true }, headers: { 'if-match': '"5"' } });
      expect(stale.statusCode).toBe(412);
      expect(stale.json().currentVersion).toBe(1);
      expect((await t.request('POST', '/api/flags/nope/environments/production/toggle', { body: { on: true } })).statusCode).toBe(404);
      expect((await t.request('POST', '/api/flags/toggle-errors/environments/nowhere/toggle', { body: { on: true } })).statusCode).toBe(
        404,
      );
      expect(await dumpFlagState(t)).toBe(before);
    });

    it('lets exactly one of 20 concurrent toggles with the same If-Match win; the other 19 get 412', async () => {
      await createFlag(t, { key: 'contended-same' });
      const envBefore = await environmentVersions(t);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.request('POST', '/api/flags/contended-same/environments/production/toggle', {
            body: { on: true },
            headers: { 'if-match': '"1"' },
          }),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes.filter((c) => c === 200)).toHaveLength(1);
      expect(codes.filter((c) => c === 412)).toHaveLength(19);
      expect(results.filter((r) => r.statusCode === 412).every((r) => r.json().currentVersion === 2)).toBe(true);
      expect(await environmentVersions(t)).toEqual({ ...envBefore, production: envBefore.production! + 1 });
      expect(await auditActions(t, 'contended-same')).toEqual(['flag.created', 'flag.toggled']);
    });

    it('applies 10 concurrent unconditional writes one after another', async () => {
      await createFlag(t, { key: 'serial' });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.request('PUT', '/api/flags/serial/environments/production', { body: { ...validConfig, on: i % 2 === 0 } }),
        ),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      expect(results.map((r) => r.json().version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      const events = await t.db.prisma.auditEvent.findMany({
        where: { flagKey: 'serial', action: 'flag.configuration.updated' },
        orderBy: { id: 'asc' },
      });
      expect(events.map((e) => (e.after as { version: number }).version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(events.map((e) => (e.before as { version: number }).version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });

  it('refuses configuration changes of an archived flag (409) until it is restored', async () => {
    await createFlag(t, { key: 'shelved' });
    await t.request('POST', '/api/flags/shelved/archive');
    const before = await dumpFlagState(t);
    for (const [method, url, body] of [
      ['PUT', '/api/flags/shelved/environments/production', validConfig],
      ['PATCH', '/api/flags/shelved/environments/production', { on: true }],
      ['POST', '/api/flags/shelved/environments/production/toggle', { on: true }],
    ] as const) {
      const res = await t.request(method, url, { body });
      expect(res.statusCode, `${method} ${url}`).toBe(409);
      expect(res.json().message).toContain('archived');
    }
    expect(await dumpFlagState(t)).toBe(before);
    expect((await t.request('GET', '/api/flags/shelved/environments/production')).statusCode).toBe(200);
    await t.request('POST', '/api/flags/shelved/restore');
    expect((await t.request('POST', '/api/flags/shelved/environments/production/toggle', { body: { on: true } })).statusCode).toBe(200);
  });
});
