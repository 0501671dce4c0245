/**
 * Release plans and scheduled changes in the console (issue 13) in a real browser against a real
 * server: a template made and a plan started from the console, its stages as a timeline, paused and
 * rolled back; a guarded plan's metric as a chart (fed through POST /sdk/metrics) with its numbers as
 * a table; a change scheduled, edited and cancelled. Each page: no serious axe-core violation, no CSP
 * violation, no horizontal scrolling at 390 px.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.ts';
import { reportGuardedTraffic } from '../server/releases/guarded-traffic.ts';
import { expectNoHorizontalScroll, followMainNavigation, hasChromium, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';
import { expectCleanPage, signedInPageWatchingCsp } from './csp.ts';

/** A whole story in a browser: generous, as the machine may be busy; waits inside are for states, not times. */
const STORY_TIMEOUT_MS = 120_000;

const rig = setUpConsoleRig();
const { api } = rig;

describe('release plans in the console', () => {
  it(
    'creates a template, starts a plan from it, shows the stages, then pauses and rolls it back',
    async (ctx) => {
      if (!hasChromium) return ctx.skip();
      await api('POST', '/api/flags', { key: 'console-release', name: 'Console release', kind: 'boolean' });
      const { page, problems, cspViolations } = await signedInPageWatchingCsp(rig);

      await followMainNavigation(page, 'Releases');
      await page.getByText('No release plan yet.').waitFor();
      await page.getByRole('button', { name: 'New template' }).click();
      await page.getByLabel('Key', { exact: true }).fill('console-canary');
      await page.getByLabel('Name', { exact: true }).fill('Console canary');
      await page.getByLabel('Name of stage 1').fill('canary');
      await page.getByLabel('Share of stage 1 (%)').fill('10');
      await page.getByLabel('Hold of stage 1 (minutes)').fill('60');
      await page.getByLabel('Stage 1 waits for an approval').check();
      await page.getByRole('button', { name: 'Add a stage' }).click();
      await page.getByLabel('Share of stage 2 (%)').fill('50');
      await page.getByLabel('Share of stage 3 (%)').fill('100');
      await page.getByLabel('Hold of stage 3 (minutes)').fill('0');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Create template' }).click();
      await page.getByRole('status').filter({ hasText: 'Created template “Console canary”.' }).waitFor();

      const template = await api('GET', '/api/release-templates/console-canary');
      expect(template.stages).toEqual([
        { name: 'canary', percentage: 10, segments: [], holdMinutes: 60, requireApproval: true, guarded: true },
        { percentage: 50, segments: [], holdMinutes: 60, requireApproval: false, guarded: true },
        { percentage: 100, segments: [], holdMinutes: 0, requireApproval: false, guarded: true },
      ]);
      expect(template.guard).toBeNull();

      // From the flag's page in production to its releases, where the plan starts.
      await page.goto(`${rig.baseUrl}/flags/console-release/production`);
      await page.getByRole('link', { name: 'Releases and schedules' }).click();
      await page.getByRole('heading', { name: 'Console release: releases in Production', level: 1 }).waitFor();
      await page.getByLabel('Template').selectOption('console-canary');
      await page.getByRole('button', { name: 'Start the plan' }).click();
      await page.waitForURL(/\/releases\/[0-9a-f-]{36}$/);
      const planId = page.url().split('/').at(-1)!;
      await page.getByRole('heading', { name: 'Release of console-release in production', level: 1 }).waitFor();

      const stages = page.getByRole('list', { name: 'Stages' }).getByRole('listitem');
      expect(await stages.count()).toBe(3);
      const current = stages.nth(0);
      expect(await current.getAttribute('aria-current')).toBe('step');
      expect(await current.textContent()).toMatch(
        /^Nowcanary10 % of contexts; held 60 min; needs an approvalHeld [\d.]+ (s|min) of 60 min/,
      );
      expect(await stages.nth(1).textContent()).toContain('Next');
      expect(await stages.nth(2).textContent()).toContain('Later');
      const started = await api('GET', `/api/release-plans/${planId}`);
      expect(started).toMatchObject({ status: 'running', stageIndex: 0, templateKey: 'console-canary', flagKey: 'console-release' });
      expect((await api('GET', '/api/flags/console-release/environments/production')).on).toBe(true);
      await expectCleanPage(page, problems, cspViolations);

      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('status').filter({ hasText: 'Paused the plan.' }).waitFor();
      expect(await api('GET', `/api/release-plans/${planId}`)).toMatchObject({
        status: 'paused',
        waitingFor: expect.stringContaining('paused by'),
      });
      await page.getByRole('button', { name: 'Resume' }).waitFor();

      await page.getByRole('button', { name: 'Roll back' }).click();
      const dialog = page.getByRole('dialog', { name: 'Roll back the release plan?' });
      await dialog.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole('button', { name: 'Roll back' }).click();
      await page.getByRole('status').filter({ hasText: 'Rolled the plan back.' }).waitFor();
      const ended = await api('GET', `/api/release-plans/${planId}`);
      expect(ended.status).toBe('rolled-back');
      // The configuration from before the plan: off, as the flag was created.
      expect((await api('GET', '/api/flags/console-release/environments/production')).on).toBe(false);
      expect(await stages.nth(0).textContent()).toContain('Ended here');

      // The list of releases shows it.
      await followMainNavigation(page, 'Releases');
      const row = page.getByRole('row').filter({ hasText: 'console-release' });
      await row.waitFor();
      expect(await row.textContent()).toContain('Rolled back');
      await expectCleanPage(page, problems, cspViolations);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'shows a guarded plan’s metric as a chart of old vs new with the confidence band and threshold, and the numbers as a table',
    async (ctx) => {
      if (!hasChromium) return ctx.skip();
      await api('POST', '/api/flags', { key: 'new-checkout', name: 'New checkout', kind: 'boolean' });
      const serverKey = await rig.t.createToken('server', 'production');
      const plan = await api('POST', '/api/flags/new-checkout/environments/production/release-plans', {
        stages: [
          { name: 'canary', percentage: 50, holdMinutes: 60 },
          { percentage: 100, holdMinutes: 0 },
        ],
        guard: {
          metrics: [{ key: 'checkout-error', kind: 'binary', tolerance: { kind: 'absolute', value: 0.01 } }],
          onRegression: 'pause',
        },
      });
      const lastPoint = async () => (await api('GET', `/api/release-plans/${plan.id}/guard-history`)).metrics[0].points.at(-1);
      const traffic = { serverKey, flagKey: 'new-checkout', metricKey: 'checkout-error' };
      await reportGuardedTraffic(rig.t, {
        ...traffic,
        batch: 1,
        arms: [
          { variation: 0, contexts: 60, withEvent: 3 },
          { variation: 1, contexts: 60, withEvent: 1 },
        ],
      });
      await until('the first report is folded', async () => (await lastPoint()).treatment.contexts === 60, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await reportGuardedTraffic(rig.t, {
        ...traffic,
        batch: 2,
        arms: [
          { variation: 0, contexts: 940, withEvent: 27 },
          { variation: 1, contexts: 940, withEvent: 19 },
        ],
      });
      const last = await until(
        'the second report is folded',
        async () => {
          const point = await lastPoint();
          return point.treatment.contexts === 1000 ? point : null;
        },
        30_000,
      );
      expect(last).toMatchObject({
        control: { contexts: 1000, estimate: 0.02 },
        treatment: { contexts: 1000, estimate: 0.03 },
        threshold: 0.01,
      });

      const { page, problems, cspViolations } = await signedInPageWatchingCsp(rig);
      await page.goto(`${rig.baseUrl}/releases/${plan.id}`);
      const figure = page.getByRole('figure', { name: /checkout-error/ });
      await figure.waitFor();
      // uPlot draws on a canvas, hidden from assistive technology: the summary and the table carry the numbers.
      await figure.locator('.time-chart canvas').waitFor();
      expect(await figure.locator('.time-chart').getAttribute('aria-hidden')).toBe('true');
      const summary = await figure.locator('.chart-summary').textContent();
      expect(summary).toContain('new 3 % on 1,000 contexts, old 2 % on 1,000');
      expect(summary).toMatch(/the new one lies between -?[\d.]+ % and [\d.]+ %; threshold 3 %: no regression shown\./);
      await figure.getByText('The numbers of the checkout-error chart').click();
      const table = figure.getByRole('table', { name: 'checkout-error over time' });
      const rows = table.getByRole('row');
      expect(await rows.count()).toBeGreaterThanOrEqual(3);
      const cells = async (i: number) => (await rows.nth(i).getByRole('cell').allTextContents()).slice(0, 2);
      expect(await cells((await rows.count()) - 1)).toEqual(['2 % (1000)', '3 % (1000)']);
      // Between the two reports, each step shows the first one's 60 contexts per variation: too few to judge.
      const early = table.getByRole('row').filter({ hasText: '5 % (60)' }).first();
      expect(await early.getByRole('cell').allTextContents()).toEqual(['1.67 % (60)', '5 % (60)', '–', '1 %', 'not enough data']);
      await expectCleanPage(page, problems, cspViolations);
      await figure.getByText('The numbers of the checkout-error chart').click();
      await page.screenshot({ path: `${SCREENSHOTS}releases.png`, fullPage: true });

      const narrow = await signedInPageWatchingCsp(rig, 390);
      await narrow.page.goto(`${rig.baseUrl}/releases/${plan.id}`);
      await narrow.page
        .getByRole('figure', { name: /checkout-error/ })
        .locator('canvas')
        .waitFor();
      await expectNoHorizontalScroll(narrow.page);
      await expectCleanPage(narrow.page, narrow.problems, narrow.cspViolations);
    },
    STORY_TIMEOUT_MS,
  );
});

describe('scheduled changes in the console', () => {
  it(
    'schedules a rollout at a local time (sent as UTC), edits it and cancels it',
    async (ctx) => {
      if (!hasChromium) return ctx.skip();
      await api('POST', '/api/flags', { key: 'scheduled-flag', name: 'Scheduled flag', kind: 'boolean' });
      const { page, problems, cspViolations } = await signedInPageWatchingCsp(rig);
      await page.goto(`${rig.baseUrl}/flags/scheduled-flag/production/release`);
      await page.getByText('Nothing scheduled.').waitFor();
      await page.getByRole('button', { name: 'Schedule a change' }).click();

      const local = (await page.evaluate(`(() => {
      const d = new Date(Date.now() + 2 * 86400000);
      const pad = (n) => String(n).padStart(2, '0');
      return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T09:30';
    })()`)) as string;
      const utc = (await page.evaluate(`new Date(${JSON.stringify(local)}).toISOString()`)) as string;
      await page.getByLabel('When (your local time)').fill(local);
      await page.getByLabel('Change', { exact: true }).selectOption('rollout');
      await page.getByLabel('Variation rolled out').selectOption('0');
      await page.getByLabel('Share (%)').fill('25');
      await page.getByLabel('The others get').selectOption('1');
      await page.getByLabel('Comment').fill('launch');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Schedule', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Scheduled for' }).waitFor();

      const list = page.getByRole('list', { name: 'Scheduled changes, soonest first' });
      expect(await list.textContent()).toContain('turn on, then serve 25 % 0: true, 75 % 1: false (“launch”)Pending');
      const [change] = (await api('GET', '/api/flags/scheduled-flag/environments/production/scheduled-changes')).items;
      expect(change).toMatchObject({
        at: utc,
        comment: 'launch',
        status: 'pending',
        instructions: [
          { kind: 'turnOn' },
          {
            kind: 'setFallthrough',
            rollout: {
              variations: [
                { variation: 0, weight: 25_000 },
                { variation: 1, weight: 75_000 },
              ],
            },
          },
        ],
      });
      await page.screenshot({ path: `${SCREENSHOTS}schedules.png`, fullPage: true });

      await list.getByRole('button', { name: 'Edit' }).click();
      await page.getByLabel('Comment').fill('launch, one hour later');
      await page.getByLabel('When (your local time)').fill(local.replace('T09:30', 'T10:30'));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Saved: now due' }).waitFor();
      const edited = await api('GET', `/api/scheduled-changes/${change.id}`);
      expect(edited).toMatchObject({ comment: 'launch, one hour later', instructions: change.instructions, version: change.version + 1 });
      expect(Date.parse(edited.at) - Date.parse(utc)).toBe(3_600_000);

      await list.getByRole('button', { name: 'Cancel change' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel the scheduled change?' });
      await dialog.getByRole('button', { name: 'Cancel the change' }).click();
      await page.getByRole('status').filter({ hasText: 'Cancelled the change' }).waitFor();
      expect((await api('GET', `/api/scheduled-changes/${change.id}`)).status).toBe('cancelled');
      await list.getByText('Cancelled', { exact: true }).waitFor();
      await expectCleanPage(page, problems, cspViolations);

      const narrow = await signedInPageWatchingCsp(rig, 390);
      await narrow.page.goto(`${rig.baseUrl}/flags/scheduled-flag/production/release`);
      await narrow.page.getByRole('list', { name: 'Scheduled changes, soonest first' }).waitFor();
      await expectNoHorizontalScroll(narrow.page);
      await expectCleanPage(narrow.page, narrow.problems, narrow.cspViolations);
    },
    STORY_TIMEOUT_MS,
  );
});
