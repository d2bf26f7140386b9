// The console's accounts in a real browser (docs/operator.md): the demo's
// three operators sign in with a password and the current TOTP code; a wrong
// code is refused like a wrong password; a viewer sees the pages but no
// action and is refused the accounts; the administrator creates an account
// (a one-time password and secret) and reads the activity log with what each
// change did. Every page is checked by axe.

import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SCREENSHOT_DIR, checkAxe, assert, demoOperators, consoleSignIn } from './helpers.mjs';

let browser;
after(async () => {
  await browser?.close();
});

async function shot(page, label) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `console-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

async function newPage() {
  browser ??= await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, locale: 'en-GB' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  return { context, page, problems };
}

test('operators sign in with a TOTP code; a viewer cannot act; accounts and activity', { timeout: 120_000 }, async () => {
  const credentials = demoOperators();
  for (const name of ['operator', 'second', 'viewer']) {
    assert.ok(credentials.byName[name], `demo-operator.json names ${name}`);
    assert.match(credentials.byName[name].totp_secret, /^[A-Z2-7]{32}$/);
  }

  // A wrong code: the same answer as a wrong password.
  const { context, page, problems } = await newPage();
  await page.goto(credentials.url);
  await page.waitForURL(/\/admin\/sign-in$/);
  await expectState(page, 'sign-in');
  await checkAxe(page, 'console sign-in');
  await page.fill('#name', 'viewer');
  await page.fill('#password', credentials.byName.viewer.password);
  await page.fill('#code', '000000');
  await page.click('[data-action="sign-in"]');
  await expectState(page, 'sign-in');
  assert.match(await page.locator('[data-notice="sign-in"]').innerText(), /Wrong name, password or code/);
  await checkAxe(page, 'console sign-in refused');

  // The viewer: every page, no action.
  await consoleSignIn(page, credentials, 'viewer');
  for (const [where, state] of [['cards', 'cards'], ['activity', 'activity'], ['orders', 'orders']]) {
    await page.goto(new URL(where, credentials.url).href);
    await expectState(page, state);
    await checkAxe(page, `console ${where} as a viewer`);
  }
  await page.goto(new URL('cards', credentials.url).href);
  assert.equal(await page.locator('[data-action="propose-reversal"], [data-action="close-day"]').count(), 0, 'a viewer has no actions');
  const refused = await page.goto(new URL('accounts', credentials.url).href);
  assert.equal(refused.status(), 403);
  await expectState(page, 'forbidden');
  await checkAxe(page, 'console forbidden');
  await shot(page, '01-viewer-forbidden');
  await page.click('[data-action="sign-out"]');
  await page.waitForURL(/\/admin\/sign-in$/);

  // The administrator: a new account, then the activity log.
  await consoleSignIn(page, credentials, 'operator');
  await page.goto(new URL('accounts', credentials.url).href);
  await expectState(page, 'accounts');
  await checkAxe(page, 'console accounts');
  const name = `tester${Date.now() % 100000}`;
  await page.fill('#new-name', name);
  await page.selectOption('#new-role', 'viewer');
  await page.click('[data-action="create-account"]');
  await expectState(page, 'accounts');
  assert.equal((await page.locator('[data-password]').innerText()).length, 20, 'a one-time password');
  assert.match(await page.locator('[data-totp-uri]').innerText(), /^otpauth:\/\/totp\/maksa%3Atester/);
  assert.equal(await page.locator(`tr[data-account="${name}"][data-role="viewer"]`).count(), 1);
  await checkAxe(page, 'console account created');
  await shot(page, '02-account-created');
  await page.locator(`tr[data-account="${name}"] [data-action="disable"]`).click();
  await page.waitForURL(/\/admin\/accounts\?notice=done$/);
  assert.equal(await page.locator(`tr[data-account="${name}"][data-disabled="true"]`).count(), 1);

  await page.goto(new URL('activity?operator=operator', credentials.url).href);
  await expectState(page, 'activity');
  const disabled = page.locator('tr[data-kind="operator.account_disabled"]').first();
  assert.match(await disabled.locator('[data-before]').innerText(), /"disabled":false/);
  assert.match(await disabled.locator('[data-after]').innerText(), /"disabled":true/);
  await checkAxe(page, 'console activity');
  await shot(page, '03-activity');

  await context.close();
  assert.deepEqual(problems, [], 'no script errors');
});
