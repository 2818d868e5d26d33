// Job definitions as people write them: a form (command in shell syntax, environment lines,
// retry rules) with a JSON tab holding the same request both ways, errors beside the field with
// the AWS member in small print, and "Edit" registering the next revision from the one it came
// from. The definition then runs in a real container and prints what the form said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gotoHydrated, fillForm, withSignedInAdmin, SCREENSHOTS } from './browser.js';

const session = withSignedInAdmin();

/// The input of the definition form whose label starts with `label`.
function input(page, label) {
  return page.locator('#panel-form label', { hasText: label }).locator('input, textarea').first();
}

test('a definition by form round-trips through the JSON tab, registers, and runs as written', async () => {
  const page = await session.admin.newPage();
  let form = await fillForm(page, '/environments', { name: 'df-docker', max_vcpus: '2', executor: 'docker' });
  await form.locator('button[type=submit]').click();
  await page.locator('table td', { hasText: 'df-docker' }).first().waitFor();
  form = await fillForm(page, '/queues', { name: 'df-queue', priority: '1', environments: 'df-docker' });
  await form.locator('button[type=submit]').click();
  await page.locator('table td', { hasText: 'df-queue' }).first().waitFor();

  await gotoHydrated(page, '/definitions');
  await input(page, 'Name').fill('df-form');
  await input(page, 'Image').fill('batch-examples/busybox:latest');
  await input(page, 'Command').fill(`sh -c 'echo "$GREETING from $0"; exit 0' df`);
  // The argument list shows as it is typed: four arguments, the script as one.
  await page.waitForFunction(() => document.querySelectorAll('#panel-form ol.argv li').length === 4);
  assert.equal(await page.locator('#panel-form ol.argv li').nth(2).textContent(), 'echo "$GREETING from $0"; exit 0');
  await input(page, 'vCPUs').fill('0.5');
  await input(page, 'Memory').fill('16');
  await input(page, 'Environment').fill('GREETING=hello world');
  await input(page, 'Retry attempts').fill('2');
  await input(page, 'Retry rules').fill("RETRY onExitCode=3\nEXIT onExitCode='*'");
  await input(page, 'Timeout').fill('120');
  await input(page, 'Tags').fill('team=data');

  // Form -> JSON: the same request, the command as the argument array.
  await page.locator('[role=tab]', { hasText: 'JSON' }).click();
  const json = page.locator('#panel-json textarea[name=json]');
  await json.waitFor();
  const request = JSON.parse(await json.inputValue());
  assert.deepEqual(request.containerProperties.command, ['sh', '-c', 'echo "$GREETING from $0"; exit 0', 'df']);
  assert.deepEqual(request.containerProperties.environment, [{ name: 'GREETING', value: 'hello world' }]);
  assert.deepEqual(request.retryStrategy, {
    attempts: 2,
    evaluateOnExit: [{ action: 'RETRY', onExitCode: '3' }, { action: 'EXIT', onExitCode: '*' }],
  });
  assert.deepEqual(request.timeout, { attemptDurationSeconds: 120 });
  assert.deepEqual(request.tags, { team: 'data' });

  // JSON -> form: a change made in the JSON shows in the form, and a member the form has no
  // input for is kept and said to be.
  request.containerProperties.environment.push({ name: 'EXTRA', value: 'from json' });
  request.propagateTags = true;
  await json.fill(JSON.stringify(request, null, 2));
  await page.locator('[role=tab]', { hasText: 'Form' }).click();
  assert.equal(await input(page, 'Environment').inputValue(), 'GREETING=hello world\nEXTRA=from json');
  await page.locator('.kept', { hasText: 'propagateTags' }).waitFor();
  assert.equal(await input(page, 'Command').inputValue(), `sh -c 'echo "$GREETING from $0"; exit 0' df`);
  await page.screenshot({ path: SCREENSHOTS + 'definition-form.png', fullPage: true });
  await page.locator('#panel-form button[type=submit]').click();
  await page.locator('.success', { hasText: 'Created revision df-form:1' }).waitFor();
  // The form is cleared for the next one.
  assert.equal(await input(page, 'Name').inputValue(), '');

  // It runs as written: one argument with spaces, the environment from both tabs.
  form = await fillForm(page, '/submit?definition=df-form:1', { 'form[job_name]': 'df-run', 'form[job_queue]': 'df-queue' });
  await form.locator('button', { hasText: 'Submit job' }).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]+$/);
  await page.locator('h1 .status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 120000 });
  await page.locator('pre.log', { hasText: 'hello world from df' }).waitFor();
  await page.close();
});

