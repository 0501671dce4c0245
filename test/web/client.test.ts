/**
 * @switchyard/web in Debian's Chromium against a real Switchyard: one OFREP bulk request for every
 * client-side flag, the bootstrap values on the first paint, live updates from the admin API through the
 * event stream, the last values kept for an offline reload, identify, ready() and close(), and a client
 * that no failing listener or storage can break.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.ts';
import { checkoutPage, recordShown, sdkPage } from './pages.ts';
import { bundleForScriptTag, hasChromium, startWebRig, type WebRig } from './rig.ts';

// The functions given to page.evaluate and page.waitForFunction run in the page, where these exist.
declare const window: any;
declare const document: any;
declare const localStorage: any;

let rig: WebRig;
let sdk: string;

beforeAll(async () => {
  // Pages are told to close the event stream after 1 s hidden (ADR-0008's inactivityDelaySec; 120 s by default).
  rig = await startWebRig({ ofrep: { inactivityDelaySec: 1 } });
  sdk = await bundleForScriptTag();
  rig.serve('/sdk', () => ({ type: 'text/html', body: sdkPage(sdk) }));
});
afterEach(() => rig?.closePages());
/** Event streams Switchyard held when the test began, from earlier tests' pages (0 unless their close went unnoticed). */
let baseline = 0;
beforeEach(async () => {
  baseline = await settledStreamCount();
});
afterAll(() => rig?.close());

const options = (extra: Record<string, unknown> = {}) => ({
  baseUrl: rig.apiUrl,
  clientKey: rig.clientKey,
  context: { targetingKey: 'user-1' },
  ...extra,
});

/** A page with the SDK loaded and a client created with `extra` options as `window.client`; what it reports goes to `window.errors`. */
async function pageWithClient(extra: Record<string, unknown> = {}) {
  const opened = await rig.openPage();
  await opened.page.goto(`${rig.pageUrl}/sdk`);
  await opened.page.evaluate((o) => {
    const w = window as any;
    w.errors = [];
    w.client = w.SwitchyardWeb.createClient({ ...o, onError: (e: unknown) => w.errors.push(String(e)) });
  }, options(extra));
  return opened;
}

const openStreams = () => rig.t.app.ofrepStreams.openStreams;

/** The number of event streams Switchyard holds once it has not changed for 300 ms (closed pages' streams have ended). */
async function settledStreamCount(): Promise<number> {
  let last = openStreams();
  for (let unchanged = 0; unchanged < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = openStreams();
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
  }
  return last;
}

/** Waits until Switchyard holds `count` event streams of this test's pages; fails saying how many it held. */
async function streamsOpen(count: number, what: string): Promise<void> {
  let last = -1;
  try {
    await until(what, () => (last = openStreams() - baseline) === count);
  } catch {
    throw new Error(`${what}: Switchyard held ${last} event streams of this test, not ${count}`);
  }
}
const bulkRequests = (page: Page) => {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === `${rig.apiUrl}/ofrep/v1/evaluate/flags`) seen.push(request);
  });
  return seen;
};

