import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type ConsolePage, type ConsoleRig, openPage, seriousViolations } from './browser.ts';

/**
 * Records the page's Content-Security-Policy violations (securitypolicyviolation events), from before
 * any of its scripts run: the listener is installed through the DevTools protocol, which the CSP does
 * not govern. Returns a reader of what was blocked ("directive: blocked URI").
 */
export async function watchCspViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(`window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.cspViolations.push(event.effectiveDirective + ': ' + event.blockedURI));`);
  return async () => (await page.evaluate('window.cspViolations ?? []')) as string[];
}

export type WatchedPage = ConsolePage & { cspViolations: () => Promise<string[]> };

/** A fresh page at `width` px, its CSP violations watched from its first load, signed in as the admin. */
export async function signedInPageWatchingCsp(rig: ConsoleRig, width = 1280): Promise<WatchedPage> {
  const opened = await openPage(rig.browser, width);
  const cspViolations = await watchCspViolations(opened.page);
  await rig.signIn(opened.page);
  return { ...opened, cspViolations };
}

/** The page as every page must be: no serious axe-core violation, no CSP violation, no other problem. */
export async function expectCleanPage(page: Page, problems: string[], cspViolations: () => Promise<string[]>): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
  expect(await cspViolations()).toEqual([]);
  expect(problems).toEqual([]);
}
