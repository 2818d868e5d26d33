// Every page of the console passes axe-core with no serious or critical violation. Runs last
// (file order), when the other tests have filled the pages with environments, queues,
// policies, definitions and jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gotoHydrated, withSignedInAdmin, signedInContext, accessibilityViolations, ADMIN, BASE_URL, SCREENSHOTS } from './browser.js';

const session = withSignedInAdmin();

const PAGES = ['/', '/jobs', '/submit', '/definitions', '/queues', '/policies', '/environments', '/access-keys', '/secrets', '/users', '/audit'];

test('every console page has no serious or critical accessibility violation', async () => {
  // The console's CSP rightly refuses injected scripts; axe is injected by the test.
  const context = await signedInContext(session.browser, ADMIN, { bypassCSP: true });
  const page = await context.newPage();
  const found = [];
  for (const path of PAGES) {
    await gotoHydrated(page, path);
    found.push(...(await accessibilityViolations(page)).map((v) => `${path} ${v}`));
  }
  // A job's page and a queue's page, whichever exist.
  await gotoHydrated(page, '/jobs');
  const job = await page.locator('table a[href^="/jobs/"]').first().getAttribute('href').catch(() => null);
  await gotoHydrated(page, '/queues');
  const queue = await page.locator('table a[href^="/queues/"]').first().getAttribute('href').catch(() => null);
  for (const path of [job, queue].filter(Boolean)) {
    await gotoHydrated(page, path);
    found.push(...(await accessibilityViolations(page)).map((v) => `${path} ${v}`));
  }
  assert.deepEqual(found, [], 'violations');
  await context.close();
});

test('the sign-in page has no serious or critical accessibility violation', async () => {
  const context = await session.browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(BASE_URL + '/login');
  assert.deepEqual(await accessibilityViolations(page), []);
  await context.close();
});

test('dark mode follows the system setting and keeps its contrast', async () => {
  const context = await signedInContext(session.browser, ADMIN, { bypassCSP: true, colorScheme: 'dark' });
  const page = await context.newPage();
  const found = [];
  for (const path of ['/', '/jobs', '/queues', '/policies']) {
    await gotoHydrated(page, path);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 120, `${path} has a dark background (${background})`);
    found.push(...(await accessibilityViolations(page)).map((v) => `${path} ${v}`));
  }
  await gotoHydrated(page, '/');
  await page.screenshot({ path: SCREENSHOTS + 'dashboard-dark.png', fullPage: true });
  assert.deepEqual(found, [], 'violations');
  await context.close();
});
