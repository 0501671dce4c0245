/**
 * The web SDK's browser tests: a real Switchyard (createTestApp, listening on 127.0.0.1) serving OFREP,
 * Debian's Chromium through playwright-core, and a small page server on another port (so every call to
 * Switchyard is cross-origin, as on a real site, and the pages still load when Switchyard is unreachable).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppOptions } from '../../server/src/app.ts';
import { hasChromium, launchChromium } from '../console/browser.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

export { hasChromium };

const WEB_ENTRY = fileURLToPath(new URL('../../web/src/index.ts', import.meta.url));

/** The SDK bundled for a classic script tag: it defines the global `SwitchyardWeb`. */
export async function bundleForScriptTag(): Promise<string> {
  const result = await build({
    entryPoints: [WEB_ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'SwitchyardWeb',
    write: false,
  });
  return result.outputFiles[0]!.text;
}

/** A page's script (an ES module with its imports bundled, React in production mode). */
export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
  });
  return result.outputFiles[0]!.text;
}

/** JSON that is safe inside an inline <script>. */
export const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export type Handler = (url: URL) => { type: string; body: string } | Promise<{ type: string; body: string }>;

export type WebRig = {
  t: TestApp;
  /** Switchyard's origin, as the SDK's `baseUrl`. */
  apiUrl: string;
  /** The page server's origin. */
  pageUrl: string;
  clientKey: string;
  browser: Browser;
  /** Serves `handler`'s answer at `path` on the page server. */
  serve(path: string, handler: Handler): void;
  /** An admin API call that must succeed; its JSON answer. */
  api(method: string, url: string, body?: unknown): Promise<any>;
  /** A client-side available boolean flag, on or off in production. */
  booleanFlag(key: string, on: boolean): Promise<void>;
  toggle(key: string, on: boolean): Promise<void>;
  /** A fresh browser context (empty storage) and page; pages that throw are recorded in `errors`. */
  openPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /** Closes the pages opened so far (their event streams end with them). */
  closePages(): Promise<void>;
  close(): Promise<void>;
};

export async function startWebRig(appOptions: Partial<AppOptions> = {}): Promise<WebRig> {
  const t = await createTestApp(appOptions);
  const apiUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const clientKey = await t.createToken('client', 'production');
  const browser = hasChromium ? await launchChromium() : (undefined as unknown as Browser);
  const handlers = new Map<string, Handler>();
  const pages: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://page.test');
    const handler = handlers.get(url.pathname);
    if (!handler) return void response.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
    const { type, body } = await handler(url);
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  const contexts: BrowserContext[] = [];

  const api: WebRig['api'] = async (method, url, body) => {
    const res = await t.request(method, url, body === undefined ? {} : { body });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json();
  };
  const toggle: WebRig['toggle'] = async (key, on) => {
    await api('POST', `/api/flags/${key}/environments/production/toggle`, { on });
  };

  return {
    t,
    apiUrl,
    pageUrl,
    clientKey,
    browser,
    serve(path, handler) {
      handlers.set(path, handler);
    },
    api,
    toggle,
    async booleanFlag(key, on) {
      await api('POST', '/api/flags', { key, name: key, kind: 'boolean', clientSideAvailable: true });
      if (on) await toggle(key, true);
    },
    async openPage() {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      return { context, page, errors };
    },
    async closePages() {
      await Promise.all(contexts.splice(0).map((context) => context.close()));
    },
    async close() {
      await Promise.all(contexts.splice(0).map((context) => context.close()));
      await browser?.close();
      await new Promise((resolve) => pages.close(resolve));
      t.app.server.closeAllConnections();
      await t.close();
    },
  };
}
