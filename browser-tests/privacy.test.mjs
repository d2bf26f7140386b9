// The personal-data page of the console (docs/retention.md) in a real
// browser: sign in to the demo, look up the demo payer's personal code, see
// the request the hub holds about them, download the export as JSON, reach
// the erasure's confirmation step (and cancel it), and check each page with
// axe. The pages answer over HTTPS only (the demo CA signs the certificate:
// this context accepts it).

import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT, SCREENSHOT_DIR, checkAxe, createRequest, signInToConsole, assert } from './helpers.mjs';

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
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `privacy-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

test('an operator looks a payer up, exports their data and reaches the erasure step', { timeout: 120_000 }, async () => {
  const dataDir = env('MAKSA_DATA_DIR');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  const demo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'demo', 'savepaymentrequest.json'), 'utf8'));
  const code = demo.PaymentsDataStructure.PaymentRequest.ClientInfo.ClientCode;
  // A request of the demo payer, created as the demo client would.
  const created = await createRequest();

  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected; acceptDownloads for the export.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, acceptDownloads: true });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));

  await signInToConsole(page, credentials);
  await page.goto(new URL('privacy', credentials.url).href);
  await expectState(page, 'ready');
  await checkAxe(page, 'privacy');
  await shot(page, '01-ready');

  // A code that is not one: refused, saying why.
  await page.fill('#code', '123');
  await page.click('[data-action="look-up"]');
  await expectState(page, 'refused');
  assert.equal(await page.locator('[data-notice="refused"]').count(), 1);
  await checkAxe(page, 'privacy refused');

  await page.fill('#code', code);
  await page.click('[data-action="look-up"]');
  await expectState(page, 'found');
  assert.ok((await page.locator('table[data-table="held"] tbody tr').count()) >= 1, 'the demo payer has requests');
  await checkAxe(page, 'privacy found');
  await shot(page, '02-found');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-action="export"]'),
  ]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.code, code);
  assert.ok(exported.requests.some((r) => r.id === created.id), 'the export lists the request just created');
  assert.equal(exported.requests.find((r) => r.id === created.id).payer.name, 'Paraudziņš');

  // The erasure asks for a reason, then for a confirmation; the request is
  // still open, so it would be refused: cancel at the confirmation.
  await page.fill('#reason', 'browser test: not erased');
  await page.click('[data-action="erase"]');
  await expectState(page, 'confirm');
  await checkAxe(page, 'privacy confirm');
  await shot(page, '03-confirm');
  await page.click('a[href="/admin/privacy"]');
  await expectState(page, 'ready');

  await context.close();
  assert.deepEqual(problems, [], 'no script errors');
});
