/**
 * The rules, segment pickers and prerequisites of a flag in an environment (/flags/:key/:env, issue 13)
 * in a real browser against a real server: what is built is what is stored, inputs are checked as typed
 * with the model's own checks, and other people's changes appear while the page is open.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

beforeAll(async () => {
  await api('POST', '/api/environments/production/segments', { key: 'internal-users', name: 'Internal users', included: ['alice'] });
  await api('POST', '/api/environments/production/segments', { key: 'beta-testers', name: 'Beta testers' });
});

const configPath = (key: string) => `/api/flags/${key}/environments/production`;

async function openFlag(key: string, name: string, width?: number) {
  const opened = await rig.signedInPage({ width });
  await opened.page.goto(`${rig.baseUrl}/flags/${key}/production`);
  await opened.page.getByRole('heading', { name, level: 1 }).waitFor();
  return opened;
}

const rule = (page: Page, n: number) => page.getByRole('group', { name: `Rule ${n}`, exact: true });
const clause = (scope: Locator, n: number) => scope.getByRole('group', { name: `Clause ${n}`, exact: true });
const serves = (page: Page, n: number) => page.getByRole('group', { name: `Rule ${n} serves`, exact: true });

/** The element an input's aria-describedby names, which must exist and say why the input is refused. */
async function describedProblem(input: Locator): Promise<string> {
  expect(await input.getAttribute('aria-invalid')).toBe('true');
  const ids = (await input.getAttribute('aria-describedby'))?.split(' ') ?? [];
  const texts = await Promise.all(ids.map((id) => input.page().locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

describe('rules of a flag in an environment', () => {
  it('builds a rule with a segment clause and a 10 % rollout rule, shows them in the diff, and stores exactly what was built', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'rules-flag', name: 'Rules flag', kind: 'boolean' });
    const { page, problems } = await openFlag('rules-flag', 'Rules flag');

    // Rule 1: email ends with one of two domains, and the context is in the internal-users segment.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const first = rule(page, 1);
    const email = clause(first, 1);
    expect(await page.evaluate('document.activeElement?.id')).toBe(await email.getByLabel('Attribute').getAttribute('id'));
    await email.getByLabel('Attribute').fill('email');
    await email.getByLabel('Operator').selectOption({ label: 'ends with' });
    await email.getByLabel('Values, one a line (any of them matches)').fill('@example.com\n\n  @example.org  ');
    await first.getByRole('button', { name: 'Add a clause to rule 1' }).click();
    const inSegment = clause(first, 2);
    await inSegment.getByLabel('Operator').selectOption({ label: 'is in the segment' });
    expect(await inSegment.getByLabel('Attribute').count()).toBe(0);
    await inSegment.getByLabel('Find a segment by name or key').fill('internal');
    expect(await inSegment.getByRole('checkbox', { name: /Beta testers/ }).count()).toBe(0);
    await inSegment.getByRole('checkbox', { name: /Internal users/ }).check();
    await serves(page, 1).getByLabel('Variation served').selectOption('0');

    // Rule 2: app versions above 2.0.0 created after a date, 10 % true and 90 % false.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const second = rule(page, 2);
    const version = clause(second, 1);
    await version.getByLabel('Attribute').fill('appVersion');
    await version.getByLabel('Operator').selectOption({ label: 'is a version above' });
    await version.getByLabel('Version').fill('2.0.0');
    await second.getByRole('button', { name: 'Add a clause to rule 2' }).click();
    const created = clause(second, 2);
    await created.getByLabel('Attribute').fill('createdAt');
    await created.getByLabel('Operator').selectOption({ label: 'is after' });
    await created.getByLabel('Date and time').fill('2026-01-15T09:30:00');
    // The input is in the browser's time zone; the model stores the instant in UTC.
    const createdAfter = await page.evaluate(`new Date('2026-01-15T09:30:00').toISOString()`);
    await serves(page, 2).getByLabel('Percentage rollout').check();
    await serves(page, 2).getByLabel('Percentage for 0: true').fill('10');
    expect(await serves(page, 2).getByLabel('Percentage for 1: false').inputValue()).toBe('90');

    // Reordering with the keyboard: focus stays on the moved rule's buttons.
    await page.getByRole('button', { name: 'Move rule 2 up' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Rule 2 moved up: it is now rule 1 of 2.').waitFor();
    expect(await clause(rule(page, 1), 1).getByLabel('Attribute').inputValue()).toBe('appVersion');
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Move rule 1 down');
    await page.keyboard.press('Enter');
    await page.getByText('Rule 1 moved down: it is now rule 2 of 2.').waitFor();
    expect(await clause(rule(page, 1), 1).getByLabel('Attribute').inputValue()).toBe('email');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}flag-rules.png`, fullPage: true });

    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: 'Save rules-flag in Production?' });
    await review.waitFor();
    const added = (await review.locator('ins').allTextContents()).join('\n');
    expect(added).toContain('"op": "segmentMatch"');
    expect(added).toContain('"internal-users"');
    expect(added).toContain('"op": "semVerGreaterThan"');
    expect(added).toContain(`"${createdAfter}"`);
    expect(added).toContain('"weight": 10000');
    expect(await review.locator('del').count()).toBe(1); // `"rules": []` gives way to the rules
    expect(await seriousViolations(page)).toEqual([]);
    await review.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved rules-flag in Production/ })
      .waitFor();

    const stored = await api('GET', configPath('rules-flag'));
    expect(stored.rules).toEqual([
      {
        id: expect.stringMatching(/^rule-[0-9a-f]{8}$/),
        clauses: [
          { attribute: 'email', op: 'endsWith', values: ['@example.com', '@example.org'] },
          { attribute: '', op: 'segmentMatch', values: ['internal-users'] },
        ],
        variation: 0,
      },
      {
        id: expect.stringMatching(/^rule-[0-9a-f]{8}$/),
        clauses: [
          { attribute: 'appVersion', op: 'semVerGreaterThan', values: ['2.0.0'] },
          { attribute: 'createdAt', op: 'after', values: [createdAfter] },
        ],
        rollout: {
          variations: [
            { variation: 0, weight: 10_000 },
            { variation: 1, weight: 90_000 },
          ],
        },
      },
    ]);
    expect(stored.rules[0].id).not.toBe(stored.rules[1].id);
    expect(stored.fallthrough).toEqual({ variation: 0 });

    // Read back, the rules show as built and nothing is left to save.
    await page.reload();
    await rule(page, 2).waitFor();
    expect(await clause(rule(page, 2), 2).getByLabel('Date and time').inputValue()).toBe('2026-01-15T09:30');
    expect(
      await clause(rule(page, 1), 2)
        .getByRole('checkbox', { name: /Internal users/ })
        .isChecked(),
    ).toBe(true);
    expect(await page.getByRole('button', { name: 'Review and save' }).isDisabled()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('refuses to save an invalid version or regular expression, saying why beside the input, as the server would', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'checked-flag', name: 'Checked flag', kind: 'boolean' });
    const { page, problems } = await openFlag('checked-flag', 'Checked flag');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const only = clause(rule(page, 1), 1);
    await only.getByLabel('Attribute').fill('appVersion');
    await only.getByLabel('Operator').selectOption({ label: 'is version' });
    const versionInput = only.getByLabel('Version');
    await versionInput.fill('v1.2.3');
    expect(await describedProblem(versionInput)).toContain('“v1.2.3” is not a semantic version');

    await page.getByRole('button', { name: 'Review and save' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not saved: the inputs marked below need fixing first.' }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.waitForFunction(`document.activeElement?.getAttribute('aria-invalid') === 'true'`);
    expect(await page.evaluate('document.activeElement?.value')).toBe('v1.2.3');

    await versionInput.fill('1.2.3');
    expect(await versionInput.getAttribute('aria-invalid')).toBeNull();

    // A pattern that could make matching slow is refused as typed, with the model's (the server's) reason.
    await rule(page, 1).getByRole('button', { name: 'Add a clause to rule 1' }).click();
    const pattern = clause(rule(page, 1), 2);
    await pattern.getByLabel('Attribute').fill('email');
    await pattern.getByLabel('Operator').selectOption({ label: 'matches the regular expression' });
    const patternInput = pattern.getByLabel('Regular expression');
    await patternInput.fill('^(a+)+$');
    const shown = await describedProblem(patternInput);
    const refused = await rig.t.request('PATCH', configPath('checked-flag'), {
      body: { rules: [{ id: 'r', clauses: [{ attribute: 'email', op: 'matches', values: ['^(a+)+$'] }], variation: 0 }] },
    });
    expect(refused.statusCode).toBe(400);
    const serverSays = (refused.json().details as { message: string }[]).map((d) => d.message.toLowerCase());
    expect(serverSays).toContain('potentially catastrophic pattern: nested quantifiers such as (a+)+ are not allowed');
    expect(shown.toLowerCase()).toContain('potentially catastrophic pattern: nested quantifiers such as (a+)+ are not allowed');
    await patternInput.fill('^[a-z]+(');
    expect(await describedProblem(patternInput)).toMatch(/pattern does not compile/i);
    expect(await seriousViolations(page)).toEqual([]);

    await patternInput.fill('^[a-z.]+@example\\.com$');
    expect(await patternInput.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Review and save' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved checked-flag/ })
      .waitFor();
    expect((await api('GET', configPath('checked-flag'))).rules[0].clauses).toEqual([
      { attribute: 'appVersion', op: 'semVerEqual', values: ['1.2.3'] },
      { attribute: 'email', op: 'matches', values: ['^[a-z.]+@example\\.com$'] },
    ]);
    expect(problems).toEqual([]);
  });

  it('adds a prerequisite flag with the variation it must serve', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'parent-flag', name: 'Parent flag', kind: 'string', variations: ['red', 'blue'] });
    await api('POST', '/api/flags', { key: 'child-flag', name: 'Child flag', kind: 'boolean' });
    const { page, problems } = await openFlag('child-flag', 'Child flag');
    await page.getByRole('button', { name: 'Add a prerequisite' }).click();
    const flagPicker = page.getByLabel('Prerequisite 1: flag');
    expect(await flagPicker.locator('option', { hasText: 'child-flag' }).count()).toBe(0);
    await flagPicker.selectOption({ label: 'Parent flag (parent-flag)' });
    await page.getByLabel('must serve').selectOption({ label: '1: "blue"' });
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog');
    expect((await review.locator('ins').allTextContents()).join('\n')).toContain('"key": "parent-flag"');
    await review.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved child-flag/ })
      .waitFor();
    expect((await api('GET', configPath('child-flag'))).prerequisites).toEqual([{ key: 'parent-flag', variation: 1 }]);

    await page.getByRole('button', { name: 'Remove prerequisite 1 (parent-flag)' }).click();
    await page.getByRole('button', { name: 'Review and save' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved child-flag/ })
      .waitFor();
    expect((await api('GET', configPath('child-flag'))).prerequisites).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows a change made elsewhere without a reload, and beside unsaved edits keeps the draft and re-applies it', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'shared-flag', name: 'Shared flag', kind: 'boolean' });
    const alex = await rig.t.createToken('admin', undefined, 'alex');
    const { page, problems } = await openFlag('shared-flag', 'Shared flag');

    // No unsaved edits: the page shows the new version and says who wrote it.
    const offByAlex = await rig.t.request('PATCH', configPath('shared-flag'), { token: alex, body: { offVariation: 0 } });
    expect(offByAlex.statusCode).toBe(200);
    await page
      .getByRole('status')
      .filter({ hasText: `Updated by alex just now: version ${offByAlex.json().version}.` })
      .waitFor();
    expect(await page.getByLabel('Off variation (served while the flag is off)').inputValue()).toBe('0');

    // Unsaved edits: a banner shows their change and the draft stays.
    await page.getByLabel('Context keys served 1: false').fill('zoe');
    const ruleByAlex = await rig.t.request('PATCH', configPath('shared-flag'), {
      token: alex,
      body: { rules: [{ id: 'staff', clauses: [{ attribute: 'staff', op: 'in', values: [true] }], variation: 0 }] },
    });
    expect(ruleByAlex.statusCode).toBe(200);
    const banner = page.getByRole('region', { name: 'This flag changed since you opened it' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`alex saved version ${ruleByAlex.json().version}`);
    expect(await page.getByLabel('Context keys served 1: false').inputValue()).toBe('zoe');
    expect(await rule(page, 1).count()).toBe(0);
    await banner.getByText('What changed', { exact: true }).click();
    expect((await banner.locator('ins').allTextContents()).join('\n')).toContain('"id": "staff"');
    expect(await seriousViolations(page)).toEqual([]);

    // Saving meets the stale version; re-applying writes the edit on top of theirs.
    await page.getByRole('button', { name: 'Review and save' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByRole('region', { name: 'Not saved: someone else changed this flag' });
    await conflict.getByRole('button', { name: 'Re-apply my change' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Re-applied your change/ })
      .waitFor();
    expect(await banner.count()).toBe(0);
    const both = await api('GET', configPath('shared-flag'));
    expect(both.targets).toEqual([{ variation: 1, values: ['zoe'] }]);
    expect(both.rules).toEqual(ruleByAlex.json().rules);
    expect(both.offVariation).toBe(0);
    // Their rule is on the page now, as stored.
    expect(await clause(rule(page, 1), 1).getByLabel('Compare as').inputValue()).toBe('boolean');

    // Edits can also be dropped for their version, from the banner.
    await page.getByLabel('Context keys served 0: true').fill('yann');
    const fallthroughByAlex = await rig.t.request('PATCH', configPath('shared-flag'), {
      token: alex,
      body: { fallthrough: { variation: 1 } },
    });
    await banner.getByRole('button', { name: `Discard my edits and load version ${fallthroughByAlex.json().version}` }).click();
    await page.getByText(`version ${fallthroughByAlex.json().version}`, { exact: true }).waitFor();
    expect(await banner.count()).toBe(0);
    expect(await page.getByLabel('Context keys served 0: true').inputValue()).toBe('');
    expect(await page.getByLabel('Variation served').last().inputValue()).toBe('1');
    expect(problems.filter((p) => !/status of 412/.test(p))).toEqual([]);
  });

  it('shows stored rules of every operator kind unchanged, accessibly and without overflow at 390 px', async (ctx) => {
    if (!hasChromium) return ctx.skip();
    await api('POST', '/api/flags', { key: 'narrow-flag', name: 'Narrow flag', kind: 'boolean' });
    const rules = [
      {
        id: 'everything',
        description: 'every kind of input',
        clauses: [
          { attribute: 'country', op: 'in', values: ['fr', 'de'] },
          { attribute: 'seats', op: 'in', values: [10, 20] },
          { attribute: 'email', op: 'matches', values: ['@example\\.com$'], negate: true },
          { attribute: 'age', op: 'greaterThanOrEqual', values: [18.5] },
          { attribute: 'signedUp', op: 'before', values: ['2025-06-01', 1_700_000_000_000] },
          { attribute: 'appVersion', op: 'semVerLessThan', values: ['3.0.0-rc.1'] },
          { attribute: '', op: 'segmentMatch', values: ['internal-users', 'beta-testers'] },
        ],
        rollout: {
          variations: [
            { variation: 0, weight: 33_333 },
            { variation: 1, weight: 66_667 },
          ],
          bucketBy: 'orgId',
        },
      },
      // A rollout written over the API may leave out variations at 0 %; shown as such, it is kept as written.
      { id: 'all-false', clauses: [], rollout: { variations: [{ variation: 1, weight: 100_000 }] } },
    ];
    await api('PATCH', configPath('narrow-flag'), { rules });
    const { page, problems } = await openFlag('narrow-flag', 'Narrow flag', 390);
    await rule(page, 1).waitFor();
    // Values the inputs show differently (a date, epoch milliseconds) are written back exactly as stored.
    expect(await page.getByRole('button', { name: 'Review and save' }).isDisabled()).toBe(true);
    expect(await clause(rule(page, 1), 5).getByLabel('Date and time 1', { exact: true }).inputValue()).toMatch(
      /^2025-0[56]-\d\dT\d\d:\d\d$/,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await expectNoHorizontalScroll(page);

    await clause(rule(page, 1), 4).getByLabel('Number').fill('21');
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog');
    expect((await review.locator('ins').allTextContents()).join('\n')).toMatch(/\+ +21$/m);
    expect((await review.locator('del').allTextContents()).join('\n')).toMatch(/− +18\.5$/m);
    await expectNoHorizontalScroll(page);
    await review.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Saved narrow-flag/ })
      .waitFor();
    const stored = await api('GET', configPath('narrow-flag'));
    expect(stored.rules).toEqual([
      { ...rules[0], clauses: rules[0]!.clauses.map((c) => (c.attribute === 'age' ? { ...c, values: [21] } : c)) },
      rules[1],
    ]);
    expect(await serves(page, 2).getByLabel('Percentage for 1: false').inputValue()).toBe('100');
    expect(problems).toEqual([]);
  });
});
