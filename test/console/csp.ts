import type { Page } from 'playwright-core';

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
