/**
 * The official OpenFeature OFREP providers against a running Switchyard (real PostgreSQL, Redis, HTTP):
 * `@openfeature/ofrep-provider` in Node with `@openfeature/server-sdk`, and `@openfeature/ofrep-web-provider`
 * with `@openfeature/web-sdk` in headless Chromium (skipped when Chromium is not installed), served
 * from another origin, as a browser application would be.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, ErrorCode, OpenFeature } from '@openfeature/server-sdk';
import { build } from 'esbuild';
import type { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../server/src/app.ts';
import { createPrisma } from '../../server/src/db/prisma.ts';
import { connectRedis } from '../../server/src/server.ts';
import { hasChromium, launchChromium } from '../console/browser.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';
import { createEveryKindOfFlag, toggle } from '../server/ofrep/ofrep-kit.ts';

const staff = { targetingKey: 'user-42', email: 'ana@ourcompany.com' };

let t: TestApp;
let redis: Redis;
let baseUrl: string;
let clientKey: string;
let serverKey: string;

beforeAll(async () => {
  redis = await connectRedis(inject('redisUrl'), () => {});
  t = await createTestApp({ redis, redisNamespace: `sy-ofrep-e2e-${randomBytes(4).toString('hex')}` });
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  clientKey = await t.createToken('client', 'production');
  serverKey = await t.createToken('server', 'production');
  await createEveryKindOfFlag(t);
  // A flag whose stored configuration the engine cannot read (an off variation that does not exist),
  // written behind the admin API's back before anything read the environment's rules.
  const created = await t.request('POST', '/api/flags', {
    body: { key: 'broken', name: 'broken', kind: 'boolean', clientSideAvailable: true },
  });
  expect(created.statusCode).toBe(201);
  await t.db.prisma.flagEnvironment.updateMany({
    where: { flag: { key: 'broken' }, environment: { key: 'production' } },
    data: { offVariation: 99 },
  });
});
afterAll(async () => {
  t?.app.server.closeAllConnections();
  await t?.close();
  redis?.disconnect();
});

describe('@openfeature/ofrep-provider (Node, server SDK)', () => {
  let client: Client;
  let clientSide: Client;

  beforeAll(async () => {
    await OpenFeature.setProviderAndWait('server', new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${serverKey}`]] }));
    await OpenFeature.setProviderAndWait('client-key', new OFREPProvider({ baseUrl, headers: [['X-API-Key', clientKey]] }));
    client = OpenFeature.getClient('server');
    clientSide = OpenFeature.getClient('client-key');
  });
  afterAll(() => OpenFeature.close());

  it('evaluates every kind of flag with its reason and variant', async () => {
    expect(await client.getBooleanDetails('banner', false, staff)).toMatchObject({ value: true, reason: 'STATIC', variant: '1' });
    expect(await client.getStringDetails('checkout-copy', 'x', staff)).toMatchObject({
      value: 'Purchase',
      reason: 'TARGETING_MATCH',
      flagMetadata: { ruleId: 'staff' },
    });
    expect(await client.getStringDetails('checkout-copy', 'x', { targetingKey: 'user-7' })).toMatchObject({
      value: 'Buy now',
      reason: 'DEFAULT',
    });
    const items = await client.getNumberDetails('max-items', 0, staff);
    expect(items.reason).toBe('SPLIT');
    expect([10, 20]).toContain(items.value);
    expect(await client.getObjectDetails('theme', {}, staff)).toMatchObject({ value: { color: 'grey' }, reason: 'DISABLED', variant: '0' });
    expect(await client.getBooleanDetails('beta-gate', true, staff)).toMatchObject({ value: false, reason: 'PREREQUISITE_FAILED' });
    expect(await client.getBooleanDetails('vip-list', false, { targetingKey: 'user-vip' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
  });

  it('gets every error as an OpenFeature error code, with the default value', async () => {
    const error = async (details: Promise<{ value: unknown; errorCode?: string; reason?: string }>) => {
      const d = await details;
      return { value: d.value, errorCode: d.errorCode, reason: d.reason };
    };
    expect(await error(client.getBooleanDetails('no-such-flag', true, staff))).toEqual({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
      reason: 'ERROR',
    });
    expect(await error(client.getBooleanDetails('banner', true, { email: 'a@b.c' }))).toMatchObject({
      value: true,
      errorCode: ErrorCode.TARGETING_KEY_MISSING,
    });
    expect(await error(client.getBooleanDetails('banner', true, { targetingKey: 'u', address: { city: 'Porto' } }))).toMatchObject({
      value: true,
      errorCode: ErrorCode.INVALID_CONTEXT,
    });
    expect(await error(client.getBooleanDetails('broken', true, staff))).toMatchObject({ value: true, errorCode: ErrorCode.PARSE_ERROR });
    expect(await error(client.getStringDetails('banner', 'text', staff))).toMatchObject({
      value: 'text',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
  });

  it('with a client key, sees only client-side available flags', async () => {
    expect(await clientSide.getBooleanDetails('banner', false, staff)).toMatchObject({ value: true });
    expect(await clientSide.getBooleanDetails('internal-only', false, staff)).toMatchObject({ errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getBooleanDetails('internal-only', false, staff)).toMatchObject({ value: true });
  });
});

describe('@openfeature/ofrep-provider against a replica that lost its database', () => {
  it('gets GENERAL (the server answers 500) and the default value', async () => {
    const database = new URL(t.db.url);
    const proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    const throughProxy = new URL(t.db.url);
    throughProxy.port = new URL(proxy.url).port;
    const prisma = createPrisma(throughProxy.toString(), 2);
    const replica = await buildApp({ prisma, dueWork: { enabled: false } });
    try {
      const url = await replica.listen({ port: 0, host: '127.0.0.1' });
      proxy.disconnect(); // before this replica knew the key or read the rules
      await OpenFeature.setProviderAndWait(
        'cut-off',
        new OFREPProvider({ baseUrl: url, headers: [['Authorization', `Bearer ${serverKey}`]] }),
      );
      const details = await OpenFeature.getClient('cut-off').getBooleanDetails('banner', true, staff);
      expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.GENERAL });
      const raw = await fetch(`${url}/ofrep/v1/evaluate/flags/banner`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: staff }),
      });
      expect(raw.status).toBe(500);
      expect(await raw.json()).toEqual({ key: 'banner', errorCode: 'GENERAL', errorDetails: 'Internal server error' });
    } finally {
      await OpenFeature.clearProviders();
      replica.server.closeAllConnections();
      await replica.close();
      await prisma.$disconnect();
      await proxy.close();
    }
  });
});

describe.skipIf(!hasChromium)('@openfeature/ofrep-web-provider (headless Chromium, web SDK)', () => {
  let browser: Browser;
  let page: Page;
  let site: Server;

  beforeAll(async () => {
    // The providers bundled for the page, at test time.
    const bundle = await build({
      stdin: {
        contents: [
          "import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';",
          "import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';",
          'Object.assign(globalThis, { OpenFeature, ProviderEvents, OFREPWebProvider });',
        ].join('\n'),
        resolveDir: new URL('../..', import.meta.url).pathname,
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
    });
    const script = bundle.outputFiles[0]!.text;
    // The application's own origin, other than Switchyard's: every OFREP call is cross-origin.
    site = createServer((request, response) => {
      if (request.url === '/app.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/app.js"></script>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    await page.evaluate(
      async ({ baseUrl, clientKey, staff }) => {
        const w = globalThis as any;
        w.changes = [];
        const start = async (domain: string, context: object) => {
          const provider = new w.OFREPWebProvider({ baseUrl, headers: [['Authorization', `Bearer ${clientKey}`]], cacheMode: 'disabled' });
          await w.OpenFeature.setContext(domain, context);
          await w.OpenFeature.setProviderAndWait(domain, provider).catch((e: unknown) => {
            w.initErrors = { ...w.initErrors, [domain]: String(e) };
          });
          return w.OpenFeature.getClient(domain);
        };
        w.main = await start('main', staff);
        w.main.addHandler(w.ProviderEvents.ConfigurationChanged, (e: { flagsChanged?: string[] }) => w.changes.push(e.flagsChanged));
        w.anonymous = await start('anonymous', { plan: 'free' });
        w.invalid = await start('invalid', { targetingKey: 'u', address: { city: 'Porto' } });
      },
      { baseUrl, clientKey, staff },
    );
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const details = (client: string, method: string, key: string, fallback: unknown) =>
    page.evaluate(({ client, method, key, fallback }) => (globalThis as any)[client][method](key, fallback), {
      client,
      method,
      key,
      fallback,
    });

  it('evaluates every kind of flag with its reason and variant', async () => {
    expect(await details('main', 'getBooleanDetails', 'banner', false)).toMatchObject({ value: true, reason: 'STATIC', variant: '1' });
    expect(await details('main', 'getStringDetails', 'checkout-copy', 'x')).toMatchObject({ value: 'Purchase', reason: 'TARGETING_MATCH' });
    expect(await details('main', 'getNumberDetails', 'max-items', 0)).toMatchObject({ reason: 'SPLIT' });
    expect(await details('main', 'getObjectDetails', 'theme', {})).toMatchObject({ value: { color: 'grey' }, reason: 'DISABLED' });
    expect(await details('main', 'getBooleanDetails', 'beta-gate', true)).toMatchObject({ value: false, reason: 'PREREQUISITE_FAILED' });
    expect(await details('main', 'getBooleanDetails', 'vip-list', true)).toMatchObject({ value: false, reason: 'DEFAULT' });
  });

  it('gets every error as an OpenFeature error code, with the default value', async () => {
    expect(await details('main', 'getBooleanDetails', 'no-such-flag', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    expect(await details('main', 'getBooleanDetails', 'internal-only', false)).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    expect(await details('main', 'getStringDetails', 'banner', 'text')).toMatchObject({ value: 'text', errorCode: 'TYPE_MISMATCH' });
    expect(await details('main', 'getBooleanDetails', 'broken', true)).toMatchObject({ value: true, errorCode: 'PARSE_ERROR' });
    expect(await details('anonymous', 'getBooleanDetails', 'banner', false)).toMatchObject({
      value: false,
      errorCode: 'TARGETING_KEY_MISSING',
    });
    // The server answers 400 INVALID_CONTEXT; the web provider 0.4.3 reports any non-200 as a GeneralError (docs/ofrep.md).
    expect(await page.evaluate(() => (globalThis as any).initErrors?.invalid)).toContain('status: 400');
    expect(await details('invalid', 'getBooleanDetails', 'banner', false)).toMatchObject({ value: false, reason: 'ERROR' });
  });

  it('sees a toggle made through the admin API, through the event stream', async () => {
    await until('the page has its event stream open', () => t.app.ofrepStreams.openStreams >= 1);
    expect(await details('main', 'getBooleanValue', 'banner', false)).toBe(true);
    await toggle(t, 'banner', false);
    await page.waitForFunction(() => (globalThis as any).main.getBooleanValue('banner', true) === false, undefined, { timeout: 10_000 });
    expect(await details('main', 'getBooleanDetails', 'banner', true)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await page.evaluate(() => (globalThis as any).changes.flat())).toContain('banner');
  });
});
