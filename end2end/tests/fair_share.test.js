// Fair share in the console: a policy with two shares made by form (weights as a table), a
// queue that follows it, jobs of both shares submitted, and the queue page showing the shares
// against their targets while they contend, the front of the queue, and a waiting job's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gotoHydrated, fillForm, withSignedInAdmin, SCREENSHOTS, registerDefinitionAsJson } from './browser.js';

const session = withSignedInAdmin();

/// Polls `read` (an async function) until `ok` holds of its result; returns that result.
async function until(read, ok, what, { tries = 1200, every = 250 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await read().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`${what}: last saw ${JSON.stringify(last)}`);
}

/// What the queue page's shares table says: { share: { holding, target, waiting } }.
async function shareRows(page) {
  return page.locator('table.shares tbody tr').evaluateAll((rows) => Object.fromEntries(rows.map((row) => {
    const cells = [...row.querySelectorAll('td')].map((td) => td.textContent.trim());
    return [row.dataset.share, { holding: parseFloat(cells[3]), target: cells[2], waiting: parseInt(cells[5], 10) }];
  })));
}

test('a policy is made by form: weights as rows, a bad weight refused beside its cell', async () => {
  const page = await session.admin.newPage();
  const form = await fillForm(page, '/policies', {
    'form[name]': 'fs-policy',
    'form[share_decay_seconds]': '600',
    'form[shares][0][share_identifier]': 'teama',
    'form[shares][0][weight_factor]': '1',
    'form[shares][1][share_identifier]': 'teamb',
    'form[shares][1][weight_factor]': 'a quarter',
  });
  // One more row than the form started with: the table grows in place.
  await form.locator('button', { hasText: 'Add share' }).click();
  await form.locator('input[name="form[shares][2][share_identifier]"]').waitFor();
  await form.locator('button[type=submit]').click();
  const error = form.locator('input[name="form[shares][1][weight_factor]"] ~ .field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /weightFactor.*must be a number/);
  assert.equal(await form.locator('input[name="form[shares][0][share_identifier]"]').inputValue(), 'teama', 'what was typed stays');
  await form.locator('input[name="form[shares][1][weight_factor]"]').fill('0.25');
  await form.locator('button[type=submit]').click();
  await page.locator('.success', { hasText: 'Created policy fs-policy' }).waitFor();
  await page.locator('table.policies td', { hasText: 'teama 1 · teamb 0.25' }).waitFor();
  assert.equal(await page.locator('input[name="form[name]"]').inputValue(), '', 'the form is reset for the next policy');

  // Edit: the form opens with the policy's rows, and saving changes it.
  await gotoHydrated(page, '/policies?edit=fs-policy');
  const edit = page.locator('main form').first();
  assert.equal(await edit.locator('input[name="form[shares][1][weight_factor]"]').inputValue(), '0.25');
  await edit.locator('input[name="form[compute_reservation]"]').fill('10');
  await edit.locator('button', { hasText: 'Save policy' }).click();
  await page.locator('.success', { hasText: 'Saved policy fs-policy' }).waitFor();
  await page.locator('table.policies td', { hasText: '10%' }).waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'policies.png', fullPage: true });
  await page.close();
});

