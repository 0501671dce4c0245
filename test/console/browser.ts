/**
 * The console's browser tests drive Debian's Chromium through playwright-core against a real server
 * (createTestApp, listening on 127.0.0.1) on the real PostgreSQL.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// A browser story clicks through several pages against a real server; on a loaded 2-core machine one
// took over the suite's 30 s default (while the rest of the suite ran beside it). Every file that drives
// the browser imports this module, so the longer limit applies to exactly those files.
vi.setConfig({ testTimeout: 120_000 });

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where the tests write the README's screenshots. */
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** A test file's server and browser: a Switchyard app on the real PostgreSQL listening on 127.0.0.1, and Chromium when installed. */
export type ConsoleRig = {
  readonly t: TestApp;
  readonly baseUrl: string;
  /** Undefined when Chromium is not installed (the browser tests then skip). */
  readonly browser: Browser;
  /** An admin API call that must succeed; its JSON answer. */
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
  /** Signs in on the sign-in page with `token`, the admin's unless told, and waits for the flags page. */
  signIn(page: Page, token?: string): Promise<void>;
  /** A fresh page (see openPage) at `width` px, signed in with `token`, the admin's unless told. */
  signedInPage(options?: { token?: string; width?: number }): Promise<ConsolePage>;
  /**
   * Signs `page` in with `token`, the admin's unless told, and follows `link` in the Main navigation, as
   * a person would, to the page titled `heading` (the link's name unless told) at `path`.
   */
  signInAndNavigate(page: Page, to: { link: string; heading?: string; path: string }, token?: string): Promise<void>;
};

type Started = { t: TestApp; baseUrl: string; browser: Browser };

/**
 * The test file's rig. It registers the hooks itself: beforeAll starts the server and Chromium, afterEach
 * closes the pages the test opened, afterAll closes the rig. `t`, `baseUrl` and `browser` are readable once
 * beforeAll has run; the functions read them when called, so `const { api } = rig` may stand at the top of
 * a file. A file's own beforeAll and afterAll, registered after this call, run after the start and before
 * the close (vitest runs before-hooks in order and after-hooks in reverse).
 */
export function setUpConsoleRig(): ConsoleRig {
  let started: Started | undefined;
  beforeAll(async () => {
    const t = await createTestApp();
    const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const browser = hasChromium ? await launchChromium() : (undefined as unknown as Browser);
    mkdirSync(SCREENSHOTS, { recursive: true });
    started = { t, baseUrl, browser };
  });
  afterEach(closePages);
  afterAll(async () => {
    if (!started) return;
    await started.browser?.close();
    // Node's fetch keeps its connections to the server alive; they must not hold up its close.
    started.t.app.server.closeAllConnections();
    await started.t.close();
  });

  const current = (): Started => {
    if (!started) throw new Error('the console rig starts in beforeAll: read it in a hook or a test');
    return started;
  };
  const signIn = (page: Page, token = current().t.adminToken) => signInAt(current().baseUrl, page, token);
  return {
    get t() {
      return current().t;
    },
    get baseUrl() {
      return current().baseUrl;
    },
    get browser() {
      return current().browser;
    },
    async api(method, url, body, headers = {}) {
      const res = await current().t.request(method, url, body === undefined ? { headers } : { body, headers });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
      return res.json();
    },
    signIn,
    async signedInPage({ token, width } = {}) {
      const opened = await openPage(current().browser, width);
      await signIn(opened.page, token);
      return opened;
    },
    async signInAndNavigate(page, { link, heading, path }, token) {
      await signIn(page, token);
      await followMainNavigation(page, link, heading);
      expect(new URL(page.url()).pathname).toBe(path);
    },
  };
}

const open: BrowserContext[] = [];

/** Closes the pages a test opened, passed or failed (a page left polling would keep the server busy). */
async function closePages(): Promise<void> {
  await Promise.all(open.splice(0).map((context) => context.close()));
}

export type ConsolePage = { context: BrowserContext; page: Page; problems: string[] };

/**
 * A fresh context (no cookies) and page at `width` px. `problems` collects what must never happen:
 * errors in the page, console errors (CSP violations are reported there) and failed requests.
 */
export async function openPage(browser: Browser, width = 1280): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 800 }, reducedMotion: 'reduce' });
  open.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 401 from GET /api/session is how a signed-out page learns it must sign in.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

type AxeViolation = { id: string; impact: string | null; help: string; nodes: number };

/**
 * Runs axe-core in the page and returns its serious and critical violations. The script is evaluated
 * through the DevTools protocol, which the page's CSP does not govern, so the CSP stays as served.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function signInAt(baseUrl: string, page: Page, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
}

/**
 * Follows `link` in the Main navigation, as a person would, and waits for the page it leads to: the one
 * whose heading is `heading`, the link's own name unless told.
 */
export async function followMainNavigation(page: Page, link: string, heading = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

/** The page's width in CSS pixels against what it shows: no horizontal scrolling. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const widths = (await page.evaluate(
    '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
  )) as {
    scroll: number;
    client: number;
  };
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
}
