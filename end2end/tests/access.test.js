import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, gotoAndWaitForWasm, signIn, signedInContext, ADMIN, SCREENSHOTS, BASE_URL } from './browser.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const VIEWER = { username: 'viewer-e2e', password: 'viewer e2e password' };

test('a link opened signed out leads through sign-in and back to that link', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(BASE_URL + '/jobs?status=FAILED');
  const login = new URL(page.url());
  assert.equal(login.pathname, '/login');
  assert.equal(login.searchParams.get('next'), '/jobs?status=FAILED');
  await page.screenshot({ path: SCREENSHOTS + 'sign-in.png' });

  // A wrong password keeps the return target.
  await page.fill('input[name=username]', ADMIN.username);
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.searchParams.has('error'));
  assert.match(await page.getByRole('alert').textContent(), /wrong username or password/);

  await signIn(page, ADMIN);
  const back = new URL(page.url());
  assert.equal(back.pathname + back.search, '/jobs?status=FAILED');
  assert.equal(await page.locator('h1').textContent(), 'Jobs');
  const cookie = (await context.cookies()).find((c) => c.name === 'batch_session');
  assert.ok(cookie.httpOnly, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Lax');
  await context.close();
});

test('an admin creates a viewer, who sees no admin pages and is refused by the server', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await gotoAndWaitForWasm(page, '/users');
  await page.fill('form.inline-form input[name=username]', VIEWER.username);
  await page.fill('form.inline-form input[name=password]', VIEWER.password);
  await page.selectOption('form.inline-form select[name=role]', 'viewer');
  // The form is an ActionForm: hydrated, it posts in the background and the list refreshes.
  for (let i = 0; i < 50; i++) {
    await page.click('form.inline-form button:has-text("Create user")');
    try {
      await page.locator('table.users td', { hasText: VIEWER.username }).first().waitFor({ timeout: 2000 });
      break;
    } catch { /* not hydrated yet: try again */ }
  }
  assert.equal(await page.locator('table.users td:first-child', { hasText: VIEWER.username }).count(), 1);
  await page.screenshot({ path: SCREENSHOTS + 'users.png', fullPage: true });
  await gotoAndWaitForWasm(page, '/audit');
  assert.ok(await page.locator('table.audit td', { hasText: 'ManageUsers' }).count() >= 1, 'the creation is audited');
  await page.screenshot({ path: SCREENSHOTS + 'audit.png', fullPage: true });
  await context.close();

  const viewer = await signedInContext(browser, VIEWER);
  const viewerPage = await viewer.newPage();
  await viewerPage.goto(BASE_URL + '/');
  assert.equal(await viewerPage.locator('.who .role').textContent(), 'viewer');
  assert.equal(await viewerPage.locator('nav a[href="/users"]').count(), 0, 'no Users link for a viewer');
  await viewerPage.goto(BASE_URL + '/users');
  assert.match(await viewerPage.locator('.content').textContent(), /forbidden/);
  await viewer.close();
});

test('a user creates an access key and sees its secret once', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await gotoAndWaitForWasm(page, '/access-keys');
  for (let i = 0; i < 50; i++) {
    await page.click('button:has-text("Create access key")');
    try {
      await page.locator('.secret-access-key').waitFor({ timeout: 2000 });
      break;
    } catch { /* not hydrated yet */ }
  }
  const id = await page.locator('.access-key-id').textContent();
  const secret = await page.locator('.secret-access-key').textContent();
  assert.match(id, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(secret.length, 40);
  await page.locator('table.keys td', { hasText: id }).first().waitFor();
  await page.locator('table.keys tr', { hasText: id }).getByRole('button', { name: 'Copy access key id' }).waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'access-keys.png', fullPage: true });
  await page.reload();
  assert.equal(await page.locator('.secret-access-key').count(), 0, 'the secret is not shown again');
  assert.equal(await page.content().then((html) => html.includes(secret)), false);
  await context.close();
});

test('an admin creates a secret from the console; its value is never shown again', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await gotoAndWaitForWasm(page, '/secrets');
  const value = 'e2e-secret-value-never-shown';
  await page.fill('input[name=name]', 'e2e-db-password');
  await page.fill('input[name=value]', value);
  await page.fill('input[name=description]', 'the test database');
  await page.locator('button', { hasText: 'Create secret' }).click();
  await page.locator('table.secrets td', { hasText: 'e2e-db-password' }).first().waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'secrets.png', fullPage: true });
  await page.reload();
  await page.locator('table.secrets td', { hasText: 'e2e-db-password' }).first().waitFor();
  assert.ok(!(await page.content()).includes(value), 'the value is not on the page');
  assert.match(await page.locator('table.secrets').textContent(), /arn:aws:secretsmanager:.*:secret:e2e-db-password/);
  await page.locator('table.secrets tr', { hasText: 'e2e-db-password' }).getByRole('button', { name: 'Copy secret ARN' }).waitFor();
  await context.close();
});

test('disabling a user asks first and takes a reason, which the audit log keeps; enabling does not ask', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const who = { username: 'leaver-e2e', password: 'leaver e2e password' };
  await createUserOnPage(page, who);
  const row = () => page.locator('table.users tr', { hasText: who.username });
  await row().locator('summary', { hasText: 'Disable' }).click();
  await row().locator('.confirm-box', { hasText: `Disable ${who.username}?` }).waitFor();
  assert.equal(await row().locator('.state.enabled').count(), 1, 'opening the question disables nothing');
  await row().locator('input[name=reason]').fill('left the team');
  await row().locator('button', { hasText: 'Yes, disable' }).click();
  await row().locator('.state.disabled').waitFor();
  await row().locator('button', { hasText: 'Enable' }).click();
  await row().locator('.state.enabled').waitFor();
  await gotoAndWaitForWasm(page, '/audit');
  await page.locator('table.audit tr', { hasText: who.username }).locator('td', { hasText: 'reason: left the team' }).waitFor();
  await context.close();
});

/// Creates `who` as an operator through the Users page's form (retried until hydrated).
async function createUserOnPage(page, who) {
  await gotoAndWaitForWasm(page, '/users');
  await page.fill('form.inline-form input[name=username]', who.username);
  await page.fill('form.inline-form input[name=password]', who.password);
  await page.selectOption('form.inline-form select[name=role]', 'operator');
  await page.click('form.inline-form button:has-text("Create user")');
  await page.locator('table.users td', { hasText: who.username }).first().waitFor();
}
