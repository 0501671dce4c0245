/**
 * The console's tokens page (issue 13) in Chromium against a real server on the real PostgreSQL: the
 * list, creating a person or an SDK key with its secret shown once, changing a person's roles
 * (PATCH /api/tokens/:id), revoking; admins of every environment only.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, openPage, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

const openTokens = (page: Page, token?: string) => rig.signInAndNavigate(page, { link: 'Tokens', path: '/tokens' }, token);

const row = (page: Page, name: string | RegExp) =>
  page.locator('.data-table tbody tr').filter({ has: page.getByRole('rowheader', { name }) });
const tokenNamed = async (name: string) => (await api('GET', '/api/tokens')).items.find((x: { name: string }) => x.name === name);

describe.skipIf(!hasChromium)('the tokens page', () => {
  it('creates a person with roles, shows the secret once with a copy button, changes the roles and revokes', async () => {
    const { context, page, problems } = await openPage(rig.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.baseUrl });
    await openTokens(page);
    const admin = row(page, /^admin/);
    await admin.waitFor();
    expect(await admin.textContent()).toContain('person');

    await page.getByRole('button', { name: 'New token' }).click();
    const create = page.getByRole('dialog', { name: 'New token' });
    await create.getByLabel('Name').fill('Ada Lovelace');
    await create.getByLabel('Role', { exact: true }).selectOption('editor');
    await create.getByLabel('Production').selectOption('viewer');
    await create.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'The secret of Ada Lovelace' });
    await shown.getByText('Copy it now: it will not be shown again.').waitFor();
    const secret = await shown.getByLabel('Secret').inputValue();
    expect(secret).toMatch(/^sy_admin_/);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    expect(await seriousViolations(page)).toEqual([]);
    await shown.getByRole('button', { name: 'I have stored it' }).click();
    // Gone from the page for good; the server has only its hash.
    expect(await page.content()).not.toContain(secret);

    // The secret works, with the roles chosen.
    expect(
      (await rig.t.request('POST', '/api/flags', { token: secret, body: { key: 'by-ada', name: 'x', kind: 'boolean' } })).statusCode,
    ).toBe(201);
    expect(await tokenNamed('Ada Lovelace')).toMatchObject({ kind: 'admin', role: 'editor', environmentRoles: { production: 'viewer' } });
    const ada = row(page, 'Ada Lovelace');
    await ada.waitFor();
    expect(await ada.textContent()).toContain('viewer in production');
    await page.screenshot({ path: `${SCREENSHOTS}tokens.png`, fullPage: true });

    await page.getByRole('button', { name: 'Change roles of Ada Lovelace' }).click();
    const roles = page.getByRole('dialog', { name: 'Roles of Ada Lovelace' });
    expect(await roles.getByLabel('Role', { exact: true }).inputValue()).toBe('editor');
    await roles.getByLabel('Role', { exact: true }).selectOption('viewer');
    await roles.getByLabel('Production').selectOption('');
    await roles.getByLabel('Staging').selectOption('editor');
    await roles.getByRole('button', { name: 'Save roles' }).click();
    await page.getByText('Ada Lovelace is now viewer, with roles per environment.').waitFor();
    expect(await tokenNamed('Ada Lovelace')).toMatchObject({ role: 'viewer', environmentRoles: { staging: 'editor' } });
    // At once: an editor in staging only, Ada may still create a flag but no longer change one's definition (every environment's).
    expect(
      (await rig.t.request('POST', '/api/flags', { token: secret, body: { key: 'by-ada-2', name: 'x', kind: 'boolean' } })).statusCode,
    ).toBe(201);
    expect((await rig.t.request('PATCH', '/api/flags/by-ada', { token: secret, body: { name: 'y' } })).statusCode).toBe(403);

    await page.getByRole('button', { name: 'Revoke Ada Lovelace' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke Ada Lovelace?' });
    await revoke.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('Revoked Ada Lovelace.').waitFor();
    await expect.poll(() => row(page, 'Ada Lovelace').count()).toBe(0);
    expect((await rig.t.request('GET', '/api/flags', { token: secret })).statusCode).toBe(401);
    expect(problems).toEqual([]);
  });

  it('creates a server key for one environment; its secret field selects itself for copying by hand', async () => {
    const { page, problems } = await openPage(rig.browser);
    await openTokens(page);
    await page.getByRole('button', { name: 'New token' }).click();
    const create = page.getByRole('dialog', { name: 'New token' });
    await create.getByLabel('Name').fill('checkout backend');
    await create.getByLabel('Kind').selectOption('server');
    // Keys have an environment, not roles.
    expect(await create.getByLabel('Role', { exact: true }).count()).toBe(0);
    await create.getByLabel('Environment').selectOption('staging');
    await create.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'The secret of checkout backend' });
    const field = shown.getByLabel('Secret');
    await field.focus();
    const selected = await field.evaluate((el) => {
      const input = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return input.value.slice(input.selectionStart, input.selectionEnd);
    });
    expect(selected).toMatch(/^sy_server_/);
    expect(selected).toBe(await field.inputValue());
    await shown.getByRole('button', { name: 'I have stored it' }).click();
    const key = row(page, 'checkout backend');
    await key.waitFor();
    expect(await key.textContent()).toContain('server key');
    expect(await key.textContent()).toContain('staging');
    // A key has no roles to change.
    expect(await page.getByRole('button', { name: 'Change roles of checkout backend' }).count()).toBe(0);
    expect(await tokenNamed('checkout backend')).toMatchObject({ kind: 'server', environment: 'staging' });
    expect(problems).toEqual([]);
  });

  it('refuses, with the server’s reason, to take the last admin of every environment down', async () => {
    const { page, problems } = await openPage(rig.browser);
    await openTokens(page);
    const name =
      (await row(page, /^admin/)
        .locator('.item-name')
        .textContent()) ?? '';
    await page.getByRole('button', { name: `Change roles of ${name}` }).click();
    const roles = page.getByRole('dialog', { name: `Roles of ${name}` });
    await roles.getByLabel('Role', { exact: true }).selectOption('editor');
    await roles.getByRole('button', { name: 'Save roles' }).click();
    await roles
      .getByRole('alert')
      .getByText(/last token that is an admin in every environment/)
      .waitFor();
    expect(await tokenNamed(name)).toMatchObject({ role: 'admin' });
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
  });

  it('tells others it is for admins only, and the API refuses them', async () => {
    const editor = await api('POST', '/api/tokens', { name: 'Eve Editor', kind: 'admin', role: 'editor' });
    const { page, problems } = await openPage(rig.browser);
    await openTokens(page, editor.secret);
    await page.getByText('Admins only.').waitFor();
    expect(await page.getByRole('button', { name: 'New token' }).count()).toBe(0);
    expect(await page.locator('.data-table').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    const self = await tokenNamed('Eve Editor');
    expect((await rig.t.request('POST', '/api/tokens', { token: editor.secret, body: { name: 'x', kind: 'admin' } })).statusCode).toBe(403);
    expect((await rig.t.request('PATCH', `/api/tokens/${self.id}`, { token: editor.secret, body: { role: 'admin' } })).statusCode).toBe(
      403,
    );
    expect((await rig.t.request('DELETE', `/api/tokens/${self.id}`, { token: editor.secret })).statusCode).toBe(403);
    expect(problems).toEqual([]);
  });

  it('works at 390 px: no horizontal scrolling, axe clean', async () => {
    const { page, problems } = await openPage(rig.browser, 390);
    await openTokens(page);
    await row(page, /^admin/).waitFor();
    await expectNoHorizontalScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
