// The console end to end, as a team uses it: set up an environment, a queue and a definition,
// submit, watch the job run live, share its link, cancel, and see what a viewer may do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gotoHydrated, signIn, signedInContext, createUser, fillForm, withSignedInAdmin, SCREENSHOTS, BASE_URL, registerDefinitionAsJson } from './browser.js';

const session = withSignedInAdmin();

const VIEWER = { username: 'viewer-workflow', password: 'viewer workflow password' };
let jobUrl;

async function createIn(page, path, fields, rowText) {
  const form = await fillForm(page, path, fields);
  await form.locator('button[type=submit]').click();
  await page.locator('table td', { hasText: rowText }).first().waitFor();
}

test('an admin sets up an environment, a queue and a definition from the console', async () => {
  const page = await session.admin.newPage();
  await createIn(page, '/environments', { name: 'wf-docker', max_vcpus: '2', executor: 'docker' }, 'wf-docker');
  await createIn(page, '/environments', { name: 'wf-parked', max_vcpus: '1', executor: 'docker' }, 'wf-parked');
  // Park the second environment: its queue's jobs stay RUNNABLE, to be cancelled later.
  const parked = page.locator('tr', { hasText: 'wf-parked' });
  // Disabling asks first.
  await parked.locator('summary', { hasText: 'Disable' }).click();
  await parked.locator('button', { hasText: 'Yes, disable' }).click();
  await parked.locator('.state.disabled').waitFor();
  // Host access is the administrator's decision: "/" is refused with the field named, a folder
  // is listed and shown.
  const docker = page.locator('tr', { hasText: 'wf-docker' });
  await docker.locator('summary[aria-label="Edit host access of wf-docker"]').click();
  await docker.locator('textarea[name=allowed_host_paths]').fill('/');
  await docker.locator('button', { hasText: 'Save host access' }).click();
  await page.locator('.error', { hasText: 'allowedHostPaths[0]' }).waitFor();
  await docker.locator('textarea[name=allowed_host_paths]').fill('/srv/batch-data');
  await docker.locator('button', { hasText: 'Save host access' }).click();
  await docker.locator('td.host-access', { hasText: 'paths /srv/batch-data' }).waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'environments.png', fullPage: true });

  await createIn(page, '/queues', { name: 'wf-queue', priority: '5', environments: 'wf-docker' }, 'wf-queue');
  await createIn(page, '/queues', { name: 'wf-parked-queue', priority: '1', environments: 'wf-parked' }, 'wf-parked-queue');
  // Edit in place: the queue's priority.
  await page.fill('input[aria-label="Priority of wf-queue"]', '7');
  await page.locator('tr', { hasText: 'wf-queue' }).first().locator('button', { hasText: 'Save' }).click();
  await page.locator('tr', { hasText: 'wf-queue' }).first().locator('td.count', { hasText: '7' }).waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'queues.png', fullPage: true });

  const definition = JSON.stringify({
    jobDefinitionName: 'wf-hello',
    type: 'container',
    containerProperties: {
      image: 'batch-examples/busybox:latest',
      command: ['sh', '-c', 'sleep 2; echo hello-from-the-workflow'],
      resourceRequirements: [{ type: 'VCPU', value: '0.5' }, { type: 'MEMORY', value: '32' }],
    },
  });
  await registerDefinitionAsJson(page, definition);
  // A second revision, compared side by side with the first: what changed is marked.
  await registerDefinitionAsJson(page, definition.replace('hello-from-the-workflow', 'second revision'));
  await gotoHydrated(page, '/definitions?compare=wf-hello');
  await page.locator('table.compare th', { hasText: 'Revision 2' }).waitFor();
  assert.equal(await page.locator('table.compare td.differs').count() >= 1, true, 'the command differs');
  await page.screenshot({ path: SCREENSHOTS + 'definitions.png', fullPage: true });
  await page.close();
});

test('a bad field is refused with its message next to it', async () => {
  const page = await session.admin.newPage();
  await gotoHydrated(page, '/submit?definition=wf-hello:1');
  await page.fill('input[name="form[job_name]"]', 'too-small-array');
  await page.selectOption('select[name="form[job_queue]"]', 'wf-queue');
  await page.fill('input[name="form[array_size]"]', '1');
  await page.click('button:has-text("Submit job")');
  const message = page.locator('label', { hasText: 'Array size' }).locator('.field-error');
  await message.waitFor();
  assert.match(await message.textContent(), /arrayProperties\.size/);
  await page.screenshot({ path: SCREENSHOTS + 'submit-error.png', fullPage: true });
  await page.close();
});

