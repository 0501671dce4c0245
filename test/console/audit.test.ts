/**
 * The console's audit log page (issue 13) in Chromium against a real server on the real PostgreSQL:
 * filters, newest first, "Load more" through the cursor, and each change's before/after diff.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, openPage, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

/** Signs in and opens the audit log through the navigation, as a person would; the signed-in person's name. */
async function openAudit(page: Page): Promise<string> {
  await rig.signInAndNavigate(page, { link: 'Audit log', path: '/audit' });
  return (await page.locator('.account-name').textContent())?.trim() ?? '';
}

/**
 * Types a flag key into the filter and waits for the server's filtered answer: until then the unfiltered
 * list is on screen, and it may hold the same flag's newest changes.
 */
async function filterByFlag(page: Page, key: string): Promise<void> {
  const filtered = page.waitForResponse((res) => new URL(res.url()).searchParams.get('flag') === key);
  await page.getByRole('textbox', { name: 'Flag key' }).fill(key);
  await filtered;
}

const entries = (page: Page) => page.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem');

describe.skipIf(!hasChromium)('the audit log page', () => {
  it('filters by flag and environment, names the actor, and shows the toggle as -"on": false / +"on": true', async () => {
    await api('POST', '/api/flags', { key: 'audited-flag', name: 'Audited flag', kind: 'boolean' });
    await api('POST', '/api/flags', { key: 'other-flag', name: 'Other flag', kind: 'boolean' });
    await api('POST', '/api/flags/audited-flag/environments/production/toggle', { on: true });
    await api('PATCH', '/api/flags/audited-flag', { name: 'Audited flag, renamed' });

    const { page, problems } = await openPage(rig.browser);
    const person = await openAudit(page);
    expect(person).not.toBe('');
    // Unfiltered, the other flag's creation is there too.
    await entries(page).filter({ hasText: 'other-flag' }).first().waitFor();

    await filterByFlag(page, 'audited-flag');
    // Newest first: the rename, the toggle, the creation; each by the signed-in person.
    await expect.poll(() => entries(page).count()).toBe(3);
    const actions = await entries(page).locator('.audit-action').allTextContents();
    expect(actions).toEqual(['flag.updated', 'flag.toggled', 'flag.created']);
    for (const actor of await entries(page).locator('.audit-actor').allTextContents()) expect(actor).toBe(person);

    const renamed = entries(page).filter({ hasText: 'flag.updated' });
    await renamed.getByRole('button', { name: /^Show changes/ }).click();
    await renamed.locator('del').filter({ hasText: '"name": "Audited flag"' }).waitFor();
    await renamed.locator('ins').filter({ hasText: '"name": "Audited flag, renamed"' }).waitFor();

    const toggled = entries(page).filter({ hasText: 'flag.toggled' });
    expect(await toggled.textContent()).toContain('production');
    const show = toggled.getByRole('button', { name: /^Show changes/ });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    expect(await toggled.getByRole('button', { name: /^Hide changes/ }).getAttribute('aria-expanded')).toBe('true');
    const removed = toggled.locator('del');
    const added = toggled.locator('ins');
    await removed.filter({ hasText: '"on": false' }).waitFor();
    await added.filter({ hasText: '"on": true' }).waitFor();
    // Marked in the text, not by colour alone: "-" starts a removed line, "+" an added one.
    for (const line of await removed.allTextContents()) expect(line).toMatch(/^- /);
    for (const line of await added.allTextContents()) expect(line).toMatch(/^\+ /);
    // Lines the toggle did not change are not marked.
    expect(await removed.filter({ hasText: '"flagKey"' }).count()).toBe(0);
    expect(await added.filter({ hasText: '"flagKey"' }).count()).toBe(0);
    expect(await toggled.locator('.diff').textContent()).toContain('  "flagKey": "audited-flag"');

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}audit.png`, fullPage: true });

    // The environment filter leaves the toggle in production alone.
    await page.getByRole('combobox', { name: 'Environment' }).selectOption('production');
    await expect.poll(() => entries(page).count()).toBe(1);
    expect(await entries(page).locator('.audit-action').allTextContents()).toEqual(['flag.toggled']);

    await page.getByRole('textbox', { name: 'Actor' }).fill('nobody-has-this-name');
    await page.getByText('No change matches these filters.').waitFor();
    expect(problems).toEqual([]);
  });

  it('reads older changes with "Load more", 50 at a time, until the oldest', async () => {
    await api('POST', '/api/flags', { key: 'busy-flag', name: 'Busy flag', kind: 'boolean' });
    for (let i = 0; i < 60; i++) await api('POST', '/api/flags/busy-flag/environments/development/toggle', { on: i % 2 === 0 });
    const { page, problems } = await openPage(rig.browser);
    await openAudit(page);
    await entries(page).first().waitFor();
    await filterByFlag(page, 'busy-flag');
    await page.getByText('50 changes shown').waitFor();
    expect(await entries(page).count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('61 changes shown, the oldest included').waitFor();
    expect(await entries(page).count()).toBe(61);
    expect(await entries(page).locator('.audit-action').last().textContent()).toBe('flag.created');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    // Newest first across both pages.
    const times = await entries(page)
      .locator('time')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime') ?? ''));
    expect(times).toEqual([...times].sort().reverse());
    expect(problems).toEqual([]);
  });

  it('works at 390 px: no horizontal scrolling, the diff opens, axe clean', async () => {
    await api('POST', '/api/flags', { key: 'a-flag-with-a-rather-long-key-for-a-phone-screen', name: 'Long key', kind: 'boolean' });
    const { page, problems } = await openPage(rig.browser, 390);
    await openAudit(page);
    await filterByFlag(page, 'a-flag-with-a-rather-long-key-for-a-phone-screen');
    const created = entries(page).filter({ hasText: 'flag.created' });
    await created.getByRole('button', { name: /^Show changes/ }).click();
    // A creation has no "before": every line is added.
    await created.locator('ins').filter({ hasText: '"key": "a-flag-with-a-rather-long-key-for-a-phone-screen"' }).waitFor();
    expect(await created.locator('del').count()).toBe(0);
    await expectNoHorizontalScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
