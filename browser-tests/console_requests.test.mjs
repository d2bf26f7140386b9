// The console's payment requests (docs/console-requests.md) in a real
// browser, in `maksa demo`: sign in with the credentials the demo wrote to
// demo-operator.json, find a new request by its number, open it, cancel it
// (its notification is queued), re-send that notification, and check every
// page with axe. The pages answer over HTTPS only (the demo CA signs the
// certificate: this context accepts it).

import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SCREENSHOT_DIR, checkAxe, assert, createRequest, signInToConsole } from './helpers.mjs';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`cargo test -p maksa --test browser\``);
  return value;
}

let browser;
after(async () => {
  await browser?.close();
});

async function shot(page, label) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `console-requests-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

async function expectNotice(page, notice) {
  const shown = page.locator(`[role="status"][data-notice="${notice}"]`);
  assert.equal(await shown.count(), 1, `the notice ${notice} on ${page.url()}`);
}

test('an operator finds a request, opens it, cancels it and re-sends its notification', { timeout: 120_000 }, async () => {
  const dataDir = env('MAKSA_DATA_DIR');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  const created = await createRequest();

  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));

  await signInToConsole(page, credentials);
  const base = new URL(credentials.url).origin;

  // The search: every request first, then by the new request's id.
  await page.goto(`${base}/admin/requests`);
  await expectState(page, 'requests');
  await checkAxe(page, 'console requests search');
  await page.fill('#f-id', created.id);
  await page.click('[data-action="search"]');
  await expectState(page, 'requests');
  const rows = page.locator('tr[data-request]');
  assert.equal(await rows.count(), 1, 'the id finds one request');
  assert.equal(await rows.first().getAttribute('data-request'), created.id);
  await shot(page, '01-search');

  // A bad filter: 400 with the field named.
  await page.goto(`${base}/admin/requests?status=X`);
  await expectState(page, 'bad-filter');
  assert.equal(await page.locator('[data-notice="bad-filter"][data-field="status"]').count(), 1);
  await checkAxe(page, 'console requests bad filter');

  // Open it by its number.
  await page.goto(`${base}/admin/requests?id=${created.id}`);
  await page.click('[data-action="open-request"]');
  await expectState(page, 'request');
  assert.ok((await page.locator('tr[data-what="payment_request.created"]').count()) === 1, 'the timeline starts with the creation');
  await checkAxe(page, 'console request');
  await shot(page, '02-request');

  // Cancel: the client's notification is queued.
  await page.click('[data-action="cancel"]');
  await expectState(page, 'request');
  await expectNotice(page, 'cancelled');
  assert.equal(await page.locator('dd[data-status="C"]').count(), 1);
  const notifications = page.locator('tr[data-notification]');
  assert.ok((await notifications.count()) >= 1, 'a notification of the cancellation');
  await checkAxe(page, 'console request cancelled');

  // Re-send it: one more notification, and the operator's event on the timeline.
  const before = await notifications.count();
  await notifications.first().locator('[data-action="resend"]').click();
  await expectState(page, 'request');
  await expectNotice(page, 'resent');
  assert.equal(await page.locator('tr[data-notification]').count(), before + 1);
  assert.equal(await page.locator('tr[data-what="notification.resent"]').count(), 1);
  await checkAxe(page, 'console request re-sent');
  await shot(page, '03-resent');

  assert.deepEqual(problems, [], 'no script errors');
});
