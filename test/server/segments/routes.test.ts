import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const base = '/api/environments/production/segments';

const betaRule = { id: 'beta', clauses: [{ attribute: 'plan', op: 'in', values: ['beta'] }] };
const refersTo = (...keys: string[]) => ({ clauses: [{ attribute: '', op: 'segmentMatch', values: keys }] });

describe('segments API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const envVersion = async (key = 'production') => (await t.db.prisma.environment.findUniqueOrThrow({ where: { key } })).version;
  const segmentCount = () => t.db.prisma.segment.count();

  it('refuses every route without a token (401) and with server or client keys (403)', async () => {
    await t.request('POST', base, { body: { key: 'guarded', name: 'Guarded' } });
    const serverKey = await t.createToken('server', 'production');
    const clientKey = await t.createToken('client', 'production');
    const routes: [string, string, unknown?][] = [
      ['GET', base],
      ['GET', `${base}/guarded`],
      ['POST', base, { key: 'other', name: 'Other' }],
      ['PUT', `${base}/guarded`, { name: 'Changed' }],
      ['DELETE', `${base}/guarded`],
    ];
    for (const [method, url, body] of routes) {
      expect((await t.request(method, url, { body, token: null })).statusCode, `${method} ${url}`).toBe(401);
      expect((await t.request(method, url, { body, token: serverKey })).statusCode, `${method} ${url}`).toBe(403);
      expect((await t.request(method, url, { body, token: clientKey })).statusCode, `${method} ${url}`).toBe(403);
    }
    const guarded = await t.request('GET', `${base}/guarded`);
    expect(guarded.json()).toMatchObject({ name: 'Guarded', version: 1 });
    expect(await segmentCount()).toBe(1);
    expect((await t.request('DELETE', `${base}/guarded`)).statusCode).toBe(204);
  });

  it('creates a segment (201), bumps the environment version and audits it', async () => {
    const before = await envVersion();
    const res = await t.request('POST', base, {
      body: { key: 'beta-users', name: 'Beta users', description: 'opted in', included: ['u1'], excluded: ['u2'], rules: [betaRule] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.json()).toMatchObject({
      key: 'beta-users',
      environment: 'production',
      name: 'Beta users',
      description: 'opted in',
      included: ['u1'],
      excluded: ['u2'],
      rules: [betaRule],
      version: 1,
    });
    expect(await envVersion()).toBe(before + 1);
    const change = await t.db.prisma.environmentChange.findFirstOrThrow({ where: { resourceKey: 'beta-users' } });
    expect(change).toMatchObject({ resourceType: 'segment', version: before + 1 });

    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'segment.created', resourceKey: 'beta-users' } });
    expect(audit).toMatchObject({ resourceType: 'segment', environmentKey: 'production', flagKey: null, before: null });
    expect(audit.after).toMatchObject({ key: 'beta-users', rules: [betaRule] });
  });

  it('lists and gets segments per environment, with an ETag', async () => {
    const list = await t.request('GET', base);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ total: 1, items: [{ key: 'beta-users' }] });
    expect((await t.request('GET', '/api/environments/staging/segments')).json()).toMatchObject({ total: 0, items: [] });

    const one = await t.request('GET', `${base}/beta-users`);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toBe('"1"');
    expect((await t.request('GET', '/api/environments/staging/segments/beta-users')).statusCode).toBe(404);
  });

  it('answers 404 for an unknown environment or segment', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/environments/nowhere/segments'],
      ['GET', '/api/environments/nowhere/segments/beta-users'],
      ['POST', '/api/environments/nowhere/segments', { key: 'x', name: 'X' }],
      ['PUT', `${base}/missing`, { name: 'X' }],
      ['DELETE', `${base}/missing`],
    ] as [string, string, unknown?][]) {
      const res = await t.request(method, url, { body });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    expect(await segmentCount()).toBe(1);
  });

  it('answers 409 naming body.key for a duplicate key, changing nothing', async () => {
    const before = await envVersion();
    const res = await t.request('POST', base, { body: { key: 'beta-users', name: 'Again' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().details).toEqual([{ path: 'body.key', message: 'already exists' }]);
    expect(await envVersion()).toBe(before);
    // The same key in another environment is a different segment.
    expect((await t.request('POST', '/api/environments/staging/segments', { body: { key: 'beta-users', name: 'Beta' } })).statusCode).toBe(
      201,
    );
  });

  it('answers 400 with field paths for bad bodies, changing nothing', async () => {
    const before = await envVersion();
    const auditBefore = await t.db.prisma.auditEvent.count();
    const bad = await t.request('POST', base, {
      body: { key: 'bad key', name: '', included: [''], rules: [{ clauses: [{ attribute: 'age', op: 'greaterThan', values: ['old'] }] }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('validation_failed');
    expect(
      bad
        .json()
        .details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['body.included[0]', 'body.key', 'body.name', 'body.rules[0].clauses[0].values[0]']);

    const unknownOp = await t.request('PUT', `${base}/beta-users`, {
      body: { name: 'B', rules: [{ clauses: [{ attribute: 'a', op: 'near', values: ['x'] }] }] },
    });
    expect(unknownOp.statusCode).toBe(400);
    expect(unknownOp.json().details.map((d: { path: string }) => d.path)).toEqual(['body.rules[0].clauses[0].op']);

    const extra = await t.request('PUT', `${base}/beta-users`, { body: { name: 'B', key: 'renamed' } });
    expect(extra.statusCode).toBe(400);

    expect(await envVersion()).toBe(before);
    expect(await t.db.prisma.auditEvent.count()).toBe(auditBefore);
    expect((await t.request('GET', `${base}/beta-users`)).json()).toMatchObject({ name: 'Beta users', version: 1 });
  });

  it('replaces a segment, honouring If-Match, and answers 412 with currentVersion when stale', async () => {
    const replaced = await t.request('PUT', `${base}/beta-users`, {
      body: { name: 'Beta testers', included: ['u1', 'u3'] },
      headers: { 'if-match': '"1"' },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.headers.etag).toBe('"2"');
    // A replacement: the omitted description, excluded list and rules become empty.
    expect(replaced.json()).toMatchObject({
      name: 'Beta testers',
      description: '',
      included: ['u1', 'u3'],
      excluded: [],
      rules: [],
      version: 2,
    });

    const stale = await t.request('PUT', `${base}/beta-users`, { body: { name: 'Stale' }, headers: { 'if-match': '"1"' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ error: 'version_mismatch', currentVersion: 2 });

    const malformed = await t.request('PUT', `${base}/beta-users`, { body: { name: 'Bad' }, headers: { 'if-match': 'yesterday' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().details[0].path).toBe('headers.if-match');

    const unconditional = await t.request('PUT', `${base}/beta-users`, { body: { name: 'Beta users', rules: [betaRule] } });
    expect(unconditional.statusCode).toBe(200);
    expect(unconditional.json().version).toBe(3);

    const events = await t.db.prisma.auditEvent.findMany({
      where: { action: 'segment.updated', resourceKey: 'beta-users' },
      orderBy: { id: 'asc' },
    });
    expect(events).toHaveLength(2);
    expect(events[0]!.before).toMatchObject({ name: 'Beta users', version: 1 });
    expect(events[0]!.after).toMatchObject({ name: 'Beta testers', version: 2 });
  });

  it('refuses unknown, self and cyclic segment references with 422 and body paths, changing nothing', async () => {
    const unknown = await t.request('POST', base, {
      body: { key: 'power', name: 'Power', rules: [betaRule, refersTo('beta-users', 'ghosts')] },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ error: 'invalid_definition', details: [{ path: 'body.rules[1].clauses[0].values[1]' }] });
    expect(unknown.json().details[0].message).toContain('ghosts');

    const self = await t.request('POST', base, { body: { key: 'selfish', name: 'Selfish', rules: [refersTo('selfish')] } });
    expect(self.statusCode).toBe(422);
    expect(self.json().details[0].path).toBe('body.rules[0].clauses[0].values[0]');

    // power -> beta-users is fine; then beta-users -> power would close a cycle.
    expect((await t.request('POST', base, { body: { key: 'power', name: 'Power', rules: [refersTo('beta-users')] } })).statusCode).toBe(
      201,
    );
    const before = await envVersion();
    const cycle = await t.request('PUT', `${base}/beta-users`, { body: { name: 'Beta', rules: [refersTo('power')] } });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().details).toEqual([{ path: 'body.rules[0].clauses[0].values[0]', message: expect.stringContaining('cycle') }]);
    expect(await envVersion()).toBe(before);
    expect((await t.request('GET', `${base}/beta-users`)).json().version).toBe(3);

    // References are per environment: staging has no "power".
    const elsewhere = await t.request('POST', '/api/environments/staging/segments', {
      body: { key: 'p', name: 'P', rules: [refersTo('power')] },
    });
    expect(elsewhere.statusCode).toBe(422);
  });

  it('refuses to delete a segment used by flag rules or other segments (409 naming them), then deletes it once unused', async () => {
    const env = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'production' } });
    const staging = await t.db.prisma.environment.findUniqueOrThrow({ where: { key: 'staging' } });
    const flag = await t.db.prisma.flag.create({
      data: { key: 'new-checkout', name: 'New checkout', kind: 'boolean', variations: [true, false], salt: 's' },
    });
    const usingRules = [
      { id: 'r0', clauses: [{ attribute: 'country', op: 'in', values: ['FR'] }], variation: 0 },
      { id: 'r1', clauses: [{ attribute: '', op: 'segmentMatch', values: ['other', 'beta-users'] }], variation: 0 },
    ];
    const config = { offVariation: 1, fallthrough: { variation: 1 } };
    await t.db.prisma.flagEnvironment.create({ data: { flagId: flag.id, environmentId: env.id, ...config, rules: usingRules } });
    // The same flag's staging rules use staging's own "beta-users": irrelevant to production.
    await t.db.prisma.flagEnvironment.create({ data: { flagId: flag.id, environmentId: staging.id, ...config, rules: usingRules } });

    const before = await envVersion();
    const refused = await t.request('DELETE', `${base}/beta-users`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details).toEqual([
      { path: 'flags.new-checkout.rules[1]', message: expect.stringContaining('new-checkout') },
      { path: 'segments.power.rules[0]', message: expect.stringContaining('power') },
    ]);
    expect(refused.json().message).toContain('flag "new-checkout"');
    expect(await envVersion()).toBe(before);
    expect((await t.request('GET', `${base}/beta-users`)).statusCode).toBe(200);

    await t.db.prisma.flagEnvironment.update({
      where: { flagId_environmentId: { flagId: flag.id, environmentId: env.id } },
      data: { rules: [] },
    });
    expect((await t.request('DELETE', `${base}/power`)).statusCode).toBe(204);
    const deleted = await t.request('DELETE', `${base}/beta-users`);
    expect(deleted.statusCode).toBe(204);
    expect((await t.request('GET', `${base}/beta-users`)).statusCode).toBe(404);
    expect(await envVersion()).toBe(before + 2);

    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'segment.deleted', resourceKey: 'beta-users' } });
    expect(audit).toMatchObject({ environmentKey: 'production', after: null });
    expect(audit.before).toMatchObject({ key: 'beta-users', version: 3 });
    // Staging's segment of the same key is untouched.
    expect((await t.request('GET', '/api/environments/staging/segments/beta-users')).statusCode).toBe(200);
  });

  it('paginates the list', async () => {
    for (const key of ['a', 'b', 'c']) await t.request('POST', '/api/environments/development/segments', { body: { key, name: key } });
    const res = await t.request('GET', '/api/environments/development/segments?limit=2&offset=1');
    expect(res.json()).toMatchObject({ total: 3, limit: 2, offset: 1, items: [{ key: 'b' }, { key: 'c' }] });
    expect((await t.request('GET', '/api/environments/development/segments?limit=0')).json().details[0].path).toBe('query.limit');
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/docs/json', { token: null })).json();
    expect(Object.keys(doc.paths['/api/environments/{env}/segments/']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/environments/{env}/segments/{segmentKey}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(doc.paths['/api/environments/{env}/segments/'].post.tags).toEqual(['segments']);
  });

  it('does not clash with the environments routes', async () => {
    expect((await t.request('GET', '/api/environments/production')).json()).toMatchObject({ key: 'production' });
    expect((await t.request('GET', '/api/environments')).statusCode).toBe(200);
  });
});
