// The operator's pages (docs/operator.md) in a real browser: sign in to the
// demo with the credentials it printed (and wrote to demo-operator.json), see
// the reconciliation report with its chart, open an entry, download the CSV,
// and check every page with axe. The pages answer over HTTPS only (the demo
// CA signs the certificate: this context accepts it).

import { test, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { REPO_ROOT, SCREENSHOT_DIR, checkAxe, assert, freshTotpCode } from './helpers.mjs';

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
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `operator-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

test('the operator signs in, reads the report, opens an entry and downloads the CSV', { timeout: 120_000 }, async () => {
  const dataDir = env('MAKSA_DATA_DIR');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  assert.match(credentials.url, /^https:\/\/.+\/admin\/$/, 'the operator pages are on the TLS listener');
  assert.ok(credentials.password.length >= 16, 'a random password, not a fixed one');

  // A statement for the report: imported the way an operator would, while the hub runs.
  const statement = path.join(REPO_ROOT, 'crates/treasury/tests/statements/camt053-two-statements.xml');
  execFileSync(
    env('MAKSA_BIN'),
    ['treasury', 'import', '--database-url', `sqlite://${path.join(dataDir, 'maksa.db')}`, statement],
    { stdio: 'pipe' },
  );

  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected; acceptDownloads for the CSV.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, acceptDownloads: true, locale: 'en-GB' });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));

  // Not signed in: to the sign-in page.
  await page.goto(credentials.url);
  assert.match(page.url(), /\/admin\/sign-in$/);
  await expectState(page, 'sign-in');
  await checkAxe(page, 'operator sign-in');
  await shot(page, '01-sign-in');

  // A wrong password first: the generic message.
  await page.fill('#name', credentials.name);
  await page.fill('#password', 'not the password');
  await page.click('[data-action="sign-in"]');
  await expectState(page, 'sign-in');
  assert.match(await page.locator('[data-notice="sign-in"]').innerText(), /Wrong name, password or code/);
  await checkAxe(page, 'operator sign-in refused');

  await page.fill('#name', credentials.name);
  await page.fill('#password', credentials.password);
  await page.fill('#code', await freshTotpCode(credentials.name, credentials.totp_secret));
  await page.click('[data-action="sign-in"]');
  await page.waitForURL(/\/admin\/$/);
  await expectState(page, 'dashboard');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'maksa_operator');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true, 'Secure over TLS');
  assert.equal(session.sameSite, 'Strict');

  // The report for the statement's day, with the chart and its table.
  await page.goto(new URL('reconciliation?from=2026-11-30&to=2026-11-30', credentials.url).href);
  await expectState(page, 'report');
  assert.ok((await page.locator('table[data-table="days"] tbody tr[data-day]').count()) >= 1, 'a row per day and account');
  assert.ok((await page.locator('[data-balanced="yes"]').count()) >= 1, 'the statement adds up, said in words');
  assert.equal(await page.locator('svg.chart[role="img"]').count(), 1, 'the chart');
  assert.equal(await page.locator('table[data-table="chart-EUR"]').count(), 1, "the chart's numbers as a table");
  await checkAxe(page, 'operator report');
  await shot(page, '02-report');

  // Drill down: the day's entries, then one entry.
  await page.locator('table[data-table="days"] tbody tr[data-day] th a').first().click();
  await expectState(page, 'entries');
  assert.ok((await page.locator('tr[data-entry]').count()) >= 1, 'entries listed');
  await checkAxe(page, 'operator entries');
  await shot(page, '03-entries');

  // The CSV of the same filter.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-action="download-csv"]'),
  ]);
  const file = await download.path();
  const csv = fs.readFileSync(file, 'utf8');
  const lines = csv.split('\r\n').filter((l) => l.length > 0);
  assert.match(lines[0], /^id,booking_date,value_date,account,direction,amount,currency,outcome/);
  assert.equal(lines.length - 1, await page.locator('tr[data-entry]').count(), 'one CSV row per entry listed');

  await page.locator('tr[data-entry] th a').first().click();
  await expectState(page, 'entry');
  assert.ok((await page.locator('[data-fact="remittance"]').count()) === 1, 'the remittance shown');
  await checkAxe(page, 'operator entry');
  await shot(page, '04-entry');

  // The orders page.
  await page.goto(new URL('orders', credentials.url).href);
  await expectState(page, 'orders');
  await checkAxe(page, 'operator orders');
  await shot(page, '05-orders');

  // Sign out: the pages ask for a sign-in again.
  await page.click('[data-action="sign-out"]');
  await page.waitForURL(/\/admin\/sign-in$/);
  await page.goto(credentials.url);
  assert.match(page.url(), /\/admin\/sign-in$/);

  await context.close();
  assert.deepEqual(problems, [], 'no script errors');
});
