/**
 * The console's browser tests drive Debian's Chromium through playwright-core against a real server
 * (createTestApp, listening on 127.0.0.1) on the real PostgreSQL.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect, vi } from 'vitest';
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
  t: TestApp;
  baseUrl: string;
  /** Undefined when Chromium is not installed (the browser tests then skip). */
  browser: Browser;
  /** An admin API call that must succeed; its JSON answer. */
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
  close(): Promise<void>;
};

export async function startConsoleRig(): Promise<ConsoleRig> {
  const t = await createTestApp();
  const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = hasChromium ? await launchChromium() : (undefined as unknown as Browser);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    t,
    baseUrl,
    browser,
    async api(method, url, body, headers = {}) {
      const res = await t.request(method, url, body === undefined ? { headers } : { body, headers });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
      return res.json();
    },
    async close() {
      await browser?.close();
      // Node's fetch keeps its connections to the server alive; they must not hold up its close.
      t.app.server.closeAllConnections();
      await t.close();
    },
  };
}

const open: BrowserContext[] = [];

/** Closes the pages a test opened, passed or failed (a page left polling would keep the server busy). */
export async function closePages(): Promise<void> {
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

export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
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
