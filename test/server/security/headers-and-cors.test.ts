import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CSP, DOCS_CSP } from '../../../server/src/http/security-headers.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

function expectSecurityHeaders(res: LightMyRequestResponse, csp: string) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['content-security-policy']).toBe(csp);
  expect(res.headers['x-powered-by']).toBeUndefined();
}

describe('security headers', () => {
  it('are on every API answer, errors included, with a CSP that allows nothing', async () => {
    const answers = [
      await t.request('GET', '/api/environments'),
      await t.request('GET', '/api/environments', { token: null }),
      await t.request('GET', '/api/no-such-route'),
      await t.request('POST', '/api/environments', { body: { key: '' } }),
      await t.request('POST', '/api/environments', { body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } }),
      await t.request('GET', '/healthz', { token: null }),
      await t.request('GET', '/readyz', { token: null }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 401, 404, 400, 413, 200, 200]);
    for (const res of answers) expectSecurityHeaders(res, API_CSP);
    expect(API_CSP).toContain("default-src 'none'");
    expect(API_CSP).toContain("frame-ancestors 'none'");
  });

  it('let the Swagger UI at /docs render: every script and stylesheet it loads is same-origin, served, and allowed', async () => {
    let res = await t.request('GET', '/docs', { token: null });
    if (res.statusCode === 302)
      res = await t.request('GET', new URL(String(res.headers.location), 'http://x/docs').pathname, { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expectSecurityHeaders(res, DOCS_CSP);

    const html = res.body;
    // script-src 'self' allows no inline script: the page must have none.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/g)).toBeNull();
    const assets = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      expect(asset, 'same origin').not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      const loaded = await t.request('GET', url, { token: null });
      expect(loaded.statusCode, url).toBe(200);
      expect(loaded.headers['x-content-type-options']).toBe('nosniff');
    }
    // The initializer script points the UI at the OpenAPI document, which it fetches (connect-src 'self').
    const initializer = await t.request('GET', '/docs/static/swagger-initializer.js', { token: null });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain('json');
    expect(DOCS_CSP).toContain("connect-src 'self'");
    expectSecurityHeaders(await t.request('GET', '/docs/json', { token: null }), DOCS_CSP);
  });
});

describe('CORS', () => {
  it('is not open on admin routes: a preflight or a request from another origin gets no Access-Control-Allow-Origin', async () => {
    const origin = 'https://evil.example';
    const preflight = await t.request('OPTIONS', '/api/flags', {
      token: null,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
    for (const res of [
      await t.request('GET', '/api/flags', { headers: { origin } }),
      await t.request('GET', '/api/flags', { token: null, headers: { origin } }),
    ]) {
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });
});
