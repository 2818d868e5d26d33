// Shared set-up of the browser tests: Debian's Chromium, headless, with the flags that work on
// this machine's closed network. BASE_URL is the console that scripts/test.sh started.
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';
import { mkdirSync } from 'node:fs';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const SCREENSHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      // scripts/test.sh runs the browser in a network namespace of its own, where the console is
      // at an address that is not loopback: a secure context all the same (the clipboard needs one).
      `--unsafely-treat-insecure-origin-as-secure=${BASE_URL}`,
    ],
  });
}

/// Resolves once the page's WebAssembly bundle has been fetched and has hydrated the page (the
/// app marks <body>): a fetched bundle is not yet a page whose handlers answer keys and clicks.
export async function gotoAndWaitForWasm(page, path) {
  const wasmLoaded = page.waitForResponse((r) => r.url().endsWith('.wasm') && r.ok());
  await page.goto(BASE_URL + path);
  await wasmLoaded;
  await page.waitForSelector('body[data-hydrated]', { timeout: 60000 });
}

/// The administrator scripts/test.sh creates with `server users create` before the tests.
export const ADMIN = { username: process.env.E2E_ADMIN ?? 'admin', password: process.env.E2E_PASSWORD ?? 'end-to-end admin password' };

/// Signs in through the sign-in form on `page` (which must show it) and waits to leave it.
export async function signIn(page, who) {
  await page.fill('input[name=username]', who.username);
  await page.fill('input[name=password]', who.password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/login')),
    page.click('form[action="/auth/login"] button[type=submit]'),
  ]);
}

/// A browser context already signed in as `who`.
export async function signedInContext(browser, who = ADMIN, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(BASE_URL + '/login');
  await signIn(page, who);
  await page.close();
  return context;
}

/// Opens `path` and waits until the WASM has hydrated the page (the app marks <body>).
export async function gotoHydrated(page, path) {
  await page.goto(BASE_URL + path);
  await page.waitForSelector('body[data-hydrated]', { timeout: 30000 });
}

/// Creates a user on the Users page (the page must be signed in as an admin).
export async function createUser(page, who, role) {
  await gotoHydrated(page, '/users');
  const form = page.locator('main form.inline-form').first();
  await form.locator('input[name=username]').fill(who.username);
  await form.locator('input[name=password]').fill(who.password);
  await form.locator('select[name=role]').selectOption(role);
  await form.locator('button[type=submit]').click();
  await page.locator('table.users td', { hasText: who.username }).first().waitFor();
}

/// Opens `path`, fills the first form of the page (`fields`: input name to value; a select is
/// chosen by value) and returns the form, for the caller to submit.
export async function fillForm(page, path, fields) {
  await gotoHydrated(page, path);
  const form = page.locator('main form').first();
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`);
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
  return form;
}

/// Registers a job definition from its AWS JSON through the JSON tab of /definitions, and waits
/// until the console says which revision it made.
export async function registerDefinitionAsJson(page, json) {
  await gotoHydrated(page, '/definitions');
  await page.locator('[role=tab]', { hasText: 'JSON' }).click();
  const form = page.locator('#panel-json form');
  await form.locator('[name="json"]').fill(json);
  await form.locator('button[type=submit]').click();
  await page.locator('.success', { hasText: `Created revision ${JSON.parse(json).jobDefinitionName}:` }).waitFor();
}

/// Launches the browser before a file's tests and signs in the administrator; closes it after.
/// Returns `{ browser, admin }`, filled in once the file's tests start.
export function withSignedInAdmin() {
  const session = {};
  before(async () => {
    session.browser = await launch();
    session.admin = await signedInContext(session.browser);
  });
  after(async () => { await session.browser?.close(); });
  return session;
}

/// axe-core's serious and critical accessibility violations on the page as it is now, each as
/// "rule: target (help)". axe runs inside the page, from the npm package (no network).
export async function accessibilityViolations(page) {
  await page.addScriptTag({ path: new URL('../node_modules/axe-core/axe.min.js', import.meta.url).pathname });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.help})`));
}
