import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, gotoAndWaitForWasm, signedInContext, SCREENSHOTS, BASE_URL } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the console is server-rendered: its content is there before any script runs', async () => {
  const context = await signedInContext(browser, undefined, { javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(BASE_URL + '/');
  assert.equal(await page.locator('h1').textContent(), 'Dashboard');
  await context.close();
});

test('the console hydrates: the menu button opens the navigation on a phone', async () => {
  const context = await signedInContext(browser, undefined, { viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gotoAndWaitForWasm(page, '/');
  const button = page.getByRole('button', { name: 'Menu' });
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#main-nav').isVisible(), false);

  // Only the hydrated WASM has a click handler; poll because hydration ends after the fetch.
  let opened = false;
  for (let i = 0; i < 50 && !opened; i++) {
    await button.click();
    opened = (await button.getAttribute('aria-expanded')) === 'true';
    if (!opened) await page.waitForTimeout(100);
  }
  assert.ok(opened, 'the click changed the page, so hydration happened');
  assert.equal(await page.getByRole('button', { name: 'Close menu' }).count(), 1);
  assert.equal(await page.locator('#main-nav').isVisible(), true);
  assert.deepEqual(errors, [], 'no errors in the page');
  await page.screenshot({ path: SCREENSHOTS + 'dashboard-phone.png' });
  await context.close();
});

test('the jobs page keeps its filters in the link and hydrates', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gotoAndWaitForWasm(page, '/jobs?status=FAILED');
  assert.equal(await page.locator('h1').textContent(), 'Jobs');
  await page.waitForTimeout(300);
  assert.deepEqual(errors, [], 'no errors in the page');
  await page.screenshot({ path: SCREENSHOTS + 'jobs.png', fullPage: true });
  await context.close();
});

test('a page brings only its own group\'s code: another group\'s chunk is fetched when one of its pages opens, without a reload', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gotoAndWaitForWasm(page, '/jobs');
  // A group's chunk is named after the function that draws its pages (app/src/routes.rs):
  // `split_draw_job_page_….wasm`.
  const modules = () => page.evaluate(() => performance.getEntriesByType('resource')
    .map((entry) => new URL(entry.name).pathname.split('/').pop())
    .filter((name) => name.endsWith('.wasm')));
  const loaded = await modules();
  assert.ok(loaded.includes('batch_bg.wasm'), `the main module: ${loaded}`);
  assert.ok(loaded.some((name) => name.startsWith('split_draw_job_page_')), `the job pages' chunk: ${loaded}`);
  for (const other of ['split_draw_definition_page_', 'split_draw_admin_page_', 'split_draw_access_page_']) {
    assert.ok(!loaded.some((name) => name.startsWith(other)), `${other} is not fetched for /jobs: ${loaded}`);
  }

  // The router fetches the next group's chunk and draws the page in place: a mark set on this
  // window survives, so the page was not reloaded.
  await page.evaluate(() => { window.beforeNavigation = true; });
  await page.locator('#main-nav a', { hasText: 'Job definitions' }).click();
  await page.locator('h1', { hasText: 'Job definitions' }).waitFor();
  await page.waitForURL(BASE_URL + '/definitions');
  assert.equal(await page.evaluate(() => window.beforeNavigation), true, 'no reload');
  assert.ok((await modules()).some((name) => name.startsWith('split_draw_definition_page_')));
  // And that page works: its JSON tab opens.
  await page.locator('[role=tab]', { hasText: 'JSON' }).click();
  await page.locator('#panel-json textarea[name="json"]').waitFor({ state: 'visible' });
  assert.deepEqual(errors, [], 'no errors in the page');
  await context.close();
});

test('the keyboard reaches everything: a skip link, "/" to search, "g" then a letter to a page, "?" for the list', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await gotoAndWaitForWasm(page, '/jobs');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'content');

  await page.keyboard.press('?');
  const list = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await list.waitFor();
  assert.match(await list.textContent(), /g\s*j\s*Jobs/);
  await page.keyboard.press('Escape');
  await list.waitFor({ state: 'detached' });

  await page.keyboard.press('/');
  await page.waitForFunction(() => document.activeElement.tagName === 'INPUT' && document.activeElement.closest('main'));
  // Typed into a field, the keys are the field's.
  await page.keyboard.type('g?');
  assert.equal(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count(), 0);
  await page.evaluate(() => document.activeElement.blur());

  await page.keyboard.press('g');
  await page.keyboard.press('e');
  await page.waitForURL((url) => url.pathname === '/environments');
  await page.locator('h1', { hasText: 'Compute environments' }).waitFor();
  await page.keyboard.press('g');
  await page.keyboard.press('d');
  await page.waitForURL((url) => url.pathname === '/');
  await context.close();
});
