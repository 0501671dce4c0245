/**
 * The flags page (issue 13) in a real browser against a real server: editing a flag's metadata (with
 * If-Match, so a stale edit is refused and said so), archiving with a confirmation, "Show archived" and
 * restoring, the "in a release" and "scheduled" badges per environment, and none of it for viewers.
 */
import { randomUUID } from 'node:crypto';
import type { MetricsReport } from '@switchyard/sdk/model';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.ts';
import { expectNoHorizontalScroll, hasChromium, seriousViolations, setUpConsoleRig } from './browser.ts';

/** A whole story in a browser: generous, as the machine may be busy; waits inside are for states, not times. */
const STORY_TIMEOUT_MS = 120_000;

const rig = setUpConsoleRig();
const { api } = rig;

const createFlag = (key: string, name: string, tags: string[] = []) => api('POST', '/api/flags', { key, name, kind: 'boolean', tags });

/** The list's row of one flag, found by its key. */
const rowOf = (page: Page, key: string) => page.locator('tbody tr', { has: page.locator('code', { hasText: new RegExp(`^${key}$`) }) });

/** Makes `key` evaluated in production, as a server SDK reports it: its status there becomes active. */
async function reportEvaluated(key: string) {
  const serverKey = await rig.t.createToken('server', 'production');
  const report: MetricsReport = {
    reportId: randomUUID(),
    sdk: { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'flags-metadata', mode: 'streaming', snapshotVersion: 1 },
    window: { start: Date.now() - 60_000, end: Date.now() - 50_000 },
    evaluations: [{ flag: key, variation: 0, count: 10 }],
    events: [],
    guarded: [],
    dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0 },
  };
  const res = await rig.t.request('POST', '/sdk/metrics', { token: serverKey, body: report });
  expect(res.statusCode, res.body).toBe(202);
  await until(
    `${key} is active in production`,
    async () =>
      (await api('GET', `/api/flags?env=production&q=${key}`)).items.some(
        (f: { key: string; status: string }) => f.key === key && f.status === 'active',
      ),
    30_000,
  );
}

