/**
 * The React bindings (`@switchyard/web/react`): server-side rendering from the bootstrap values with no
 * browser global, hydration in Chromium with the same values on the first paint, and live updates that
 * re-render only the components whose flag changed.
 */
import { fileURLToPath } from 'node:url';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../web/src/index.ts';
import { until } from '../../helpers/wait.ts';
import { recordShown } from '../pages.ts';
import { bundlePage, hasChromium, inlineJson, startWebRig, type WebRig } from '../rig.ts';
import { App } from './fixtures/app.ts';

// The functions given to page.evaluate and page.waitForFunction run in the page, where these exist.
declare const window: any;
declare const document: any;

const PAGE_ENTRY = fileURLToPath(new URL('./fixtures/page.ts', import.meta.url));
const bootstrap = { banner: false, layout: { columns: 3 } };

describe('server-side rendering', () => {
  it('renders the bootstrap values, touching no window, storage or network', async () => {
    expect('window' in globalThis).toBe(false);
    const touched: string[] = [];
    const realFetch = globalThis.fetch;
    const g = globalThis as any;
    g.fetch = (url: unknown) => {
      touched.push(`fetch ${String(url)}`);
      return realFetch('http://127.0.0.1:9');
    };
    g.localStorage = {
      getItem: (key: string) => touched.push(`getItem ${key}`) && null,
      setItem: (key: string) => touched.push(`setItem ${key}`),
    };
    try {
      const client = createClient({ baseUrl: 'http://127.0.0.1:9', clientKey: 'sy_client_test', bootstrap });
      const html = renderToString(h(App, { client }));
      expect(html).toContain('banner off');
      expect(html).toContain('3 columns');
      expect(await client.ready(50)).toBe(false);
      expect(touched).toEqual([]);
    } finally {
      g.fetch = realFetch;
      delete g.localStorage;
    }
  });

  it('renders the defaults with no bootstrap', () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', clientKey: 'sy_client_test' });
    expect(renderToString(h(App, { client }))).toContain('0 columns');
  });
});

let rig: WebRig;

describe.skipIf(!hasChromium)('useFlag in Chromium', () => {
  beforeAll(async () => {
    rig = await startWebRig();
    await rig.booleanFlag('banner', true);
    await rig.api('POST', '/api/flags', {
      key: 'layout',
      name: 'Layout',
      kind: 'json',
      variations: [{ columns: 2 }, { columns: 1 }],
      clientSideAvailable: true,
    });
    await rig.toggle('layout', true);
    const script = await bundlePage(PAGE_ENTRY);
    const options = { baseUrl: rig.apiUrl, clientKey: rig.clientKey, context: { targetingKey: 'user-1' }, bootstrap };
    rig.serve('/page.js', () => ({ type: 'text/javascript', body: script }));
    // The page server renders the app as a server would: from the bootstrap values, with a client that stays offline there.
    rig.serve('/', () => {
      const html = renderToString(h(App, { client: createClient(options) }));
      return {
        type: 'text/html',
        body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>React</title>
<script type="application/json" id="options">${inlineJson(options)}</script>
<script type="module" src="/page.js"></script></head>
<body><div id="root">${html}</div></body></html>`,
      };
    });
  });
  afterEach(() => rig?.closePages());
  afterAll(() => rig?.close());

  it('paints the server-rendered bootstrap values first, then Switchyard’s, re-rendering only the components whose flag changed', async () => {
    const { page, errors } = await rig.openPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text()); // a hydration mismatch is reported here
    });
    await page.addInitScript(recordShown('banner'));
    await page.goto(`${rig.pageUrl}/`);
    // Bootstrap said off; Switchyard says on (and 2 columns instead of 3).
    await page.waitForFunction(() => document.getElementById('banner')?.textContent === 'banner on', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('checkout')?.textContent === '2 columns', undefined, { timeout: 10_000 });
    const { shown, frames } = await page.evaluate(() => ({ shown: window.__shown, frames: window.__frames }));
    expect(shown).toEqual(['banner off', 'banner on']);
    expect(frames.find((text: string | null) => text !== null)).toBe('banner off');
    await until('the event stream is open', () => rig.t.app.ofrepStreams.openStreams === 1);

    const before = await page.evaluate(() => ({ ...window.renders }));
    await rig.toggle('banner', false);
    await page.waitForFunction(() => document.getElementById('banner')?.textContent === 'banner off', undefined, { timeout: 10_000 });
    const afterBanner = await page.evaluate(() => ({ ...window.renders }));
    expect(afterBanner).toEqual({ banner: before.banner + 1, checkout: before.checkout });

    await rig.toggle('layout', false);
    await page.waitForFunction(() => document.getElementById('checkout')?.textContent === '1 columns', undefined, { timeout: 10_000 });
    const afterLayout = await page.evaluate(() => ({ ...window.renders }));
    expect(afterLayout).toEqual({ banner: afterBanner.banner, checkout: afterBanner.checkout + 1 });
    expect(errors).toEqual([]);
  });
});
