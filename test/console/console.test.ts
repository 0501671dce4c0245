/**
 * The console (issue 13) in a real browser: Debian's Chromium, driven by playwright-core, against a
 * real server on the real PostgreSQL. It writes the README's screenshots to docs/screenshots/.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../server/src/http/console.ts';
import { expectNoHorizontalScroll, hasChromium, openPage, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const screenshot = (page: Page, name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png` });

const rig = setUpConsoleRig();
const { api } = rig;

/** Sign-in needs the session routes (POST/GET/DELETE /api/session), read from the OpenAPI document. */
let hasSessions = false;

beforeAll(async () => {
  const paths = Object.keys(((await rig.t.request('GET', '/docs/json', { token: null })).json() as { paths: object }).paths);
  hasSessions = paths.includes('/api/session') || paths.includes('/api/session/');
});

describe('serving the console', () => {
  it('serves index.html at / and at any console path, with the console CSP and no caching', async () => {
    for (const path of ['/', '/flags', '/flags/new-checkout/production']) {
      const res = await fetch(`${rig.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy'), path).toBe(CONSOLE_CSP);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(await res.text(), path).toContain('<div id="root"></div>');
    }
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).not.toContain('unsafe-eval');
  });

  it('serves the hashed assets with a year of caching, and a missing asset is a 404', async () => {
    const html = await (await fetch(`${rig.baseUrl}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(`${rig.baseUrl}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${rig.baseUrl}/assets/index-missing.js`)).status).toBe(404);
    // No inline script or style for the CSP to refuse.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
  });

  it('leaves the API, SDK, docs and trigger paths to the server: JSON 404s with the API CSP', async () => {
    for (const path of ['/api/no-such-route', '/sdk/no-such-route', '/docs/no-such-page.js', '/triggers/nope/more']) {
      const res = await fetch(`${rig.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(res.headers.get('content-security-policy'), path).not.toBe(CONSOLE_CSP);
    }
  });
});

describe.skipIf(!hasChromium)('the console in Chromium', () => {
  it('loads without a script error or a CSP violation', async () => {
    const { page, problems } = await openPage(rig.browser);
    await page.goto(`${rig.baseUrl}/`);
    await page.locator('#root > *').first().waitFor();
    expect(problems).toEqual([]);
  });
});

// Skipped, saying why, only while the server has no /api/session routes (another slice of issue 13 adds
// them): these start running by themselves once the OpenAPI document lists the routes.
describe.skipIf(!hasChromium)('signed in through the page (needs the /api/session routes)', () => {
  const needSessions = (ctx: { skip: (note?: string) => void }) => {
    if (!hasSessions) ctx.skip('the server has no /api/session routes yet (not in /docs/json)');
  };

  it('refuses a wrong token, signs in with a right one, and passes axe on the sign-in page', async (ctx) => {
    needSessions(ctx);
    const { context, page, problems } = await openPage(rig.browser);
    await page.goto(`${rig.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to Switchyard' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');

    await page.getByLabel('API token').fill('sy_admin_not-a-real-token-at-all-000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

    await page.getByLabel('API token').fill(rig.t.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    // The token is nowhere in the browser's storage; the session is an HttpOnly cookie.
    const storage = (await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])')) as string;
    expect(storage).not.toContain(rig.t.adminToken);
    const cookie = (await context.cookies()).find((c) => c.name === 'sy_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // A reload keeps the session (GET /api/session gives the CSRF token back), and signing out ends it.
    await page.reload();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Switchyard' }).waitFor();
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
  });

  it('creates a flag, turns it on in production through the confirmation dialog, and the audit log names the person', async (ctx) => {
    needSessions(ctx);
    for (const [key, name, tags] of [
      ['dark-mode', 'Dark mode', ['web']],
      ['search-ranking-v2', 'Search ranking v2', ['search', 'team-a']],
    ] as const) {
      await api('POST', '/api/flags', { key, name, kind: 'boolean', tags });
    }
    await api('POST', '/api/flags/dark-mode/environments/staging/toggle', { on: true });

    const { page, problems } = await rig.signedInPage();
    const person = (await page.locator('.account-name').textContent())?.trim();

    await page.getByRole('button', { name: 'New flag' }).click();
    const create = page.getByRole('dialog', { name: 'New flag' });
    await create.getByLabel('Name').fill('New checkout');
    expect(await create.getByLabel('Key').inputValue()).toBe('new-checkout');
    await create.getByRole('button', { name: 'Create flag' }).click();
    await create.waitFor({ state: 'detached' });
    const production = page.getByRole('switch', { name: /^new-checkout in production$/i });
    await production.waitFor();
    expect(await production.getAttribute('aria-checked')).toBe('false');
    expect(await api('GET', '/api/flags/new-checkout')).toMatchObject({ name: 'New checkout', kind: 'boolean' });
    expect(await seriousViolations(page)).toEqual([]);

    await production.click();
    const confirm = page.getByRole('dialog', { name: /^Turn on new-checkout in production\?$/i });
    await confirm.getByText('off → on').waitFor();
    await confirm.getByRole('button', { name: /^Turn on in production$/i, disabled: false }).waitFor();
    await screenshot(page, 'confirm-production-toggle');
    await confirm.getByRole('button', { name: /^Turn on in production$/i }).click();
    await page.getByRole('switch', { name: /^new-checkout in production$/i, checked: true }).waitFor();
    expect((await api('GET', '/api/flags/new-checkout')).environments.production.on).toBe(true);

    const audit = await api('GET', '/api/audit?flag=new-checkout&environment=production');
    const toggled = audit.items.filter((e: { after: { on?: boolean } | null }) => e.after?.on === true);
    expect(toggled).toHaveLength(1);
    expect(toggled[0].actor).toBe(person);

    // A staging toggle asks nothing.
    await page.getByRole('switch', { name: /^new-checkout in staging$/i }).click();
    await page.getByRole('switch', { name: /^new-checkout in staging$/i, checked: true }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await screenshot(page, 'flags');
    expect(problems).toEqual([]);
  });

  it('shows other people’s changes without a reload', async (ctx) => {
    needSessions(ctx);
    const { page, problems } = await rig.signedInPage();
    await api('POST', '/api/flags', { key: 'someone-elses-flag', name: 'Someone else’s flag', kind: 'boolean' });
    await page.getByRole('switch', { name: /^someone-elses-flag in development$/i, checked: false }).waitFor();
    await api('POST', '/api/flags/someone-elses-flag/environments/development/toggle', { on: true });
    await page.getByRole('switch', { name: /^someone-elses-flag in development$/i, checked: true }).waitFor();
    expect(problems).toEqual([]);
  });

  it('toggles in production with the keyboard alone, with a visible focus', async (ctx) => {
    needSessions(ctx);
    await api('POST', '/api/flags', { key: 'keyboard-flag', name: 'Keyboard flag', kind: 'boolean' });
    const { page, problems } = await openPage(rig.browser);
    await page.goto(`${rig.baseUrl}/`);
    await page.getByLabel('API token').waitFor();
    // The field has the focus on load: type, then Enter submits.
    await page.keyboard.type(rig.t.adminToken);
    await page.keyboard.press('Enter');
    const target = page.getByRole('switch', { name: /^keyboard-flag in production$/i });
    await target.waitFor();

    const focused = () =>
      page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")') as Promise<string | null>;
    let presses = 0;
    while (!/^keyboard-flag in production$/i.test((await focused()) ?? '')) {
      await page.keyboard.press('Tab');
      expect(++presses, 'Tab presses to reach the switch').toBeLessThan(80);
    }
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');

    await page.keyboard.press('Space');
    const confirm = page.getByRole('dialog', { name: /^Turn on keyboard-flag in production\?$/i });
    await confirm.getByRole('button', { name: /^Turn on in production$/i, disabled: false }).waitFor();
    // The dialog opens on Cancel (the safe choice); Tab moves to the confirmation.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toMatch(/^Turn on in production$/i);
    await page.keyboard.press('Enter');
    await page.getByRole('switch', { name: /^keyboard-flag in production$/i, checked: true }).waitFor();
    expect((await api('GET', '/api/flags/keyboard-flag')).environments.production.on).toBe(true);

    // Escape cancels: nothing changes.
    await target.focus();
    await page.keyboard.press('Space');
    await confirm.or(page.getByRole('dialog', { name: /^Turn off keyboard-flag in production\?$/i })).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect((await api('GET', '/api/flags/keyboard-flag')).environments.production.on).toBe(true);
    expect(problems).toEqual([]);
  });

  it('works at 390 px: no horizontal scrolling, every switch usable, axe clean', async (ctx) => {
    needSessions(ctx);
    const { page, problems } = await rig.signedInPage({ width: 390 });
    const devSwitch = page.getByRole('switch', { name: /^dark-mode in development$/i });
    await devSwitch.waitFor();
    await expectNoHorizontalScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    await devSwitch.click();
    await page.getByRole('switch', { name: /^dark-mode in development$/i, checked: true }).waitFor();
    await screenshot(page, 'flags-390px');
    expect(problems).toEqual([]);
  });

  it('pages through many flags and filters them on the server', async (ctx) => {
    needSessions(ctx);
    const keys = Array.from({ length: 60 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < keys.length; i += 10) {
      await Promise.all(keys.slice(i, i + 10).map((key) => api('POST', '/api/flags', { key, name: key, kind: 'boolean', tags: ['bulk'] })));
    }
    const { total } = await api('GET', '/api/flags?limit=1');
    const { page, problems } = await rig.signedInPage();
    await page.getByText(`1–50 of ${total}`).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`51–${total} of ${total}`).waitFor();

    await page.getByRole('searchbox', { name: 'Search' }).fill('bulk-05');
    await page.getByText('1–10 of 10').waitFor();
    expect(await page.getByRole('switch', { name: /in production$/i }).count()).toBe(10);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('textbox', { name: 'Tags', exact: true }).fill('bulk');
    await page.getByText('1–50 of 60').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('no-flag-is-called-this');
    await page.getByText('No flag matches these filters.').waitFor();
    expect(problems).toEqual([]);
  });
});
