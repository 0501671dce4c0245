/**
 * The page of a flag in an environment (/flags/:key/:env, issue 13) in a real browser against a real
 * server: editing the default rule and targets with a diff before saving, and a stale save (412)
 * resolved by re-applying the edit on top of the current version.
 */
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

describe('a flag in an environment', () => {
  it('saves a rollout and a target after showing the diff, and re-applies a stale edit over a concurrent change', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'config-flag', name: 'Config flag', kind: 'boolean' });
    const { page, problems } = await rig.signedInPage();

    // From the flags list: the key links to the flag's page; the switcher leads to production.
    await page.getByRole('link', { name: 'config-flag' }).click();
    await page.getByRole('heading', { name: 'Config flag', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: 'Production' }).click();
    await page.waitForURL(`${rig.baseUrl}/flags/config-flag/production`);
    await page.getByRole('link', { name: 'Production' }).and(page.locator('[aria-current="page"]')).waitFor();
    expect(await page.getByRole('switch', { name: 'config-flag in Production' }).getAttribute('aria-checked')).toBe('false');

    // A 10 % rollout: the last variation takes the rest.
    await page.getByLabel('Percentage rollout').check();
    await page.getByLabel('Percentage for 0: true').fill('10');
    expect(await page.getByLabel('Percentage for 1: false').inputValue()).toBe('90');
    await page.getByLabel('Context keys served 0: true').fill('alice\n  \nann');
    await page.getByRole('button', { name: 'Review and save' }).click();

    const review = page.getByRole('dialog', { name: 'Save config-flag in Production?' });
    await review.waitFor();
    const added = (await review.locator('ins').allTextContents()).join('\n');
    const removed = (await review.locator('del').allTextContents()).join('\n');
    expect(added).toContain('+ ');
    expect(added).toContain('"weight": 10000');
    expect(added).toContain('"weight": 90000');
    expect(added).toContain('"alice"');
    expect(removed).toMatch(/− +"variation": \d/);
    expect(await seriousViolations(page)).toEqual([]);
    await review.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved config-flag in Production/ })
      .waitFor();

    const saved = await api('GET', '/api/flags/config-flag/environments/production');
    expect(saved.fallthrough).toEqual({
      rollout: {
        variations: [
          { variation: 0, weight: 10_000 },
          { variation: 1, weight: 90_000 },
        ],
      },
    });
    expect(saved.targets).toEqual([{ variation: 0, values: ['alice', 'ann'] }]);

    // Someone changes the off variation while this page edits the targets: the edit is now stale
    // (made first, so that the page, which watches for changes, holds it when theirs lands).
    await page.getByLabel('Context keys served 1: false').fill('bob');
    const concurrent = await api(
      'PATCH',
      '/api/flags/config-flag/environments/production',
      { offVariation: 0 },
      {
        'if-match': `"${saved.version}"`,
      },
    );
    await page.getByRole('button', { name: 'Review and save' }).click();
    await review.getByRole('button', { name: 'Save' }).click();

    const conflict = page.getByRole('region', { name: 'Not saved: someone else changed this flag' });
    await conflict.waitFor();
    expect(await conflict.getByRole('alert').textContent()).toContain(`version ${concurrent.version}`);
    // What they changed (the off variation), then what re-applying writes (the new target).
    const [theirs, mine] = await conflict.locator('pre').all();
    expect((await theirs!.locator('del').allTextContents()).join('\n')).toContain('"offVariation": 1');
    expect((await theirs!.locator('ins').allTextContents()).join('\n')).toContain('"offVariation": 0');
    expect((await mine!.locator('ins').allTextContents()).join('\n')).toContain('"bob"');
    expect((await mine!.locator('del').allTextContents()).join('\n')).not.toContain('offVariation');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}flag-config.png`, fullPage: true });

    await conflict.getByRole('button', { name: 'Re-apply my change' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Re-applied your change/ })
      .waitFor();
    expect(await conflict.count()).toBe(0);
    const both = await api('GET', '/api/flags/config-flag/environments/production');
    expect(both.offVariation).toBe(0);
    expect(both.targets).toEqual([
      { variation: 0, values: ['alice', 'ann'] },
      { variation: 1, values: ['bob'] },
    ]);
    expect(both.fallthrough).toEqual(saved.fallthrough);
    // The refused save is the browser's only complaint.
    expect(problems.filter((p) => !/status of 412/.test(p))).toEqual([]);
  });

  it('turns the flag on through the production confirmation, shows a running release plan, and works at 390 px', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'planned-flag', name: 'Planned flag', kind: 'boolean' });
    const { page, problems } = await rig.signedInPage({ width: 390 });
    await page.goto(`${rig.baseUrl}/flags/planned-flag/production`);
    await page.getByRole('heading', { name: 'Planned flag', level: 1 }).waitFor();

    await page.getByRole('switch', { name: 'planned-flag in Production' }).click();
    const confirm = page.getByRole('dialog', { name: 'Turn on planned-flag in Production?' });
    await confirm.getByRole('button', { name: 'Turn on in Production', disabled: false }).click();
    await page.getByRole('switch', { name: 'planned-flag in Production', checked: true }).waitFor();
    expect((await api('GET', '/api/flags/planned-flag/environments/production')).on).toBe(true);

    const plan = await api('POST', '/api/flags/planned-flag/environments/production/release-plans', {
      variation: 0,
      controlVariation: 1,
      stages: [
        { percentage: 5, holdMinutes: 60 },
        { percentage: 100, holdMinutes: 0 },
      ],
    });
    await page.reload();
    const status = page.getByRole('region', { name: 'Release plan running' });
    await status.waitFor();
    expect(await status.textContent()).toContain(plan.id);

    // A hand edit while the plan runs is refused (409), naming the plan.
    await page.getByLabel('Context keys served 0: true').fill('carol');
    await page.getByRole('button', { name: 'Review and save' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const refused = page.getByRole('alert').filter({ hasText: /release plan/ });
    await refused.waitFor();
    expect(await refused.textContent()).toContain(plan.id);
    expect(await seriousViolations(page)).toEqual([]);
    await expectNoHorizontalScroll(page);
    await page.getByLabel('Percentage rollout').check();
    await page.getByLabel('Percentage for 0: true').fill('5');
    expect(await page.getByLabel('Percentage for 1: false').inputValue()).toBe('95');
    await expectNoHorizontalScroll(page);

    await status.getByRole('button', { name: 'Pause plan' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Paused release plan/ })
      .waitFor();
    expect((await api('GET', `/api/release-plans/${plan.id}`)).status).toBe('paused');
    await expectNoHorizontalScroll(page);
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
  });
});