test('a submitted job goes RUNNING then SUCCEEDED and its output appears without a reload', async () => {
  const page = await session.admin.newPage();
  await gotoHydrated(page, '/submit?definition=wf-hello:1');
  await page.fill('input[name="form[job_name]"]', 'live-job');
  await page.selectOption('select[name="form[job_queue]"]', 'wf-queue');
  await page.click('button:has-text("Submit job")');
  await page.waitForURL(/\/jobs\/[0-9a-f-]+$/);
  jobUrl = page.url();
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  const seen = new Set();
  for (let i = 0; i < 600 && !seen.has('SUCCEEDED'); i++) {
    const status = await page.locator('h1 .status').textContent().catch(() => '');
    seen.add(status);
    if (!seen.has('SUCCEEDED')) await page.waitForTimeout(100);
  }
  assert.ok(seen.has('RUNNING'), `saw RUNNING on the way: ${[...seen]}`);
  assert.ok(seen.has('SUCCEEDED'), `reached SUCCEEDED: ${[...seen]}`);
  await page.locator('pre.log', { hasText: 'hello-from-the-workflow' }).waitFor({ timeout: 10000 });
  assert.equal(navigations, 0, 'no reload');
  await page.screenshot({ path: SCREENSHOTS + 'job.png', fullPage: true });
  await gotoHydrated(page, '/');
  assert.ok(await page.locator('figure.chart svg rect').count() >= 4, 'the last hour is charted');
  await page.screenshot({ path: SCREENSHOTS + 'dashboard.png', fullPage: true });
  await page.close();
});

test("a job's link opened signed out leads through sign-in to that job", async () => {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  await page.goto(jobUrl);
  assert.equal(new URL(page.url()).pathname, '/login');
  await signIn(page, { username: process.env.E2E_ADMIN ?? 'admin', password: process.env.E2E_PASSWORD ?? 'end-to-end admin password' });
  assert.equal(page.url(), jobUrl);
  assert.equal(await page.locator('h1').first().textContent().then((t) => t.startsWith('live-job')), true);
  await context.close();
});

test('a runnable job is cancelled from its page', async () => {
  const page = await session.admin.newPage();
  await gotoHydrated(page, '/submit?definition=wf-hello:1');
  await page.fill('input[name="form[job_name]"]', 'parked-job');
  await page.selectOption('select[name="form[job_queue]"]', 'wf-parked-queue');
  await page.click('button:has-text("Submit job")');
  await page.waitForURL(/\/jobs\/[0-9a-f-]+$/);
  await page.locator('h1 .status', { hasText: 'RUNNABLE' }).waitFor({ timeout: 15000 });
  // The dashboard says why the queue's jobs wait, and each count opens the list it counts.
  const dashboard = await session.admin.newPage();
  const reason = dashboard.locator('.waiting-queue', { hasText: 'wf-parked-queue' }).locator('li', { hasText: 'No ENABLED compute environment' });
  for (let tries = 0; (await reason.count()) === 0; tries++) {
    assert.ok(tries < 60, 'the waiting reason reaches the dashboard');
    await gotoHydrated(dashboard, '/');
    await dashboard.waitForTimeout(500);
  }
  assert.match(await reason.locator('a.count').textContent(), /^1 job$/);
  assert.equal(await reason.locator('a.count').getAttribute('href'), '/jobs?queue=wf-parked-queue&status=RUNNABLE');
  const runnable = dashboard.locator('table.queues tr', { hasText: 'wf-parked-queue' }).locator('td.count a', { hasText: '1' });
  assert.equal(await runnable.getAttribute('href'), '/jobs?queue=wf-parked-queue&status=RUNNABLE');
  await dashboard.screenshot({ path: SCREENSHOTS + 'dashboard-waiting.png', fullPage: true });
  await dashboard.close();
  await page.waitForSelector('body[data-hydrated]');
  await page.fill('input[aria-label="Reason for cancelling"]', 'not needed after all');
  await page.click('button:has-text("Cancel job")');
  await page.locator('h1 .status', { hasText: 'FAILED' }).waitFor({ timeout: 15000 });
  assert.match(await page.locator('.reason').first().textContent(), /not needed after all/);
  await page.close();
});

test('a viewer sees no buttons that change anything', async () => {
  const page = await session.admin.newPage();
  await createUser(page, VIEWER, 'viewer');
  await page.close();
  const viewer = await signedInContext(session.browser, VIEWER);
  const viewerPage = await viewer.newPage();
  await gotoHydrated(viewerPage, new URL(jobUrl).pathname);
  assert.equal(await viewerPage.locator('h1 .status').textContent(), 'SUCCEEDED');
  for (const label of ['Cancel job', 'Terminate job', 'Clone and resubmit']) {
    assert.equal(await viewerPage.locator(`text=${label}`).count(), 0, `${label} hidden`);
  }
  await gotoHydrated(viewerPage, '/environments');
  assert.equal(await viewerPage.locator('button', { hasText: 'Create environment' }).count(), 0);
  assert.equal(await viewerPage.locator('summary', { hasText: 'Disable' }).count(), 0);
  await gotoHydrated(viewerPage, '/definitions');
  assert.equal(await viewerPage.locator('button', { hasText: 'Register' }).count(), 0);
  await gotoHydrated(viewerPage, '/jobs?queue=wf-queue');
  assert.equal(await viewerPage.locator('input[type=checkbox]').count(), 0, 'no bulk selection');
  await viewer.close();
});
