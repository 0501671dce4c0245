/**
 * The console's segments pages (issue 13) in Chromium against a real server on the real PostgreSQL:
 * the list per environment with search, creating a segment, editing its keys and operator-aware rules,
 * a conflicting save (412) made plain, and deleting, refused while a flag still uses the segment.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectNoHorizontalScroll, hasChromium, openPage, SCREENSHOTS, seriousViolations, setUpConsoleRig } from './browser.ts';

const rig = setUpConsoleRig();
const { api } = rig;

const segmentsOf = (env: string) => `/api/environments/${env}/segments`;

/** Signs in and opens the segments through the navigation, as a person would: the first environment's. */
const openSegments = (page: Page, token?: string) =>
  rig.signInAndNavigate(page, { link: 'Segments', heading: 'Segments in Development', path: '/segments/development' }, token);

const clause = (page: Page, rule: number, n: number) => page.getByRole('group', { name: `Rule ${rule}, clause ${n}` });

describe.skipIf(!hasChromium)('the segments pages', () => {
  it('creates a segment, edits its keys and rules with operator-aware values, and saves them', async () => {
    await api('POST', segmentsOf('development'), { key: 'internal-staff', name: 'Internal staff' });
    const { page, problems } = await openPage(rig.browser);
    await openSegments(page);
    await page.getByRole('link', { name: 'internal-staff' }).waitFor();

    await page.getByRole('button', { name: 'New segment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New segment in Development' });
    await dialog.getByLabel('Name').fill('Beta testers');
    expect(await dialog.getByLabel('Key').inputValue()).toBe('beta-testers');
    await dialog.getByRole('button', { name: 'Create segment' }).click();
    await page.getByRole('heading', { name: 'Beta testers', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/segments/development/beta-testers');

    await page.getByLabel('Included context keys, one a line').fill('alice\nbob');
    await page.getByLabel('Excluded context keys, one a line').fill('mallory');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const first = clause(page, 1, 1);
    await first.getByLabel('Attribute').fill('country');
    await first.getByLabel('Values, one a line').fill('NL\nBE');
    await page.getByRole('button', { name: 'Add a clause to rule 1' }).click();
    const second = clause(page, 1, 2);
    await second.getByLabel('Attribute').fill('age');
    await second.getByLabel('Operator').selectOption('greaterThanOrEqual');
    // The operator decides what a value is: "adult" is no number, and saving waits until it is fixed.
    await second.getByLabel('Values, one a line').fill('adult');
    await second.getByText('greaterThanOrEqual takes number values, got "adult"').waitFor();
    expect(await second.getByLabel('Values, one a line').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Save segment' }).isDisabled()).toBe(true);
    await second.getByLabel('Values, one a line').fill('18');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Saved: beta-testers is at version 2.').waitFor();

    const saved = await api('GET', `${segmentsOf('development')}/beta-testers`);
    expect(saved).toMatchObject({ included: ['alice', 'bob'], excluded: ['mallory'], version: 2 });
    expect(saved.rules).toHaveLength(1);
    expect(saved.rules[0].clauses).toEqual([
      { attribute: 'country', op: 'in', values: ['NL', 'BE'] },
      { attribute: 'age', op: 'greaterThanOrEqual', values: [18] },
    ]);

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}segment.png`, fullPage: true });

    // The list searches key, name and description.
    await page.getByRole('link', { name: '← Segments in development' }).click();
    await page.getByRole('heading', { name: 'Segments in Development', level: 1 }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('beta');
    await expect.poll(() => page.locator('.data-table tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'beta-testers' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('nobody-matches');
    await page.getByText('No segment matches this search.').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}segments.png`, fullPage: true });

    // Each environment has its own segments.
    await page.getByRole('navigation', { name: 'Environments' }).getByRole('link', { name: 'Staging' }).click();
    await page.getByRole('heading', { name: 'Segments in Staging', level: 1 }).waitFor();
    await page.getByText('No segments in Staging yet.').waitFor();
    expect(problems).toEqual([]);
  });

  it('says plainly when someone else saved the segment meanwhile (412), and lets the person choose', async () => {
    await api('POST', segmentsOf('staging'), { key: 'contested', name: 'Contested', included: ['u1'] });
    const { page, problems } = await rig.signedInPage();
    await page.goto(`${rig.baseUrl}/segments/staging/contested`);
    await page.getByRole('heading', { name: 'Contested', level: 1 }).waitFor();

    await page.getByLabel('Description').fill('Mine');
    // Someone else, through the API, after this page read version 1.
    await api('PUT', `${segmentsOf('staging')}/contested`, { name: 'Contested (theirs)', included: ['u1', 'u2'] }, { 'if-match': '"1"' });
    await page.getByRole('button', { name: 'Save segment' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else saved this segment meanwhile' });
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Your edits start from version 1; it is now at version 2');
    // Nothing of the page's was written.
    expect((await api('GET', `${segmentsOf('staging')}/contested`)).description).toBe('');

    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await page.getByText('Saved: contested is at version 3.').waitFor();
    expect(await api('GET', `${segmentsOf('staging')}/contested`)).toMatchObject({ description: 'Mine', name: 'Contested', version: 3 });

    // "Load theirs" drops the page's edits for the newest version.
    await api('PUT', `${segmentsOf('staging')}/contested`, { name: 'Renamed elsewhere' }, { 'if-match': '"3"' });
    await page.getByLabel('Description').fill('Mine again');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('button', { name: 'Load their version (drop my edits)' }).click();
    await page.getByRole('heading', { name: 'Renamed elsewhere', level: 1 }).waitFor();
    expect(await page.getByLabel('Description').inputValue()).toBe('');
    // The refused saves, and nothing else, show as failed requests in the browser's console.
    expect(problems.filter((p) => !/status of 412/.test(p))).toEqual([]);
  });

  it('refuses to delete a segment a flag still uses, naming the flag, and deletes it once unused', async () => {
    await api('POST', segmentsOf('development'), { key: 'in-use', name: 'In use' });
    await api('POST', '/api/flags', { key: 'segment-user', name: 'Segment user', kind: 'boolean' });
    const usingSegment = {
      on: false,
      offVariation: 1,
      fallthrough: { variation: 1 },
      targets: [],
      prerequisites: [],
      rules: [{ id: 'beta', clauses: [{ attribute: '', op: 'segmentMatch', values: ['in-use'] }], variation: 0 }],
    };
    await api('PUT', '/api/flags/segment-user/environments/development', usingSegment);

    const { page, problems } = await rig.signedInPage();
    await page.goto(`${rig.baseUrl}/segments/development/in-use`);
    await page.getByRole('heading', { name: 'In use', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete segment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete in-use from development?' });
    await dialog.getByRole('button', { name: 'Delete segment' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Segment "in-use" is still used by flag "segment-user"');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await rig.t.request('GET', `${segmentsOf('development')}/in-use`)).statusCode).toBe(200);

    await api('PUT', '/api/flags/segment-user/environments/development', { ...usingSegment, rules: [] });
    await page.getByRole('button', { name: 'Delete segment' }).click();
    await dialog.getByRole('button', { name: 'Delete segment' }).click();
    await page.getByRole('heading', { name: 'Segments in Development', level: 1 }).waitFor();
    expect((await rig.t.request('GET', `${segmentsOf('development')}/in-use`)).statusCode).toBe(404);
    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
  });

  it('lets a viewer read segments but offers no write, and the API refuses the viewer’s writes', async () => {
    await api('POST', segmentsOf('development'), { key: 'read-only', name: 'Read only', included: ['carol'] });
    const viewer = await api('POST', '/api/tokens', { name: 'Vera Viewer', kind: 'admin', role: 'viewer' });
    const { page, problems } = await openPage(rig.browser);
    await openSegments(page, viewer.secret);
    await page.getByText('changing them needs the editor role there').waitFor();
    expect(await page.getByRole('button', { name: 'New segment' }).count()).toBe(0);

    await page.getByRole('link', { name: 'read-only' }).click();
    await page.getByRole('heading', { name: 'Read only', level: 1 }).waitFor();
    expect(await page.getByRole('button', { name: 'Save segment' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete segment' }).count()).toBe(0);
    expect(await page.getByLabel('Included context keys, one a line').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add a rule' }).isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    const put = await rig.t.request('PUT', `${segmentsOf('development')}/read-only`, { token: viewer.secret, body: { name: 'Hacked' } });
    expect(put.statusCode).toBe(403);
    const del = await rig.t.request('DELETE', `${segmentsOf('development')}/read-only`, { token: viewer.secret });
    expect(del.statusCode).toBe(403);
    expect(problems).toEqual([]);
  });

  it('works at 390 px: the editor fits without horizontal scrolling, axe clean', async () => {
    await api('POST', segmentsOf('development'), {
      key: 'a-segment-with-a-rather-long-key-for-a-phone',
      name: 'Phones',
      rules: [{ clauses: [{ attribute: 'appVersion', op: 'semVerGreaterThan', values: ['2.10.0-rc.1'] }] }],
    });
    const { page, problems } = await openPage(rig.browser, 390);
    await openSegments(page);
    await page.getByRole('link', { name: 'a-segment-with-a-rather-long-key-for-a-phone' }).waitFor();
    await expectNoHorizontalScroll(page);
    await page.getByRole('link', { name: 'a-segment-with-a-rather-long-key-for-a-phone' }).click();
    await page.getByRole('heading', { name: 'Phones', level: 1 }).waitFor();
    expect(await clause(page, 1, 1).getByLabel('Operator').inputValue()).toBe('semVerGreaterThan');
    await expectNoHorizontalScroll(page);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