test('two shares contend on a fair-share queue and the queue page shows them against their targets', async () => {
  const page = await session.admin.newPage();
  let form = await fillForm(page, '/environments', { name: 'fs-docker', max_vcpus: '2', executor: 'docker' });
  await form.locator('button[type=submit]').click();
  await page.locator('table td', { hasText: 'fs-docker' }).first().waitFor();
  form = await fillForm(page, '/queues', { name: 'fs-queue', priority: '1', environments: 'fs-docker', scheduling_policy: 'fs-policy' });
  await form.locator('button[type=submit]').click();
  await page.locator('tr', { hasText: 'fs-queue' }).locator('td', { hasText: 'Fair share: fs-policy' }).waitFor();
  const definition = JSON.stringify({
    jobDefinitionName: 'fs-sleep',
    type: 'container',
    containerProperties: {
      image: 'batch-examples/busybox:latest',
      command: ['sh', '-c', 'sleep 4'],
      resourceRequirements: [{ type: 'VCPU', value: '0.5' }, { type: 'MEMORY', value: '16' }],
    },
  });
  await registerDefinitionAsJson(page, definition);

  // On a fair-share queue a job must say whose it is.
  form = await fillForm(page, '/submit?definition=fs-sleep:1', { 'form[job_name]': 'nobody', 'form[job_queue]': 'fs-queue' });
  await form.locator('button', { hasText: 'Submit job' }).click();
  const missing = page.locator('label', { hasText: 'Share identifier' }).locator('.field-error');
  await missing.waitFor();
  assert.match(await missing.textContent(), /shareIdentifier.*required/);

  // Team a submits a backlog first, team b (weight 0.25: four times a's part) after it.
  for (const [team, size] of [['teama', '8'], ['teamb', '8']]) {
    form = await fillForm(page, '/submit?definition=fs-sleep:1', {
      'form[job_name]': `${team}-work`, 'form[job_queue]': 'fs-queue', 'form[array_size]': size, 'form[share_identifier]': team,
    });
    await form.locator('button', { hasText: 'Submit job' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]+$/);
  }

  await gotoHydrated(page, '/queues/fs-queue');
  await page.locator('.queue-summary', { hasText: 'Fair share by policy fs-policy' }).waitFor();
  // While both have jobs waiting, b holds more than a: 4 slots of 0.5 vCPU, targets 20% / 80%.
  const contended = await until(() => shareRows(page), (rows) => rows.teama && rows.teamb
    && rows.teama.waiting > 0 && rows.teamb.waiting >= 0 && rows.teamb.holding > rows.teama.holding,
  'team b holding more than team a while a still waits');
  assert.equal(contended.teama.target, '20%');
  assert.equal(contended.teamb.target, '80%');
  await page.screenshot({ path: SCREENSHOTS + 'queue-fair-share.png', fullPage: true });

  // The front of the queue lists waiting jobs in dispatch order (a still waits, so it has
  // some); the last of them waits longest, and its page says whose it is and where it stands.
  const last = page.locator('table.front tbody tr').last().locator('a');
  const waitingUrl = await last.getAttribute('href');
  const jobPage = await session.admin.newPage();
  await gotoHydrated(jobPage, waitingUrl);
  assert.match(await jobPage.locator('dl.facts').textContent(), /Share\s*team[ab]/);
  await jobPage.locator('.queue-place', { hasText: /in dispatch order|next to be offered room/ }).waitFor();
  await jobPage.screenshot({ path: SCREENSHOTS + 'job-waiting-in-fair-share.png', fullPage: true });
  await jobPage.close();

  // Everything runs; the chart draws both shares' parts over the window against their targets.
  await until(() => shareRows(page), (rows) => rows.teama?.waiting === 0 && rows.teamb?.waiting === 0 && rows.teama.holding === 0
    && rows.teamb.holding === 0, 'all jobs done');
  await page.locator('figure.share-chart path[data-share="teama"]').waitFor();
  await page.locator('figure.share-chart path[data-share="teamb"]').waitFor();
  await page.screenshot({ path: SCREENSHOTS + 'queue-fair-share-done.png', fullPage: true });

  // The queue swaps its policy for another (as UpdateJobQueue may); the page follows.
  form = await fillForm(page, '/policies', { 'form[name]': 'fs-policy-2', 'form[shares][0][share_identifier]': 'teama' });
  await form.locator('button[type=submit]').click();
  await page.locator('.success', { hasText: 'Created policy fs-policy-2' }).waitFor();
  await gotoHydrated(page, '/queues');
  const queueRow = page.locator('tr', { hasText: 'fs-queue' });
  await queueRow.locator('select[name=scheduling_policy]').selectOption('fs-policy-2');
  await queueRow.locator('button', { hasText: 'Save' }).click();
  await queueRow.locator('td', { hasText: 'Fair share: fs-policy-2' }).waitFor();
  await gotoHydrated(page, '/queues/fs-queue');
  await page.locator('.queue-summary', { hasText: 'Fair share by policy fs-policy-2' }).waitFor();
  await page.close();
});
