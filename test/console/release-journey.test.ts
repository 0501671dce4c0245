/**
 * The release journey of issue 13, end to end: a person signs in to the console, creates a flag, targets
 * the internal-users segment, rolls the flag out to 10 % of everyone else, turns it on in production and
 * finds each step in the audit log under their name; meanwhile a real SDK client, streaming from the same
 * server over a real websocket, receives every change and evaluates the flag as the console configured it.
 * Every step goes through the console in Chromium; the admin API only prepares the segment and checks results.
 */
import { createClient, type FlagsClient } from '@switchyard/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../helpers/silent-logger.ts';
import { until } from '../helpers/wait.ts';
import { followMainNavigation, hasChromium, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const PERSON = 'Dana Okafor';
const FLAG = 'smart-search';
const INTERNAL_USER = { key: 'ada', email: 'ada@switchyard.example' };
/** Everyone else: context keys the segment does not include, bucketed by the 10 % rollout. */
const VISITORS = Array.from({ length: 2_000 }, (_, i) => ({ key: `visitor-${i}` }));

const rig = setUpConsoleRig();
let client: FlagsClient | undefined;

beforeAll(async () => {
  await rig.api('POST', '/api/environments/production/segments', {
    key: 'internal-users',
    name: 'Internal users',
    included: [INTERNAL_USER.key],
  });
});
afterAll(() => client?.close());

/** The SDK's change events that name the flag, as they arrived. */
function watchChanges(flags: FlagsClient): string[][] {
  const changes: string[][] = [];
  flags.on('change', (keys) => changes.push(keys));
  return changes;
}

const rule = (page: Page, n: number) => page.getByRole('group', { name: `Rule ${n}`, exact: true });

describe.skipIf(!hasChromium)('the release journey', () => {
  it('signs in, creates a flag, targets internal users, rolls out to 10 %, turns it on in production, audits each step, and an SDK client follows every change', async () => {
    const personToken = await rig.t.createToken('admin', undefined, PERSON);
    const sdkKey = await rig.api('POST', '/api/tokens', { name: 'search service', kind: 'server', environment: 'production' });
    client = createClient({
      url: rig.baseUrl,
      sdkKey: sdkKey.secret,
      logger: silentLogger,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const changes = watchChanges(client);
    const sdkErrors: Error[] = [];
    client.on('error', (error) => sdkErrors.push(error));
    expect(await client.ready()).toBe(true);
    expect(client.status).toBe('streaming');
    const changesOfFlag = () => changes.filter((keys) => keys.includes(FLAG)).length;

    // Sign in on the sign-in page with the person's own token.
    const { page, problems } = await rig.signedInPage({ token: personToken });
    expect((await page.locator('.account-name').textContent())?.trim()).toBe(PERSON);

    // Create the flag from the flags page: the key follows the name.
    await page.getByRole('button', { name: 'New flag' }).click();
    const create = page.getByRole('dialog', { name: 'New flag' });
    await create.getByLabel('Name', { exact: true }).fill('Smart search');
    expect(await create.getByLabel('Key', { exact: true }).inputValue()).toBe(FLAG);
    await create.getByRole('button', { name: 'Create flag' }).click();
    await page.getByRole('link', { name: FLAG }).waitFor();
    await until('the SDK client told of the new flag', () => changesOfFlag() === 1);
    expect(client.evaluate(FLAG, INTERNAL_USER)).toMatchObject({ value: false, reason: { kind: 'OFF' } });

    // Open it in production.
    await page.getByRole('link', { name: FLAG }).click();
    await page.getByRole('heading', { name: 'Smart search', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: 'Production' }).click();
    await page.waitForURL(`${rig.baseUrl}/flags/${FLAG}/production`);
    const onSwitch = page.getByRole('switch', { name: `${FLAG} in Production` });
    expect(await onSwitch.getAttribute('aria-checked')).toBe('false');

    // A rule: contexts in the internal-users segment get true.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const inSegment = rule(page, 1).getByRole('group', { name: 'Clause 1', exact: true });
    await inSegment.getByLabel('Operator').selectOption({ label: 'is in the segment' });
    await inSegment.getByLabel('Find a segment by name or key').fill('internal');
    await inSegment.getByRole('checkbox', { name: /Internal users/ }).check();
    await page.getByRole('group', { name: 'Rule 1 serves', exact: true }).getByLabel('Variation served').selectOption({ label: '0: true' });

    // The default rule: 10 % true, the rest false.
    const defaultRule = page.getByRole('group', { name: /^Default rule/ });
    await defaultRule.getByLabel('Percentage rollout').check();
    await defaultRule.getByLabel('Percentage for 0: true').fill('10');
    expect(await defaultRule.getByLabel('Percentage for 1: false').inputValue()).toBe('90');

    // Save, after reading the diff.
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: `Save ${FLAG} in Production?` });
    await review.waitFor();
    const added = (await review.locator('ins').allTextContents()).join('\n');
    expect(added).toContain('"op": "segmentMatch"');
    expect(added).toContain('"internal-users"');
    expect(added).toContain('"weight": 10000');
    expect(added).toContain('"weight": 90000');
    await review.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: new RegExp(`Saved ${FLAG} in Production`) })
      .waitFor();
    const saved = await rig.api('GET', `/api/flags/${FLAG}/environments/production`);
    expect(saved).toMatchObject({
      on: false,
      rules: [{ clauses: [{ op: 'segmentMatch', values: ['internal-users'] }], variation: 0 }],
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 10_000 },
            { variation: 1, weight: 90_000 },
          ],
        },
      },
    });
    await until('the SDK client told of the new rules', () => changesOfFlag() === 2);
    // Still off: everyone gets the off variation until production is turned on.
    expect(client.evaluate(FLAG, INTERNAL_USER)).toMatchObject({ value: false, reason: { kind: 'OFF' } });

    // Turn it on in production, through the confirmation.
    await onSwitch.click();
    const confirm = page.getByRole('dialog', { name: `Turn on ${FLAG} in Production?` });
    await confirm.getByRole('button', { name: 'Turn on in Production', disabled: false }).click();
    await page.getByRole('switch', { name: `${FLAG} in Production`, checked: true }).waitFor();
    await until('the SDK client told the flag is on', () => changesOfFlag() === 3);

    // What the SDK client now serves: true to the internal user by the rule, true to about 10 % of the others.
    expect(client.evaluate(FLAG, INTERNAL_USER)).toMatchObject({ value: true, reason: { kind: 'RULE_MATCH', ruleIndex: 0 } });
    const served = VISITORS.map((visitor) => client!.evaluate(FLAG, visitor));
    expect(new Set(served.map((detail) => detail.reason.kind))).toEqual(new Set(['FALLTHROUGH']));
    const shareOn = served.filter((detail) => detail.value === true).length / VISITORS.length;
    expect(shareOn).toBeGreaterThanOrEqual(0.07);
    expect(shareOn).toBeLessThanOrEqual(0.13);
    expect(VISITORS.filter((visitor) => client!.isEnabled(FLAG, visitor)).length / VISITORS.length).toBe(shareOn);
    // One change event per step, each naming only this flag; the stream never failed.
    expect(changes).toEqual([[FLAG], [FLAG], [FLAG]]);
    expect(client.status).toBe('streaming');
    expect(sdkErrors).toEqual([]);

    // The audit log: each step, newest first, under the person's name.
    await followMainNavigation(page, 'Audit log');
    const filtered = page.waitForResponse((res) => new URL(res.url()).searchParams.get('flag') === FLAG);
    await page.getByRole('textbox', { name: 'Flag key' }).fill(FLAG);
    await filtered;
    const entries = page.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem');
    await expect.poll(() => entries.count()).toBe(3);
    expect(await entries.locator('.audit-action').allTextContents()).toEqual([
      'flag.toggled',
      'flag.configuration.updated',
      'flag.created',
    ]);
    expect(await entries.locator('.audit-actor').allTextContents()).toEqual([PERSON, PERSON, PERSON]);
    expect(await entries.locator('.audit-env').allTextContents()).toEqual([' in production', ' in production']);

    const toggled = entries.filter({ hasText: 'flag.toggled' });
    await toggled.getByRole('button', { name: /^Show changes/ }).click();
    await toggled.locator('del').filter({ hasText: '"on": false' }).waitFor();
    await toggled.locator('ins').filter({ hasText: '"on": true' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}journey-audit.png`, fullPage: true });

    // The API's audit log says the same.
    const audit = await rig.api('GET', `/api/audit?flag=${FLAG}`);
    expect(audit.items.map((event: { action: string; actor: string }) => [event.action, event.actor])).toEqual([
      ['flag.toggled', PERSON],
      ['flag.configuration.updated', PERSON],
      ['flag.created', PERSON],
    ]);
    expect(problems).toEqual([]);
  }, 120_000);
});
