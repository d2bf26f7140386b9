// The console's catalogue (docs/console-catalogue.md) in a real browser: the
// demo's administrator signs in, schedules a price change for a position, sees
// it listed under the position's scheduled changes, adds a position through
// its form and sees it in the catalogue (a wrong price shown beside its
// field), and every page of the catalogue and the certificate registry passes
// axe with no violation.

import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SCREENSHOT_DIR, checkAxe, assert, signInToConsole } from './helpers.mjs';

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
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `catalogue-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

/** `YYYY-MM-DD` of a day `days` after `from` (UTC). */
function dayAfter(from, days) {
  const at = new Date(`${from}T12:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

test('the administrator schedules a price change and sees it listed', { timeout: 120_000 }, async () => {
  const credentials = JSON.parse(fs.readFileSync(path.join(env('MAKSA_DATA_DIR'), 'demo-operator.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));
  const at = (where) => new URL(where, credentials.url).href;

  await signInToConsole(page, credentials);
  await page.goto(at('/admin/catalogue'));
  await expectState(page, 'catalogue');
  await checkAxe(page, 'catalogue');
  await shot(page, '01-catalogue');

  // A day after any change already scheduled (the demo may have run this before).
  const row = page.locator('tr[data-position="03G10/172"]');
  const scheduled = await row.locator('li[data-from]').evaluateAll((items) => items.map((li) => li.getAttribute('data-from')));
  const tomorrow = dayAfter(new Date().toISOString().slice(0, 10), 2);
  const latest = scheduled.sort().at(-1);
  const day = latest ? dayAfter(latest, 1) : dayAfter(tomorrow, 30);

  await page.selectOption('#position', '03G10/172');
  await page.fill('#from', day);
  await page.fill('#unit_price', '2.75');
  await shot(page, '02-schedule-form');
  await page.click('[data-action="schedule-price"]');
  await page.waitForURL(/\/admin\/catalogue\?notice=scheduled$/);
  await expectState(page, 'catalogue');
  assert.equal(await page.locator('[data-notice="saved"]').count(), 1);
  const change = row.locator(`li[data-from="${day}"]`);
  assert.equal(await change.count(), 1, `the change from ${day} is listed`);
  assert.match(await change.innerText(), /2\.75 EUR/);
  // Today's price is still the old one.
  assert.equal(await row.locator('[data-price-today]').getAttribute('data-price-today'), '2.50');
  await checkAxe(page, 'catalogue after scheduling');
  await shot(page, '03-scheduled');

  // A day in the past is refused, and says so.
  await page.selectOption('#position', '03G10/172');
  await page.fill('#from', '2001-01-01');
  await page.fill('#unit_price', '9.00');
  // The form's own `min` stops this in the browser; the hub must refuse it
  // too, so the browser's check is switched off for this one submission.
  await page.locator('[data-action="schedule-price"]').evaluate((button) => {
    button.form.noValidate = true;
  });
  // The refusal answers the POST itself (no redirect): wait for its page.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/admin/catalogue/prices')),
    page.click('[data-action="schedule-price"]'),
  ]);
  await page.waitForSelector('main[data-state="refused"]');
  await expectState(page, 'refused');
  await checkAxe(page, 'refused price change');

  await page.goto(at('/admin/catalogue/edit'));
  await expectState(page, 'edit-catalogue');
  assert.match(await page.locator('#toml').inputValue(), /\[\[position\]\]/);
  await checkAxe(page, 'catalogue as TOML');
  await shot(page, '04-edit');

  await page.goto(at('/admin/certificates'));
  await expectState(page, 'certificates');
  await checkAxe(page, 'certificate registry');
  await shot(page, '05-certificates');

  // A certificate's page with its secrets, and the retirement's confirmation.
  const certificate = page.locator('table[data-table="certificates"] td a').first();
  if ((await certificate.count()) > 0) {
    await certificate.click();
    await page.waitForSelector('main[data-state="certificate"]');
    await checkAxe(page, 'a certificate');
    const thumbprint = new URL(page.url()).pathname.split('/').at(-1);
    await page.goto(at(`/admin/certificates/${thumbprint}/retire-secrets`));
    await expectState(page, 'confirm-retire');
    await checkAxe(page, 'retiring old secrets');
  }

  // A position added through its form, then listed in the catalogue.
  const code = `B${Date.now() % 1_000_000}`;
  await page.goto(at('/admin/catalogue'));
  await page.click('[data-action="add-position"]');
  await page.waitForSelector('main[data-state="entry"]');
  await checkAxe(page, 'the position form');
  await shot(page, '06-position-form');
  await page.selectOption('#entry-step', '03G10');
  await page.fill('#entry-code', code);
  await page.fill('#entry-name', 'Pārlūka tests');
  await page.fill('#entry-unit_price', '3,25');
  await page.selectOption('#entry-payee', 'LV12TREL9150000000001');
  await page.click('[data-action="save-entry"]');
  await page.waitForURL(/\/admin\/catalogue\?notice=entry$/);
  await expectState(page, 'catalogue');
  const added = page.locator(`tr[data-position="03G10/${code}"]`);
  assert.equal(await added.count(), 1, `position ${code} is listed`);
  assert.equal(await added.locator('[data-price-today]').getAttribute('data-price-today'), '3.25');
  await shot(page, '07-position-added');

  // A wrong price: the form again, the error beside the field.
  await added.locator('a[data-edit="position"]').click();
  await page.waitForSelector('main[data-state="entry"]');
  await page.fill('#entry-unit_price', '3.255');
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/admin/catalogue/entries/position')),
    page.click('[data-action="save-entry"]'),
  ]);
  await page.waitForSelector('[data-error-for="unit_price"]');
  await checkAxe(page, 'the position form with an error');
  await shot(page, '08-position-error');

  // The service provider, service, step and payee forms.
  for (const form of ['service-provider', 'service', 'step', 'payee?key=LV12TREL9150000000001']) {
    await page.goto(at(`/admin/catalogue/entries/${form}`));
    await expectState(page, 'entry');
    await checkAxe(page, `the ${form} form`);
  }

  assert.deepEqual(problems, [], 'no script errors');
});
