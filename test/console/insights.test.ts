/**
 * Insights in the console (issue 13) in a real browser against a real server: a flag's evaluations
 * per variation over time (counts reported through POST /sdk/metrics) as a chart with its numbers as
 * a table, and the stale-flag report linking to the flags. Each page: no serious axe-core violation,
 * no CSP violation, no horizontal scrolling at 390 px.
 */
import { randomUUID } from 'node:crypto';
import type { MetricsReport } from '@switchyard/sdk/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.ts';
import { expectNoHorizontalScroll, followMainNavigation, hasChromium, SCREENSHOTS, setUpConsoleRig } from './browser.ts';
import { expectCleanPage, signedInPageWatchingCsp } from './csp.ts';

/** A whole story in a browser: generous, as the machine may be busy; waits inside are for states, not times. */
const STORY_TIMEOUT_MS = 120_000;

const rig = setUpConsoleRig();
const { api } = rig;
let serverKey: string;

beforeAll(async () => {
  serverKey = await rig.t.createToken('server', 'production');
});

/** An SDK's report of evaluation counts, as POST /sdk/metrics takes it. */
async function reportEvaluations(evaluations: MetricsReport['evaluations'], windowStart: number) {
  const report: MetricsReport = {
    reportId: randomUUID(),
    sdk: { name: '@switchyard/sdk', version: '0.1.0', instanceId: 'console-insights', mode: 'streaming', snapshotVersion: 1 },
    window: { start: windowStart, end: windowStart + 10_000 },
    evaluations,
    events: [],
    guarded: [],
    dropped: { evaluations: 0, events: 0, contexts: 0, reports: 0 },
  };
  const res = await rig.t.request('POST', '/sdk/metrics', { token: serverKey, body: report });
  expect(res.statusCode, res.body).toBe(202);
}