test('a refused field is marked beside its input with the AWS member, and nothing is registered', async () => {
  const page = await session.admin.newPage();
  await gotoHydrated(page, '/definitions');
  await input(page, 'Name').fill('df-refused');
  await input(page, 'Image').fill('batch-examples/busybox:latest');
  await input(page, 'vCPUs').fill('0');
  await input(page, 'Memory').fill('16');
  await page.locator('#panel-form button[type=submit]').click();
  const error = page.locator('#panel-form label', { hasText: 'vCPUs' }).locator('.field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /VCPU must be greater than 0/);
  assert.equal(await error.locator('.api-name').textContent(), 'containerProperties.resourceRequirements[0].value');
  // What was typed stays, to be corrected.
  assert.equal(await input(page, 'Name').inputValue(), 'df-refused');
  // A mount line that is not volume:/path is refused in the form's own words.
  await input(page, 'vCPUs').fill('1');
  await input(page, 'Mount points').fill('/data');
  await page.locator('#panel-form button[type=submit]').click();
  await page.locator('#panel-form label', { hasText: 'Mount points' }).locator('.field-error', { hasText: 'volume:/container/path' }).waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'definition-refused.png', fullPage: true });
  assert.equal(await page.locator('table td', { hasText: 'df-refused' }).count(), 0, 'nothing half-registered');
  await page.close();
});

test('editing a revision registers the next one, pre-filled from it', async () => {
  const page = await session.admin.newPage();
  await gotoHydrated(page, '/definitions');
  await page.locator('tr', { hasText: 'df-form' }).locator('a', { hasText: 'Edit' }).click();
  await page.locator('h2', { hasText: 'New revision of df-form (from revision 1)' }).waitFor();
  const command = input(page, 'Command');
  await page.waitForFunction(() => document.querySelector('#panel-form input[name="form[image]"]').value !== '');
  assert.equal(await input(page, 'Image').inputValue(), 'batch-examples/busybox:latest');
  assert.equal(await command.inputValue(), `sh -c 'echo "$GREETING from $0"; exit 0' df`);
  assert.equal(await input(page, 'Retry rules').inputValue(), "RETRY onExitCode=3\nEXIT onExitCode='*'");
  await page.locator('.kept', { hasText: 'propagateTags' }).waitFor();
  await command.fill(`sh -c 'echo second revision'`);
  await page.locator('#panel-form button[type=submit]').click();
  await page.locator('.success', { hasText: 'Created revision df-form:2' }).waitFor();
  await gotoHydrated(page, '/definitions?compare=df-form');
  await page.locator('table.compare th', { hasText: 'Revision 2' }).waitFor();
  const commandRow = page.locator('table.compare tr', { hasText: 'Command' });
  await commandRow.locator('td.differs', { hasText: 'second revision' }).waitFor();
  // The member only the JSON had came along.
  await page.locator('tr', { hasText: 'df-form' }).first().locator('a', { hasText: 'Edit' }).click();
  await page.locator('h2', { hasText: 'New revision of df-form (from revision 2)' }).waitFor();
  await page.locator('[role=tab]', { hasText: 'JSON' }).click();
  const request = JSON.parse(await page.locator('#panel-json textarea[name=json]').inputValue());
  assert.equal(request.propagateTags, true);
  assert.deepEqual(request.containerProperties.command, ['sh', '-c', 'echo second revision']);
  await page.close();
});