describe.skipIf(!hasChromium)('@switchyard/web in Chromium', () => {
  beforeAll(async () => {
    await rig.booleanFlag('checkout', false);
    await rig.booleanFlag('banner', true);
    await rig.api('POST', '/api/flags', { key: 'server-only', name: 'Server only', kind: 'boolean' });
    await rig.toggle('server-only', true);
    await rig.api('POST', '/api/flags', {
      key: 'layout',
      name: 'Layout',
      kind: 'json',
      variations: [{ columns: 2 }, { columns: 1 }],
      clientSideAvailable: true,
    });
    await rig.toggle('layout', true);
  });

  it('evaluates every client-side flag for the user in one request with the client key, and serves them', async () => {
    const { page, errors } = await rig.openPage();
    const requests = bulkRequests(page);
    await page.goto(`${rig.pageUrl}/sdk`);
    const result = await page.evaluate(async (o) => {
      const client = window.SwitchyardWeb.createClient(o);
      const fresh = await client.ready();
      return {
        fresh,
        all: client.allFlags(),
        checkout: client.isEnabled('checkout', true),
        banner: client.isEnabled('banner', false),
        layout: client.variation('layout', { columns: 0 }),
        wrongType: client.variation('banner', 'text'),
        missing: client.variation('nope', 'fallback'),
      };
    }, options());
    expect(result).toEqual({
      fresh: true,
      all: { checkout: false, banner: true, layout: { columns: 2 } },
      checkout: false,
      banner: true,
      layout: { columns: 2 },
      wrongType: 'text',
      missing: 'fallback',
    });
    const first = requests[0]!;
    expect(first.headers().authorization).toBe(`Bearer ${rig.clientKey}`);
    expect(first.postDataJSON()).toEqual({ context: { targetingKey: 'user-1' } });
    expect(errors).toEqual([]);
  });

  it('shows the bootstrap values on the first paint, then the values Switchyard answers', async () => {
    rig.serve('/checkout-bootstrap', () => ({ type: 'text/html', body: checkoutPage(sdk, options({ bootstrap: { checkout: true } })) }));
    const { page, errors } = await rig.openPage();
    await page.addInitScript(recordShown('checkout'));
    // Switchyard answers only once two frames were painted, so the first paint cannot have come from its answer.
    await page.route(`${rig.apiUrl}/ofrep/v1/evaluate/flags`, async (route) => {
      await until('two painted frames', () => page.evaluate(() => window.__frames.length >= 2));
      await route.continue();
    });
    await page.goto(`${rig.pageUrl}/checkout-bootstrap`);
    await page.waitForFunction(() => document.getElementById('checkout')?.textContent === 'off', undefined, { timeout: 10_000 });
    const { shown, frames } = await page.evaluate(() => ({ shown: window.__shown, frames: window.__frames }));
    // Bootstrap said on; Switchyard says off (the flag is off in production). Nothing else was ever shown.
    expect(shown).toEqual(['on', 'off']);
    expect(frames.find((text: string | null) => text !== null)).toBe('on');
    expect(errors).toEqual([]);
  });

  it('a toggle in the admin API reaches the page without a reload, changing only that flag', async () => {
    rig.serve('/checkout', () => ({ type: 'text/html', body: checkoutPage(sdk, options()) }));
    const { page, errors } = await rig.openPage();
    await page.goto(`${rig.pageUrl}/checkout`);
    await page.evaluate(async () => {
      const w = window as any;
      await w.client.ready();
      w.changes = [];
      w.bannerChanges = 0;
      w.client.on('change', (changes: unknown[]) => w.changes.push(changes));
      w.client.on('change:banner', () => w.bannerChanges++);
    });
    await streamsOpen(1, 'the event stream is open');
    expect(await page.textContent('#checkout')).toBe('off');

    const started = performance.now();
    await rig.toggle('checkout', true);
    await page.waitForFunction(() => document.getElementById('checkout')?.textContent === 'on', undefined, { timeout: 10_000 });
    const latencyMs = performance.now() - started;
    console.log(`admin toggle -> page DOM: ${latencyMs.toFixed(0)} ms`);

    const seen = await page.evaluate(() => ({ changes: window.changes, bannerChanges: window.bannerChanges }));
    expect(seen).toEqual({ changes: [[{ key: 'checkout', value: true, previous: false }]], bannerChanges: 0 });
    expect(errors).toEqual([]);
    await rig.toggle('checkout', false);
  });

  it('keeps working when a listener throws and the storage throws, and reports both', async () => {
    const { page } = await rig.openPage();
    await page.goto(`${rig.pageUrl}/sdk`);
    await page.evaluate(async (o) => {
      const w = window as any;
      w.errors = [];
      w.heard = [];
      const broken = {
        getItem() {
          throw new Error('storage read blocked');
        },
        setItem() {
          throw new Error('storage quota exceeded');
        },
      };
      w.client = w.SwitchyardWeb.createClient({ ...o, storage: broken, onError: (e: Error) => w.errors.push(e.message) });
      await w.client.ready();
      w.client.on('change:banner', () => {
        throw new Error('listener failed');
      });
      w.client.on('change:banner', (change: { value: unknown }) => w.heard.push(change.value));
    }, options());
    await streamsOpen(1, 'the event stream is open');
    await rig.toggle('banner', false);
    await page.waitForFunction(() => window.heard.length === 1, undefined, { timeout: 10_000 });
    const state = await page.evaluate(() => ({
      heard: window.heard,
      banner: window.client.isEnabled('banner', true),
      errors: window.errors,
    }));
    expect(state.heard).toEqual([false]);
    expect(state.banner).toBe(false);
    expect(state.errors).toEqual(expect.arrayContaining(['storage read blocked', 'storage quota exceeded', 'listener failed']));
    await rig.toggle('banner', true);
  });

  it('identify() fetches the new user’s values and tells of what changed for them', async () => {
    await rig.booleanFlag('beta', false);
    await rig.api('PUT', '/api/flags/beta/environments/production', {
      on: true,
      offVariation: 1,
      fallthrough: { variation: 1 },
      targets: [{ variation: 0, values: ['user-2'] }],
      rules: [],
      prerequisites: [],
    });
    const { page } = await pageWithClient();
    const result = await page.evaluate(async () => {
      const client = window.client;
      await client.ready();
      const before = client.isEnabled('beta', true);
      const changes: unknown[] = [];
      client.on('change', (c: unknown[]) => changes.push(...c));
      const fresh = await client.identify({ targetingKey: 'user-2' });
      return { before, fresh, after: client.isEnabled('beta', false), changes, context: client.context };
    });
    expect(result).toEqual({
      before: false,
      fresh: true,
      after: true,
      changes: [{ key: 'beta', value: true, previous: false }],
      context: { targetingKey: 'user-2' },
    });
  });

  it('ready() never hangs: false at once when Switchyard cannot be reached, false after its timeout when it does not answer', async () => {
    const { page } = await rig.openPage();
    await page.goto(`${rig.pageUrl}/sdk`);
    const unreachable = await page.evaluate(
      async (o) => {
        const client = window.SwitchyardWeb.createClient({ ...o, onError: () => {} });
        const started = performance.now();
        const fresh = await client.ready(20_000);
        return { fresh, waitedMs: performance.now() - started, checkout: client.isEnabled('checkout', true) };
      },
      options({ baseUrl: 'http://127.0.0.1:9' }),
    );
    expect(unreachable.fresh).toBe(false);
    expect(unreachable.waitedMs).toBeLessThan(20_000);
    expect(unreachable.checkout).toBe(true);

    await page.route(`${rig.apiUrl}/ofrep/v1/evaluate/flags`, () => {}); // held, never answered
    const silent = await page.evaluate(async (o) => window.SwitchyardWeb.createClient(o).ready(300), options());
    expect(silent).toBe(false);
  });

  it('an offline reload serves the values the last visit stored, and the key is never stored', async () => {
    rig.serve('/checkout-stored', () => ({ type: 'text/html', body: checkoutPage(sdk, options()) }));
    await rig.toggle('checkout', true);
    const { page, errors } = await rig.openPage();
    await page.goto(`${rig.pageUrl}/checkout-stored`);
    await page.waitForFunction(() => document.getElementById('checkout')?.textContent === 'on', undefined, { timeout: 10_000 });
    const online = await page.evaluate(async () => {
      await window.client.ready();
      return window.client.allFlags();
    });
    expect(online).toMatchObject({ checkout: true });

    // Switchyard becomes unreachable; the page itself still loads from its own server.
    await page.route(`${rig.apiUrl}/**`, (route) => route.abort('internetdisconnected'));
    await page.addInitScript(recordShown('checkout'));
    await page.reload();
    const afterReload = await page.evaluate(async () => ({
      shown: window.__shown,
      fresh: await window.client.ready(),
      all: window.client.allFlags(),
    }));
    expect(afterReload).toEqual({ shown: ['on'], fresh: false, all: online });

    const stored: [string, string][] = await page.evaluate(() => Object.entries(localStorage));
    expect(stored.map(([key]) => key)).toEqual([`switchyard:${rig.clientKey.slice(0, 14)}:user-1`]);
    expect(JSON.stringify(stored)).not.toContain(rig.clientKey);
    expect(JSON.parse(stored[0]![1])).toEqual(online);
    expect(errors).toEqual([]);
    await rig.toggle('checkout', false);
  });

  it('reconnects the event stream after it drops, and changes made meanwhile still arrive', async () => {
    const { page } = await pageWithClient();
    await page.evaluate(() => window.client.ready());
    await streamsOpen(1, 'the event stream is open');
    // Every connection to Switchyard is cut; a change is made while the page is disconnected.
    rig.t.app.server.closeAllConnections();
    await rig.toggle('layout', false);
    await page.waitForFunction(() => window.client.variation('layout', {}).columns === 1, undefined, { timeout: 15_000 });
    await streamsOpen(1, 'the event stream is open again');
    await rig.toggle('layout', true);
    await page.waitForFunction(() => window.client.variation('layout', {}).columns === 2, undefined, { timeout: 15_000 });
  });

  it('closes the event stream while the page is hidden, and catches up when it is shown again', async () => {
    const { page } = await pageWithClient();
    await page.evaluate(() => window.client.ready());
    await streamsOpen(1, 'the event stream is open');
    const setVisibility = (state: string) =>
      page.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    await streamsOpen(0, 'the hidden page’s event stream closed after its inactivity delay');
    await rig.toggle('banner', false);
    expect(await page.evaluate(() => window.client.isEnabled('banner', true))).toBe(true);
    await setVisibility('visible');
    await streamsOpen(1, 'the event stream is open again');
    await page.waitForFunction(() => window.client.isEnabled('banner', true) === false, undefined, { timeout: 10_000 });
    await rig.toggle('banner', true);
  });

  it('when its key is revoked, keeps serving the last values and stops asking (no stream, no retries)', async () => {
    const key = await rig.api('POST', '/api/tokens', { name: 'revoked web app', kind: 'client', environment: 'production' });
    const { page } = await pageWithClient({ clientKey: key.secret });
    const requests = bulkRequests(page);
    expect(await page.evaluate(() => window.client.ready())).toBe(true);
    await streamsOpen(1, 'the event stream is open');
    await rig.api('DELETE', `/api/tokens/${key.id}`);
    // Switchyard ends the key's stream; the client asks again, is refused (401), and stops there.
    await streamsOpen(0, 'the revoked key’s stream ended');
    await page.waitForFunction(() => window.errors.some((e: string) => e.includes('401')), undefined, { timeout: 10_000 });
    const asked = requests.length;
    expect(await page.evaluate(() => window.client.allFlags())).toMatchObject({ banner: true, layout: { columns: 2 } });
    await rig.toggle('banner', false);
    await rig.toggle('banner', true);
    // Longer than the first two reconnection delays (at most 1 s, then 2 s): a client still retrying would have asked again.
    await page.waitForTimeout(3_000);
    expect(openStreams() - baseline).toBe(0);
    expect(requests.length).toBe(asked);
  });

  it('close() ends the event stream and updates', async () => {
    const { page } = await pageWithClient();
    await page.evaluate(() => window.client.ready());
    await streamsOpen(1, 'the event stream is open');
    await page.evaluate(() => window.client.close());
    await streamsOpen(0, 'the event stream is closed');
    expect(await page.evaluate(() => window.client.isEnabled('banner', false))).toBe(true);
  });
});