describe.skipIf(!hasChromium)('editing, archiving and restoring flags from the flags page', () => {
  it(
    'edits a flag’s metadata from its row, with the keyboard, and the server stores it',
    async () => {
      await createFlag('checkout-copy', 'Checkout copy', ['web']);
      const { page, problems } = await rig.signedInPage();
      const edit = rowOf(page, 'checkout-copy').getByRole('button', { name: 'Edit checkout-copy' });
      await edit.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Edit checkout-copy' });
      await dialog.waitFor();
      expect(await dialog.getByLabel('Name').inputValue()).toBe('Checkout copy');
      expect(await seriousViolations(page)).toEqual([]);

      await dialog.getByLabel('Name').fill('Checkout wording');
      await dialog.getByLabel('Description').fill('New wording of the checkout button');
      await dialog.getByLabel('Tags').fill('web, copy');
      await dialog.getByLabel(/^Temporary/).uncheck();
      await dialog.getByLabel(/^Available to client-side SDKs/).check();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });

      expect(await api('GET', '/api/flags/checkout-copy')).toMatchObject({
        name: 'Checkout wording',
        description: 'New wording of the checkout button',
        tags: ['web', 'copy'],
        temporary: false,
        clientSideAvailable: true,
        version: 2,
      });
      const row = rowOf(page, 'checkout-copy');
      await row.getByText('Checkout wording').waitFor();
      await row.getByText('copy', { exact: true }).waitFor();
      expect(problems).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'refuses a stale metadata edit with a clear message, then saves on top of the current version',
    async () => {
      await createFlag('pricing-banner', 'Pricing banner');
      const { page, problems } = await rig.signedInPage();
      await rowOf(page, 'pricing-banner').getByRole('button', { name: 'Edit pricing-banner' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit pricing-banner' });
      await dialog.getByLabel('Name').fill('Pricing banner (mine)');

      // Someone else renames the flag while the dialog is open.
      await api('PATCH', '/api/flags/pricing-banner', { name: 'Pricing banner (theirs)' }, { 'if-match': '"1"' });
      await dialog.getByRole('button', { name: 'Save' }).click();
      const alert = dialog.getByRole('alert');
      await alert.filter({ hasText: 'someone changed pricing-banner since this dialog opened' }).waitFor();
      expect((await api('GET', '/api/flags/pricing-banner')).name).toBe('Pricing banner (theirs)');

      await dialog.getByRole('button', { name: 'Load the current version' }).click();
      await until('their version is loaded', async () => (await dialog.getByLabel('Name').inputValue()) === 'Pricing banner (theirs)');
      await dialog.getByLabel('Name').fill('Pricing banner (agreed)');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await api('GET', '/api/flags/pricing-banner')).toMatchObject({ name: 'Pricing banner (agreed)', version: 3 });
      // The refused save is the one failed request, and the browser logs it.
      expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 412 (Precondition Failed)']);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'edits the details from the flag’s own page',
    async () => {
      await createFlag('header-edit', 'Header edit');
      const { page, problems } = await rig.signedInPage();
      await page.goto(`${rig.baseUrl}/flags/header-edit/staging`);
      await page.getByRole('button', { name: 'Edit details' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit header-edit' });
      await dialog.getByLabel('Name').fill('Header edited');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Header edited', level: 1 }).waitFor();
      expect((await api('GET', '/api/flags/header-edit')).name).toBe('Header edited');
      expect(problems).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'archives after a confirmation that warns while code still evaluates the flag; “Show archived” lists it; Restore brings it back',
    async () => {
      await createFlag('old-promo', 'Old promo');
      await reportEvaluated('old-promo');
      const { page, problems } = await rig.signedInPage();
      const row = rowOf(page, 'old-promo');
      await row.getByRole('button', { name: 'Archive old-promo' }).click();
      const dialog = page.getByRole('dialog', { name: 'Archive old-promo?' });
      await dialog.getByText(/SDKs stop receiving it/).waitFor();
      await dialog.getByText(/Still evaluated in production/i).waitFor();
      expect(await seriousViolations(page)).toEqual([]);

      // Cancel archives nothing.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect((await api('GET', '/api/flags/old-promo')).archived).toBe(false);

      await row.getByRole('button', { name: 'Archive old-promo' }).click();
      await dialog.getByRole('button', { name: 'Archive flag' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await api('GET', '/api/flags/old-promo')).archived).toBe(true);

      await page.getByLabel('Show archived').check();
      await row.getByText('archived', { exact: true }).waitFor();
      expect(await row.getByRole('button', { name: 'Archive old-promo' }).count()).toBe(0);
      await row.getByRole('button', { name: 'Restore old-promo' }).click();
      await row.getByRole('button', { name: 'Archive old-promo' }).waitFor();
      expect((await api('GET', '/api/flags/old-promo')).archived).toBe(false);

      await page.getByLabel('Show archived').uncheck();
      await row.getByRole('button', { name: 'Archive old-promo' }).waitFor();
      expect(problems).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'shows “in a release” and “scheduled” per environment, linking to the plan and to the flag’s release page, also at 390 px',
    async () => {
      await createFlag('gradual-search', 'Gradual search');
      await createFlag('timed-sale', 'Timed sale');
      const plan = await api('POST', '/api/flags/gradual-search/environments/production/release-plans', {
        stages: [{ percentage: 10, holdMinutes: 60 }],
      });
      await api('POST', '/api/flags/timed-sale/environments/staging/scheduled-changes', {
        at: new Date(Date.now() + 24 * 3_600_000).toISOString(),
        instructions: [{ kind: 'turnOn' }],
      });

      for (const width of [1280, 390]) {
        const { page, problems } = await rig.signedInPage({ width });
        const releasing = rowOf(page, 'gradual-search').getByRole('link', { name: /^in a release/ });
        await releasing.waitFor();
        expect(await releasing.count()).toBe(1);
        expect(await releasing.getAttribute('href')).toBe(`/releases/${plan.id}`);
        expect(await releasing.locator('xpath=ancestor::td').getAttribute('data-label')).toBe('Production');

        const scheduled = rowOf(page, 'timed-sale').getByRole('link', { name: /^scheduled/ });
        expect(await scheduled.count()).toBe(1);
        expect(await scheduled.getAttribute('href')).toBe('/flags/timed-sale/staging/release');
        expect(await scheduled.locator('xpath=ancestor::td').getAttribute('data-label')).toBe('Staging');
        expect(
          await rowOf(page, 'timed-sale')
            .getByRole('link', { name: /^in a release/ })
            .count(),
        ).toBe(0);

        await expectNoHorizontalScroll(page);
        expect(await seriousViolations(page)).toEqual([]);
        if (width === 390) {
          await rowOf(page, 'timed-sale').getByRole('button', { name: 'Edit timed-sale' }).click();
          await page.getByRole('dialog', { name: 'Edit timed-sale' }).waitFor();
          await expectNoHorizontalScroll(page);
          expect(await seriousViolations(page)).toEqual([]);
        }
        expect(problems).toEqual([]);
      }
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'offers a viewer no edit, archive or restore control, on the list or the flag’s page',
    async () => {
      await createFlag('viewer-sees', 'Viewer sees');
      await createFlag('viewer-archived', 'Viewer archived');
      await api('POST', '/api/flags/viewer-archived/archive');
      const viewer = await api('POST', '/api/tokens', { name: 'Vic Viewer', kind: 'admin', role: 'viewer' });
      const { page, problems } = await rig.signedInPage({ token: viewer.secret });
      await rowOf(page, 'viewer-sees').waitFor();
      await page.getByLabel('Show archived').check();
      await rowOf(page, 'viewer-archived').waitFor();
      expect(await page.getByRole('button', { name: /^(Edit|Archive|Restore) / }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'New flag' }).count()).toBe(0);
      // Its switches show the state but cannot be flipped.
      const switchInProduction = page.getByRole('switch', { name: 'viewer-sees in Production' });
      expect(await switchInProduction.isDisabled()).toBe(true);
      expect(await switchInProduction.getAttribute('title')).toBe('You may view Production, not change it');
      expect(await seriousViolations(page)).toEqual([]);

      await page.goto(`${rig.baseUrl}/flags/viewer-sees/staging`);
      await page.getByRole('heading', { name: 'Viewer sees', level: 1 }).waitFor();
      expect(await page.getByRole('button', { name: 'Edit details' }).count()).toBe(0);

      // The server refuses them all the same.
      for (const [method, url] of [
        ['PATCH', '/api/flags/viewer-sees'],
        ['POST', '/api/flags/viewer-sees/archive'],
        ['POST', '/api/flags/viewer-archived/restore'],
      ] as const) {
        const res = await rig.t.request(
          method,
          url,
          method === 'PATCH' ? { token: viewer.secret, body: { name: 'x' } } : { token: viewer.secret },
        );
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      expect(problems).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );
});
