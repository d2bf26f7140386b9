// The console's dashboard and reports (docs/dashboard.md) in a real browser:
// sign in to the demo with the credentials it wrote to demo-operator.json,
// see the dashboard with its charts and their tables — filled by the demo's
// payment history right after sign-in, before anyone paid — check it with
// axe, take a screenshot, and download the payments report as CSV.

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
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `dashboard-${label}.png`), fullPage: true });
}

async function expectState(page, state) {
  const shown = await page.evaluate(() => document.querySelector('main[data-state]')?.getAttribute('data-state') ?? null);
  assert.equal(shown, state, `the page ${page.url()} shows data-state ${shown}`);
}

test('an operator sees the dashboard in pictures and downloads the report', { timeout: 120_000 }, async () => {
  const dataDir = env('MAKSA_DATA_DIR');
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-operator.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.MAKSA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // bypassCSP only so that axe can be injected; acceptDownloads for the CSV.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, acceptDownloads: true });
  const problems = [];
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(credentials.url);
  await signInToConsole(page, credentials);
  await page.waitForURL(/\/admin\/$/);
  await expectState(page, 'dashboard');

  // At least one chart, a labelled image, with its numbers in a table right after it.
  const charts = page.locator('svg.chart[role="img"]');
  assert.ok((await charts.count()) >= 1, 'a chart');
  assert.ok((await charts.first().locator('title').count()) === 1, 'the chart has a title');
  const id = await charts.first().getAttribute('data-chart');
  assert.equal(await page.locator(`table[data-table="${id}"]`).count(), 1, "the chart's numbers as a table");
  assert.ok((await page.locator('[data-queue]').count()) >= 3, 'the queues that need a person');
  // The demo's history: paid money at several banks, for both services, and
  // each bank's time to confirmation.
  const money = async (selector) => (await page.locator(selector).allInnerTexts())
    .map((text) => Number(text.replace(/[^0-9.-]/g, '')))
    .filter((value) => value > 0);
  assert.ok((await money('table[data-table="totals-provider"] td[data-money]')).length >= 3, 'paid money at several banks');
  assert.ok((await money('table[data-table="totals-service"] td[data-money]')).length >= 2, 'paid money for both services');
  const medians = await page.locator('table[data-table="providers"] td[data-median]').allInnerTexts();
  assert.ok(medians.filter((m) => /^\d+:\d\d:\d\d$/.test(m.trim())).length >= 3, `times to confirmation: ${medians}`);
  await checkAxe(page, 'dashboard');
  await shot(page, '01-dashboard');

  // The reports page and its CSV.
  await page.goto(new URL('reports?period=month', credentials.url).href);
  await expectState(page, 'reports');
  await checkAxe(page, 'reports');
  await shot(page, '02-reports');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-action="download-csv"]'),
  ]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^period,service,payee,payee_iban,currency,payments,amount\r\n/);
  assert.deepEqual(problems, [], 'no script errors');
});
