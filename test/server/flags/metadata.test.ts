import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { auditActions, createFlag, detailPaths, dumpFlagState, environmentVersions } from './helpers.ts';

describe('flags API: metadata', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses requests without a token (401) and with a server SDK key (403)', async () => {
    const serverKey = await t.createToken('server', 'production');
    const routes: [string, string][] = [
      ['GET', '/api/flags'],
      ['POST', '/api/flags'],
      ['GET', '/api/flags/x'],
      ['PATCH', '/api/flags/x'],
      ['DELETE', '/api/flags/x'],
      ['POST', '/api/flags/x/archive'],
      ['POST', '/api/flags/x/restore'],
      ['GET', '/api/flags/x/environments/production'],
      ['PUT', '/api/flags/x/environments/production'],
      ['PATCH', '/api/flags/x/environments/production'],
      ['POST', '/api/flags/x/environments/production/toggle'],
    ];
    for (const [method, url] of routes) {
      expect((await t.request(method, url, { token: null, body: {} })).statusCode, `${method} ${url}`).toBe(401);
      const res = await t.request(method, url, { token: serverKey, body: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error).toBe('forbidden');
    }
  });

  it('creates a boolean flag with defaults, configured off in every environment, and audits it once', async () => {
    const envBefore = await environmentVersions(t);
    const res = await t.request('POST', '/api/flags', {
      body: { key: 'new-checkout', name: 'New checkout', tags: ['checkout', 'checkout', 'web'] } as object,
    });
    expect(res.statusCode).toBe(400); // kind is required

    const created = await t.request('POST', '/api/flags', {
      body: { key: 'new-checkout', name: 'New checkout', kind: 'boolean', tags: ['checkout', 'checkout', 'web'] },
    });
    expect(created.statusCode).toBe(201);
    const flag = created.json();
    expect(flag).toMatchObject({
      key: 'new-checkout',
      name: 'New checkout',
      description: '',
      kind: 'boolean',
      variations: [true, false],
      tags: ['checkout', 'web'],
      temporary: true,
      archived: false,
      clientSideAvailable: false,
      version: 1,
    });
    expect(flag.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(created.headers.etag).toBe('"1"');

    const configs = await t.db.prisma.flagEnvironment.findMany({
      where: { flag: { key: 'new-checkout' } },
      include: { environment: true },
    });
    expect(configs.map((c) => c.environment.key).sort()).toEqual(['development', 'production', 'staging']);
    for (const c of configs) {
      expect(c).toMatchObject({
        on: false,
        offVariation: 1,
        fallthrough: { variation: 0 },
        targets: [],
        rules: [],
        prerequisites: [],
        version: 1,
      });
    }
    const envAfter = await environmentVersions(t);
    for (const key of Object.keys(envBefore)) expect(envAfter[key]).toBe(envBefore[key]! + 1);
    const changes = await t.db.prisma.environmentChange.findMany({ where: { resourceKey: 'new-checkout' } });
    expect(changes).toHaveLength(3);
    expect(changes.every((c) => c.resourceType === 'flag')).toBe(true);

    const events = await t.db.prisma.auditEvent.findMany({ where: { flagKey: 'new-checkout' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'flag.created', resourceType: 'flag', resourceKey: 'new-checkout', before: null });
    expect(events[0]!.after).toMatchObject({ key: 'new-checkout', variations: [true, false] });
  });

  it('creates string, number and json flags with their variations, and gives each flag its own salt', async () => {
    const s = await createFlag(t, {
      key: 'banner-text',
      kind: 'string',
      variations: ['a', 'b', 'c'],
      temporary: false,
      clientSideAvailable: true,
      description: 'Banner',
    });
    expect(s).toMatchObject({ variations: ['a', 'b', 'c'], temporary: false, clientSideAvailable: true, description: 'Banner' });
    const n = await createFlag(t, { key: 'page-size', kind: 'number', variations: [10, 25.5, -1] });
    expect(n.variations).toEqual([10, 25.5, -1]);
    const j = await createFlag(t, {
      key: 'theme',
      kind: 'json',
      variations: [{ color: 'red', dark: true }, { color: 'blue' }, null, [1, 2]],
    });
    expect(j.variations).toEqual([{ color: 'red', dark: true }, { color: 'blue' }, null, [1, 2]]);
    expect(new Set([s.salt, n.salt, j.salt]).size).toBe(3);
    const config = await t.request('GET', '/api/flags/banner-text/environments/staging');
    expect(config.json()).toMatchObject({ offVariation: 2, fallthrough: { variation: 0 } });
  });

  it('answers 400 naming the field for bad bodies, changing nothing', async () => {
    const before = await dumpFlagState(t);
    const cases: [Record<string, unknown>, string[]][] = [
      [{ key: 'ok', name: 5, kind: 'boolean' }, ['body.name']],
      [{ key: 'has space', name: 'x', kind: 'boolean' }, ['body.key']],
      [{ key: 'ok', name: 'x', kind: 'boolean', owner: 'me' }, ['body']],
      [{ key: 'ok', name: 'x', kind: 'integer' }, ['body.kind']],
      [{ key: 'ok', name: 'x', kind: 'string' }, ['body.variations']],
      [{ key: 'ok', name: 'x', kind: 'string', variations: ['a', 2, 'c'] }, ['body.variations[1]']],
      [{ key: 'ok', name: 'x', kind: 'number', variations: [1, '2'] }, ['body.variations[1]']],
      [{ key: 'ok', name: 'x', kind: 'boolean', variations: [true, 'false'] }, ['body.variations[1]']],
      [{ key: 'ok', name: 'x', kind: 'string', variations: ['a', 'b', 'a'] }, ['body.variations[2]']],
      [
        {
          key: 'ok',
          name: 'x',
          kind: 'json',
          variations: [
            { a: 1, b: 2 },
            { b: 2, a: 1 },
          ],
        },
        ['body.variations[1]'],
      ],
      [{ key: 'ok', name: 'x', kind: 'string', variations: ['only'] }, ['body.variations']],
      [{ key: 'ok', name: 'x', kind: 'string', variations: Array.from({ length: 101 }, (_, i) => `v${i}`) }, ['body.variations']],
      [{ key: 'ok', name: 'x', kind: 'boolean', tags: 'web' }, ['body.tags']],
      [{ key: 'ok', name: 'x', kind: 'boolean', temporary: 'yes' }, ['body.temporary']],
    ];
    for (const [body, paths] of cases) {
      const res = await t.request('POST', '/api/flags', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toBe('validation_failed');
      expect(detailPaths(res.json()), JSON.stringify(body)).toEqual(paths);
    }
    expect(await dumpFlagState(t)).toBe(before);
  });

  it('answers 409 naming body.key for a duplicate key, changing nothing', async () => {
    await createFlag(t, { key: 'dup' });
    const before = await dumpFlagState(t);
    const res = await t.request('POST', '/api/flags', { body: { key: 'dup', name: 'Again', kind: 'boolean' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().details).toEqual([{ path: 'body.key', message: 'already exists' }]);
    expect(await dumpFlagState(t)).toBe(before);
  });

  it('gets a flag with its per-environment summary and its version as ETag', async () => {
    await createFlag(t, { key: 'summary' });
    await t.request('POST', '/api/flags/summary/environments/staging/toggle', { body: { on: true } });
    const res = await t.request('GET', '/api/flags/summary');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toMatchObject({
      key: 'summary',
      version: 1,
      environments: { development: { on: false, version: 1 }, staging: { on: true, version: 2 }, production: { on: false, version: 1 } },
    });
    const missing = await t.request('GET', '/api/flags/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
    expect((await t.request('GET', '/api/flags/bad%20key')).statusCode).toBe(400);
  });

  describe('PATCH /api/flags/:key', () => {
    it('updates metadata, bumps the version, touches every environment and audits before/after', async () => {
      await createFlag(t, { key: 'patch-me', kind: 'string', variations: ['x', 'y'] });
      const envBefore = await environmentVersions(t);
      const res = await t.request('PATCH', '/api/flags/patch-me', {
        body: {
          name: 'Patched',
          description: 'now described',
          tags: ['a'],
          temporary: false,
          clientSideAvailable: true,
          variations: ['x2', 'y2'],
        },
        headers: { 'if-match': '"1"' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.json()).toMatchObject({
        name: 'Patched',
        description: 'now described',
        tags: ['a'],
        temporary: false,
        clientSideAvailable: true,
        variations: ['x2', 'y2'],
        version: 2,
      });
      const envAfter = await environmentVersions(t);
      for (const key of Object.keys(envBefore)) expect(envAfter[key]).toBe(envBefore[key]! + 1);
      const events = await t.db.prisma.auditEvent.findMany({ where: { flagKey: 'patch-me', action: 'flag.updated' } });
      expect(events).toHaveLength(1);
      expect(events[0]!.before).toMatchObject({ name: 'patch-me', version: 1 });
      expect(events[0]!.after).toMatchObject({ name: 'Patched', version: 2 });

      const unconditional = await t.request('PATCH', '/api/flags/patch-me', { body: { name: 'Again' } });
      expect(unconditional.json().version).toBe(3);
    });

    it('answers 412 with the current version for a stale If-Match, changing nothing', async () => {
      await createFlag(t, { key: 'stale' });
      await t.request('PATCH', '/api/flags/stale', { body: { name: 'v2' } });
      const before = await dumpFlagState(t);
      const res = await t.request('PATCH', '/api/flags/stale', { body: { name: 'lost update' }, headers: { 'if-match': '"1"' } });
      expect(res.statusCode).toBe(412);
      expect(res.json()).toMatchObject({ error: 'version_mismatch', currentVersion: 2 });
      expect(await dumpFlagState(t)).toBe(before);
      const bad = await t.request('PATCH', '/api/flags/stale', { body: { name: 'x' }, headers: { 'if-match': 'yesterday' } });
      expect(bad.statusCode).toBe(400);
      expect(detailPaths(bad.json())).toEqual(['headers.if-match']);
      const fresh = await t.request('PATCH', '/api/flags/stale', { body: { name: 'v3' }, headers: { 'if-match': '"2"' } });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json().version).toBe(3);
    });

    it('refuses variation edits that change the count (422) or do not fit the kind (400), and bad bodies (400)', async () => {
      await createFlag(t, { key: 'fixed-count', kind: 'number', variations: [1, 2] });
      const before = await dumpFlagState(t);
      const count = await t.request('PATCH', '/api/flags/fixed-count', { body: { variations: [1, 2, 3] } });
      expect(count.statusCode).toBe(422);
      expect(detailPaths(count.json())).toEqual(['body.variations']);
      const kind = await t.request('PATCH', '/api/flags/fixed-count', { body: { variations: [1, 'two'] } });
      expect(kind.statusCode).toBe(400);
      expect(kind.json()).toMatchObject({ error: 'validation_failed', details: [{ path: 'body.variations[1]' }] });
      const duplicate = await t.request('PATCH', '/api/flags/fixed-count', { body: { variations: [3, 3] } });
      expect(detailPaths(duplicate.json())).toEqual(['body.variations[1]']);
      for (const body of [{}, { kind: 'string' }, { key: 'renamed' }, { name: '' }, { archived: true }]) {
        const res = await t.request('PATCH', '/api/flags/fixed-count', { body });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
      }
      expect(await dumpFlagState(t)).toBe(before);
      expect((await t.request('PATCH', '/api/flags/nope', { body: { name: 'x' } })).statusCode).toBe(404);
    });
  });

  describe('archive, restore and delete', () => {
    it('archives and restores a flag, touching every environment each time, and treats a repeat as a no-op', async () => {
      await createFlag(t, { key: 'old-banner' });
      const v0 = await environmentVersions(t);
      const archived = await t.request('POST', '/api/flags/old-banner/archive');
      expect(archived.statusCode).toBe(200);
      expect(archived.json()).toMatchObject({ archived: true, version: 2 });
      expect(archived.headers.etag).toBe('"2"');
      const v1 = await environmentVersions(t);
      for (const key of Object.keys(v0)) expect(v1[key]).toBe(v0[key]! + 1);

      const again = await t.request('POST', '/api/flags/old-banner/archive');
      expect(again.json()).toMatchObject({ archived: true, version: 2 });
      expect(await environmentVersions(t)).toEqual(v1);

      const stale = await t.request('POST', '/api/flags/old-banner/restore', { headers: { 'if-match': '"1"' } });
      expect(stale.statusCode).toBe(412);
      const restored = await t.request('POST', '/api/flags/old-banner/restore', { headers: { 'if-match': '"2"' } });
      expect(restored.json()).toMatchObject({ archived: false, version: 3 });
      const v2 = await environmentVersions(t);
      for (const key of Object.keys(v0)) expect(v2[key]).toBe(v0[key]! + 2);

      expect(await auditActions(t, 'old-banner')).toEqual(['flag.created', 'flag.archived', 'flag.restored']);
    });

    it('refuses to archive or delete a flag that active flags use as a prerequisite, naming them', async () => {
      await createFlag(t, { key: 'parent' });
      await createFlag(t, { key: 'child' });
      const put = await t.request('PATCH', '/api/flags/child/environments/production', {
        body: { prerequisites: [{ key: 'parent', variation: 0 }] },
      });
      expect(put.statusCode, put.body).toBe(200);
      const before = await dumpFlagState(t);

      for (const [method, url] of [
        ['POST', '/api/flags/parent/archive'],
        ['DELETE', '/api/flags/parent'],
      ] as const) {
        const res = await t.request(method, url);
        expect(res.statusCode).toBe(409);
        expect(res.json().message).toContain('"child"');
        expect(res.json().details).toEqual([
          { path: 'params.key', message: 'flag "child" uses it as a prerequisite in environment "production"' },
        ]);
      }
      expect(await dumpFlagState(t)).toBe(before);

      // An archived dependent does not hold its prerequisite back.
      expect((await t.request('POST', '/api/flags/child/archive')).statusCode).toBe(200);
      expect((await t.request('POST', '/api/flags/parent/archive')).statusCode).toBe(200);
    });

    it('deletes a flag with its configurations, touching every environment, auditing once', async () => {
      await createFlag(t, { key: 'doomed' });
      const v0 = await environmentVersions(t);
      const stale = await t.request('DELETE', '/api/flags/doomed', { headers: { 'if-match': '"7"' } });
      expect(stale.statusCode).toBe(412);
      const res = await t.request('DELETE', '/api/flags/doomed', { headers: { 'if-match': '"1"' } });
      expect(res.statusCode).toBe(204);
      expect((await t.request('GET', '/api/flags/doomed')).statusCode).toBe(404);
      expect(await t.db.prisma.flagEnvironment.count({ where: { flag: { key: 'doomed' } } })).toBe(0);
      const v1 = await environmentVersions(t);
      for (const key of Object.keys(v0)) expect(v1[key]).toBe(v0[key]! + 1);
      expect(await auditActions(t, 'doomed')).toEqual(['flag.created', 'flag.deleted']);
      const deletion = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { flagKey: 'doomed', action: 'flag.deleted' } });
      expect(deletion.before).toMatchObject({ key: 'doomed', environments: { production: { on: false, version: 1 } } });
      expect((await t.request('DELETE', '/api/flags/doomed')).statusCode).toBe(404);
    });
  });

  it('publishes the flag routes, with described schemas, in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/flags/',
        '/api/flags/{key}',
        '/api/flags/{key}/environments/{env}',
        '/api/flags/{key}/environments/{env}/toggle',
      ]),
    );
    const put = doc.paths['/api/flags/{key}/environments/{env}'].put;
    expect(put.tags).toEqual(['flags']);
    expect(put.responses['200'].content['application/json'].schema.description).toBe('FlagConfigResponse');
    expect(put.responses['412'].content['application/json'].schema.description).toBe('Error');
    expect(doc.paths['/api/flags/{key}'].get.responses['200'].content['application/json'].schema.description).toBe('FlagDetail');
  });
});
