// The server killed (kill -9) and started again under an open job page: the page says it lost
// the connection while the server is gone, reconnects by itself, and then shows the job as it
// really went on, without a reload: every line the job printed, once, and how it ended.
// scripts/test.sh starts the server through scripts/e2e-server.sh, which this test calls too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fillForm, withSignedInAdmin, registerDefinitionAsJson, SCREENSHOTS } from './browser.js';

const session = withSignedInAdmin();

/// `scripts/e2e-server.sh start|kill` (scripts/test.sh exports where it is).
function server(what) {
  assert.ok(process.env.E2E_SERVER, 'E2E_SERVER names scripts/e2e-server.sh (scripts/test.sh sets it)');
  execFileSync(process.env.E2E_SERVER, [what], { stdio: 'inherit', timeout: 120000 });
}

test('set-up: an environment, a queue and a definition', async () => {
  const page = await session.admin.newPage();
  let form = await fillForm(page, '/environments', { name: 'sr-docker', max_vcpus: '2', executor: 'docker' });
  await form.locator('button[type=submit]').click();
  await page.locator('.success', { hasText: 'Created compute environment sr-docker' }).waitFor();
  form = await fillForm(page, '/queues', { name: 'sr-queue', priority: '1', environments: 'sr-docker' });
  await form.locator('button[type=submit]').click();
  await page.locator('.success a', { hasText: 'sr-queue' }).waitFor();
  const definition = {
    jobDefinitionName: 'sr-shell',
    type: 'container',
    containerProperties: {
      image: 'batch-examples/busybox:latest',
      command: ['true'],
      resourceRequirements: [{ type: 'VCPU', value: '0.5' }, { type: 'MEMORY', value: '16' }],
    },
  };
  await registerDefinitionAsJson(page, JSON.stringify(definition));
  await page.close();
});

test('a job page open while the server is killed and started again says so, reconnects, and shows the job as it went on', async () => {
  const page = await session.admin.newPage();
  const script = 'for i in $(seq 1 100); do echo beat $i; sleep 0.2; done';
  const form = await fillForm(page, '/submit?definition=sr-shell:1', {
    'form[job_queue]': 'sr-queue', 'form[job_name]': 'through-a-restart', 'form[command]': `sh -c '${script}'`,
  });
  await form.locator('button', { hasText: 'Submit job' }).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]+$/);
  const path = new URL(page.url()).pathname;
  const log = page.locator('pre.log:not(.matches)');
  await log.locator('span.line', { hasText: /beat 3\s*$/ }).waitFor({ timeout: 120000 });
  // A mark that a reload would wipe: the page must catch up by itself.
  await page.evaluate(() => { window.notReloaded = true; });
  const lost = page.locator('.connection-lost');
  assert.equal(await lost.count(), 0, 'nothing is said while connected');

  server('kill');
  await lost.waitFor({ timeout: 30000 });
  await page.screenshot({ path: SCREENSHOTS + 'connection-lost.png' });
  // The job prints on while no server is there to read it.
  await page.waitForTimeout(3000);
  server('start');

  await lost.waitFor({ state: 'detached', timeout: 60000 });
  await page.locator('h1 .status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 180000 });
  await log.locator('span.line', { hasText: /beat 100\s*$/ }).waitFor({ timeout: 60000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page caught up without a reload');
  const beats = (text) => [...text.matchAll(/beat (\d+)/g)].map((m) => Number(m[1]));
  const everyBeatOnce = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(await log.getAttribute('data-loaded'), '100', 'the page holds every line, once');
  const stored = await (await page.request.get(new URL(`${path}/log`, page.url()).href)).text();
  assert.deepEqual(beats(stored), everyBeatOnce, 'the stored log holds every line, once, in order');
  await page.close();
});
