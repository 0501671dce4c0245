/**
 * The console's environments page (issue 13) in Chromium against a real server on the real PostgreSQL:
 * list with the production one marked, create, rename, delete with confirmation; and the layout's
 * production marker on every page that shows a production environment.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, openPage, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

const openEnvironments = (page: Page, token?: string) =>
  rig.signInAndNavigate(page, { link: 'Environments', path: '/environments' }, token);

const row = (page: Page, name: string) => page.locator('.data-table tbody tr').filter({ has: page.getByRole('rowheader', { name }) });
const marker = (page: Page) => page.getByRole('region', { name: 'Production environment' });

describe.skipIf(!hasChromium)('the environments page', () => {
  it('lists the environments with production marked, and creates, renames and deletes one', async () => {
    const { page, problems } = await openPage(rig.browser);
    await openEnvironments(page);
    await row(page, 'Production').waitFor();
    const names = await page.locator('.data-table tbody th .item-name').allTextContents();
    expect(names).toEqual(['Development', 'Staging', 'ProductionProduction']);
    expect(await row(page, 'Production').locator('.badge').textContent()).toBe('Production');
    expect(await row(page, 'Staging').locator('.badge').count()).toBe(0);

    await page.getByRole('button', { name: 'New environment' }).click();
    const create = page.getByRole('dialog', { name: 'New environment' });
    await create.getByLabel('Name').fill('QA');
    expect(await create.getByLabel('Key').inputValue()).toBe('qa');
    await create.getByRole('button', { name: 'Create environment' }).click();
    await page.getByText('Created QA (qa): every flag is off there.').waitFor();
    await row(page, 'QA').waitFor();
    expect((await api('GET', '/api/environments/qa')).name).toBe('QA');

    await page.getByRole('button', { name: 'Rename QA' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename QA' });
    await rename.getByLabel('Name').fill('Quality assurance');
    await rename.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Renamed qa to Quality assurance.').waitFor();
    expect((await api('GET', '/api/environments/qa')).name).toBe('Quality assurance');

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}environments.png`, fullPage: true });

    await page.getByRole('button', { name: 'Delete Quality assurance' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Quality assurance?' });
    expect(await confirm.textContent()).toContain('Its flag configurations, segments and SDK keys are deleted with it');
    // Cancelling deletes nothing.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await rig.t.request('GET', '/api/environments/qa')).statusCode).toBe(200);
    await page.getByRole('button', { name: 'Delete Quality assurance' }).click();
    await confirm.getByRole('button', { name: 'Delete Quality assurance' }).click();
    await page.getByText('Deleted Quality assurance.').waitFor();
    await expect.poll(() => row(page, 'Quality assurance').count()).toBe(0);
    expect((await rig.t.request('GET', '/api/environments/qa')).statusCode).toBe(404);

    // Deleting production says so first.
    await page.getByRole('button', { name: 'Delete Production' }).click();
    await page.getByRole('dialog', { name: 'Delete Production?' }).getByText('Production is a production environment.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('dialog', { name: 'Delete Production?' }).getByRole('button', { name: 'Cancel' }).click();
    expect(problems).toEqual([]);
  });

  it('marks production in the layout while a page shows it, and only then', async () => {
    await api('POST', '/api/flags', { key: 'marked', name: 'Marked', kind: 'boolean' });
    const { page, problems } = await rig.signedInPage();
    await page.goto(`${rig.baseUrl}/segments/production`);
    await page.getByRole('heading', { name: 'Segments in Production', level: 1 }).waitFor();
    await marker(page).waitFor();
    expect(await marker(page).textContent()).toBe('Production: you are looking at Production. Changes here reach real users.');
    expect(await seriousViolations(page)).toEqual([]);

    // Switching to another environment takes the marker away; the flag's page in production shows it again.
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: 'Staging' }).click();
    await page.getByRole('heading', { name: 'Segments in Staging', level: 1 }).waitFor();
    await expect.poll(() => marker(page).count()).toBe(0);
    await page.goto(`${rig.baseUrl}/flags/marked/production`);
    await marker(page).waitFor();
    await page.goto(`${rig.baseUrl}/environments`);
    await page.getByRole('heading', { name: 'Environments', level: 1 }).waitFor();
    expect(await marker(page).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('offers a viewer no change, and the API refuses the viewer’s', async () => {
    const viewer = await api('POST', '/api/tokens', { name: 'Vic Viewer', kind: 'admin', role: 'viewer' });
    const { page, problems } = await openPage(rig.browser);
    await openEnvironments(page, viewer.secret);
    await row(page, 'Staging').waitFor();
    expect(await page.getByRole('button', { name: 'New environment' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Rename|^Delete/ }).count()).toBe(0);
    expect(await row(page, 'Staging').getByText('Admins only').count()).toBe(1);
    await page.getByText('Creating environments needs the admin role in every environment.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    expect((await rig.t.request('POST', '/api/environments', { token: viewer.secret, body: { key: 'x', name: 'X' } })).statusCode).toBe(
      403,
    );
    expect((await rig.t.request('PATCH', '/api/environments/staging', { token: viewer.secret, body: { name: 'X' } })).statusCode).toBe(403);
    expect((await rig.t.request('DELETE', '/api/environments/staging', { token: viewer.secret })).statusCode).toBe(403);
    expect(problems).toEqual([]);
  });

  it('works at 390 px: no horizontal scrolling, axe clean', async () => {
    const { page, problems } = await openPage(rig.browser, 390);
    await openEnvironments(page);
    await row(page, 'Production').waitFor();
    await expectNoHorizontalScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