describe('insights in the console', () => {
  it(
    'charts a flag’s evaluations per variation over time, with the counts as a table',
    async (ctx) => {
      if (!hasChromium) return ctx.skip();
      await api('POST', '/api/flags', { key: 'insight-flag', name: 'Insight flag', kind: 'boolean' });
      const now = Date.now();
      await reportEvaluations(
        [
          { flag: 'insight-flag', variation: 0, count: 120 },
          { flag: 'insight-flag', variation: 1, count: 30 },
        ],
        now - 5 * 60_000,
      );
      await reportEvaluations(
        [
          { flag: 'insight-flag', variation: 0, count: 45 },
          { flag: 'insight-flag', error: 'FLAG_NOT_FOUND', count: 5 },
        ],
        now - 2 * 60_000,
      );
      await until(
        'the reports are folded',
        async () => (await api('GET', '/api/insights/flags/insight-flag/environments/production')).totals.evaluations === 200,
        30_000,
      );

      const { page, problems, cspViolations } = await signedInPageWatchingCsp(rig);
      await page.goto(`${rig.baseUrl}/flags/insight-flag/production`);
      await page.getByRole('link', { name: 'Evaluations' }).click();
      await page.getByRole('heading', { name: 'Evaluations of insight-flag', level: 1 }).waitFor();
      // The environments arrive after the heading (seen once in CI: the select still empty).
      await page.getByLabel('Environment').locator('option[value="production"]').waitFor({ state: 'attached' });
      expect(await page.getByLabel('Environment').inputValue()).toBe('production');
      expect(await page.getByLabel('Time range').inputValue()).toBe('1h');
      const summary = page.locator('.chart-summary');
      await summary.waitFor();
      expect(await summary.textContent()).toMatch(
        /^200 evaluations from .+: 0: true 165 \(82\.5 %\), 1: false 30 \(15 %\), error FLAG_NOT_FOUND 5\. Status: active, last evaluated /,
      );
      const figure = page.getByRole('figure', { name: /Evaluations per minute and variation of insight-flag in production/ });
      await figure.locator('.time-chart canvas').waitFor();
      await figure.getByText('The numbers of the evaluations chart').click();
      const table = figure.getByRole('table', { name: 'Evaluations per minute' });
      expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Minute', '0: true', '1: false', 'Errors']);
      const counted = table.getByRole('row').filter({ has: page.getByRole('cell', { name: /^[1-9]/ }) });
      expect(await counted.count()).toBe(2);
      expect(await counted.nth(0).getByRole('cell').allTextContents()).toEqual(['120', '30', '0']);
      expect(await counted.nth(1).getByRole('cell').allTextContents()).toEqual(['45', '0', '5']);
      // Every minute of the hour is a row, zeros included.
      expect(await table.getByRole('row').count()).toBeGreaterThanOrEqual(61);
      await expectCleanPage(page, problems, cspViolations);
      await figure.getByText('The numbers of the evaluations chart').click();
      await page.screenshot({ path: `${SCREENSHOTS}insights.png`, fullPage: true });

      // Another range: the same counts, per hour.
      await page.getByLabel('Time range').selectOption('7d');
      await page.getByRole('figure', { name: /Evaluations per hour/ }).waitFor();
      expect(page.url()).toBe(`${rig.baseUrl}/insights/insight-flag?env=production&range=7d`);
      expect(await summary.textContent()).toMatch(/^200 evaluations/);

      const narrow = await signedInPageWatchingCsp(rig, 390);
      await narrow.page.goto(`${rig.baseUrl}/insights/insight-flag?env=production`);
      await narrow.page.locator('.time-chart canvas').waitFor();
      await expectNoHorizontalScroll(narrow.page);
      await expectCleanPage(narrow.page, narrow.problems, narrow.cspViolations);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'lists stale flags with the reason, linking to them',
    async (ctx) => {
      if (!hasChromium) return ctx.skip();
      // A temporary flag no code evaluated for a month (created back then, as the insights' own tests date flags) ...
      await api('POST', '/api/flags', { key: 'old-experiment', name: 'Old experiment', kind: 'boolean', temporary: true });
      await rig.t.db.prisma.flag.update({ where: { key: 'old-experiment' }, data: { createdAt: new Date(Date.now() - 30 * 86_400_000) } });
      // ... and an archived flag code still evaluates, reported through the SDK path.
      await api('POST', '/api/flags', { key: 'still-used', name: 'Still used', kind: 'boolean' });
      await api('POST', '/api/flags/still-used/archive', {});
      // Its window ends after the archiving (the server clamps it to when the report arrives).
      await reportEvaluations([{ flag: 'still-used', variation: 1, count: 7 }], Date.now() - 1000);
      await until(
        'the report is folded',
        async () => (await api('GET', '/api/insights/stale-flags')).archivedButEvaluated.length === 1,
        30_000,
      );

      const { page, problems, cspViolations } = await signedInPageWatchingCsp(rig);
      await followMainNavigation(page, 'Stale flags');
      const ready = page.getByRole('table', { name: 'Flags ready to remove' });
      const row = ready.getByRole('row').filter({ hasText: 'old-experiment' });
      expect(await row.textContent()).toMatch(/never evaluated in .*production.* since it was created/);
      const archived = page.getByRole('table', { name: 'Archived flags still evaluated' });
      expect(await archived.getByRole('row').filter({ hasText: 'still-used' }).textContent()).toContain(
        'production: archived-but-evaluated',
      );
      await expectCleanPage(page, problems, cspViolations);
      await page.screenshot({ path: `${SCREENSHOTS}stale.png`, fullPage: true });

      await row.getByRole('link', { name: 'old-experiment' }).click();
      await page.getByRole('heading', { name: 'Evaluations of old-experiment', level: 1 }).waitFor();

      const narrow = await signedInPageWatchingCsp(rig, 390);
      await narrow.page.goto(`${rig.baseUrl}/stale-flags`);
      await narrow.page.getByRole('table', { name: 'Flags ready to remove' }).waitFor();
      await expectNoHorizontalScroll(narrow.page);
      await expectCleanPage(narrow.page, narrow.problems, narrow.cspViolations);
    },
    STORY_TIMEOUT_MS,
  );
});
