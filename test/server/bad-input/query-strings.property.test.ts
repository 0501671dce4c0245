/**
 * Hostile query strings against every GET route the app registers (read from the app itself, so a
 * new route cannot escape), on every query parameter its OpenAPI document declares and on a few it
 * does not: NUL characters, unpaired surrogates, huge and negative numbers, repeated parameters,
 * very long strings, prototype names. No answer is a 500; a refusal is a 4xx JSON error whose
 * validation details name `query.<param>`; text PostgreSQL cannot store is always refused, naming
 * the parameter that carried it.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const EXISTING_FLAG = 'existing-flag';
const EXISTING_SEGMENT = 'existing-segment';
const ENV = 'production';

type Route = { url: string; params: string[] };
/** A parameter as sent: its name and values exactly as they appear in the URL (already percent-encoded). */
type Param = { name: string; values: string[] };

let t: TestApp;
let serverKey: string;
let routes: Route[];

beforeAll(async () => {
  t = await createTestApp();
  for (const [url, body] of [
    ['/api/flags', { key: EXISTING_FLAG, name: 'Existing', kind: 'boolean', tags: ['web'] }],
    [`/api/environments/${ENV}/segments`, { key: EXISTING_SEGMENT, name: 'Existing', included: ['u1'] }],
  ] as const) {
    const res = await t.request('POST', url, { body });
    expect(res.statusCode, res.body).toBe(201);
  }
  serverKey = await t.createToken('server', ENV);

  const doc = (await t.request('GET', '/docs/json', { token: null })).json() as {
    paths: Record<string, { get?: { parameters?: { in: string; name: string }[] } }>;
  };
  const queryParams = (url: string) => {
    const path = url.replace(/:(\w+)/g, '{$1}');
    const operation = (doc.paths[path] ?? doc.paths[`${path}/`] ?? doc.paths[path.replace(/\/$/, '')])?.get;
    return (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  };
  const urls = [...new Set(t.app.registeredRoutes.filter((r) => r.method === 'GET').map((r) => r.url))];
  routes = urls.map((url) => ({ url, params: queryParams(url) }));
});
afterAll(async () => {
  await t?.close();
});

/** Path parameters name things that exist, so that the query string is what the route reads. */
function concreteUrl(url: string): string {
  return url
    .replace(/:env\b/g, ENV)
    .replace(/:segmentKey\b/g, EXISTING_SEGMENT)
    .replace(/:key\b/g, EXISTING_FLAG)
    .replace(/:id\b/g, '00000000-0000-4000-8000-000000000000')
    .replace(/\*$/, 'index.html');
}

function send(route: Route, params: Param[]): Promise<LightMyRequestResponse> {
  const query = params.flatMap(({ name, values }) => values.map((value) => `${name}=${value}`)).join('&');
  const token = route.url.startsWith('/sdk/') ? serverKey : t.adminToken;
  return t.app.inject({ method: 'GET', url: `${concreteUrl(route.url)}?${query}`, headers: { authorization: `Bearer ${token}` } });
}

/** What the server reads from a name or value as sent: percent-decoded, or as is when that fails (as Fastify's parser does). */
function decoded(sent: string): string {
  try {
    return decodeURIComponent(sent);
  } catch {
    return sent;
  }
}

const unstorable = (text: string) => text.includes('\u0000') || /[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));

/** Percent-encodes every UTF-16 unit, an unpaired surrogate as the three bytes a lenient encoder would send. */
function encode(text: string): string {
  const byte = (value: number) => `%${value.toString(16).toUpperCase()}`;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const surrogate = code >= 0xd800 && code <= 0xdfff;
    out += surrogate
      ? byte(0xe0 | (code >> 12)) + byte(0x80 | ((code >> 6) & 0x3f)) + byte(0x80 | (code & 0x3f))
      : encodeURIComponent(char);
  }
  return out;
}

