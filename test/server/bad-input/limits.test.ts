/** The documented limits: each refused one past the limit, with a clear error naming the field. */

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { LIMITS } from '@switchyard/sdk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
const CONFIG = '/api/flags/limited/environments/production';
const base = { on: true, offVariation: 1, fallthrough: { variation: 0 }, targets: [], rules: [], prerequisites: [] };
const rule = (i: number, clauses = 1) => ({
  id: `r${i}`,
  clauses: Array.from({ length: clauses }, (_, c) => ({ attribute: `a${c}`, op: 'in', values: ['x'] })),
  variation: 0,
});

beforeAll(async () => {
  t = await createTestApp();
  expect((await t.request('POST', '/api/flags', { body: { key: 'limited', name: 'Limited', kind: 'boolean' } })).statusCode).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

async function expectRefusedAt(method: string, url: string, body: unknown, path: string) {
  const res = await t.request(method, url, { body });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
  expect(res.json().error).toBe('validation_failed');
  expect(res.json().details.map((d: { path: string }) => d.path)).toContain(path);
}

describe('limits', () => {
  it('refuses a body over the body limit (1 MiB by default) with 413 naming the body', async () => {
    const res = await t.request('POST', '/api/environments', {
      body: JSON.stringify({ key: 'big', name: 'x'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large', details: [{ path: 'body' }] });
  });

  it(`takes ${LIMITS.maxRules} rules per flag and refuses one more`, async () => {
    const rules = Array.from({ length: LIMITS.maxRules }, (_, i) => rule(i));
    expect((await t.request('PUT', CONFIG, { body: { ...base, rules } })).statusCode).toBe(200);
    await expectRefusedAt('PUT', CONFIG, { ...base, rules: [...rules, rule(LIMITS.maxRules)] }, 'body.rules');
  });

  it(`takes ${LIMITS.maxClausesPerRule} clauses per rule and refuses one more`, async () => {
    expect((await t.request('PUT', CONFIG, { body: { ...base, rules: [rule(0, LIMITS.maxClausesPerRule)] } })).statusCode).toBe(200);
    await expectRefusedAt('PUT', CONFIG, { ...base, rules: [rule(0, LIMITS.maxClausesPerRule + 1)] }, 'body.rules[0].clauses');
  });

  it(`takes ${LIMITS.maxValuesPerClause} values per clause and refuses one more`, async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const withValues = (n: number) => ({ ...base, rules: [{ ...rule(0), clauses: [{ attribute: 'a', op: 'in', values: values(n) }] }] });
    expect((await t.request('PUT', CONFIG, { body: withValues(LIMITS.maxValuesPerClause) })).statusCode).toBe(200);
    await expectRefusedAt('PUT', CONFIG, withValues(LIMITS.maxValuesPerClause + 1), 'body.rules[0].clauses[0].values');
  });

  it(`takes ${LIMITS.maxTargets} targets per flag and refuses one more`, async () => {
    const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ variation: i % 2, values: [`user-${i}`] }));
    expect((await t.request('PUT', CONFIG, { body: { ...base, targets: targets(LIMITS.maxTargets) } })).statusCode).toBe(200);
    await expectRefusedAt('PUT', CONFIG, { ...base, targets: targets(LIMITS.maxTargets + 1) }, 'body.targets');
  });

  it(`takes ${LIMITS.maxVariations} variations per flag and refuses one more`, async () => {
    const variations = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(
      (
        await t.request('POST', '/api/flags', {
          body: { key: 'many', name: 'Many', kind: 'string', variations: variations(LIMITS.maxVariations) },
        })
      ).statusCode,
    ).toBe(201);
    await expectRefusedAt(
      'POST',
      '/api/flags',
      { key: 'too-many', name: 'Too many', kind: 'string', variations: variations(LIMITS.maxVariations + 1) },
      'body.variations',
    );
  });

  it(`takes variation values up to ${LIMITS.maxVariationValueLength} characters as JSON and refuses longer ones`, async () => {
    const atLimit = 'x'.repeat(LIMITS.maxVariationValueLength - 2); // JSON adds the two quotes
    expect(
      (await t.request('POST', '/api/flags', { body: { key: 'big', name: 'Big', kind: 'string', variations: [atLimit, 'small'] } }))
        .statusCode,
    ).toBe(201);
    await expectRefusedAt(
      'POST',
      '/api/flags',
      { key: 'too-big', name: 'Too big', kind: 'string', variations: ['small', `${atLimit}x`] },
      'body.variations[1]',
    );
  });

  it(`takes ${LIMITS.maxSegmentRules} rules per segment and refuses one more`, async () => {
    const rules = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: `s${i}`, clauses: [{ attribute: 'a', op: 'in', values: ['x'] }] }));
    await expectRefusedAt(
      'POST',
      '/api/environments/production/segments',
      { key: 'seg', name: 'Seg', rules: rules(LIMITS.maxSegmentRules + 1) },
      'body.rules',
    );
    expect(
      (
        await t.request('POST', '/api/environments/production/segments', {
          body: { key: 'seg', name: 'Seg', rules: rules(LIMITS.maxSegmentRules) },
        })
      ).statusCode,
    ).toBe(201);
  });
});

describe('header and URL sizes (a real listening server: Node enforces these before Fastify)', () => {
  let port: number;
  beforeAll(async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });

  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += String(chunk)));
      socket.on('end', () => resolve(answer));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      setTimeout(() => socket.end(), 2000).unref();
    });

  it('refuses headers over 16 KiB with 431 and the JSON error shape', async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ error: 'headers_too_large', details: [{ path: 'headers' }] });
  });

  it('answers an 8 KiB garbage token with a plain 401, and a path parameter over 200 characters with 414', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/environments`, { headers: { authorization: `Bearer ${'z'.repeat(8 * 1024)}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
    const long = await t.request('GET', `/api/flags/${'k'.repeat(300)}`);
    expect(long.statusCode).toBe(414);
    expect(long.json()).toMatchObject({ error: 'uri_too_long', details: [{ path: 'url' }] });
    expect(long.headers['x-content-type-options']).toBe('nosniff');
    const badEncoding = await t.request('GET', '/api/flags/%zz');
    expect(badEncoding.statusCode).toBe(400);
    expect(badEncoding.json()).toMatchObject({ error: 'bad_request', details: [{ path: 'url' }] });
  });
});