/** The answer to a hostile query: never 5xx; a 4xx JSON error whose validation details name the parameters sent. */
function expectHandled(res: LightMyRequestResponse, route: Route, params: Param[]): void {
  const what = `GET ${route.url}?${params.map((p) => `${p.name}=${p.values.join('|').slice(0, 80)}`).join('&')}`;
  expect(res.statusCode, `${what} -> ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  const bad = params.filter((p) => unstorable(decoded(p.name)) || p.values.some((v) => unstorable(decoded(v))));
  if (bad.length > 0) expect(res.statusCode, `${what} -> ${res.body.slice(0, 300)}`).toBe(400);
  if (res.statusCode < 400) return;
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  const body = res.json() as { error: string; message: string; details: { path: string; message: string }[] };
  expect(typeof body.message, what).toBe('string');
  if (body.error !== 'validation_failed') {
    expect(bad, `${what} -> ${res.body.slice(0, 300)}`).toEqual([]);
    return;
  }
  const named = (path: string, ps: Param[]) =>
    ps.some(({ name }) => {
      const param = `query.${decoded(name)}`;
      return path === param || path.startsWith(`${param}.`) || path.startsWith(`${param}[`);
    });
  expect(body.details.length, what).toBeGreaterThan(0);
  for (const detail of body.details) expect(named(detail.path, params), `${what}: ${detail.path}`).toBe(true);
  if (bad.length > 0) expect(named(body.details[0]!.path, bad), `${what}: ${body.details[0]!.path}`).toBe(true);
}

const UNSTORABLE = ['%00', 'a%00b', '%00%00', 'web%2C%00'];
const HUGE_NUMBERS = ['9223372036854775807', '9223372036854775808', '9999999999999999999', '99999999999999999999999999', '1e400'];
const ODD_NUMBERS = ['-1', '-9223372036854775809', '0', '-0', '1.5', 'NaN', 'Infinity', '0x10', '1e2', '%201'];
const ODD_TEXT = ['', '%20', '%2C%2C', '__proto__', 'constructor', 'toString', '%25', '_', '%5C', '%ED%A0%80', '%FF', '%', '%E0%A4%A'];
const UNDOCUMENTED = ['x', '__proto__', 'constructor', 'prototype', 'limit%5B%5D', 'tag%5B0%5D', 'a.b', '%00', 'q%00'];

const hostileValue = fc.oneof(
  fc.constantFrom(...UNSTORABLE, ...HUGE_NUMBERS, ...ODD_NUMBERS, ...ODD_TEXT),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encode),
  fc.tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 201, max: 12_000 })).map(([s, n]) => encode((s || 'a').repeat(n).slice(0, n))),
);

describe('hostile query strings on every GET route', () => {
  it('reads the routes and their query parameters from the app', () => {
    const withParams = routes.filter((r) => r.params.length > 0).map((r) => r.url);
    expect(withParams).toEqual(expect.arrayContaining(['/api/flags', '/api/audit', '/api/tokens', '/api/environments/:env/segments']));
    expect(routes.find((r) => r.url === '/api/audit')?.params).toEqual(expect.arrayContaining(['flag', 'cursor', 'limit']));
    expect(routes.length).toBeGreaterThan(10);
  });

  it('refuses text PostgreSQL cannot store in any parameter, declared or not, naming it', async () => {
    for (const route of routes) {
      for (const name of [...route.params, 'x']) {
        for (const value of UNSTORABLE) {
          const res = await send(route, [{ name, values: [value] }]);
          expect(res.statusCode, `${route.url}?${name}=${value} -> ${res.body.slice(0, 300)}`).toBe(400);
          expect(res.json().details, `${route.url}?${name}=${value}`).toEqual([{ path: `query.${name}`, message: expect.any(String) }]);
        }
      }
    }
  }, 60_000);

  it('answers huge, negative, odd and repeated values in every declared parameter without a 500', async () => {
    for (const route of routes) {
      for (const name of route.params) {
        for (const value of [...HUGE_NUMBERS, ...ODD_NUMBERS, ...ODD_TEXT]) {
          const params = [{ name, values: [value] }];
          expectHandled(await send(route, params), route, params);
        }
        const repeated = [{ name, values: ['1', 'a', '%00'] }];
        expectHandled(await send(route, repeated), route, repeated);
      }
    }
  }, 60_000);

  it('answers any mix of hostile parameters without a 500, naming what it refuses', async () => {
    const routeArb = fc.constantFrom(...routes);
    const paramArb = (route: Route) =>
      fc.record({
        name: fc.constantFrom(...route.params, ...UNDOCUMENTED),
        values: fc.array(hostileValue, { minLength: 1, maxLength: 3 }),
      });
    await fc.assert(
      fc.asyncProperty(
        routeArb.chain((route) => fc.tuple(fc.constant(route), fc.array(paramArb(route), { minLength: 1, maxLength: 3 }))),
        async ([route, params]) => expectHandled(await send(route, params), route, params),
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
